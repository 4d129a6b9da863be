"""The scheduler lease: one row with a heartbeat, so only one process per database fires."""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from shifttui.store import Store
from shifttui.store.scheduling import Lease

LEASE_NAME = "scheduler"
# A crashed holder's schedules wait at most this long for another process to take over (a
# holder that quits releases the lease at once).
LEASE_TTL_S = 15.0
# The holder renews this often: three chances before the lease expires, and one write every
# few seconds instead of every tick.
RENEW_FRACTION = 1 / 3


@dataclass(frozen=True)
class LeaseInfo:
    """Who holds the scheduler lease, for the UI ("held by the daemon, pid 4242 on box")."""

    holder: str
    kind: str  # "app" or "daemon"
    pid: int
    host: str
    heartbeat_at: datetime
    expires_at: datetime
    mine: bool

    def alive(self, now: datetime) -> bool:
        return self.expires_at > now

    def describe(self) -> str:
        where = "this process" if self.mine else f"pid {self.pid} on {self.host}"
        return f"shifttui {self.kind} ({where})"


def lease_info(lease: Lease, me: str | None) -> LeaseInfo:
    kind = lease.holder.split(":", 1)[0] if ":" in lease.holder else "app"
    return LeaseInfo(lease.holder, kind, lease.pid, lease.host, lease.heartbeat_at,
                     lease.expires_at, lease.holder == me)


class LeaseKeeper:
    """Takes, renews and releases the lease for one scheduler instance."""

    def __init__(self, store: Store, kind: str = "app", ttl_s: float = LEASE_TTL_S) -> None:
        self.store = store
        self.ttl_s = ttl_s
        self.pid = os.getpid()
        self.host = socket.gethostname()
        self.holder = f"{kind}:{self.host}:{self.pid}:{secrets.token_hex(4)}"
        self.current: LeaseInfo | None = None

    @property
    def held(self) -> bool:
        return self.current is not None and self.current.mine

    def due(self, now: datetime, *, others_wrote: bool) -> bool:
        """Is a renewal (or, on standby, a try for the lease) needed at `now`? A holder renews
        a third of the way into its lease; a standby tries once the holder's lease expired, or
        when another process wrote (it may have released the lease)."""
        current = self.current
        if current is None:
            return True
        if current.mine:
            return now >= current.heartbeat_at + timedelta(seconds=self.ttl_s * RENEW_FRACTION)
        return others_wrote or not current.alive(now)

    def next_due(self) -> datetime | None:
        """When `due` turns true without anyone writing (None: now)."""
        current = self.current
        if current is None:
            return None
        if current.mine:
            return current.heartbeat_at + timedelta(seconds=self.ttl_s * RENEW_FRACTION)
        return current.expires_at

    async def renew(self, now: datetime) -> LeaseInfo:
        changes = self.store.changes
        renewing = self.held
        before = changes.rows_written()
        lease = await self.store.scheduling.acquire_lease(
            LEASE_NAME, holder=self.holder, pid=self.pid, host=self.host, now=now,
            ttl_s=self.ttl_s,
        )
        self.current = lease_info(lease, self.holder)
        # A renewal of our own lease updates exactly one row; when that is all this connection
        # wrote meanwhile, this process's readers need not look again.
        if renewing and self.current.mine and changes.rows_written() - before == 1:
            changes.forget(1)
        return self.current

    async def release(self) -> None:
        if self.held:
            await self.store.scheduling.release_lease(LEASE_NAME, self.holder)
        self.current = None


async def current_lease(store: Store, me: str | None = None) -> LeaseInfo | None:
    lease = await store.scheduling.lease(LEASE_NAME)
    return lease_info(lease, me) if lease else None
