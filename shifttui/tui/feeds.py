"""Live events of each shift, handed from the bus straight to the panes that show that shift.

A flood publishes a batch of thousands of events every ~100 ms. As Textual messages, each batch
(and every event's payload) would wait in the app's queue and then each screen's queue; a direct
call lets the pane keep only the few lines it can show and drop the rest at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from textual.dom import DOMNode

from shifttui.base.models import ShiftEvent

EventsCallback = Callable[[Sequence[ShiftEvent]], None]


class EventFeeds:
    """Subscriptions by shift id; callbacks run on the app's loop and must be quick."""

    def __init__(self) -> None:
        self._feeds: dict[str, list[EventsCallback]] = {}

    def watch(self, shift_id: str, callback: EventsCallback) -> Callable[[], None]:
        self._feeds.setdefault(shift_id, []).append(callback)

        def unwatch() -> None:
            callbacks = self._feeds.get(shift_id, [])
            if callback in callbacks:
                callbacks.remove(callback)
            if not callbacks:
                self._feeds.pop(shift_id, None)

        return unwatch

    def publish(self, shift_id: str, events: Sequence[ShiftEvent]) -> None:
        for callback in list(self._feeds.get(shift_id, ())):
            callback(events)


def event_feeds(node: DOMNode) -> EventFeeds | None:
    """The app's feeds; None in an app that has none (a widget test harness)."""
    feeds = getattr(node.app, "event_feeds", None)
    return feeds if isinstance(feeds, EventFeeds) else None
