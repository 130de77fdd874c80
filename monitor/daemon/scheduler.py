"""One APScheduler job per monitor, on ``schedule.every`` or ``schedule.cron``.

Jobs run on a pool of ``daemon.workers`` threads; ``max_instances=1`` skips (and
logs) a run whose previous run is still going; ``coalesce`` turns runs missed
while the process was stalled into one. At start, a monitor whose last recorded
run is older than its schedule runs at once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED, JobEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from monitor.config.durations import format_duration
from monitor.config.models import ScheduleConfig
from monitor.daemon.runs import Runs
from monitor.daemon.state import DaemonState

log = logging.getLogger(__name__)

MISFIRE_GRACE = 300  # seconds late a run may still start (e.g. after the host was suspended)


def describe(schedule: ScheduleConfig) -> str:
    if schedule.every is not None:
        return f"every {format_duration(schedule.every)}"
    return f"cron {schedule.cron} ({schedule.timezone})"


def make_trigger(schedule: ScheduleConfig) -> IntervalTrigger | CronTrigger:
    if schedule.every is not None:
        return IntervalTrigger(seconds=schedule.every.total_seconds(), timezone=schedule.timezone)
    return CronTrigger.from_crontab(str(schedule.cron), timezone=schedule.timezone)


def first_run_time(schedule: ScheduleConfig, last_run_at: datetime | None, now: datetime) -> datetime | None:
    """Now when a run is owed (never ran, or missed while the daemon was down); else when the next is
    due (``every``: counted from the last run, so restarts keep the cadence); None: the trigger decides."""
    if last_run_at is None:
        return now
    if schedule.every is not None:
        due = last_run_at + schedule.every
        return now if due <= now else due
    missed = make_trigger(schedule).get_next_fire_time(None, last_run_at)
    return now if missed is not None and missed <= now else None


class Scheduler:
    def __init__(self, runs: Runs, state: DaemonState, workers: int) -> None:
        self.runs = runs
        self.state = state
        self.schedules: dict[str, ScheduleConfig] = {}
        self._scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=workers)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE},
            timezone=timezone.utc,
        )
        self._scheduler.add_listener(self._on_event, EVENT_JOB_MAX_INSTANCES | EVENT_JOB_MISSED)

    def start(self, schedules: dict[str, ScheduleConfig], last_runs: dict[str, datetime | None]) -> None:
        now = datetime.now(timezone.utc)
        for name, schedule in schedules.items():
            self._add(name, schedule, first_run_time(schedule, last_runs.get(name), now))
        self._scheduler.start()

    def apply(self, schedules: dict[str, ScheduleConfig]) -> None:
        """After a reload: start added monitors (at once), stop removed ones, reschedule changed ones."""
        now = datetime.now(timezone.utc)
        for name in [n for n in self.schedules if n not in schedules]:
            self._scheduler.remove_job(name)
            del self.schedules[name]
            log.info("monitor %s: removed from the schedule", name)
        for name, schedule in schedules.items():
            if name not in self.schedules:
                self._add(name, schedule, now)
            elif schedule != self.schedules[name]:
                self._scheduler.reschedule_job(name, trigger=make_trigger(schedule))
                self.schedules[name] = schedule
                log.info("monitor %s: rescheduled, %s", name, describe(schedule))

    def next_run(self, name: str) -> datetime | None:
        job = self._scheduler.get_job(name)
        when: datetime | None = getattr(job, "next_run_time", None) if job is not None else None
        return when

    def shutdown(self) -> None:
        """Stop firing jobs; runs in flight are the caller's to wait for (``Runs.stopping``)."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    def _add(self, name: str, schedule: ScheduleConfig, first: datetime | None) -> None:
        options: dict[str, Any] = {} if first is None else {"next_run_time": first}
        self._scheduler.add_job(
            self.runs.run, make_trigger(schedule), args=[name], id=name, name=name, **options
        )
        self.schedules[name] = schedule
        when = "now" if first is not None and first <= datetime.now(timezone.utc) else "on schedule"
        log.info("monitor %s: scheduled %s (first run %s)", name, describe(schedule), when)

    def _on_event(self, event: JobEvent) -> None:
        if event.code == EVENT_JOB_MAX_INSTANCES:
            log.warning("monitor %s: its previous run is still going; this run is skipped", event.job_id)
            self.state.run_skipped(event.job_id)
        else:
            log.warning("monitor %s: a run was missed by more than %ss; skipped", event.job_id, MISFIRE_GRACE)
