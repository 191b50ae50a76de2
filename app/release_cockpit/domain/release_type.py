"""Release type from versions and refs: semver against the running version, or a hotfix ref."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import semver

from release_cockpit.domain.release_enums import ReleaseType

VERSION = r"(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)"
"""A semantic version (https://semver.org), what ``{version}`` stands for in a pattern."""
_REF_PREFIXES = ("refs/tags/", "refs/heads/")


@dataclass(frozen=True, slots=True)
class VersionPatterns:
    """Where a release's version is read from: whole-ref patterns with one ``{version}``.

    The whole ref must match, so a bot's branch that merely contains a version
    (``dependabot/pip/tensorflow-2.3.1``) is never taken for release 2.3.1.
    """

    patterns: tuple[str, ...]

    def __post_init__(self) -> None:
        for pattern in self.patterns:
            if pattern.count("{version}") != 1:
                raise ValueError(f"'{pattern}' must hold {{version}} exactly once")

    @property
    def _compiled(self) -> tuple[re.Pattern[str], ...]:
        return _compile(self.patterns)

    def read(self, ref: str) -> str | None:
        """The version in ``ref`` when the whole ref is one of the patterns, else None."""
        text = (ref or "").strip()
        for prefix in _REF_PREFIXES:
            text = text.removeprefix(prefix)
        for pattern in self._compiled:
            match = pattern.fullmatch(text)
            if match:
                return match.group(1)
        return None

    def describe(self) -> str:
        """``v{version}, release/{version}``: for "why no version" messages."""
        return ", ".join(self.patterns)


@lru_cache(maxsize=64)
def _compile(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(
        re.compile("^" + re.escape(p).replace(re.escape("{version}"), VERSION) + "$")
        for p in patterns
    )


RELEASE_REFS = VersionPatterns(
    (
        *("v{version}", "{version}"),
        *("release/{version}", "release-{version}", "releases/{version}", "hotfix/{version}"),
    )
)
"""The default: release tags and release (or hotfix) branches, nothing else."""


@dataclass(frozen=True, slots=True)
class VersionReading:
    """How a CI backend reads a run's version: its ref against release patterns, and
    optionally its name (a run called "Release 2.4.0"): every way is an option, named in
    the message when a run has none."""

    refs: VersionPatterns = RELEASE_REFS
    names: VersionPatterns | None = None

    def read(self, ref: str, name: str = "") -> tuple[str | None, str]:
        """(version, why there is none): exactly one of the two is set."""
        version = self.refs.read(ref)
        if version is None and self.names is not None:
            version = self.names.read(name)
        if version is not None:
            return version, ""
        return None, why_no_version(ref, self.refs)


def version_from_ref(ref: str, patterns: VersionPatterns = RELEASE_REFS) -> str | None:
    """The version of a release tag or branch (``v2.4.0``, ``release/2.4.0``), if it is one."""
    return patterns.read(ref)


_VERSION_IN_NAME = re.compile(r"(?<![\w./-])v?" + VERSION + r"(?![\w])")


def version_in_name(name: str) -> str | None:
    """The first standalone version in a name a pipeline set on purpose ("Release 1.5.2",
    "1.5.2 (hotfix)"). Only for such names: a ref is read whole (``version_from_ref``)."""
    match = _VERSION_IN_NAME.search(name or "")
    return match.group(1) if match else None


def why_no_version(ref: str, patterns: VersionPatterns = RELEASE_REFS) -> str:
    """Why ``ref`` gives no version, and how to change that."""
    where = f"'{ref}'" if ref else "no branch or tag"
    return (
        f"{where} is not a release tag or branch (read as {patterns.describe()}); "
        "set the CI backend's version options if releases are named otherwise"
    )


@lru_cache(maxsize=4096)
def _parse(version: str | None) -> semver.Version | None:
    """Cached: the same few versions are parsed for every release on every snapshot."""
    if not version:
        return None
    try:
        return semver.Version.parse(version.removeprefix("v"))
    except ValueError:
        return None


def classify(
    version: str | None,
    running: str | None,
    ref: str = "",
    hotfix_pattern: str | None = None,
) -> tuple[ReleaseType, str]:
    """Decide the release type and say why; anything we cannot prove is UNKNOWN.

    A ref that matches the configured hotfix pattern wins over the version maths, because
    a hotfix is a process lane (short soak, fast path), not a size of change.
    """
    if hotfix_pattern and ref and re.search(hotfix_pattern, ref):
        return ReleaseType.HOTFIX, f"hotfix: ref '{ref}' matches /{hotfix_pattern}/"
    new = _parse(version)
    old = _parse(running)
    if new is None:
        return ReleaseType.UNKNOWN, f"unknown: '{version or '?'}' is not a semantic version"
    if old is None:
        return ReleaseType.UNKNOWN, f"unknown: running version '{running or '?'}' is not known"
    if new <= old:
        return ReleaseType.UNKNOWN, f"unknown: {version} is not newer than running {running}"
    if new.major != old.major:
        kind = ReleaseType.MAJOR
    elif new.minor != old.minor:
        kind = ReleaseType.MINOR
    else:
        kind = ReleaseType.PATCH
    return kind, f"{kind.value}: {running} → {version}"
