"""The terminal progress bar of wide drift computations: drawn on a terminal's stderr for
wide tables only, never on a pipe (logs, --json consumers, the daemon)."""

from __future__ import annotations

import io

import pytest

from monitor.stats.drift import PROGRESS_MIN_COLUMNS, column_progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _advance_all(total: int) -> None:
    with column_progress(total) as advance:
        for _ in range(total):
            advance()


def test_a_wide_table_on_a_terminal_shows_the_columns_done(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    _advance_all(PROGRESS_MIN_COLUMNS + 50)
    assert f"{PROGRESS_MIN_COLUMNS + 50}/{PROGRESS_MIN_COLUMNS + 50}" in terminal.getvalue()


@pytest.mark.parametrize(
    ("stream", "total"), [(io.StringIO(), 1000), (_Terminal(), PROGRESS_MIN_COLUMNS - 1)]
)
def test_no_bar_on_a_pipe_or_for_a_narrow_table(
    monkeypatch: pytest.MonkeyPatch, stream: io.StringIO, total: int
) -> None:
    monkeypatch.setattr("sys.stderr", stream)
    _advance_all(total)
    assert stream.getvalue() == ""
