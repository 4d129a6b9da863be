"""Shift lifecycle: start, stream, limits, abandon, force-complete, shutdown (no Textual).

INTERFACE DRAFT — bodies are being implemented; signatures are the contract other parts use.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from shifttui.bus import Bus, QuestionAsked, ShiftStats
from shifttui.clock import Clock, SystemClock
from shifttui.config import Home, Settings
from shifttui.errors import StateError
from shifttui.models import HandoffInput, Shift, Trigger
from shifttui.store import Store

# Called when force-complete found no handoff from the agent: gets the auto-draft, returns the
# operator's edited handoff, or None to store the auto-draft as it is.
DraftEditor = Callable[[HandoffInput], Awaitable[HandoffInput | None]]


class LimitReached(StateError):
    """The global max_concurrent_shifts is reached."""


class Supervisor:
    """Owns every running shift of this process; the TUI, CLI and scheduler share it."""

    def __init__(
        self,
        store: Store,
        home: Home,
        settings: Settings,
        *,
        clock: Clock | None = None,
        bus: Bus | None = None,
        cli_path: str | None = None,
    ) -> None:
        self.store = store
        self.home = home
        self.settings = settings
        self.clock = clock or SystemClock()
        self.bus = bus or Bus()
        self.cli_path = cli_path
        # True while a human can answer ask_operator (the TUI sets it).
        self.operator_present = False

    async def start_shift(
        self,
        project: str,
        *,
        trigger: Trigger = Trigger.MANUAL,
        reason: str | None = None,
        resume_of: str | None = None,
    ) -> Shift:
        """Claim and start a shift; returns the `running` row. Raises AlreadyRunning,
        LimitReached, NotFound, StateError (e.g. resume of a shift that is not interrupted)."""
        raise NotImplementedError

    def running_ids(self) -> list[str]:
        raise NotImplementedError

    def stats(self, shift_id: str) -> ShiftStats | None:
        raise NotImplementedError

    async def wait(self, shift_id: str) -> Shift:
        """Until the shift has ended; returns its final row."""
        raise NotImplementedError

    async def abandon(self, shift_id: str, reason: str) -> Shift:
        raise NotImplementedError

    async def force_complete(
        self,
        shift_id: str,
        handoff: HandoffInput | None = None,
        *,
        editor: DraftEditor | None = None,
    ) -> Shift:
        """Interrupt, ask the agent for complete_shift, wait wrap_up_seconds; failing that use
        `handoff`, else the operator's edit of the auto-draft via `editor`, else the auto-draft."""
        raise NotImplementedError

    def pending_questions(self) -> list[QuestionAsked]:
        raise NotImplementedError

    async def answer_question(self, shift_id: str, question_id: str, answer: str) -> None:
        raise NotImplementedError

    async def shutdown(self, reason: str = "shifttui quit") -> None:
        """Stop every running shift cleanly as `interrupted` (resumable); no orphan process."""
        raise NotImplementedError
