"""``monitor run``: the daemon's main loop, in the manner of rq's worker.

    startup -> loop (lease heartbeat, reloads) until a stop is asked -> teardown

Signal handlers only set flags; the main thread acts on them within a tick.
SIGTERM/SIGINT: warm stop (in-flight runs get ``STOP_GRACE`` seconds, then are
abandoned: a run's store write is one transaction). A second one: cold stop.
SIGHUP: reload the config; an invalid one is logged and the running one kept.

Only the daemon holding the store's lease runs monitors and delivers the
outbox; another one on the same store stands by and takes over when the
lease expires (``daemon.lease_ttl`` after the active one died).
"""

from __future__ import annotations

import logging
import signal
import time
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import Any

from monitor import __version__
from monitor.config import load_config
from monitor.config.models import Config
from monitor.daemon.http import Endpoints, HTTPServer
from monitor.daemon.metrics import make_registry, render
from monitor.daemon.outbox import OutboxLoop
from monitor.daemon.runs import Runs
from monitor.daemon.scheduler import Scheduler, describe
from monitor.daemon.state import DaemonState
from monitor.errors import ConfigError, MonitorError, StoreError
from monitor.secrets import scrub
from monitor.store import open_store
from monitor.store.lease import Lease

log = logging.getLogger(__name__)

TICK = 0.2  # seconds between looks at the signal flags
STOP_GRACE = 5.0  # seconds in-flight runs get on a warm stop (the whole stop stays under 10 s)
OUTBOX_STOP = 1.5


def one_line(text: str) -> str:
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


