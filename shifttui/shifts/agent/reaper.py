"""The process container of a shift: run a command so that nothing it starts outlives it.

Run as a script (`python -I -S reaper.py PARENT_PID -- COMMAND…`, standard library only, so it
starts in ~20 ms without site-packages). It becomes a child subreaper (PR_SET_CHILD_SUBREAPER):
every process the command starts, even a `nohup cmd &`, a `(cmd &)` or a daemon that forks twice
and calls setsid, is re-parented to it, not to init, when its own parent exits. It then kills all
of its descendants when

- the command exits (a shift's background jobs end with the shift),
- it is told to stop (SIGTERM, SIGINT or SIGHUP: shifttui's stop, within milliseconds), or
- shifttui dies, even by SIGKILL: PR_SET_PDEATHSIG sends it SIGTERM then.

It exits with the command's exit status (128 + signal when the command was killed by one). The
command runs in a session of its own, so a terminal's Ctrl-C is for shifttui alone.
"""

from __future__ import annotations

import ctypes
import os
import sys
import time

# Not typing's: importing typing (or signal, which imports enum) was most of this script's
# start-up time. mypy treats any TYPE_CHECKING as true.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import signal
else:
    import _signal as signal

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


class _Stop(Exception):
    """A stop signal arrived (shifttui asked, or shifttui died)."""


def _prctl(option: int, value: int) -> bool:
    libc = ctypes.CDLL(None, use_errno=True)
    return int(libc.prctl(option, value, 0, 0, 0)) == 0


def descendants(root: int) -> list[int]:
    """Every process below `root`, from /proc (one pass over every process's parent pid)."""
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue  # gone meanwhile
        # "pid (comm) state ppid …": comm may hold spaces and parentheses; the last ")" ends it.
        fields = stat[stat.rfind(b")") + 2:].split()
        if len(fields) > 1:
            children.setdefault(int(fields[1]), []).append(int(name))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), ()):
            found.append(child)
            todo.append(child)
    return found


def kill_descendants() -> None:
    """SIGKILL everything below this process and reap it, until nothing is left. A process
    forked between a scan and its kill is orphaned to us (we are its subreaper), so the loop
    ends only when we have no child at all."""
    me = os.getpid()
    while True:
        try:
            while os.waitpid(-1, os.WNOHANG)[0] != 0:
                pass
        except ChildProcessError:
            return  # (the common end: the command left nothing, and /proc is not scanned)
        for pid in descendants(me):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.002)  # the killed are reaped on the next pass


def _exit_code(status: int) -> int:
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code


def _on_signal(signum: int, frame: object) -> None:
    raise _Stop


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        sys.stderr.write("usage: reaper.py PARENT_PID -- COMMAND [ARG...]\n")
        return 2
    parent, command = int(argv[0]), argv[2:]
    for signum in _STOP_SIGNALS:
        signal.signal(signum, _on_signal)
    try:
        # Armed first, then checked: a parent that died before this line is seen as gone.
        _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if parent == 1 or os.getppid() != parent:
            return 1  # shifttui died before we could guard the command: do not run it
        if not _prctl(PR_SET_CHILD_SUBREAPER, 1):
            sys.stderr.write("shifttui reaper: cannot become a child subreaper\n")
        try:
            os.setsid()
        except OSError:
            pass  # already a session leader
        child = os.fork()
        if child == 0:
            try:
                for signum in _STOP_SIGNALS:
                    signal.signal(signum, signal.SIG_DFL)
                _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # should the reaper itself be killed
                os.execvp(command[0], command)
            except BaseException as exc:
                sys.stderr.write(f"shifttui reaper: cannot run {command[0]}: {exc}\n")
            os._exit(127)
        while True:
            pid, status = os.waitpid(-1, 0)  # also reaps orphans re-parented to us
            if pid == child:
                code = _exit_code(status)
                break
    except _Stop:
        code = 128 + signal.SIGTERM
    # Whatever the command left (background jobs, daemons) ends with it. A second stop signal
    # must not interrupt the killing.
    for signum in _STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
    kill_descendants()
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
