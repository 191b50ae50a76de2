"""`release-cockpit adapters`: every backend type, what a service writes to point at it,
its options, its actions and features, and how it reads a version."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.console import Console
from rich.text import Text


def render_adapters(found: Sequence[Mapping[str, object]], broken: Sequence[str]) -> str:
    """Plain text, one block per type, readable at 80 columns."""
    lines: list[str] = []
    for item in found:
        lines.append(f"{item['type']} ({item['kind']}): {item['summary']}")
        target = item.get("target") or []
        assert isinstance(target, list)
        if target:
            kind = item["kind"]
            table = "[[services.KEY.flags]]" if kind == "flags" else f"[services.KEY.{kind}]"
            lines.append(f"  {table} keys:")
            for key in target:
                need = "required" if key["required"] else "optional"
                example = f', e.g. {key["key"]} = "{key["example"]}"' if key["example"] else ""
                lines.append(f"    {key['key']} ({need}): {key['help']}{example}")
        options = item.get("options") or []
        assert isinstance(options, list)
        if options:
            lines.append("  [backends.NAME] options:")
            for option in options:
                default = (
                    f" (default {option['default']!r})" if option["default"] is not None else ""
                )
                lines.append(f"    {option['key']}: {option['help']}{default}")
        secrets = item.get("secrets") or []
        assert isinstance(secrets, list)
        for secret in secrets:
            env_key, file_key = secret["keys"]
            lines.append(f"    {env_key} | {file_key}: where {secret['help']} is (never the value)")
        capabilities = item.get("capabilities") or []
        features = item.get("features") or []
        assert isinstance(capabilities, list)
        assert isinstance(features, list)
        lines.append(f"  actions: {', '.join(capabilities) or 'none'}")
        if features:
            lines.append(f"  features: {', '.join(features)}")
        if item.get("versions"):
            lines.append(f"  version: {item['versions']}")
        lines.append("")
    for error in broken:
        lines.append(f"could not load: {error}")
    return "\n".join(lines).rstrip() + "\n"


def print_adapters(
    found: Sequence[Mapping[str, object]], broken: Sequence[str], console: Console | None = None
) -> None:
    (console or Console()).print(Text(render_adapters(found, broken).rstrip("\n")), soft_wrap=True)
