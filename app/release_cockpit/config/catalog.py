"""What the adapter registry tells config validation, as protocols: config sits below the
adapters layer, so it sees the registry only through these."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from release_cockpit.domain import TargetKey


@runtime_checkable
class TargetCatalog(Protocol):
    """What the adapter registry tells config validation about a backend type's keys."""

    def target_keys(self, type_name: str) -> tuple[TargetKey, ...] | None: ...


@runtime_checkable
class AdapterCatalog(TargetCatalog, Protocol):
    """What else the registry tells config validation: a URL the options imply (so
    ``url`` may be left out) and which queries a backend type can send."""

    def derived_url(self, type_name: str, options: Mapping[str, object]) -> str | None: ...

    def query_problems(self, type_name: str, query: str) -> list[str]: ...
