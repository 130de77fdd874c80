"""Reading a config's YAML with bounds, so no document can exhaust memory, stack or time.

A config is small: a few hundred values a few levels deep. What goes beyond the
limits below is refused with a ConfigError before anything is expanded or
interpolated (docs/reference.md, "Config"):

- the file: at most ``MAX_BYTES`` of UTF-8 text;
- nesting: at most ``MAX_DEPTH`` levels, also counting what aliases bring in;
- aliases: ``*name`` may repeat an anchored value, but the document as expanded
  holds at most ``MAX_VALUES`` values (a "billion laughs" bomb of nested anchors
  is a few hundred bytes that expand to billions), and no anchor may contain
  itself;
- duplicate keys in one mapping are an error (YAML 1.2 forbids them; PyYAML
  would silently keep the last one).

YAML 1.1's yes/no/on/off booleans are not read as booleans: ``on:`` stays a key,
``NO`` a country.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from monitor.errors import ConfigError
from monitor.printable import escape_control

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 64
MAX_VALUES = 100_000
_MERGE = "tag:yaml.org,2002:merge"


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans and a bound on nesting while the document is composed."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        # PyYAML composes recursively: 20,000 nested brackets would overflow the stack
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise yaml.composer.ComposerError(None, None, f"nested deeper than {MAX_DEPTH} levels", mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


class _Bounds:
    """One walk over the composed node graph: expanded size and depth, cycles, duplicate keys."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.done: dict[int, tuple[int, int]] = {}  # id(node) -> (values, depth) once expanded
        self.open: set[int] = set()  # nodes being walked: meeting one again is a cycle

    def fail(self, message: str, node: Node, path: tuple[str, ...]) -> ConfigError:
        mark = node.start_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        key = ".".join(escape_control(part) for part in path) or None
        return ConfigError(f"{where}{message}", file=self.file, key=key)

    def walk(self, node: Node, path: tuple[str, ...]) -> tuple[int, int]:
        known = self.done.get(id(node))
        if known is not None:
            return known
        if id(node) in self.open:
            raise self.fail("an alias refers to a value that contains it (a recursive structure)", node, path)
        self.open.add(id(node))
        values, depth = 1, 1
        for child, child_path in self._children(node, path):
            child_values, child_depth = self.walk(child, child_path)
            values += child_values
            depth = max(depth, child_depth + 1)
            if values > MAX_VALUES:
                raise self.fail(
                    f"the document expands to more than {MAX_VALUES:,} values "
                    "(aliases repeating anchors that repeat anchors?)",
                    node,
                    path,
                )
            if depth > MAX_DEPTH:
                raise self.fail(f"nested deeper than {MAX_DEPTH} levels (counting aliases)", node, path)
        self.open.discard(id(node))
        self.done[id(node)] = (values, depth)
        return values, depth

    def _children(self, node: Node, path: tuple[str, ...]) -> list[tuple[Node, tuple[str, ...]]]:
        if isinstance(node, SequenceNode):
            return [(child, (*path, str(i))) for i, child in enumerate(node.value)]
        if not isinstance(node, MappingNode):
            return []
        children: list[tuple[Node, tuple[str, ...]]] = []
        seen: dict[tuple[str, str], Node] = {}
        for key, value in node.value:
            if isinstance(key, ScalarNode) and key.tag != _MERGE:
                first = seen.setdefault((key.tag, key.value), key)
                if first is not key:
                    raise self.fail(
                        f"duplicate key {escape_control(key.value)!r} "
                        f"(first at line {first.start_mark.line + 1})",
                        key,
                        (*path, key.value),
                    )
            label = key.value if isinstance(key, ScalarNode) else "?"
            children += [(key, path), (value, (*path, label))]
        return children


def read_yaml(text: str, file: str) -> Any:
    """The document in ``text`` as Python values, or ConfigError; never expands past the bounds."""
    if len(text) > MAX_BYTES:
        raise ConfigError(
            f"the config is larger than {MAX_BYTES // 1024} KiB; is this the right file?", file=file
        )
    loader: _Loader | None = None
    try:
        loader = _Loader(text)  # its reader refuses control characters at once
        node = loader.get_single_node()
        if node is None:
            return None
        _Bounds(file).walk(node, ())
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ConfigError(f"YAML syntax error: {where}{exc.problem}", file=file) from None
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        raise ConfigError(
            f"YAML error: line {line}: character #x{exc.character:04x} is not allowed", file=file
        ) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"YAML error: {exc}", file=file) from None
    except (ValueError, OverflowError, TypeError) as exc:
        # a scalar YAML resolves but Python cannot build: 2026-13-45, an int of 5,000 digits
        raise ConfigError(f"YAML value error: {escape_control(str(exc))}", file=file) from None
    finally:
        if loader is not None:
            loader.dispose()
