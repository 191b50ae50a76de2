"""Find the config file, parse its TOML strictly and assemble the typed :class:`Config`.

Every problem in the file is collected and raised together as one ``ConfigError``: unknown
keys (with "did you mean"), wrong types, missing required keys, bad durations, regular
expressions, date-times and label matchers, inconsistent thresholds, references to backends
that do not exist (or are of the wrong kind) and secrets written into the file.

Two adjustments are made while assembling:

- ``[polling] stale_after`` is raised to three times the longest backend poll interval when
  it is lower, because data that is merely between two polls must never read as stale.
- Unknown keys in a ``[backends.NAME]`` table are not errors here: they are the adapter's own
  options, kept raw in ``BackendConfig.options`` for the adapter to validate (with
  ``Config.lines`` to point at the line). The one exception: a table with ``context`` (a
  Kubernetes-family adapter reached through a kubeconfig context) needs no ``url``.

One module (a little over 550 lines) because it is one pass over one file: each section's
reader is short, and every problem of every section lands in the same list.
"""

from __future__ import annotations

import errno
import os
import stat
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Protocol, runtime_checkable

from release_cockpit.config import controls, rules
from release_cockpit.config.database_url import (
    BadDatabaseUrl,
    check_database_url,
    is_database_url,
)
from release_cockpit.config.keymap import keymap
from release_cockpit.config.locate import KeyLines
from release_cockpit.config.schema import (
    AlertLink,
    BackendConfig,
    CILink,
    CockpitSettings,
    Config,
    DeployLink,
    FlagLink,
    PollingSettings,
    ReleaseLine,
)
from release_cockpit.config.validate import (
    Invalid,
    Problems,
    Reader,
    array_of_tables,
    aware_datetime,
    boolean,
    choice,
    duration,
    env_name,
    http_url,
    non_empty,
    positive_duration,
    regex,
    strings,
    suggest,
    syntax_problem,
    text,
)
from release_cockpit.domain import AlertMatcher, SignalRule, Target, TargetKey
from release_cockpit.domain.checklist import ChecklistItem
from release_cockpit.domain.policy import Policy
from release_cockpit.errors import ConfigError, Problem
from release_cockpit.paths import user_config_dir

CONFIG_ENV = "RELEASE_COCKPIT_CONFIG"
"""Environment variable naming the config file when ``--config`` is not given."""

KINDS = ("ci", "health", "alerts", "deploy", "flags")
"""The backend kinds services refer to: ci, signals (health), alerts, deploy and flags."""

_TOP = (
    *("cockpit", "polling", "backends", "services", "policies", "environments", "freezes"),
    "keymap",
)
_COCKPIT = (
    *("read_only", "theme", "database", "bell", "desktop_notifications", "action_timeout"),
    "history_retention",
    "wall_rotate",
    "notify_after",
    "ask_confidence",
    *("database_password_env", "database_password_file"),
)
_POLLING = ("interval", "timeout", "max_backoff", "stale_after")
_BACKEND = (
    *("type", "url", "token_env", "token_file", "interval", "timeout", "verify_tls"),
    "ca_file",
)
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
NOTIFY_MODES = ("auto", "osc9", "osc777", "off")
_MATCHER_HINT = 'the operators are = != =~ !~ and the value is quoted: env=~"prod.*"'


@runtime_checkable
class TargetCatalog(Protocol):
    """What the adapter registry tells config validation about a backend type's keys."""

    def target_keys(self, type_name: str) -> tuple[TargetKey, ...] | None: ...


@runtime_checkable
class AdapterCatalog(TargetCatalog, Protocol):
    """What else the registry tells config validation: a URL the options imply (so
    ``url`` may be left out) and which queries a backend type can send."""

    def derived_url(self, type_name: str, options: Mapping[str, object]) -> str | None: ...

    def query_problems(self, type_name: str, query: str) -> list[str]: ...


def find_config(
    explicit: Path | None, env: Mapping[str, str], *, config_dir: Path | None = None
) -> Path | None:
    """Which config file to use: ``--config``, else ``$RELEASE_COCKPIT_CONFIG``, else
    ``config.toml`` in the user config directory if it exists, else None.

    ``config_dir`` replaces the user config directory (tests).
    """
    if explicit is not None:
        return _expanded(explicit, "--config")
    named = env.get(CONFIG_ENV, "").strip()
    if named:
        return _expanded(Path(named), CONFIG_ENV)
    candidate = (config_dir or user_config_dir()) / "config.toml"
    return candidate if candidate.is_file() else None


MAX_CONFIG_BYTES = 1 << 20
"""A config file above this is refused unread: no real config is near it, and reading
``/dev/zero`` or a runaway file must not eat the machine's memory."""