class Daemon:
    def __init__(self, config: Config, config_path: str) -> None:
        self.config = config
        self.config_path = config_path
        self.state = DaemonState()
        self.state.set_monitors({name: describe(m.schedule) for name, m in config.monitors.items()})
        self.state.next_run = self._next_run
        self.store = open_store(config.store)
        self.lease = Lease(self.store, config.daemon.lease_ttl)
        self.runs = Runs(
            lambda: self.config,
            self.store,
            self.state,
            config.daemon.run_timeout.total_seconds(),
            after_record=self._wake_outbox,
        )
        self.registry = make_registry(self.state)
        self.scheduler: Scheduler | None = None
        self.outbox: OutboxLoop | None = None
        self.http: HTTPServer | None = None
        self._stop_signals = 0
        self._reload_signals = 0
        self._signals_seen: list[str] = []
        self._store_problem: str | None = None
        self._lease_note: str | None = None

    # -- the loop --------------------------------------------------------------------------------

    def run(self) -> int:
        previous = self._install_signal_handlers()
        try:
            self._startup()
            self._loop()
        finally:
            self.teardown()
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        return 0

    def _startup(self) -> None:
        # APScheduler's own lines would repeat ours (skipped and missed runs are logged here)
        for name in ("apscheduler.scheduler", "apscheduler.executors"):
            logging.getLogger(name).setLevel(logging.ERROR)
        server = self.config.server
        self.http = HTTPServer(
            server.host, server.port, Endpoints(self._health, self._metrics, self._reports)
        )
        self.http.start()
        log.info(
            "monitor %s: daemon started (%d monitor(s), store %s, lease holder %s)",
            __version__,
            len(self.config.monitors),
            self.store.masked_url,
            self.lease.holder,
        )
        log.info("listening on %s", self.http.url)

    def _loop(self) -> None:
        heartbeat = max(0.5, self.config.daemon.lease_ttl.total_seconds() / 3)
        next_heartbeat = 0.0
        while not self._stop_signals:
            if self._signals_seen:
                self._log_signals()
            if self._reload_signals:
                self._reload_signals = 0
                self.reload()
            if time.monotonic() >= next_heartbeat:
                self._heartbeat()
                next_heartbeat = time.monotonic() + heartbeat
            time.sleep(TICK)
        self._log_signals()

    # -- signals ---------------------------------------------------------------------------------

    def _install_signal_handlers(self) -> dict[int, Any]:
        wanted = {signal.SIGTERM: self._on_stop, signal.SIGINT: self._on_stop, signal.SIGHUP: self._on_reload}
        return {signum: signal.signal(signum, handler) for signum, handler in wanted.items()}

    def _on_stop(self, signum: int, frame: FrameType | None) -> None:
        self._stop_signals += 1
        self._signals_seen.append(signal.Signals(signum).name)

    def _on_reload(self, signum: int, frame: FrameType | None) -> None:
        self._reload_signals += 1
        self._signals_seen.append(signal.Signals(signum).name)

    def _log_signals(self) -> None:
        while self._signals_seen:
            name = self._signals_seen.pop(0)
            if name == "SIGHUP":
                log.info("received SIGHUP: reloading %s", self.config_path)
            elif self._stop_signals > 1:
                log.warning("received %s again: cold stop, in-flight runs are abandoned", name)
            else:
                log.info("received %s: stopping (in-flight runs get %.0fs)", name, STOP_GRACE)

    # -- the lease -------------------------------------------------------------------------------

    def _heartbeat(self) -> None:
        """Renew (active) or try to take (standby) the lease. While the store is unreachable the
        role is kept: runs fail and are counted, and no other daemon can take the lease either."""
        try:
            held = self.lease.acquire()
            holder = None if held else self.lease.current_holder()
        except StoreError as exc:
            problem = scrub(str(exc))
            # a store that answers reads but refuses writes (a full disk) is no healthy standby
            self.state.lease_error = f"the lease cannot be written: {problem}"
            self._store_unreachable(problem)
            return
        self.state.lease_error = None
        self._store_reachable()
        if held and self.state.role != "active":
            self._promote()
        elif not held:
            if self.state.role == "active":
                log.warning("lease lost to %s: standing by", holder[0] if holder else "another daemon")
                self._demote()
            self.state.role = "standby"
            note = f"standby: daemon {holder[0]} holds the lease" if holder else "standby"
            if note != self._lease_note:
                log.info("%s; taking over if it stops renewing it", note)
                self._lease_note = note

    def _promote(self) -> None:
        self._lease_note = None
        last_runs: dict[str, datetime | None] = {}
        for name in self.config.monitors:
            try:
                history = self.store.runs(name, last=20)
            except StoreError as exc:
                log.warning("monitor %s: history not read: %s", name, exc)
                history = []
            self.state.seed(name, history)
            last_runs[name] = history[0].started_at if history else None
        self.runs.stopping.clear()
        self.scheduler = Scheduler(self.runs, self.state, self.config.daemon.workers)
        self.scheduler.start({name: m.schedule for name, m in self.config.monitors.items()}, last_runs)
        self.outbox = OutboxLoop(self.config, self.store, self.state)
        self.outbox.start()
        self.state.role = "active"
        log.info("active: this daemon holds the lease and runs %d monitor(s)", len(self.config.monitors))

    def _demote(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown()
            self.scheduler = None
        if self.outbox is not None:
            self.outbox.stop(OUTBOX_STOP)
            self.outbox = None

    def _store_unreachable(self, problem: str) -> None:
        self.state.store_error = problem
        if self.state.role == "starting":
            self.state.role = "standby"
        if problem != self._store_problem:
            log.error("%s; retrying", problem)
            self._store_problem = problem

    def _store_reachable(self) -> None:
        self.state.store_error = None
        if self._store_problem is not None:
            log.info("store %s reachable again", self.store.masked_url)
            self._store_problem = None

    # -- reload ----------------------------------------------------------------------------------

    def reload(self) -> None:
        try:
            new = load_config(self.config_path)
        except ConfigError as exc:
            log.error("config not reloaded, the running one is kept: %s", one_line(scrub(str(exc))))
            return
        new = self._keep_fixed_settings(new)
        old_names, new_names = set(self.config.monitors), set(new.monitors)
        self.config = new
        self.state.set_monitors({name: describe(m.schedule) for name, m in new.monitors.items()})
        if self.scheduler is not None:
            self.scheduler.apply({name: m.schedule for name, m in new.monitors.items()})
        if self.outbox is not None:
            self.outbox.reconfigure(new)
        log.info(
            "config reloaded: %d monitor(s); added: %s; removed: %s",
            len(new.monitors),
            ", ".join(sorted(new_names - old_names)) or "none",
            ", ".join(sorted(old_names - new_names)) or "none",
        )

    def _keep_fixed_settings(self, new: Config) -> Config:
        """The store, the listening address and the worker pool are fixed for the process's life."""
        fixed = ("store", "server", "daemon")
        changed = [key for key in fixed if getattr(new, key) != getattr(self.config, key)]
        if changed:
            log.warning("config reload: %s changes take effect at the next restart", ", ".join(changed))
        return new.model_copy(update={key: getattr(self.config, key) for key in fixed})

    # -- HTTP ------------------------------------------------------------------------------------

    def _health(self) -> tuple[bool, dict[str, Any]]:
        try:
            self.store.ping()
            self.state.store_error = None
        except StoreError as exc:
            self.state.store_error = scrub(str(exc))
        store_problem = self.state.store_error or self.state.lease_error
        store_ok = store_problem is None
        document = self.state.health()
        role = document["role"]
        status = "unavailable" if not store_ok else ("ok" if role == "active" else role)
        if status == "ok" and not all(m["healthy"] for m in document["monitors"].values()):
            status = "degraded"  # a monitor failed or saw no data at its last run
        return store_ok, {
            "status": status,
            "role": role,
            "store": "ok" if store_ok else store_problem,
            "holder": self.lease.holder,
            "version": __version__,
            "monitors": document["monitors"],
        }

    def _metrics(self) -> bytes:
        return render(self.registry)

    def _reports(self) -> Path:
        return self.config.reports.dir

    def _wake_outbox(self) -> None:
        outbox = self.outbox
        if outbox is not None:
            outbox.wake()

    def _next_run(self, name: str) -> datetime | None:
        scheduler = self.scheduler
        return scheduler.next_run(name) if scheduler is not None else None

    # -- teardown --------------------------------------------------------------------------------

    def teardown(self) -> None:
        """Stop scheduling, give in-flight runs their grace, release the lease, close everything."""
        was_active = self.state.role == "active"
        self.state.role = "stopping"
        if self.scheduler is not None:
            self.scheduler.shutdown()
        deadline = time.monotonic() + STOP_GRACE
        while self.runs.in_flight() and time.monotonic() < deadline and self._stop_signals < 2:
            time.sleep(TICK)
        self.runs.stopping.set()
        self._demote()
        if was_active:
            try:
                self.lease.release()
            except MonitorError as exc:
                log.warning("lease not released (a standby takes over when it expires): %s", exc)
        if self.http is not None:
            self.http.stop()
        self.store.close()
        from monitor.sources import dispose_engines

        dispose_engines()
        log.info("stopped")
