"""The ``[services.KEY]`` tables: each release line with its CI, deploy, signals, alerts,
checklist and flags, every ``backend`` reference checked against the defined backends and
their kind, and every adapter key against what that backend's adapter declares.

One class because every reader shares the same state: the problem list, the registry's
catalog and the backend types read from ``[backends]``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING

from release_cockpit.config import controls, rules
from release_cockpit.config.catalog import AdapterCatalog, TargetCatalog
from release_cockpit.config.schema import AlertLink, CILink, DeployLink, FlagLink, ReleaseLine
from release_cockpit.config.validate import (
    Reader,
    array_of_tables,
    aware_datetime,
    duration,
    non_empty,
    regex,
    strings,
    suggest,
    text,
)
from release_cockpit.domain import AlertMatcher, Target

if TYPE_CHECKING:
    from release_cockpit.config.validate import (
        Problems,
    )
    from release_cockpit.domain import SignalRule, TargetKey
    from release_cockpit.domain.checklist import ChecklistItem

_SERVICE = (
    *("service", "environment", "team", "runbook", "soak", "hotfix_pattern"),
    *("window_start", "window_end", "ci", "deploy", "signals", "alerts", "checklist"),
    "flags",
)
_CI = ("backend", "build", "test", "pre_release")
"""The cockpit's own keys under [services.KEY.ci]; the rest are the CI adapter's (TARGET)."""
_DEPLOY = ("backend",)
"""The cockpit's own key under [services.KEY.deploy]; the rest are the adapter's (TARGET)."""
_ALERTS = ("backend", "matchers", "failing_severities")
_FLAG = ("backend",)
"""The cockpit's own key in a [[services.KEY.flags]] table; the rest are the adapter's."""
_MATCHER_HINT = 'the operators are = != =~ !~ and the value is quoted: env=~"prod.*"'


def _key_hint(key: TargetKey) -> str:
    example = f' e.g. {key.name} = "{key.example}"' if key.example else ""
    return f"{key.help}{';' if example else ''}{example}"


class ServiceTables:
    """Reads ``[services]``; problems accumulate in ``problems``."""

    def __init__(
        self,
        problems: Problems,
        kinds: Mapping[str, str] | None,
        backend_types: Mapping[str, str],
    ) -> None:
        self.problems = problems
        self.kinds = kinds
        self.backend_types = backend_types

    def services(self, r: Reader | None) -> dict[str, ReleaseLine]:
        if r is None:
            return {}
        result: dict[str, ReleaseLine] = {}
        for key in r.data:
            sub = r.table(key)
            service = self.service(key, sub) if sub is not None else None
            if service is not None:
                result[key] = service
        return result

    def service(self, key: str, r: Reader) -> ReleaseLine | None:
        r.unknown(_SERVICE)
        environment = r.required("environment", non_empty, 'e.g. environment = "production"')
        start = r.optional("window_start", aware_datetime, None)
        end = r.optional("window_end", aware_datetime, None)
        if start is not None and end is not None and end <= start:
            r.problem(
                "window_end",
                "the release window ends before it starts",
                "window_end must be later than window_start",
            )
        ci = self.ci(key, r.table("ci"))
        deploy = self.deploy(key, r.table("deploy"))
        signals = self.signals(key, r)
        alerts = self.alerts(key, r.table("alerts"))
        checklist = self.checklist(key, r)
        flags = self.flags(key, environment, r)
        service = ReleaseLine(
            key=key,
            service=r.optional("service", non_empty, key),
            environment=environment or "",
            team=r.optional("team", text, ""),
            runbook=r.optional("runbook", text, ""),
            soak=r.optional("soak", duration, timedelta(minutes=10)),
            hotfix_pattern=r.optional("hotfix_pattern", regex, None),
            window_start=start,
            window_end=end,
            ci=ci,
            deploy=deploy,
            signals=signals,
            alerts=alerts,
            checklist=checklist,
            flags=flags,
        )
        return service if environment is not None else None

    def reference(self, r: Reader, service: str, label: str, kind: str) -> str | None:
        """Read ``backend`` and check it names a defined backend of the right kind."""
        name = r.required("backend", non_empty, f"name the {kind} backend to use")
        if name is None:
            return None
        names = self.backend_types
        if name not in names:
            hint = suggest(name, names, "defined backends")
            if not names:
                hint = f"define it in a [backends.{name}] table"
            r.problem("backend", f"service {service}: {label} '{name}' is not defined", hint)
            return name
        actual = self.kinds.get(names[name]) if self.kinds is not None else None
        if self.kinds is not None and actual is not None and actual != kind:
            fitting = sorted(n for n, t in names.items() if self.kinds.get(t) == kind)
            hint = f"use a {kind} backend: {', '.join(fitting)}"
            if not fitting:
                hint = f"define a {kind} backend under [backends]"
            message = (
                f"service {service}: {label} '{name}' is a {actual} backend "
                f"({names[name]}), not a {kind} backend"
            )
            r.problem("backend", message, hint)
        return name

    def ci(self, service: str, r: Reader | None) -> CILink | None:
        if r is None:
            return None
        backend = self.reference(r, service, "ci.backend", "ci")
        target = self.target(r, backend, _CI, 'e.g. project = "acme/checkout"')
        if backend is None or target is None:
            return None
        return CILink(
            backend=backend,
            target=target,
            build=r.optional("build", strings, ("build*",)),
            test=r.optional("test", strings, ("test*",)),
            pre_release=r.optional("pre_release", strings, ()),
        )

    def deploy(self, service: str, r: Reader | None) -> DeployLink | None:
        if r is None:
            return None
        backend = self.reference(r, service, "deploy.backend", "deploy")
        target = self.target(r, backend, _DEPLOY, f'e.g. namespace = "shop", rollout = "{service}"')
        if backend is None or target is None:
            return None
        return DeployLink(backend, target)

    def target(
        self, r: Reader, backend: str | None, own: tuple[str, ...], example: str
    ) -> Target | None:
        """The adapter's keys of a ci/deploy table, checked against what the backend's
        adapter declares (unknown ones get a "did you mean", missing ones its help). Without
        a registry (a config checked on its own) every other key is taken as given."""
        declared = self._declared(backend)
        values: dict[str, str] = {}
        if declared is None:
            for name in r.data:
                if name not in own:
                    value = r.convert(name, non_empty)
                    if value is not None:
                        values[name] = value
            if not values:
                r.problem("backend", "this table names nothing on the backend", example)
                return None
            return Target.of(values)
        r.unknown((*own, *(k.name for k in declared)))
        missing = False
        for key in declared:
            if key.required:
                value = r.required(key.name, non_empty, _key_hint(key))
                missing = missing or value is None
            else:
                value = r.optional(key.name, non_empty, None)
            if value is not None:
                values[key.name] = value
        return None if missing else Target.of(values)

    def _declared(self, backend: str | None) -> tuple[TargetKey, ...] | None:
        type_name = self.backend_types.get(backend or "")
        if type_name is None or not isinstance(self.kinds, TargetCatalog):
            return None
        return self.kinds.target_keys(type_name)

    def alerts(self, service: str, r: Reader | None) -> AlertLink | None:
        if r is None:
            return None
        r.unknown(_ALERTS)
        backend = self.reference(r, service, "alerts.backend", "alerts")
        raw = r.required("matchers", strings, f"e.g. matchers = ['service=\"{service}\"']")
        matchers: list[AlertMatcher] = []
        for index, item in enumerate(raw or ()):
            try:
                matchers.append(AlertMatcher.parse(item))
            except ValueError as exc:
                r.problem(f"matchers[{index}]", str(exc), _MATCHER_HINT)
        if raw is not None and not raw:
            r.problem(
                "matchers",
                "needs at least one matcher; with none no alert would count",
                f"e.g. matchers = ['service=\"{service}\"']",
            )
        severities = r.optional("failing_severities", strings, None)
        if backend is None or not matchers or len(matchers) != len(raw or ()):
            return None
        if severities is None:
            return AlertLink(backend, tuple(matchers))
        return AlertLink(backend, tuple(matchers), frozenset(severities))

    def flags(self, service: str, environment: str | None, r: Reader) -> tuple[FlagLink, ...]:
        """``[[services.KEY.flags]]``: each flag's backend and the adapter's keys. A flag
        backend's ``environment`` defaults to the line's own."""
        if not r.has("flags"):
            return ()
        if isinstance(r.data["flags"], dict):
            r.problem(
                "flags",
                "expected an array of tables",
                "write each flag as [[services.KEY.flags]] (two brackets): a line may "
                "list several, the first is its kill switch",
            )
            return ()
        links: list[FlagLink] = []
        for index, raw in enumerate(r.convert("flags", array_of_tables) or ()):
            sub = Reader(self.problems, f"{r.key('flags')}[{index}]", raw)
            backend = self.reference(sub, service, f"flags[{index}].backend", "flags")
            declared = self._declared(backend) or ()
            defaulted = any(key.name == "environment" for key in declared)
            if environment and defaulted and "environment" not in raw:
                sub = Reader(self.problems, sub.path, {**raw, "environment": environment})
            target = self.target(sub, backend, _FLAG, 'e.g. flag = "checkout-v2"')
            if backend is None or target is None:
                continue
            link = FlagLink(backend, target)
            if link in links:
                sub.problem(
                    "flag",
                    f"flag {link.flag or target.label} is listed twice for service {service}",
                    "list each flag once",
                )
                continue
            links.append(link)
        return tuple(links)

    def signals(self, service: str, r: Reader) -> tuple[SignalRule, ...]:
        if not r.has("signals"):
            return ()
        items = r.convert("signals", array_of_tables)
        rules: list[SignalRule] = []
        seen: set[str] = set()
        for index, item in enumerate(items or ()):
            sub = Reader(self.problems, f"{r.key('signals')}[{index}]", item)
            rule = self.signal(service, index, sub)
            if rule is None:
                continue
            if rule.name in seen:
                sub.problem(
                    "name",
                    f"another signal of service {service} is named '{rule.name}'",
                    "give every signal of a service its own name",
                )
            seen.add(rule.name)
            rules.append(rule)
        return tuple(rules)

    def signal(self, service: str, index: int, r: Reader) -> SignalRule | None:
        backend = self.reference(r, service, f"signals[{index}].backend", "health")
        return rules.signal(r, backend, *self.query_check(backend))

    def query_check(self, backend: str | None) -> tuple[Callable[[str], list[str]], str]:
        """How a query for ``backend`` is checked, and the hint for a problem: by its
        adapter when the registry is known (a Datadog query is not PromQL), else by the
        PromQL template rules."""
        type_name = self.backend_types.get(backend or "")
        catalog = self.kinds
        if type_name is None or not isinstance(catalog, AdapterCatalog):
            return rules.template_problems, rules.TEMPLATE_HINT

        def check(query: str) -> list[str]:
            return catalog.query_problems(type_name, query)

        hint = f"see the {type_name} query templates in the README (or `release-cockpit adapters`)"
        return check, hint

    def checklist(self, service: str, r: Reader) -> tuple[ChecklistItem, ...]:
        if not r.has("checklist"):
            return ()
        items: list[ChecklistItem] = []
        for index, raw in enumerate(r.convert("checklist", array_of_tables) or ()):
            sub = Reader(self.problems, f"{r.key('checklist')}[{index}]", raw)
            backend = None
            if sub.has("query"):
                label = f"checklist[{index}].backend"
                backend = self.reference(sub, service, label, "health")
            item = controls.checklist_item(sub, backend)
            if item is None:
                continue
            check, hint = self.query_check(backend)
            for message in check(item.query):
                sub.problem("query", message, hint)
            if any(i.name == item.name for i in items):
                sub.problem("name", f"another checklist item is named '{item.name}'", "rename one")
                continue
            items.append(item)
        return tuple(items)
