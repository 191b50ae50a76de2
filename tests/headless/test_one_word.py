"""One word per release, from one rule: the TUI's badge, the header's counts, the `status`
table, its JSON and its exit code can never disagree."""

from __future__ import annotations

from dataclasses import replace

import pytest

from release_cockpit.cli.status import exit_code
from release_cockpit.domain import Attention, CockpitSnapshot, Verdict, VerdictLevel
from release_cockpit.domain.serialize import snapshot_document
from release_cockpit.headless.status_table import print_status
from release_cockpit.ui.glyphs import UNICODE, badge
from tests.support.world import NOW, done, failing_canary, waiting_for_promote


def snapshot(*releases) -> CockpitSnapshot:
    return CockpitSnapshot(taken_at=NOW, releases=tuple(releases), sources=())


def warning():
    release = done()
    verdict = Verdict(VerdictLevel.WARNING, "alert DiskFilling (warning) firing")
    return replace(release, verdict=verdict, attention=Attention.WARNING)


@pytest.mark.parametrize(
    ("make", "word", "code"),
    [
        (failing_canary, "FAILING", 4),
        (waiting_for_promote, "WAITING", 3),
        (warning, "WARNING", 3),
        (done, "OK", 0),
    ],
)
def test_the_same_word_everywhere(make, word, code, capsys):
    release = make()
    picture = snapshot(release)
    assert badge(release, UNICODE)[0].endswith(word)
    assert exit_code(picture) == code
    document = snapshot_document(picture)
    assert document["worst"] == word.lower()
    assert document["releases"][0]["status"] == word.lower()
    print_status(picture)
    assert f" {word} " in capsys.readouterr().out


def test_a_release_waiting_for_a_human_is_not_ok_even_with_healthy_signals():
    release = waiting_for_promote()
    assert release.verdict.level is VerdictLevel.OK  # its signals are fine...
    assert exit_code(snapshot(release, done())) == 3  # ...but someone must press promote
