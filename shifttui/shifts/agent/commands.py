"""Every simple command a shell string would run, found with a real shell parser (bashlex).

`parse(text)` walks the syntax tree: lists (`;` `&&` `||` `&`, newlines), pipelines, subshells,
groups, `if`/`for`/`while` bodies, function bodies, command and process substitutions. It looks
through the wrappers that run their arguments as a command — `env` (with `-u X`, `-S`,
`VAR=x`), `time`, `nice`, `nohup`, `timeout`, `command`, `builtin`, `exec`, `setsid`, `sudo`,
`doas`, `stdbuf`, `ionice`, `busybox`, `xargs` and `find -exec` — and parses again what is run
as shell text: `bash`/`sh`/`zsh`/... `-c` strings, heredocs and here-strings fed to a shell,
`eval`, `alias` values and git's `!` aliases. Git is read the way git reads itself: global
options (`-C dir`, `-c k=v`, `--git-dir`, ...) are dropped, aliases defined inline
(`git -c alias.x=push x`) or earlier in the same string (`git config alias.p push && git p`)
are expanded, and git's other push commands (`send-pack`, `http-push`) read as `git push`.

Each command is reported once per layer (`timeout 60 git push` yields both), its command word
reduced to its basename (`/usr/bin/git` is `git`), braces expanded (`pu{s,}h` is `push puh`).
A word is *static* when its value is known before the shell runs: no `$var`, `$(...)`,
backquotes or globs. What the parser cannot read at all (a syntax bashlex does not know, like
`case` or `[[ ]]`) is kept as `Unparsed`: `parse` never raises. `$'...'` quoting, quoted heredoc
delimiters and `$((...))` arithmetic are handled in shellwords.py, because bashlex does not
know them.
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import bashlex  # type: ignore[import-untyped]  # no stubs; only parse() is used
import bracex

from shifttui.shifts.agent.shellwords import prepare, unquote

MAX_DEPTH = 8  # shells inside shells; deeper than any honest command goes
MAX_CHARS = 50_000  # bashlex is pure Python (~2.5 s for 50 KB); past this, text is unreadable

_BRACE_LIMIT = 256  # words one brace expression may make before it counts as unknown
SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "yash", "posh"})
_SHELL_OPTS_WITH_ARG = frozenset({"-o", "+o", "-O", "+O", "--rcfile", "--init-file"})


class Word(NamedTuple):
    text: str
    static: bool  # known before run time


@dataclass(frozen=True)
class SimpleCommand:
    """One command the shell would run: its words after the wrappers in front were peeled."""

    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def static_prefix(self) -> tuple[str, ...]:
        """The leading words known before run time (all of them for an ordinary command)."""
        out = []
        for w in self.words:
            if not w.static:
                break
            out.append(w.text)
        return tuple(out)

    @property
    def static(self) -> bool:
        return all(w.static for w in self.words)


@dataclass(frozen=True)
class Unparsed:
    """Shell text the parser could not read; `why` is bashlex's complaint."""

    text: str
    why: str


@dataclass
class Parsed:
    commands: list[SimpleCommand] = field(default_factory=list)
    unparsed: list[Unparsed] = field(default_factory=list)


# name -> (short options taking an argument, long options taking one, positionals before the
# command). Flags without an argument need no entry: any other `-x` is skipped alone.
_WRAPPERS: dict[str, tuple[str, frozenset[str], int]] = {
    "nohup": ("", frozenset(), 0),
    "time": ("fo", frozenset({"--format", "--output"}), 0),
    "nice": ("n", frozenset({"--adjustment"}), 0),
    "timeout": ("sk", frozenset({"--signal", "--kill-after"}), 1),
    "command": ("", frozenset(), 0),
    "builtin": ("", frozenset(), 0),
    "exec": ("a", frozenset(), 0),
    "setsid": ("", frozenset(), 0),
    "sudo": ("ugCDhpRrtTU", frozenset({"--user", "--group", "--close-from", "--chdir",
                                       "--host", "--prompt", "--chroot", "--role", "--type",
                                       "--command-timeout", "--other-user"}), 0),
    "doas": ("uC", frozenset(), 0),
    "stdbuf": ("ioe", frozenset({"--input", "--output", "--error"}), 0),
    "ionice": ("cnp", frozenset({"--class", "--classdata", "--pid"}), 0),
    "busybox": ("", frozenset(), 0),
    "env": ("uCS", frozenset({"--unset", "--chdir", "--split-string"}), 0),
}
_XARGS = ("adEILnPs", frozenset({"--arg-file", "--delimiter", "--eof", "--replace",
                                  "--max-lines", "--max-args", "--max-procs", "--max-chars",
                                  "--process-slot-var"}))
