"""Each fact once: a policy field, a handoff section and a money amount are declared in one place
and every view (CLI flags, form, detail views, context, tool schema, editor) follows it."""

from __future__ import annotations

import argparse
import json
import os
import shlex
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from rich.console import Console

from shifttui.base.clock import FakeClock
from shifttui.base.models import (
    DEFAULT_DENY_READ,
    AutoMerge,
    CatchUp,
    Handoff,
    HandoffInput,
    Isolation,
    PermissionMode,
    Policy,
    Project,
    Sandbox,
    Shift,
    ShiftStatus,
    Trigger,
    handoff_sections,
)
from shifttui.base.policy_meta import PolicyField, PolicyMeta, describe
from shifttui.cli import fmt, views
from shifttui.cli.policy_flags import add_policy_flags, apply_policy_flags
from shifttui.review import report
from shifttui.shifts import context
from shifttui.shifts.agent.tools import HANDOFF_SCHEMA
from shifttui.store import Store
from shifttui.system.procs import process_token
from shifttui.tui import format as tui_format
from shifttui.tui.screens import handoff_editor, policy_form
from shifttui.tui.screens.detail import policy_text

NOW = datetime.fromisoformat("2026-11-21T09:00:00+00:00")


def _sample(tmp_path: Path) -> Policy:
    """A policy in which every field differs from its default (test_the_sample_... checks it),
    so a field that no view carries cannot hide behind its default."""
    extra = tmp_path / "extra"
    extra.mkdir(exist_ok=True)
    return Policy(
        enabled=False, schedule="0 9 * * 1-5", catch_up=CatchUp.ONCE, max_duration_minutes=45,
        wrap_up_seconds=30, max_budget_usd=1.25, max_turns=40, pause_after_failures=2,
        model="claude-sample", permission_mode=PermissionMode.PLAN, allowed_tools=["Read"],
        disallowed_tools=["WebFetch"], deny_commands=["git push*", "rm -rf*"],
        add_dirs=[str(extra.resolve())], context_files=["TODO.md"],
        mcp_servers={"web": {"command": "npx"}}, prompt="custom", instructions="Keep it small.",
        test_command="pytest -q", test_timeout_seconds=90, lint_command="ruff check .",
        isolation=Isolation.NONE, auto_merge=AutoMerge.WHEN_CHECKS_PASS,
        judge_model="claude-haiku-4-5", judge_budget_usd=0.4,
        triggers={"on_change": ["src/**"], "after": ["other"], "debounce_seconds": 2.5},
        env={"API_TOKEN": "s3cret"}, sandbox=Sandbox.OFF, network_hosts=["pypi.org"],
        deny_read=[*DEFAULT_DENY_READ, "/srv/secrets"],
    )


def _argv(f: PolicyField, value: Any) -> list[str]:
    """The command line that sets `f` to `value`, from the field's metadata alone."""
    if f.flag_kind == "bool":
        return [f.meta.flag if value else f.meta.off_flag]
    if f.flag_kind == "list":
        return [arg for v in value for arg in (f.meta.flag, v)]
    if f.flag_kind == "kv":
        return [arg for k, v in value.items() for arg in (f.meta.flag, f"{k}={v}")]
    if f.flag_kind == "json":
        return [f.meta.flag, json.dumps(value)]
    raw = value.value if hasattr(value, "value") else value
    return [f.meta.flag, str(raw)]


def test_every_field_has_metadata_and_the_sample_sets_them_all(tmp_path: Path) -> None:
    def leaves(model: type[BaseModel], prefix: str = "") -> list[str]:
        out = []
        for name, info in model.model_fields.items():
            ann = info.annotation
            if isinstance(ann, type) and issubclass(ann, BaseModel):
                out += leaves(ann, f"{prefix}{name}.")
            else:
                out.append(prefix + name)
        return out

    fields = describe(Policy)
    assert [f.key for f in fields] == leaves(Policy)
    assert all(isinstance(f.meta, PolicyMeta) and f.meta.label and f.meta.form and f.meta.help
               for f in fields)
    for attr in ("label", "form", "flag"):
        values = [getattr(f.meta, attr) for f in fields]
        assert len(set(values)) == len(values), f"two fields share a {attr}"
    sample, default = _sample(tmp_path), Policy()
    same = [f.key for f in fields if f.value(sample) == f.value(default)]
    assert same == [], f"the sample policy leaves {same} at the default"

    class Bare(BaseModel):
        undocumented: int = 1

    with pytest.raises(TypeError, match="undocumented has no PolicyMeta"):
        describe(Bare)


