"""What the agent wrote is shown as plain text: no escape or control sequence reaches the
terminal through shifttui's output, and newlines and tabs stay."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from shifttui.base.text import printable

ATTACKS = {
    "osc52 clipboard": "\x1b]52;c;aGVsbG8=\x07",
    "clear screen": "\x1b[2J\x1b[H",
    "title": "\x1b]0;pwned\x07",
    "8-bit csi": "\x9b2J",
    "backspace over text": "safe\x08\x08\x08\x08evil",
    "carriage return": "ok\rEVIL",
}


def test_each_attack_prints_as_visible_symbols() -> None:
    for name, attack in ATTACKS.items():
        shown = printable(f"before {attack} after")
        assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in shown), name
        assert shown.startswith("before ") and shown.endswith(" after"), name
    assert printable("\x1b]0;pwned\x07") == "␛]0;pwned␇"


def test_text_newlines_tabs_and_unicode_stay() -> None:
    text = "line one\n\tindented — naïve café ✔\nline three"
    assert printable(text) == text


@given(st.text())
def test_nothing_a_terminal_acts_on_survives(text: str) -> None:
    shown = printable(text)
    assert len(shown) == len(text)
    assert all(c in "\n\t" or not (ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0) for c in shown)
