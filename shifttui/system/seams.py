"""The one register of what shifttui patches or reads inside its dependencies.

shifttui reaches into a few private parts of claude-agent-sdk and Textual where their public
paths cost too much (docs/PERFORMANCE.md). Each such reach is a `Patch` registered here by the
module that does it (shifts/agent/sdk_seam.py, tui/widgets/log_seam.py). A patch says whether
it is active, why not when it fell back to the public path, and how often the patched path ran,
so an upgrade that moves an internal is seen in the log, in `shifttui --version` and in the
tests, not as a slower app or a crash.

The register is process-wide on purpose: what it describes (a module function swapped, a
dependency's version) is process-wide too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import metadata

log = logging.getLogger(__name__)

Probe = Callable[[], "str | None"]


def dependency_version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "?"


def missing_attributes(owner: type, method: str, names: Iterable[str]) -> str | None:
    """None when `owner.method` mentions every attribute in `names` (its constructor sets
    them); else what is missing, e.g. "Query has no _message_receive". A static look, cheap
    enough for `--version`: the patch's own check at use stays the authority."""
    code = getattr(getattr(owner, method, None), "__code__", None)
    mentioned = set(code.co_names) if code is not None else set()
    absent = [name for name in names if name not in mentioned]
    if not absent:
        return None
    return f"{owner.__name__} has no {', '.join(absent)}"


@dataclass(slots=True, eq=False)
class Patch:
    """One reach into a dependency: on (the patched path) or off (the public one, and why)."""

    name: str
    distribution: str  # whose internals, for the version in the reason
    fallback: str  # what shifttui does instead, e.g. "reading through receive_messages()"
    probe: Probe  # None when the internal looks present, else what is missing
    active: bool | None = None  # None until first used in this process
    reason: str = ""
    uses: int = 0  # how often the patched path ran: a test's proof that it is live

    def engage(self) -> None:
        """The patched path is taken (logged when that is news)."""
        if self.active is not True:
            self.active, self.reason = True, ""
            log.info("dependency patch %s on", self.name)

    def fall_back(self, missing: str) -> None:
        """The internal is not there (`missing`, e.g. "Query has no _message_receive"): the
        public path is taken."""
        reason = (f"{self.distribution} {dependency_version(self.distribution)}: {missing}; "
                  f"{self.fallback}")
        if self.active is not False or self.reason != reason:
            log.warning("dependency patch %s off: %s", self.name, reason)
        self.active, self.reason = False, reason

    def expected(self) -> tuple[bool, str]:
        """On or off, and why: what happened when used, else what the probe foresees."""
        if self.active is not None:
            return self.active, self.reason
        try:
            missing = self.probe()
        except Exception as exc:  # a probe importing a moved module: that is an answer too
            missing = f"{type(exc).__name__}: {exc}"
        if missing is None:
            return True, ""
        return False, (f"{self.distribution} {dependency_version(self.distribution)}: "
                       f"{missing}; {self.fallback}")


@dataclass
class Seams:
    """The registered patches, by name, in registration order."""

    patches: dict[str, Patch] = field(default_factory=dict)
    _reported: bool = False

    def register(self, name: str, distribution: str, fallback: str, probe: Probe) -> Patch:
        # A module imported twice (tests reloading it) keeps one entry: the newer one.
        patch = Patch(name, distribution, fallback, probe)
        self.patches[name] = patch
        return patch

    def summary(self) -> str:
        """e.g. "fastparse on, queue-reader off (…why…)"."""
        parts = []
        for patch in self.patches.values():
            on, reason = patch.expected()
            parts.append(f"{patch.name} on" if on else f"{patch.name} off ({reason})")
        return ", ".join(parts) or "none loaded"

    def report_once(self) -> None:
        """Log the patches once per process (at the first shift: the SDK is loaded by then)."""
        if not self._reported:
            self._reported = True
            log.info("dependency patches: %s", self.summary())


SEAMS = Seams()
