"""How a backend's settings become an ``httpx.AsyncClient``: the TLS trust it checks the
server with, header values HTTP can carry and a host httpx can encode.

Apart from ``http.py`` because each is a config check made once when the client is built,
before any request: a problem here is a ``ConfigError`` naming the setting, never a
failure of the backend.
"""

from __future__ import annotations

import functools
import ssl
from collections.abc import Mapping
from typing import Any

import httpx

from release_cockpit.adapters.backend_settings import BackendSettings
from release_cockpit.domain.text import clean_text
from release_cockpit.errors import ConfigError


@functools.cache
def _default_trust() -> ssl.SSLContext:
    """httpx's own verifying context, built once: loading the CA bundle costs tens of
    milliseconds per client, and one read-only context serves every client."""
    return httpx.create_ssl_context()


def tls_verify(settings: BackendSettings) -> ssl.SSLContext | bool:
    """How the backend's certificate is checked: not at all, against ``ca_file``, or
    against the default CA bundle (the default: verification is on).

    Raises:
        ConfigError: ``ca_file`` cannot be read as a PEM bundle of certificates.
    """
    if not settings.verify_tls:
        return False
    if settings.ca_file is None:
        return _default_trust()
    try:
        return ssl.create_default_context(cafile=settings.ca_file)
    except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError
        reason = clean_text(getattr(exc, "strerror", None) or exc, 200)
        raise ConfigError(
            [
                settings.problem(
                    "ca_file",
                    f"cannot load the CA bundle {settings.ca_file}: {reason}",
                    "point ca_file at a PEM file holding your CA certificate(s)",
                )
            ]
        ) from None


def check_headers(settings: BackendSettings, headers: Mapping[str, str]) -> None:
    """Refuse header values HTTP cannot carry (RFC 9110 field values are visible ASCII):
    a tenant or a token with a stray non-ASCII character would otherwise fail every request
    deep inside httpx. The problem names the option the value came from.

    Raises:
        ConfigError: one problem per bad header.
    """
    problems = []
    for name, value in headers.items():
        bad = next((c for c in value if not (" " <= c <= "~" or c == "\t")), None)
        if bad is None:
            continue
        option = next(
            (
                key
                for key, given in settings.options.items()
                if isinstance(given, str) and given and given in value
            ),
            "token_env" if name.lower() == "authorization" else "url",
        )
        problems.append(
            settings.problem(
                option,
                f"holds {bad!r}, which an HTTP header ({name}) cannot carry",
                "use plain ASCII letters, digits and punctuation; look for a stray space or "
                "quote copied with the value",
            )
        )
    if problems:
        raise ConfigError(problems)


def client_for(settings: BackendSettings, **options: Any) -> httpx.AsyncClient:
    """The httpx client, or a config problem naming the URL: a host httpx cannot encode
    (a control character pasted into it, an invalid international name) passes a URL
    syntax check but fails here, and must not become a traceback.

    Raises:
        ConfigError: the URL's host cannot be used.
    """
    try:
        return httpx.AsyncClient(**options)
    except httpx.InvalidURL as exc:
        raise ConfigError(
            [
                settings.problem(
                    "url",
                    f"is not a usable URL: {clean_text(exc, 200)}",
                    "check the host name for a stray or invisible character copied with it",
                )
            ]
        ) from None
