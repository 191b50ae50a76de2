"""kubeconfig files, resolved the way kubectl resolves them, into a ``ClusterAccess``.

Loading follows client-go's rules (``tools/clientcmd/loader.go``; the user-facing summary is
https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/#merging-kubeconfig-files):
an explicit file alone, else every file of ``$KUBECONFIG`` merged with the first file to set
a name or ``current-context`` winning (a later file's entry of the same name is dropped
whole, even its non-conflicting fields), else ``~/.kube/config``. Paths inside a file are
relative to that file's directory.

Credentials: a static token or ``tokenFile``, basic auth, client certificates (files or
``*-data``), and exec credential plugins (client.authentication.k8s.io/v1 and v1beta1,
https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins).
A plugin runs without a shell and without the terminal's stdin, with a timeout, off the
event loop (``asyncio.create_subprocess_exec``), and its credential is cached until its
``expirationTimestamp`` (or until ``invalidate()`` after a 401). Credentials never appear in
errors, logs or reprs.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import difflib
import json
import os
import re
import ssl
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from release_cockpit.adapters.payload import parse_time
from release_cockpit.domain.text import clean_text
from release_cockpit.errors import AuthError, ConfigError, Problem, Timeout

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


def _problem(
    file: Path | str, message: str, hint: str = "", *, key: str = "", line: int | None = None
) -> ConfigError:
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
        raise _problem(
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
            raise _problem(
                path,
                f"cannot read the kubeconfig: {exc.strerror or exc}",
                "check the path and its permissions",
            ) from None
        except UnicodeDecodeError:
            raise _problem(path, "the kubeconfig is not UTF-8 text") from None
        try:
            data = yaml.load(text, Loader=_Loader)  # a SafeLoader: plain data only
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else None
            raise _problem(
                path,
                f"not valid YAML: {getattr(exc, 'problem', None) or exc}",
                "fix the file or point KUBECONFIG elsewhere",
                line=line,
            ) from None
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise _problem(path, "a kubeconfig must be a YAML mapping (kind: Config)")
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


def _line_of(config: Kubeconfig, file: Path, pattern: str) -> int | None:
    """The 1-based line of the first match of ``pattern`` in ``file`` (for error messages)."""
    text = config.texts.get(file, "")
    match = re.search(pattern, text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _did_you_mean(name: str, choices: Sequence[str], what: str) -> str:
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.5)
    if close:
        return f"did you mean {close[0]!r}?"
    known = ", ".join(sorted(choices)[:10])
    return f"known {what}: {known}" if known else f"the kubeconfig defines no {what}"


# -- credentials ------------------------------------------------------------------------------


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


# -- the resolved cluster ---------------------------------------------------------------------


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
            raise _problem(
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
            raise _problem(
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
            raise _problem(
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


# -- resolving a context ---------------------------------------------------------------------


def _path(value: object, base: Path) -> str | None:
    """A file path from the kubeconfig, relative to the file that defined it."""
    if not isinstance(value, str) or not value:
        return None
    path = Path(value).expanduser()
    return str(path if path.is_absolute() else base.parent / path)


def _data(value: object, what: str, entry: Entry, config: Kubeconfig) -> bytes | None:
    """A base64 ``*-data`` field, decoded."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return base64.b64decode(value, validate=False)
    except (binascii.Error, ValueError):
        line = _line_of(config, entry.file, rf"^\s*{re.escape(what)}:")
        raise _problem(
            entry.file, f"{what} of {entry.name!r} is not base64", line=line, key=what
        ) from None


def _command(command: str, base: Path) -> str:
    """client-go's rule: an absolute path as is, a bare name through $PATH, and a relative
    path with a slash against the kubeconfig's directory."""
    if os.sep in command or "/" in command:
        path = Path(command).expanduser()
        return str(path if path.is_absolute() else base.parent / path)
    return command


