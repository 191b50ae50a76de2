"""Kubernetes credentials: client certificates and exec credential plugins.

Exec plugins speak client.authentication.k8s.io/v1 and v1beta1
(https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins).
A plugin runs without a shell and without the terminal's stdin, with a timeout, off the
event loop (``asyncio.create_subprocess_exec``), and its credential is cached until its
``expirationTimestamp`` (or until ``invalidate()`` after a 401). Credentials never appear in
errors, logs or reprs.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from release_cockpit.adapters.payload import parse_time
from release_cockpit.domain.text import clean_text
from release_cockpit.errors import AuthError, Timeout

EXEC_API_VERSIONS = ("client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1")
INTERACTIVE_MODES = ("Never", "IfAvailable", "Always")
EXEC_EXTENSION = "client.authentication.k8s.io/exec"  # per-cluster config for plugins
DEFAULT_EXEC_TIMEOUT = 30.0
MAX_PLUGIN_OUTPUT = 1 << 20  # an ExecCredential is a few KB; a flood is an error


class CredentialPluginError(AuthError):
    """An exec credential plugin could not give a credential."""

    title = "Kubernetes credential plugin failed"


class CredentialPluginTimeout(Timeout):
    """An exec credential plugin did not finish in time (it was killed)."""

    title = "Kubernetes credential plugin timed out"


@dataclass(frozen=True, slots=True)
class ClientCertificate:
    """PEM client certificate and key (from the kubeconfig or an exec plugin)."""

    cert_pem: bytes = field(repr=False)
    key_pem: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class ExecCredential:
    """A plugin's answer: a token or a client certificate, and when it expires."""

    token: str = field(default="", repr=False)
    certificate: ClientCertificate | None = field(default=None, repr=False)
    expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ExecConfig:
    """``users[].user.exec`` with its command resolved."""

    api_version: str
    command: str
    args: tuple[str, ...]
    env: tuple[tuple[str, str], ...] = field(repr=False)
    install_hint: str
    provide_cluster_info: bool
    interactive_mode: str
    user: str
    file: Path


def parse_exec_credential(stdout: bytes, api_version: str, *, user: str = "") -> ExecCredential:
    """A plugin's stdout as an ``ExecCredential`` of the configured ``api_version``.

    Nothing of the output is quoted in errors: it may hold a credential.

    Raises:
        CredentialPluginError: not JSON, another kind or apiVersion, no status, no token and
            no certificate, or a certificate without its key.
    """
    who = f"the credential plugin of user {user!r}" if user else "the credential plugin"
    hint = "run the plugin by hand to see what it prints; it must print an ExecCredential"
    try:
        data = json.loads(stdout)
    except (ValueError, UnicodeDecodeError):
        raise CredentialPluginError(
            f"{who} printed {len(stdout)} bytes that are not JSON", hint=hint
        ) from None
    if not isinstance(data, dict) or data.get("kind") != "ExecCredential":
        raise CredentialPluginError(f"{who} printed JSON that is not an ExecCredential", hint=hint)
    if data.get("apiVersion") != api_version:
        raise CredentialPluginError(
            f"{who} is configured for {api_version} but answered "
            f"{clean_text(data.get('apiVersion'), 80)!r}",
            hint="set users[].user.exec.apiVersion to the version the plugin speaks",
        )
    status = data.get("status")
    if not isinstance(status, dict):
        raise CredentialPluginError(f"{who} returned no status", hint=hint)
    token = status.get("token")
    cert, key = status.get("clientCertificateData"), status.get("clientKeyData")
    has_cert, has_key = isinstance(cert, str) and bool(cert), isinstance(key, str) and bool(key)
    if has_cert != has_key:
        raise CredentialPluginError(
            f"{who} returned only a client certificate or only a key, not both", hint=hint
        )
    certificate = (
        ClientCertificate(cert.encode(), key.encode())
        if has_cert and isinstance(cert, str) and isinstance(key, str)
        else None
    )
    if not (isinstance(token, str) and token) and certificate is None:
        raise CredentialPluginError(f"{who} returned neither a token nor a certificate", hint=hint)
    expiry = status.get("expirationTimestamp")
    expires_at = parse_time(expiry)
    if expiry is not None and expires_at is None:
        raise CredentialPluginError(
            f"{who} returned an expirationTimestamp that is not RFC 3339", hint=hint
        )
    return ExecCredential(token if isinstance(token, str) else "", certificate, expires_at)


