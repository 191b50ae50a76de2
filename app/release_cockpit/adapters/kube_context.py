"""One kubeconfig context resolved into a ``ClusterAccess``, as kubectl resolves it.

The context names a cluster and a user; every missing name is reported with its file, line
and a "did you mean", and user settings that cannot work together (a token and basic auth,
a certificate without its key, the removed ``auth-provider``) are refused at start-up
rather than at the first request. Paths are relative to the file that defined them
(client-go ``tools/clientcmd/loader.go``).
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from release_cockpit.adapters.cluster_access import ClusterAccess
from release_cockpit.adapters.kube_credentials import (
    DEFAULT_EXEC_TIMEOUT,
    EXEC_API_VERSIONS,
    EXEC_EXTENSION,
    INTERACTIVE_MODES,
    ClientCertificate,
    ExecConfig,
    ExecCredentialSource,
)
from release_cockpit.adapters.kubeconfig import (
    Entry,
    Kubeconfig,
    did_you_mean,
    kubeconfig_problem,
    line_of,
    load_kubeconfig,
)
from release_cockpit.domain.text import clean_text
from release_cockpit.errors import ConfigError


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
        line = line_of(config, entry.file, rf"^\s*{re.escape(what)}:")
        raise kubeconfig_problem(
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
        line = line_of(config, entry.file, r"^\s*exec:")
        return kubeconfig_problem(
            entry.file, f"user {entry.name!r}: {message}", hint, key="exec", line=line
        )

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
        raise kubeconfig_problem(
            config.where,
            "no context named and no current-context set",
            did_you_mean("", list(config.contexts), "contexts"),
            key="current-context",
        )
    entry = config.contexts.get(name)
    if entry is None:
        file = (
            config.current_context_file
            if not context and config.current_context_file
            else config.where
        )
        line = line_of(config, Path(file), r"^current-context:") if not context else None
        raise kubeconfig_problem(
            file,
            f"context {name!r} is not defined",
            did_you_mean(name, list(config.contexts), "contexts"),
            key="contexts",
            line=line,
        )
    cluster_name = entry.body.get("cluster")
    user_name = entry.body.get("user")
    if not isinstance(cluster_name, str) or not cluster_name:
        raise kubeconfig_problem(
            entry.file,
            f"context {name!r} names no cluster",
            key=f"contexts.{name}.cluster",
            line=line_of(config, entry.file, rf"name:\s*{re.escape(name)}\s*$"),
        )
    cluster = config.clusters.get(cluster_name)
    if cluster is None:
        raise kubeconfig_problem(
            entry.file,
            f"context {name!r} uses cluster {cluster_name!r}, which is not defined",
            did_you_mean(cluster_name, list(config.clusters), "clusters"),
            key=f"contexts.{name}.cluster",
            line=line_of(config, entry.file, rf"^\s*cluster:\s*{re.escape(cluster_name)}\s*$"),
        )
    user: Entry | None = None
    if isinstance(user_name, str) and user_name:
        user = config.users.get(user_name)
        if user is None:
            raise kubeconfig_problem(
                entry.file,
                f"context {name!r} uses user {user_name!r}, which is not defined",
                did_you_mean(user_name, list(config.users), "users"),
                key=f"contexts.{name}.user",
                line=line_of(config, entry.file, rf"^\s*user:\s*{re.escape(user_name)}\s*$"),
            )
    body = cluster.body
    server = body.get("server")
    if not isinstance(server, str) or not server:
        raise kubeconfig_problem(
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
        return kubeconfig_problem(
            where,
            f"user {user.name!r}: {message}",
            "keep one way of authenticating",
            key=f"users.{user.name}",
        )

    if body.get("auth-provider") is not None:
        raise kubeconfig_problem(
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
            raise kubeconfig_problem(
                where, f"user {user.name!r}: exec must be a mapping", key="exec"
            )
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
        raise kubeconfig_problem(
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