def _exec_config(raw: Mapping[str, Any], entry: Entry, config: Kubeconfig) -> ExecConfig:
    def bad(message: str, hint: str) -> ConfigError:
        line = _line_of(config, entry.file, r"^\s*exec:")
        return _problem(entry.file, f"user {entry.name!r}: {message}", hint, key="exec", line=line)

    api_version = raw.get("apiVersion")
    if api_version not in EXEC_API_VERSIONS:
        raise bad(
            f"exec apiVersion {clean_text(api_version, 80)!r} is not supported",
            f"use one of {', '.join(EXEC_API_VERSIONS)}",
        )
    command = raw.get("command")
    if not isinstance(command, str) or not command:
        raise bad("exec has no command", "name the plugin executable in exec.command")
    mode = raw.get("interactiveMode")
    if mode is None:
        if api_version.endswith("/v1"):
            raise bad(
                "exec.interactiveMode is required for client.authentication.k8s.io/v1",
                "add interactiveMode: Never (or IfAvailable)",
            )
        mode = "IfAvailable"
    if mode not in INTERACTIVE_MODES:
        raise bad(
            f"exec.interactiveMode {clean_text(mode, 40)!r} is not valid",
            f"use one of {', '.join(INTERACTIVE_MODES)}",
        )
    args = tuple(str(a) for a in raw.get("args") or [] if isinstance(a, str | int | float))
    env = tuple(
        (str(e["name"]), str(e.get("value", "")))
        for e in raw.get("env") or []
        if isinstance(e, dict) and isinstance(e.get("name"), str)
    )
    return ExecConfig(
        api_version=api_version,
        command=_command(command, entry.file),
        args=args,
        env=env,
        install_hint=str(raw.get("installHint") or ""),
        provide_cluster_info=raw.get("provideClusterInfo") is True,
        interactive_mode=mode,
        user=entry.name,
        file=entry.file,
    )


def _exec_info(cfg: ExecConfig, cluster: Entry, ca: bytes | None) -> dict[str, Any]:
    """``KUBERNETES_EXEC_INFO``: an ExecCredential with ``spec.interactive`` (always false:
    the cockpit never hands a plugin the terminal) and, with ``provideClusterInfo``, the
    cluster (its per-cluster ``client.authentication.k8s.io/exec`` extension as ``config``)."""
    spec: dict[str, Any] = {"interactive": False}
    if cfg.provide_cluster_info:
        body = cluster.body
        info: dict[str, Any] = {"server": body.get("server", "")}
        for key in ("tls-server-name", "proxy-url"):
            if body.get(key):
                info[key] = body[key]
        if body.get("insecure-skip-tls-verify") is True:
            info["insecure-skip-tls-verify"] = True
        if ca:
            info["certificate-authority-data"] = base64.b64encode(ca).decode()
        for ext in body.get("extensions") or []:
            if isinstance(ext, dict) and ext.get("name") == EXEC_EXTENSION:
                info["config"] = ext.get("extension")
        spec["cluster"] = info
    return {"apiVersion": cfg.api_version, "kind": "ExecCredential", "spec": spec}


