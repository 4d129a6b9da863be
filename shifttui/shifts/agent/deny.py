"""A project's `deny_commands`, checked against every command a shell string would run.

How a pattern reads (unchanged from the first guard; `git push*` is the default):

- It is an fnmatch pattern, case-sensitive, matched against one simple command's words joined
  by single spaces (`*` matches anything, spaces too: `git push*` denies `git push origin main`
  and also `git pushx`). The command word counts by its basename (`/usr/bin/git` is `git`).
- A pattern without `*`, `?` or `[` also denies the command with arguments: `npm publish`
  denies `npm publish --tag next`, not `npm publishing-notes`.
- The commands are those `commands.parse` finds: every layer of a wrapper (`timeout 60 git
  push` is checked as itself and as `git push`), shell strings run by `bash -c`, `eval`,
  heredocs to a shell, and git with its global options dropped and its aliases expanded.
- A quoted argument is data, not a command: `echo "git push"` and `git commit -m "push it"`
  pass.

What cannot be decided before run time is denied only when the text mentions the pattern:
- a command whose words are built at run time (`$g push`, `$(echo git) push`, `git $sub`, a
  shell reading a script from a pipe) is denied when its known leading words could begin a
  match and any word of the pattern it lacks appears anywhere in the tool's input (`$g push`
  needs `git` or `push`, `git $sub` needs `push`: `for c in status diff; do git $c; done`
  passes);
- text the parser cannot read (bashlex knows no `case` or `[[ ]]`) is denied when every word
  of the pattern appears in it.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass

from shifttui.shifts.agent.commands import SimpleCommand, parse

_GLOB = frozenset("*?[")


@dataclass(frozen=True)
class CommandRules:
    """The deny patterns of one project."""

    patterns: tuple[str, ...]

    def check(self, command: str) -> str | None:
        """Why `command` is denied, or None when it may run."""
        if not self.patterns:
            return None
        parsed = parse(command)
        for cmd in parsed.commands:
            for pattern in self.patterns:
                if matches(cmd.text, pattern):
                    return (f"The command `{cmd.text}` is denied by this project's policy "
                            f"(pattern {pattern!r}). Do not try to work around it; note in your "
                            "handoff what the operator should do instead.")
        for cmd in parsed.commands:
            if cmd.static:
                continue
            for pattern in self.patterns:
                # the words the run-time part would have to supply: `git $c` needs `push`
                rest = " ".join(pattern.split()[len(cmd.static_prefix):])
                if _could_begin(cmd, pattern) and _mentions(command, rest, every=False):
                    return (f"cannot check a command built at run time: `{cmd.text}` could "
                            f"run what this project's policy denies (pattern {pattern!r}). "
                            "Spell the command out, or note in your handoff what the operator "
                            "should do instead.")
        for unread in parsed.unparsed:
            for pattern in self.patterns:
                if _mentions(unread.text, pattern, every=True):
                    return (f"cannot check a command built at run time: the shell text could "
                            f"not be parsed ({unread.why}) and mentions what this project's "
                            f"policy denies (pattern {pattern!r}). Use plainer shell syntax, or "
                            "note in your handoff what the operator should do instead.")
        return None


def matches(command: str, pattern: str) -> bool:
    if fnmatch.fnmatchcase(command, pattern):
        return True
    if any(ch in _GLOB for ch in pattern):
        return False
    return command == pattern or command.startswith(pattern + " ")


def _could_begin(cmd: SimpleCommand, pattern: str) -> bool:
    """Whether the words known before run time could be the start of a match."""
    words = pattern.split()
    for i, known in enumerate(cmd.static_prefix):
        if i >= len(words):  # more words known than the pattern has: the tail must absorb them
            return bool(words) and ("*" in words[-1] or not any(c in _GLOB for c in pattern))
        if not fnmatch.fnmatchcase(known, words[i]) and not (
                i == len(words) - 1 and matches(known, words[i])):
            return False
    return True


def _mentions(text: str, pattern: str, *, every: bool) -> bool:
    names = significant_words(pattern)
    if not names:
        return True  # a pattern of wildcards and options only: anything might match it
    found = [re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text) is not None for w in names]
    return all(found) if every else any(found)


def significant_words(pattern: str) -> list[str]:
    """The names in a pattern (`git push*` -> git, push); options and paths are left out."""
    out: list[str] = []
    for word in pattern.split():
        if word.startswith("-"):
            continue
        literal = re.sub(r"\[[^\]]*\]|[*?]", " ", word).split()
        out.extend(w for w in literal if re.fullmatch(r"[\w][\w.+-]*", w) and len(w) > 1)
    return out
