"""Questions about paths the user typed, which never raise.

Python 3.11's Path.exists() and is_dir() raise OSError for a name too long (ENAMETOOLONG) or
a parent that cannot be searched (EACCES); for input from the user that is just "not there".
"""

from __future__ import annotations

from pathlib import Path


def exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:
        return False


def is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:
        return False