def resolve(
    config: Kubeconfig,
    context: str | None = None,
    *,
    exec_timeout: float = DEFAULT_EXEC_TIMEOUT,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> ClusterAccess:
    """The ``ClusterAccess`` of ``context`` (or of ``current-context``).

    Raises:
        ConfigError: the context, its cluster or its user is missing (with the file, the
            missing name and a "did you mean"), the cluster has no server, or the user's
            settings cannot work together.
    """
    name = context or config.current_context
    if not name:
        raise _problem(
            config.where,
            "no context named and no current-context set",
            _did_you_mean("", list(config.contexts), "contexts"),
            key="current-context",
        )
    entry = config.contexts.get(name)
    if entry is None:
        file = (
            config.current_context_file
            if not context and config.current_context_file
            else config.where
        )
        line = _line_of(config, Path(file), r"^current-context:") if not context else None
        raise _problem(
            file,
            f"context {name!r} is not defined",
            _did_you_mean(name, list(config.contexts), "contexts"),
            key="contexts",
            line=line,
        )
    cluster_name = entry.body.get("cluster")
    user_name = entry.body.get("user")
    if not isinstance(cluster_name, str) or not cluster_name:
        raise _problem(
            entry.file,
            f"context {name!r} names no cluster",
            key=f"contexts.{name}.cluster",
            line=_line_of(config, entry.file, rf"name:\s*{re.escape(name)}\s*$"),
        )
    cluster = config.clusters.get(cluster_name)
    if cluster is None:
        raise _problem(
            entry.file,
            f"context {name!r} uses cluster {cluster_name!r}, which is not defined",
            _did_you_mean(cluster_name, list(config.clusters), "clusters"),
            key=f"contexts.{name}.cluster",
            line=_line_of(config, entry.file, rf"^\s*cluster:\s*{re.escape(cluster_name)}\s*$"),
        )
    user: Entry | None = None
    if isinstance(user_name, str) and user_name:
        user = config.users.get(user_name)
        if user is None:
            raise _problem(
                entry.file,
                f"context {name!r} uses user {user_name!r}, which is not defined",
                _did_you_mean(user_name, list(config.users), "users"),
                key=f"contexts.{name}.user",
                line=_line_of(config, entry.file, rf"^\s*user:\s*{re.escape(user_name)}\s*$"),
            )
    body = cluster.body
    server = body.get("server")
    if not isinstance(server, str) or not server:
        raise _problem(
            cluster.file,
            f"cluster {cluster_name!r} has no server",
            "add server: https://HOST:PORT",
            key=f"clusters.{cluster_name}.server",
        )
    ca = _data(
        body.get("certificate-authority-data"), "certificate-authority-data", cluster, config
    )
    ca_file = None if ca else _path(body.get("certificate-authority"), cluster.file)
    insecure = body.get("insecure-skip-tls-verify") is True
    access: dict[str, Any] = {}
    if user is not None:
        access = _user_access(
            user, cluster, ca if ca else _read_ca(ca_file), config, exec_timeout, clock
        )
    namespace = entry.body.get("namespace")
    return ClusterAccess(
        context=name,
        namespace=namespace if isinstance(namespace, str) and namespace else "default",
        server=server,
        cluster=cluster_name,
        user=user.name if user else "",
        source=str(entry.file),
        ca_data=ca,
        ca_file=ca_file,
        insecure=insecure,
        tls_server_name=str(body.get("tls-server-name") or ""),
        proxy_url=str(body.get("proxy-url") or ""),
        **access,
    )


def _read_ca(path: str | None) -> bytes | None:
    if not path:
        return None
    try:
        return Path(path).read_bytes()
    except OSError:
        return None  # reported when the TLS context is built


def _user_access(
    user: Entry,
    cluster: Entry,
    ca: bytes | None,
    config: Kubeconfig,
    exec_timeout: float,
    clock: Callable[[], datetime],
) -> dict[str, Any]:
    body = user.body
    where = user.file

    def conflict(message: str) -> ConfigError:
        return _problem(
            where,
            f"user {user.name!r}: {message}",
            "keep one way of authenticating",
            key=f"users.{user.name}",
        )

    if body.get("auth-provider") is not None:
        raise _problem(
            where,
            f"user {user.name!r} uses an auth-provider, which kubectl no longer supports",
            "use the provider's exec plugin (gke-gcloud-auth-plugin, kubelogin, ...)",
            key=f"users.{user.name}.auth-provider",
        )
    token = body.get("token") if isinstance(body.get("token"), str) else ""
    token_file = _path(body.get("tokenFile"), where)
    username, password = body.get("username"), body.get("password")
    basic = (str(username), str(password or "")) if isinstance(username, str) and username else None
    if (token or token_file) and basic:
        raise conflict("sets both a bearer token and a username/password")
    cert = _data(body.get("client-certificate-data"), "client-certificate-data", user, config)
    key = _data(body.get("client-key-data"), "client-key-data", user, config)
    cert = cert or _read_file(
        _path(body.get("client-certificate"), where), user, "client-certificate"
    )
    key = key or _read_file(_path(body.get("client-key"), where), user, "client-key")
    if bool(cert) != bool(key):
        raise conflict(
            "has a client certificate without its key (or a key without its certificate)"
        )
    access: dict[str, Any] = {
        "token": token or "",
        "token_file": token_file,
        "basic": basic,
        "client_certificate": ClientCertificate(cert, key) if cert and key else None,
    }
    raw_exec = body.get("exec")
    if raw_exec is not None:
        if not isinstance(raw_exec, dict):
            raise _problem(where, f"user {user.name!r}: exec must be a mapping", key="exec")
        cfg = _exec_config(raw_exec, user, config)
        access["exec_source"] = ExecCredentialSource(
            cfg, _exec_info(cfg, cluster, ca), timeout=exec_timeout, clock=clock
        )
    return access


def _read_file(path: str | None, user: Entry, what: str) -> bytes | None:
    if not path:
        return None
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise _problem(
            user.file,
            f"user {user.name!r}: cannot read {what} {path}: {exc.strerror or exc}",
            "fix the path (relative paths start at the kubeconfig's folder)",
            key=f"users.{user.name}.{what}",
        ) from None


def load_cluster_access(
    kubeconfig: str | os.PathLike[str] | None = None,
    context: str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    exec_timeout: float = DEFAULT_EXEC_TIMEOUT,
) -> ClusterAccess:
    """``load_kubeconfig`` then ``resolve``: what an adapter calls at start-up.

    Raises:
        ConfigError: see ``load_kubeconfig`` and ``resolve``.
    """
    return resolve(load_kubeconfig(kubeconfig, env=env), context, exec_timeout=exec_timeout)
