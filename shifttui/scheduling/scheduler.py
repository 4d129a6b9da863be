"""The scheduler: cron schedules, catch-up, trigger requests, file and `after` triggers,
auto-pause after failures and the daily budget (no Textual).

One instance runs in the app and in `shifttui daemon`; only the holder of the database's lease
starts shifts, the others stand by and take over when its heartbeat stops. Every run that was
due and did not start is recorded as a decision with its reason.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

from shifttui.base.bus import Bus, Notice
from shifttui.base.clock import Clock, SystemClock
from shifttui.base.config import Settings
from shifttui.base.errors import AlreadyRunning, LimitReached, NotFound, ShiftTuiError
from shifttui.base.models import (
    CatchUp,
    Project,
    Shift,
    Trigger,
)
from shifttui.base.plan import PlanState, clock_time, percent, window_name
from shifttui.base.states import Decision, DecisionOutcome, DecisionReason
from shifttui.scheduling.budget import (
    BudgetLevel,
    BudgetNotifier,
    BudgetState,
    daily_budget_state,
    local_midnight,
)
from shifttui.scheduling.cron import fire_times, local_tz, next_fire
from shifttui.scheduling.lease import LEASE_TTL_S, LeaseInfo, LeaseKeeper
from shifttui.scheduling.outcomes import Attempt, Blocked, Deferred, Held, Starter
from shifttui.scheduling.triggers import Completions, FileTriggers, describe_files, followers_of
from shifttui.store import Store
from shifttui.store.changes import Stamp

log = logging.getLogger(__name__)

# A due time at most this old when first seen is a (slightly late) run, not a missed one:
# it covers a lease hand-over (ttl + one tick) with room to spare.
ON_TIME_GRACE = timedelta(seconds=30)
TICK_S = 1.0
CATCH_UP_SPAN = timedelta(days=31)

@dataclass
class _ScheduleCache:
    expr: str
    mark: datetime | None
    next_due: datetime | None


@dataclass
class Scheduler:
    """Fires schedules and triggers through `starter` while holding the lease."""

    store: Store
    starter: Starter
    settings: Settings
    bus: Bus = field(default_factory=Bus)
    clock: Clock = field(default_factory=SystemClock)
    tz: tzinfo = field(default_factory=local_tz)
    kind: str = "app"
    lease_ttl_s: float = LEASE_TTL_S
    on_decision: Callable[[Decision], None] | None = None
    # Called when this instance starts or stops holding the lease (the daemon logs it).
    on_role: Callable[[LeaseInfo], None] | None = None

    def __post_init__(self) -> None:
        self.lease = LeaseKeeper(self.store, self.kind, self.lease_ttl_s)
        self._schedules: dict[str, _ScheduleCache] = {}
        self._deferred: dict[str, Deferred] = {}
        # Runs held by the plan, one per project: each gets one start once the window opens.
        self._held: dict[str, Held] = {}
        # Interrupted shifts that continue by themselves (read when the database changed),
        # the first of each project, and why a due resume last waited (said once, not every
        # tick).
        self._waiting: list[Shift] | None = None
        self._resuming: dict[str, Shift] = {}
        self._resume_noted: dict[str, DecisionReason] = {}
        self.plan = PlanState()
        self._files = FileTriggers()
        self._completions = Completions()
        self._budget_notifier = BudgetNotifier()
        self._tasks: set[asyncio.Task[None]] = set()
        self.budget: BudgetState | None = None
        self._first_tick = True
        # What the last full tick read, and the database's stamp when it read it: while nobody
        # writes, a tick reads nothing but the stamp (see store.changes).
        self._seen: Stamp | None = None
        self._projects: dict[str, Project] | None = None
        self._scheduled = 0  # how many of them have a schedule
        # The shift the latest attempt started (a trigger request records it for its asker).
        self.last_started: str | None = None

    # public ------------------------------------------------------------------------------
    @property
    def active(self) -> bool:
        """True while this instance holds the lease and may start shifts."""
        return self.lease.held

    @property
    def lease_info(self) -> LeaseInfo | None:
        return self.lease.current

    @property
    def file_triggers(self) -> FileTriggers:
        """What the file watcher has seen (tests await its changes)."""
        return self._files

    async def run(self, stop: asyncio.Event) -> None:
        """Tick about once a second until `stop` is set; then release the lease."""
        try:
            while not stop.is_set():
                now = self.clock.now()
                try:
                    await self.run_once(now)
                except ShiftTuiError as exc:
                    log.warning("scheduler tick failed: %s", exc)
                except Exception:  # one bad tick (a locked or broken database) is not the end
                    log.exception("scheduler tick failed")
                try:
                    await asyncio.wait_for(stop.wait(), self._sleep_for())
                except TimeoutError:
                    pass
        finally:
            await self.close()

    async def close(self) -> None:
        await self.settle()
        await self._files.close()  # the OS watcher's thread ends with the scheduler
        try:
            await self.lease.release()
        except ShiftTuiError as exc:
            log.warning("could not release the scheduler lease: %s", exc)

    async def settle(self) -> None:
        """Wait for the work started by bus events (auto-pause checks)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def run_once(self, now: datetime | None = None) -> None:
        """One tick: renew the lease when it needs it, then (if held) fire what is due.

        What other processes (or this one) wrote is read only when the database's stamp
        moved: an idle tick is one small query, not a read of every project."""
        now = now or self.clock.now()
        stamp = await self.store.changes.stamp()
        fresh = stamp != self._seen
        was_held = self.lease.held
        others_wrote = self._seen is None or stamp.others != self._seen.others
        info = self.lease.current
        if info is None or self.lease.due(now, others_wrote=others_wrote):
            info = await self.lease.renew(now)
        if self.on_role is not None and (info.mine != was_held or self._first_tick):
            self.on_role(info)
        self._first_tick = False
        if fresh or self.budget is None or self.budget.day_start != local_midnight(now, self.tz) \
                or self.budget.limit_usd != self.settings.daily_budget_usd:
            self.budget = await daily_budget_state(self.store, self.settings, now, self.tz)
        notice = self._budget_notifier.check(self.budget)
        if notice is not None:
            self.bus.publish(notice)
        if not info.mine:
            if was_held:
                log.warning("scheduler lease lost to %s", info.describe())
            self._reset()
            self._seen = stamp
            return
        if not was_held:
            self._on_acquired(now)
            fresh = True
        if fresh or self._projects is None:
            self._projects = {p.id: p for p in await self.store.projects.list()}
            self._scheduled = sum(1 for p in self._projects.values() if p.policy.schedule)
        projects = self._projects
        for gone in set(self._schedules) - set(projects):
            del self._schedules[gone]
        await self._run_plan(projects, now, refresh=fresh)
        if self._deferred:
            await self._run_deferred(projects, now)
        for project in (projects.values() if fresh else self._due_schedules(projects, now)):
            await self._run_schedule(project, now)
        if fresh:
            await self._run_requests(projects, now)
            await self._run_after(projects, now)
        if fresh or not self._files.quiet:
            await self._run_files(projects, now)
        self._seen = stamp

    def next_due(self) -> datetime | None:
        dues = [c.next_due for c in self._schedules.values() if c.next_due is not None]
        return min(dues) if dues else None

    # lease -------------------------------------------------------------------------------
    def _on_acquired(self, now: datetime) -> None:
        self._reset()
        self._completions.start(now)

    def _reset(self) -> None:
        # Another holder may have moved marks and handled things meanwhile: forget our view.
        self._projects = None
        self._schedules.clear()
        self._deferred.clear()
        self._held.clear()
        self._resume_noted.clear()
        self._waiting = None
        self._files.reset()
        self._completions.reset()

    def _sleep_for(self) -> float:
        # Wake at least once a TICK_S: that tick reads only the stamp unless something changed
        # (a trigger request from another window must start within a second or so).
        nxt = self.next_due()
        if nxt is None or not self.lease.held:
            return TICK_S
        wait = (nxt - self.clock.now()).total_seconds() + 0.01
        return max(0.05, min(TICK_S, wait))

    # schedules ---------------------------------------------------------------------------
    def _due_schedules(self, projects: dict[str, Project], now: datetime) -> list[Project]:
        """With the projects unchanged since the last tick, only these can have work: a due
        time reached, or no cached view yet (a claim that lost a race)."""
        nxt = self.next_due()
        if len(self._schedules) == self._scheduled and nxt is not None and nxt > now:
            return []
        out = []
        for pid, project in projects.items():
            cache = self._schedules.get(pid)
            if cache is None:
                if project.policy.schedule:
                    out.append(project)
            elif cache.next_due is not None and cache.next_due <= now:
                out.append(project)
        return out

    async def _run_schedule(self, project: Project, now: datetime) -> None:
        expr = project.policy.schedule
        cache = self._schedules.get(project.id)
        if expr is None:
            self._schedules.pop(project.id, None)
            return
        if cache is not None and cache.expr == expr and (
            cache.next_due is None or cache.next_due > now
        ):
            return
        # An edited schedule needs nothing here: the store moved its mark to the edit time
        # (Projects.update_policy), whichever process or form made the edit.
        mark = await self.store.scheduling.last_due(project.id)
        if mark is None:
            # A schedule never run before counts from its project's creation at most a moment
            # ago, never from the distant past.
            start = max(project.created_at, now - ON_TIME_GRACE)
            if await self.store.scheduling.claim_due(project.id, mark, start):
                mark = start
            else:
                mark = await self.store.scheduling.last_due(project.id)
            if mark is None:
                return
        dues, counted_from = await self._dues(expr, mark, now)
        if dues:
            if not await self.store.scheduling.claim_due(project.id, mark, dues[-1]):
                self._schedules.pop(project.id, None)
                return
            mark = dues[-1]
        self._schedules[project.id] = _ScheduleCache(expr, mark, next_fire(expr, mark, self.tz))
        if dues and project.policy.enabled:
            await self._fire_dues(project, expr, dues, now, truncated=counted_from is not None)

    async def _dues(
        self, expr: str, mark: datetime, now: datetime
    ) -> tuple[list[datetime], datetime | None]:
        """Due times since the mark; after a long absence only the last CATCH_UP_SPAN of them
        (counting a year of minutes would stall the tick), computed off the event loop."""
        if now - mark <= timedelta(hours=2):
            return fire_times(expr, mark, now, self.tz), None
        start = max(mark, now - CATCH_UP_SPAN)
        dues = await asyncio.to_thread(fire_times, expr, start, now, self.tz)
        return dues, (start if start > mark else None)

    async def _fire_dues(
        self, project: Project, expr: str, dues: list[datetime], now: datetime, *,
        truncated: bool = False,
    ) -> None:
        on_time = [d for d in dues if now - d <= ON_TIME_GRACE]
        missed = len(dues) - len(on_time)
        catch_up = project.policy.catch_up
        if missed:
            last_missed = dues[missed - 1]
            count = f"at least {missed}" if truncated else str(missed)
            words = f"missed {count} run{'s' if missed != 1 else ''} while no scheduler ran" \
                f" (last due {self._local(last_missed)})"
            if catch_up is CatchUp.SKIP or on_time:
                why = "catch_up is skip" if catch_up is CatchUp.SKIP else "an on-time run follows"
                await self._decide(project.id, "catch_up", DecisionOutcome.SKIPPED,
                                   DecisionReason.MISSED, f"{words}; {why}", now=now)
            else:
                await self._attempt(project, Attempt(
                    "catch_up", Trigger.SCHEDULED, f"catch-up: {words}", words,
                    fired=DecisionReason.MISSED), now)
        if on_time:
            due = on_time[-1]
            await self._attempt(project, Attempt(
                "schedule", Trigger.SCHEDULED, f"schedule {expr} (due {self._local(due)})",
                f"due {self._local(due)}"), now)

    # attempts and decisions ------------------------------------------------------------------
    async def _attempt(
        self, project: Project, attempt: Attempt, now: datetime, *, deferred: bool = False
    ) -> DecisionOutcome:
        """Start a shift if every rule allows it; record what happened. Returns the outcome."""
        blocked = await self._blocker(project, now, deferred=deferred, manual=attempt.manual)
        if blocked is None:
            try:
                shift = await self.starter.start_shift(
                    project.id, trigger=attempt.trigger, reason=attempt.reason,
                    resume_of=attempt.resume_of,
                )
            except AlreadyRunning:
                blocked = Blocked.by(DecisionReason.RUNNING)
            except LimitReached:
                blocked = Blocked.by(DecisionReason.LIMIT)
            except NotFound:
                blocked = Blocked.by(DecisionReason.REMOVED)
            except ShiftTuiError as exc:
                blocked = Blocked(DecisionReason.ERROR, str(exc))
            except Exception as exc:  # the scheduler must outlive one bad start
                log.exception("starting a shift on %s failed", project.id)
                blocked = Blocked(DecisionReason.ERROR, f"{type(exc).__name__}: {exc}")
            else:
                words = f"deferred since {self._local(deferred_since)}" if (
                    deferred_since := self._deferred_since(project.id, deferred)) else ""
                await self._decide(project.id, attempt.source, DecisionOutcome.STARTED,
                                   attempt.fired, self._detail(words, attempt),
                                   shift_id=shift.id, now=now)
                self.last_started = shift.id
                return DecisionOutcome.STARTED
        if blocked.reason in _PLAN_REASONS:
            self._held.setdefault(project.id, Held(
                project.id, attempt.source, attempt.trigger, attempt.reason, now))
            outcome = DecisionOutcome.HELD
        elif blocked.reason is DecisionReason.LIMIT:
            if deferred:
                return DecisionOutcome.DEFERRED  # still waiting: recorded when it was deferred
            self._deferred[project.id] = Deferred(project.id, attempt.source, attempt.reason, now)
            outcome = DecisionOutcome.DEFERRED
        elif blocked.reason is DecisionReason.ERROR:
            outcome = DecisionOutcome.FAILED
        else:
            outcome = DecisionOutcome.SKIPPED
        await self._decide(project.id, attempt.source, outcome, blocked.reason,
                           self._detail(blocked.words, attempt), now=now)
        return outcome

    def _deferred_since(self, project_id: str, deferred: bool) -> datetime | None:
        entry = self._deferred.get(project_id)
        return entry.since if deferred and entry else None

    async def _blocker(
        self, project: Project, now: datetime, *, deferred: bool, manual: bool = False
    ) -> Blocked | None:
        if project.paused and not manual:
            return Blocked.by(DecisionReason.PAUSED, project.paused_reason)
        if not project.policy.enabled and not manual:
            return Blocked.by(DecisionReason.DISABLED)
        if await self.store.shifts.running_for(project.id) is not None:
            return Blocked.by(DecisionReason.RUNNING)
        if not deferred and not manual and project.id in self._deferred:
            return Blocked.by(DecisionReason.WAITING)
        budget = self.budget or await daily_budget_state(self.store, self.settings, now, self.tz)
        if budget.level is BudgetLevel.EXHAUSTED and not manual:
            return Blocked.by(DecisionReason.BUDGET)
        if not manual:
            held = self._plan_hold(now) or self._resume_hold(project.id, now)
            if held is not None:
                return held
        if len(await self.store.shifts.running()) >= self.settings.max_concurrent_shifts:
            return Blocked.by(DecisionReason.LIMIT)
        return None

    @staticmethod
    def _detail(words: str, attempt: Attempt) -> str:
        return "; ".join(w for w in (words, attempt.detail) if w)

    async def _decide(
        self, project_id: str, source: str, outcome: DecisionOutcome, reason: DecisionReason,
        detail: str, *, now: datetime, shift_id: str | None = None,
    ) -> Decision:
        decision = await self.store.scheduling.record_decision(
            project_id, now=now, source=source, outcome=outcome, reason=reason, detail=detail,
            shift_id=shift_id,
        )
        if self.on_decision is not None:
            self.on_decision(decision)
        self.bus.publish(Notice(
            kind="scheduler", title=f"{project_id}: {outcome}", message=detail,
            project_id=project_id, shift_id=shift_id,
            severity="information" if outcome is DecisionOutcome.STARTED else "warning",
            data={"decision_id": decision.id, "outcome": outcome, "reason": reason,
                  "source": source},
        ))
        return decision

    # plan windows ------------------------------------------------------------------------
    async def _run_plan(self, projects: dict[str, Project], now: datetime, *,
                        refresh: bool) -> None:
        if refresh or self._waiting is None:
            self.plan = await self.store.plan.state()
            self._waiting = await self.store.shifts.waiting_resumes()
            self._resuming = {}
            for waiting in self._waiting:
                self._resuming.setdefault(waiting.project_id, waiting)
        if self._waiting:
            await self._run_resumes(projects, self._waiting, now)
        if self._held:
            await self._run_held(projects, now)

    def _plan_hold(self, now: datetime) -> Blocked | None:
        """An exhausted window, or the 5-hour window within the reserve, holds a run."""
        window = self.plan.exhausted(now)
        if window is not None:
            until = f" until {clock_time(window.resets_at, now, self.tz)}" \
                if window.resets_at else ""
            return Blocked(DecisionReason.PLAN_LIMIT,
                           f"plan limit{until} (the {window_name(window.type)} window)")
        window = self.plan.reserve_reached(self.settings.plan_reserve_percent, now)
        if window is not None:
            return Blocked(DecisionReason.PLAN_RESERVE, (
                f"plan reserve: the 5-hour window is at {percent(window.utilization)}, "
                f"{self.settings.plan_reserve_percent:g}% is kept for you"))
        return None

    def _resume_hold(self, project_id: str, now: datetime) -> Blocked | None:
        # The project's interrupted shift goes first: a run starting before its resume would
        # make the resume wait for that whole shift.
        waiting = self._resuming.get(project_id)
        if waiting is None or waiting.resume_at is None:
            return None
        return Blocked(DecisionReason.PLAN_LIMIT, (
            f"rate limit: shift {waiting.id} continues at "
            f"{clock_time(waiting.resume_at, now, self.tz)}, before anything new"))

    async def _run_resumes(self, projects: dict[str, Project], resumes: list[Shift],
                           now: datetime) -> None:
        """Shifts a plan limit interrupted continue at their resume_at, within what is left
        of their budget and time (the supervisor's resume)."""
        for old in list(resumes):
            if old.resume_at is None or old.resume_at > now:
                continue
            project = projects.get(old.project_id)
            if project is None:
                continue
            blocked = self._plan_hold(now)
            if blocked is None and project.paused:
                blocked = Blocked.by(DecisionReason.PAUSED, project.paused_reason)
            if blocked is None:  # by hand's rules: only a running shift and the limit stop it
                blocked = await self._blocker(project, now, deferred=True, manual=True)
            words = f"resume of {old.id} (interrupted: rate limited)"
            if blocked is not None:
                await self._resume_waits(old, blocked, words, now)
                continue
            resumes.remove(old)
            if self._resuming.get(project.id) is old:
                del self._resuming[project.id]
            try:
                shift = await self.starter.start_shift(
                    project.id, trigger=Trigger.RESUME, resume_of=old.id,
                    reason=f"continues {old.id} after the rate limit")
            except AlreadyRunning:
                self._waiting = None  # read again: it is still waiting
                await self._resume_waits(old, Blocked.by(DecisionReason.RUNNING), words, now)
                continue
            except Exception as exc:  # its budget or time is spent, or it cannot start at all
                if not isinstance(exc, ShiftTuiError):
                    log.exception("resuming %s failed", old.id)
                # Not tried again every tick: it can still be resumed by hand.
                await self.store.shifts.cancel_resume(old.id)
                await self._decide(project.id, "resume", DecisionOutcome.FAILED,
                                   DecisionReason.ERROR, f"{words}: {exc}", now=now)
                continue
            self._resume_noted.pop(old.id, None)
            await self._decide(project.id, "resume", DecisionOutcome.STARTED,
                               DecisionReason.FIRED, words, shift_id=shift.id, now=now)

    async def _resume_waits(self, old: Shift, blocked: Blocked, words: str,
                            now: datetime) -> None:
        if self._resume_noted.get(old.id) is blocked.reason:
            return
        self._resume_noted[old.id] = blocked.reason
        outcome = DecisionOutcome.HELD if blocked.reason in _PLAN_REASONS else (
            DecisionOutcome.DEFERRED)
        await self._decide(old.project_id, "resume", outcome, blocked.reason,
                           f"{blocked.words}; {words}", now=now)

    async def _run_held(self, projects: dict[str, Project], now: datetime) -> None:
        """Once the window opens, each project's held run starts once (a catch-up)."""
        if self._plan_hold(now) is not None:
            return
        for project_id, held in list(self._held.items()):
            project = projects.get(project_id)
            self._held.pop(project_id, None)
            if project is None or project_id in self._resuming:
                continue  # removed; or its interrupted shift resumes instead, as the catch-up
            since = self._local(held.since)
            await self._attempt(project, Attempt(
                held.source, held.trigger, f"{held.reason} (held by the plan since {since})",
                f"held since {since}; the plan window opened"), now)

    async def _run_deferred(self, projects: dict[str, Project], now: datetime) -> None:
        for project_id, entry in list(self._deferred.items()):
            project = projects.get(project_id)
            if project is None:
                self._deferred.pop(project_id, None)
                continue
            outcome = await self._attempt(
                project, Attempt(entry.source, _trigger_of(entry.source), entry.reason),
                now, deferred=True,
            )
            if outcome is not DecisionOutcome.DEFERRED:
                self._deferred.pop(project_id, None)

    # triggers ----------------------------------------------------------------------------
    async def _run_requests(self, projects: dict[str, Project], now: datetime) -> None:
        for request in await self.store.scheduling.pending_triggers():
            if not await self.store.scheduling.claim_trigger(request.id, now):
                continue
            project = projects.get(request.project_id)
            if project is None:
                await self.store.scheduling.mark_trigger_handled(
                    request.id, DecisionOutcome.SKIPPED, now)
                continue
            reason = request.reason or f"triggered by {request.source}"
            if request.resume_of:
                attempt = Attempt("manual", Trigger.RESUME, reason, f"{request.source}: {reason}",
                                  manual=True, resume_of=request.resume_of)
            elif request.manual:
                attempt = Attempt("manual", Trigger.MANUAL, reason, f"{request.source}: {reason}",
                                  manual=True)
            else:
                attempt = Attempt("trigger", Trigger.EVENT, reason, f"{request.source}: {reason}")
            self.last_started = None
            outcome = await self._attempt(project, attempt, now)
            await self.store.scheduling.mark_trigger_handled(
                request.id, outcome, now,
                shift_id=self.last_started if outcome is DecisionOutcome.STARTED else None)

    async def _run_after(self, projects: dict[str, Project], now: datetime) -> None:
        for shift_id, project_id in await self._completions.new(self.store):
            done = projects.get(project_id)
            if done is None:
                continue
            for follower in followers_of(done, list(projects.values())):
                await self._attempt(follower, Attempt(
                    "after", Trigger.EVENT, f"after {done.name} completed ({shift_id})",
                    f"{done.name} completed {shift_id}"), now)

    async def _run_files(self, projects: dict[str, Project], now: datetime) -> None:
        for project, files in await self._files.poll(self.store, list(projects.values()), now):
            shown = describe_files(files)
            await self._attempt(project, Attempt(
                "file", Trigger.EVENT, f"files changed: {shown}", f"changed: {shown}"), now)

    def _local(self, when: datetime) -> str:
        return when.astimezone(self.tz).strftime("%Y-%m-%d %H:%M")


_PLAN_REASONS = (DecisionReason.PLAN_LIMIT, DecisionReason.PLAN_RESERVE)


def _trigger_of(source: str) -> Trigger:
    return Trigger.SCHEDULED if source in ("schedule", "catch_up") else Trigger.EVENT

