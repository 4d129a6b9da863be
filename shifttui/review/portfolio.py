"""The portfolio as TOML: projects, their policies and paused state, to move a setup between
machines or keep it in a dotfiles repository. Shift history stays in the database.

Import validates the whole file before it changes anything, then writes every project in one
transaction. A project that already exists (same name) is updated to what the file says; projects
missing from the file are left alone.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tomlkit
from pydantic import ValidationError

from shifttui.base.errors import InvalidInput
from shifttui.base.models import Policy, Project, first_error, slugify, validate_project_name
from shifttui.store import Store

FORMAT_VERSION = 1
_PROJECT_KEYS = {"name", "path", "paused", "paused_reason", "created_at", "policy"}


def _without_none(value: Any) -> Any:
    """TOML has no null: a None is left out (for a policy field that means its default)."""
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value if v is not None]
    return value


def _portable(path: str) -> str:
    """Paths under the user's home are written as ~/…, so the file fits another machine."""
    try:
        rel = Path(path).relative_to(Path.home())
    except ValueError:
        return path
    return "~" if str(rel) == "." else f"~/{rel.as_posix()}"


def export_toml(projects: list[Project]) -> str:
    entries = []
    for p in projects:
        entry: dict[str, Any] = {
            "name": p.name,
            "path": _portable(p.path),
            "paused": p.paused,
            "paused_reason": p.paused_reason if p.paused else None,
            "created_at": p.created_at.astimezone(UTC),
            "policy": p.policy.model_dump(mode="json"),
        }
        entries.append(_without_none(entry))
    header = ("# shifttui portfolio: projects and policies (`shifttui import FILE` reads it).\n"
              "# Policy env values are included as they are: keep this file private.\n\n")
    return header + tomlkit.dumps({"version": FORMAT_VERSION, "projects": entries})


async def export_portfolio(store: Store) -> str:
    return export_toml(await store.projects.list())


@dataclass(frozen=True)
class ImportResult:
    added: list[str]
    updated: list[str]


def parse_portfolio(text: str, source: str, now: datetime) -> list[Project]:
    """Every project of the file, validated; the first problem is one InvalidInput that names
    the project and the field."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"{source}: not valid TOML ({exc})") from None
    unknown = set(data) - {"version", "projects"}
    if unknown:
        raise InvalidInput(f"{source}: unknown top-level key {sorted(unknown)[0]!r} "
                           "(expected 'version' and [[projects]])")
    version = data.get("version", FORMAT_VERSION)
    if version != FORMAT_VERSION:
        raise InvalidInput(f"{source}: portfolio version {version!r} is not supported "
                           f"(this shifttui reads version {FORMAT_VERSION})")
    raw = data.get("projects", [])
    if not isinstance(raw, list) or not all(isinstance(e, dict) for e in raw):
        raise InvalidInput(f"{source}: 'projects' must be an array of tables ([[projects]])")
    projects: list[Project] = []
    seen: dict[str, str] = {}
    for index, entry in enumerate(raw, start=1):
        project = _parse_project(entry, source, index, now)
        if project.id in seen:
            raise InvalidInput(f"{source}: project {project.name!r} appears twice "
                               f"(as {seen[project.id]!r} too)")
        seen[project.id] = project.name
        projects.append(project)
    return projects


def _parse_project(entry: dict[str, Any], source: str, index: int, now: datetime) -> Project:
    name = entry.get("name")
    if not isinstance(name, str):
        raise InvalidInput(f"{source}: project {index}: name: missing or not a string")
    try:
        name = validate_project_name(name)
    except ValueError as exc:
        raise InvalidInput(f"{source}: project {index}: name: {exc}") from None
    where = f"{source}: project {name!r}"
    unknown = set(entry) - _PROJECT_KEYS
    if unknown:
        raise InvalidInput(f"{where}: unknown field {sorted(unknown)[0]!r}")
    path = entry.get("path")
    if not isinstance(path, str) or not path.strip():
        raise InvalidInput(f"{where}: path: missing or not a string")
    full = Path(path.strip()).expanduser()
    if not full.is_absolute():
        raise InvalidInput(f"{where}: path: {path!r} must be absolute (or start with ~/)")
    paused = entry.get("paused", False)
    if not isinstance(paused, bool):
        raise InvalidInput(f"{where}: paused: must be true or false")
    reason = entry.get("paused_reason")
    if reason is not None and not isinstance(reason, str):
        raise InvalidInput(f"{where}: paused_reason: must be a string")
    created = entry.get("created_at", now)
    if not isinstance(created, datetime):
        raise InvalidInput(f"{where}: created_at: must be a TOML date-time")
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    policy_raw = entry.get("policy", {})
    if not isinstance(policy_raw, dict):
        raise InvalidInput(f"{where}: policy: must be a table ([projects.policy])")
    try:
        policy = Policy.model_validate(policy_raw)
    except ValidationError as exc:
        raise InvalidInput(f"{where}: policy.{first_error(exc)}") from None
    return Project(
        id=slugify(name), name=name, path=str(full), policy=policy, paused=paused,
        paused_reason=(reason.strip() or None) if (paused and reason) else None,
        created_at=created.astimezone(UTC),
    )


async def import_portfolio(store: Store, text: str, source: str, now: datetime) -> ImportResult:
    projects = parse_portfolio(text, source, now)
    existing = {p.id: p for p in await store.projects.list()}
    known = {p.id: p.name for p in projects} | {pid: p.name for pid, p in existing.items()}
    for project in projects:
        _check_after(project, known, source)
    added, updated = await store.projects.upsert_many(projects, now)
    return ImportResult(added, updated)


def _check_after(project: Project, known: dict[str, str], source: str) -> None:
    """`after` triggers name projects that exist here or in the file, never the project itself."""
    names = []
    for other in project.policy.triggers.after:
        oid = slugify(other)
        where = f"{source}: project {project.name!r}: policy.triggers.after"
        if oid == project.id:
            raise InvalidInput(f"{where}: a project cannot trigger itself")
        if oid not in known:
            raise InvalidInput(f"{where}: no project named {other!r} here or in the file")
        names.append(known[oid])
    project.policy.triggers.after = list(dict.fromkeys(names))
