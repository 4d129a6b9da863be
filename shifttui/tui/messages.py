"""Textual messages that carry the core's bus events to the screens."""

from __future__ import annotations

from textual.message import Message

from shifttui.bus import BusEvent


class CoreEvent(Message):
    """One bus event (ShiftStarted, ShiftEventsAdded, ...), posted to the app then each screen."""

    def __init__(self, event: BusEvent) -> None:
        super().__init__()
        self.event = event


class ProjectsChanged(Message):
    """A form or an action changed projects: views reload from the store."""
