"""The policy form: invalid input in every field is explained inline and never saved."""

from __future__ import annotations

import pytest

from shifttui.base.clock import FakeClock
from shifttui.base.config import Home
from shifttui.base.models import Policy
from shifttui.store import Store
from shifttui.tui.screens.policy_form import FIELDS, PolicyFormModal, field_id, validate_form

from .conftest import make_app
from .live_support import main_screen, top, until

# (field, invalid text, part of the message the model gives)
INVALID = [
    ("schedule", "61 * * * *", "not a valid cron expression"),
    ("schedule", "* * *", "must have 5 fields"),
    ("max_duration_minutes", "0", "greater than 0"),
    ("max_duration_minutes", "two hours", "valid number"),
    ("wrap_up_seconds", "-1", "greater than or equal to 0"),
    ("wrap_up_seconds", "1.5", "valid integer"),
    ("max_budget_usd", "0", "greater than 0"),
    ("max_budget_usd", "20000", "less than or equal to 10000"),
    ("max_turns", "0", "greater than 0"),
    ("pause_after_failures", "-2", "greater than or equal to 0"),
    ("mcp_servers", "{", "not valid JSON"),
    ("mcp_servers", '{"shift": {"command": "x"}}', "reserved"),
    ("mcp_servers", '{"browser": {}}', "needs a 'command' or a 'url'"),
    ("prompt", "../etc/passwd", "template name"),
    ("test_timeout_seconds", "0", "greater than 0"),
    ("triggers.debounce_seconds", "-1", "greater than or equal to 0"),
    ("env", '{"1BAD": "x"}', "not valid"),
    ("env", "[1, 2]", "valid dictionary"),
]
# Fields whose widget cannot hold an invalid value (a checkbox, a select, free text lists)
# are still checked by the model on save; these are the raw values that would be refused.
NOT_TYPABLE = [
    ("catch_up", "sometimes", "'skip' or 'once'"),
    ("permission_mode", "yolo", "Input should be"),
    ("model", "a\nb", "single line"),
    ("test_command", "make\x00test", "single line"),
    ("lint_command", "ruff\x00check", "single line"),
    ("isolation", "sometimes", "'worktree' or 'none'"),
    ("auto_merge", "always", "'never' or 'when_checks_pass'"),
    ("sandbox", "maybe", "'on' or 'off'"),
    ("network_hosts", "not a host!", "is not a host name"),
    ("deny_read", "relative/path", "must be an absolute path or start with ~"),
    ("judge_model", "a\nb", "single line"),
    ("judge_budget_usd", "0", "greater than 0"),
]


@pytest.mark.parametrize(("key", "raw", "message"), INVALID + NOT_TYPABLE)
def test_validate_form_names_the_field_and_the_models_message(
    key: str, raw: str, message: str
) -> None:
    policy, errors = validate_form(Policy(), {key: raw})
    assert policy is None
    assert list(errors) == [key]
    assert message in errors[key]


def test_every_field_is_covered_and_a_valid_form_round_trips() -> None:
    covered = {k for k, _, _ in INVALID + NOT_TYPABLE}
    free_text = {"enabled", "allowed_tools", "disallowed_tools", "deny_commands", "add_dirs",
                 "context_files", "instructions", "triggers.on_change", "triggers.after"}
    assert {f.key for f in FIELDS} == covered | free_text
    base = Policy(schedule="0 9 * * *", deny_commands=["git push*", "rm -rf /*"],
                  mcp_servers={"b": {"command": "x"}}, env={"A": "1"})
    policy, errors = validate_form(base, {"allowed_tools": "Read, Edit ,", "max_turns": ""})
    assert errors == {}
    assert policy is not None and policy.allowed_tools == ["Read", "Edit"]
    assert policy.max_turns is None and policy.mcp_servers == base.mcp_servers


@pytest.mark.timeout(40)
async def test_typing_invalid_values_shows_errors_inline_and_never_saves(
    seeded_home: Home, fixed_clock: FakeClock
) -> None:
    async with make_app(seeded_home, fixed_clock).run_test(size=(80, 24)) as pilot:
        await main_screen(pilot)
        await pilot.press("e")
        await until(pilot, lambda: isinstance(top(pilot), PolicyFormModal), what="the form")
        form = top(pilot)
        assert isinstance(form, PolicyFormModal)
        for key, raw, message in INVALID:
            fid = field_id(key)
            widget = form.query_one(f"#f-{fid}")
            original = widget.value  # type: ignore[attr-defined]
            widget.value = raw  # type: ignore[attr-defined]
            await pilot.pause()
            shown = str(form.query_one(f"#e-{fid}").render())
            assert message in shown, f"{key}={raw!r}: {shown!r}"
            assert widget.has_class("invalid")
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert top(pilot) is form, f"saved with {key}={raw!r}"
            widget.value = original  # type: ignore[attr-defined]
            await pilot.pause()
            assert str(form.query_one(f"#e-{fid}").render()) == ""
        await pilot.press("escape")
    store = await Store.open(seeded_home.db_path)
    try:
        policy = (await store.projects.get("alpha")).policy
    finally:
        await store.close()
    assert policy.schedule == "0 12 * * *" and policy.max_budget_usd == 5
