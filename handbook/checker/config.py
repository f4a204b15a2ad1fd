"""``[tool.principles]`` in the checked project's pyproject.toml, and the CLI's overrides.

    [tool.principles]
    select = ["api", "DB-BOUND-PARAMS"]   # IDs or areas; default: everything
    ignore = ["DOC-DOCSTRINGS"]           # IDs or areas
    level = "should"                      # lowest level reported: must, should or consider
    exclude = ["legacy/**"]               # paths to skip (globs, from the project root)
    migrations = ["migrations/*.sql"]     # SQL migration files (globs)
    app = "shop.core.main:create_app"     # else [tool.fastapi] entrypoint
    python = ".venv/bin/python"           # interpreter that imports the app
    public-modules = ["dependencies"]     # a domain's modules other domains may import

A mistake here is a usage error (exit 2) that names the file and line.
"""

import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from handbook.checker.catalogue import Catalogue
from handbook.content.locations import LocatedError, Location, line_of, toml_key_line

DEFAULT_MIGRATIONS = ("**/migrations/*.sql", "**/migrations/**/*.sql")
DEFAULT_PUBLIC_MODULES = ("dependencies",)
KEYS = (
    "select",
    "ignore",
    "level",
    "exclude",
    "migrations",
    "app",
    "python",
    "public-modules",
)


class ConfigError(LocatedError):
    """A bad setting; exit 2."""


@dataclass(frozen=True)
class Config:
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    level: str = "consider"
    exclude: tuple[str, ...] = ()
    migrations: tuple[str, ...] = DEFAULT_MIGRATIONS
    app: str | None = None
    app_source: str = ""
    """Where ``app`` came from: ``[tool.principles]``, ``[tool.fastapi]``, ``--app``."""
    python: str | None = None
    public_modules: tuple[str, ...] = DEFAULT_PUBLIC_MODULES
    pyproject: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def principle_ids(self, catalogue: Catalogue) -> set[str]:
        """The principles this configuration reports on."""

        def expand(names: tuple[str, ...]) -> set[str]:
            ids = set()
            for name in names:
                if name in catalogue.principles:
                    ids.add(name)
                else:
                    ids |= {
                        p.id for p in catalogue.principles.values() if p.area == name
                    }
            return ids

        chosen = expand(self.select) if self.select else set(catalogue.principles)
        chosen -= expand(self.ignore)
        lowest = catalogue.levels.index(self.level)
        return {
            i
            for i in chosen
            if catalogue.levels.index(catalogue.principles[i].level) <= lowest
        }


def _strings(value: Any, key: str, where: Location) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(where, f"'{key}' must be a list of strings")
    return tuple(value)


def check_names(
    names: tuple[str, ...], key: str, where: Location, catalogue: Catalogue
) -> None:
    for name in names:
        if name in catalogue.principles or name in catalogue.areas:
            continue
        if name in catalogue.gone:
            raise ConfigError(where, f"'{key}': {name} {catalogue.gone[name]}")
        raise ConfigError(
            where,
            f"'{key}': {name!r} is neither a principle ID nor an area "
            f"({', '.join(catalogue.areas)}); `principles rules` lists the IDs",
        )


def check_level(level: Any, where: Location, catalogue: Catalogue) -> str:
    if level not in catalogue.levels:
        raise ConfigError(
            where, f"level {level!r} is not one of {', '.join(catalogue.levels)}"
        )
    return str(level)


def load(pyproject: Path | None, catalogue: Catalogue) -> Config:
    """The configuration of the project whose pyproject.toml this is (None: defaults)."""
    if pyproject is None:
        return Config()
    try:
        text = pyproject.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(Location(pyproject, 1), f"cannot read: {error}") from error
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(
            Location(pyproject, toml_error_line(error, text)),
            f"not valid TOML: {error}",
        ) from error
    tool = data.get("tool", {})
    section = tool.get("principles", {})
    where = Location(pyproject, line_of(text, "[tool.principles]"))
    if not isinstance(section, dict):
        raise ConfigError(where, "[tool.principles] must be a table")
    config = Config(pyproject=pyproject)
    for key, value in section.items():
        at = Location(pyproject, toml_key_line(text, key, where.line) or where.line)
        if key not in KEYS:
            raise ConfigError(
                at,
                f"unknown setting {key!r} in [tool.principles] (known: {', '.join(KEYS)})",
            )
        if key in ("select", "ignore"):
            names = _strings(value, key, at)
            check_names(names, key, at, catalogue)
            config = (
                replace(config, select=names)
                if key == "select"
                else replace(config, ignore=names)
            )
        elif key == "level":
            config = replace(config, level=check_level(value, at, catalogue))
        elif key == "exclude":
            config = replace(config, exclude=_strings(value, key, at))
        elif key == "migrations":
            config = replace(config, migrations=_strings(value, key, at))
        elif key == "public-modules":
            config = replace(config, public_modules=_strings(value, key, at))
        elif key in ("app", "python"):
            if not isinstance(value, str) or not value:
                raise ConfigError(at, f"'{key}' must be a string")
            if key == "app":
                config = replace(config, app=value, app_source="[tool.principles] app")
            else:
                config = replace(config, python=value)
    if config.app is None:
        fastapi = tool.get("fastapi", {})
        entrypoint = fastapi.get("entrypoint") if isinstance(fastapi, dict) else None
        if isinstance(entrypoint, str) and entrypoint:
            config = replace(
                config, app=entrypoint, app_source="[tool.fastapi] entrypoint"
            )
    return config


def toml_error_line(error: tomllib.TOMLDecodeError, text: str) -> int:
    """The line a TOML error is on (tomllib says it in the message before 3.14)."""
    found = re.search(r"at line (\d+)", str(error))
    if found:
        return int(found[1])
    return max(1, len(text.splitlines())) if "end of document" in str(error) else 1
