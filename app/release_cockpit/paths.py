"""Where the cockpit keeps its files: user config, user themes, user data, bundled files.

User directories follow the platform's conventions through ``platformdirs`` (on Linux the
XDG base directories, so ``$XDG_CONFIG_HOME/release-cockpit``). Nothing here creates a
directory; callers create what they write into.
"""

from __future__ import annotations

from pathlib import Path

import platformdirs

import release_cockpit

APP_NAME = "release-cockpit"


def user_config_dir() -> Path:
    """The user's config directory, e.g. ``~/.config/release-cockpit``."""
    # appauthor=False keeps Windows from nesting the name twice (Author\App).
    return platformdirs.user_config_path(APP_NAME, appauthor=False)


def user_config_file() -> Path:
    """The config file used when neither ``--config`` nor the environment names one."""
    return user_config_dir() / "config.toml"


def user_themes_dir() -> Path:
    """Where user themes live: ``<user config dir>/themes``."""
    return user_config_dir() / "themes"


def user_data_dir() -> Path:
    """The user's data directory (history database), e.g. ``~/.local/share/release-cockpit``."""
    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def bundled_dir(package_dir: Path | None = None) -> Path:
    """Where the files shipped beside the code live: themes, the example config, the docs.

    An installed wheel carries them inside the package as ``release_cockpit/_data`` (hatch
    force-include in pyproject.toml); a source checkout has them at the repository's top,
    two levels above the package (``<repo>/app/release_cockpit``). ``package_dir``
    replaces the package directory (tests).
    """
    package = package_dir or Path(release_cockpit.__file__).parent
    inside = package / "_data"
    return inside if inside.is_dir() else package.parent.parent


def bundled_themes_dir(package_dir: Path | None = None) -> Path:
    """The themes shipped with the cockpit."""
    return bundled_dir(package_dir) / "themes"


def example_config(package_dir: Path | None = None) -> Path:
    """``config.example.toml``: every key, commented; `release-cockpit config example`."""
    return bundled_dir(package_dir) / "config.example.toml"


def bundled_doc(name: str, package_dir: Path | None = None) -> Path:
    """A document the program points people to (``dora.md``...), as installed."""
    return bundled_dir(package_dir) / "docs" / name
