"""The state store's interface: what the check, the dispatcher, the lease and the daemon use.

Every method raises :class:`~monitor.errors.StoreError` when the store cannot be reached
or written (its message names the store, password masked), and nothing else on purpose.
A store keeps: runs and their metric values, alert states and their changes, the outbox
of notifications, silences, the daemon's lease, and a cache of computed artefacts (reference
profiles, fitted models) that callers serialise to bytes themselves. :func:`monitor.store.open_store` picks
the implementation for a URL (today every SQLAlchemy URL maps to ``SQLAlchemyStore``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from monitor.records.alerts import AlertState, Step
from monitor.records.events import Notification
from monitor.records.store import MetricValue, OutboxItem, Pruned, RunRecord, Silence


class Store(ABC):
    masked_url: str  # the store's URL with any password masked, for messages

    # -- lifecycle ------------------------------------------------------------------------------

    @abstractmethod
    def ping(self) -> None:
        """Return when the store answers; raise StoreError when it does not."""

    @abstractmethod
    def close(self) -> None:
        """Release connections. Never raises."""

    # -- runs -----------------------------------------------------------------------------------

    @abstractmethod
    def record_run(
        self,
        run: RunRecord,
        metrics: Sequence[MetricValue],
        steps: Sequence[Step],
        notifications: Sequence[Notification],
    ) -> None:
        """Write a run, its metric values, its alert changes and the notifications they owe in
        one transaction: all of it or none of it."""

    @abstractmethod
    def set_report(self, run_id: str, report_path: str | None) -> None:
        """Record (or clear, with ``None``) the report file of a run already written."""

    @abstractmethod
    def runs(self, monitor: str, last: int = 30) -> list[RunRecord]:
        """The ``last`` runs of a monitor with the newest windows, newest window first."""

    @abstractmethod
    def latest_window_end(self, monitor: str) -> datetime | None:
        """The end of the newest window of the monitor that a run evaluated (failed runs do not
        count); ``None`` before the first. A window ending at or before it is history."""

    @abstractmethod
    def metric_history(
        self, monitor: str, name: str, subject: str = ""
    ) -> list[tuple[datetime, float | None]]:
        """(window end, value) of one metric of one monitor, oldest window first."""

    # -- alerts and silences ----------------------------------------------------------------------

    @abstractmethod
    def alert_states(self, monitor: str | None = None) -> dict[str, AlertState]:
        """Stored alert states by alert id, of one monitor or of all."""

    @abstractmethod
    def add_silence(self, silence: Silence) -> None: ...

    @abstractmethod
    def remove_silence(self, silence_id: str) -> bool:
        """True when a silence with that id existed."""

    @abstractmethod
    def silences(self, now: datetime) -> list[Silence]:
        """Silences that have not ended at ``now`` (including ones that start later)."""

    # -- outbox ---------------------------------------------------------------------------------

    @abstractmethod
    def pending_notifications(self, channel: str, limit: int = 500) -> list[OutboxItem]:
        """A channel's undelivered notifications, oldest first."""

    @abstractmethod
    def due_channels(self, now: datetime) -> set[str]:
        """Channels with a notification due at ``now``."""

    @abstractmethod
    def next_due_at(self, exclude: Collection[str] = ()) -> datetime | None:
        """When the next notification of a channel not in ``exclude`` is due."""

    @abstractmethod
    def failed_counts(self) -> dict[str, int]:
        """Notifications given up on, per channel."""

    @abstractmethod
    def pending_count(self) -> int: ...

    @abstractmethod
    def claim(self, delivery_id: str, now: datetime, until: datetime) -> bool:
        """Take a due notification for delivery until ``until``; False when another has it."""

    @abstractmethod
    def postpone(self, channel: str, until: datetime, delivery_ids: Collection[str] | None = None) -> int:
        """Hold a channel's pending notifications (or the named ones) until ``until``."""

    @abstractmethod
    def mark_attempt(
        self,
        delivery_id: str,
        *,
        status: str,
        attempted_at: datetime,
        next_attempt_at: datetime | None = None,
        last_status: int | None = None,
        last_error: str | None = None,
    ) -> None:
        """Record one delivery attempt: ``sent``, ``failed`` (given up) or ``pending`` (retry)."""

    # -- cache ----------------------------------------------------------------------------------

    @abstractmethod
    def load_cached(self, monitor: str, kind: str, key: str) -> bytes | None:
        """The payload saved under (``monitor``, ``kind``, ``key``), or ``None`` when there is none
        (never saved, replaced by newer entries, or pruned by retention).

        Raises StoreError when the store cannot be read, and ValueError when ``kind`` or ``key``
        is longer than the store keeps (``monitor.store.cache``: 64 and 200 characters)."""

    @abstractmethod
    def save_cached(self, monitor: str, kind: str, key: str, payload: bytes) -> None:
        """Save ``payload`` under (``monitor``, ``kind``, ``key``), replacing what was there, and
        forget the older entries of that (``monitor``, ``kind``) beyond the newest few
        (``monitor.store.cache.KEEP``). The payload is bytes the caller serialised (never a
        pickle: the store may be shared); a caller that needs a longer key hashes it.

        Raises StoreError when the store cannot be written, ValueError when ``kind`` or ``key``
        is too long, and TypeError when ``payload`` is not bytes."""

    # -- retention ------------------------------------------------------------------------------

    @abstractmethod
    def prune_history(self, before: datetime) -> Pruned:
        """Delete, in one transaction, runs (with their metric values), alert changes, finished
        notifications and cache entries older than ``before``; current alert states, pending
        notifications, silences and the lease stay (docs/reference.md, "Retention")."""

    # -- the daemon's lease ---------------------------------------------------------------------

    @abstractmethod
    def acquire_lease(self, name: str, holder: str, ttl: timedelta) -> bool:
        """Take or renew lease ``name`` for ``ttl``; False when another live holder has it.
        Atomic: two holders racing for an expired lease never both win."""

    @abstractmethod
    def release_lease(self, name: str, holder: str) -> None:
        """Expire ``holder``'s lease now so another takes it at once."""

    @abstractmethod
    def lease_holder(self, name: str) -> tuple[str, datetime] | None:
        """(holder, expires_at) of lease ``name``, or None."""
