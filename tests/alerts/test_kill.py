"""kill -9 of a real `monitor check` while it delivers loses nothing (contract §4, at least once).

The receiver counts what it accepted; after the killed process, a second
`monitor check` delivers what was left, under the same ``webhook-id``.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from standardwebhooks.webhooks import Webhook

from monitor.alerts.dispatch import Dispatcher
from monitor.runner import Checker
from monitor.store import open_store
from tests.alerts.scenario import Receiver, at, load, receiver, write_config, write_log

SECRET = "whsec_" + "a2lsbC10ZXN0LWtleS0wMTIzNDU2Nzg5YWJjZGVm"


def start_check(config: Path, hour: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "monitor.cli", "check", "-c", str(config), "--at", at(hour).isoformat()],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_check(config: Path, hour: int) -> subprocess.CompletedProcess[str]:
    process = start_check(config, hour)
    stdout, stderr = process.communicate(timeout=60)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def check_in_process(config_path: Path, hour: int) -> None:
    config = load(config_path)
    store = open_store(config.store)
    try:
        # the wall clock, as the `monitor check` processes it follows read it
        Checker(config, store).run(None, at(hour))
        Dispatcher(config, store).drain(5)
    finally:
        store.close()


def wait_for(condition: Any, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def accepted(hook: Receiver) -> list[tuple[str, str]]:
    """(status, webhook-id) of what the receiver answered 2xx, each signature checked."""
    result = []
    for request in hook.received:
        headers = {k.lower(): v for k, v in request.headers.items()}
        body = Webhook(SECRET).verify(request.body, headers)
        if 200 <= request.answered < 300:
            result.append((body["status"], headers["webhook-id"]))
    return result


def outbox(tmp_path: Path) -> list[tuple[str, int]]:
    with sqlite3.connect(tmp_path / "state.db") as connection:
        return list(connection.execute("SELECT status, attempts FROM monitor_outbox ORDER BY created_at"))


def make_config(tmp_path: Path, hook: Receiver, breaching: set[int], retry: dict[str, str]) -> Path:
    write_log(tmp_path / "log.db", breaching)
    channels = {
        "hook": {
            "type": "webhook",
            "url": hook.url + "/hook",
            "secret": SECRET,
            "timeout": "1s",
            "retry": retry,
        }
    }
    return write_config(
        tmp_path, channels, [{"rule": "missing_values", "columns": ["x"], "channels": ["hook"]}]
    )


def test_kill_9_during_the_request_then_the_next_run_delivers_it(tmp_path: Path) -> None:
    import threading

    with receiver(hold=threading.Event(), default=(204, "", {})) as hook:
        config = make_config(tmp_path, hook, {1, 2}, {"initial": "0.2s", "max": "0.5s"})
        process = start_check(config, 1)
        assert hook.arrived.wait(30), process.communicate()
        os.kill(process.pid, signal.SIGKILL)  # while our request waits for its answer
        process.wait(10)
        assert hook.hold is not None
        hook.hold.set()
        assert outbox(tmp_path) == [("pending", 0)]  # the alert is firing, its message still owed

        check_in_process(config, 2)  # a new process: still firing, no new message, the owed one goes out
    ids = {request.headers["webhook-id"] for request in hook.received}
    assert len(hook.received) == 2 and len(ids) == 1  # the same delivery, sent again after the crash
    # the held request's answer went to a dead process: a receiver deduplicating by webhook-id sees one
    assert set(accepted(hook)) == {("firing", ids.pop())}
    assert outbox(tmp_path) == [("sent", 1)]


def test_kill_9_while_a_resolved_is_retried_then_restart(tmp_path: Path) -> None:
    # firing accepted at once; the resolved is answered 500, 500 and the process killed in its backoff
    with receiver(script=[(200, "", {}), (500, "", {}), (500, "", {})], default=(200, "", {})) as hook:
        config = make_config(tmp_path, hook, {1}, {"initial": "1s", "max": "1s"})
        check_in_process(config, 1)
        process = start_check(config, 2)
        wait_for(lambda: len(hook.received) == 3)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
        assert len(hook.received) == 3
        restarted = run_check(config, 3)
        assert restarted.returncode == 0, restarted.stderr
    statuses = accepted(hook)
    assert [status for status, _ in statuses] == ["firing", "resolved"]  # exactly one of each
    resolved_ids = {request.headers["webhook-id"] for request in hook.received[1:]}
    assert len(resolved_ids) == 1  # one id across the retries, the kill and the restart
    assert [status for status, _ in outbox(tmp_path)] == ["sent", "sent"]
