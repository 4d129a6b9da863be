"""Shift lifecycle: start, stream, limits, abandon, force-complete, shutdown (no Textual)."""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import functools
import logging
import os
import weakref
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

from shifttui.base.bus import (
    Bus,
    Notice,
    QuestionAsked,
    ShiftEnded,
    ShiftStarted,
    ShiftStats,
)
from shifttui.base.clock import Clock, SystemClock
from shifttui.base.config import Home, Settings
from shifttui.base.control import OperatorRequest, RequestKind
from shifttui.base.errors import InvalidInput, LimitReached, ShiftTuiError, StateError
from shifttui.base.models import (
    EventKind,
    FailureKind,
    Handoff,
    HandoffInput,
    Project,
    Shift,
    ShiftStatus,
    Trigger,
)
from shifttui.base.states import RunPhase
from shifttui.shifts import isolation
from shifttui.shifts.agent.endings import (
    DraftEditor,
    Ending,
    Stop,
    StopKind,
    hard_ending,
    resume_prompt,
)
from shifttui.shifts.agent.options import CliMissing, check_permission_mode, resolve_cli
from shifttui.shifts.agent.plan_limits import PlanWatch
from shifttui.shifts.agent.runner import ShiftRun
from shifttui.shifts.agent.sink import EventSink
from shifttui.shifts.autopause import auto_pause
from shifttui.shifts.checks import Checks, store_ending
from shifttui.shifts.control import ControlServer, handoff_arg, send_request
from shifttui.shifts.judge import checks_and_judge
from shifttui.shifts.notices import end_notice
from shifttui.shifts.questions import OperatorQuestions
from shifttui.shifts.resume import limits_left
from shifttui.shifts.tasks import record_tasks
from shifttui.store import Store
from shifttui.system.procs import process_token

log = logging.getLogger(__name__)

_T = TypeVar("_T")

# The endings after which the project's test command runs (not an abandon or an interrupt).
_TESTED = (ShiftStatus.COMPLETED, ShiftStatus.FAILED, ShiftStatus.EXPIRED)

