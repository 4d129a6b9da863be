"""The Telegram bridge: notices and questions to the operator's chat, answers and commands back.

It runs in the process that holds the scheduler lease (so two shifttui processes never both
poll the bot), started and stopped with the lease by the runtime. Questions go out with their
id; a reply to one (or `/answer ID text`) answers it through the control plane, wherever its
shift runs. `/status`, `/abandon SHIFT`, `/pause NAME` and `/resume NAME` act the same way.
Only `chat_id` is obeyed. A network failure or a bad token never touches a shift: it is
logged, retried with backoff, and stored for `shifttui status`; nothing waiting to be sent is
dropped meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from shifttui.base.bus import Bus, BusEvent, Notice
from shifttui.base.clock import Clock
from shifttui.base.config import TelegramSettings
from shifttui.base.errors import ShiftTuiError
from shifttui.base.models import Shift
from shifttui.base.text import ago, first_line, money
from shifttui.review.refs import resolve_shift
from shifttui.review.status import upcoming
from shifttui.runtime.bot_api import BotApi, BotApiError
from shifttui.shifts.questions import OperatorQuestions
from shifttui.store import Store

log = logging.getLogger(__name__)

CHANNEL = "telegram"
# How a question's message names it; a reply to that message is parsed for it, so an answer
# works after a restart or a lease hand-over, when no process remembers what it sent.
QUESTION_TAG = "question id: "
_QUESTION_RE = re.compile(re.escape(QUESTION_TAG) + r"([0-9a-f]{4,32})")
HELP = ("Reply to a question's message to answer it, or:\n"
        "/answer ID text — answer question ID\n"
        "/status — running shifts and the next fires\n"
        "/abandon SHIFT [reason] — stop a running shift\n"
        "/pause NAME, /resume NAME — a project's schedule")

Abandon = Callable[[str, str], Awaitable[Shift]]
Worth = Callable[[Notice], bool]


@dataclass(frozen=True)
class _Outgoing:
    text: str
    reply_to: int | None = None
    question_id: str | None = None


class Backoff:
    """Doubling waits between `low` and `high`; `reset` after a success."""

    def __init__(self, low: float, high: float) -> None:
        self.low, self.high = low, max(low, high)
        self.next = low

    def step(self, at_least: float | None = None) -> float:
        """The wait before the next try; `at_least`: the server's own retry_after."""
        wait = self.next
        self.next = min(self.high, self.next * 2)
        return max(wait, at_least or 0)

    def reset(self) -> None:
        self.next = self.low


