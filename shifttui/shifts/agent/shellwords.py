"""Shell words as the shell reads them, where bashlex does not: `$'...'` quoting, quoted
heredoc delimiters and `$((...))` arithmetic."""

from __future__ import annotations

import re

# Only word-like delimiters: removing the quotes around them cannot move a quoting boundary.
_HEREDOC_QUOTED = re.compile(r"<<(-?)[ \t]*(?:'(\w+)'|\"(\w+)\"|\\(\w+))")
# Quote-free arithmetic only, so the rewrite cannot change quoting or hide a `$(...)`.
_ARITHMETIC = re.compile(r"\$\(\(([\w\s+\-*/%<>=!&|^~?:,.$#]*)\)\)")
_ANSI_C = re.compile(r"\\(?:x([0-9a-fA-F]{1,2})|u([0-9a-fA-F]{1,4})|U([0-9a-fA-F]{1,8})|"
                     r"([0-7]{1,3})|c(.)|(.))", re.DOTALL)
_SIMPLE_ESCAPES = {"a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b", "f": "\f", "n": "\n",
                   "r": "\r", "t": "\t", "v": "\v", "\\": "\\", "'": "'", '"': '"', "?": "?"}


def prepare(text: str) -> str:
    """`text` with quoted heredoc delimiters and `$((...))` spelled so bashlex can read them."""
    text = _HEREDOC_QUOTED.sub(lambda m: f"<<{m[1]}{m[2] or m[3] or m[4]}", text)
    return _ARITHMETIC.sub("$__arithmetic__", text)


def unquote(raw: str) -> tuple[str, bool] | None:
    """One shell word's value and whether it is static, with `$'...'` decoded (bashlex reads
    `$'git'` as the parameter `$git`); None if the word is not closed."""
    out: list[str] = []
    static, i, n = True, 0, len(raw)
    while i < n:
        c = raw[i]
        if c == "\\":
            out.append(raw[i + 1:i + 2])
            i += 2
        elif c == "'":
            end = raw.find("'", i + 1)
            if end < 0:
                return None
            out.append(raw[i + 1:end])
            i = end + 1
        elif c == "$" and raw.startswith("'", i + 1):
            close = _ansi_c_end(raw, i + 2)
            if close is None:
                return None
            out.append(_ansi_c(raw[i + 2:close]))
            i = close + 1
        elif c == '"':
            i += 1
            while i < n and raw[i] != '"':
                if raw[i] == "\\" and i + 1 < n and raw[i + 1] in '$`"\\\n':
                    i += 1
                elif raw[i] in "$`" and i + 1 < n and (raw[i] == "`" or _expands(raw[i + 1])):
                    static = False
                out.append(raw[i])
                i += 1
            if i >= n:
                return None
            i += 1
        else:
            if c in "$`" and i + 1 < n and (c == "`" or _expands(raw[i + 1])):
                static = False
            out.append(c)
            i += 1
    return "".join(out), static


def _expands(ch: str) -> bool:
    return ch.isalnum() or ch in "_{(@*#?$!-"


def _ansi_c_end(text: str, i: int) -> int | None:
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == "'":
            return i
        i += 1
    return None


def _ansi_c(body: str) -> str:
    def one(m: re.Match[str]) -> str:
        hex2, u4, u8, octal, ctrl, other = m.groups()
        code = hex2 or u4 or u8
        if code:
            return chr(min(int(code, 16), 0x10FFFF))
        if octal:
            return chr(int(octal, 8) & 0xFF)
        if ctrl:
            return chr(ord(ctrl) & 0x1F)
        return _SIMPLE_ESCAPES.get(other, "\\" + other)

    return _ANSI_C.sub(one, body)