def _expanded(path: Path, where: str) -> Path:
    """``~`` expanded; a ``~user`` that does not exist is a config problem, not a crash.

    Raises:
        ConfigError: the home directory named does not exist.
    """
    try:
        return path.expanduser()
    except RuntimeError as exc:
        raise ConfigError(
            [
                Problem(
                    str(path),
                    None,
                    "",
                    f"{where} names a home directory that does not exist ({exc})",
                    "write the path out in full",
                )
            ]
        ) from None


def _read_config_bytes(path: Path) -> bytes:
    """The file's bytes, if it is a regular file of a sane size.

    Raises:
        OSError: it cannot be read (the caller reports it).
        ConfigError: it is not a regular file (a FIFO would block for ever, a device would
            never end) or it is too big.
    """
    file = str(path)
    info = path.stat()
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), file)
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(
            [Problem(file, None, "", "not a regular file", "pass the path of a TOML file")]
        )
    if info.st_size > MAX_CONFIG_BYTES:
        raise ConfigError(
            [
                Problem(
                    file,
                    None,
                    "",
                    f"{info.st_size} bytes: larger than any config ({MAX_CONFIG_BYTES} bytes)",
                    "check that --config names the config file",
                )
            ]
        )
    with path.open("rb") as handle:
        return handle.read(MAX_CONFIG_BYTES + 1)


def load_config(path: Path, kinds: Mapping[str, str] | None = None) -> Config:
    """Read and validate a config file.

    Args:
        path: the TOML file.
        kinds: adapter type -> kind ("ci", "health", "alerts", "deploy"), from the adapter
            registry; when given, backend types and the kind of every reference are checked.

    Raises:
        ConfigError: the file cannot be read, is not TOML, or has problems (all of them).
    """
    file = str(path)
    try:
        raw = _read_config_bytes(path)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        hint = "check the path and its permissions, or pass --config FILE"
        raise ConfigError(
            [Problem(file, None, "", f"cannot read the file: {reason}", hint)]
        ) from exc
    try:
        source = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        hint = "save the file as UTF-8 (TOML files must be UTF-8)"
        raise ConfigError([Problem(file, line, "", "not UTF-8 text", hint)]) from exc
    return replace(parse_config(source, file, kinds), path=path)


def parse_config(
    text: str, file: str = "<config>", kinds: Mapping[str, str] | None = None
) -> Config:
    """Validate config text; ``file`` names it in problems. ``Config.path`` is None.

    Raises:
        ConfigError: the text is not TOML or has problems (all of them at once).
    """
    try:
        data = tomllib.loads(text)
    except RecursionError:
        hint = "tables and arrays nest at most a few levels in a cockpit config"
        raise ConfigError([Problem(file, None, "", "nested too deeply to read", hint)]) from None
    except tomllib.TOMLDecodeError as exc:
        problem = syntax_problem(file, str(exc))
        if problem.line is None:
            # tomllib says "at end of document" instead of a line when the text stops
            # mid-statement: that is the last line.
            problem = replace(problem, line=text.count("\n") + 1)
        raise ConfigError([problem]) from exc
    lines = KeyLines(text)
    problems = Problems(file, lines)
    config = _Assembler(problems, kinds).config(Reader(problems, "", data))
    problems.raise_if_any()
    return replace(config, lines=lines)


def _secret_from(
    backend: BackendConfig,
    env_key: str,
    env_name: str | None,
    file_key: str,
    file_path: Path | None,
    env: Mapping[str, str],
    config: Config | None,
) -> str | None:
    """One secret from an environment variable or a file, whitespace stripped.

    Raises:
        ConfigError: the variable is unset or empty, or the file is unreadable or empty.
    """

    def fail(setting: str, message: str, hint: str) -> ConfigError:
        key = f"backends.{backend.name}.{setting}"
        file = str(config.path) if config is not None and config.path else "<config>"
        line = config.lines.get(key) if config is not None else None
        return ConfigError([Problem(file, line, key, message, hint)])

    def one_line(value: str, setting: str, where: str) -> str:
        # A secret is one line: a second line (a whole config or a PEM file named by
        # mistake) would be sent in a header and fail every request obscurely.
        if any(ord(c) < 32 or ord(c) == 127 for c in value):
            what = setting.rsplit("_", 1)[0]
            raise fail(
                setting,
                f"{where} holds more than one line or a control character",
                f"it must hold only the {what}, on one line",
            )
        return value

    if env_name:
        value = env.get(env_name, "").strip()
        if not value:
            raise fail(
                env_key,
                f"environment variable {env_name} is not set or is empty",
                f"export {env_name} with the {env_key.removesuffix('_env')} for backend "
                f"'{backend.name}'",
            )
        return one_line(value, env_key, f"environment variable {env_name}")
    if file_path is not None:
        path = file_path.expanduser()
        what = file_key.removesuffix("_file")
        try:
            value = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            hint = "check the path and that this user may read the file"
            raise fail(file_key, f"cannot read {what} file {path}: {reason}", hint) from exc
        except UnicodeDecodeError as exc:
            hint = f"the file must hold the {what} as UTF-8 text"
            raise fail(file_key, f"{what} file {path} is not text", hint) from exc
        if not value:
            raise fail(file_key, f"{what} file {path} is empty", f"write the {what} into the file")
        return one_line(value, file_key, f"{what} file {path}")
    return None


