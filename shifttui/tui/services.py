"""What screens and widgets need from the app: the store, the supervisor, the clock, settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, cast

from textual.dom import DOMNode

from shifttui.clock import Clock
from shifttui.config import Home, Settings
from shifttui.store import Store
from shifttui.supervisor import Supervisor


@dataclass
class Services:
    home: Home
    settings: Settings
    store: Store
    supervisor: Supervisor
    clock: Clock


class _HasServices(Protocol):
    services: Services


def services(node: DOMNode) -> Services:
    return cast(_HasServices, node.app).services
