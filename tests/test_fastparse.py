"""The orjson line parser swapped into the SDK gives the SDK's answers, faster."""

from __future__ import annotations

import contextvars
import json

import pytest
from claude_agent_sdk._errors import CLIJSONDecodeError
from claude_agent_sdk._internal.transport import subprocess_cli

from shifttui.shifts.agent import fastparse
from shifttui.shifts.agent.sdk_seam import FASTPARSE

pytestmark = pytest.mark.timeout(10)

LINES = [
    json.dumps({"type": "assistant", "message": {"id": "msg_1", "content": [
        {"type": "text", "text": "é \u2028 \"q\" \\ 🎉"}], "usage": {"input_tokens": 10}}}),
    '{"type":"result","total_cost_usd":1e-05,"num_turns":3,"x":null,"y":[true,false]}\r',
    '{"a": 1, "a": 2}',  # duplicate key: the last wins in both
    '{"n": NaN}',  # json's extension, orjson refuses it: the SDK's parser answers
    '{"t": "\\ud800 lone surrogate"}',  # likewise
    "[SandboxDebug] not a message",
    "",
    "   ",
    "[1, 2]",
]


def test_installed_into_the_sdk() -> None:
    assert fastparse.install()
    assert fastparse.installed()
    assert fastparse.install()  # twice is harmless: the SDK's parser stays the fallback
    assert subprocess_cli._parse_stdout_line is fastparse._parse_line


@pytest.mark.parametrize("line", LINES)
def test_same_answer_as_the_sdk(line: str) -> None:
    fastparse.install()
    sdk = fastparse._sdk_parse
    assert sdk is not None and sdk is not fastparse._parse_line
    expected = sdk(line)
    got = fastparse._parse_line(line)
    assert got == expected or (got is not None and json.dumps(got) == json.dumps(expected))


@pytest.mark.parametrize("line", ['{"type": "assistant", "message": ', '{"a": 1} trailing'])
def test_corrupt_json_raises_the_sdk_error(line: str) -> None:
    fastparse.install()
    with pytest.raises(CLIJSONDecodeError):
        fastparse._parse_line(line)


def test_other_contexts_keep_the_sdk_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only clients connected where install() ran get orjson: a bare SDK client elsewhere in the
    process (the benchmark's baseline) parses with the SDK's own parser."""
    fastparse.install()
    calls: list[str] = []
    sdk = fastparse._sdk_parse
    assert sdk is not None

    def spy(line: str) -> dict[str, object] | None:
        calls.append(line)
        return sdk(line)

    monkeypatch.setattr(fastparse, "_sdk_parse", spy)
    line = '{"type": "assistant"}'
    assert fastparse._parse_line(line) == {"type": "assistant"}
    assert calls == []  # this context installed it: orjson answered
    assert contextvars.Context().run(fastparse._parse_line, line) == {"type": "assistant"}
    assert calls == [line]  # a fresh context: the SDK's parser answered


def test_an_sdk_without_the_parser_keeps_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    """A newer SDK without `_parse_stdout_line`: nothing is replaced, and the patch says why."""
    monkeypatch.delattr(subprocess_cli, "_parse_stdout_line")
    assert not fastparse.install()
    assert not fastparse.installed()
    assert FASTPARSE.active is False
    assert "subprocess_cli has no _parse_stdout_line; parsing with the SDK's json" in \
        FASTPARSE.reason
    monkeypatch.undo()
    assert fastparse.install() and FASTPARSE.active is True  # back when the SDK has it again