async def _read_stdout(stream: asyncio.StreamReader | None, limit: int) -> bytes | None:
    """Everything a pipe gives until EOF, or None as soon as it passes ``limit`` bytes."""
    if stream is None:
        return b""
    chunks: list[bytes] = []
    size = 0
    while chunk := await stream.read(65536):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def _read_stderr_tail(stream: asyncio.StreamReader | None, keep: int = 8192) -> bytes:
    """Drain a pipe to EOF (so a chatty plugin never blocks on it), keeping only its end."""
    if stream is None:
        return b""
    tail = b""
    while chunk := await stream.read(65536):
        tail = (tail + chunk)[-keep:]
    return tail


class ExecCredentialSource:
    """Runs an exec plugin when its cached credential is missing or expired.

    One plugin run at a time (a lock), so a burst of requests after expiry starts one
    process. The clock is injectable for tests.
    """

    def __init__(
        self,
        config: ExecConfig,
        exec_info: Mapping[str, Any],
        *,
        timeout: float = DEFAULT_EXEC_TIMEOUT,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.config = config
        self._exec_info = json.dumps(exec_info, separators=(",", ":"))
        self._timeout = timeout
        self._clock = clock
        self._cached: ExecCredential | None = None
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"ExecCredentialSource(command={self.config.command!r}, user={self.config.user!r})"

    def invalidate(self) -> None:
        """Forget the cached credential (after a 401): the next request runs the plugin."""
        self._cached = None

    def _fresh(self) -> ExecCredential | None:
        cached = self._cached
        if cached is None:
            return None
        if cached.expires_at is not None and self._clock() >= cached.expires_at:
            return None
        return cached

    async def credential(self) -> ExecCredential:
        """The cached credential, or a new one from the plugin.

        Raises:
            CredentialPluginError: the plugin is missing, failed, or printed no credential.
            CredentialPluginTimeout: it ran longer than the timeout (it was killed).
        """
        if (fresh := self._fresh()) is not None:
            return fresh
        async with self._lock:
            if (fresh := self._fresh()) is not None:
                return fresh
            self._cached = await self._run()
            return self._cached

    async def _run(self) -> ExecCredential:
        cfg = self.config
        who = f"credential plugin {cfg.command!r} of kubeconfig user {cfg.user!r}"
        if cfg.interactive_mode == "Always":
            raise CredentialPluginError(
                f"{who} needs an interactive terminal (interactiveMode: Always)",
                hint="log in once with kubectl in a terminal, or use a plugin mode that "
                "works without input",
            )
        env = {**os.environ, **dict(cfg.env), "KUBERNETES_EXEC_INFO": self._exec_info}
        try:
            process = await asyncio.create_subprocess_exec(
                cfg.command,
                *cfg.args,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
        except FileNotFoundError:
            raise CredentialPluginError(
                f"{who} was not found",
                hint=clean_text(cfg.install_hint, 500).strip()
                or "install it, or fix users[].user.exec.command in the kubeconfig",
            ) from None
        except PermissionError:
            raise CredentialPluginError(
                f"{who} is not executable", hint=f"chmod +x {cfg.command}"
            ) from None
        except OSError as exc:
            raise CredentialPluginError(
                f"{who} could not start: {exc.strerror or exc}",
                hint="check users[].user.exec.command in the kubeconfig",
            ) from None
        stderr_task = asyncio.ensure_future(_read_stderr_tail(process.stderr))
        try:
            async with asyncio.timeout(self._timeout):
                stdout = await _read_stdout(process.stdout, MAX_PLUGIN_OUTPUT)
                if stdout is None:
                    raise CredentialPluginError(
                        f"{who} printed more than {MAX_PLUGIN_OUTPUT} bytes",
                        hint="run the plugin by hand: it must print one ExecCredential",
                    )
                stderr = await stderr_task
                code = await process.wait()
        except TimeoutError:
            raise CredentialPluginTimeout(
                f"{who} did not finish within {self._timeout:g} s and was stopped",
                hint="it may be waiting for a login: run it once in a terminal",
            ) from None
        finally:
            stderr_task.cancel()
            if process.returncode is None:
                await _kill(process)
        if code != 0:
            lines = stderr.decode("utf-8", "replace").strip().splitlines()
            last = clean_text(lines[-1], 300) if lines else ""
            raise CredentialPluginError(
                f"{who} exited with status {code}" + (f": {last}" if last else ""),
                hint="run the plugin by hand to see why (an expired login is the usual cause)",
            )
        return parse_exec_credential(stdout, cfg.api_version, user=cfg.user)


async def _kill(process: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError):
        process.kill()
    with contextlib.suppress(ProcessLookupError):
        await process.wait()
