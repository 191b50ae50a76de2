"""The confirmation on its own: a release that is not healthy leads with its verdict, and a
wrong name typed says so in the dialog."""

from __future__ import annotations

from textual.app import App

from release_cockpit.domain import Action
from release_cockpit.domain.actions import ActionPlan
from release_cockpit.ui.glyphs import ASCII, UNICODE, Glyphs
from release_cockpit.ui.screens.confirm import ConfirmActionScreen
from release_cockpit.ui.themes import semantic_defaults
from tests.support.ui import screen_text, until

REASON = "5xx ratio 7.9% > 5.0% — 2 of 3 failures, aborts at 3"


def failing_promote(*, environment: str = "staging") -> ActionPlan:
    return ActionPlan(
        "payments",
        f"payments/{environment}@1.13.0",
        "payments",
        environment,
        Action.PROMOTE,
        "cluster",
        f"rollout {environment}/payments",
        "1.13.0, step 4/7, canary at 25%",
        "step 5/7",
        "the rollout leaves step 4/7 and goes on to step 5 (analysis still runs).",
        type_to_confirm=True,
        typed_because="payments is FAILING",
        verdict="FAILING",
        reason=REASON,
    )


class ConfirmApp(App[None]):
    def __init__(self, plan: ActionPlan, glyphs: Glyphs = UNICODE) -> None:
        super().__init__()
        self.plan, self.glyphs = plan, glyphs
        self.answers: list[str | None] = []

    def get_theme_variable_defaults(self) -> dict[str, str]:
        colours = self.current_theme.to_color_system().generate()
        return {**super().get_theme_variable_defaults(), **semantic_defaults(colours)}

    def on_mount(self) -> None:
        self.push_screen(ConfirmActionScreen(self.plan, self.glyphs), self.answers.append)


async def test_promoting_a_failing_release_leads_with_the_verdict_and_reason():
    app = ConfirmApp(failing_promote())
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionScreen))
        dialog = app.screen
        assert isinstance(dialog, ConfirmActionScreen)
        first = dialog.text.splitlines()[0]
        assert first == f"✗ payments is FAILING: {REASON}"
        assert "payments is FAILING: type payments and press enter to confirm" in dialog.text
        # The whole dialog fits on an 80x24 SSH terminal: the verdict and the buttons.
        text = screen_text(app)
        assert "payments is FAILING" in text
        assert "No, keep it as it is" in text


async def test_a_staging_promote_of_a_failing_release_needs_the_name():
    app = ConfirmApp(failing_promote())
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionScreen))
        await pilot.press("y", "enter")  # y is a letter here; enter with "y" is a mismatch
        assert isinstance(app.screen, ConfirmActionScreen)
        assert app.answers == []
        await pilot.press("backspace", *"payments", "enter")
        await until(pilot, lambda: app.answers == ["payments"])


async def test_a_wrong_name_says_so_in_the_dialog():
    app = ConfirmApp(failing_promote(), ASCII)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionScreen))
        dialog = app.screen
        assert isinstance(dialog, ConfirmActionScreen)
        assert dialog.mismatch == ""
        await pilot.press(*"paymnts", "enter")
        await until(pilot, lambda: dialog.mismatch != "")
        assert "You typed paymnts, not payments: nothing was sent" in dialog.mismatch
        assert dialog.text.startswith("x payments is FAILING: 5xx ratio 7.9% > 5.0% - 2 of 3")
        assert app.answers == []
