"""A backend's secrets (its ``token`` and an adapter's own, such as Datadog's ``api_key``),
read from the environment variable or file the config names.

Apart from the loader because secrets are read when adapters are built, not when the file is
validated: the config only names where a secret lives, never the secret itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from release_cockpit.errors import ConfigError, Problem

if TYPE_CHECKING:
    from release_cockpit.config.schema import BackendConfig, Config


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