def resolve_token(
    backend: BackendConfig, env: Mapping[str, str], *, config: Config | None = None
) -> str | None:
    """The backend's secret from ``token_env`` or ``token_file``, whitespace stripped.

    The token never appears in an error; only the variable's name or the file's path do.
    Relative ``token_file`` paths are relative to the working directory; ``~`` is expanded.
    ``config`` (optional) lets the error point at the file and line of the setting.

    Raises:
        ConfigError: the variable is unset or empty, or the file is unreadable or empty.
    """
    return _secret_from(
        backend,
        "token_env",
        backend.token_env,
        "token_file",
        backend.token_file,
        env,
        config,
    )


def resolve_secrets(
    backend: BackendConfig,
    names: Sequence[str],
    env: Mapping[str, str],
    *,
    config: Config | None = None,
) -> dict[str, str]:
    """An adapter's own secrets (``SecretSpec`` names such as ``api_key``), each from
    ``<name>_env`` or ``<name>_file`` in the backend's table, exactly as ``resolve_token``
    reads ``token_env``/``token_file``. A secret named nowhere is left out (the adapter
    says whether it needs it). Every problem is reported at once.

    Raises:
        ConfigError: both keys set for one secret, a variable unset or empty, a file
            unreadable or empty, or a key that is not a string.
    """
    found: dict[str, str] = {}
    problems: list[Problem] = []
    file = str(config.path) if config is not None and config.path else "<config>"

    def problem(key: str, message: str, hint: str) -> None:
        full = f"backends.{backend.name}.{key}"
        line = config.lines.get(full) if config is not None else None
        problems.append(Problem(file, line, full, message, hint))

    for name in names:
        env_key, file_key = f"{name}_env", f"{name}_file"
        env_name, file_name = backend.options.get(env_key), backend.options.get(file_key)
        if env_name is not None and file_name is not None:
            problem(file_key, f"set {env_key} or {file_key}, not both", "keep the one in use")
            continue
        if env_name is not None and (not isinstance(env_name, str) or not env_name.strip()):
            problem(
                env_key,
                "expected the name of an environment variable",
                f'e.g. {env_key} = "DD_API_KEY"',
            )
            continue
        if file_name is not None and (not isinstance(file_name, str) or not file_name.strip()):
            problem(file_key, "expected a file path", f'e.g. {file_key} = "~/.config/dd/{name}"')
            continue
        path = Path(file_name) if isinstance(file_name, str) else None
        try:
            value = _secret_from(
                backend,
                env_key,
                env_name if isinstance(env_name, str) else None,
                file_key,
                path,
                env,
                config,
            )
        except ConfigError as exc:
            problems.extend(exc.problems)
            continue
        if value is not None:
            found[name] = value
    if problems:
        raise ConfigError(problems)
    return found


def _key_hint(key: TargetKey) -> str:
    example = f' e.g. {key.name} = "{key.example}"' if key.example else ""
    return f"{key.help}{';' if example else ''}{example}"


def _ca_file(value: object) -> Path:
    """A CA bundle path (``~`` expanded, relative to the working directory) that exists."""
    path = Path(non_empty(value)).expanduser()
    if not path.is_file():
        raise Invalid(
            f"CA bundle {path} does not exist or is not a file",
            "point ca_file at a PEM file holding your CA certificate(s)",
        )
    return path


def _path(value: object) -> Path:
    return Path(non_empty(value)).expanduser()


def _password_env(value: object) -> str:
    try:
        return env_name(value)
    except Invalid as exc:
        raise Invalid(
            "database_password_env must be the NAME of an environment variable",
            'e.g. database_password_env = "COCKPIT_DB_PASSWORD"; the password goes in it',
        ) from exc


def _database(value: object) -> Path | str:
    """A SQLite file's path, or a PostgreSQL URL (checked, never holding a password)."""
    text = non_empty(value)
    if not is_database_url(text):
        return _path(text)
    try:
        return check_database_url(text)
    except BadDatabaseUrl as exc:
        raise Invalid(f"the PostgreSQL URL {exc.message}", exc.hint) from exc


