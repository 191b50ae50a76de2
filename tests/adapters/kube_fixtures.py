"""Kubernetes-shaped fixtures kept as YAML: loaded the way the API would have sent them.

Recorded objects from clusters (``kubectl get -o yaml``) sometimes have unquoted timestamps
(``creationTimestamp: 2018-07-18T04:40:44Z``) that a YAML 1.1 loader turns into datetimes.
The API sends every timestamp as an RFC 3339 string, so the loader here keeps them strings.
"""

from __future__ import annotations

import copy
from typing import Any

import yaml

from tests.adapters.conftest import FIXTURES, load

_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _ApiLoader(yaml.SafeLoader):
    """SafeLoader without the timestamp resolver: timestamps stay strings, as in JSON."""


_ApiLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_yaml(relative: str) -> Any:
    """A YAML fixture from tests/fixtures, timestamps as strings."""
    return yaml.load((FIXTURES / relative).read_text(encoding="utf-8"), Loader=_ApiLoader)


def fixture(relative: str) -> Any:
    """A JSON or YAML fixture by file name; a fresh copy every call (tests edit them)."""
    if relative.endswith((".yaml", ".yml")):
        return load_yaml(relative)
    return copy.deepcopy(load(relative))