_GIT_OPTS_WITH_ARG = frozenset({"-C", "-c", "--git-dir", "--work-tree", "--namespace",
                                "--super-prefix", "--list-cmds"})
_GIT_PUSHES = frozenset({"send-pack", "http-push"})
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_DYNAMIC_NODES = frozenset({"parameter", "commandsubstitution", "processsubstitution"})


def parse(text: str) -> Parsed:
    """Every simple command `text` would run, and what could not be read."""
    walk = _Walk()
    try:
        walk.script(text, 0)
    except Exception as exc:  # a bashlex tree shape this walker does not expect: unreadable
        walk.out.unparsed.append(Unparsed(text, f"{type(exc).__name__}: {exc}"))
    return walk.out


class _Walk:
    def __init__(self) -> None:
        self.out = Parsed()
        self.git_aliases: dict[str, str] = {}

    # -- shell text -----------------------------------------------------------------------
    def script(self, text: str, depth: int) -> None:
        if depth > MAX_DEPTH or len(text) > MAX_CHARS:
            self.out.unparsed.append(Unparsed(text, "nested or long beyond what is checked"))
            return
        if not text.strip():
            return
        source = prepare(text)
        try:
            trees = bashlex.parse(source)
        except Exception as exc:  # ParsingError, NotImplementedError and worse on odd input
            self.out.unparsed.append(Unparsed(text, f"{type(exc).__name__}: {exc}"))
            return
        for tree in trees:
            self.node(tree, source, depth, piped=False)

    def node(self, n: Any, src: str, depth: int, piped: bool) -> None:
        kind = n.kind
        if kind == "command":
            self.command(n, src, depth, piped)
        elif kind == "pipeline":
            stages = [p for p in n.parts if p.kind not in ("pipe", "reservedword")]
            for i, stage in enumerate(stages):
                self.node(stage, src, depth, piped=piped or i > 0)
        elif kind in ("commandsubstitution", "processsubstitution"):
            self.node(n.command, src, depth, piped=False)
        else:
            for child in _children(n):
                self.node(child, src, depth, piped)

    def command(self, n: Any, src: str, depth: int, piped: bool) -> None:
        words: list[Word] = []
        stdin: str | None = None
        for part in n.parts:
            if part.kind == "word":
                words.extend(_braces(_word(part, src)))
            elif part.kind == "redirect":
                heredoc = getattr(part, "heredoc", None)
                if heredoc is not None:
                    stdin = _heredoc_body(heredoc.value)
                elif part.type == "<<<" and getattr(part.output, "kind", "") == "word":
                    here = _word(part.output, src)
                    stdin = here.text if here.static else None
                    piped = piped or not here.static
            for child in _children(part):
                self.node(child, src, depth, piped=False)  # substitutions inside words
        self.argv(words, depth, stdin=stdin, piped=piped)

    # -- argv: peel wrappers --------------------------------------------------------------
    def argv(self, words: list[Word], depth: int, *, stdin: str | None = None,
             piped: bool = False) -> None:
        while words:
            head = words[0]
            if not head.static:
                self.emit(words)
                return
            name = os.path.basename(head.text)
            words = [Word(name, True), *words[1:]]
            self.emit(words)
            if name in _WRAPPERS:
                shorts, longs, positionals = _WRAPPERS[name]
                i, values = _skip_options(words, 1, shorts, longs)
                if name == "env":
                    for opt, value in values:
                        if opt in ("-S", "--split-string"):
                            self.text_or_unknown(value, depth)
                    while i < len(words) and _ASSIGNMENT.match(words[i].text):
                        i += 1
                if name == "sudo":
                    while i < len(words) and _ASSIGNMENT.match(words[i].text):
                        i += 1
                words = words[i + positionals:]
            elif name in SHELLS:
                self.shell(words, depth, stdin, piped)
                return
            elif name == "eval":
                self.text_or_unknown(_join(words[1:]), depth)
                return
            elif name == "xargs":
                i, values = _skip_options(words, 1, *_XARGS)
                replace = next((v.text for o, v in values if o in ("-I", "--replace")), None)
                inner = [Word(w.text, w.static and (replace is None or replace not in w.text))
                         for w in words[i:]] or [Word("echo", True)]
                # xargs appends words read from its input
                words = [*inner, Word("<input>", False)] if replace is None else inner
            elif name == "find":
                self.find_exec(words, depth)
                return
            elif name == "alias":
                for w in words[1:]:
                    if "=" in w.text:
                        self.text_or_unknown(Word(w.text.split("=", 1)[1], w.static), depth)
                return
            elif name == "git":
                self.git(words, depth)
                return
            else:
                return

    def emit(self, words: list[Word]) -> None:
        self.out.commands.append(SimpleCommand(tuple(words)))

    def unknown(self, what: str) -> None:
        """A command whose very words are only known at run time."""
        self.emit([Word(what, False)])

    def text_or_unknown(self, word: Word, depth: int) -> None:
        if word.static:
            self.script(word.text, depth + 1)
        else:
            self.unknown(word.text)

    def shell(self, words: list[Word], depth: int, stdin: str | None, piped: bool) -> None:
        i, has_c = 1, False
        while i < len(words):
            w = words[i].text
            if w == "--":
                i += 1
                break
            if w in _SHELL_OPTS_WITH_ARG:
                i += 2
            elif w.startswith("-") and len(w) > 1:
                has_c = has_c or (not w.startswith("--") and "c" in w[1:])
                i += 1
            elif w.startswith("+") and len(w) > 1:
                i += 1
            else:
                break
        rest = words[i:]
        if has_c:
            if rest:
                self.text_or_unknown(rest[0], depth)
        elif rest:
            pass  # a script file: its content is not in the call (the git backstop is)
        elif stdin is not None:
            self.script(stdin, depth + 1)
        elif piped:
            self.unknown(f"{words[0].text} reading a script from a pipe")

    def find_exec(self, words: list[Word], depth: int) -> None:
        i = 1
        while i < len(words):
            if words[i].text in ("-exec", "-execdir", "-ok", "-okdir"):
                j = i + 1
                while j < len(words) and words[j].text not in (";", "+"):
                    j += 1
                self.argv(list(words[i + 1:j]), depth)
                i = j
            i += 1

    def git(self, words: list[Word], depth: int) -> None:
        inline: dict[str, str] = {}
        i = 1
        while i < len(words):
            w = words[i]
            if w.text in _GIT_OPTS_WITH_ARG and i + 1 < len(words):
                value = words[i + 1]
                if w.text == "-c" and value.static and value.text.lower().startswith("alias."):
                    name, _, expansion = value.text[len("alias."):].partition("=")
                    inline[name.lower()] = expansion
                i += 2
            elif w.text.startswith("-"):
                i += 1
            else:
                break
        rest = list(words[i:])
        for _ in range(MAX_DEPTH):  # aliases may name aliases
            if not rest or not rest[0].static:
                break
            sub = rest[0].text
            alias = inline.get(sub.lower(), self.git_aliases.get(sub.lower()))
            if alias is None:
                break
            if alias.startswith("!"):
                self.script(" ".join([alias[1:], *(shlex.quote(w.text) for w in rest[1:])]),
                            depth + 1)
                return
            rest = [*_split(alias), *rest[1:]]
        if rest and rest[0].static and rest[0].text in _GIT_PUSHES:
            rest = [Word("push", True), *rest[1:]]
        if rest and rest[0].text == "config":
            self.note_git_aliases(rest)
        if i > 1 or rest != list(words[1:]):
            self.emit([words[0], *rest])

    def note_git_aliases(self, rest: list[Word]) -> None:
        for k, w in enumerate(rest[:-1]):
            if w.static and w.text.lower().startswith("alias.") and rest[k + 1].static:
                self.git_aliases[w.text[len("alias."):].lower()] = rest[k + 1].text


