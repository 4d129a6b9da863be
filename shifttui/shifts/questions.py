"""Agent questions waiting for the operator (ask_operator): stored rows, answerable anywhere.

A question is a row in the database (waiting → answered | timed_out | closed), so the app, the
CLI (`shifttui answer`) or a chat bridge in any process can answer it; the process that runs the
shift notices the answer within a poll interval, or at once when it was answered here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from datetime import timedelta

from shifttui.base.bus import Bus, Notice, QuestionAsked, QuestionClosed
from shifttui.base.clock import Clock
from shifttui.base.control import Question, QuestionStatus
from shifttui.base.errors import InvalidInput, ShiftTuiError, StateError
from shifttui.store import Store

log = logging.getLogger(__name__)

# How often a waiting question looks for an answer given by another process.
POLL_S = 0.25


class OperatorQuestions:
    """The questions of the shifts this process runs, and answers to anyone's."""

    def __init__(self, store: Store, bus: Bus, clock: Clock, *, poll_s: float = POLL_S) -> None:
        self._store = store
        self._bus = bus
        self._clock = clock
        self._poll_s = poll_s
        self._waiting: dict[str, tuple[QuestionAsked, asyncio.Event]] = {}
        self._closed: set[str] = set()

    async def ask(self, shift_id: str, project_id: str, project_name: str, question: str,
                  timeout_s: float) -> str | None:
        """The operator's answer, or None when nobody answered in time or the shift ended."""
        now = self._clock.now()
        qid = uuid.uuid4().hex[:8]
        try:
            await self._store.control.ask(qid, shift_id, project_id, question, now=now,
                                          timeout_at=now + timedelta(seconds=timeout_s))
        except ShiftTuiError as exc:
            log.error("cannot store the question of %s: %s", shift_id, exc)
            return None
        asked = QuestionAsked(shift_id, project_id, qid, question, timeout_s)
        answered = asyncio.Event()
        self._waiting[qid] = (asked, answered)
        self._bus.publish(asked)
        self._bus.publish(Notice(
            "question", f"{project_name} asks", question, project_id, shift_id, "warning",
            data={"question_id": qid, "question": question, "project": project_name,
                  "timeout_s": timeout_s},
        ))
        answer: str | None = None
        status = QuestionStatus.TIMED_OUT
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        try:
            while True:
                if qid in self._closed:
                    status = QuestionStatus.CLOSED
                    break
                row = await self._store.control.question(qid)
                if row.status is QuestionStatus.ANSWERED:
                    answer, status = row.answer, QuestionStatus.ANSWERED
                    break
                if row.status is not QuestionStatus.WAITING:
                    status = row.status
                    break
                left = deadline - loop.time()
                if left <= 0:
                    break
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(answered.wait(), min(self._poll_s, left))
        except asyncio.CancelledError:
            status = QuestionStatus.CLOSED  # the shift ended while the question waited
            raise
        except ShiftTuiError as exc:
            log.error("cannot read the question %s: %s", qid, exc)
        finally:
            self._waiting.pop(qid, None)
            self._closed.discard(qid)
            # Published first: the store write below may itself be cancelled with the shift.
            self._bus.publish(QuestionClosed(shift_id, qid, answer))
            if status is not QuestionStatus.ANSWERED:
                with contextlib.suppress(Exception):
                    await asyncio.shield(
                        self._store.control.close_question(qid, status, self._clock.now()))
        return answer

    async def waiting(self) -> list[Question]:
        """Every waiting question, whichever process runs its shift."""
        return await self._store.control.waiting()

    async def answer(self, question_id: str, answer: str, *, by: str) -> Question:
        answer = answer.strip()
        if not answer:
            raise InvalidInput("the answer is empty")
        question = await self._store.control.answer(question_id, answer,
                                                    now=self._clock.now(), by=by)
        if question is None:
            current = await self._store.control.question(question_id)
            raise StateError(f"question {question_id} is no longer waiting "
                             f"({current.status.value.replace('_', ' ')})")
        local = self._waiting.get(question_id)
        if local is not None:
            local[1].set()
        return question

    def close_for(self, shift_id: str) -> None:
        """The shift ended: its open questions close without an answer."""
        for qid, (asked, event) in list(self._waiting.items()):
            if asked.shift_id == shift_id:
                self._closed.add(qid)
                event.set()
