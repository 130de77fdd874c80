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
import threading
from collections.abc import Callable
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import waitress.server
from prometheus_client import CONTENT_TYPE_LATEST
from waitress import wasyncore

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


Response = tuple[HTTPStatus, bytes, str, dict[str, str]]


class ReportsApp:
    """The WSGI application: GET and HEAD of ``/``, ``/healthz``, ``/metrics`` and ``/reports/``."""

    def __init__(self, endpoints: Endpoints) -> None:
        self.endpoints = endpoints

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        # the raw target, decoded once by resolve_report_path (PATH_INFO is decoded already)
        path = urlsplit(environ.get("REQUEST_URI") or environ.get("PATH_INFO", "/")).path
        if method not in ("GET", "HEAD"):
            status, body, kind, extra = (
                HTTPStatus.METHOD_NOT_ALLOWED,
                b"method not allowed\n",
                "text/plain",
                {"Allow": "GET, HEAD"},
            )
        else:
            try:
                status, body, kind, extra = self._route(path)
            except MonitorError as exc:
                log.error("http %s: %s", path, exc)
                status, body, kind, extra = (
                    HTTPStatus.INTERNAL_SERVER_ERROR,
                    b"internal error\n",
                    "text/plain",
                    {},
                )
        headers = [
            ("Content-Type", kind),
            ("Content-Length", str(len(body))),
            ("X-Content-Type-Options", "nosniff"),
            *extra.items(),
        ]
        start_response(f"{status.value} {status.phrase}", headers)
        return [b""] if method == "HEAD" else [body]

    def _route(self, path: str) -> Response:
        if path == "/healthz":
            healthy, document = self.endpoints.health()
            status = HTTPStatus.OK if healthy else HTTPStatus.SERVICE_UNAVAILABLE
            return status, (json.dumps(document, indent=2) + "\n").encode(), "application/json", {}
        if path == "/metrics":
            return HTTPStatus.OK, self.endpoints.metrics(), CONTENT_TYPE_LATEST, {}
        if path == "/reports":
            return HTTPStatus.MOVED_PERMANENTLY, b"", "text/plain", {"Location": "/reports/"}
        if path.startswith("/reports/"):
            return self._report(path.removeprefix("/reports/"), path)
        if path == "/":
            links = " ".join(f'<a href="{link}">{link}</a>' for link in ("/healthz", "/metrics", "/reports/"))
            return HTTPStatus.OK, f"<!doctype html><title>monitor</title>{links}\n".encode(), "text/html", {}
        return _NOT_FOUND

    def _report(self, relative: str, url_path: str) -> Response:
        target = resolve_report_path(self.endpoints.reports_dir(), relative)
        if target is None:
            return _NOT_FOUND
        if target.is_dir():
            if not url_path.endswith("/"):
                return HTTPStatus.MOVED_PERMANENTLY, b"", "text/plain", {"Location": url_path + "/"}
            index = target / "index.html"
            if not index.is_file():
                return HTTPStatus.OK, _listing(target, url_path), "text/html; charset=utf-8", {}
            target = index
        try:
            body = target.read_bytes()
        except OSError:
            return _NOT_FOUND
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if kind.startswith("text/"):
            kind += "; charset=utf-8"
        return HTTPStatus.OK, body, kind, {}


_NOT_FOUND: Response = (HTTPStatus.NOT_FOUND, b"not found\n", "text/plain", {})


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


class HTTPServer:
    """waitress on its own thread; ``url`` has the bound address (port 0 picks a free port).

    waitress reads requests on one I/O thread and hands only complete ones to ``threads``
    workers, so slow or idle clients hold a socket, never a thread; a connection silent
    for ``read_timeout`` is closed (docs/reference.md, "HTTP server"). At most
    ``connection_limit`` connections are open at once; more wait in the listen backlog.
    """

    def __init__(
        self,
        host: str,
        port: int,
        endpoints: Endpoints,
        *,
        read_timeout: float = 5.0,
        threads: int = 4,
        connection_limit: int = 500,
    ) -> None:
        self._map: dict[int, Any] = {}
        try:
            server = waitress.server.create_server(
                ReportsApp(endpoints),
                map=self._map,
                host=host,
                port=port,
                threads=threads,
                connection_limit=connection_limit,
                asyncore_use_poll=True,  # select() stops at 1024 descriptors
                ident="monitor",
                expose_tracebacks=False,
            )
        except OSError as exc:
            raise MonitorError(f"server: cannot listen on {host}:{port}: {exc.strerror or exc}") from None
        if not isinstance(server, waitress.server.BaseWSGIServer):  # one host: one socket
            raise MonitorError(f"server: cannot listen on {host}:{port}: more than one address")
        self._server = server
        assert server.socket is not None  # bound by create_server
        self._address: tuple[str, int] = server.socket.getsockname()[:2]
        # waitress reads these two as whole seconds; set here, fractions work too
        adjustments: Any = server.adj
        adjustments.channel_timeout = read_timeout
        adjustments.cleanup_interval = max(0.05, min(1.0, read_timeout / 4))
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="http", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._address
        shown = f"[{host}]" if ":" in str(host) else host
        return f"http://{shown}:{port}"

    def _serve(self) -> None:
        # waitress' own run() loops until every socket is closed: ours stops when asked
        while not self._stopping.is_set():
            wasyncore.loop(timeout=0.2, map=self._map, use_poll=True, count=1)
        self._server.task_dispatcher.shutdown()
        wasyncore.close_all(self._map)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._server.pull_trigger()  # wake the poll at once
            self._thread.join(timeout=5)
        else:
            self._server.task_dispatcher.shutdown()
            wasyncore.close_all(self._map)
