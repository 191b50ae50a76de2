"""``ClusterAccess``: how to reach and authenticate to one resolved kubeconfig context.

Credentials: a static token or ``tokenFile``, basic auth, client certificates (files or
``*-data``), and exec credential plugins (``kube_credentials``). Credentials never appear
in errors, logs or reprs.
"""

from __future__ import annotations

import asyncio
import base64
import os
import ssl
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from release_cockpit.adapters.kube_credentials import (
    ClientCertificate,
    ExecCredential,
    ExecCredentialSource,
)
from release_cockpit.adapters.kubeconfig import kubeconfig_problem
from release_cockpit.domain.text import clean_text
from release_cockpit.errors import AuthError


@dataclass(frozen=True, slots=True)
class ClusterAccess:
    """How to reach and authenticate to one kubeconfig context.

    ``server`` is the API server URL; verify it with ``ssl_context()`` (pass it as httpx's
    ``verify``); when ``tls_server_name`` is set, send it as the ``sni_hostname`` request
    extension (``request_extensions()``), which httpcore uses for SNI and the hostname
    check. ``auth_headers()`` gives the current ``Authorization`` header, running an exec
    plugin if needed; a plugin that returns a certificate needs a new ``ssl_context()``
    (and so a new client) when the certificate changes.
    """

    context: str
    namespace: str
    server: str
    cluster: str
    user: str
    source: str  # the kubeconfig file(s) it came from, for messages
    ca_data: bytes | None = field(default=None, repr=False)
    ca_file: str | None = None
    insecure: bool = False
    tls_server_name: str = ""
    proxy_url: str = ""
    token: str = field(default="", repr=False)
    token_file: str | None = None
    basic: tuple[str, str] | None = field(default=None, repr=False)
    client_certificate: ClientCertificate | None = field(default=None, repr=False)
    exec_source: ExecCredentialSource | None = field(default=None, repr=False, compare=False)

    async def credential(self) -> ExecCredential | None:
        """The exec plugin's credential (cached), or None without a plugin."""
        return await self.exec_source.credential() if self.exec_source else None

    async def auth_headers(self) -> dict[str, str]:
        """The ``Authorization`` header to send now ({} for certificate or no auth).

        ``tokenFile`` is re-read every time (client-go re-reads it periodically): it is
        rotated in place by whatever writes it.

        Raises:
            AuthError: the token file cannot be read, or the exec plugin failed.
            Timeout: the exec plugin hung.
        """
        if self.exec_source is not None:
            credential = await self.exec_source.credential()
            return {"Authorization": f"Bearer {credential.token}"} if credential.token else {}
        if self.token_file:
            token = await asyncio.to_thread(_read_token_file, self.token_file, self.user)
            return {"Authorization": f"Bearer {token}"}
        if self.token:
            return {"Authorization": f"Bearer {self.token}"}
        if self.basic is not None:
            pair = f"{self.basic[0]}:{self.basic[1]}".encode()
            return {"Authorization": f"Basic {base64.b64encode(pair).decode()}"}
        return {}

    def invalidate(self) -> None:
        """After a 401: drop a cached plugin credential so the next call runs the plugin."""
        if self.exec_source is not None:
            self.exec_source.invalidate()

    def request_extensions(self) -> dict[str, str]:
        return {"sni_hostname": self.tls_server_name} if self.tls_server_name else {}

    def ssl_context(self, credential: ExecCredential | None = None) -> ssl.SSLContext:
        """The TLS context for the API server: its CA (or none with insecure-skip-tls-verify)
        and the client certificate of the user or of ``credential``.

        A client certificate passes through a private temporary directory only while it is
        loaded (Python loads certificates from files), then is deleted.

        Raises:
            ConfigError: the CA or the client certificate cannot be loaded.
        """
        if self.insecure and (self.ca_data is not None or self.ca_file):
            # client-go's transport refuses it too; over plain http it never matters.
            raise kubeconfig_problem(
                self.source,
                f"cluster {self.cluster!r}: specifying a root certificates file with the "
                "insecure flag is not allowed",
                "drop insecure-skip-tls-verify or the certificate authority",
            )
        try:
            if self.ca_data is not None:
                context = ssl.create_default_context(cadata=self.ca_data.decode("ascii"))
            elif self.ca_file:
                context = ssl.create_default_context(cafile=self.ca_file)
            else:
                context = ssl.create_default_context()
        except (ssl.SSLError, ValueError, OSError, UnicodeDecodeError) as exc:
            raise kubeconfig_problem(
                self.source,
                f"the certificate authority of cluster {self.cluster!r} cannot be loaded: "
                f"{_reason(exc)}",
                "certificate-authority(-data) must hold PEM certificates",
            ) from None
        if self.insecure:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        certificate = credential.certificate if credential else None
        certificate = certificate or self.client_certificate
        if certificate is not None:
            _load_client_certificate(context, certificate, self.user, self.source)
        return context


def _reason(exc: BaseException) -> str:
    return clean_text(getattr(exc, "reason", None) or getattr(exc, "strerror", None) or exc, 200)


def _load_client_certificate(
    context: ssl.SSLContext, certificate: ClientCertificate, user: str, source: str
) -> None:
    with tempfile.TemporaryDirectory(prefix="release-cockpit-") as folder:
        os.chmod(folder, 0o700)
        cert_path, key_path = Path(folder) / "client.crt", Path(folder) / "client.key"
        for path, data in ((cert_path, certificate.cert_pem), (key_path, certificate.key_pem)):
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
        try:
            context.load_cert_chain(cert_path, key_path)
        except (ssl.SSLError, ValueError, OSError) as exc:
            raise kubeconfig_problem(
                source,
                f"the client certificate of user {user!r} cannot be loaded: {_reason(exc)}",
                "client-certificate(-data) and client-key(-data) must be a PEM pair",
            ) from None


def _read_token_file(path: str, user: str) -> str:
    try:
        token = Path(path).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise AuthError(
            f"cannot read the tokenFile of kubeconfig user {user!r}: "
            f"{getattr(exc, 'strerror', None) or type(exc).__name__}",
            hint=f"check {path}",
        ) from None
    if not token:
        raise AuthError(f"the tokenFile of kubeconfig user {user!r} is empty", hint=f"check {path}")
    return token
