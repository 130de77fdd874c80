"""The daemon's HTTP server under slow clients: the stdlib server we had against waitress (ours).

    python benchmarks/http_slow_clients.py [--connections 300] [--timeout 5] [--json out.json]

Each server runs in its own process on 127.0.0.1 and answers ``/healthz``. This process opens
``--connections`` half-open connections (a request line and one header, never the blank line
that ends the headers: slowloris), then measures, while they are held:

- the server process's threads (``/proc/PID/status``);
- how long one well-behaved ``GET /healthz`` takes (10 s at most);
- how long until the server has closed every half-open connection (60 s at most).

Servers: ``stdlib`` (``ThreadingHTTPServer``, what the daemon had: one thread per connection,
no read timeout), ``stdlib+timeout`` (the same with a socket read timeout),
``stdlib+timeout+pool4`` (the same with its threads bounded to a pool of 4) and ``waitress``
(``monitor.daemon.http.HTTPServer``: one I/O thread reads requests, a fixed pool serves them).
Every loop is bounded in count and time, and only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import time
from typing import Any

SERVER = r"""
import sys, threading, time
mode, timeout = sys.argv[1], float(sys.argv[2])
if mode == "waitress":
    from pathlib import Path
    from monitor.daemon.http import Endpoints, HTTPServer
    endpoints = Endpoints(lambda: (True, {"ok": True}), lambda: b"", lambda: Path("."))
    server = HTTPServer("127.0.0.1", 0, endpoints, read_timeout=timeout)
    server.start()
    print(server.url.rsplit(":", 1)[1], flush=True)
else:
    from concurrent.futures import ThreadPoolExecutor
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    class Handler(BaseHTTPRequestHandler):
        if mode.startswith("stdlib+timeout"):
            timeout = float(sys.argv[2])
        def do_GET(self):
            body = b'{"ok": true}\n'
            self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
            self.wfile.write(body)
        def log_message(self, *args):
            pass
    class PoolServer(ThreadingHTTPServer):  # bounded threads: 4 workers, the rest queue
        request_queue_size = 1024
        pool = ThreadPoolExecutor(4)
        def process_request(self, request, client_address):
            self.pool.submit(self.process_request_thread, request, client_address)
    server_class = PoolServer if mode.endswith("pool4") else ThreadingHTTPServer
    server_class.request_queue_size = 1024
    server = server_class(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(server.server_address[1], flush=True)
sys.stdin.read()  # until the benchmark closes our stdin
"""


MODES = ("stdlib", "stdlib+timeout", "stdlib+timeout+pool4", "waitress")


def threads_of(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    return -1


def healthz_seconds(port: int, limit: float = 10.0) -> float | None:
    started = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=limit) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
            answer = b""
            while chunk := sock.recv(4096):
                answer += chunk
        return time.monotonic() - started if answer.startswith(b"HTTP/1.") else None
    except OSError:
        return None


def open_half(port: int, count: int) -> list[socket.socket]:
    opened = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: bench\r\n")  # never the blank line
        opened.append(sock)
    return opened


def seconds_until_closed(sockets: list[socket.socket], limit: float = 60.0) -> tuple[float | None, int]:
    """Seconds until the server closed every socket (None past ``limit``), and how many it closed."""
    started = time.monotonic()
    open_ones = list(sockets)
    for sock in open_ones:
        sock.setblocking(False)
    while open_ones and time.monotonic() - started < limit:
        still = []
        for sock in open_ones:
            try:
                if sock.recv(1) == b"":
                    continue  # closed by the server
            except BlockingIOError:
                pass
            except OSError:
                continue  # reset: closed too
            still.append(sock)
        open_ones = still
        time.sleep(0.1)
    closed = len(sockets) - len(open_ones)
    return (time.monotonic() - started if not open_ones else None), closed


def measure(mode: str, connections: int, timeout: float) -> dict[str, Any]:
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, mode, str(timeout)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # the stdlib server prints each timed-out connection
        text=True,
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        idle_threads = threads_of(server.pid)
        sockets = open_half(port, connections)
        time.sleep(1.0)  # let the server accept them all
        held_threads = threads_of(server.pid)
        latency = healthz_seconds(port)
        closed_after, closed = seconds_until_closed(sockets)
        for sock in sockets:
            sock.close()
        return {
            "server": mode,
            "connections": connections,
            "threads_idle": idle_threads,
            "threads_while_held": held_threads,
            "healthz_seconds_while_held": None if latency is None else round(latency, 3),
            "closed_by_server": closed,
            "seconds_until_all_closed": None if closed_after is None else round(closed_after, 1),
        }
    finally:
        server.stdin.close() if server.stdin else None
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--connections", type=int, default=300)
    parser.add_argument("--timeout", type=float, default=5.0)
    parser.add_argument("--json")
    args = parser.parse_args()
    rows = [measure(mode, args.connections, args.timeout) for mode in MODES]
    header = (
        f"{'server':21} {'threads idle':>12} {'held':>6} {'healthz s':>10} {'closed':>7} {'all closed s':>13}"
    )
    print(f"{args.connections} half-open connections on 127.0.0.1, read timeout {args.timeout:g} s")
    print(header)
    for row in rows:
        print(
            f"{row['server']:21} {row['threads_idle']:>12} {row['threads_while_held']:>6} "
            f"{row['healthz_seconds_while_held']!s:>10} {row['closed_by_server']:>7} "
            f"{row['seconds_until_all_closed']!s:>13}"
        )
    if args.json:
        with open(args.json, "w") as out:
            json.dump(rows, out, indent=2)


if __name__ == "__main__":
    main()
