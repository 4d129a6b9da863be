"""Every private part of claude-agent-sdk that shifttui touches, each reported as a Patch.

- fastparse: the transport's module-level line parser, swapped (agent/fastparse.py);
- queue-reader: the query's message queue, read (and its sender replaced) by agent/reader.py;
- cli-pid: the transport's process, for the CLI's pid (agent/process.py).

Each accessor answers None when the part is not where this SDK version kept it, and the patch
then says so and why; the caller takes the public path. The names are constants so a test can
play a newer SDK that renamed them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from claude_agent_sdk import ClaudeSDKClient, Message

from shifttui.system.seams import SEAMS, missing_attributes

LineParser = Callable[[str], "dict[str, Any] | None"]
Parse = Callable[[dict[str, Any]], "Message | None"]
Receive = MemoryObjectReceiveStream[dict[str, Any]]

SDK = "claude-agent-sdk"
PARSER_HOOK = "_parse_stdout_line"  # in claude_agent_sdk._internal.transport.subprocess_cli
QUERY = "_query"  # ClaudeSDKClient's Query, once connected
RECEIVE, SEND = "_message_receive", "_message_send"  # the Query's anyio queue, both ends
TRANSPORT, PROCESS = "_transport", "_process"  # ClaudeSDKClient's transport and its process


def _probe_parser() -> str | None:
    from claude_agent_sdk._internal.transport import subprocess_cli

    found = callable(getattr(subprocess_cli, PARSER_HOOK, None))
    return None if found else f"subprocess_cli has no {PARSER_HOOK}"


def _probe_queue() -> str | None:
    from claude_agent_sdk._internal.query import Query

    if _sdk_parse_message() is None:
        return "no _internal.message_parser.parse_message"
    return (missing_attributes(ClaudeSDKClient, "__init__", [QUERY])
            or missing_attributes(Query, "__init__", [RECEIVE, SEND]))


def _probe_pid() -> str | None:
    from claude_agent_sdk._internal.transport.subprocess_cli import SubprocessCLITransport

    return (missing_attributes(ClaudeSDKClient, "__init__", [TRANSPORT])
            or missing_attributes(SubprocessCLITransport, "__init__", [PROCESS]))


FASTPARSE = SEAMS.register("fastparse", SDK, "parsing with the SDK's json", _probe_parser)
QUEUE_READER = SEAMS.register("queue-reader", SDK, "reading through receive_messages()",
                              _probe_queue)
CLI_PID = SEAMS.register("cli-pid", SDK, "finding the CLI among shifttui's child processes",
                         _probe_pid)


# ------------------------------------------------------------------ fastparse
def _parser_module() -> Any:
    try:
        from claude_agent_sdk._internal.transport import subprocess_cli
    except ImportError:
        return None
    return subprocess_cli


def line_parser() -> LineParser | None:
    """The SDK's stdout line parser as it is now (the SDK's, or a replacement); None if gone."""
    found = getattr(_parser_module(), PARSER_HOOK, None)
    return found if callable(found) else None


def replace_line_parser(replacement: LineParser) -> LineParser | None:
    """Make `replacement` the SDK's line parser; returns the parser it took the place of (the
    replacement itself when installed before). None, and fastparse off, if the SDK has none."""
    module = _parser_module()
    current = getattr(module, PARSER_HOOK, None)
    if not callable(current):
        FASTPARSE.fall_back(f"subprocess_cli has no {PARSER_HOOK}")
        return None
    if current is not replacement:
        setattr(module, PARSER_HOOK, replacement)
    FASTPARSE.engage()
    return current


# ------------------------------------------------------------------ queue-reader
def _sdk_parse_message() -> Parse | None:
    try:
        from claude_agent_sdk._internal.message_parser import parse_message
    except ImportError:
        return None
    return parse_message


def message_queue(
    client: ClaudeSDKClient, wrap_send: Callable[[MemoryObjectSendStream[dict[str, Any]]], Any]
) -> tuple[Receive, Parse] | None:
    """The connected client's queue (its receiving end) and the SDK's parser for its items; the
    SDK's sending end is replaced by `wrap_send(it)`, once. None (queue-reader off) when this
    SDK keeps them elsewhere."""
    parse = _sdk_parse_message()
    query = getattr(client, QUERY, None)
    receive = getattr(query, RECEIVE, None)
    send = getattr(query, SEND, None)
    if parse is None:
        missing = "no _internal.message_parser.parse_message"
    elif query is None:
        missing = f"{type(client).__name__} has no {QUERY}"
    elif not isinstance(receive, MemoryObjectReceiveStream):
        missing = f"{type(query).__name__} has no {RECEIVE} memory stream"
    elif not (isinstance(send, MemoryObjectSendStream) or callable(getattr(send, "send", None))):
        missing = f"{type(query).__name__} has no {SEND} memory stream"
    else:
        if isinstance(send, MemoryObjectSendStream):  # else wrapped by an earlier reader
            setattr(query, SEND, wrap_send(send))
        QUEUE_READER.engage()
        return receive, parse
    QUEUE_READER.fall_back(missing)
    return None


# ------------------------------------------------------------------ cli-pid
def transport_pid(client: ClaudeSDKClient) -> int | None:
    """The pid of the client's CLI process, from its transport. None before the process starts,
    and (cli-pid off) when this SDK keeps the process elsewhere."""
    transport = getattr(client, TRANSPORT, None)
    if transport is None:
        return None  # not connected (yet): nothing to report
    if not hasattr(transport, PROCESS):
        CLI_PID.fall_back(f"{type(transport).__name__} has no {PROCESS}")
        return None
    pid = getattr(getattr(transport, PROCESS), "pid", None)
    if not isinstance(pid, int):
        return None
    CLI_PID.engage()
    CLI_PID.uses += 1
    return pid
