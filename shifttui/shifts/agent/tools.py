"""The in-process MCP server `shift`: complete_shift, shift_status, ask_operator."""

from __future__ import annotations

from typing import Any, Protocol

from claude_agent_sdk import McpSdkServerConfig, create_sdk_mcp_server, tool
from pydantic import ValidationError

from shifttui.base.errors import ShiftTuiError
from shifttui.base.models import HandoffInput, handoff_sections

SERVER_NAME = "shift"
TOOL_NAMES = [f"mcp__{SERVER_NAME}__{n}" for n in ("complete_shift", "shift_status",
                                                   "ask_operator")]


def _handoff_schema() -> dict[str, Any]:
    """The tool's input schema, from HandoffInput's sections: what the agent may write."""
    properties: dict[str, Any] = {}
    for section in handoff_sections(HandoffInput):
        item = "integer" if section.numbers else "string"
        kind: dict[str, Any] = ({"type": "array", "items": {"type": item}}
                                if section.is_list else {"type": "string"})
        properties[section.name] = {**kind, "description": section.hint}
    required = [s.name for s in handoff_sections(HandoffInput) if s.required]
    return {"type": "object", "properties": properties, "required": required}


HANDOFF_SCHEMA: dict[str, Any] = _handoff_schema()


class ShiftControl(Protocol):
    """What the tools need from the running shift."""

    async def submit_handoff(self, handoff: HandoffInput) -> str:
        """Store the handoff (before answering) and say what the agent should do next."""
        ...

    def status_text(self) -> str: ...

    async def ask_operator(self, question: str) -> str: ...


def _text(text: str, *, error: bool = False) -> dict[str, Any]:
    result: dict[str, Any] = {"content": [{"type": "text", "text": text}]}
    if error:
        result["is_error"] = True
    return result


def validation_message(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()))
        parts.append(f"{loc or 'handoff'}: {str(err.get('msg', '')).removeprefix('Value error, ')}")
    return "; ".join(parts)


def build_server(control: ShiftControl) -> McpSdkServerConfig:
    @tool(
        "complete_shift",
        "End this shift by leaving a structured handoff for the next shift. Call it once, "
        "when you are done or out of time. Lists are lists of short strings.",
        HANDOFF_SCHEMA,
    )
    async def complete_shift(args: dict[str, Any]) -> dict[str, Any]:
        try:
            handoff = HandoffInput.model_validate(args)
        except ValidationError as exc:
            return _text(
                f"The handoff was not accepted: {validation_message(exc)}. Fix it and call "
                "complete_shift again.",
                error=True,
            )
        try:
            accepted = await control.submit_handoff(handoff)
        except ShiftTuiError as exc:
            # Never "recorded" unless it is: the agent may try again, and the shift's storage
            # fault stops it if the database stays unusable.
            return _text(f"The handoff could not be stored ({exc}). Call complete_shift again "
                         "in a moment.", error=True)
        return _text(accepted)

    @tool("shift_status", "Time and budget left in this shift.", {"type": "object",
                                                                   "properties": {}})
    async def shift_status(args: dict[str, Any]) -> dict[str, Any]:
        return _text(control.status_text())

    @tool(
        "ask_operator",
        "Ask the human operator a question when you are truly blocked. May wait a while; if "
        "nobody answers, proceed on your best judgment and note the assumption in your handoff.",
        {"type": "object", "properties": {"question": {"type": "string"}},
         "required": ["question"]},
    )
    async def ask_operator(args: dict[str, Any]) -> dict[str, Any]:
        question = str(args.get("question", "")).strip()
        if not question:
            return _text("ask_operator needs a non-empty question.", error=True)
        return _text(await control.ask_operator(question))

    return create_sdk_mcp_server(SERVER_NAME, tools=[complete_shift, shift_status, ask_operator])
