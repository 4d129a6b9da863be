"""Textual messages that carry the core's bus events to the screens."""

from __future__ import annotations

from textual.message import Message

from shifttui.base.bus import BusEvent


class CoreEvent(Message, bubble=False):
    """One bus event (ShiftStarted, ShiftEventsAdded, ...), posted to the app then each screen.

    Not bubbling: the app forwards each event to every screen, and a bubbling copy would come
    back to the app and be forwarded again, forever.
    """

    def __init__(self, event: BusEvent) -> None:
        super().__init__()
        self.event = event


class ProjectsChanged(Message, bubble=False):
    """A form or an action changed projects: views reload from the store."""


class SchedulerChanged(Message, bubble=False):
    """This app's scheduler took or lost the lease: headers refresh now, not at their next tick."""
