"""One read of history, every figure the metrics screen and `dora` show."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from release_cockpit.domain.dora import Group
from release_cockpit.domain.insights import insights
from tests.support.pictures import history_bundle
from tests.support.world import NOW

MONTH = timedelta(days=30)


def test_insights_group_every_figure_by_service_and_keep_everything_beside():
    found = insights(history_bundle(), NOW, MONTH)
    assert [f.key for f in found.figures] == ["checkout", "payments", "search"]
    assert sorted(h.key for h in found.human) == ["checkout", "payments", "search"]
    assert sorted(s.key for s in found.stages) == ["checkout", "payments", "search"]
    assert found.human_all.confidence.count == sum(h.confidence.count for h in found.human)
    assert sum(b.releases for b in found.batches) + found.batch_unknown == 36
    search = found.human_of("search")
    assert search is not None
    assert search.confidence.hidden  # two answers only
    assert found.human_of("nowhere") is None


def test_insights_for_everything_is_one_group():
    found = insights(history_bundle(), NOW, MONTH, Group.ALL)
    assert found.figures == (found.everything,)


def test_staging_releases_do_not_count_as_deploys():
    bundle = history_bundle()
    staged = replace(bundle, records=[replace(r, production=False) for r in bundle.records])
    found = insights(staged, NOW, MONTH)
    assert found.figures == ()
    assert sum(b.releases for b in found.batches) == 0
