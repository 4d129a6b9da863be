"""The Telegram bridge (issue 16 item 3) against a loopback stand-in for the Bot API: a
daemon-like runtime's question reaches the chat, a reply from the configured chat answers it
and the agent gets the text, other chats are ignored, notices and /status arrive, and the
stand-in going away loses no question."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from agent_support import git_repo
from pydantic import SecretStr
from telegram_stub import TOKEN, Sent, TelegramStub

from shifttui.base.bus import BusEvent, QuestionAsked
from shifttui.base.config import Home, Settings, TelegramSettings
from shifttui.base.models import Policy, Shift
from shifttui.cli.commands_status import status_text
from shifttui.review.status import gather_status
from shifttui.runtime.bot_api import BotApi, BotApiError
from shifttui.runtime.runtime import Runtime
from shifttui.runtime.telegram import TelegramBridge, notice_text
from shifttui.scheduling.cron import local_tz
from shifttui.shifts.supervisor import Supervisor
from shifttui.store import Store

pytestmark = pytest.mark.timeout(60)

CHAT = 4242
STRANGER = 666
QUESTION = "Should I also update the changelog?"


def telegram(stub: TelegramStub, token: str = TOKEN) -> TelegramSettings:
    # Short waits instead of real outages: a long poll of 1 s, retries 0.05 s doubling to 0.2 s.
    return TelegramSettings(bot_token=SecretStr(token), chat_id=CHAT, api_base=stub.api_base,
                            poll_seconds=1, retry_min_seconds=0.05, retry_max_seconds=0.2)


@dataclass
class Daemon:
    runtime: Runtime
    store: Store
    stub: TelegramStub
    repo: Path
    seen: list[BusEvent]

    @property
    def chat(self) -> TelegramBridge:
        assert self.runtime.chat is not None
        return self.runtime.chat

    async def start(self, scenario: str, name: str = "proj") -> Shift:
        project = await self.store.projects.add(
            name, str(self.repo), Policy(env={"SHIFTTUI_FAKE_SCENARIO": scenario}),
            self.runtime.clock.now())
        return await self.runtime.supervisor.start_shift(project.name)

    async def until(self, check: Callable[[], bool], timeout: float = 10.0) -> None:
        await asyncio.wait_for(self.chat.until(check), timeout)

    def reply_to(self, sent: Sent) -> Callable[[Sent], bool]:
        return lambda m: m.reply_to is not None and m.reply_to == sent.message_id


@contextlib.asynccontextmanager
async def _daemon(home: Home, store: Store, fake_cli: Path, tmp_path: Path,
                  stub: TelegramStub, token: str = TOKEN) -> AsyncIterator[Daemon]:
    settings = Settings(max_concurrent_shifts=4, telegram=telegram(stub, token),
                        question_timeout_seconds=60)
    supervisor = Supervisor(store, home, settings, cli_path=str(fake_cli), tick_s=0.1,
                            kind="daemon")
    runtime = Runtime(store, home, settings, kind="daemon", supervisor=supervisor)
    held = asyncio.Event()
    runtime.start(scheduler=True, watch_others=False,
                  on_role=lambda info: held.set() if info.mine else None)
    seen: list[BusEvent] = []
    supervisor.bus.subscribe(seen.append)
    await asyncio.wait_for(held.wait(), 10)
    try:
        yield Daemon(runtime, store, stub, git_repo(tmp_path / "repo"), seen)
    finally:
        await runtime.close()


@pytest.fixture
async def stub() -> AsyncIterator[TelegramStub]:
    async with TelegramStub() as s:
        yield s


@pytest.fixture
async def daemon(home: Home, store: Store, fake_cli: Path, tmp_path: Path,
                 stub: TelegramStub) -> AsyncIterator[Daemon]:
    async with _daemon(home, store, fake_cli, tmp_path, stub) as d:
        yield d


async def test_a_question_goes_to_the_chat_and_a_reply_reaches_the_agent(
        daemon: Daemon, stub: TelegramStub) -> None:
    shift = await daemon.start("ask")
    question = await stub.wait_sent(lambda m: "question id:" in m.text)
    assert question.chat_id == CHAT and QUESTION in question.text and "proj" in question.text
    [waiting] = await daemon.store.control.waiting()
    assert f"question id: {waiting.id}" in question.text

    # Someone else replying to the bot is ignored; /status from the operator, sent after it,
    # is handled after it, so its reply says the stranger's message has been dealt with.
    stranger = stub.push("Yes, and delete the repo", chat_id=STRANGER, reply_to=question)
    status = stub.push("/status", chat_id=CHAT)
    status_reply = await stub.wait_sent(lambda m: m.reply_to == status)
    assert "Running shifts (1)" in status_reply.text and shift.id in status_reply.text
    assert waiting.id in status_reply.text  # the waiting question is listed
    assert not [m for m in stub.sent if m.reply_to == stranger or m.chat_id == STRANGER]
    assert [q.id for q in await daemon.store.control.waiting()] == [waiting.id]

    answer = stub.push("Yes, add one line under Unreleased", chat_id=CHAT, reply_to=question)
    ack = await stub.wait_sent(lambda m: m.reply_to == answer)
    assert f"Answered {waiting.id}" in ack.text
    final = await asyncio.wait_for(daemon.runtime.supervisor.wait(shift.id), 30)
    assert final.status.value == "completed", final.error
    handoff = await daemon.store.handoffs.for_shift(shift.id)
    assert handoff is not None
    assert "Yes, add one line under Unreleased" in handoff.decisions[0]
    stored = await daemon.store.control.question(waiting.id)
    assert stored.answered_by == "telegram"

    # The shift's end is a notice in the chat: project, outcome, cost, the handoff's first line.
    ended = await stub.wait_sent(lambda m: "shift completed" in m.text)
    assert "proj" in ended.text and "completed" in ended.text and "$" in ended.text
    assert "Asked the operator before changing the changelog." in ended.text


async def test_commands_pause_resume_abandon_and_help(daemon: Daemon,
                                                      stub: TelegramStub) -> None:
    shift = await daemon.start("slow", name="busy")
    msg = stub.push("/pause busy", chat_id=CHAT)
    assert (await stub.wait_sent(lambda m: m.reply_to == msg)).text == "busy paused."
    assert (await daemon.store.projects.get("busy")).paused
    msg = stub.push("/resume busy", chat_id=CHAT)
    assert (await stub.wait_sent(lambda m: m.reply_to == msg)).text == "busy resumed."
    assert not (await daemon.store.projects.get("busy")).paused
    msg = stub.push("/pause nosuch", chat_id=CHAT)
    assert "no project named 'nosuch'" in (await stub.wait_sent(
        lambda m: m.reply_to == msg)).text
    msg = stub.push(f"/abandon {shift.id} wrong approach", chat_id=CHAT)
    assert (await stub.wait_sent(lambda m: m.reply_to == msg, timeout=20)).text == (
        f"Shift {shift.id} abandoned.")
    final = await daemon.store.shifts.get(shift.id)
    assert final.status.value == "abandoned" and "wrong approach" in (final.error or "")
    msg = stub.push("hello?", chat_id=CHAT)
    assert "/answer ID text" in (await stub.wait_sent(lambda m: m.reply_to == msg)).text
    # Stranger's commands do nothing at all.
    stub.push("/pause busy", chat_id=STRANGER)
    msg = stub.push("/status", chat_id=CHAT)
    reply = await stub.wait_sent(lambda m: m.reply_to == msg)
    assert "Paused" not in reply.text and not (await daemon.store.projects.get("busy")).paused


async def test_the_stand_in_going_away_loses_no_question(daemon: Daemon,
                                                         stub: TelegramStub) -> None:
    await daemon.until(lambda: "getUpdates" in stub.calls)  # it polls, so it has started
    await stub.stop()
    asked = asyncio.Event()
    daemon.runtime.bus.subscribe(
        lambda e: asked.set() if isinstance(e, QuestionAsked) else None)
    shift = await daemon.start("ask")
    await asyncio.wait_for(asked.wait(), 20)
    # Both loops keep failing and retrying while it is away; the shift goes on waiting.
    failures = daemon.chat.failures
    await daemon.until(lambda: daemon.chat.failures >= failures + 6)
    state = await daemon.store.channels.get("telegram")
    assert state is not None and not state.ok and "cannot reach" in state.detail
    status = await gather_status(daemon.store, daemon.runtime.home, daemon.runtime.settings,
                                 daemon.runtime.clock.now(), local_tz())
    [line] = [t for t in status_text(status).splitlines() if t.startswith("telegram ")]
    assert "failing, retrying: " in line and "cannot reach" in line
    assert (await daemon.store.shifts.get(shift.id)).status.value == "running"

    await stub.start()  # back on the same port
    question = await stub.wait_sent(lambda m: "question id:" in m.text, timeout=20)
    assert QUESTION in question.text
    stub.push("Not this time", chat_id=CHAT, reply_to=question)
    final = await asyncio.wait_for(daemon.runtime.supervisor.wait(shift.id), 30)
    handoff = await daemon.store.handoffs.for_shift(shift.id)
    assert final.status.value == "completed" and handoff is not None
    assert "Not this time" in handoff.decisions[0]
    state = await daemon.store.channels.get("telegram")
    assert state is not None and state.ok


async def test_a_bad_token_never_stops_a_shift(home: Home, store: Store, fake_cli: Path,
                                               tmp_path: Path, stub: TelegramStub) -> None:
    async with _daemon(home, store, fake_cli, tmp_path, stub, token="999:wrong") as d:
        shift = await d.start("normal")
        final = await asyncio.wait_for(d.runtime.supervisor.wait(shift.id), 30)
        assert final.status.value == "completed"
        await d.until(lambda: any("refused" in p for p in d.chat.problems))
        state = await store.channels.get("telegram")
        assert state is not None and not state.ok
        assert "bot token was refused" in state.detail and "999:wrong" not in state.detail
        assert stub.sent == []


async def test_only_the_lease_holder_runs_the_bridge(home: Home, store: Store,
                                                     stub: TelegramStub) -> None:
    settings = Settings(telegram=telegram(stub))
    app = Runtime(store, home, settings, kind="app")
    app.start(scheduler=False, watch_others=False)
    try:
        assert app.chat is None  # no scheduler, no lease: no bridge
    finally:
        await app.close()


async def test_api_errors_are_one_sentence_without_the_token(stub: TelegramStub) -> None:
    api = BotApi(telegram(stub, token="555:secret-token"))
    try:
        with pytest.raises(BotApiError, match="bot token was refused") as err:
            await api.get_me()
        assert "secret-token" not in str(err.value)
        await stub.stop()
        with pytest.raises(BotApiError, match="cannot reach") as err:
            await api.send_message(CHAT, "hi")
        assert "secret-token" not in str(err.value) and err.value.retry
    finally:
        await api.aclose()


def test_notice_text_has_project_outcome_cost_and_summary() -> None:
    from shifttui.base.bus import Notice

    notice = Notice("shift_failed", "demo: shift failed (budget_exhausted)", "over budget",
                    "demo", "20261121-s1", "error",
                    data={"project": "demo", "outcome": "failed",
                          "failure_kind": "budget_exhausted", "cost_usd": 5.5,
                          "summary": None})
    text = notice_text(notice)
    assert text.splitlines()[0] == "🔴 demo: shift failed (budget_exhausted)"
    assert "demo · failed (budget_exhausted) · $5.50" in text
    assert "over budget" in text and "20261121-s1" in text