@pytest.mark.parametrize("editing", [False, True])
def test_the_cli_flags_set_every_field(tmp_path: Path, editing: bool) -> None:
    sample = _sample(tmp_path)
    parser = argparse.ArgumentParser(exit_on_error=False)
    add_policy_flags(parser, editing=editing)
    argv = [arg for f in describe(Policy) for arg in _argv(f, f.value(sample))]
    # `project add` adds to the default deny list: give it only what is new.
    if not editing:
        argv.remove("git push*")
        argv.remove("--deny-command")
    args = parser.parse_args(argv)
    assert apply_policy_flags(Policy(), args, editing=editing) == sample, shlex.join(argv)


def test_the_flag_names_stay_what_users_type() -> None:
    """The flags are derived now; their names are a promise to scripts, so pin them."""
    def flags(editing: bool) -> set[str]:
        parser = argparse.ArgumentParser()
        add_policy_flags(parser, editing=editing)
        return {s for a in parser._actions for s in a.option_strings} - {"-h", "--help"}

    values = {"--cron", "--max-minutes", "--wrap-up-seconds", "--budget", "--pause-after",
              "--model", "--permission-mode", "--test-command", "--test-timeout", "--catch-up",
              "--instructions", "--prompt", "--max-turns", "--debounce-seconds",
              "--mcp-servers", "--env", "--deny-command", "--allow-tool", "--disallow-tool",
              "--add-dir", "--context-file", "--on-change", "--after", "--lint-command",
              "--judge-model", "--judge-budget",
              "--isolation", "--auto-merge", "--sandbox", "--network-host", "--deny-read"}
    assert flags(editing=False) == values | {"--disable"}
    assert flags(editing=True) == values | {
        "--enable", "--disable", "--no-cron", "--clear-deny-commands", "--clear-allowed-tools",
        "--clear-disallowed-tools", "--clear-add-dirs", "--clear-context-files",
        "--clear-network-hosts", "--clear-deny-read",
        "--clear-on-change", "--clear-after", "--clear-mcp-servers", "--clear-env"}


def test_the_form_has_a_widget_for_every_field_and_round_trips(tmp_path: Path) -> None:
    sample = _sample(tmp_path)
    data = sample.model_dump(mode="json")
    raw: dict[str, Any] = {}
    for f in policy_form.FIELDS:
        value = policy_form._get(data, f.key)
        raw[f.key] = value if f.widget in ("bool", "choice") else policy_form.to_text(f, value)
    assert [f.key for f in policy_form.FIELDS] == [f.key for f in describe(Policy)]
    policy, errors = policy_form.validate_form(Policy(), raw)
    assert errors == {} and policy == sample


def test_the_detail_views_and_the_context_show_every_field(tmp_path: Path) -> None:
    sample = _sample(tmp_path)
    project = Project(id="demo", name="Demo", path=str(tmp_path), policy=sample, created_at=NOW)
    cli = dict(views.policy_lines(sample, []))
    console = Console(width=200, record=True)
    console.print(policy_text(project))
    tui = console.export_text()
    ctx = context._project_section(project, tmp_path, NOW)
    for f in describe(Policy):
        shown = f.text(sample)
        assert shown, f"{f.key} prints as nothing"
        assert cli[f.meta.label] == shown
        assert f"{f.meta.label} {shown}" in tui, f.key
        if f.meta.context:
            assert f"- {f.meta.label}: {f.markdown(sample)}\n" in ctx + "\n", f.key
    # Secrets stay out of every view: the environment shows its names only.
    assert "s3cret" not in str(cli) + tui + ctx
    assert "Keep it small." in ctx.split("## Operator instructions", 1)[1]


