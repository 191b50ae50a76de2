"""Pieces the pure CI parsers share: action requests with their effect text, and versions.

The GitLab and Jenkins parsers (``gitlab_*``, ``jenkins_*``) do no I/O. For a
control action they return an ``ActionRequest``: the exact HTTP request an adapter sends
and the sentence a confirmation shows, so what the person confirms and what is sent come
from one place. ``ActionOffer`` adds why an action would do nothing right now, for the
actions menu ("every action its backends support, with why an unavailable one would do
nothing").

Versions are read with the cockpit's rules (``version_from_ref``: a ref must be a release
tag or branch as a whole; ``version_in_name`` for names a pipeline sets); ``read_version``
adds the *why* when none is found, so "version unknown" on screen says what was looked at.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum

from release_cockpit.domain.ci import CIRun
from release_cockpit.domain.release_type import (
    RELEASE_REFS,
    VersionPatterns,
    version_from_ref,
    version_in_name,
)
from release_cockpit.domain.text import clean_text


@dataclass(frozen=True, slots=True)
class ActionRequest:
    """One control call, fully described before anything is sent.

    Attributes:
        kind: the backend's action (``GitLabAction.PLAY_JOB``, ``JenkinsAction.STOP``...).
        title: what the confirmation is titled, e.g. "Play job deploy-prod".
        method: HTTP method.
        path: path below the backend's API root (GitLab: below ``/api/v4``; Jenkins:
            below the Jenkins root URL, context path removed), segments already
            percent-encoded.
        effect: what the backend will do, in one or two sentences, for the confirmation.
        params: query parameters.
        form: ``application/x-www-form-urlencoded`` body fields.
        json_body: a JSON body, or None.
        needs_crumb: Jenkins only: the request needs a CSRF crumb header unless the
            client authenticates with an API token (see ``jenkins_actions``).
    """

    kind: Enum
    title: str
    method: str
    path: str
    effect: str
    params: tuple[tuple[str, str], ...] = ()
    form: tuple[tuple[str, str], ...] = ()
    json_body: Mapping[str, object] | None = field(default=None, compare=False, hash=False)
    needs_crumb: bool = False


@dataclass(frozen=True, slots=True)
class ActionOffer:
    """An action for the menu: its request, and why it would do nothing now ("" if it applies)."""

    request: ActionRequest
    unavailable: str = ""

    @property
    def applies(self) -> bool:
        return not self.unavailable


@dataclass(frozen=True, slots=True)
class VersionCandidate:
    """A field a version may be read from.

    Attributes:
        where: how a person names the field: "tag", "branch", "parameter VERSION".
        text: its value ("" when the field is absent).
        declared: the field exists to hold a version (a build parameter): a value that is
            not semantic (``2026.11``) is still the version, kept as written. Refs are not
            declared: ``main`` is a branch, not a version.
    """

    where: str
    text: str
    declared: bool = False
    named: bool = False
    """A name a pipeline sets on purpose (Jenkins ``displayName``): a version anywhere in
    it counts ("1.5.2 (hotfix)"); refs must be a release tag or branch as a whole."""
    patterns: VersionPatterns = RELEASE_REFS
    """The whole-ref patterns a ref is read through (a backend's ``release_branches``)."""


@dataclass(frozen=True, slots=True)
class VersionRead:
    """The version a run is for, where it came from, and why when there is none.

    Attributes:
        version: the version (``1.4.0``; ``v`` dropped like a tag), or None.
        source: the field it came from ("tag", "parameter VERSION"), "" when None.
        reason: a short sentence either way: "from tag 'v1.4.0'" or "version unknown:
            branch 'main' is not a release tag or branch".
    """

    version: str | None
    source: str
    reason: str


def read_version(candidates: Iterable[VersionCandidate], fix: str = "") -> VersionRead:
    """The first candidate that holds a version, else a reason naming every field tried.

    Each candidate goes through ``version_from_ref`` (``v1.2.3``, ``release/1.2.3``,
    ``1.2.3-rc.1``); a declared field that is not semantic is kept as written. ``fix``
    ends the reason with how to give such runs a version (the backend's options).
    """
    tried: list[str] = []
    expected = "v1.2.3 or release/1.2.3"
    for candidate in candidates:
        if candidate.patterns != RELEASE_REFS:
            expected = candidate.patterns.describe()
        text = clean_text(candidate.text, 200).strip()
        if not text:
            tried.append(f"no {candidate.where}")
            continue
        found = (
            version_in_name(text) if candidate.named else version_from_ref(text, candidate.patterns)
        )
        if found:
            return VersionRead(found, candidate.where, f"from {candidate.where} '{text}'")
        if candidate.declared:
            return VersionRead(
                text, candidate.where, f"from {candidate.where} '{text}' (not semantic, kept)"
            )
        tried.append(
            f"{candidate.where} '{text}' holds no version"
            if candidate.named
            else f"{candidate.where} '{text}' is not a release tag or branch"
        )
    detail = "; ".join(tried) if tried else "nothing to read it from"
    hint = f"; {fix}" if fix else ""
    return VersionRead(None, "", f"version unknown: {detail} (expected e.g. {expected}){hint}")


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A header value by case-insensitive name (recordings spell names differently)."""
    wanted = name.lower()
    for key, value in headers.items():
        if isinstance(key, str) and key.lower() == wanted and isinstance(value, str):
            return value
    return None


def short_sha(sha: str) -> str:
    """The 7-character abbreviation people recognise, "" for nothing."""
    return sha[:7]


def join_names(names: Iterable[str], limit: int = 5) -> str:
    """``a, b, c and 2 more``: a readable list for confirmation texts."""
    items = [n for n in names if n]
    if len(items) <= limit:
        return ", ".join(items)
    return f"{', '.join(items[:limit])} and {len(items) - limit} more"


JOBS_FOR_VERSIONS = 3
"""Jobs are read for the newest run of this many of the newest versions (runs lists carry
no jobs; reading every run's jobs would cost one request per run per poll)."""


def runs_needing_jobs(
    runs: tuple[CIRun, ...], has_jobs: Callable[[CIRun], bool] | None = None
) -> list[int]:
    """Indexes of the newest run of each of the newest few versions (runs are newest
    first), and of the newest run of all even when it has no version: the panel shows
    that one ("version unknown") when it is newer than the release's own run, so its
    failing job must be known. Runs ``has_jobs`` rejects (a queue item with no build
    yet) are passed over."""
    readable = [(i, r) for i, r in enumerate(runs) if has_jobs is None or has_jobs(r)]
    seen: list[str] = []
    picked: list[int] = [readable[0][0]] if readable and readable[0][1].version is None else []
    for index, run in readable:
        if run.version is None or run.version in seen:
            continue
        seen.append(run.version)
        picked.append(index)
        if len(seen) == JOBS_FOR_VERSIONS:
            break
    return picked
