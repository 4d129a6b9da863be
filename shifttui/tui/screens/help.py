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
| `enter` | project detail; in the detail, a shift's log; in a live log, its events |
| `j` / `k` | down / up in every list (the arrows too) |
| `/` | search the shift's whole log (stored, not only what is shown) |
| `[` / `]` | previous / next: search matches, older / newer handoffs |
| `F` | filter a shift's events: errors, tools, blocked, agent text, operator |
| `x` | close an ended shift's tab (they close by themselves after 15 minutes) |
| `tab` | move between the table and the live log |
| `ctrl+p` | command palette: every action by name, themes |
| `?` | this help |
| `q` | quit (running shifts are stopped as *interrupted*, resumable with `r`) |

In a live log, scrolling up stops following; scrolling to the bottom resumes. A shift's screen
has tabs: `l` its live log, `v` its events (Enter opens one whole, ctrl+c copies it as JSON),
`h` its handoff, `o` the output of its checks. In the inbox: `j`/`k` move, `1`–`5` rate,
`space` marks reviewed, `R` marks all of the project reviewed, `l` log, `d` diff, `m` merges
the shift (with the unmerged ones before it) into your branch, `M` merges all of the project
that passed, `x` discards the shift (all ask first), `F` filters (failed, red checks,
unmerged). In a diff: `{` / `}` previous / next file, `[` / `]` previous / next hunk, `j` / `k`
and the arrows scroll, `tab` reaches the file list.

Esc on a form with changes asks before discarding them.

## Your keys

Any key above can be changed in `config.toml` by its id (`shifttui status` shows where the file
is), e.g.

```toml
[keymap]
start = "S"
help = "f1,question_mark"
```

Edits to `config.toml` apply while the app runs (theme, keymap, notify_command); the app says
which other settings need a restart. The ids: start, abandon, force_complete, edit_policy,
new_project, pause, handoff, resume, context, answer, detail, close_pane, search_log, inbox,
timeline, help, quit, list.down, list.up, log.search, log.next_match, log.prev_match,
log.filter, inbox.next, inbox.previous, inbox.rate, inbox.rate2…5, inbox.reviewed, inbox.log,
inbox.diff, inbox.merge, inbox.merge_passed, inbox.discard, inbox.reviewed_project, inbox.filter,
diff.close, diff.next_file, diff.prev_file, diff.next_hunk, diff.prev_hunk, diff.down, diff.up,
shift_log.log, shift_log.events, shift_log.handoff, shift_log.checks, event.copy.

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