def _children(n: Any) -> list[Any]:
    out: list[Any] = []
    for attr in ("parts", "list"):
        out.extend(getattr(n, attr, None) or [])
    for attr in ("command", "output"):
        child = getattr(n, attr, None)
        if child is not None and hasattr(child, "kind"):
            out.append(child)
    return out


def _word(n: Any, src: str) -> Word:
    text = str(n.word)
    nodes = _descendants(n)
    dynamic = any(p.kind in _DYNAMIC_NODES for p in nodes)
    raw = src[n.pos[0]:n.pos[1]]
    if "$'" in raw and not any(p.kind.endswith("substitution") for p in nodes):
        decoded = unquote(raw)
        if decoded is not None:
            text, static = decoded
            dynamic = not static
    # An unquoted glob could expand to anything; bashlex keeps no quoting, so a quoted one
    # counts too (only ever a false "unknown", never a missed command).
    return Word(text, not dynamic and not any(c in text for c in "*?["))


def _braces(word: Word) -> list[Word]:
    """The words a brace expansion makes (`pu{s,}h` is `push puh`), as bash does before it
    runs anything; a quoted brace is expanded too (a false alarm at worst)."""
    if "{" not in word.text or not word.static:
        return [word]
    try:
        return [Word(w, True) for w in bracex.expand(word.text, limit=_BRACE_LIMIT)]
    except bracex.ExpansionLimitException:
        return [Word(word.text, False)]


