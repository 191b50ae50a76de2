"""The domain package names its model lazily: nothing heavy before the TUI's first frame."""

from __future__ import annotations

import pytest

from tests.support.imports import loaded_by


def test_every_name_of_the_package_resolves_and_others_are_refused() -> None:
    import release_cockpit.domain as domain

    for name in domain.__all__:  # the lazy table and the list of names agree
        value = getattr(domain, name)
        assert getattr(value, "__name__", name) == name
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = domain.no_such_name  # type: ignore[attr-defined]


def test_the_board_s_modules_leave_the_release_model_for_later() -> None:
    """The first frame draws the board's skeleton; the release model (every dataclass of
    ``release``, ``snapshot``, ``rollup`` and ``actions``) arrives with the first data."""
    loaded = loaded_by(["release_cockpit.ui.cockpit_app", "release_cockpit.config.first_frame"])
    model = ("release", "snapshot", "rollup", "actions", "policy")
    assert sorted(m for m in model if f"release_cockpit.domain.{m}" in loaded) == []
