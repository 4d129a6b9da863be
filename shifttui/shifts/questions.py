"""Agent questions waiting for the operator (ask_operator): asked, answered, timed out, closed."""

from __future__ import annotations

import asyncio
import uuid

from shifttui.base.bus import Bus, Notice, QuestionAsked, QuestionClosed
from shifttui.base.errors import InvalidInput, StateError


class _Waiting:
    def __init__(self, asked: QuestionAsked) -> None:
        self.asked = asked
        self.future: asyncio.Future[str] = asyncio.get_running_loop().create_future()


class OperatorQuestions:
    """The questions of every shift of one supervisor, published on its bus."""

    def __init__(self, bus: Bus) -> None:
        self._bus = bus
        self._waiting: dict[str, _Waiting] = {}

    async def ask(self, shift_id: str, project_id: str, project_name: str, question: str,
                  timeout_s: float) -> str | None:
        """The operator's answer, or None when nobody answered in time or the shift ended."""
        asked = QuestionAsked(shift_id, project_id, uuid.uuid4().hex[:8], question, timeout_s)
        waiting = _Waiting(asked)
        self._waiting[asked.question_id] = waiting
        self._bus.publish(asked)
        self._bus.publish(Notice("question", f"{project_name} asks", question, project_id,
                                 shift_id, "warning"))
        answer: str | None = None
        try:
            answer = await asyncio.wait_for(asyncio.shield(waiting.future), timeout_s)
        except TimeoutError:
            answer = None
        except asyncio.CancelledError:
            if not waiting.future.cancelled():
                raise  # our own task is being cancelled
            answer = None  # the shift ended while the question waited
        finally:
            self._waiting.pop(asked.question_id, None)
            self._bus.publish(QuestionClosed(shift_id, asked.question_id, answer))
        return answer

    def pending(self) -> list[QuestionAsked]:
        return [w.asked for w in self._waiting.values()]

    def answer(self, shift_id: str, question_id: str, answer: str) -> None:
        waiting = self._waiting.get(question_id)
        if waiting is None or waiting.asked.shift_id != shift_id:
            raise StateError("that question is no longer waiting for an answer")
        if not answer.strip():
            raise InvalidInput("the answer is empty")
        if not waiting.future.done():
            waiting.future.set_result(answer.strip())

    def close_for(self, shift_id: str) -> None:
        """The shift ended: its open questions close without an answer."""
        for waiting in list(self._waiting.values()):
            if waiting.asked.shift_id == shift_id and not waiting.future.done():
                waiting.future.cancel()
