"""``segments:`` is validated once, with one clear message naming the key (exit 2)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from monitor.config import load_config
from monitor.errors import ConfigError

BASE = """\
monitors:
  payments:
    source: {{url: "sqlite:///log.db", table: predictions, timestamp: ts{compute}}}
    features: {{numerical: [amount], categorical: [channel]}}
    reference: {{previous: 30d}}
    window: 7d
    segments: {segments}
"""


def _write(tmp_path: Path, segments: str, compute: str = "") -> Path:
    path = tmp_path / "monitor.yaml"
    path.write_text(BASE.format(segments=segments, compute=compute), encoding="utf-8")
    return path


def test_a_valid_segments_section_is_typed_and_frozen(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, "{by: [country, channel], top: 5, min_rows: 50}"))
    pushed = load_config(_write(tmp_path, "{by: [country]}", ", compute: pushdown")).monitors["payments"]
    assert pushed.segments is not None and pushed.source.compute == "pushdown"  # GROUP BY the segments
    segments = config.monitors["payments"].segments
    assert segments is not None and (segments.by, segments.top, segments.min_rows) == (
        ["country", "channel"],
        5,
        50,
    )
    defaults = load_config(_write(tmp_path, "{by: [country]}")).monitors["payments"].segments
    assert defaults is not None and (defaults.top, defaults.min_rows) == (20, 200)
    with pytest.raises(ValidationError):
        segments.top = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    ("segments", "compute", "words"),
    [
        ("{by: []}", "", ["segments.by"]),
        ("{by: [country, country]}", "", ["segments.by", "more than once"]),
        ("{by: [ts]}", "", ["segments.by", "timestamp"]),
        ("{by: [country], top: 0}", "", ["segments.top"]),
        ("{by: [country], min_rows: -1}", "", ["segments.min_rows"]),
        ("{by: [country], slices: 3}", "", ["segments.slices"]),
    ],
)
def test_a_bad_segments_section_names_its_key(
    tmp_path: Path, segments: str, compute: str, words: list[str]
) -> None:
    path = _write(tmp_path, segments, compute)
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    message = str(raised.value)
    assert all(word in message for word in words), message
    done = subprocess.run(
        [sys.executable, "-m", "monitor.cli", "validate", "-c", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "segments" in done.stderr + done.stdout