def _descendants(n: Any) -> list[Any]:
    out = []
    for child in getattr(n, "parts", None) or []:
        out.append(child)
        if child.kind not in ("commandsubstitution", "processsubstitution"):
            out.extend(_descendants(child))
    return out


def _heredoc_body(value: str) -> str:
    # bashlex keeps the closing delimiter as the body's last line
    body, _, _last = value.rstrip("\n").rpartition("\n")
    return body


def _join(words: list[Word]) -> Word:
    return Word(" ".join(w.text for w in words), all(w.static for w in words))


def _split(text: str) -> list[Word]:
    try:
        return [Word(t, True) for t in shlex.split(text)]
    except ValueError:
        return [Word(t, True) for t in text.split()]


def _skip_options(words: list[Word], i: int, shorts: str, longs: frozenset[str]
                  ) -> tuple[int, list[tuple[str, Word]]]:
    """Index of the first word after the options from `i`, and the options' arguments."""
    values: list[tuple[str, Word]] = []
    while i < len(words):
        w = words[i].text
        if w == "--":
            return i + 1, values
        if not w.startswith("-") or w == "-":
            break
        if w.startswith("--"):
            name, eq, value = w.partition("=")
            if eq:
                values.append((name, Word(value, words[i].static)))
            elif name in longs and i + 1 < len(words):
                values.append((name, words[i + 1]))
                i += 1
            i += 1
            continue
        for k, ch in enumerate(w[1:], start=1):
            if ch in shorts:
                if k + 1 < len(w):
                    values.append((f"-{ch}", Word(w[k + 1:], words[i].static)))
                elif i + 1 < len(words):
                    values.append((f"-{ch}", words[i + 1]))
                    i += 1
                break
        i += 1
    return i, values
