"""`run` and `demo`: the TUI, and what it needs from the terminal (colours, Unicode)."""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Mapping
from functools import partial
from typing import TYPE_CHECKING

from release_cockpit.cli.common import EXIT_OK, demo_world, load_found, locate, open_database

if TYPE_CHECKING:
    from collections.abc import Callable

    from release_cockpit.config.first_frame import FirstFrameSettings
    from release_cockpit.config.schema import Config
    from release_cockpit.engine.clock import Clock
    from release_cockpit.ui.deferred_feed import OpenSession

# --color -> Rich's colour system, which Textual reads from TEXTUAL_COLOR_SYSTEM when it is
# first imported (textual.constants); "standard" is Rich's name for the 16 ANSI colours.
_COLOR_SYSTEMS = {"truecolor": "truecolor", "256": "256", "16": "standard"}
# What CPython writes into LC_CTYPE when it coerces a C/POSIX locale (PEP 538).
_COERCED_CTYPES = frozenset({"c.utf-8", "c.utf8", "utf-8"})


def color_environment(choice: str | None, env: Mapping[str, str]) -> dict[str, str]:
    """The environment variables that make Textual use the colours ``--color`` asks for.

    ``none`` sets ``NO_COLOR`` (https://no-color.org); ``auto`` (or no flag) changes
    nothing, so ``NO_COLOR`` and ``TEXTUAL_COLOR_SYSTEM`` from the environment still apply.
    """
    if choice is None or choice == "auto":
        return {}
    if choice == "none":
        return {"NO_COLOR": env.get("NO_COLOR") or "1"}
    return {"TEXTUAL_COLOR_SYSTEM": _COLOR_SYSTEMS[choice]}


def utf8_locale(env: Mapping[str, str] | None = None) -> bool:
    """True when the terminal can be trusted with Unicode symbols.

    Under ``LANG=C`` CPython coerces the locale (PEP 538) and sets ``LC_CTYPE=C.UTF-8`` in
    its own environment, which would hide the user's non-UTF-8 locale; a coerced
    ``LC_CTYPE`` beside a ``LANG`` that is not UTF-8 therefore counts as not UTF-8.
    """
    env = os.environ if env is None else env

    def utf8(value: str) -> bool:
        return "utf-8" in value.lower() or "utf8" in value.lower()

    lang = env.get("LANG", "")
    coerced = not env.get("LC_ALL") and env.get("LC_CTYPE", "").lower() in _COERCED_CTYPES
    if coerced and lang and not utf8(lang):
        return False
    for name in ("LC_ALL", "LC_CTYPE", "LANG"):
        value = env.get(name)
        if value:
            return utf8(value)
    return (sys.stdout.encoding or "").lower().replace("-", "") == "utf8"


