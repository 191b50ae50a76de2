"""The ``[backends.NAME]`` tables: each backend's type, URL, token source, timing and TLS.

Unknown keys in a backend table are not errors here: they are the adapter's own options, kept
raw in ``BackendConfig.options`` for the adapter to validate (with ``Config.lines`` to point
at the line). The one exception: a table with ``context`` (a Kubernetes-family adapter reached
through a kubeconfig context) needs no ``url``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from release_cockpit.config.catalog import AdapterCatalog
from release_cockpit.config.schema import BackendConfig
from release_cockpit.config.validate import (
    Invalid,
    boolean,
    env_name,
    http_url,
    non_empty,
    positive_duration,
    suggest,
)

if TYPE_CHECKING:
    from release_cockpit.config.validate import (
        Reader,
    )

_BACKEND = (
    *("type", "url", "token_env", "token_file", "interval", "timeout", "verify_tls"),
    "ca_file",
)


def backends(
    r: Reader | None, kinds: Mapping[str, str] | None
) -> tuple[dict[str, BackendConfig], dict[str, str]]:
    """The ``[backends]`` tables, and every backend's type by name (also for a backend
    with problems, so references to it are checked against its type)."""
    types: dict[str, str] = {}
    if r is None:
        return {}, types
    result: dict[str, BackendConfig] = {}
    for name in r.data:
        sub = r.table(name)
        if sub is None:
            continue
        kind = sub.required("type", non_empty, 'e.g. type = "github-actions"')
        if kind is not None:
            types[name] = kind
            if kinds is not None and kind not in kinds:
                sub.problem(
                    "type",
                    f"unknown backend type '{kind}'",
                    suggest(kind, kinds, "known types"),
                )
        backend = _backend(name, sub, kinds)
        if backend is not None and kind is not None:
            result[name] = replace(backend, type=kind)
    return result, types


def _backend(name: str, r: Reader, kinds: Mapping[str, str] | None) -> BackendConfig | None:
    if r.has("context"):
        # A Kubernetes-family backend reached through a kubeconfig context: the context
        # names the API server; the adapter checks the rest (context is its option).
        url: str | None = r.optional("url", http_url, "")
    else:
        url = _url(r, kinds)
    token_env = r.optional("token_env", env_name, None)
    token_file = r.optional("token_file", non_empty, None)
    if r.has("token_env") and r.has("token_file"):
        r.problem(
            "token_file",
            "set token_env or token_file, not both",
            "keep the one that holds this backend's token",
        )
    options = r.options(_BACKEND)
    interval = r.optional("interval", positive_duration, None)
    timeout = r.optional("timeout", positive_duration, None)
    verify_tls = r.optional("verify_tls", boolean, True)
    ca_file = r.optional("ca_file", _ca_file, None)
    if ca_file is not None and not verify_tls:
        r.problem(
            "ca_file",
            "ca_file has no effect with verify_tls = false",
            "keep ca_file to check the certificate against your CA, or drop it",
        )
    if url is None:
        return None
    path = Path(token_file) if token_file is not None else None
    return BackendConfig(
        name, "", url, token_env, path, interval, timeout, verify_tls, options, ca_file
    )


def _url(r: Reader, kinds: Mapping[str, str] | None) -> str | None:
    """``url``, or the one the adapter derives from its options (Datadog's ``site``).

    When both are given they must name the same API: a ``url`` that disagrees with
    ``site`` is the classic "valid key, 403" mistake, so it is refused up front.
    """
    kind = r.data.get("type")
    derived: str | None = None
    if isinstance(kind, str) and isinstance(kinds, AdapterCatalog):
        options = {k: v for k, v in r.data.items() if k not in _BACKEND}
        try:
            derived = kinds.derived_url(kind, options)
        except ValueError as exc:
            bad = next((k for k in options if k in str(exc)), "url")
            r.problem(bad if bad in r.data else "url", str(exc), "see `release-cockpit adapters`")
            return None
    if derived is None:
        return r.required(
            "url",
            http_url,
            'e.g. url = "https://api.github.com" (a kubernetes, argo-rollouts or flagger '
            'backend may name a kubeconfig context = "..." instead)',
        )
    url = r.optional("url", http_url, None)
    if url is None:
        return derived
    if url.rstrip("/") != derived.rstrip("/"):
        r.problem(
            "url",
            f"url {url} is not the API of the configured site ({derived})",
            "drop url (the site names the API), or drop site to use url as written (a proxy)",
        )
        return None
    return url


def _ca_file(value: object) -> Path:
    """A CA bundle path (``~`` expanded, relative to the working directory) that exists."""
    path = Path(non_empty(value)).expanduser()
    if not path.is_file():
        raise Invalid(
            f"CA bundle {path} does not exist or is not a file",
            "point ca_file at a PEM file holding your CA certificate(s)",
        )
    return path
