"""Reading a config file: YAML (1.2 booleans only), ``${VAR}`` interpolation, validation.

Every problem becomes one :class:`ConfigError` naming the file, the key path
(``monitors.fraud-scorer.window``) and, for YAML syntax, the line.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from monitor import secrets
from monitor.config.models import Config
from monitor.errors import ConfigError

_VARIABLE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?\}")


class _Loader(yaml.SafeLoader):
    """SafeLoader without YAML 1.1's yes/no/on/off booleans: ``on:`` stays a key, ``NO`` a country."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _interpolate(node: Any, path: tuple[str, ...], file: str) -> Any:
    if isinstance(node, dict):
        return {key: _interpolate(value, (*path, str(key)), file) for key, value in node.items()}
    if isinstance(node, list):
        return [_interpolate(value, (*path, str(i)), file) for i, value in enumerate(node)]
    if isinstance(node, str):

        def replace(match: re.Match[str]) -> str:
            name, default = match["name"], match["default"]
            value = os.environ.get(name)
            if value is None or (value == "" and default is not None):
                if default is None:
                    raise ConfigError(
                        f"environment variable {name} is not set (write ${{{name}:-default}} for a default)",
                        file=file,
                        key=".".join(path),
                    )
                return default
            return value

        return _VARIABLE.sub(replace, node)
    return node


def _key_path(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc)


def _format_errors(error: ValidationError, file: str) -> ConfigError:
    lines = []
    first_key = None
    for item in error.errors(include_url=False):
        key = _key_path(item["loc"])
        first_key = first_key or key
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key"
        elif item["type"] == "missing":
            message = "required key is missing"
        elif item["type"] == "literal_error":
            message = f"{message} (got {item.get('input')!r})"
        lines.append(f"{key}: {message}" if key else message)
    text = "\n  ".join(lines)
    return ConfigError(text, file=file, key=None if len(lines) > 1 or not first_key else None)


def _resolve_relative(config: dict[str, Any], base: Path) -> None:
    """Relative files (SQLite databases, globs, report dirs) are relative to the config file."""

    def fix_url(url: Any) -> Any:
        if isinstance(url, str) and url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
            rest = url.removeprefix("sqlite:///")
            if rest and not rest.startswith(":memory:") and not Path(rest).is_absolute():
                return f"sqlite:///{(base / rest).as_posix()}"
        return url

    def fix_path(path: Any) -> Any:
        if isinstance(path, str) and path and not Path(path).is_absolute():
            return (base / path).as_posix()
        return path

    config["store"] = fix_url(config.get("store", "sqlite:///monitor-state.db"))
    reports = config.get("reports")
    if isinstance(reports, dict) and "dir" in reports:
        reports["dir"] = fix_path(reports["dir"])
    elif reports is None or isinstance(reports, dict):
        config["reports"] = {**(reports or {}), "dir": fix_path("reports")}
    for monitor in (config.get("monitors") or {}).values():
        if not isinstance(monitor, dict):
            continue
        for section in ("source", "target"):
            part = monitor.get(section)
            if isinstance(part, dict):
                if "url" in part:
                    part["url"] = fix_url(part["url"])
                if "path" in part:
                    part["path"] = fix_path(part["path"])


def parse_config(text: str, file: str = "<config>", base: Path | None = None) -> Config:
    """Validate YAML text into a :class:`Config`; ``base`` anchors relative paths."""
    try:
        raw = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ConfigError(f"YAML syntax error: {where}{exc.problem}", file=file) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"YAML error: {exc}", file=file) from None
    if not isinstance(raw, dict):
        raise ConfigError("the config must be a mapping with at least a monitors: section", file=file)
    raw = _interpolate(raw, (), file)
    if base is not None:
        _resolve_relative(raw, base)
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        raise _format_errors(exc, file) from None
    for channel in config.channels.values():
        secrets.registry.update(channel.secrets())
    return config.model_copy(update={"path": Path(file)})


def load_config(path: str | os.PathLike[str]) -> Config:
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("config file not found", file=str(file)) from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file: {exc.strerror}", file=str(file)) from None
    return parse_config(text, file=str(file), base=file.resolve().parent)
