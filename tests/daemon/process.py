"""`monitor run` as a real subprocess: start it, find its port in the log, talk HTTP, send signals."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")


def write_config(
    path: Path,
    *,
    store: str,
    monitors: dict[str, str],
    extra: str = "",
    daemon: str = "{workers: 2, run_timeout: 30s, lease_ttl: 2s}",
    channels: str = "[]",
    sources: dict[str, str] | None = None,
) -> Path:
    """A config whose monitors read ``preds.db`` next to it (or ``sources[name]``); ``monitors`` maps
    name -> schedule; alerts go to ``channels``."""
    files = {name: (sources or {}).get(name, "preds.db") for name in monitors}
    blocks = "".join(
        f"""
  {name}:
    source: {{url: "sqlite:///{files[name]}", table: predictions, timestamp: timestamp}}
    features: {{numerical: [amount, items], categorical: [country]}}
    prediction: {{column: pred, score: score, task: classification}}
    target: {{column: label}}
    reference: {{previous: 1d}}
    window: 1d
    schedule: {schedule}
    alerts:
      - {{rule: dataset_drift, channels: {channels}}}
      - {{rule: performance_drop, metric: roc_auc, max_drop: 0.05, channels: {channels}}}
"""
        for name, schedule in monitors.items()
    )
    path.write_text(
        f"""store: "{store}"
server: {{host: 127.0.0.1, port: 0}}
reports: {{dir: reports, when: never}}
daemon: {daemon}
{extra}
monitors:{blocks}""",
        encoding="utf-8",
    )
    return path


Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def whole_monitor_value(samples: Samples, name: str, labels: dict[str, str]) -> float | None:
    found = samples.get((name, tuple(sorted(labels.items()))))
    if found is None and "segment" not in labels and "monitor" in labels:
        found = samples.get((name, tuple(sorted({**labels, "segment": ""}.items()))))
    return found


class Daemon:
    def __init__(
        self, config: Path, arguments: list[str] | None = None, log_name: str = "daemon.log"
    ) -> None:
        self.log_path = config.parent / log_name
        self._log = self.log_path.open("wb")
        environment = {**os.environ, "EVIDENTLY_DISABLE_TELEMETRY": "1", "PYTHONUNBUFFERED": "1"}
        arguments = arguments if arguments is not None else ["run", "-c", str(config)]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "monitor.cli", *arguments],
            cwd=config.parent,
            stdout=subprocess.DEVNULL,
            stderr=self._log,
            env=environment,
        )
        self.url = self._wait_for_url()

    def _wait_for_url(self, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = LISTENING.search(self.log())
            if match:
                return match.group(1)
            if self.process.poll() is not None:
                raise AssertionError(f"daemon exited with {self.process.returncode}:\n{self.log()}")
            time.sleep(0.05)
        raise AssertionError(f"daemon never said where it listens:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def get(self, path: str, method: str = "GET") -> tuple[int, bytes]:
        request = urllib.request.Request(self.url + path, method=method)
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status, answer.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def health(self) -> tuple[int, dict[str, Any]]:
        status, body = self.get("/healthz")
        return status, json.loads(body)

    def samples(self) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        """Every sample of /metrics, parsed by prometheus_client: (name, sorted labels) -> value."""
        status, body = self.get("/metrics")
        assert status == 200
        return {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(body.decode())
            for sample in family.samples
        }

    def value(self, name: str, **labels: str) -> float | None:
        """The sample with exactly these labels; a series of the whole monitor also carries
        ``segment=""`` (docs/reference.md, "Segments"), which need not be named."""
        return whole_monitor_value(self.samples(), name, labels)

    def wait_for(self, what: str, condition: Callable[[], Any], timeout: float = 20.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            if self.process.poll() is not None:
                raise AssertionError(f"daemon died waiting for {what}:\n{self.log()}")
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}:\n{self.log()}")

    def signal(self, signum: int) -> None:
        self.process.send_signal(signum)

    def stop(self, timeout: float = 10.0) -> tuple[int, float]:
        """SIGTERM; (exit code, seconds it took)."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout)
        return code, time.monotonic() - started

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self._log.close()
