"""Reading a config file: YAML (1.2 booleans only), ``${VAR}`` interpolation, validation.

Every problem becomes one :class:`ConfigError` naming the file, the key path
(``monitors.fraud-scorer.window``) and, for YAML syntax, the line.
"""

from __future__ import annotations

import difflib
import os
import re
import types
import typing
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

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
    items = error.errors(include_url=False)
    missing = {tuple(item["loc"]) for item in items if item["type"] == "missing"}
    explained: set[tuple[int | str, ...]] = set()
    lines = []
    for item in items:
        loc = tuple(item["loc"])
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key"
            guess = _closest_key(loc, missing)
            if guess is not None:
                message += f" (did you mean {guess!r}?)"
                explained.add((*loc[:-1], guess))
        elif item["type"] == "missing":
            message = "required key is missing"
        elif item["type"] == "literal_error":
            message = f"{message} (got {item.get('input')!r})"
        key = _key_path(loc)
        lines.append((loc, f"{key}: {message}" if key else message))
    # a required key reported missing because it was misspelt is said once, as the typo
    kept = [text for loc, text in lines if loc not in explained]
    return ConfigError("\n  ".join(kept), file=file)


def _closest_key(loc: tuple[int | str, ...], missing: set[tuple[int | str, ...]]) -> str | None:
    """The key an unknown key most likely misspells: a missing sibling first, else any known key."""
    parent, name = loc[:-1], str(loc[-1])
    siblings = [str(other[-1]) for other in missing if other[:-1] == parent]
    for candidates in (siblings, _known_keys(parent)):
        close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
        if close:
            return close[0]
    return None


def _known_keys(parent: tuple[int | str, ...]) -> list[str]:
    """The keys the model at ``parent`` (a key path into Config) accepts, aliases included."""
    annotation: Any = Config
    for part in parent:
        annotation = _unwrap(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(str(part))
            if field is None:
                return []
            annotation = field.annotation
        elif typing.get_origin(annotation) in (dict, list):
            annotation = typing.get_args(annotation)[-1]  # a name or an index: the value type
        else:
            return []
    annotation = _unwrap(annotation)
    if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
        return []
    return [field.alias or name for name, field in annotation.model_fields.items()]


def _unwrap(annotation: Any) -> Any:
    """``X | None`` -> ``X``."""
    arguments = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(arguments) == 1:
        return arguments[0]
    return annotation


def _resolve_relative(config: dict[str, Any], base: Path) -> None:
    """Relative files (SQLite databases, globs, report dirs) are relative to the config file."""

    def fix_url(url: Any) -> Any:
        if isinstance(url, str) and url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
            rest = url.removeprefix("sqlite:///")
            # a SQLite URI (file:state.db?mode=ro&uri=true) names its file after "file:"
            scheme = "file:" if rest.startswith("file:") else ""
            path, query = rest.removeprefix(scheme).partition("?")[::2]
            if path and not path.startswith(":memory:") and not Path(path).is_absolute():
                return f"sqlite:///{scheme}{(base / path).as_posix()}" + (f"?{query}" if query else "")
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
