"""Shift references (review.refs): exact id, project name, `last`, unique prefix or suffix, and
the one-line errors for an ambiguous or unknown one."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path
from unittest import mock

import pytest

from shifttui.base.clock import FakeClock
from shifttui.base.errors import InvalidInput, NotFound
from shifttui.base.models import HandoffInput, Policy, Project, Shift, Trigger
from shifttui.review.inbox import resolve_target
from shifttui.review.refs import AmbiguousRef, resolve_shift
from shifttui.store import Store
from shifttui.system.procs import process_token

MIN = timedelta(minutes=1)


async def _claim(store: Store, project: Project, now: datetime, tail: str) -> Shift:
    """A shift whose id ends in `tail` (ids are time + random hex: fixed here to test on)."""
    with mock.patch("secrets.token_hex", return_value=tail):
        return await store.shifts.claim(
            project.id, trigger=Trigger.MANUAL, now=now, deadline=now + 60 * MIN,
            owner_pid=os.getpid(), owner_token=process_token())


async def _done(store: Store, project: Project, now: datetime, tail: str) -> Shift:
    shift = await _claim(store, project, now, tail)
    await store.shifts.complete(shift.id, HandoffInput(summary=f"shift {tail}"), now=now + MIN,
                                files_changed=[])
    return await store.shifts.get(shift.id)


@pytest.fixture
async def seeded(store: Store, clock: FakeClock, tmp_path: Path) -> dict[str, Shift]:
    t0 = clock.now()
    alpha = await store.projects.add("alpha", str(tmp_path), Policy(), t0)
    beta = await store.projects.add("beta", str(tmp_path), Policy(), t0)
    return {
        "a1": await _done(store, alpha, t0, "aaa111"),
        "a2": await _done(store, alpha, t0 + 10 * MIN, "bbb222"),
        "b1": await _done(store, beta, t0 + 20 * MIN, "ccc111"),
        # beta's latest, started last of all: `last`
        "b2": await _claim(store, beta, t0 + 30 * MIN, "ddd333"),
    }


async def test_each_kind_of_reference_names_one_shift(
    store: Store, seeded: dict[str, Shift]
) -> None:
    a1, a2, b1, b2 = seeded["a1"], seeded["a2"], seeded["b1"], seeded["b2"]

    async def ref(text: str) -> str:
        return (await resolve_shift(store, text)).id

    assert await ref(a1.id) == a1.id  # exact
    assert await ref(f"  {a1.id} ") == a1.id  # pasted with spaces
    assert await ref("alpha") == a2.id  # a project: its latest shift
    assert await ref("Beta") == b2.id  # names are matched like `project show` matches them
    assert await ref("last") == b2.id
    assert await ref("LAST") == b2.id
    assert await ref("bbb222") == a2.id  # the random tail
    assert await ref("ccc111") == b1.id
    assert await ref("b222") == a2.id  # a suffix of it
    assert await ref(a1.id[:-3]) == a1.id  # a prefix (date, time and half the tail)
    assert await ref("DDD333") == b2.id  # ids are lowercase; what is typed need not be


async def test_ambiguous_and_unknown_references_are_one_line_with_candidates(
    store: Store, seeded: dict[str, Shift]
) -> None:
    a1, b1 = seeded["a1"], seeded["b1"]
    # "111" ends both a1 and b1 but is too short; "c111" is unique.
    with pytest.raises(AmbiguousRef) as info:
        await resolve_shift(store, a1.id[:8])  # the date: every shift of that day
    text = str(info.value)
    assert "\n" not in text and "give more characters" in text
    # newest first, at most three, and an ellipsis for the fourth
    newest = [s.id for s in await store.shifts.list(limit=3)]
    assert f"({', '.join(newest)}, …)" in text and a1.id not in text
    assert isinstance(info.value, InvalidInput)  # the CLI's exit 2

    assert (await resolve_shift(store, "c111")).id == b1.id
    with pytest.raises(NotFound, match=r"no project or shift '111'; a prefix or suffix needs "
                       "at least 4 characters"):
        await resolve_shift(store, "111")
    with pytest.raises(NotFound, match="did you mean alpha"):
        await resolve_shift(store, "alpah")
    with pytest.raises(NotFound) as unknown:
        await resolve_shift(store, "zzzzzz")
    latest = [s.id for s in await store.shifts.list(limit=3)]
    assert f"(latest: {', '.join(latest)})" in str(unknown.value)
    with pytest.raises(InvalidInput, match="no shift given"):
        await resolve_shift(store, "  ")
    # LIKE's wildcards are literal characters in a reference, not patterns.
    with pytest.raises(NotFound):
        await resolve_shift(store, "%%%%")
    with pytest.raises(NotFound):
        await resolve_shift(store, "____")


async def test_a_project_without_shifts_and_an_empty_history(
    store: Store, clock: FakeClock, tmp_path: Path
) -> None:
    with pytest.raises(NotFound, match="no shifts yet, so there is no `last` one"):
        await resolve_shift(store, "last")
    await store.projects.add("empty", str(tmp_path), Policy(), clock.now())
    with pytest.raises(NotFound, match="empty has no shifts yet"):
        await resolve_shift(store, "empty")
    with pytest.raises(NotFound, match="there are no shifts yet"):
        await resolve_shift(store, "nothing")


async def test_review_picks_its_own_shift_for_a_project_name(
    store: Store, seeded: dict[str, Shift]
) -> None:
    a2, b1 = seeded["a2"], seeded["b1"]
    # beta's latest shift still runs: a project name means its latest ended, unreviewed one
    assert (await resolve_target(store, "beta")).id == b1.id
    # everything else resolves as for every other verb
    assert (await resolve_target(store, "bbb222")).id == a2.id
    assert (await resolve_target(store, "last")).id == seeded["b2"].id
