"""Release type from versions and refs: semver against the running version, or a hotfix ref."""

from __future__ import annotations

import re
from functools import lru_cache

import semver

from release_cockpit.domain.release import ReleaseType

_VERSION_IN_REF = re.compile(
    r"(?<![\w.])v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)"
)


def version_from_ref(ref: str) -> str | None:
    """The semantic version inside a tag or branch (``v2.4.0``, ``release/2.4.0``), if any."""
    match = _VERSION_IN_REF.search(ref or "")
    return match.group(1) if match else None


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
