"""Numbered schema migrations; `PRAGMA user_version` records how many have been applied."""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # 1: projects, shifts, handoffs, events, feedback
    """
    CREATE TABLE projects (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        path TEXT NOT NULL,
        policy TEXT NOT NULL,
        paused INTEGER NOT NULL DEFAULT 0,
        paused_reason TEXT,
        failures_reset_at TEXT,
        created_at TEXT NOT NULL
    );
    CREATE TABLE handoffs (
        id INTEGER PRIMARY KEY,
        shift_id TEXT NOT NULL UNIQUE,
        project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        summary TEXT NOT NULL CHECK (length(trim(summary)) > 0),
        body TEXT NOT NULL,
        author TEXT NOT NULL CHECK (author IN ('agent', 'operator', 'auto')),
        created_at TEXT NOT NULL
    );
    CREATE INDEX handoffs_project ON handoffs(project_id, created_at DESC);
    CREATE TABLE shifts (
        id TEXT PRIMARY KEY,
        project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        trigger TEXT NOT NULL CHECK (trigger IN ('manual', 'scheduled', 'event', 'resume')),
        reason TEXT,
        status TEXT NOT NULL CHECK (status IN
            ('running', 'completed', 'abandoned', 'failed', 'interrupted', 'expired')),
        started_at TEXT NOT NULL,
        deadline TEXT NOT NULL,
        ended_at TEXT,
        cost_usd REAL NOT NULL DEFAULT 0,
        tokens_in INTEGER NOT NULL DEFAULT 0,
        tokens_out INTEGER NOT NULL DEFAULT 0,
        num_turns INTEGER NOT NULL DEFAULT 0,
        model TEXT,
        session_id TEXT,
        agent_pid INTEGER,
        owner_pid INTEGER,
        owner_token TEXT,
        handoff_id INTEGER REFERENCES handoffs(id),
        failure_kind TEXT,
        error TEXT,
        forced INTEGER NOT NULL DEFAULT 0,
        parent_shift_id TEXT REFERENCES shifts(id) ON DELETE SET NULL,
        start_commit TEXT,
        test_result TEXT,
        files_changed TEXT NOT NULL DEFAULT '[]',
        reviewed_at TEXT,
        CHECK (status != 'completed' OR handoff_id IS NOT NULL),
        CHECK (status != 'failed' OR failure_kind IS NOT NULL)
    );
    -- The database itself guarantees one running shift per project.
    CREATE UNIQUE INDEX one_running_shift_per_project ON shifts(project_id)
        WHERE status = 'running';
    CREATE INDEX shifts_project_started ON shifts(project_id, started_at DESC);
    CREATE INDEX shifts_started ON shifts(started_at DESC);
    CREATE TABLE events (
        shift_id TEXT NOT NULL REFERENCES shifts(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        ts TEXT NOT NULL,
        kind TEXT NOT NULL,
        summary TEXT NOT NULL,
        payload TEXT NOT NULL,
        PRIMARY KEY (shift_id, seq)
    ) WITHOUT ROWID;
    CREATE TABLE feedback (
        id INTEGER PRIMARY KEY,
        shift_id TEXT NOT NULL REFERENCES shifts(id) ON DELETE CASCADE,
        rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
        note TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL
    );
    CREATE INDEX feedback_shift ON feedback(shift_id);
    """,
    # 2: the scheduler's decisions, its lease, and trigger requests from other processes
    """
    CREATE TABLE decisions (
        id INTEGER PRIMARY KEY,
        project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        ts TEXT NOT NULL,
        source TEXT NOT NULL,
        outcome TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT '',
        shift_id TEXT
    );
    CREATE INDEX decisions_project_ts ON decisions(project_id, ts DESC);
    CREATE TABLE trigger_requests (
        id INTEGER PRIMARY KEY,
        project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        source TEXT NOT NULL,
        reason TEXT,
        created_at TEXT NOT NULL,
        handled_at TEXT,
        outcome TEXT
    );
    CREATE INDEX trigger_requests_pending ON trigger_requests(handled_at) WHERE handled_at IS NULL;
    CREATE TABLE leases (
        name TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        pid INTEGER NOT NULL,
        host TEXT NOT NULL,
        acquired_at TEXT NOT NULL,
        heartbeat_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
    );
    CREATE TABLE schedule_marks (
        project_id TEXT PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
        last_due_at TEXT NOT NULL
    );
    """,
    # 3: the control plane: the agent's questions and operator requests across processes
    """
    CREATE TABLE questions (
        id TEXT PRIMARY KEY,
        shift_id TEXT NOT NULL REFERENCES shifts(id) ON DELETE CASCADE,
        project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        question TEXT NOT NULL,
        asked_at TEXT NOT NULL,
        timeout_at TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('waiting', 'answered', 'timed_out', 'closed')),
        answer TEXT,
        answered_at TEXT,
        answered_by TEXT,
        CHECK (status != 'answered' OR answer IS NOT NULL)
    );
    CREATE INDEX questions_waiting ON questions(asked_at) WHERE status = 'waiting';
    CREATE TABLE operator_requests (
        id INTEGER PRIMARY KEY,
        shift_id TEXT NOT NULL REFERENCES shifts(id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('abandon', 'finish')),
        args TEXT NOT NULL DEFAULT '{}',
        requested_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'done', 'refused')),
        result TEXT,
        handled_at TEXT
    );
    CREATE INDEX operator_requests_open ON operator_requests(shift_id)
        WHERE status IN ('pending', 'accepted');
    """,
    # 4: a decision's reason in its own column (base.states.DecisionReason), so code compares it
    # instead of matching the detail's words. Older rows get it from those words: the
    # sentences below are the ones the scheduler wrote before this migration.
    """
    ALTER TABLE decisions ADD COLUMN reason TEXT NOT NULL DEFAULT 'other' CHECK (reason IN
        ('fired', 'missed', 'running', 'limit', 'waiting', 'budget', 'paused', 'disabled',
         'removed', 'failures', 'error', 'other'));
    UPDATE decisions SET reason = CASE
        WHEN outcome = 'started' THEN
            CASE WHEN detail GLOB 'missed *' THEN 'missed' ELSE 'fired' END
        WHEN outcome = 'paused' THEN 'failures'
        WHEN outcome = 'failed' THEN 'error'
        WHEN detail GLOB 'shift already running*' THEN 'running'
        WHEN detail GLOB 'concurrency limit*' THEN 'limit'
        WHEN detail GLOB 'daily budget reached*' THEN 'budget'
        WHEN detail GLOB 'project disabled*' THEN 'disabled'
        WHEN detail GLOB 'a deferred run is already waiting*' THEN 'waiting'
        WHEN detail GLOB 'project no longer exists*' THEN 'removed'
        WHEN detail GLOB 'paused*' THEN 'paused'
        WHEN detail GLOB 'missed *' THEN 'missed'
        ELSE 'other'
    END;
    """,
    # 5: starts and resumes asked of the scheduler's process by a window that is only a client
    # (the app beside a daemon): by hand (no schedule rules apply), and which shift they made.
    """
    ALTER TABLE trigger_requests ADD COLUMN manual INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE trigger_requests ADD COLUMN resume_of TEXT;
    ALTER TABLE trigger_requests ADD COLUMN shift_id TEXT;
    """,
    # 6: isolated shifts (issue 14): the work repository and branch a shift ran on, its own
    # range of commits there, whether that range reached the user's branch, and the lint check
    # beside the tests.
    """
    ALTER TABLE shifts ADD COLUMN workdir TEXT;
    ALTER TABLE shifts ADD COLUMN branch TEXT;
    ALTER TABLE shifts ADD COLUMN base_commit TEXT;
    ALTER TABLE shifts ADD COLUMN head_commit TEXT;
    ALTER TABLE shifts ADD COLUMN merge_state TEXT
        CHECK (merge_state IS NULL OR merge_state IN ('unmerged', 'merged', 'discarded'));
    ALTER TABLE shifts ADD COLUMN lint_result TEXT;
    CREATE INDEX shifts_unmerged ON shifts(project_id, started_at)
        WHERE merge_state = 'unmerged';
    """,
    # 7: plan windows (issue 15): the latest state of each subscription window, when an
    # interrupted shift continues by itself (a plan limit's reset), and the reasons a run is
    # held for the plan. A CHECK cannot be changed in place: the decisions table is rebuilt
    # with the wider list, its rows and ids kept.
    """
    CREATE TABLE plan_windows (
        type TEXT PRIMARY KEY,
        status TEXT NOT NULL CHECK (status IN ('allowed', 'allowed_warning', 'rejected')),
        utilization REAL,
        resets_at TEXT,
        seen_at TEXT NOT NULL,
        shift_id TEXT
    );
    ALTER TABLE shifts ADD COLUMN resume_at TEXT;
    CREATE INDEX shifts_resume_at ON shifts(resume_at)
        WHERE status = 'interrupted' AND resume_at IS NOT NULL;
    CREATE TABLE decisions_new (
        id INTEGER PRIMARY KEY,
        project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        ts TEXT NOT NULL,
        source TEXT NOT NULL,
        outcome TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT '',
        shift_id TEXT,
        reason TEXT NOT NULL DEFAULT 'other' CHECK (reason IN
            ('fired', 'missed', 'running', 'limit', 'waiting', 'budget', 'paused', 'disabled',
             'removed', 'failures', 'error', 'other', 'plan_limit', 'plan_reserve'))
    );
    INSERT INTO decisions_new (id, project_id, ts, source, outcome, detail, shift_id, reason)
        SELECT id, project_id, ts, source, outcome, detail, shift_id, reason FROM decisions;
    DROP TABLE decisions;
    ALTER TABLE decisions_new RENAME TO decisions;
    CREATE INDEX decisions_project_ts ON decisions(project_id, ts DESC);
    """,
    # 8: the operator's tasks per project (issue 16), numbered per project from 1, and the
    # state of the chat bridge, so `shifttui status` in any window shows a failing channel.
    """
    CREATE TABLE tasks (
        project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        number INTEGER NOT NULL CHECK (number >= 1),
        title TEXT NOT NULL CHECK (length(trim(title)) > 0),
        body TEXT NOT NULL DEFAULT '',
        priority INTEGER NOT NULL DEFAULT 0,
        context_files TEXT NOT NULL DEFAULT '[]',
        deliverables TEXT NOT NULL DEFAULT '[]',
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'dropped')),
        ref TEXT,
        progress TEXT,
        created_at TEXT NOT NULL,
        closed_at TEXT,
        done_by_shift TEXT REFERENCES shifts(id) ON DELETE SET NULL,
        missing_deliverables TEXT NOT NULL DEFAULT '[]',
        PRIMARY KEY (project_id, number),
        CHECK (status = 'open' OR closed_at IS NOT NULL),
        CHECK (done_by_shift IS NULL OR status = 'done')
    ) WITHOUT ROWID;
    CREATE INDEX tasks_open ON tasks(project_id, priority DESC, number) WHERE status = 'open';
    CREATE INDEX tasks_done_by ON tasks(done_by_shift) WHERE done_by_shift IS NOT NULL;
    CREATE UNIQUE INDEX tasks_ref ON tasks(project_id, ref) WHERE ref IS NOT NULL;
    CREATE TABLE channels (
        name TEXT PRIMARY KEY,
        ok INTEGER NOT NULL,
        detail TEXT NOT NULL DEFAULT '',
        pid INTEGER,
        updated_at TEXT NOT NULL,
        last_ok_at TEXT
    );
    """,
    # 9: the AI judge's verdict on a shift (policy judge_model), JSON like the checks' results.
    """
    ALTER TABLE shifts ADD COLUMN judge_result TEXT;
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)
