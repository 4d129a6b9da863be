"""Shift references as a user types them: `shifts`, `logs`, `handoff` and `review` share them.

A reference is, in this order: an exact shift id; a project name or id (by default its latest
shift; a verb may pick another, e.g. review takes the latest unreviewed one); `last` (the
latest shift of any project); or a unique prefix or suffix of a shift id. Ids look like
`20261121-185600-a1b2c3`, so the random tail is the short handle most people will type.
"""

from __future__ import annotations

import difflib
from collections.abc import Awaitable, Callable

from shifttui.base.errors import InvalidInput, NotFound
from shifttui.base.models import Project, Shift
from shifttui.store import Store

LAST = "last"
# Shorter fragments would match by accident (like git, which abbreviates to at least 4).
MIN_FRAGMENT = 4
CANDIDATES_SHOWN = 3
HINT = "give a shift id, a unique prefix or suffix of one, a project name, or `last`"

ProjectPick = Callable[[Store, Project], Awaitable[Shift]]


class AmbiguousRef(InvalidInput):
    """More than one shift matches a prefix or suffix."""


async def latest_shift(store: Store, project: Project) -> Shift:
    """A project's most recently started shift (the default meaning of a project name)."""
    shifts = await store.shifts.list(project.id, limit=1)
    if not shifts:
        raise NotFound(f"{project.name} has no shifts yet (start one with `shifttui run "
                       f"{project.name}`)")
    return shifts[0]


async def find_project(store: Store, ref: str) -> Project | None:
    try:
        return await store.projects.get(ref)
    except NotFound:
        return None


async def resolve_shift(store: Store, ref: str, *, pick: ProjectPick = latest_shift) -> Shift:
    """The one shift `ref` names; NotFound or AmbiguousRef (one line, up to 3 candidates)."""
    ref = ref.strip()
    if not ref:
        raise InvalidInput(f"no shift given: {HINT}")
    exact = await store.shifts.find(ref)
    if exact is not None:
        return exact
    project = await find_project(store, ref)
    if project is not None:
        return await pick(store, project)
    if ref.lower() == LAST:
        latest = await store.shifts.list(limit=1)
        if not latest:
            raise NotFound("no shifts yet, so there is no `last` one")
        return latest[0]
    if len(ref) >= MIN_FRAGMENT:
        ids = await store.shifts.ids_matching(ref, limit=CANDIDATES_SHOWN + 1)
        if len(ids) == 1:
            return await store.shifts.get(ids[0])
        if ids:
            shown = ", ".join(ids[:CANDIDATES_SHOWN])
            more = ", …" if len(ids) > CANDIDATES_SHOWN else ""
            raise AmbiguousRef(f"{ref!r} matches more than one shift ({shown}{more}); "
                               "give more characters of the id")
    raise NotFound(f"no project or shift {ref!r}{await _unknown_hint(store, ref)}")


async def _unknown_hint(store: Store, ref: str) -> str:
    """What the user may have meant: similar project names, else the latest shift ids."""
    short = f"; a prefix or suffix needs at least {MIN_FRAGMENT} characters" if len(
        ref) < MIN_FRAGMENT else ""
    names = [p.name for p in await store.projects.list()]
    close = difflib.get_close_matches(ref, names, n=CANDIDATES_SHOWN, cutoff=0.6)
    if close:
        return f"{short}; did you mean {', '.join(close)}?"
    recent = [s.id for s in await store.shifts.list(limit=CANDIDATES_SHOWN)]
    if recent:
        return f"{short}; {HINT} (latest: {', '.join(recent)})"
    return f"{short}; there are no shifts yet"
