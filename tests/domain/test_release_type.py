import pytest

from release_cockpit.domain import ReleaseType, classify, version_from_ref


@pytest.mark.parametrize(
    ("ref", "version"),
    [
        ("v2.4.0", "2.4.0"),
        ("release/2.4.0", "2.4.0"),
        ("hotfix/3.1.1", "3.1.1"),
        ("v1.0.0-rc.1", "1.0.0-rc.1"),
        ("main", None),
        ("", None),
    ],
)
def test_version_from_ref(ref, version):
    assert version_from_ref(ref) == version


@pytest.mark.parametrize(
    ("new", "old", "kind"),
    [
        ("3.0.0", "2.9.9", ReleaseType.MAJOR),
        ("2.8.0", "2.7.3", ReleaseType.MINOR),
        ("2.7.4", "2.7.3", ReleaseType.PATCH),
        ("v2.7.4", "v2.7.3", ReleaseType.PATCH),
    ],
)
def test_semver(new, old, kind):
    assert classify(new, old)[0] is kind


def test_hotfix_pattern_wins():
    kind, reason = classify("3.1.1", "3.1.0", "hotfix/3.1.1", "^hotfix/")
    assert kind is ReleaseType.HOTFIX
    assert "hotfix/3.1.1" in reason


@pytest.mark.parametrize(
    ("new", "old"), [("latest", "2.0.0"), ("2.0.0", None), ("1.0.0", "2.0.0"), ("2.0.0", "2.0.0")]
)
def test_anything_else_is_unknown(new, old):
    kind, reason = classify(new, old)
    assert kind is ReleaseType.UNKNOWN
    assert reason.startswith("unknown")
