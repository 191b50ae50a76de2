"""GitLab deployments (the DORA backfill) and commit ranges between two versions.

Reads, on an ``HttpClient`` already pointed at the GitLab instance, with the pure parsers
of ``gitlab_deployments`` and ``parse_compare`` here:

- ``fetch_history``: ``GET /projects/:id/environments?name=`` (the environment's ``tier``
  says whether it is production, more reliably than its name) and
  ``GET /projects/:id/deployments?environment=&order_by=id&sort=desc`` (newest first; the
  default order is oldest first), following ``Link: rel="next"`` for a bounded number of
  pages (https://docs.gitlab.com/api/deployments/, https://docs.gitlab.com/api/environments/,
  https://docs.gitlab.com/api/rest/#pagination-link-header).
- ``fetch_compare``: ``GET /projects/:id/repository/compare?from=&to=`` between two tags
  (https://docs.gitlab.com/api/repositories/#compare-branches-tags-or-commits).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from release_cockpit.adapters.ci.gitlab_deployments import (
    GitLabDeployment,
    deployment_records,
    parse_deployments,
    parse_environments,
)
from release_cockpit.adapters.ci.gitlab_rest import project_ref, utc_time
from release_cockpit.adapters.http import HttpClient
from release_cockpit.adapters.payload import as_int, as_list, as_str, require_dict
from release_cockpit.domain.history import ReleaseRecord
from release_cockpit.domain.release import ChangeSet
from release_cockpit.errors import NotFound

API = "/api/v4"
MAX_PAGES = 10
"""Deployment pages (100 each) read per backfill at most."""
_MERGE_REQUEST = re.compile(r"See merge request [^\s!]*!(\d+)")
"""The line GitLab writes into a merge commit's message (``Merge branch 'x' into 'main'
... See merge request group/project!123``)."""


async def fetch_history(
    http: HttpClient,
    project: str,
    environment: str,
    since: datetime,
    *,
    key: str,
    service: str,
    team: str = "",
    production: bool | None = None,
    max_pages: int = MAX_PAGES,
) -> list[ReleaseRecord]:
    """Deployments of ``project`` to ``environment`` created at or after ``since``.

    ``production`` None asks GitLab: an environment with ``tier: production`` counts as
    production, any other tier does not; an environment GitLab does not list falls back
    to its name (``github_deployment_records.is_production``).

    Raises:
        AdapterError: any backend failure (NotFound for an unknown project).
    """
    since = since if since.tzinfo is not None else since.replace(tzinfo=UTC)
    base = f"{API}/projects/{project_ref(project)}"
    if production is None:
        answer = await http.get_json(f"{base}/environments", params={"name": environment})
        tiers = [e for e in parse_environments(answer.data) if e.name == environment]
        if tiers and tiers[0].tier:
            production = tiers[0].production
    url: str | None = f"{base}/deployments"
    params: dict[str, str | int] | None = {
        "environment": environment,
        "order_by": "id",
        "sort": "desc",
        "per_page": 100,
    }
    chosen: list[GitLabDeployment] = []
    for _ in range(max(1, max_pages)):
        if url is None:
            break
        answer = await http.get_json(url, params=params)
        page = parse_deployments(answer.data)
        chosen.extend(d for d in page if d.created_at is not None and d.created_at >= since)
        if not page or any(d.created_at is not None and d.created_at < since for d in page):
            break
        url, params = answer.links.get("next"), None
    return deployment_records(chosen, key=key, service=service, team=team, production=production)


def parse_compare(payload: object, base: str, head: str, *, web_url: str = "") -> ChangeSet | None:
    """A compare answer -> the release's change set; None when GitLab gave up.

    ``commits`` are oldest first; merge request numbers come from GitLab's merge commit
    messages ("See merge request group/project!123"); ``first_commit_at`` is the oldest
    author time (``authored_date``, else ``created_at``), the start of lead time. A
    compare that hit GitLab's time limit (``compare_timeout: true``) lists only part of
    the commits, so it says nothing reliable: None.

    Raises:
        BadResponse: the payload is not a compare object.
    """
    body = require_dict(payload, "GitLab compare")
    if body.get("compare_timeout") is True:
        return None
    commits = [c for c in as_list(body.get("commits")) if isinstance(c, dict)]
    requests: list[int] = []
    authors: list[str] = []
    dates = []
    for commit in commits:
        for match in _MERGE_REQUEST.finditer(as_str(commit.get("message"), 4000)):
            number = as_int(match.group(1))
            if number is not None and number not in requests:
                requests.append(number)
        author = as_str(commit.get("author_name"), 100)
        if author and author not in authors:
            authors.append(author)
        when = utc_time(commit.get("authored_date")) or utc_time(commit.get("created_at"))
        if when is not None:
            dates.append(when)
    return ChangeSet(
        base=base,
        head=head,
        commits=len(commits),
        pull_requests=tuple(requests),
        authors=tuple(authors),
        first_commit_at=min(dates) if dates else None,
        url=as_str(body.get("web_url"), 500) or web_url,
    )


async def fetch_compare(
    http: HttpClient, project: str, base_tag: str, head_tag: str, *, base: str, head: str, web: str
) -> ChangeSet | None:
    """The commits between two tags; None when GitLab has no such tag (404).

    Raises:
        AdapterError: any other backend failure.
    """
    path = f"{API}/projects/{project_ref(project)}/repository/compare"
    try:
        answer = await http.get_json(
            path, params={"from": base_tag, "to": head_tag}, conditional=True
        )
    except NotFound:
        return None
    url = f"{web.rstrip('/')}/{project.strip('/')}/-/compare/{base_tag}...{head_tag}"
    return parse_compare(answer.data, base, head, web_url=url if web else "")
