"""The command guard reads shell the way the shell does (commands.py on bashlex, deny.py): every
push spelling of the attack suite is denied, ordinary work is not, and no input makes it raise."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shifttui.shifts.agent.commands import parse
from shifttui.shifts.agent.deny import CommandRules, significant_words
from shifttui.shifts.agent.guards import Guard

RULES = CommandRules(("git push*",))
RUN_TIME = "cannot check a command built at run time"
POLICY = "denied by this project's policy"
REF = "origin HEAD:refs/heads/x"

# (spelling, how it is denied): POLICY when the parser sees `git push` itself.
PUSHES = [
    ("git push REF", POLICY),
    ("git -C /work/repo push REF", POLICY),
    ("/usr/bin/git push REF", POLICY),
    ("GIT_TRACE=0 git push REF", POLICY),
    ("(git push REF)", POLICY),
    ("true | git push REF", POLICY),
    ('git "push" REF', POLICY),
    ("exec git push REF", POLICY),
    ("sh <<'EOF'\ngit push REF\nEOF", POLICY),
    ('sh <<"EOF"\ngit push REF\nEOF\n', POLICY),
    ("bash <<-EOF\n\tgit push REF\n\tEOF", POLICY),
    ("sh <<< 'git push REF'", POLICY),
    ('bash -c "git push REF"', POLICY),
    ("sh -c 'git push REF'", POLICY),
    ("zsh -c 'git push REF'", POLICY),
    ("bash -ec 'git push REF'", POLICY),
    ("bash -o pipefail -c 'git push REF'", POLICY),
    ("bash -c \"bash -c 'git push REF'\"", POLICY),
    ('eval "git push REF"', POLICY),
    ("$(echo git) push REF", RUN_TIME),
    ("`echo git` push REF", RUN_TIME),
    ("g=git; $g push REF", RUN_TIME),
    ("git send-pack /srv/remote.git HEAD:refs/heads/x", POLICY),
    ("git config alias.p push && git p REF", POLICY),
    ("git -c alias.x=push x REF", POLICY),
    ("git -c alias.x='!git push' x REF", POLICY),
    ("echo push REF | xargs git", RUN_TIME),
    ("xargs -0 git push < refs.txt", POLICY),
    ("timeout 60 git push REF", POLICY),
    ("timeout -s KILL 60 git push REF", POLICY),
    ("true & git push REF", POLICY),
    ("git push REF &", POLICY),
    ("if true; then git push REF; fi", POLICY),
    ("while true; do git push REF; break; done", POLICY),
    ("nice git push REF", POLICY),
    ("nice -n 10 git push REF", POLICY),
    ("nohup git push REF", POLICY),
    ("env -u X git push REF", POLICY),
    ("env -i PATH=/usr/bin git push REF", POLICY),
    ("env -S 'git push REF'", POLICY),
    ("command git push REF", POLICY),
    ("sudo -u root git push REF", POLICY),
    ("{ git push REF; }", POLICY),
    ("$'git' push REF", POLICY),
    ("$'\\x67it' push REF", POLICY),
    ("git \\\npush REF", POLICY),
    ("find . -maxdepth 0 -exec git push REF \\;", POLICY),
    ("setsid -w git push REF", POLICY),
    ("for c in push; do git $c REF; done", RUN_TIME),
    ("f() { git push REF; }; f", POLICY),
    ("x=$(git push REF)", POLICY),
    ("cat <(git push REF)", POLICY),
    ("echo 'git push REF' | sh", RUN_TIME),
    ("git pu{s,}h REF", POLICY),  # braces expand as bash expands them
    ("case x in x) git push REF;; esac", RUN_TIME),  # bashlex knows no `case`
    ("[[ -d .git ]] && git push REF", RUN_TIME),  # nor `[[`
    ("echo $((6*7)) && git push REF", POLICY),
]


@pytest.mark.parametrize(("spelling", "why"), PUSHES, ids=[p[0][:40] for p in PUSHES])
def test_every_push_spelling_is_denied(spelling: str, why: str) -> None:
    reason = RULES.check(spelling.replace("REF", REF))
    assert reason is not None, spelling
    assert why in reason


ORDINARY = [
    "git status",
    "git commit -m \"push it\"",
    "git commit -qm 'local work' && echo committed-$((6*7))",
    'echo "git push"',  # a quoted argument is data, not a command
    "echo 'git push is not allowed here'",
    "git log --format='%s push' -3",
    "ls ..",
    "pytest -q",
    "python3 -m unittest test_ok 2>&1; echo exit-$?",
    "make test",
    "grep -rn push src | grep -v test | wc -l",
    "git add -A && git commit -m 'x'",
    "for f in *.py; do git add \"$f\"; done",
    "git ls-files | xargs git add",
    "git -C \"$dir\" status",
    "\"$PYTHON\" -m pytest",
    "case $1 in start) npm start;; esac",
    "[[ -f x ]] && git status",
    "for i in $(seq 400); do [ -e monitor.done ] && break; sleep 0.05; done",
    "git remote -v; git fetch origin",
    "cat <<'EOF' > notes.md\nremember to git push later\nEOF",
    "for c in status diff; do git $c; done",
]


@pytest.mark.parametrize("command", ORDINARY)
def test_ordinary_commands_pass(command: str) -> None:
    assert RULES.check(command) is None, RULES.check(command)


def test_a_pattern_keeps_its_fnmatch_meaning() -> None:
    # `*` spans anything: the user's pattern decides, as before the parser.
    assert RULES.check("git pushx-notes") is not None
    rules = CommandRules(("npm publish", "rm -rf /*"))
    assert rules.check("npm publish --tag next") is not None
    assert rules.check("npm publishing-notes") is None
    assert rules.check("bash -c 'rm -rf /tmp/x'") is not None
    assert rules.check("rm -rf build") is None


def test_no_patterns_deny_nothing() -> None:
    assert CommandRules(()).check("$(echo git) push") is None


def test_significant_words_leave_out_options_and_paths() -> None:
    assert significant_words("git push*") == ["git", "push"]
    assert significant_words("rm -rf /*") == ["rm"]


def test_a_heredoc_body_is_data_unless_a_shell_reads_it() -> None:
    names = [c.text for c in parse("cat <<EOF\ngit push\nEOF").commands]
    assert names == ["cat"]
    names = [c.text for c in parse("bash <<EOF\ngit push\nEOF").commands]
    assert "git push" in names


def test_each_wrapper_layer_is_a_command() -> None:
    texts = [c.text for c in parse("timeout 60 nice -n 5 git -C /r push origin").commands]
    assert texts[0] == "timeout 60 nice -n 5 git -C /r push origin"
    assert "git -C /r push origin" in texts and "git push origin" in texts


def test_words_built_at_run_time_are_not_static() -> None:
    cmd = next(c for c in parse("git $sub origin").commands)
    assert cmd.static_prefix == ("git",) and not cmd.static


def test_the_monitor_tool_and_any_later_one_are_checked_by_their_input(tmp_path: Path) -> None:
    guard = Guard(str(tmp_path), [], ["git push*"])
    for tool in ("Bash", "Monitor", "SomeFutureTool"):
        denial = guard.check(tool, {"command": "bash -c 'git push origin'"})
        assert denial is not None and denial.tool == tool
    assert guard.check("Monitor", {"command": ["git", "push", "origin"]}) is not None
    assert guard.check("Monitor", {"ws": "ws://localhost:1/git push"}) is None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from(list("gitpushab $'\"`\\(){}[];&|<>\n\t=-*#!~")),
               max_size=60) | st.text(max_size=40))
def test_the_parser_never_raises(text: str) -> None:
    parsed = parse(text)
    assert isinstance(parsed.commands, list) and isinstance(parsed.unparsed, list)
    RULES.check(text)  # a parse failure is a decision, never an exception


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab $'\"`(){};&|\n")), max_size=30))
def test_git_push_stays_denied_after_any_prefix(prefix: str) -> None:
    # Whatever came before on its own line, a later plain `git push` is seen: a line the
    # parser cannot read mentions `git` and `push`, so it is denied too.
    assert RULES.check(f"{prefix}\ngit push origin") is not None


def test_text_too_long_to_parse_is_judged_by_its_words() -> None:
    filler = "echo filler line\n" * 4000
    reason = RULES.check(filler + "git push origin")
    assert reason is not None and RUN_TIME in reason
    assert RULES.check(filler + "git status") is None
