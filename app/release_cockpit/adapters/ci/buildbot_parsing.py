"""Buildbot REST API v2 payloads -> the cockpit's CI runs, jobs and action outcomes.

Pure functions only; ``buildbot.py`` fetches. Shapes:
https://docs.buildbot.net/latest/developer/rest.html and Buildbot's
own spec (``master/buildbot/spec/types/{build,step,buildrequest}.raml``):

- every answer is ``{"<plural resource>": [...], "meta": {...}}``, a single object too;
- times are epoch seconds (integers), not RFC 3339;
- properties come as ``{"name": [value, source]}`` and only when asked for (``property=``);
- ``results`` is a code 0-6 once complete and null while running.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from enum import IntEnum
from typing import Any, NoReturn

from release_cockpit.adapters.ci.ci_parsing import VersionCandidate, VersionRead, read_version
from release_cockpit.adapters.payload import as_dict, as_int, as_list, as_str, require_dict
from release_cockpit.domain import CIJob, CIRun, RunStatus
from release_cockpit.domain.release_type import RELEASE_REFS, VersionPatterns
from release_cockpit.errors import ActionFailed, BadResponse


class Result(IntEnum):
    """Buildbot's fixed result codes (``buildbot.process.results``, https://docs.buildbot.net/latest/developer/results.html)."""

    SUCCESS = 0
    WARNINGS = 1
    FAILURE = 2
    SKIPPED = 3
    EXCEPTION = 4
    RETRY = 5
    CANCELLED = 6


RESULT_STATUS = {
    Result.SUCCESS: RunStatus.SUCCEEDED,
    # Warnings do not fail a build in Buildbot's own UI either.
    Result.WARNINGS: RunStatus.SUCCEEDED,
    Result.FAILURE: RunStatus.FAILED,
    Result.SKIPPED: RunStatus.SKIPPED,
    # An exception is Buildbot or the worker breaking; the build did not pass.
    Result.EXCEPTION: RunStatus.FAILED,
    # RETRY: the build request goes back to the queue and a new build will run it.
    Result.RETRY: RunStatus.QUEUED,
    Result.CANCELLED: RunStatus.CANCELLED,
}

REQUEST_PREFIX = "request-"
"""Run ids of queued build requests (no build yet) start with this; builds use their id."""

# Properties every run needs; the version property is added per configuration.
RUN_PROPERTIES = (
    "branch",
    "got_revision",
    "revision",
    "buildername",
    "owner",
    "reason",
    "scheduler",
)


def map_result(results: object, complete: object = None) -> RunStatus:
    """A build's or step's state from ``results`` and ``complete``.

    ``results: null`` with ``complete: false`` is running
    (https://docs.buildbot.net/latest/developer/results.html); a code
    Buildbot adds later, or a complete item without a code, is UNKNOWN.
    """
    if complete is False or (complete is None and results is None):
        return RunStatus.RUNNING
    if isinstance(results, bool) or not isinstance(results, int):
        return RunStatus.UNKNOWN
    try:
        return RESULT_STATUS[Result(results)]
    except ValueError:
        return RunStatus.UNKNOWN


