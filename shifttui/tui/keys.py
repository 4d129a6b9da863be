"""Every binding id of the app (what a keymap in config.toml may name)."""

from __future__ import annotations

import functools

from textual.binding import Binding
from textual.dom import DOMNode


def _classes() -> list[type[DOMNode]]:
    from shifttui.tui.app import ShiftTuiApp
    from shifttui.tui.screens.detail import ProjectDetailScreen
    from shifttui.tui.screens.diff_view import DiffScreen
    from shifttui.tui.screens.event_view import EventModal
    from shifttui.tui.screens.handoff_editor import HandoffEditorModal
    from shifttui.tui.screens.handoff_view import HandoffScreen
    from shifttui.tui.screens.inbox import InboxScreen
    from shifttui.tui.screens.main import MainScreen
    from shifttui.tui.screens.modals import ConfirmModal, MarkdownModal, TextPromptModal
    from shifttui.tui.screens.policy_form import PolicyFormModal
    from shifttui.tui.screens.project_form import AddProjectModal
    from shifttui.tui.screens.shift_log import ShiftLogScreen
    from shifttui.tui.screens.timeline import TimelineScreen
    from shifttui.tui.widgets.event_browser import EventBrowser
    from shifttui.tui.widgets.nav_table import NavTable

    return [ShiftTuiApp, MainScreen, ProjectDetailScreen, ShiftLogScreen, EventModal,
            HandoffScreen, HandoffEditorModal, InboxScreen, DiffScreen, TimelineScreen,
            ConfirmModal, MarkdownModal, TextPromptModal, PolicyFormModal, AddProjectModal,
            EventBrowser, NavTable]


def bindings() -> list[tuple[str, Binding]]:
    """(owner, binding) for every binding with an id, in the classes' order."""
    out: list[tuple[str, Binding]] = []
    for cls in _classes():
        for b in getattr(cls, "BINDINGS", []):
            if isinstance(b, Binding) and b.id:
                out.append((cls.__name__, b))
    return out


@functools.cache
def known_binding_ids() -> frozenset[str]:
    return frozenset(b.id for _, b in bindings() if b.id)
