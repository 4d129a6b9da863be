"""Help: every key, what a shift is, where things live."""

from __future__ import annotations

from shifttui.tui.screens.modals import MarkdownModal

HELP = """\
## Keys

| key | action |
|-----|--------|
| `s` | start a shift on the selected project |
| `a` | abandon the running shift (asks for a reason) |
| `f` | force-complete: ask the agent to wrap up now, then edit the handoff if needed |
| `r` | resume an interrupted shift (continues the agent's session) |
| `e` | edit the project's policy |
| `n` | add a project |
| `p` | pause / resume the project |
| `h` | read handoffs (`←` / `→` step through history) |
| `c` | preview the context the next shift gets |
| `t` | timeline: scheduled shifts of the next 24 hours, projected cost, budget |
| `i` | review inbox: rate ended shifts 1–5, read their logs and diffs |
| `y` | answer the agent's question |
| `enter` | project detail; in the detail, a shift's log and handoff |
| `x` | close an ended shift's pane |
| `tab` | move between the table and the live log |
| `ctrl+p` | command palette: every action by name, themes |
| `?` | this help |
| `q` | quit (running shifts are stopped as *interrupted*, resumable with `r`) |

In a live log, scrolling up stops following; scrolling to the bottom resumes.

## Shifts

A shift runs the agent on one project within the policy's time and budget limits and ends with
a **handoff** for the next shift. Statuses: ▶ running, ✔ completed, ■ abandoned, ✖ failed,
⏸ interrupted (resumable), ⌛ expired.

## Scheduling

While shifttui is open it fires each enabled, unpaused project's cron schedule ("next in …" in
the table). Only one shifttui per database fires: the header says **scheduler running here**,
**held by** another process (app or daemon, its pid), or **off**, followed by today's spending
against `daily_budget_usd` (yellow from 75 %; at 100 % nothing scheduled or triggered starts, and
`s` asks first). A run that could not start is in the project's history with the reason
(⊘ skipped, ↷ deferred until a slot frees).
"""


class HelpModal(MarkdownModal):
    def __init__(self) -> None:
        super().__init__("shifttui help", HELP)
