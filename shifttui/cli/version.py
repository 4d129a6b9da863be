"""`shifttui --version`: the versions that matter for a bug report, and the dependency patches."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from shifttui import __version__
from shifttui.system.seams import SEAMS, dependency_version


def version_line() -> str:
    """e.g. "shifttui 0.1.0 · claude-agent-sdk 0.2.187 · textual 8.2.8 · patches: fastparse on,
    …"; imports every module that registers a patch (~1 s: the SDK is heavy to import)."""
    import shifttui.shifts.agent.sdk_seam
    import shifttui.tui.widgets.log_seam  # noqa: F401 - registers the richlog-cache patch

    versions = [f"{name} {dependency_version(name)}" for name in ("claude-agent-sdk", "textual")]
    return " · ".join([f"shifttui {__version__}", *versions, f"patches: {SEAMS.summary()}"])


class VersionAction(argparse.Action):
    """Like argparse's "version" action, with a line computed only when asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS,
                 **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        print(version_line())  # on stdout, as argparse's own version action does
        parser.exit(0)
