"""How the Kubernetes-family adapters reach a cluster: a URL and a token, or a kubeconfig context.

The ``kubernetes`` and ``flagger`` adapters talk to the Kubernetes API server. A backend
names it either the plain way (``url`` plus ``token_env``/``token_file``, e.g. a
service-account token) or the way people already log in with kubectl: ``context`` (and
optionally ``kubeconfig``), resolved by ``adapters.kube_context`` as client-go resolves it
(https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/).

Either way the result is the one shared ``HttpClient`` (retries, size limits, quota, token
scrubbing). For a context, the client's TLS context carries the cluster's CA and the
user's client certificate, and an httpx auth flow sets the ``Authorization`` header on
every request: a static token, a ``tokenFile`` re-read as it rotates, basic auth, or an
exec credential plugin's token, cached until its expiry and fetched again after a 401
(client-go's ``exec`` authenticator does the same:
https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins).
Credentials never reach a log, an error message or the screen: the current one is
scrubbed from answers like a configured token.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass, replace

import httpx

from release_cockpit.adapters.backend_settings import BackendSettings, OptionSpec
from release_cockpit.adapters.cluster_access import ClusterAccess
from release_cockpit.adapters.http import HTTP_OPTIONS, HttpClient, json_client
from release_cockpit.adapters.kube_context import load_cluster_access
from release_cockpit.errors import AuthError, ConfigError

KUBE_OPTIONS: dict[str, OptionSpec] = {
    **HTTP_OPTIONS,
    "context": OptionSpec(
        str,
        "a kubeconfig context to reach the cluster by, instead of url and token_env: "
        "its server, CA, client certificate, token or exec plugin (EKS, GKE, AKS logins)",
    ),
    "kubeconfig": OptionSpec(
        str,
        "the kubeconfig file that defines the context (default: $KUBECONFIG, else ~/.kube/config)",
    ),
    "watch": OptionSpec(
        bool,
        "keep each list current with a Kubernetes watch instead of listing it every poll; "
        "false for an API server behind a proxy that holds streamed answers back",
        True,
    ),
}
"""The options of every adapter that talks to the Kubernetes API server."""

# Long enough for a cloud login plugin that has to refresh a session, short enough that a
# plugin waiting for input it never gets does not hold a poll for long (the engine's own
# poll deadline is a few request timeouts).
MIN_EXEC_TIMEOUT = 10.0


class ClusterAuth(httpx.Auth):
    """Sets the kubeconfig user's credentials on every request; after a 401 from a cluster
    whose user has an exec plugin, drops the cached credential and tries once more."""

    def __init__(self, access: ClusterAccess) -> None:
        self.access = access
        self.current = ""  # the credential sent last, scrubbed from answers

    def __repr__(self) -> str:
        return f"ClusterAuth(context={self.access.context!r})"

    async def _apply(self, request: httpx.Request) -> None:
        credential = await self.access.credential()
        if credential is not None and not credential.token and credential.certificate:
            raise AuthError(
                f"the exec plugin of kubeconfig user {self.access.user!r} returned a client "
                "certificate, which the cockpit cannot use yet",
                hint="use a plugin mode that returns a token, or a service-account token "
                "with url and token_env",
            )
        headers = await self.access.auth_headers()
        value = headers.get("Authorization", "")
        self.current = value.split(" ", 1)[1] if " " in value else value
        request.headers.update(headers)
        request.extensions.update(self.access.request_extensions())

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        await self._apply(request)
        response = yield request
        if response.status_code == 401 and self.access.exec_source is not None:
            # The token may have been revoked before its expiry: fetch a fresh one once.
            self.access.invalidate()
            await self._apply(request)
            yield request


@dataclass(frozen=True, slots=True)
class Connection:
    """The client to use, and where it points (for messages and `release-cockpit check`)."""

    http: HttpClient
    where: str
    access: ClusterAccess | None = None


def _problem(settings: BackendSettings, key: str, message: str, hint: str) -> ConfigError:
    return ConfigError([settings.problem(key, message, hint)])


def kube_connection(
    settings: BackendSettings,
    options: dict[str, object],
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Connection:
    """The HTTP client for a Kubernetes API server named by ``url`` or by ``context``.

    Raises:
        ConfigError: both or neither of url and context, a token next to a context, a
            kubeconfig that cannot be read or resolved, or a CA/client certificate that
            cannot be loaded.
    """
    context = options.get("context")
    kubeconfig = options.get("kubeconfig")
    if not isinstance(context, str) or not context:
        if kubeconfig:
            raise _problem(
                settings,
                "kubeconfig",
                "kubeconfig has no effect without context",
                'name the context to use, e.g. context = "prod-eu"',
            )
        if not settings.url:
            raise _problem(
                settings,
                "url",
                "missing: set url (and token_env), or context",
                'e.g. url = "https://k8s.example.com:6443", or context = "prod-eu"',
            )
        return Connection(json_client(settings, transport=transport), settings.url)
    if settings.url:
        raise _problem(
            settings,
            "context",
            "set url or context, not both",
            "the context names the API server; drop url",
        )
    if settings.token:
        raise _problem(
            settings,
            "context",
            "the context's user authenticates; token_env and token_file are not used with it",
            "drop token_env/token_file, or drop context and keep url",
        )
    if settings.ca_file or not settings.verify_tls:
        raise _problem(
            settings,
            "context",
            "with a context, TLS comes from the kubeconfig (certificate-authority, "
            "insecure-skip-tls-verify)",
            "drop ca_file and verify_tls from this backend",
        )
    access = load_cluster_access(
        kubeconfig if isinstance(kubeconfig, str) and kubeconfig else None,
        context,
        exec_timeout=max(settings.timeout, MIN_EXEC_TIMEOUT),
    )
    if access.proxy_url:
        raise _problem(
            settings,
            "context",
            f"context {context!r} sends requests through proxy-url, which the cockpit "
            "does not support yet",
            "reach the API server directly, or through a URL the cockpit can open",
        )
    auth = ClusterAuth(access)
    http = HttpClient(
        replace(settings, url=access.server),
        headers={"Accept": "application/json"},
        transport=transport,
        verify=access.ssl_context() if access.server.startswith("https:") else None,
        auth=auth,
        live_secret=lambda: auth.current,
    )
    where = f"context {access.context} (cluster {access.cluster}, {access.server})"
    return Connection(http, where, access)
