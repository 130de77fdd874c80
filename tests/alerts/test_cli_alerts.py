"""`monitor alerts silence / unsilence / list / test` as real subprocesses (contract §4)."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from standardwebhooks.webhooks import Webhook

from monitor.alerts.dispatch import Dispatcher
from monitor.runner import Checker
from monitor.store import open_store
from tests.alerts.scenario import at, fast_retry, load, receiver, write_config, write_log

SLACK_PATH = "/services/T0CLI/B0CLI/cliSlackToken987654"
SECRET = "whsec_" + "Y2xpLXRlc3Qta2V5LTAxMjM0NTY3ODlhYmNkZWY="


def monitor(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor.cli", *args], capture_output=True, text=True, timeout=60
    )


def check(config_path: Path, hour: int, wall_clock: datetime | None = None) -> None:
    """The run of window ``hour``, as a daemon would make it at ``wall_clock`` (default: that hour)."""
    config = load(config_path)
    store = open_store(config.store)
    try:
        clock = (lambda: wall_clock) if wall_clock is not None else (lambda: at(hour))
        Checker(config, store, clock=clock).run(None, at(hour))
        Dispatcher(config, store).drain(3)
    finally:
        store.close()


def test_silence_keeps_the_state_and_sends_nothing_until_unsilenced(tmp_path: Path) -> None:
    # silences are set in wall-clock time, so the runs happen now, 40 minutes apart
    started = datetime.now(timezone.utc).replace(second=0, microsecond=0)

    def run(hour: int) -> None:
        check(config, hour, started + timedelta(minutes=40 * (hour - 1)))

    with receiver(default=(204, "", {})) as hook:
        write_log(tmp_path / "log.db", breaching_hours=range(1, 10))
        channels = {"hook": {"type": "webhook", "url": hook.url + "/hook", **fast_retry()}}
        rule = {"rule": "missing_values", "columns": ["x"], "repeat_interval": "30m", "channels": ["hook"]}
        config = write_config(tmp_path, channels, [rule])
        run(1)
        assert len(hook.received) == 1

        silenced = monitor(
            "alerts", "silence", "-c", str(config), "scorer", "missing_values", "x", "--for", "2h",
            "--comment", "known outage",
        )  # fmt: skip
        assert silenced.returncode == 0, silenced.stderr
        silence_id = silenced.stdout.strip()
        assert silence_id and " " not in silence_id

        listed = monitor("alerts", "list", "-c", str(config))
        assert listed.returncode == 1, listed.stderr  # an alert is firing
        row = next(
            line for line in listed.stdout.splitlines() if "missing_values" in line and "firing" in line
        )
        assert "scorer" in row and "x" in row and silence_id in row
        assert f"{started:%Y-%m-%d %H:%M} UTC" in row  # firing since the run that started it
        assert f"silence {silence_id}" in listed.stdout and "known outage" in listed.stdout

        run(2)  # the repeat would be due (30m), but the alert is silenced
        run(3)
        assert len(hook.received) == 1
        config_obj = load(config)
        store = open_store(config_obj.store)
        [state] = [s for s in store.alert_states("scorer").values() if s.subject == "x"]
        assert state.status == "firing"  # silenced keeps its state
        store.close()

        removed = monitor("alerts", "unsilence", "-c", str(config), silence_id)
        assert removed.returncode == 0, removed.stderr
        assert silence_id in removed.stdout
        run(4)
        assert len(hook.received) == 2  # notifies again now that nobody mutes it

        again = monitor("alerts", "unsilence", "-c", str(config), silence_id)
        assert again.returncode == 2 and silence_id in again.stderr


def test_silence_a_whole_monitor_and_bad_arguments(tmp_path: Path) -> None:
    write_log(tmp_path / "log.db", breaching_hours=())
    config = write_config(tmp_path, {}, [{"rule": "no_data"}])
    whole = monitor("alerts", "silence", "-c", str(config), "scorer", "--for", "30m")
    assert whole.returncode == 0, whole.stderr
    listed = monitor("alerts", "list", "-c", str(config))
    assert listed.returncode == 0 and f"silence {whole.stdout.strip()}: scorer until" in listed.stdout
    unknown = monitor("alerts", "silence", "-c", str(config), "nosuch", "--for", "2h")
    assert unknown.returncode == 2 and "nosuch" in unknown.stderr and "Traceback" not in unknown.stderr
    bad_duration = monitor("alerts", "silence", "-c", str(config), "scorer", "--for", "soon")
    assert bad_duration.returncode == 2 and "--for" in bad_duration.stderr


def slack_config(tmp_path: Path, url: str) -> Path:
    write_log(tmp_path / "log.db", breaching_hours=())
    channels = {
        "team-slack": {"type": "slack", "url": url + SLACK_PATH, "timeout": "2s"},
        "hook": {"type": "webhook", "url": url + "/hook", "secret": SECRET, "timeout": "2s"},
    }
    return write_config(tmp_path, channels, [{"rule": "no_data", "channels": ["team-slack", "hook"]}])


def test_alerts_test_sends_a_labelled_block_kit_message(tmp_path: Path) -> None:
    with receiver(default=(200, "ok", {})) as slack:
        config = slack_config(tmp_path, slack.url)
        result = monitor("alerts", "test", "-c", str(config), "team-slack")
    assert result.returncode == 0, result.stderr
    assert "team-slack" in result.stdout and "200" in result.stdout and "ok" in result.stdout
    [request] = slack.received
    assert request.path == SLACK_PATH
    message: dict[str, Any] = request.json()
    assert "TEST" in message["text"]  # the plain fallback says what it is
    blocks = message["blocks"]
    assert 0 < len(blocks) <= 50
    header = blocks[0]
    assert header["type"] == "header" and header["text"]["type"] == "plain_text"
    assert "TEST" in header["text"]["text"] and len(header["text"]["text"]) <= 150
    assert any("test message" in str(block).lower() for block in blocks[1:])
    for block in blocks:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
            assert len(block.get("fields", [])) <= 10
            assert all(len(f["text"]) <= 2000 for f in block.get("fields", []))


def test_alerts_test_failure_exits_3_with_the_reason_and_no_secret(tmp_path: Path) -> None:
    with receiver(default=(404, "channel_not_found", {})) as slack:
        config = slack_config(tmp_path, slack.url)
        result = monitor("alerts", "test", "-c", str(config), "team-slack")
    assert result.returncode == 3
    assert "channel_not_found" in result.stderr and "team-slack" in result.stderr
    assert "cliSlackToken987654" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_alerts_test_webhook_is_signed_and_unknown_channel_is_usage(tmp_path: Path) -> None:
    with receiver(default=(204, "", {})) as hook:
        config = slack_config(tmp_path, hook.url)
        result = monitor("alerts", "test", "-c", str(config), "hook")
        unknown = monitor("alerts", "test", "-c", str(config), "nope")
    assert result.returncode == 0, result.stderr
    [request] = hook.received
    body = Webhook(SECRET).verify(request.body, {k.lower(): v for k, v in request.headers.items()})
    assert body["rule"] == "test" and body["status"] == "firing"
    assert unknown.returncode == 2 and "nope" in unknown.stderr and "team-slack" in unknown.stderr
