"""The daemon's HTTP endpoints: ``/healthz``, ``/metrics`` and the reports under ``/reports/``.

``/reports/`` serves ``reports.dir`` read-only (GET and HEAD): a path is
decoded once, must not hold ``..``, and must resolve (symlinks followed) inside
the directory; anything else is 404, so nothing outside is ever revealed.
"""

from __future__ import annotations

import html
import json
import logging
import mimetypes
import socket
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from prometheus_client import CONTENT_TYPE_LATEST

from monitor.errors import MonitorError

log = logging.getLogger(__name__)


class Endpoints:
    """What the handler needs from the daemon; all callables are safe from any thread."""

    def __init__(
        self,
        health: Callable[[], tuple[bool, dict[str, Any]]],
        metrics: Callable[[], bytes],
        reports_dir: Callable[[], Path],
    ) -> None:
        self.health = health
        self.metrics = metrics
        self.reports_dir = reports_dir


def resolve_report_path(root: Path, url_path: str) -> Path | None:
    """The file or directory ``url_path`` (after ``/reports/``) names inside ``root``, or None."""
    relative = unquote(url_path)
    parts = [part for part in relative.split("/") if part not in ("", ".")]
    if any(part == ".." or "\\" in part or "\x00" in part for part in parts):
        return None
    try:
        base = root.resolve(strict=True)
        target = base.joinpath(*parts).resolve(strict=True)
    except (OSError, RuntimeError):  # missing, or a symlink loop
        return None
    return target if target == base or target.is_relative_to(base) else None


class Handler(BaseHTTPRequestHandler):
    endpoints: Endpoints
    server_version = "monitor"

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def _refuse(self) -> None:
        self._send(
            HTTPStatus.METHOD_NOT_ALLOWED, b"method not allowed\n", "text/plain", extra={"Allow": "GET, HEAD"}
        )

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _refuse

    def _serve(self, head: bool) -> None:
        path = urlsplit(self.path).path
        try:
            if path == "/healthz":
                healthy, document = self.endpoints.health()
                status = HTTPStatus.OK if healthy else HTTPStatus.SERVICE_UNAVAILABLE
                body = (json.dumps(document, indent=2) + "\n").encode()
                self._send(status, body, "application/json", head=head)
            elif path == "/metrics":
                self._send(HTTPStatus.OK, self.endpoints.metrics(), CONTENT_TYPE_LATEST, head=head)
            elif path == "/reports":
                self._send(
                    HTTPStatus.MOVED_PERMANENTLY,
                    b"",
                    "text/plain",
                    head=head,
                    extra={"Location": "/reports/"},
                )
            elif path.startswith("/reports/"):
                self._report(path.removeprefix("/reports/"), path, head)
            elif path == "/":
                links = " ".join(
                    f'<a href="{link}">{link}</a>' for link in ("/healthz", "/metrics", "/reports/")
                )
                self._send(
                    HTTPStatus.OK,
                    f"<!doctype html><title>monitor</title>{links}\n".encode(),
                    "text/html",
                    head=head,
                )
            else:
                self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain", head=head)
        except (BrokenPipeError, ConnectionResetError):
            pass
        except MonitorError as exc:
            log.error("http %s: %s", path, exc)
            self._send(HTTPStatus.INTERNAL_SERVER_ERROR, b"internal error\n", "text/plain", head=head)

    def _report(self, relative: str, url_path: str, head: bool) -> None:
        target = resolve_report_path(self.endpoints.reports_dir(), relative)
        if target is None:
            self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain", head=head)
            return
        if target.is_dir():
            if not url_path.endswith("/"):
                self._send(
                    HTTPStatus.MOVED_PERMANENTLY,
                    b"",
                    "text/plain",
                    head=head,
                    extra={"Location": url_path + "/"},
                )
                return
            index = target / "index.html"
            if index.is_file():
                target = index
            else:
                self._send(HTTPStatus.OK, _listing(target, url_path), "text/html; charset=utf-8", head=head)
                return
        try:
            body = target.read_bytes()
        except OSError:
            self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain", head=head)
            return
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if kind.startswith("text/"):
            kind += "; charset=utf-8"
        self._send(HTTPStatus.OK, body, kind, head=head)

    def _send(
        self,
        status: HTTPStatus,
        body: bytes,
        kind: str,
        *,
        head: bool = False,
        extra: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's signature
        log.debug("http %s " + format, self.address_string(), *args)


def _listing(directory: Path, url_path: str) -> bytes:
    entries = sorted(directory.iterdir(), key=lambda entry: entry.name)
    items = "".join(
        f'<li><a href="{quote(name)}">{html.escape(name)}</a></li>'
        for name in (entry.name + ("/" if entry.is_dir() else "") for entry in entries)
        if not name.startswith(".")
    )
    title = html.escape(url_path)
    head = f"<!doctype html><meta charset=utf-8><title>{title}</title>"
    return f"{head}<h1>{title}</h1><ul>{items}</ul>\n".encode()


class _IPv6Server(ThreadingHTTPServer):
    address_family = socket.AF_INET6


class HTTPServer:
    """A ThreadingHTTPServer on its own thread; ``address`` is the bound one (port 0 picks a free port)."""

    def __init__(self, host: str, port: int, endpoints: Endpoints) -> None:
        handler = type("BoundHandler", (Handler,), {"endpoints": endpoints})
        server_class = _IPv6Server if ":" in host else ThreadingHTTPServer
        try:
            self._server = server_class((host, port), handler)
        except OSError as exc:
            raise MonitorError(f"server: cannot listen on {host}:{port}: {exc.strerror or exc}") from None
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="http", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        text = host.decode() if isinstance(host, bytes) else host
        shown = f"[{text}]" if ":" in text else text
        return f"http://{shown}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