# How long an abandon of another process's shift may take before the requester hears why not.
REQUEST_WAIT_S = 10.0


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
        tick_s: float = 1.0,
        kind: str = "shifttui",
    ) -> None:
        self.store = store
        self.home = home
        self.settings = settings
        self.clock = clock or SystemClock()
        self.bus = bus or Bus()
        self.cli_path = cli_path
        self.tick_s = tick_s
        # Which shifttui this is (app, run, daemon, cli): recorded on requests and answers.
        self.kind = kind
        self._runs: dict[str, ShiftRun] = {}
        self._done: dict[str, asyncio.Future[Shift]] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self.questions = OperatorQuestions(store, self.bus, self.clock)
        self.control = ControlServer(store, self.clock, self.running_ids, self._handle_request)
        self._ticker: asyncio.Task[None] | None = None
        self._starting: set[str] = set()
        self._token = process_token()
        # Called with each ended shift before anyone hears of it; says what it did, if anything.
        self.after_end: Callable[[Shift], Awaitable[str | None]] | None = None
        atexit.register(_kill_at_exit, weakref.ref(self))

    # ------------------------------------------------------------------ starting
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
        from shifttui.shifts.context import check_prompt, first_message, protocol_text
        from shifttui.system.git import git_head

        proj = await self.store.projects.get(project)
        if not Path(proj.path).is_dir():
            raise InvalidInput(f"project {proj.name}: path {proj.path} does not exist or is not "
                               "a directory (fix it with `shifttui project set --path`)")
        check_permission_mode(proj)
        check_prompt(proj)  # a template that is not there is refused before anything is claimed
        system_append = protocol_text()
        resume_session: str | None = None
        resume_prefix = ""
        if resume_of is not None:
            old = await self.store.shifts.get(resume_of)
            if old.project_id != proj.id:
                raise InvalidInput(f"shift {old.id} belongs to project {old.project_id}")
            if old.status is not ShiftStatus.INTERRUPTED:
                raise StateError(f"only an interrupted shift can be resumed; {old.id} is "
                                 f"{old.status.value}")
            resume_session = old.session_id
            resume_prefix = resume_prompt(old)  # after a plan limit: the window has reset
            trigger = Trigger.RESUME
            proj = await limits_left(self.store, proj, old)
        running = await self.store.shifts.running()
        others = [s for s in running if s.project_id != proj.id]
        if len(others) >= self.settings.max_concurrent_shifts:
            raise LimitReached(f"{len(others)} shifts are running (limit "
                               f"{self.settings.max_concurrent_shifts}, max_concurrent_shifts)")
        if proj.id in self._starting:
            raise StateError(f"a shift on {proj.name} is already starting")
        self._starting.add(proj.id)
        try:
            now = self.clock.now()
            deadline = now + timedelta(minutes=proj.policy.max_duration_minutes)
            start_commit = await git_head(Path(proj.path))
            shift = await self.store.shifts.claim(
                proj.id, trigger=trigger, now=now, deadline=deadline,
                owner_pid=os.getpid(), owner_token=self._token, model=proj.policy.model,
                reason=reason, parent_shift_id=resume_of, start_commit=start_commit,
            )
        finally:
            self._starting.discard(proj.id)
        proj, workspace = await self._enter(proj, shift)
        if workspace is not None:
            shift = await self.store.shifts.get(shift.id)  # with its work branch and base
        # The context (git processes, files, history) is gathered while Claude Code starts (about
        # 0.1 s): only the first message needs it, and ShiftRun awaits it after the CLI's start.
        # Gathered before the claim, its git processes slowed the start commit's read as much.
        # The claimed shift is running, so the context's history leaves it out.
        prompt = asyncio.ensure_future(first_message(
            self.store, proj, now=now, deadline=deadline,
            prefix=resume_prefix,
            git_note=workspace.note if workspace else None))
        sink = EventSink(shift.id, self.store, self.bus, self.clock,
                         self.home.agent_log(shift.id),
                         on_storage_error=functools.partial(self._storage_failed, shift.id))
        sink.start()
        sink.add(EventKind.INFO, f"shift started ({trigger.value}"
                 f"{': ' + reason if reason else ''}); deadline "
                 f"{deadline.astimezone().strftime('%H:%M')}, budget "
                 f"${proj.policy.max_budget_usd:.2f}", {"trigger": trigger.value})
        cli_path, cli_problem = None, None
        try:
            cli_path = resolve_cli(self.cli_path, self.settings)
        except CliMissing as exc:
            cli_problem = str(exc)  # the shift fails as cli_missing, visibly, in its history
        run = ShiftRun(
            project=proj, shift=shift, prompt=prompt, system_append=system_append, sink=sink,
            bus=self.bus, clock=self.clock, cli_path=cli_path, cli_problem=cli_problem,
            ask_hook=self._ask, resume_session=resume_session,
            plan=PlanWatch(self.store.plan, self.settings.plan_reserve_percent),
        )
        self._runs[shift.id] = run
        self._done[shift.id] = asyncio.get_running_loop().create_future()
        # Held here: the loop keeps only weak references to tasks.
        self._tasks[shift.id] = asyncio.get_running_loop().create_task(
            self._drive(run), name=f"shift-{shift.id}")
        self._ensure_ticker()
        self.control.ensure_serving()
        self.bus.publish(ShiftStarted(shift))
        return shift

    async def _enter(self, proj: Project, shift: Shift
                     ) -> tuple[Project, isolation.Workspace | None]:
        """The claimed shift's work repository (isolation); a failure fails the shift."""
        try:
            return await isolation.enter(self.store, self.home.root, proj, shift)
        except Exception as exc:
            message = f"cannot prepare the work branch: {exc}"
            with contextlib.suppress(ShiftTuiError):
                await self.store.shifts.fail(shift.id, FailureKind.AGENT_ERROR, message,
                                             self.clock.now())
            raise StateError(f"{proj.name}: {message}") from None

    def running_ids(self) -> list[str]:
        return list(self._runs)

    def stats(self, shift_id: str) -> ShiftStats | None:
        run = self._runs.get(shift_id)
        return run.stats() if run else None

    async def wait(self, shift_id: str) -> Shift:
        """Until the shift has ended; returns its final row."""
        done = self._done.get(shift_id)
        if done is not None:
            return await asyncio.shield(done)
        return await self.store.shifts.get(shift_id)

    # ------------------------------------------------------------------ operator actions
    async def abandon(self, shift_id: str, reason: str) -> Shift:
        reason = reason.strip()
        if not reason:
            raise InvalidInput("abandoning a shift needs a reason")
        run = self._runs.get(shift_id)
        if run is None:  # another process runs it (or ran it and died): ask it there
            return await send_request(self.store, self.clock, shift_id, RequestKind.ABANDON,
                                      {"reason": reason}, by=self.kind, wait_s=REQUEST_WAIT_S)
        run.request_stop(Stop(StopKind.ABANDON, reason))
        return await self.wait(shift_id)

    async def force_complete(
        self,
        shift_id: str,
        handoff: HandoffInput | None = None,
        *,
        editor: DraftEditor | None = None,
    ) -> Shift:
        """Interrupt, ask the agent for complete_shift, wait wrap_up_seconds; failing that use
        `handoff`, else the operator's edit of the auto-draft via `editor`, else the auto-draft."""
        run = self._runs.get(shift_id)
        if run is None:  # another process runs it: the auto-draft stands in for an editor there
            return await send_request(self.store, self.clock, shift_id, RequestKind.FINISH,
                                      handoff_arg(handoff), by=self.kind)
        run.request_stop(Stop(StopKind.FORCE, "operator asked to finish now",
                              handoff=handoff, editor=editor))
        return await self.wait(shift_id)

    def cut_wrap_up(self, shift_id: str) -> bool:
        """A force-complete's "stop now": stop waiting for the agent's handoff. False when
        no wrap-up of this process is under way (another process runs the shift)."""
        run = self._runs.get(shift_id)
        return run is not None and run.cut_wrap_up()

    # ------------------------------------------------------------------ questions
    async def _handle_request(self, request: OperatorRequest) -> Shift:
        """A request from another shifttui process for a shift this one runs."""
        if request.kind is RequestKind.ABANDON:
            reason = str(request.args.get("reason") or "")
            return await self.abandon(request.shift_id,
                                      f"{reason} (from {request.requested_by})")
        raw = request.args.get("handoff")
        handoff = HandoffInput.model_validate(raw) if raw else None
        return await self.force_complete(request.shift_id, handoff)

    async def _ask(self, run: ShiftRun, question: str) -> str | None:
        return await self.questions.ask(run.shift.id, run.project.id, run.project.name,
                                        question, float(self.settings.question_timeout_seconds))

    async def pending_questions(self) -> list[QuestionAsked]:
        """Every question waiting for the operator, whichever process runs its shift."""
        return [QuestionAsked(q.shift_id, q.project_id, q.id, q.question,
                              (q.timeout_at - q.asked_at).total_seconds())
                for q in await self.questions.waiting()]

    async def answer_question(self, shift_id: str, question_id: str, answer: str) -> None:
        await self.questions.answer(question_id, answer, by=self.kind)

    # ------------------------------------------------------------------ shutdown
    async def shutdown(self, reason: str = "shifttui quit") -> None:
        """Stop every running shift cleanly as `interrupted` (resumable); no orphan process."""
        runs = list(self._runs.values())
        for run in runs:
            run.request_stop(Stop(StopKind.SHUTDOWN, reason))
        futures = [self._done[r.shift.id] for r in runs if r.shift.id in self._done]
        if futures:
            _, pending = await asyncio.wait(futures, timeout=10.0)
            if pending:
                self._kill_all()
        await self.control.close()
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None

    def _kill_all(self) -> None:
        for run in list(self._runs.values()):
            run.kill_now()

    # ------------------------------------------------------------------ internals
    def _ensure_ticker(self) -> None:
        if self._ticker is None or self._ticker.done():
            self._ticker = asyncio.get_running_loop().create_task(self._tick_loop())

    async def _tick_loop(self) -> None:
        """Every tick: deadlines, live figures to the UI, progress to the database."""
        while self._runs:
            await asyncio.sleep(self.tick_s)
            now = self.clock.now()
            for run in list(self._runs.values()):
                if now >= run.shift.deadline and run.stop is None \
                        and run.phase is RunPhase.WORKING:
                    run.request_stop(Stop(StopKind.DEADLINE, "the shift reached its deadline"))
                run.publish_progress(force=True)
                await self._save_progress(run)

    async def _save_progress(self, run: ShiftRun) -> None:
        t_in, t_out = run.cost.tokens
        try:
            await self.store.shifts.update_progress(
                run.shift.id, cost_usd=run.cost.cost_usd, tokens_in=t_in, tokens_out=t_out,
                num_turns=run.cost.turns, model=run.model, session_id=run.session_id,
                agent_pid=run.agent_pid,
            )
        except ShiftTuiError as exc:
            log.error("cannot save progress of %s: %s", run.shift.id, exc)

    def _storage_failed(self, shift_id: str, exc: Exception) -> None:
        run = self._runs.get(shift_id)
        self.bus.publish(Notice("error", "database write failed",
                                f"cannot store events ({exc}); stopping the shift", None,
                                shift_id, "error"))
        if run is not None:
            run.request_stop(Stop(StopKind.ABANDON, f"database write failed: {exc}"))

    async def _drive(self, run: ShiftRun) -> None:
        shift_id = run.shift.id
        done = self._done[shift_id]
        try:
            ending = await run.run()
            # Before anyone hears the shift ended: its questions are no longer waiting.
            self.questions.close_for(shift_id)
            with contextlib.suppress(ShiftTuiError):
                await self.store.control.close_questions_of(shift_id, self.clock.now())
            final, handoff = await self._finish(run, ending)
            merged = None
            if self.after_end is not None:  # auto_merge, from a layer above this one
                with contextlib.suppress(Exception):
                    merged = await self.after_end(final)
                    final = await self.store.shifts.get(shift_id)
            # Before anyone waiting hears of the end (`run` exits then): every path counts.
            paused = await self._auto_pause(final)
            if not done.done():
                done.set_result(final)
            self.bus.publish(ShiftEnded(final, handoff))
            self.bus.publish(end_notice(run.project.name, run.project.id, final, handoff,
                                        merged))
            if paused is not None:
                self.bus.publish(paused)
        except asyncio.CancelledError:
            run.kill_now()
            with contextlib.suppress(BaseException):
                await asyncio.shield(self.store.shifts.interrupt(
                    shift_id, "shifttui stopped during the shift", self.clock.now()))
            if not done.done():
                done.cancel()
            raise
        except Exception as exc:
            log.exception("shift %s crashed in shifttui", shift_id)
            run.kill_now()
            with contextlib.suppress(Exception):
                await self.store.shifts.fail(shift_id, FailureKind.AGENT_ERROR,
                                             f"shifttui error: {exc}", self.clock.now())
            if not done.done():
                done.set_exception(exc)
            self.bus.publish(Notice("error", "shift crashed", str(exc), run.project.id,
                                    shift_id, "error"))
        finally:
            self._runs.pop(shift_id, None)
            self._tasks.pop(shift_id, None)
            self.questions.close_for(shift_id)
            with contextlib.suppress(Exception):
                await run.sink.close()

    async def _auto_pause(self, shift: Shift) -> Notice | None:
        try:
            return await auto_pause(self.store, shift, self.clock.now())
        except Exception:  # a failed check must not lose the shift's ending
            log.exception("auto-pause check after %s failed", shift.id)
            return None

    async def _finish(self, run: ShiftRun, ending: Ending) -> tuple[Shift, Handoff | None]:
        project, shift_id = run.project, run.shift.id
        files: list[str] = []
        message = ending.handoff.summary if ending.handoff is not None else ending.reason
        try:
            files = await isolation.leave(self.store, run.shift, project, message)
        except Exception as exc:  # the ending must be stored whatever git says
            log.exception("cannot record the range of %s", shift_id)
            run.sink.add(EventKind.ERROR, f"cannot commit the shift's changes: {exc}", {})
        checks = Checks()
        if run.agent_pid and ending.status in _TESTED and Path(project.path).is_dir():
            ran = await _unless_stopped(run, checks_and_judge(
                run, self.store, project, ending.handoff, files))
            if ran is None:  # half-run checks decide nothing: the stop is the ending
                assert run.stop is not None
                ending = hard_ending(run.stop)
                run.sink.add(EventKind.INFO, f"checks stopped: {run.stop.reason}", {})
            else:
                checks = ran
            await isolation.tidy(await self.store.shifts.get(shift_id))
        await self._save_progress(run)
        now = self.clock.now()
        summary = {"status": ending.status, "reason": ending.reason,
                   "failure_kind": ending.failure_kind, "author": ending.author,
                   "forced": ending.forced}
        run.sink.add(EventKind.INFO, f"shift {ending.status}"
                     f"{' (' + ending.failure_kind.value + ')' if ending.failure_kind else ''}"
                     f"{': ' + ending.reason if ending.reason else ''}", summary)
        await run.sink.flush()
        handoff = await store_ending(self.store, shift_id, ending, files, checks, now)
        if handoff is not None:  # the operator's tasks it names close, checked against files
            await record_tasks(self.store, run.sink, project.id, shift_id, handoff, now)
        return await self.store.shifts.get(shift_id), handoff

async def _unless_stopped(run: ShiftRun, work: Coroutine[Any, Any, _T]) -> _T | None:
    """`work`'s result, or None when a hard stop (abandon, shutdown) came first: `work` is then
    cancelled, which kills its processes within a second (agent/verify.py)."""
    run.stopped.clear()  # the stop that ended the run is not one for what follows it
    task = asyncio.ensure_future(work)
    stopping = asyncio.ensure_future(run.stopped.wait())
    try:
        await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    return None if task.cancelled() else task.result()


def _kill_at_exit(ref: weakref.ReferenceType[Supervisor]) -> None:
    """No agent process may outlive shifttui, whatever path the exit took."""
    supervisor = ref()
    if supervisor is not None:
        supervisor._kill_all()
