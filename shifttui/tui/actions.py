"""The project actions (start, abandon, force-complete, ...) shared by the main and detail screens.

Each runs as a worker on the app, not the screen: leaving a screen must not cancel a
force-complete in progress. Errors reach the app's single worker-error handler.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from textual.binding import Binding
from textual.screen import Screen

from shifttui.base.errors import NotFound, StateError
from shifttui.base.models import HandoffInput, Policy, Project, Shift, ShiftStatus
from shifttui.base.plan import plan_question
from shifttui.scheduling.budget import daily_budget_state
from shifttui.tui.messages import ProjectsChanged
from shifttui.tui.screens.handoff_editor import HandoffEditorModal
from shifttui.tui.screens.handoff_view import HandoffScreen
from shifttui.tui.screens.modals import (
    ConfirmModal,
    CountdownModal,
    MarkdownModal,
    TextPromptModal,
)
from shifttui.tui.screens.policy_form import PolicyFormModal
from shifttui.tui.screens.project_form import AddProjectModal
from shifttui.tui.services import services


class ProjectActions(Screen[Any]):
    """A screen with a current project (and maybe a selected shift)."""

    def current_project_id(self) -> str | None:
        raise NotImplementedError

    def selected_shift_id(self) -> str | None:
        return None

    def select_project(self, project_id: str) -> None:
        """Make `project_id` the current project once it is shown (a screen with a list)."""

    def _run(self, coro: Coroutine[Any, Any, None], group: str) -> None:
        self.app.run_worker(coro, group=group, exit_on_error=False)

    async def _project(self) -> Project | None:
        pid = self.current_project_id()
        if pid is None:
            self.notify("No project selected: press n to add one.", severity="warning")
            return None
        return await services(self).store.projects.get(pid)

    def _changed(self) -> None:
        for screen in self.app.screen_stack:
            screen.post_message(ProjectsChanged())

    # -- actions ------------------------------------------------------------------------------

    def action_start_shift(self) -> None:
        self._run(self._start(), "start")

    async def _start(self) -> None:
        project = await self._project()
        if project is None:
            return
        if not await self._budget_allows(project) or not await self._plan_allows(project):
            return
        shift = await services(self).start_shift(project.id)
        self.notify(f"Shift started on {project.name} ({shift.id}).")

    async def _budget_allows(self, project: Project) -> bool:
        """At 100 % of the daily budget the scheduler starts nothing; a start by hand is the
        operator's call, made knowingly."""
        svc = services(self)
        budget = await daily_budget_state(svc.store, svc.settings, svc.clock.now(), svc.tz)
        if not budget.needs_confirmation:
            return True
        yes: bool | None = await self.app.push_screen_wait(ConfirmModal(
            "Daily budget reached",
            f"Today's shifts have spent {budget.describe()}. Scheduled and triggered shifts "
            f"wait until tomorrow. Start a shift on {project.name} anyway?",
            yes="Start anyway", no="Don't start",
        ))
        return bool(yes)

    async def _plan_allows(self, project: Project) -> bool:
        """While the plan's window is exhausted, or within the reserve kept for the user, the
        scheduler holds its runs; a start by hand asks first."""
        svc = services(self)
        now = svc.clock.now()
        words = plan_question(await svc.store.plan.state(), svc.settings.plan_reserve_percent,
                              now, svc.tz)
        if words is None:
            return True
        title, body = words
        yes: bool | None = await self.app.push_screen_wait(ConfirmModal(
            title, f"{body} Start a shift on {project.name} anyway?",
            yes="Start anyway", no="Don't start",
        ))
        return bool(yes)

    def action_resume_shift(self) -> None:
        self._run(self._resume(), "start")

    async def _resume(self) -> None:
        project = await self._project()
        if project is None:
            return
        store = services(self).store
        target: Shift | None = None
        selected = self.selected_shift_id()
        if selected is not None:
            target = await store.shifts.get(selected)
            if target.status is not ShiftStatus.INTERRUPTED:
                raise StateError(
                    f"shift {target.id} is {target.status.value}; only an interrupted shift "
                    "can be resumed"
                )
        else:
            found = await store.shifts.list(project.id, limit=1, status=ShiftStatus.INTERRUPTED)
            if not found:
                raise NotFound(f"{project.name} has no interrupted shift to resume")
            target = found[0]
        if not await self._budget_allows(project):
            return
        shift = await services(self).start_shift(project.id, resume_of=target.id)
        self.notify(f"Resumed {target.id} as {shift.id}.")

    def action_abandon_shift(self) -> None:
        self._run(self._abandon(), "abandon")

    async def _running_shift(self) -> tuple[Project, Shift] | None:
        project = await self._project()
        if project is None:
            return None
        shift = await services(self).store.shifts.running_for(project.id)
        if shift is None:
            self.notify(f"No shift is running on {project.name}.", severity="warning")
            return None
        return project, shift

    async def _abandon(self) -> None:
        found = await self._running_shift()
        if found is None:
            return
        project, shift = found
        reason = await self.app.push_screen_wait(TextPromptModal(
            f"Abandon the shift on {project.name}?",
            "The agent is stopped now and no handoff is needed. Why? (recorded on the shift)",
            placeholder="reason", submit="Abandon", variant="error",
        ))
        if reason is None:
            return
        ended = await services(self).supervisor.abandon(shift.id, reason)
        self.notify(f"Shift on {project.name} {ended.status.value}.")

    def action_force_complete(self) -> None:
        self._run(self._force_complete(), "force")

    async def _force_complete(self) -> None:
        found = await self._running_shift()
        if found is None:
            return
        project, shift = found
        grace = project.policy.wrap_up_seconds
        yes = await self.app.push_screen_wait(ConfirmModal(
            f"Force-complete the shift on {project.name}?",
            f"The agent is interrupted and asked to call complete_shift now; it gets {grace} s "
            "(wrap_up_seconds). If it does not deliver, you edit a handoff drafted from its log.",
            yes="Force-complete", no="Keep running",
        ))
        if not yes:
            return
        supervisor = services(self).supervisor

        def stop_now() -> None:
            if not supervisor.cut_wrap_up(shift.id):
                self.notify("This shift runs in another shifttui process (a daemon): it stores "
                            "the auto-draft when the grace ends.", severity="warning")

        wait = CountdownModal(
            f"Wrapping up {project.name}",
            "Asked the agent to call complete_shift now. Stop now skips the rest of the wait "
            "and opens the handoff editor with the auto-draft.",
            seconds=grace, stop_now=stop_now,
        )
        self.app.push_screen(wait)

        async def editor(draft: HandoffInput) -> HandoffInput | None:
            if wait.is_attached:
                wait.dismiss(None)
            future: asyncio.Future[HandoffInput | None] = asyncio.get_running_loop(
            ).create_future()
            self.app.push_screen(
                HandoffEditorModal(draft, title=f"Handoff for {project.name} (forced)"),
                callback=lambda value: future.set_result(value) if not future.done() else None,
            )
            return await future

        try:
            ended = await supervisor.force_complete(shift.id, editor=editor)
        finally:
            if wait.is_attached and self.app.screen is wait:
                wait.dismiss(None)
        self.notify(f"Shift on {project.name} {ended.status.value}.")

    def action_edit_policy(self) -> None:
        self._run(self._edit_policy(), "form")

    async def _edit_policy(self) -> None:
        project = await self._project()
        if project is None:
            return
        svc = services(self)
        policy: Policy | None = await self.app.push_screen_wait(
            PolicyFormModal(project, svc.clock.now())
        )
        if policy is None:
            return
        await svc.store.projects.update_policy(project.id, policy, svc.clock.now())
        self.notify(f"Policy of {project.name} saved.")
        self._changed()

    def action_new_project(self) -> None:
        self._run(self._new_project(), "form")

    async def _new_project(self) -> None:
        svc = services(self)
        taken = {p.id for p in await svc.store.projects.list()}
        new = await self.app.push_screen_wait(AddProjectModal(taken))
        if new is None:
            return
        project = await svc.store.projects.add(new.name, new.path, Policy(), svc.clock.now())
        # The toast says "press e": e must edit the new project, not the row selected before.
        self.select_project(project.id)
        self.notify(f"Project {project.name} added; press e to edit its policy.")
        self._changed()

    def action_toggle_pause(self) -> None:
        self._run(self._toggle_pause(), "pause")

    async def _toggle_pause(self) -> None:
        project = await self._project()
        if project is None:
            return
        svc = services(self)
        updated = await svc.store.projects.set_paused(
            project.id, not project.paused, "paused by the operator", svc.clock.now()
        )
        self.notify(f"{updated.name} {'paused' if updated.paused else 'resumed'}.")
        self._changed()

    def action_show_handoff(self) -> None:
        pid = self.current_project_id()
        if pid is None:
            self.notify("No project selected.", severity="warning")
            return
        self.app.push_screen(HandoffScreen(pid, self.selected_shift_id()))

    def action_preview_context(self) -> None:
        self._run(self._preview_context(), "context")

    async def _preview_context(self) -> None:
        project = await self._project()
        if project is None:
            return
        from shifttui.shifts.context import build_context

        svc = services(self)
        text = await build_context(svc.store, project, now=svc.clock.now())
        await self.app.push_screen_wait(MarkdownModal(f"Context for {project.name}", text))

    def action_answer_question(self) -> None:
        self._run(self._answer(), "answer")

    async def _answer(self) -> None:
        supervisor = services(self).supervisor
        pending = await supervisor.pending_questions()
        if not pending:
            self.notify("No question is waiting for an answer.")
            return
        pid = self.current_project_id()
        question = next((q for q in pending if q.project_id == pid), pending[0])
        answer = await self.app.push_screen_wait(TextPromptModal(
            f"Question from the agent on {question.project_id}",
            question.question, placeholder="your answer", submit="Send",
        ))
        if answer is None:
            return
        await supervisor.answer_question(question.shift_id, question.question_id, answer)
        self.notify("Answer sent to the agent.")


PROJECT_BINDINGS = [
    Binding("s", "start_shift", "Start", id="start"),
    Binding("a", "abandon_shift", "Abandon", id="abandon"),
    Binding("f", "force_complete", "Force-complete", id="force_complete"),
    Binding("e", "edit_policy", "Edit policy", id="edit_policy"),
    Binding("n", "new_project", "New project", id="new_project"),
    Binding("p", "toggle_pause", "Pause/resume", id="pause"),
    Binding("h", "show_handoff", "Handoff", id="handoff"),
    Binding("r", "resume_shift", "Resume shift", id="resume", show=False),
    Binding("c", "preview_context", "Context", id="context", show=False),
    Binding("y", "answer_question", "Answer question", id="answer", show=False),
]
