"""Flagger canaries as a deploy target: ``canaries.flagger.app`` through the Kubernetes API.

Reads: one CanaryList and one DeploymentList per namespace for every line (the
Deployments carry the versions: the canary's target is the new one, ``<target>-primary``
the stable one), parsed by ``flagger_parsing`` and shown like an Argo canary.

Flagger has no API verbs: it acts on what its webhooks answer
(https://docs.flagger.app/usage/webhooks). The one way a person steers it is the gates of
Flagger's load tester (``pkg/loadtester/server.go`` in fluxcd/flagger): opening the
confirm-promotion gate lets the canary be promoted (PROMOTE), opening the rollback gate
makes Flagger roll it back at its next check (ABORT). Both stay open until closed, which
the confirmation says. The cockpit reaches the load tester at the backend's
``load_tester_url`` (the address the webhooks use is usually cluster-internal); without
it this adapter offers no actions, and the actions menu says why.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, ClassVar, NamedTuple
from urllib.parse import quote

import httpx

from release_cockpit.adapters.backend_probe import run_probe
from release_cockpit.adapters.backend_settings import BackendSettings, OptionSpec
from release_cockpit.adapters.base import ActionResult, DeployTarget, Feature, Offer
from release_cockpit.adapters.check_results import ProbeResult
from release_cockpit.adapters.deploy.flagger_gates import Gate, capabilities, gate_request
from release_cockpit.adapters.deploy.flagger_parsing import API, FlaggerCanary, parse_canary
from release_cockpit.adapters.deploy.kube_client import KUBE_OPTIONS, kube_connection
from release_cockpit.adapters.http import HttpClient, attributed, backend_error_text
from release_cockpit.adapters.kube_watch import KubeLists
from release_cockpit.adapters.payload import as_list, as_str, dig
from release_cockpit.domain import Action, Release, RolloutState, Target, TargetKey
from release_cockpit.domain.actions import TITLES, ActionWords
from release_cockpit.errors import ActionFailed, AdapterError, NotFound

GATES = {Action.PROMOTE: Gate.OPEN, Action.ABORT: Gate.OPEN_ROLLBACK}
"""The cockpit's actions and the load tester gate each opens."""
NEEDS = {
    Action.PROMOTE: "a confirm-promotion webhook at the load tester's /gate/check",
    Action.ABORT: "a rollback webhook at the load tester's /rollback/check",
}
_REFUSALS = frozenset({400, 403, 404, 405, 409, 422, 500})


class CanaryRef(NamedTuple):
    namespace: str
    name: str

    @property
    def label(self) -> str:
        return f"canary {self.namespace}/{self.name}"


def ref_of(target: Target) -> CanaryRef:
    return CanaryRef(target.get("namespace"), target.get("canary"))


def _name(item: object) -> str:
    return as_str(dig(item, "metadata", "name"), 253)


def canary_of(
    item: Mapping[str, Any], deployments: Sequence[object], container: str | None
) -> FlaggerCanary:
    """One listed Canary with its target and primary Deployments (for the versions)."""
    by_name = {_name(d): d for d in deployments if isinstance(d, dict)}
    target = as_str(dig(item, "spec", "targetRef", "name"), 253)
    return parse_canary(
        item,
        target=by_name.get(target) if target else None,
        primary=by_name.get(f"{target}-primary") if target else None,
        container=container,
    )


