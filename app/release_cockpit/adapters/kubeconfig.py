"""kubeconfig files, read and merged the way kubectl reads them into a ``Kubeconfig``.

Loading follows client-go's rules (``tools/clientcmd/loader.go``; the user-facing summary is
https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/#merging-kubeconfig-files):
an explicit file alone, else every file of ``$KUBECONFIG`` merged with the first file to set
a name or ``current-context`` winning (a later file's entry of the same name is dropped
whole, even its non-conflicting fields), else ``~/.kube/config``. Paths inside a file are
relative to that file's directory. Turning one context of it into a ``ClusterAccess`` is
``kube_context``'s work; the credentials are in ``kube_credentials`` and ``cluster_access``.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from release_cockpit.errors import ConfigError, Problem

# -- loading ------------------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps timestamps as strings, as the Go client reads them."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True, slots=True)
class Entry:
    """A named cluster, user or context, with the file that defined it."""

    name: str
    body: Mapping[str, Any]
    file: Path


@dataclass(frozen=True, slots=True)
class Kubeconfig:
    """The merged view of one or more kubeconfig files."""

    files: tuple[Path, ...]
    clusters: Mapping[str, Entry]
    users: Mapping[str, Entry]
    contexts: Mapping[str, Entry]
    current_context: str
    current_context_file: Path | None
    texts: Mapping[Path, str] = field(default_factory=dict, repr=False)

    @property
    def where(self) -> str:
        return ", ".join(str(f) for f in self.files) or "<no kubeconfig>"


def kubeconfig_paths(
    explicit: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None
) -> list[Path]:
    """Which files to read: ``explicit`` alone, else ``$KUBECONFIG`` (``os.pathsep``-separated,
    empty entries ignored), else ``~/.kube/config``."""
    if explicit:
        return [Path(explicit).expanduser()]
    environ = os.environ if env is None else env
    listed = environ.get("KUBECONFIG", "")
    if listed:
        return [Path(p).expanduser() for p in listed.split(os.pathsep) if p]
    return [Path.home() / ".kube" / "config"]


def kubeconfig_problem(
    file: Path | str, message: str, hint: str = "", *, key: str = "", line: int | None = None
) -> ConfigError:
    """A ``ConfigError`` about one kubeconfig file, for every kubeconfig module to raise."""
    return ConfigError([Problem(str(file), line, key, message, hint)])


def _named(items: object, kind: str, file: Path) -> list[tuple[str, Mapping[str, Any]]]:
    """``clusters: [{name, cluster: {...}}]`` -> [(name, body)]; nameless items skipped."""
    found: list[tuple[str, Mapping[str, Any]]] = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and isinstance(item.get("name"), str) and item["name"]:
            body = item.get(kind)
            found.append((item["name"], body if isinstance(body, dict) else {}))
    return found


def load_kubeconfig(
    explicit: str | os.PathLike[str] | None = None, *, env: Mapping[str, str] | None = None
) -> Kubeconfig:
    """Read and merge the kubeconfig files as kubectl does.

    A file named in ``$KUBECONFIG`` that does not exist is skipped (client-go does the same);
    an explicit file or the default one must exist.

    Raises:
        ConfigError: no file exists, a file cannot be read, or it is not a kubeconfig
            (every problem names the file).
    """
    paths = kubeconfig_paths(explicit, env)
    from_env = not explicit and bool((os.environ if env is None else env).get("KUBECONFIG"))
    existing = [p for p in paths if p.is_file()] if from_env else paths
    if not existing:
        raise kubeconfig_problem(
            os.pathsep.join(str(p) for p in paths),
            "none of the files in $KUBECONFIG exists",
            "set KUBECONFIG to your kubeconfig file(s), or name one in the config",
        )
    clusters: dict[str, Entry] = {}
    users: dict[str, Entry] = {}
    contexts: dict[str, Entry] = {}
    current, current_file = "", None
    texts: dict[Path, str] = {}
    for path in existing:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise kubeconfig_problem(
                path,
                f"cannot read the kubeconfig: {exc.strerror or exc}",
                "check the path and its permissions",
            ) from None
        except UnicodeDecodeError:
            raise kubeconfig_problem(path, "the kubeconfig is not UTF-8 text") from None
        try:
            data = yaml.load(text, Loader=_Loader)  # a SafeLoader: plain data only
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else None
            raise kubeconfig_problem(
                path,
                f"not valid YAML: {getattr(exc, 'problem', None) or exc}",
                "fix the file or point KUBECONFIG elsewhere",
                line=line,
            ) from None
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise kubeconfig_problem(path, "a kubeconfig must be a YAML mapping (kind: Config)")
        texts[path] = text
        for table, kind, into in (
            ("clusters", "cluster", clusters),
            ("users", "user", users),
            ("contexts", "context", contexts),
        ):
            for name, body in _named(data.get(table), kind, path):
                into.setdefault(name, Entry(name, body, path))  # the first file wins
        if not current and isinstance(data.get("current-context"), str):
            current, current_file = data["current-context"], path
    return Kubeconfig(tuple(existing), clusters, users, contexts, current, current_file, texts)


def line_of(config: Kubeconfig, file: Path, pattern: str) -> int | None:
    """The 1-based line of the first match of ``pattern`` in ``file`` (for error messages)."""
    text = config.texts.get(file, "")
    match = re.search(pattern, text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else None


def did_you_mean(name: str, choices: Sequence[str], what: str) -> str:
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.5)
    if close:
        return f"did you mean {close[0]!r}?"
    known = ", ".join(sorted(choices)[:10])
    return f"known {what}: {known}" if known else f"the kubeconfig defines no {what}"