class _Assembler:
    """Builds each section through readers; problems accumulate in ``problems``."""

    def __init__(self, problems: Problems, kinds: Mapping[str, str] | None) -> None:
        self.problems = problems
        self.kinds = kinds
        self.backend_types: dict[str, str] = {}

    def config(self, top: Reader) -> Config:
        top.unknown(_TOP)
        cockpit = self.cockpit(top.table("cockpit"))
        polling = self.polling(top.table("polling"))
        backends = self.backends(top.table("backends"))
        services = self.services(top.table("services"))
        policies = self.policies(top)
        intervals = [b.interval or polling.interval for b in backends.values()]
        floor = 3 * max(intervals, default=polling.interval)
        if polling.stale_after < floor:
            polling = replace(polling, stale_after=floor)
        return Config(
            None,
            cockpit,
            polling,
            backends,
            services,
            policies=policies,
            environments=controls.environments(top.table("environments")),
            freezes=controls.freezes(top),
            keymap=keymap(top.table("keymap")),
        )

    def cockpit(self, r: Reader | None) -> CockpitSettings:
        if r is None:
            return CockpitSettings()
        r.unknown(_COCKPIT)
        default = CockpitSettings()
        database = r.optional("database", _database, None)
        return CockpitSettings(
            read_only=r.optional("read_only", boolean, default.read_only),
            theme=r.optional("theme", non_empty, default.theme),
            database=database if isinstance(database, Path) else None,
            database_url=database if isinstance(database, str) else "",
            database_password_env=r.optional("database_password_env", _password_env, ""),
            database_password_file=r.optional("database_password_file", _path, None),
            bell=r.optional("bell", boolean, default.bell),
            desktop_notifications=r.optional(
                "desktop_notifications", choice(NOTIFY_MODES), default.desktop_notifications
            ),
            action_timeout=r.optional("action_timeout", positive_duration, default.action_timeout),
            history_retention=r.optional(
                "history_retention", positive_duration, default.history_retention
            ),
            wall_rotate=r.optional("wall_rotate", positive_duration, default.wall_rotate),
            notify_after=r.optional("notify_after", duration, default.notify_after),
            ask_confidence=r.optional("ask_confidence", boolean, default.ask_confidence),
        )

    def polling(self, r: Reader | None) -> PollingSettings:
        if r is None:
            return PollingSettings()
        r.unknown(_POLLING)
        d = PollingSettings()
        return PollingSettings(
            interval=r.optional("interval", positive_duration, d.interval),
            timeout=r.optional("timeout", positive_duration, d.timeout),
            max_backoff=r.optional("max_backoff", positive_duration, d.max_backoff),
            stale_after=r.optional("stale_after", positive_duration, d.stale_after),
        )

    def backends(self, r: Reader | None) -> dict[str, BackendConfig]:
        if r is None:
            return {}
        result: dict[str, BackendConfig] = {}
        for name in r.data:
            sub = r.table(name)
            if sub is None:
                continue
            kind = sub.required("type", non_empty, 'e.g. type = "github-actions"')
            if kind is not None:
                self.backend_types[name] = kind
                if self.kinds is not None and kind not in self.kinds:
                    sub.problem(
                        "type",
                        f"unknown backend type '{kind}'",
                        suggest(kind, self.kinds, "known types"),
                    )
            backend = self.backend(name, sub)
            if backend is not None and kind is not None:
                result[name] = replace(backend, type=kind)
        return result

    def backend(self, name: str, r: Reader) -> BackendConfig | None:
        if r.has("context"):
            # A Kubernetes-family backend reached through a kubeconfig context: the context
            # names the API server; the adapter checks the rest (context is its option).
            url: str | None = r.optional("url", http_url, "")
        else:
            url = self.url(r)
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

    def url(self, r: Reader) -> str | None:
        """``url``, or the one the adapter derives from its options (Datadog's ``site``).

        When both are given they must name the same API: a ``url`` that disagrees with
        ``site`` is the classic "valid key, 403" mistake, so it is refused up front.
        """
        kind = r.data.get("type")
        derived: str | None = None
        if isinstance(kind, str) and isinstance(self.kinds, AdapterCatalog):
            options = {k: v for k, v in r.data.items() if k not in _BACKEND}
            try:
                derived = self.kinds.derived_url(kind, options)
            except ValueError as exc:
                bad = next((k for k in options if k in str(exc)), "url")
                r.problem(
                    bad if bad in r.data else "url", str(exc), "see `release-cockpit adapters`"
                )
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

    def policies(self, r: Reader) -> tuple[Policy, ...]:
        if not r.has("policies"):
            return ()
        found: list[Policy] = []
        for index, item in enumerate(r.convert("policies", array_of_tables) or ()):
            sub = Reader(self.problems, f"policies[{index}]", item)
            result = rules.policy(sub, index)
            if result is not None:
                found.append(result)
        return tuple(found)