def run_tui(
    early: FirstFrameSettings,
    load: Callable[[], Config],
    args: argparse.Namespace,
    title: str,
    *,
    demo: bool = False,
) -> int:
    """The TUI: ``early`` decides the first frame, ``load`` gives the whole config. The
    board's skeleton is drawn first; the config's validation, the engine, the adapters and
    the database are imported and opened on a thread right after (``ui.deferred_feed``),
    so the first frame waits for none of them. A config problem found then closes the TUI
    and is printed as if it had been found before the start."""
    # Before Textual is imported: it reads the colour system once, at import.
    os.environ.update(color_environment(getattr(args, "color", None), os.environ))
    from release_cockpit.config.user_settings import remember, remembered_theme, settings_file
    from release_cockpit.engine.clock import SystemClock  # small: time and datetime only
    from release_cockpit.ui.app_options import Options
    from release_cockpit.ui.cockpit_app import WALL_THEME, CockpitApp
    from release_cockpit.ui.deferred_feed import DeferredFeed
    from release_cockpit.ui.notifier import desktop_mode

    wall = bool(getattr(args, "wall", False))
    clock = SystemClock()  # the engine's and the screens': one steady clock for the session
    read_only = "--read-only" if getattr(args, "read_only", False) else ""
    read_only = "--wall" if wall else read_only
    settings = settings_file()
    theme = getattr(args, "theme", None)
    if wall:
        theme = theme or WALL_THEME
    else:
        theme = theme or remembered_theme(settings) or early.cockpit.theme

    def remember_theme(name: str) -> None:
        remember(settings, "cockpit", "theme", name)

    rotate = getattr(args, "rotate", None)
    options = Options(
        title=title,
        theme=theme,
        read_only=bool(read_only) or early.cockpit.read_only,
        ascii=bool(getattr(args, "ascii", False)) or not utf8_locale(),
        bell=early.cockpit.bell,
        ask_confidence=early.cockpit.ask_confidence,
        desktop_notifications=desktop_mode(early.cockpit.desktop_notifications, os.environ),
        keymap=early.keymap,
        wall=wall,
        wall_rotate=rotate or early.cockpit.wall_rotate.total_seconds(),
        notify_after=early.cockpit.notify_after.total_seconds(),
        remember_theme=None if wall else remember_theme,
        # The screens measure ages with the engine's steady clock, so a jump of the system
        # clock never makes fresh data look hours old.
        clock=clock.now,
    )
    feed = DeferredFeed(partial(open_session, load, read_only, clock, demo=demo))
    app = CockpitApp(feed, options)
    quiet_collector()
    app.run(mouse=not getattr(args, "no_mouse", False))
    if feed.error is not None:
        raise feed.error  # as if it had happened before the start: main() prints it
    return EXIT_OK


def quiet_collector() -> None:
    """Collect cycles rarely, and never in what was loaded to start (called first thing,
    so start-up itself is not interrupted by collections, and again before the app runs).

    Every poll decodes megabytes of JSON into fresh objects; with CPython's default
    thresholds (700, 10, 10) that set off collections that walked the whole heap in the
    middle of a decode, on the event loop: a 2 ms decode took 30 ms at 500 releases and
    keypresses waited. The cockpit's data is trees (answers, snapshots) that reference
    counting frees; the few cycles (tasks, frames of exceptions) wait a little longer.
    ``gc.freeze`` moves what startup loaded (modules, the config, widgets) out of every
    collection (https://docs.python.org/3/library/gc.html#gc.freeze).

    Nothing is collected before freezing: a full collection took 17 ms on the way to the
    first frame, and what start-up leaves in cycles is a few kilobytes.
    """
    gc.set_threshold(50_000, 50, 100)
    gc.freeze()


def open_session(
    load: Callable[[], Config], read_only: str, clock: Clock, *, demo: bool = False
) -> OpenSession:
    """The config, the engine, its adapters and the session's database (called on a
    worker thread once the board's skeleton is drawn).

    Raises:
        ConfigError: a problem in the config, a missing secret or a bad adapter option.
    """
    from release_cockpit.engine.engine import Engine
    from release_cockpit.engine.factory import build_adapters
    from release_cockpit.ui.deferred_feed import OpenSession

    config = load()
    database = open_database(config, demo=demo)
    try:
        if demo and database.history is not None and database.target is not None:
            from release_cockpit.cli.history import demo_backfill

            demo_backfill(config, database.target)
        adapters = build_adapters(config, os.environ)
    except BaseException:
        database.close()
        raise
    engine = Engine(config, adapters, clock=clock, database=database, read_only=read_only)
    warnings = [database.error] if database.error else []
    return OpenSession(engine, engine.controls, engine, warnings, database.close)


def cmd_run(args: argparse.Namespace) -> int:
    quiet_collector()
    from release_cockpit.config.first_frame import first_frame_settings

    found = locate(getattr(args, "config", None), os.environ)
    early = first_frame_settings(found)  # its problems are printed before the TUI starts
    return run_tui(early, partial(load_found, found, os.environ), args, "release-cockpit")


def cmd_demo(args: argparse.Namespace) -> int:
    from release_cockpit.config.first_frame import FirstFrameSettings

    with demo_world(args.releases, args.families) as config:
        title = "release-cockpit · demo world"
        return run_tui(FirstFrameSettings.of(config), lambda: config, args, title, demo=True)