class Flagger(DeployTarget):
    """Flagger Canary objects; promote and abort through the load tester's gates."""

    TYPE: ClassVar[str] = "flagger"
    http: HttpClient
    TARGET: ClassVar[tuple[TargetKey, ...]] = (
        TargetKey("namespace", "the Kubernetes namespace of the Canary", True, "shop"),
        TargetKey("canary", "the Canary's name (canaries.flagger.app)", True, "checkout"),
        TargetKey(
            "container",
            "the container whose image tag is the version (default: the first container)",
            False,
            "app",
        ),
    )
    OPTIONS: ClassVar[dict[str, OptionSpec]] = {
        **KUBE_OPTIONS,
        "load_tester_url": OptionSpec(
            str,
            "where the cockpit reaches Flagger's load tester (e.g. through an ingress); "
            "without it the cockpit cannot promote or abort Flagger canaries",
        ),
    }
    CAPABILITIES: ClassVar[frozenset[Action]] = frozenset(GATES)
    FEATURES: ClassVar[frozenset[Feature]] = frozenset({Feature.BATCHING})
    VERSIONS: ClassVar[str] = (
        "from the image tag of the canary's target Deployment (the new version) and of its "
        "<target>-primary Deployment (the stable one), container named by the deploy key "
        "'container' (else the first)"
    )

    def __init__(
        self, settings: BackendSettings, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        super().__init__(settings, transport=transport)
        connection = kube_connection(settings, self.options, transport=transport)
        self.http = connection.http
        self.lists = KubeLists(self.http, watch=self.options.get("watch"))
        self.where = connection.where
        url = self.options.get("load_tester_url")
        self.load_tester_url = url.rstrip("/") if isinstance(url, str) and url else ""
        self.load_tester: HttpClient | None = None
        if self.load_tester_url:
            # Its own client: another origin, and never the cluster's credentials.
            tester = replace(settings, url=self.load_tester_url, token=None)
            self.load_tester = HttpClient(tester, transport=transport)
        self._seen: dict[CanaryRef, FlaggerCanary] = {}

    async def aclose(self) -> None:
        await self.lists.aclose()
        await super().aclose()
        if self.load_tester is not None:
            await self.load_tester.aclose()

    # -- reading ---------------------------------------------------------------------------

    async def _list(self, path: str, what: str) -> list[Any]:
        """The objects at ``path``, kept current by a watch (``kube_watch``)."""
        with attributed(self.name):
            return list(await self.lists.read(path, what))

    def usage_note(self) -> str:
        return self.lists.note()

    async def _namespace(self, namespace: str) -> tuple[list[Any], list[Any]]:
        ns = quote(namespace, safe="")
        canaries, deployments = await asyncio.gather(
            self._list(f"{API}/namespaces/{ns}/canaries", "Flagger CanaryList"),
            self._list(f"/apis/apps/v1/namespaces/{ns}/deployments", "DeploymentList"),
        )
        return canaries, deployments

    async def rollouts(
        self, targets: Sequence[Target]
    ) -> dict[Target, RolloutState | AdapterError]:
        """One CanaryList and one DeploymentList per namespace, for every target in it."""
        namespaces = sorted({t.get("namespace") for t in targets})
        answers = await asyncio.gather(
            *(self._namespace(ns) for ns in namespaces), return_exceptions=True
        )
        lists: dict[str, tuple[list[Any], list[Any]] | AdapterError] = {}
        for namespace, answer in zip(namespaces, answers, strict=True):
            if isinstance(answer, BaseException) and not isinstance(answer, AdapterError):
                raise answer
            lists[namespace] = answer
        found: dict[Target, RolloutState | AdapterError] = {}
        for target in targets:
            ref = ref_of(target)
            answer = lists[ref.namespace]
            if isinstance(answer, AdapterError):
                found[target] = answer
                continue
            canaries, deployments = answer
            item = next((c for c in canaries if _name(c) == ref.name), None)
            if not isinstance(item, dict):
                self._seen.pop(ref, None)
                found[target] = NotFound(
                    f"{ref.label} not found",
                    backend=self.name,
                    hint=f"check the service's deploy.namespace and deploy.canary ({self.where})",
                )
                continue
            canary = canary_of(item, deployments, target.get("container") or None)
            self._seen[ref] = canary
            found[target] = canary.rollout
        return found

    # -- acting ----------------------------------------------------------------------------

    def offer(self, target: Target) -> Offer:
        if not self.load_tester_url:
            return Offer(
                frozenset(),
                "Flagger has no API for actions: it acts on its webhooks' answers. Set "
                f"load_tester_url under [backends.{self.name}] to the load tester the "
                "canary's gate webhooks call, and promote and abort open its gates",
            )
        canary = self._seen.get(ref_of(target))
        if canary is None:
            return Offer(self.CAPABILITIES)
        actions = capabilities(canary.webhooks) & self.CAPABILITIES
        missing = [f"{TITLES[a].lower()} needs {NEEDS[a]}" for a in GATES if a not in actions]
        return Offer(actions, "; ".join(missing))

    def describe(self, action: Action, release: Release) -> ActionWords:
        rollout = release.rollout or RolloutState(name=release.service)
        ref = CanaryRef(rollout.namespace, rollout.name)
        weight = rollout.set_weight if rollout.set_weight is not None else "?"
        current = f"{rollout.canary_version or 'unknown version'} at {weight}%: {rollout.message}"
        canary = self._seen.get(ref)
        gate = GATES.get(action)
        where = f"{ref.label} (load tester {self.load_tester_url or 'not configured'})"
        if canary is None or gate is None:
            return ActionWords(where, current, "nothing", f"cannot {action.value} yet: not read")
        try:
            request = gate_request(canary, action)
        except ActionFailed as exc:
            return ActionWords(where, current, "nothing", f"cannot {action.value}: {exc.message}")
        goal = (
            f"{rollout.canary_version or 'the canary'} promoted to primary"
            if action is Action.PROMOTE
            else f"all traffic on the primary ({rollout.stable_version or 'stable'})"
        )
        effect = f"POST {self.load_tester_url}{gate.value}: {request.effect}"
        return ActionWords(where, current, goal, effect)

    async def act(self, action: Action, target: Target) -> ActionResult:
        """Open the load tester gate that performs ``action``.

        Raises:
            ActionFailed: no load tester configured, no gate webhook on the canary, or the
                load tester refused.
            AdapterError: any other failure reaching the load tester.
        """
        tester = self.load_tester
        gate = GATES.get(action)
        if tester is None or gate is None or action not in self.offer(target).actions:
            raise self.unable(action, ref_of(target).label)
        ref = ref_of(target)
        sent: list[str] = []
        with attributed(self.name):
            canary = self._seen.get(ref)
            if canary is None:
                canaries, deployments = await self._namespace(ref.namespace)
                item = next((c for c in canaries if _name(c) == ref.name), None)
                if not isinstance(item, dict):
                    raise NotFound(f"{ref.label} not found", hint="check the deploy keys")
                canary = canary_of(item, deployments, target.get("container") or None)
                sent.append(f"GET {API}/namespaces/{ref.namespace}/canaries")
            request = gate_request(canary, action)
            try:
                response = await tester.send("POST", gate.value, json=request.body, allow=_REFUSALS)
            finally:
                await self.lists.forget(ref.namespace)
            sent.append(f"POST {self.load_tester_url}{gate.value}")
            if response.status_code >= 300:
                raise ActionFailed(
                    f"the load tester refused {gate.value} for {ref.label} (HTTP "
                    f"{response.status_code}): {backend_error_text(response) or 'no message'}",
                    hint=f"check load_tester_url under [backends.{self.name}]: it must be "
                    "Flagger's load tester (flagger-loadtester)",
                )
        return ActionResult(action, True, request.effect, tuple(sent))

    async def probe(self) -> ProbeResult:
        """GET the flagger.app/v1beta1 API group: reachable, authorised, CRD installed.

        Raises:
            AdapterError: never; failures are described in the result.
        """

        async def check() -> str:
            answer = await self.http.get_json(API)
            names = {as_str(dig(r, "name"), 100) for r in as_list(dig(answer.data, "resources"))}
            if "canaries" not in names:
                return f"flagger.app/v1beta1 is served but lists no canaries ({self.where})"
            tester = f"; load tester {self.load_tester_url}" if self.load_tester_url else ""
            return f"Flagger canaries API available ({self.where}){tester}"

        return await run_probe(self.http, check)
