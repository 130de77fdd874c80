"""Secrets never reach logs, CLI output or the store, even when a receiver echoes them back."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.alerts.scenario import at, receiver, write_config, write_log

SLACK_PATH = "/services/T0SEC/B0SEC/slackSecretToken0042"
TEAMS_PATH = "/workflows/teamsSecretSig0099/triggers/manual"
HOOK_PATH = "/hooks/webhookPathSecret0077"
ROUTING_KEY = "R0UTINGkeySecret00112233445566aa"
SIGNING = "signing-secret-plain-5566"
HEADER_TOKEN = "Bearer headerSecret0088"
AM_PASSWORD = "amPassw0rdSecret"
SECRETS = [
    "slackSecretToken0042",
    "T0SEC/B0SEC",
    "teamsSecretSig0099",
    "webhookPathSecret0077",
    ROUTING_KEY,
    SIGNING,
    "headerSecret0088",
    AM_PASSWORD,
]


def test_no_secret_in_output_logs_or_store(tmp_path: Path) -> None:
    with receiver(echo=400) as refusing, receiver(echo=500) as failing:
        write_log(tmp_path / "log.db", {1})
        # the failing ones give up after a few retries, so the check ends quickly
        quick = {"timeout": "2s", "retry": {"initial": "0.1s", "max": "0.2s", "max_age": "0.5s"}}
        am_url = failing.url.replace("http://", f"http://monitor:{AM_PASSWORD}@")
        channels = {
            "slack": {"type": "slack", "url": refusing.url + SLACK_PATH, **quick},
            "teams": {"type": "msteams", "url": failing.url + TEAMS_PATH, **quick},
            "hook": {
                "type": "webhook", "url": refusing.url + HOOK_PATH, "secret": SIGNING,
                "headers": {"Authorization": HEADER_TOKEN}, **quick,
            },
            "pager": {
                "type": "pagerduty", "url": refusing.url + "/v2/enqueue", "routing_key": ROUTING_KEY, **quick,
            },
            "am": {"type": "alertmanager", "url": am_url, **quick},
        }  # fmt: skip
        rule = {"rule": "missing_values", "columns": ["x"], "channels": list(channels)}
        config = write_config(tmp_path, channels, [rule])
        result = subprocess.run(
            [sys.executable, "-m", "monitor.cli", "--log-level", "DEBUG", "check", "-c", str(config),
             "--at", at(1).isoformat(), "--json"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert result.returncode == 3, result.stderr  # every channel refused or failed
    # the receivers did get the secrets they need (so the test would notice a leak)
    assert any(SLACK_PATH == r.path for r in refusing.received)
    assert any(ROUTING_KEY.encode() in r.body for r in refusing.received)
    assert "HTTP 400" in result.stderr and "HTTP 500" in result.stderr  # the answers are logged...
    with sqlite3.connect(tmp_path / "state.db") as connection:
        dump = "\n".join(connection.iterdump())
        errors = [row[0] for row in connection.execute("SELECT last_error FROM monitor_outbox")]
    assert all(errors) and any("bad request" in e for e in errors)  # ...and stored, masked
    for secret in SECRETS:
        assert secret not in result.stdout, secret
        assert secret not in result.stderr, secret
        assert secret not in dump, secret
