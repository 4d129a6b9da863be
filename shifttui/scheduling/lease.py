"""The scheduler lease: one row with a heartbeat, so only one process per database fires."""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass
from datetime import datetime

from shifttui.store import Store
from shifttui.store.scheduling import Lease

LEASE_NAME = "scheduler"
LEASE_TTL_S = 5.0


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

    async def renew(self, now: datetime) -> LeaseInfo:
        lease = await self.store.scheduling.acquire_lease(
            LEASE_NAME, holder=self.holder, pid=self.pid, host=self.host, now=now,
            ttl_s=self.ttl_s,
        )
        self.current = lease_info(lease, self.holder)
        return self.current

    async def release(self) -> None:
        if self.held:
            await self.store.scheduling.release_lease(LEASE_NAME, self.holder)
        self.current = None


async def current_lease(store: Store, me: str | None = None) -> LeaseInfo | None:
    lease = await store.scheduling.lease(LEASE_NAME)
    return lease_info(lease, me) if lease else None
