"""The shifttui application: owns the supervisor, turns bus events into messages, quits safely."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.worker import Worker, WorkerState

from shifttui.base.bus import BusEvent, Notice, QuestionAsked, ShiftEnded, ShiftEventsAdded
from shifttui.base.clock import Clock, SystemClock
from shifttui.base.config import Home, Settings
from shifttui.base.errors import ShiftTuiError
from shifttui.base.models import ShiftStatus
from shifttui.runtime.runtime import Runtime
from shifttui.scheduling.cron import local_tz
from shifttui.scheduling.lease import LeaseInfo
from shifttui.shifts.supervisor import Supervisor
from shifttui.store import Store
from shifttui.tui.commands import ShiftCommands, TaskCommands
from shifttui.tui.feeds import EventFeeds
from shifttui.tui.keys import known_binding_ids
from shifttui.tui.live_config import config_change
from shifttui.tui.messages import CoreEvent, SchedulerChanged
from shifttui.tui.schedule_text import toast_worthy
from shifttui.tui.screens.help import HelpModal
from shifttui.tui.screens.main import MainScreen
from shifttui.tui.screens.modals import ConfirmModal
from shifttui.tui.services import Services
from shifttui.tui.themes import DEFAULT_THEME, load_themes, theme_dirs

# config.toml is checked this often for edits (a stat call).
CONFIG_CHECK_S = 2.0
# A Notice about the same thing may follow a ShiftEnded/QuestionAsked: wait this long before
# toasting those ourselves, so the operator hears about each thing once.
NOTICE_GRACE_S = 0.3

log = logging.getLogger(__name__)


class ShiftTuiApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "shifttui"
    COMMANDS = App.COMMANDS | {ShiftCommands, TaskCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("question_mark", "help", "Help", id="help"),
        Binding("i", "inbox", "Inbox", id="inbox", show=False),
        Binding("t", "timeline", "Timeline", id="timeline"),
    ]

    def __init__(
        self,
        home: Home,
        *,
        settings: Settings | None = None,
        store: Store | None = None,
        supervisor: Supervisor | None = None,
        clock: Clock | None = None,
        cli_path: str | None = None,
        extra_theme_dirs: list[Path] | None = None,
        user_theme_dirs: list[Path] | None = None,
        scheduler: bool = True,
        watch_others: bool | None = None,
    ) -> None:
        """`scheduler=False`: fire nothing (tests and snapshots stay deterministic).
        `watch_others` (default: as `scheduler`): show other processes' shifts live."""
        super().__init__()
        self.home = home
        self.settings = settings if settings is not None else home.load_settings()
        self.clock: Clock = clock or SystemClock()
        self._store = store
        self._owns_store = store is None
        self._supervisor = supervisor
        self._cli_path = cli_path
        self._theme_dirs = (
            user_theme_dirs if user_theme_dirs is not None else theme_dirs(home)
        ) + (extra_theme_dirs or [])
        self._unsubscribe: Any = None
        self.event_feeds = EventFeeds()
        self._noticed: set[tuple[str, str]] = set()
        self._themes_ready = False
        self.services: Services
        self.notify_failures: list[str] = []
        self._want_scheduler = scheduler
        self._watch_others = scheduler if watch_others is None else watch_others
        self.runtime: Runtime | None = None
        self._config_mtime: float | None = None

    # -- start and stop -----------------------------------------------------------------------

    async def on_mount(self) -> None:
        self._load_themes()
        self._apply_keymap(self.settings.keymap)
        self._config_mtime = self._config_stamp()
        self.set_interval(CONFIG_CHECK_S, self._check_config)
        if self._store is None:
            self._store = await Store.open(self.home.db_path, now=self.clock.now())
        self.runtime = Runtime(
            self._store, self.home, self.settings, kind="app", clock=self.clock, tz=local_tz(),
            cli_path=self._cli_path, supervisor=self._supervisor,
            on_notify_problem=self._notify_problem,
            notify_command=lambda: self.settings.notify_command,
        )
        self._supervisor = self.runtime.supervisor
        self.services = Services(
            self.home, self.settings, self._store, self._supervisor, self.clock, local_tz()
        )
        self._unsubscribe = self._supervisor.bus.subscribe(self._on_bus)
        # The scheduler is the app's, not a screen's: closing a screen never stops it.
        self.runtime.start(scheduler=self._want_scheduler, watch_others=self._watch_others,
                           on_role=self._on_scheduler_role)
        self.services.scheduler = self.runtime.scheduler
        self.services.launcher = self.runtime.start_shift
        if self._store.recovered:
            self.notify(
                f"{len(self._store.recovered)} shift(s) were interrupted when shifttui last "
                "stopped; open the project and press r to resume.",
                title="Interrupted shifts", severity="warning",
            )
        await self.push_screen(MainScreen())

    async def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        # Safety net for exits that bypass action_quit (errors, signals): no orphan agents.
        if self.runtime is not None:
            await self.runtime.close("shifttui exited")
        if self._owns_store and self._store is not None:
            await self._store.close()

    def _running_ids(self) -> list[str]:
        if self._supervisor is None:
            return []
        try:
            return self._supervisor.running_ids()
        except NotImplementedError:  # pragma: no cover - until the supervisor lands
            return []

    async def action_quit(self) -> None:
        running = self._running_ids()
        if not running:
            if self.runtime is not None:
                await self.runtime.stop_scheduler()
            self.exit()
            return
        self.push_screen(
            ConfirmModal(
                "Quit shifttui?",
                f"{len(running)} shift(s) running. They will be stopped now as interrupted; "
                "resume them later with r.",
                yes="Stop and quit", no="Stay",
            ),
            callback=self._quit_confirmed,
        )

    def _quit_confirmed(self, yes: bool | None) -> None:
        if yes:
            self._shutdown_and_exit()

    @work(exclusive=True, group="quit", exit_on_error=False)
    async def _shutdown_and_exit(self) -> None:
        self.notify("Stopping running shifts…", timeout=30)
        assert self.runtime is not None
        # The scheduler first: it must not start a shift while the others are being stopped.
        await self.runtime.close()
        self.exit()

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpModal):
            self.push_screen(HelpModal())

    def action_inbox(self) -> None:
        from shifttui.tui.screens.inbox import InboxScreen

        if not isinstance(self.screen, InboxScreen):
            self.push_screen(InboxScreen())

    def action_timeline(self) -> None:
        from shifttui.tui.screens.timeline import TimelineScreen

        if not isinstance(self.screen, TimelineScreen):
            self.push_screen(TimelineScreen())

    # -- scheduler ----------------------------------------------------------------------------

    def _on_scheduler_role(self, info: LeaseInfo) -> None:
        for screen in self.screen_stack:
            screen.post_message(SchedulerChanged())

    # -- config.toml edits --------------------------------------------------------------------

    def _config_stamp(self) -> float | None:
        try:
            return self.home.config_path.stat().st_mtime
        except OSError:
            return None

    def _apply_keymap(self, keymap: dict[str, str]) -> None:
        unknown = sorted(set(keymap) - known_binding_ids())
        if unknown:
            self.notify(f"keymap: no key has the id {', '.join(unknown)} (press ? for the ids)",
                        severity="warning")
        self.set_keymap(keymap)

    def _check_config(self) -> None:
        stamp = self._config_stamp()
        if stamp == self._config_mtime:
            return
        self._config_mtime = stamp
        try:
            fresh = self.home.load_settings()
        except ShiftTuiError as exc:
            self.notify(f"config.toml not applied: {exc}", severity="error", timeout=10)
            return
        change = config_change(self.settings, fresh)
        if not change.live and not change.restart:
            return
        self.settings = self.settings.model_copy(update=change.live)
        self.services.settings = self.settings
        if "keymap" in change.live:
            self._apply_keymap(self.settings.keymap)
        if "theme" in change.live and self.settings.theme in self.available_themes:
            self.theme = self.settings.theme
        self.notify(change.describe(), title="config.toml changed",
                    severity="warning" if change.restart else "information")

    # -- themes -------------------------------------------------------------------------------

    def _load_themes(self) -> None:
        themes, problems = load_themes(self._theme_dirs)
        for theme in themes:
            self.register_theme(theme)
        for problem in problems:
            self.notify(problem.message, title="Theme not loaded", severity="warning")
        wanted = self.settings.theme
        if wanted not in self.available_themes:
            if wanted != DEFAULT_THEME:
                self.notify(f"theme {wanted!r} not found; using {DEFAULT_THEME}",
                            severity="warning")
            wanted = DEFAULT_THEME if DEFAULT_THEME in self.available_themes else "textual-dark"
        self.theme = wanted
        self._themes_ready = True

    def watch_theme(self, theme: str) -> None:
        if not self._themes_ready or theme == self.settings.theme:
            return
        self.settings = self.settings.model_copy(update={"theme": theme})
        try:
            self.home.update_config(theme=theme)  # only this key: the user's comments stay
        except OSError as exc:
            self.notify(f"could not save the theme to {self.home.config_path}: {exc.strerror}",
                        severity="warning")
        except ShiftTuiError as exc:
            self.notify(f"could not save the theme: {exc}", severity="warning")

    # -- core events --------------------------------------------------------------------------

    def _on_bus(self, event: BusEvent) -> None:
        # Bus callbacks run on our loop and must be quick. Event batches go straight to the
        # panes showing that shift (a flood would otherwise queue every batch, payloads and all,
        # once for the app and once per screen); the rest through the message queue.
        if isinstance(event, ShiftEventsAdded):
            self.event_feeds.publish(event.shift_id, event.events)
            return
        self.post_message(CoreEvent(event))

    def on_core_event(self, message: CoreEvent) -> None:
        event = message.event
        for screen in self.screen_stack:
            screen.post_message(CoreEvent(event))
        if isinstance(event, Notice):
            self._on_notice(event)
        elif isinstance(event, ShiftEnded):
            self.set_timer(NOTICE_GRACE_S, lambda: self._ended_toast(event))
        elif isinstance(event, QuestionAsked):
            self.set_timer(NOTICE_GRACE_S, lambda: self._question_toast(event))

    def _on_notice(self, notice: Notice) -> None:
        if notice.kind == "scheduler" and not toast_worthy(notice):
            return  # every decision is published; the history shows them all
        if notice.shift_id:
            self._noticed.add((notice.kind, notice.shift_id))
        self.notify(notice.message, title=notice.title, severity=notice.severity,
                    timeout=10 if notice.severity != "information" else 5)
        self.bell()

    def _ended_toast(self, event: ShiftEnded) -> None:
        shift = event.shift
        if {("shift_ended", shift.id), ("shift_failed", shift.id)} & self._noticed:
            return
        failed = shift.status in (ShiftStatus.FAILED, ShiftStatus.EXPIRED)
        detail = f": {shift.error}" if shift.error and failed else ""
        self.notify(f"Shift on {shift.project_id} {shift.status.value}{detail}",
                    severity="error" if failed else "information")
        self.bell()

    def _question_toast(self, event: QuestionAsked) -> None:
        if ("question", event.shift_id) in self._noticed:
            return
        self.notify(f"{event.project_id}: {event.question}\nPress y to answer.",
                    title="The agent asks", severity="warning", timeout=15)
        self.bell()

    def _notify_problem(self, problem: str) -> None:
        """The runtime's notifier could not run notify_command."""
        self.notify_failures.append(problem)
        self.notify(problem, title="notify_command failed", severity="error")

    # -- the single place where action errors become one sentence -----------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        if isinstance(error, ShiftTuiError):
            self.notify(str(error), severity="error", timeout=8)
        else:
            self.log.error(f"worker {event.worker.name} failed: {error!r}")
            self.notify(f"unexpected error: {error!r}", severity="error", timeout=10)
