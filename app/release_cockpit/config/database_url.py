"""A PostgreSQL URL for ``[cockpit] database`` / ``$RELEASE_COCKPIT_DB``: checked before use.

libpq's URI form (https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING-URIS):
``postgresql://user@host:5432/dbname?sslmode=verify-full&sslrootcert=/etc/ssl/team-ca.pem``.
A password written in it is refused: config files are shared, pasted and committed, and
an environment variable's value shows in ``ps e``. The password comes from
``database_password_env`` / ``database_password_file``, or libpq's ``~/.pgpass``.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

SCHEMES = ("postgresql", "postgres")
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")


class BadDatabaseUrl(ValueError):
    """What is wrong with the URL (``args[0]``) and how to fix it (``hint``)."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def is_database_url(text: str) -> bool:
    """True for a ``postgresql://`` (or ``postgres://``) URL, False for a file path."""
    scheme, sep, _ = text.strip().partition("://")
    return bool(sep) and scheme.lower() in SCHEMES


def check_database_url(text: str) -> str:
    """The URL, stripped, when libpq can use it and it carries no password.

    Raises:
        BadDatabaseUrl: it does not parse, has a password, a bad port or sslmode.
    """
    url = text.strip()
    example = "postgresql://cockpit@db.example.com:5432/cockpit?sslmode=verify-full"
    try:
        parts = urlsplit(url)
        port = parts.port
        password = parts.password
    except ValueError as exc:
        raise BadDatabaseUrl(f"is not a valid URL ({exc})", f"write it like {example}") from exc
    if password is not None:
        raise BadDatabaseUrl(
            "holds a password: it would be shown and stored with the config",
            "remove it from the URL; set database_password_env (a variable's name) or "
            "database_password_file under [cockpit], or use ~/.pgpass",
        )
    if port is not None and not 0 < port < 65536:
        raise BadDatabaseUrl(f"has port {port}", "use a port between 1 and 65535 (5432)")
    if not parts.hostname and "host=" not in parts.query:
        raise BadDatabaseUrl("names no host", f"write it like {example}")
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key == "password":
            raise BadDatabaseUrl(
                "holds a password parameter",
                "remove it; set database_password_env or database_password_file",
            )
        if key == "sslmode" and value not in SSL_MODES:
            raise BadDatabaseUrl(
                f"has sslmode={value}", f"use one of {', '.join(SSL_MODES)} (verify-full)"
            )
    return url
