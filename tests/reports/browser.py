"""Headless Chromium over the DevTools protocol, for the tests that look at pages (a helper, not tests).

Opens a page, records uncaught exceptions, ``console.error`` calls, error log
entries and dialogs (``alert()`` from an injected script would open one), runs
an expression in the page and takes a screenshot.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--remote-debugging-port=0",
)


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class PageVisit:
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    value: Any = None
    screenshot: Path | None = None


class Chromium:
    """One browser process with a fresh profile; use as a context manager."""

    def __init__(self, executable: str, timeout: float = 20.0) -> None:
        self.executable = executable
        self.timeout = timeout
        # Chromium's helper processes may still be writing the profile as it is removed
        self._profile = tempfile.TemporaryDirectory(prefix="monitor-chromium-", ignore_cleanup_errors=True)
        self._process: subprocess.Popen[bytes] | None = None
        self._socket: Any = None
        self._next_id = 0
        self._events: list[dict[str, Any]] = []

    def __enter__(self) -> Chromium:
        from websockets.sync.client import connect

        profile = Path(self._profile.name)
        self._process = subprocess.Popen(
            [self.executable, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: stopped with all its helpers
        )
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + self.timeout
        while not (port_file.is_file() and len(port_file.read_text().splitlines()) >= 2):
            if time.monotonic() > deadline or self._process.poll() is not None:
                self.__exit__(None, None, None)
                raise RuntimeError("chromium did not start its DevTools endpoint")
            time.sleep(0.05)
        port, path = port_file.read_text().splitlines()[:2]
        self._socket = connect(f"ws://127.0.0.1:{port}{path}", max_size=None, open_timeout=self.timeout)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._socket is not None:
            self._socket.close()
        if self._process is not None:
            self._signal_group(signal.SIGTERM)
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._signal_group(signal.SIGKILL)  # helpers that outlived the browser
        self._profile.cleanup()

    def _signal_group(self, signum: int) -> None:
        assert self._process is not None
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._process.pid, signum)

    def _call(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> Any:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        self._socket.send(json.dumps(message))
        while True:
            reply = self._receive(self.timeout)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self._events.append(reply)

    def _receive(self, timeout: float) -> dict[str, Any]:
        message: dict[str, Any] = json.loads(self._socket.recv(timeout=timeout))
        return message

    def visit(self, url: str, expression: str, screenshot: Path, settle: float = 1.5) -> PageVisit:
        """Load ``url``, let its scripts run ``settle`` seconds, evaluate ``expression``, screenshot."""
        self._events = []
        target = self._call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self._call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Page"):
            self._call(f"{domain}.enable", session=session)
        self._call(
            "Emulation.setDeviceMetricsOverride",
            {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False},
            session=session,
        )
        self._call("Page.navigate", {"url": url}, session=session)
        deadline = time.monotonic() + self.timeout
        loaded_at: float | None = None
        while loaded_at is None or time.monotonic() < loaded_at + settle:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not finish loading")
            try:
                event = self._receive(0.1)
            except TimeoutError:
                continue
            self._events.append(event)
            if event.get("method") == "Page.javascriptDialogOpening":  # an alert() would block the page
                self._call("Page.handleJavaScriptDialog", {"accept": True}, session=session)
            if event.get("method") == "Page.loadEventFired" and loaded_at is None:
                loaded_at = time.monotonic()
        visit = PageVisit()
        evaluated = self._call(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=session
        )
        visit.value = evaluated.get("result", {}).get("value")
        shot = self._call("Page.captureScreenshot", {"format": "png"}, session=session)
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        screenshot.write_bytes(base64.b64decode(shot["data"]))
        visit.screenshot = screenshot
        for event in self._events:
            _record(event, visit)
        self._call("Target.closeTarget", {"targetId": target})
        return visit


def _record(event: dict[str, Any], visit: PageVisit) -> None:
    method, params = event.get("method"), event.get("params", {})
    if method == "Runtime.exceptionThrown":
        details = params.get("exceptionDetails", {})
        visit.errors.append(str(details.get("exception", {}).get("description") or details.get("text")))
    elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
        visit.errors.append(
            " ".join(str(a.get("value", a.get("description"))) for a in params.get("args", []))
        )
    elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
        visit.errors.append(str(params["entry"].get("text")))
    elif method == "Page.javascriptDialogOpening":
        visit.dialogs.append(str(params.get("message")))
