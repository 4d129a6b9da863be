"""The command palette provider: the actions of the current screen, by name."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode

from shifttui.tui.actions import PROJECT_BINDINGS

# Longer palette texts than the footer's, so the palette is searchable by what an action does.
HELP = {
    "start": "Start a shift on the selected project",
    "abandon": "Abandon the running shift (asks for a reason)",
    "force_complete": "Force-complete the running shift (wrap up now, then edit the handoff)",
    "edit_policy": "Edit the project's policy",
    "new_project": "Add a project",
    "pause": "Pause or resume the project",
    "handoff": "Read the project's handoffs",
    "resume": "Resume an interrupted shift",
    "context": "Preview the context of the next shift",
    "answer": "Answer the agent's question",
    "inbox": "Review inbox: rate ended shifts 1-5, read their diffs and logs",
    "inbox.merge_passed": "Merge all that passed: the project's unmerged shifts up to the "
                          "first that failed, into your branch (asks first)",
    "inbox.reviewed_project": "Mark all of the project's shifts reviewed (asks first)",
    "inbox.filter": "Filter the inbox: all, failed, red checks, unmerged",
    "timeline": "Timeline: scheduled shifts of the next 24 hours with projected cost",
    "help": "Keys and concepts",
    "quit": "Quit (running shifts are interrupted, resumable)",
}
ORDER = [b.id for b in PROJECT_BINDINGS] + ["inbox", "inbox.merge_passed",
                                            "inbox.reviewed_project", "inbox.filter",
                                            "timeline", "help", "quit"]


class ShiftCommands(Provider):
    """Only actions the current screen (or the app) can run right now are offered."""

    def _commands(self) -> list[tuple[str, str, DOMNode, str]]:
        found: dict[str, tuple[str, str, DOMNode, str]] = {}
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if binding.id is None or binding.id not in HELP or not active.enabled:
                continue
            found.setdefault(
                binding.id, (binding.description, HELP[binding.id], active.node, binding.action)
            )
        return [found[i] for i in ORDER if i in found]

    async def discover(self) -> Hits:
        for name, help_text, node, action in self._commands():
            yield DiscoveryHit(name, partial(self.app.run_action, action, node), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, node, action in self._commands():
            score = max(matcher.match(name), matcher.match(help_text))
            if score > 0:
                run = partial(self.app.run_action, action, node)
                yield Hit(score, matcher.highlight(name), run, help=help_text)


class TaskCommands(Provider):
    """The current project's tasks (add, done, drop) where the screen offers them: the
    project detail's `task_commands`."""

    def _commands(self) -> list[tuple[str, str, Callable[[], None]]]:
        offer = getattr(self.screen, "task_commands", None)
        return list(offer()) if callable(offer) else []

    async def discover(self) -> Hits:
        for name, help_text, run in self._commands():
            yield DiscoveryHit(name, run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, run in self._commands():
            score = max(matcher.match(name), matcher.match(help_text))
            if score > 0:
                yield Hit(score, matcher.highlight(name), run, help=help_text)
