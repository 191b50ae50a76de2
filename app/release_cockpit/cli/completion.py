"""`release-cockpit completion bash|zsh|fish`: a completion script for the shell.

The script is generated from the command line's own argparse parser by shtab
(https://github.com/iterative/shtab), so every command, flag and choice completes and a
new one needs no change here. shtab writes a static script, which the shell reads once:
a Tab costs nothing, where argcomplete (the other maintained library) would start
Python and import the cockpit on every Tab. Files complete for ``--config`` and
``--log-file``.
"""

from __future__ import annotations

import argparse
import sys

from release_cockpit.cli.common import EXIT_OK

SHELLS = ("bash", "zsh", "fish")
FILE_FLAGS = frozenset({"config", "log_file"})
INSTALL = {
    "bash": "release-cockpit completion bash > ~/.local/share/bash-completion/completions/"
    "release-cockpit",
    "zsh": "release-cockpit completion zsh > ~/.zfunc/_release-cockpit "
    "(with fpath+=(~/.zfunc); autoload -U compinit; compinit in ~/.zshrc)",
    "fish": "release-cockpit completion fish > ~/.config/fish/completions/release-cockpit.fish",
}


def completion_script(shell: str) -> str:
    """The completion script for ``shell`` (one of ``SHELLS``)."""
    import shtab

    from release_cockpit.cli.parser import build_parser

    parser = build_parser()
    _mark_files(parser, shtab.FILE)
    return str(shtab.complete(parser, shell=shell))


def _mark_files(parser: argparse.ArgumentParser, files: object) -> None:
    for action in parser._actions:  # argparse keeps no public list of a parser's actions
        if action.dest in FILE_FLAGS:
            action.complete = files  # type: ignore[attr-defined]  # shtab reads it
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                _mark_files(child, files)


def cmd_completion(args: argparse.Namespace) -> int:
    sys.stdout.write(completion_script(args.shell))
    return EXIT_OK