class TelegramBridge:
    """`run()` until cancelled. `sent` and `problems` are what tests and the app read."""

    def __init__(self, settings: TelegramSettings, store: Store, bus: Bus, clock: Clock,
                 tz: tzinfo, *, questions: OperatorQuestions, abandon: Abandon,
                 worth: Worth, api: BotApi | None = None) -> None:
        self.settings = settings
        self._store = store
        self._bus = bus
        self._clock = clock
        self._tz = tz
        self._questions = questions
        self._abandon = abandon
        self._worth = worth
        self._api = api or BotApi(settings)
        self._outbox: asyncio.Queue[_Outgoing] = asyncio.Queue()
        self._queued_questions: set[str] = set()
        self._offset: int | None = None
        self._ok: bool | None = None  # the state last stored, so only changes are written
        self._tasks: set[asyncio.Task[None]] = set()
        self.sent: list[dict[str, Any]] = []
        self.problems: list[str] = []
        self.failures = 0  # calls that failed since the bridge started
        self._told: set[str] = set()
        self._changed = asyncio.Condition()  # each call's outcome (see `until`)

    # lifecycle ---------------------------------------------------------------------------
    async def run(self) -> None:
        unsubscribe = self._bus.subscribe(self._on_bus)
        try:
            await self._queue_waiting_questions()
            await asyncio.gather(self._send_loop(), self._poll_loop())
        finally:
            unsubscribe()
            for task in list(self._tasks):
                task.cancel()
            with contextlib.suppress(Exception):
                await asyncio.shield(self._api.aclose())

    async def _queue_waiting_questions(self) -> None:
        """Questions asked before this bridge ran (another holder, or none) still reach the
        chat: a question is never lost to a restart."""
        try:
            waiting = await self._store.control.waiting()
            names = {p.id: p.name for p in await self._store.projects.list()}
        except ShiftTuiError as exc:
            log.warning("telegram: cannot read the waiting questions: %s", exc)
            return
        for q in waiting:
            self._queue_question(q.id, names.get(q.project_id, q.project_id), q.question)

    def _on_bus(self, event: BusEvent) -> None:
        if not isinstance(event, Notice) or not self._worth(event):
            return
        if event.kind == "question":
            qid = str(event.data.get("question_id") or "")
            if qid:
                project = str(event.data.get("project") or event.project_id or "")
                self._queue_question(qid, project, str(event.data.get("question") or
                                                       event.message))
                return
        self._outbox.put_nowait(_Outgoing(notice_text(event)))

    def _queue_question(self, qid: str, project: str, question: str) -> None:
        if qid in self._queued_questions:
            return
        self._queued_questions.add(qid)
        text = (f"❓ {project} asks:\n\n{question}\n\nReply to this message to answer "
                f"({QUESTION_TAG}{qid}).")
        self._outbox.put_nowait(_Outgoing(text, question_id=qid))

    # sending -----------------------------------------------------------------------------
    async def _send_loop(self) -> None:
        backoff = self._backoff()
        while True:
            item = await self._outbox.get()
            while True:  # the same message until it is sent: order is kept, nothing dropped
                try:
                    message = await self._api.send_message(self.settings.chat_id, item.text,
                                                           reply_to=item.reply_to)
                except BotApiError as exc:
                    await self._failed(exc)
                    if not exc.retry:
                        log.error("telegram: a message was refused and is dropped: %s", exc)
                        break
                    await asyncio.sleep(backoff.step(exc.retry_after))
                    continue
                backoff.reset()
                await self._succeeded()
                self.sent.append({"text": item.text, "message_id": message.get("message_id"),
                                  "question_id": item.question_id})
                break

    def send(self, text: str, reply_to: int | None = None) -> None:
        self._outbox.put_nowait(_Outgoing(text, reply_to))

    # receiving ---------------------------------------------------------------------------
    async def _poll_loop(self) -> None:
        backoff = self._backoff()
        while True:
            try:
                updates = await self._api.get_updates(self._offset, self.settings.poll_seconds)
            except BotApiError as exc:
                await self._failed(exc)
                await asyncio.sleep(backoff.step(exc.retry_after))
                continue
            backoff.reset()
            await self._succeeded()
            for update in updates:
                update_id = update.get("update_id")
                if isinstance(update_id, int):
                    # Asking from here on confirms everything before to the server: a message
                    # is handled once, even by the next holder of the lease.
                    self._offset = max(self._offset or 0, update_id + 1)
                try:
                    await self.handle(update)
                except Exception:  # one odd message must not stop the bridge
                    log.exception("telegram: cannot handle update %s", update_id)

    async def handle(self, update: dict[str, Any]) -> None:
        message = update.get("message")
        if not isinstance(message, dict):
            return
        chat = (message.get("chat") or {}).get("id")
        sender = (message.get("from") or {}).get("username") or chat
        if chat != self.settings.chat_id:
            log.warning("telegram: ignored a message from chat %s (%s); only chat %s is "
                        "obeyed", chat, sender, self.settings.chat_id)
            return
        text = str(message.get("text") or "").strip()
        message_id = message.get("message_id")
        reply_to = message_id if isinstance(message_id, int) else None
        replied = message.get("reply_to_message")
        if not text:
            return
        if text.startswith("/"):
            answer = await self._command(text)
        elif isinstance(replied, dict):
            qid = question_id_in(str(replied.get("text") or ""))
            answer = (await self._answer(qid, text) if qid else
                      "That message is not a question. " + HELP)
        else:
            answer = HELP
        self.send(answer, reply_to)

    async def _command(self, text: str) -> str:
        head, _, rest = text.partition(" ")
        command = head[1:].split("@", 1)[0].lower()
        rest = rest.strip()
        try:
            if command == "answer":
                qid, _, answer = rest.partition(" ")
                if not qid or not answer.strip():
                    return "Usage: /answer ID text"
                question = await self._store.control.find_question(qid)
                return await self._answer(question.id, answer)
            if command == "status":
                return await self.status_text()
            if command == "abandon":
                ref, _, reason = rest.partition(" ")
                if not ref:
                    return "Usage: /abandon SHIFT [reason] (a shift id, its project, or last)"
                shift = await resolve_shift(self._store, ref)
                final = await self._abandon(shift.id, (reason.strip() or "abandoned")
                                            + " (from Telegram)")
                return f"Shift {final.id} {final.status.value}."
            if command in ("pause", "resume"):
                if not rest:
                    return f"Usage: /{command} NAME"
                project = await self._store.projects.get(rest)
                await self._store.projects.set_paused(
                    project.id, command == "pause",
                    "paused from Telegram" if command == "pause" else None, self._clock.now())
                return f"{project.name} {'paused' if command == 'pause' else 'resumed'}."
        except ShiftTuiError as exc:
            return str(exc)
        return HELP

    async def _answer(self, qid: str, text: str) -> str:
        try:
            question = await self._questions.answer(qid, text, by=CHANNEL)
        except ShiftTuiError as exc:
            return str(exc)
        return f"Answered {question.id}; the agent gets it now."

    async def status_text(self) -> str:
        now = self._clock.now()
        projects = await self._store.projects.list()
        names = {p.id: p.name for p in projects}
        running = sorted(await self._store.shifts.running(), key=lambda s: s.started_at)
        lines = [f"Running shifts ({len(running)}):" if running else "No shift is running."]
        lines += [f"• {names.get(s.project_id, s.project_id)}: {s.id}, started "
                  f"{ago(s.started_at, now)}, {money(s.cost_usd)}" for s in running]
        waiting = await self._store.control.waiting()
        if waiting:
            lines += ["", f"Waiting questions ({len(waiting)}):"]
            lines += [f"• {q.id} ({names.get(q.project_id, q.project_id)}): "
                      f"{first_line(q.question, 120)}" for q in waiting]
        fires = upcoming(projects, now, self._tz)
        lines += ["", "Next fires:" if fires else "Next fires: none."]
        lines += [f"• {f.at.astimezone(self._tz).strftime('%a %H:%M')}: {f.project}"
                  for f in fires]
        paused = [p.name for p in projects if p.paused]
        if paused:
            lines += ["", "Paused: " + ", ".join(paused)]
        return "\n".join(lines)

    # the channel's state -----------------------------------------------------------------
    async def until(self, check: Callable[[], bool]) -> None:
        """Until `check()` holds, looked at after each call to the Bot API (its failures and
        successes are what moves the bridge's state)."""
        async with self._changed:
            await self._changed.wait_for(check)

    async def _moved(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def _backoff(self) -> Backoff:
        return Backoff(self.settings.retry_min_seconds, self.settings.retry_max_seconds)

    async def _failed(self, exc: BotApiError) -> None:
        self.failures += 1
        problem = str(exc)
        if problem not in self._told:  # each problem once per outage, not at every retry
            self._told.add(problem)
            log.warning("telegram: %s (retrying)", problem)
            self.problems.append(problem)
        await self._store_state(False, problem)
        await self._moved()

    async def _succeeded(self) -> None:
        if self._ok is not True:
            self._told.clear()
            await self._store_state(True, "connected")
        await self._moved()

    async def _store_state(self, ok: bool, detail: str) -> None:
        self._ok = ok
        with contextlib.suppress(ShiftTuiError):
            await self._store.channels.set(CHANNEL, ok=ok, detail=detail, pid=os.getpid(),
                                           now=self._clock.now())


def question_id_in(text: str) -> str | None:
    match = _QUESTION_RE.search(text)
    return match[1] if match else None


def notice_text(notice: Notice) -> str:
    """A notice as a chat message: what happened, the project, outcome, cost, the handoff's
    first line (from the notice's data, as notify_command gets it)."""
    icon = {"error": "🔴", "warning": "🟠"}.get(notice.severity, "🟢")
    lines = [f"{icon} {notice.title}"]
    data = notice.data
    facts = []
    if data.get("project"):
        facts.append(str(data["project"]))
    if data.get("outcome"):
        outcome = str(data["outcome"])
        if data.get("failure_kind"):
            outcome += f" ({data['failure_kind']})"
        facts.append(outcome)
    cost = data.get("cost_usd")
    if isinstance(cost, int | float):
        facts.append(money(float(cost)))
    if facts:
        lines.append(" · ".join(facts))
    summary = str(data.get("summary") or "").strip()
    body = first_line(summary, 300) if summary else notice.message.strip()
    if body and body != notice.title:
        lines.append(body)
    if notice.shift_id:
        lines.append(f"shift {notice.shift_id}")
    return "\n".join(lines)