def epoch_time(value: object) -> datetime | None:
    """Epoch seconds (Buildbot's time format) as an aware UTC datetime; junk is None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value) or value < 0:
        return None
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def property_value(properties: Mapping[str, Any], name: str) -> Any:
    """The value of a ``[value, source]`` property pair, or None when absent."""
    pair = properties.get(name)
    if isinstance(pair, list) and pair:
        return pair[0]
    return None


def property_text(properties: Mapping[str, Any], name: str, limit: int = 300) -> str:
    """A property as cleaned text ("" for a missing or structured value)."""
    return as_str(property_value(properties, name), limit)


def revision_of(properties: Mapping[str, Any]) -> str:
    """The commit a build used: ``got_revision`` (set by the checkout step), else ``revision``.

    With several codebases ``got_revision`` is a ``{codebase: sha}`` object; the default
    codebase ("") wins, else the first one.
    """
    got = property_value(properties, "got_revision")
    if isinstance(got, dict) and got:
        got = got.get("", next(iter(got.values())))
    return as_str(got, 64) or property_text(properties, "revision", 64)


FIX = "set the build's version property, or the backend's release_branches, to read one"
"""How a Buildbot build gets a version, said with every build that has none."""


def release_version(
    properties: Mapping[str, Any],
    version_property: str,
    branch: str,
    branches: VersionPatterns = RELEASE_REFS,
) -> VersionRead:
    """The version a build is for: the configured property, else a release branch or tag
    read whole through ``branches`` (the backend's ``release_branches``).

    A property such as ``v2.4.0`` is normalised like a tag (``2.4.0``); one that is not
    semantic (``2026.11``) is kept as it is. A build on ``main`` without the property has
    none, and the reason says which property and branch were looked at.
    """
    declared = property_text(properties, version_property, 100)
    return read_version(
        [
            VersionCandidate(f"property '{version_property}'", declared, declared=True),
            VersionCandidate("branch", branch, patterns=branches),
        ],
        FIX,
    )


def _version_fields(read: VersionRead) -> dict[str, Any]:
    return {"version": read.version, "version_problem": "" if read.version else read.reason}


def build_url(base_url: str, builderid: int | None, number: int | None) -> str:
    """The web UI page of a build: ``{url}/#/builders/{builderid}/builds/{number}``."""
    if builderid is None or number is None:
        return ""
    return f"{base_url.rstrip('/')}/#/builders/{builderid}/builds/{number}"


def raise_shape(what: str, key: str) -> NoReturn:
    """Raise the BadResponse for an answer without its resource list.

    Raises:
        BadResponse: always.
    """
    raise BadResponse(
        f"{what}: the answer has no '{key}' list",
        hint="check that the backend URL is the Buildbot root (the part before /api/v2)",
    )


def _items(payload: object, key: str, what: str) -> list[dict[str, Any]]:
    body = require_dict(payload, what)
    items = body.get(key)
    if not isinstance(items, list):
        raise_shape(what, key)
    return [item for item in items if isinstance(item, dict)]


def parse_builder(payload: object, wanted: str) -> tuple[int, str]:
    """``{"builders": [one]}`` -> (builderid, name) of the builder a target names.

    Raises:
        BadResponse: no builder with an integer id in the answer.
    """
    for item in _items(payload, "builders", "Buildbot builder"):
        builderid = as_int(item.get("builderid"))
        if builderid is not None:
            return builderid, as_str(item.get("name"), 300) or as_str(wanted, 300)
    raise BadResponse(
        f"Buildbot answered for builder '{as_str(wanted, 100)}' without a builder id",
        hint="check that the backend URL is the Buildbot root (the part before /api/v2)",
    )


def parse_build(
    item: dict[str, Any],
    *,
    base_url: str,
    version_property: str,
    builder: str,
    branches: VersionPatterns = RELEASE_REFS,
) -> CIRun:
    """One ``build`` object (requested with its properties) as a run without jobs."""
    properties = as_dict(item.get("properties"))
    branch = property_text(properties, "branch")
    number = as_int(item.get("number"))
    started = epoch_time(item.get("started_at"))
    finished = epoch_time(item.get("complete_at"))
    return CIRun(
        id=as_str(item.get("buildid"), 40),
        name=property_text(properties, "buildername") or as_str(builder, 300),
        status=map_result(item.get("results"), item.get("complete")),
        sha=revision_of(properties),
        ref=branch,
        **_version_fields(release_version(properties, version_property, branch, branches)),
        number=number,
        event=property_text(properties, "scheduler", 60),
        actor=property_text(properties, "owner", 100),
        title=property_text(properties, "reason", 500) or as_str(item.get("state_string"), 500),
        created_at=started,
        started_at=started,
        updated_at=finished or started,
        url=build_url(base_url, as_int(item.get("builderid")), number),
    )


def parse_builds(
    payload: object,
    *,
    base_url: str,
    version_property: str,
    builder: str,
    branches: VersionPatterns = RELEASE_REFS,
) -> tuple[CIRun, ...]:
    """``{"builds": [...]}`` -> runs in the order Buildbot sent them.

    Raises:
        BadResponse: the payload is not a build list.
    """
    return tuple(
        parse_build(
            item,
            base_url=base_url,
            version_property=version_property,
            builder=builder,
            branches=branches,
        )
        for item in _items(payload, "builds", "Buildbot builds")
        if "buildid" in item
    )


def parse_steps(payload: object, *, url: str = "") -> tuple[CIJob, ...]:
    """``{"steps": [...]}`` -> one job per visible step, in step order (Buildbot's own).

    Steps are the jobs of a build. A step that exists but has not started yet is queued;
    hidden steps are left out, as Buildbot's UI leaves them out.

    Raises:
        BadResponse: the payload is not a step list.
    """
    jobs = []
    for item in _items(payload, "steps", "Buildbot steps"):
        if item.get("hidden") is True:
            continue
        started = epoch_time(item.get("started_at"))
        status = map_result(item.get("results"), item.get("complete"))
        if status is RunStatus.RUNNING and started is None:
            status = RunStatus.QUEUED
        jobs.append(
            CIJob(
                id=as_str(item.get("stepid"), 40),
                name=as_str(item.get("name"), 300),
                status=status,
                started_at=started,
                completed_at=epoch_time(item.get("complete_at")),
                url=url,
            )
        )
    return tuple(jobs)


def parse_requests(payload: object, *, version_property: str, builder: str) -> tuple[CIRun, ...]:
    """``{"buildrequests": [...]}`` -> a queued run per request that no build has claimed.

    Requests carry only the scheduler's properties; branch and revision live in their
    buildset (see ``parse_sourcestamps`` and ``with_sourcestamp``).

    Raises:
        BadResponse: the payload is not a build request list.
    """
    runs = []
    for item in _items(payload, "buildrequests", "Buildbot build requests"):
        request_id = as_int(item.get("buildrequestid"))
        if request_id is None or item.get("claimed") is True or item.get("complete") is True:
            continue
        properties = as_dict(item.get("properties"))
        submitted = epoch_time(item.get("submitted_at"))
        runs.append(
            CIRun(
                id=f"{REQUEST_PREFIX}{request_id}",
                name=as_str(builder, 300),
                status=RunStatus.QUEUED,
                **_version_fields(release_version(properties, version_property, "")),
                event=property_text(properties, "scheduler", 60),
                actor=property_text(properties, "owner", 100),
                title=property_text(properties, "reason", 500),
                created_at=submitted,
                updated_at=submitted,
            )
        )
    return tuple(runs)


def request_buildset(payload: object) -> dict[str, int]:
    """Run id of each queued request -> its buildset id, from the same request list."""
    out: dict[str, int] = {}
    for item in _items(payload, "buildrequests", "Buildbot build requests"):
        request_id, bsid = as_int(item.get("buildrequestid")), as_int(item.get("buildsetid"))
        if request_id is not None and bsid is not None:
            out[f"{REQUEST_PREFIX}{request_id}"] = bsid
    return out


def parse_sourcestamps(payload: object) -> dict[int, tuple[str, str]]:
    """``{"buildsets": [...]}`` -> bsid -> (branch, revision) of its first source stamp.

    Raises:
        BadResponse: the payload is not a buildset list.
    """
    out: dict[int, tuple[str, str]] = {}
    for item in _items(payload, "buildsets", "Buildbot buildsets"):
        bsid = as_int(item.get("bsid"))
        stamps = [s for s in as_list(item.get("sourcestamps")) if isinstance(s, dict)]
        if bsid is None or not stamps:
            continue
        out[bsid] = (as_str(stamps[0].get("branch"), 300), as_str(stamps[0].get("revision"), 64))
    return out


def with_sourcestamp(
    run: CIRun, branch: str, revision: str, branches: VersionPatterns = RELEASE_REFS
) -> CIRun:
    """A queued run completed with its buildset's branch and revision."""
    found = (
        {}
        if run.version
        else _version_fields(
            read_version([VersionCandidate("branch", branch, patterns=branches)], FIX)
        )
    )
    return replace(run, ref=run.ref or branch, sha=run.sha or revision, **found)


def parse_rpc_reply(payload: object, request_id: int, what: str) -> Any:
    """The ``result`` of a JSON-RPC 2.0 reply (https://docs.buildbot.net/latest/developer/rest.html#controlling).

    Raises:
        ActionFailed: the reply is a JSON-RPC ``error`` object (Buildbot refused).
        BadResponse: not a JSON-RPC reply, or the reply to another request.
    """
    body = require_dict(payload, f"Buildbot reply to {what}")
    error = body.get("error")
    if error is not None:
        detail = as_dict(error)
        code = as_int(detail.get("code"))
        message = as_str(detail.get("message"), 300) or as_str(error, 300)
        raise ActionFailed(
            f"Buildbot refused {what}: {message}" + (f" (JSON-RPC {code})" if code else ""),
            hint="check that the build or scheduler exists and that the Buildbot user may "
            "control it",
        )
    if "result" not in body or body.get("id") != request_id:
        raise BadResponse(
            f"Buildbot's reply to {what} is not a JSON-RPC 2.0 answer to it",
            hint="check that the backend URL is the Buildbot root, not a proxy or login page",
        )
    return body["result"]


def describe_buildset(result: object) -> str:
    """``[bsid, {builderid: brid}]`` (what force and rebuild return) as words."""
    pair = as_list(result)
    if len(pair) != 2:
        return "accepted"
    bsid = as_int(pair[0])
    requests = request_ids(result)
    text = f"buildset {bsid}" if bsid is not None else "a buildset"
    if requests:
        noun = "request" if len(requests) == 1 else "requests"
        text += f", build {noun} {', '.join(str(r) for r in requests)}"
    return text


def request_ids(result: object) -> tuple[int, ...]:
    """The build request ids in a force/rebuild result, sorted."""
    pair = as_list(result)
    if len(pair) != 2:
        return ()
    return tuple(sorted(r for r in (as_int(v) for v in as_dict(pair[1]).values()) if r is not None))
