"""One running shift: drives Claude Code through a turn loop, watches limits, stops cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from claude_agent_sdk import (
    AssistantMessage,
    ClaudeSDKClient,
    CLINotFoundError,
    RateLimitEvent,
    ResultMessage,
    SystemMessage,
    ToolResultBlock,
    ToolUseBlock,
    UserMessage,
)
from claude_agent_sdk.types import HookContext, HookInput, HookJSONOutput

from shifttui.base.bus import Bus, HandoffNeeded, Notice, ShiftProgress, ShiftStats
from shifttui.base.clock import Clock
from shifttui.base.models import (
    Author,
    EventKind,
    FailureKind,
    HandoffInput,
    Project,
    Sandbox,
    Shift,
    ShiftStatus,
)
from shifttui.base.states import RunPhase
from shifttui.shifts.agent import fastparse
from shifttui.shifts.agent.containment import CliDenials
from shifttui.shifts.agent.cost import CostTracker
from shifttui.shifts.agent.draft import Transcript
from shifttui.shifts.agent.endings import (
    FOLLOW_UP,
    NO_OPERATOR,
    WRAP_UP,
    Ending,
    Stop,
    StopKind,
    hard_ending,
)
from shifttui.shifts.agent.failures import (
    classify_exception,
    classify_result,
    failure_text,
)
from shifttui.shifts.agent.guards import Guard
from shifttui.shifts.agent.lifeline import guarded_cli
from shifttui.shifts.agent.normalize import normalize, one_line
from shifttui.shifts.agent.options import build_options
from shifttui.shifts.agent.plan_limits import PlanWatch
from shifttui.shifts.agent.process import (
    agent_pid,
    close_client,
    end_tree,
    widen_output_pipe,
)
from shifttui.shifts.agent.reader import MessageReader
from shifttui.shifts.agent.sink import EventSink
from shifttui.shifts.agent.tools import build_server
from shifttui.system.bubblewrap import sandbox_problem

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 30.0
DRAIN_TIMEOUT_S = 0.5  # after an interrupt, how long the CLI gets to report its result
AFTER_HANDOFF_S = 15.0  # the agent may say goodbye; then it is stopped
GUARD_HALT_AFTER = 5  # denials before the shift is halted

QuestionHook = Callable[["ShiftRun", str], Awaitable[str | None]]


@dataclass
class _Turn:
    result: ResultMessage | None = None
    eof: bool = False
    timed_out: bool = False


_EOF = object()
_WAKE = object()


class ShiftRun:
    """Owns the SDK client of one shift; only its own task touches the client."""

    def __init__(
        self,
        *,
        project: Project,
        shift: Shift,
        prompt: asyncio.Future[str],
        system_append: str,
        sink: EventSink,
        bus: Bus,
        clock: Clock,
        cli_path: str | None,
        ask_hook: QuestionHook,
        cli_problem: str | None = None,
        resume_session: str | None = None,
        plan: PlanWatch | None = None,
    ) -> None:
        self.project = project
        self.shift = shift
        self.prompt = prompt  # the first message, still being prepared while the CLI starts
        self.system_append = system_append
        self.sink = sink
        self.bus = bus
        self.clock = clock
        self.cli_path = cli_path
        self.cli_problem = cli_problem
        self.ask_hook = ask_hook
        self.resume_session = resume_session
        self.plan = plan or PlanWatch()
        self.cost = CostTracker()
        self.transcript = Transcript()
        self.guard = Guard.for_project(project)
        self.phase = RunPhase.STARTING
        self.handoff: HandoffInput | None = None
        self.handoff_at: float | None = None
        self.stop: Stop | None = None
        self.stopped = asyncio.Event()  # set by a hard stop; the checks after the run watch it
        self.agent_pid: int | None = None
        self.session_id: str | None = resume_session
        self.model: str | None = project.policy.model
        self.violations = 0
        self.cli_denials = CliDenials()
        self.stderr_tail: list[str] = []
        self.client: ClaudeSDKClient | None = None
        self._queue: asyncio.Queue[object] = asyncio.Queue()
        self._reader_error: BaseException | None = None
        self._stopping_since: float | None = None
        self._budget_warned = False
        # Below this nothing about the budget needs saying (the warning is at 80 %).
        self._budget_warn_at = 0.8 * project.policy.max_budget_usd
        self._last_progress = 0.0
        self._loop = asyncio.get_running_loop()
        self._side_tasks: set[asyncio.Task[None]] = set()

    # ------------------------------------------------------------------ live figures
    def stats(self) -> ShiftStats:
        elapsed = (self.clock.now() - self.shift.started_at).total_seconds()
        t_in, t_out = self.cost.tokens
        return ShiftStats(
            shift_id=self.shift.id, project_id=self.project.id, cost_usd=self.cost.cost_usd,
            budget_usd=self.project.policy.max_budget_usd, tokens_in=t_in, tokens_out=t_out,
            num_turns=self.cost.turns, elapsed_s=max(0.0, elapsed),
            max_duration_s=self.project.policy.max_duration_minutes * 60, model=self.model,
            phase=self.phase,
        )

    def publish_progress(self, force: bool = False) -> None:
        now = self._loop.time()
        if force or now - self._last_progress >= 0.25:
            self._last_progress = now
            self.bus.publish(ShiftProgress(self.stats()))

    # ------------------------------------------------------------------ ShiftControl (tools)
    async def submit_handoff(self, handoff: HandoffInput) -> str:
        if self.handoff is None:
            # Stored before the agent hears it was accepted: from here on a kill -9 loses
            # nothing (the end, or recovery, completes the shift with this row).
            await self.sink.store.handoffs.accept(self.shift.id, handoff, self.clock.now())
        if self.handoff is None:
            self.handoff = handoff
            self.handoff_at = self._loop.time()
            self.sink.add(EventKind.INFO, f"handoff received: {one_line(handoff.summary, 160)}",
                          {"handoff": handoff.model_dump()})
        return ("Handoff recorded; this shift is complete. Stop now: do not call more tools. "
                "Reply with one short closing sentence.")

    def status_text(self) -> str:
        s = self.stats()
        left_s = max(0.0, s.max_duration_s - s.elapsed_s)
        return (f"Time used {s.elapsed_s / 60:.1f} of {s.max_duration_s / 60:.0f} min "
                f"({left_s / 60:.1f} min left). Cost ${s.cost_usd:.2f} of ${s.budget_usd:.2f} "
                f"(${max(0.0, s.budget_usd - s.cost_usd):.2f} left). Turns so far: {s.num_turns}.")

    async def ask_operator(self, question: str) -> str:
        self.sink.add(EventKind.QUESTION, f"question: {one_line(question, 200)}",
                      {"question": question})
        answer = await self.ask_hook(self, question)
        if answer is None:
            self.sink.add(EventKind.OPERATOR, "no answer from the operator", {})
            return NO_OPERATOR
        self.sink.add(EventKind.OPERATOR, f"operator answered: {one_line(answer, 200)}",
                      {"answer": answer})
        return f"The operator answered: {answer}"

    # ------------------------------------------------------------------ guard hook
    async def _guard_hook(self, hook_input: HookInput, tool_use_id: str | None,
                          context: HookContext) -> HookJSONOutput:
        data: dict[str, Any] = dict(hook_input)
        tool_name = str(data.get("tool_name", ""))
        tool_input = data.get("tool_input") or {}
        denial = self.guard.check(tool_name, tool_input if isinstance(tool_input, dict) else {})
        if denial is None:
            return {}
        self.violations += 1
        self.sink.add(EventKind.VIOLATION, f"denied {denial.tool}: {one_line(denial.detail, 160)}",
                      {"tool": tool_name, "input": tool_input, "reason": denial.reason})
        self.transcript.add(EventKind.VIOLATION, f"denied {tool_name}: {denial.detail}", {})
        if self.violations >= GUARD_HALT_AFTER and self.stop is None:
            self.request_stop(Stop(StopKind.GUARD, f"{self.violations} guard violations"))
        return {"hookSpecificOutput": {"hookEventName": "PreToolUse",
                                       "permissionDecision": "deny",
                                       "permissionDecisionReason": denial.reason}}

    def _on_stderr(self, line: str) -> None:
        line = line.rstrip()
        if not line:
            return
        self.stderr_tail = [*self.stderr_tail[-19:], line]
        self.sink.add(EventKind.STDERR, one_line(line), {"line": line})

    # ------------------------------------------------------------------ stopping
    def request_stop(self, stop: Stop) -> None:
        """Ask the turn loop to stop; a hard stop replaces a soft one, never the reverse."""
        current = self.stop
        if current is not None and not stop.kind.overrides and (current.hard or not stop.hard):
            return
        self.stop = stop
        if stop.hard:
            self.stopped.set()
        self.sink.add(EventKind.OPERATOR if stop.kind.by_operator else EventKind.INFO,
                      f"{stop.kind}: {stop.reason}", {"stop": stop.kind.value})
        if stop.hard and not self.prompt.done():
            self.prompt.cancel()
        self._spawn(self._interrupt())

    def cut_wrap_up(self) -> bool:
        """Stop waiting for the handoff of a wrap-up under way: the editor or the draft now."""
        if self.stop is None or self.stop.hard:
            return False
        self.stop.cut_short = True
        self._queue.put_nowait(_WAKE)
        return True

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        # Held until done: the loop keeps only weak references to tasks.
        task = self._loop.create_task(coro)
        self._side_tasks.add(task)
        task.add_done_callback(self._side_tasks.discard)

    async def _interrupt(self) -> None:
        self._stopping_since = self._loop.time()
        self._queue.put_nowait(_WAKE)
        client = self.client
        if client is None:
            return
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.interrupt(), DRAIN_TIMEOUT_S)

    # ------------------------------------------------------------------ the turn loop
    async def run(self) -> Ending:
        """Run the agent to an Ending; always leaves no agent process behind."""
        try:
            return await self._run()
        finally:
            if not self.prompt.done():
                self.prompt.cancel()  # the run ended before its first message was needed
            elif not self.prompt.cancelled():
                self.prompt.exception()  # seen: an error here is not "never retrieved"
            await self._close_client()

    async def _run(self) -> Ending:
        if self.cli_problem is not None:
            return Ending(ShiftStatus.FAILED, self.cli_problem, FailureKind.CLI_MISSING)
        policy = self.project.policy
        if policy.sandbox is Sandbox.OFF:
            self.sink.add(EventKind.INFO, "sandbox off: the agent's commands run unconfined "
                          "(the project's policy says so)", {"sandbox": Sandbox.OFF.value})
        else:
            # Before the CLI's start (~0.5 s), which would refuse with a longer message.
            problem = await sandbox_problem({**os.environ, **policy.env})
            if problem is not None:
                return Ending(ShiftStatus.FAILED, problem, FailureKind.SANDBOX_UNAVAILABLE)
        options = build_options(
            self.project, shift_id=self.shift.id, system_append=self.system_append,
            server=build_server(self), guard_hook=self._guard_hook, stderr=self._on_stderr,
            cli_path=guarded_cli(self.cli_path, self.sink.log_path.parent),
            resume=self.resume_session,
            # The log is <home>/shifts/<shift id>/agent.log (Home.agent_log).
            home=self.sink.log_path.parents[2],
        )
        if self.stop is not None and self.stop.hard:
            return self._hard_ending()
        fastparse.install()
        self.client = ClaudeSDKClient(options)
        self.phase = RunPhase.STARTING
        try:
            if not await self._connect(self.client):
                return self._hard_ending()  # stopped while the CLI started
        except TimeoutError:
            return Ending(ShiftStatus.FAILED, f"Claude Code did not finish starting within "
                          f"{CONNECT_TIMEOUT_S:.0f} s", FailureKind.AGENT_ERROR)
        except CLINotFoundError:
            return Ending(ShiftStatus.FAILED, "Claude Code CLI not found: install "
                          "claude-agent-sdk (it bundles the CLI) or set SHIFTTUI_CLAUDE_CLI / "
                          "claude_cli in config.toml", FailureKind.CLI_MISSING)
        except Exception as exc:
            kind, text = classify_exception(exc, self.stderr_tail)
            return Ending(ShiftStatus.FAILED, f"Claude Code failed to start: {text}", kind)
        self.agent_pid = agent_pid(self.client)
        widen_output_pipe(self.agent_pid)
        self.phase = RunPhase.WORKING
        self.sink.add(EventKind.INFO, f"agent started (pid {self.agent_pid})",
                      {"pid": self.agent_pid})
        if self.stop is not None and self.stop.hard:
            return self._hard_ending()
        reader = self._loop.create_task(self._read(self.client), name=f"read-{self.shift.id}")
        try:
            return await self._conversation()
        finally:
            reader.cancel()
            with contextlib.suppress(BaseException):
                await reader

    async def _connect(self, client: ClaudeSDKClient) -> bool:
        """connect, unless a hard stop comes first (False): a CLI that hangs at start must not
        hold an abandon or a SIGTERM for CONNECT_TIMEOUT_S. TimeoutError after that."""
        connecting = asyncio.ensure_future(client.connect())
        stopping = asyncio.ensure_future(self.stopped.wait())
        try:
            await asyncio.wait({connecting, stopping}, timeout=CONNECT_TIMEOUT_S,
                               return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            if not connecting.done():
                connecting.cancel()
                with contextlib.suppress(BaseException):
                    await connecting
        if connecting.cancelled():
            if self.stopped.is_set():
                return False
            raise TimeoutError
        connecting.result()
        return True

    async def _conversation(self) -> Ending:
        assert self.client is not None
        # Prepared while the CLI started; a hard stop cancels the wait (request_stop).
        await asyncio.wait({self.prompt})
        if self.stop is not None and self.stop.hard:
            return self._hard_ending()
        try:
            prompt = self.prompt.result()
        except Exception as exc:
            return Ending(ShiftStatus.FAILED, f"cannot prepare the shift: {exc}",
                          FailureKind.AGENT_ERROR)
        await self._send(prompt)
        followed_up = False
        while True:
            turn = await self._turn(until=None)
            if self.stop is not None and self.stop.hard:
                return self._hard_ending()
            if self.handoff is not None:
                return Ending(ShiftStatus.COMPLETED, handoff=self.handoff,
                              forced=self.stop is not None)
            if self.stop is not None:  # deadline or operator force-complete
                return await self._wrap_up()
            if turn.eof:
                kind, text = classify_exception(self._reader_error, self.stderr_tail)
                return Ending(ShiftStatus.FAILED, text, kind)
            if turn.result is not None:
                result_kind = classify_result(turn.result)
                if result_kind is FailureKind.RATE_LIMITED and (
                    paused := self.plan.pause(turn.result, self.clock.now())
                ) is not None:
                    return paused  # a plan limit is a pause: resumed at its reset
                if result_kind is not None:
                    detail = "; ".join(turn.result.errors or []) or (turn.result.result or "")
                    text = one_line(f"{turn.result.subtype}: {detail}", 500)
                    return Ending(ShiftStatus.FAILED, failure_text(result_kind, text),
                                  result_kind)
            if followed_up:
                return Ending(ShiftStatus.FAILED, "the agent ended its turn twice without "
                              "calling complete_shift", FailureKind.NO_HANDOFF)
            followed_up = True
            self.sink.add(EventKind.OPERATOR, "asked the agent to call complete_shift", {})
            await self._send(FOLLOW_UP)

    def _hard_ending(self) -> Ending:
        assert self.stop is not None
        return hard_ending(self.stop)

    async def _wrap_up(self) -> Ending:
        """Deadline or force-complete: ask for the handoff, wait the grace, else draft one."""
        assert self.stop is not None and self.client is not None
        stop = self.stop
        self.phase = RunPhase.WRAPPING_UP
        self.publish_progress(force=True)
        grace = float(self.project.policy.wrap_up_seconds)
        if grace > 0 and not stop.cut_short:
            self._stopping_since = None
            why = {StopKind.FORCE: " (the operator asked to finish now)",
                   StopKind.RESERVE: " (the plan's 5-hour window reached the reserve kept "
                                     "for the operator's own use)"}.get(stop.kind, "")
            await self._send(WRAP_UP.format(why=why))
            until = self._loop.time() + grace
            while self.handoff is None and self._loop.time() < until and not stop.cut_short:
                turn = await self._turn(until=until)
                if self.stop is not stop and self.stop is not None and self.stop.hard:
                    return self._hard_ending()
                if turn.eof or turn.result is not None or turn.timed_out:
                    break
        if self.handoff is not None:
            return Ending(ShiftStatus.COMPLETED, handoff=self.handoff, forced=True)
        await self._interrupt()
        self.phase = RunPhase.AWAITING_HANDOFF
        self.publish_progress(force=True)
        draft = self.transcript.draft(
            "operator force-complete" if stop.kind is StopKind.FORCE else "deadline passed", [])
        if stop.kind is StopKind.FORCE:
            if stop.handoff is not None:
                return Ending(ShiftStatus.COMPLETED, handoff=stop.handoff,
                              author=Author.OPERATOR, forced=True)
            if stop.editor is not None:
                self.bus.publish(HandoffNeeded(self.shift.id, draft))
                edited = await stop.editor(draft)
                if edited is not None:
                    return Ending(ShiftStatus.COMPLETED, handoff=edited,
                                  author=Author.OPERATOR, forced=True)
            return Ending(ShiftStatus.COMPLETED, handoff=draft, author=Author.AUTO, forced=True)
        if self.transcript.empty:
            return Ending(ShiftStatus.EXPIRED,
                          "deadline passed and the agent produced nothing to hand off")
        return Ending(ShiftStatus.COMPLETED, handoff=draft, author=Author.AUTO, forced=True)

    async def _send(self, text: str) -> None:
        assert self.client is not None
        self._stopping_since = None
        await self.client.query(text)

    async def _turn(self, until: float | None) -> _Turn:
        """Process messages until the turn's ResultMessage, the end of the stream, or a timeout."""
        while True:
            limits = []
            if until is not None:
                limits.append(until)
            if self._stopping_since is not None:
                limits.append(self._stopping_since + DRAIN_TIMEOUT_S)
            if self.handoff_at is not None:
                limits.append(self.handoff_at + AFTER_HANDOFF_S)
            timeout = max(0.0, min(limits) - self._loop.time()) if limits else None
            try:
                # wait_for wraps the get in a new task: under a flood that per-message task cost
                # more than all of our own work, so take what is queued directly.
                if timeout is not None and timeout <= 0:
                    raise TimeoutError  # a flood must not keep a deadline from firing
                if not self._queue.empty():
                    item = self._queue.get_nowait()
                elif timeout is None:
                    item = await self._queue.get()
                else:
                    item = await asyncio.wait_for(self._queue.get(), timeout)
            except TimeoutError:
                if self.handoff_at is not None and self._stopping_since is None:
                    await self._interrupt()  # the agent lingers after its handoff
                    continue
                return _Turn(timed_out=True)
            if item is _WAKE:
                if self.stop is not None and self.stop.cut_short:
                    return _Turn(timed_out=True)
                continue
            if item is _EOF:
                return _Turn(eof=True)
            if isinstance(item, ResultMessage):
                return _Turn(result=item)

    async def _read(self, client: ClaudeSDKClient) -> None:
        # Messages are processed here, as they arrive; only what ends a turn goes to the turn
        # loop. Handing every message over woke a second task per message, which cost a flood
        # more than the processing itself. A MessageReader hands them over a slice at a time, and
        # the event loop gets its turn between slices, not between messages (agent/reader.py).
        messages = MessageReader(client)
        process, sink, queue = self._process, self.sink, self._queue
        try:
            while batch := await messages.next_batch():
                for message in batch:
                    process(message)
                    if isinstance(message, ResultMessage):
                        queue.put_nowait(message)
                    if sink.backlogged:
                        await sink.wait_for_room()
        except asyncio.CancelledError:
            raise
        except BaseException as exc:
            self._reader_error = exc
        finally:
            self._queue.put_nowait(_EOF)

    def _process(self, message: object) -> None:
        # Runs for every message of the agent: the common case (an assistant message) first.
        changed = False
        if isinstance(message, AssistantMessage):
            model = message.model
            if model:
                self.model = model
            changed = self.cost.on_assistant(message.message_id, model, message.usage)
            for block in message.content:
                if isinstance(block, ToolUseBlock):
                    self.cli_denials.saw_call(block.id, block.name, block.input)
        elif isinstance(message, ResultMessage):
            self.cost.on_result(message.total_cost_usd, message.usage, message.num_turns)
            self.session_id = message.session_id or self.session_id
            changed = True
        elif isinstance(message, SystemMessage) and message.subtype == "init":
            data = message.data or {}
            self.session_id = data.get("session_id") or self.session_id
            self.model = data.get("model") or self.model
        elif isinstance(message, RateLimitEvent):
            self._on_plan_windows(message)
        add, remember = self.sink.add, self.transcript.add
        for kind, summary, payload in normalize(message):
            add(kind, summary, payload)
            remember(kind, summary, payload)
        if isinstance(message, UserMessage) and isinstance(message.content, list):
            for block in message.content:
                if isinstance(block, ToolResultBlock):
                    self._cli_refused(block)
        if self.handoff_at is not None and self._stopping_since is None and isinstance(
            message, AssistantMessage
        ) and any(isinstance(b, ToolUseBlock) for b in message.content):
            # Work after the handoff is not wanted (and costs money).
            self._spawn(self._interrupt())
        if changed:
            if self.cost.cost_usd >= self._budget_warn_at:
                self._check_budget()
            self.publish_progress()

    def _cli_refused(self, block: ToolResultBlock) -> None:
        # Claude Code's own deny rules (containment.py) refused the call: a violation like the
        # guard's, so the pane, `logs` and the review show it.
        refused = self.cli_denials.refused(block.tool_use_id, block.is_error, block.content)
        if refused is not None:
            tool, tool_input, reason = refused
            self.sink.add(EventKind.VIOLATION, f"denied {tool}: {one_line(reason, 160)}",
                          {"tool": tool, "input": tool_input, "reason": reason})

    def _on_plan_windows(self, event: RateLimitEvent) -> None:
        now = self.clock.now()
        self._spawn(self.plan.save(self.plan.on_event(event, now, self.shift.id)))
        window = self.plan.reserve_crossed(now)
        if window is not None and self.stop is None:
            self.request_stop(Stop(StopKind.RESERVE, (
                f"the 5-hour window is at {window.utilization or 0:.0%}, within the "
                f"{self.plan.reserve_percent:g}% reserve (plan_reserve_percent)")))

    def _check_budget(self) -> None:
        budget = self.project.policy.max_budget_usd
        cost = self.cost.cost_usd
        if not self._budget_warned and cost >= self._budget_warn_at:
            self._budget_warned = True
            self.bus.publish(Notice(
                "budget_warning", f"{self.project.name}: 80% of the shift budget",
                f"${cost:.2f} of ${budget:.2f} spent", self.project.id, self.shift.id,
                "warning"))
        if cost >= budget and (self.stop is None or not self.stop.hard):
            self.request_stop(Stop(StopKind.BUDGET, f"cost ${cost:.2f} reached the budget "
                                   f"${budget:.2f}"))

    # ------------------------------------------------------------------ cleanup
    async def _close_client(self) -> None:
        client, self.client = self.client, None
        if client is not None:
            await close_client(client, self.agent_pid or agent_pid(client))

    def kill_now(self) -> None:
        """Last resort from a synchronous context (cancellation, interpreter exit)."""
        pid = self.agent_pid or (agent_pid(self.client) if self.client else None)
        if pid:
            end_tree(pid)