def _handoff() -> Handoff:
    # A list of task numbers holds numbers; every other list holds one telling string.
    values: dict[str, Any] = {
        s.name: ([7] if s.numbers else [f"{s.name} item"]) if s.is_list else f"{s.name} text"
        for s in handoff_sections()}
    return Handoff(id=1, shift_id="s1", project_id="demo", created_at=NOW, **values)


def test_handoff_sections_are_the_model_and_every_view_follows_them() -> None:
    written = handoff_sections(HandoffInput)
    assert [s.name for s in written] == list(HandoffInput.model_fields)
    assert set(HANDOFF_SCHEMA["properties"]) == set(HandoffInput.model_fields)
    assert HANDOFF_SCHEMA["required"] == ["summary"]
    assert all(HANDOFF_SCHEMA["properties"][s.name]["description"] == s.hint for s in written)
    assert [s.name for s in handoff_editor.SECTIONS] == [s.name for s in written]
    h = _handoff()
    texts = {
        "tui": tui_format.handoff_markdown(h),
        "cli": views.handoff_markdown(h, "Demo", None),
        "context": context._latest_handoff_section(h),
    }
    for where, text in texts.items():
        positions = []
        for s in handoff_sections():
            value = getattr(h, s.name)
            item = s.item(value[0]) if s.is_list else value
            assert item in text, (where, s.name)
            if s.is_list:
                assert s.title in text, (where, s.title)
            positions.append(text.index(item))
        assert positions == sorted(positions), f"{where}: sections out of order"
    assert "`files_changed item`" in texts["tui"]


def _shift(cost_usd: float) -> Shift:
    return Shift(id="20261121-090000-abcdef", project_id="demo", trigger=Trigger.MANUAL,
                 status=ShiftStatus.COMPLETED, started_at=NOW, deadline=NOW + timedelta(hours=2),
                 ended_at=NOW + timedelta(minutes=5), cost_usd=cost_usd)


@pytest.mark.parametrize(("usd", "text"), [(0.004, "$0.004"), (0.0, "$0.00"), (0.42, "$0.42"),
                                           (1250, "$1,250.00")])
def test_money_reads_the_same_in_the_tui_the_cli_the_report_and_the_context(
        usd: float, text: str) -> None:
    shift = _shift(usd)
    assert tui_format.money(usd) == fmt.cost(usd) == text
    assert f" {text} " in views.shift_table([shift], {}, NOW).splitlines()[1] + " "
    assert f" {text} " in report._shift_line(shift, "", lambda d: "09:00")
    assert f" {text} " in context._shifts_section([shift], NOW + timedelta(hours=1))


async def test_a_sub_cent_shift_in_the_context_is_not_free(
        store: Store, project_dir: Path, clock: FakeClock) -> None:
    project = await store.projects.add("Demo", str(project_dir), Policy(), clock.now())
    shift = await store.shifts.claim(project.id, trigger=Trigger.MANUAL, now=clock.now(),
                                     deadline=clock.now() + timedelta(hours=1),
                                     owner_pid=os.getpid(), owner_token=process_token())
    await store.shifts.update_progress(shift.id, cost_usd=0.004, tokens_in=10, tokens_out=5,
                                    num_turns=1)
    await store.shifts.complete(shift.id, HandoffInput(summary="tiny"), now=clock.now())
    ctx = await context.build_context(store, project, now=clock.now() + timedelta(minutes=5))
    assert "· $0.004 ·" in ctx


def test_ago_has_one_home_with_two_precisions() -> None:
    then = NOW
    cases = [(90, "1m ago", "1m30s ago"), (7200, "2h ago", "2h00m ago"),
             (36 * 3600, "1d ago", "1d12h ago"), (3 * 86400, "3d ago", "3d ago")]
    for seconds, coarse, precise in cases:
        now = then + timedelta(seconds=seconds)
        assert tui_format.ago(then, now) == coarse
        assert fmt.ago(then, now) == precise
    assert fmt.ago(None, NOW) == "-" and tui_format.ago(None, NOW) == ""
