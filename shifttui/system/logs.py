"""Diagnostics go to <home>/shifttui.log, never to the terminal (it would corrupt the TUI)."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path


class _FileHandler(logging.handlers.RotatingFileHandler):
    def handleError(self, record: logging.LogRecord) -> None:
        # logging's default prints a traceback to stderr when the log cannot be written (a full
        # disk): that would land on the terminal or over the TUI. Losing the line is better.
        pass


def configure_logging(log_path: Path, level: int = logging.INFO) -> None:
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_shifttui", False):
            root.removeHandler(old)
            old.close()
    try:
        handler: logging.Handler = _FileHandler(
            log_path, maxBytes=5_000_000, backupCount=2, encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler._shifttui = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
