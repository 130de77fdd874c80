"""Property: whatever the file holds, the loader ends in a Config or one ConfigError (exit 2 with a
message naming the file), never another exception, and within a second (issue 18).

Inputs: random text and bytes, random YAML documents, and random mutations of a valid config
(a value replaced, a key dropped or added, text inserted or cut)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.config import Config, load_config, parse_config
from monitor.errors import ConfigError

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "example.yaml"
VALID = EXAMPLE.read_text(encoding="utf-8").replace("${SLACK_WEBHOOK_URL}", "https://hooks.example.com/x")
VALID_TREE: dict[str, Any] = yaml.safe_load(VALID)
BASE = Path(tempfile.gettempdir())
FILE = "property.yaml"

SETTINGS = settings(
    max_examples=150,
    deadline=None,  # "within a second" is asserted in CPU time: other processes' load is not ours
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,  # the same examples in every run: CI never sees a new one first
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["7d", "0s", "-1h", "99999999999d", "1e400s", "${NOPE}", "${HOME:-x}", "on", "NO", "~"]),
)
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5), st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=30,
)


def outcome(text: str) -> Config | ConfigError:
    started = time.process_time()
    try:
        result: Config | ConfigError = parse_config(text, file=FILE, base=BASE)
    except ConfigError as exc:
        assert FILE in str(exc) and exc.detail, exc
        result = exc
    assert time.process_time() - started < 1.0
    return result


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += paths(value, (*prefix, index))
    return found


ALL_PATHS = [path for path in paths(VALID_TREE) if path]


def replaced(tree: Any, path: tuple[Any, ...], value: Any, drop: bool) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(tree, dict):
        copy = dict(tree)
        if drop and not rest:
            copy.pop(head, None)
        else:
            copy[head] = replaced(tree[head], rest, value, drop)
        return copy
    copy_list = list(tree)
    if drop and not rest:
        copy_list.pop(head)
    else:
        copy_list[head] = replaced(tree[head], rest, value, drop)
    return copy_list


def test_the_example_is_valid() -> None:
    assert isinstance(outcome(VALID), Config)


@SETTINGS
@given(st.text(max_size=400))
def test_random_text(text: str) -> None:
    outcome(text)


@SETTINGS
@given(values)
def test_random_yaml_documents(document: Any) -> None:
    outcome(yaml.safe_dump(document, allow_unicode=True))


@SETTINGS
@given(st.sampled_from(ALL_PATHS), values, st.booleans())
def test_a_valid_config_with_one_value_changed_or_dropped(
    path: tuple[Any, ...], value: Any, drop: bool
) -> None:
    outcome(yaml.safe_dump(replaced(VALID_TREE, path, value, drop), allow_unicode=True))


@SETTINGS
@given(
    st.integers(min_value=0, max_value=len(VALID)),
    st.integers(min_value=0, max_value=40),
    st.text(max_size=20),
)
def test_a_valid_config_with_text_cut_and_inserted(at: int, cut: int, inserted: str) -> None:
    outcome(VALID[:at] + inserted + VALID[at + cut :])


@SETTINGS
@given(st.binary(max_size=300))
def test_random_bytes_as_a_file(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / FILE
        path.write_bytes(data)
        started = time.process_time()
        try:
            load_config(path)
        except ConfigError as exc:
            assert FILE in str(exc)
        assert time.process_time() - started < 1.0
