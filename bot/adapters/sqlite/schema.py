"""The SQLite schema: one ordered list of migrations, applied by `SqliteDatabase`.

Each migration's index + 1 is the `PRAGMA user_version` it leaves behind. Append new
migrations at the end (other SQLite adapters, e.g. the local queue, add theirs here);
never edit one that has shipped. Statements use IF NOT EXISTS so a re-run is harmless.
"""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    # 1: incidents, their alerts, timeline and outbox; claims; the audit chain
    """
    CREATE TABLE IF NOT EXISTS incidents (
        id TEXT PRIMARY KEY,
        group_key TEXT NOT NULL,
        is_open INTEGER NOT NULL,
        channel_id TEXT,
        triggered_key TEXT NOT NULL,
        version INTEGER NOT NULL,
        data TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS incidents_by_channel ON incidents (channel_id);
    CREATE INDEX IF NOT EXISTS incidents_by_triggered ON incidents (triggered_key);
    CREATE INDEX IF NOT EXISTS open_incidents_by_triggered
        ON incidents (triggered_key) WHERE is_open = 1;
    CREATE TABLE IF NOT EXISTS group_claims (
        group_key TEXT PRIMARY KEY,
        incident_id TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS alerts (
        dedup_key TEXT PRIMARY KEY,
        incident_id TEXT NOT NULL,
        outbox_event_id TEXT NOT NULL,
        data TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS outbox (
        event_id TEXT PRIMARY KEY,
        incident_id TEXT NOT NULL,
        created_key TEXT NOT NULL,
        sent_at TEXT,
        data TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS pending_outbox ON outbox (created_key) WHERE sent_at IS NULL;
    CREATE TABLE IF NOT EXISTS timeline (
        id TEXT PRIMARY KEY,
        incident_id TEXT NOT NULL,
        at_key TEXT NOT NULL,
        source_ref TEXT,
        data TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS timeline_by_incident ON timeline (incident_id, at_key);
    CREATE TABLE IF NOT EXISTS claims (
        key TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        expires_at INTEGER
    );
    CREATE TABLE IF NOT EXISTS audit_events (
        incident_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        event_id TEXT NOT NULL UNIQUE,
        data TEXT NOT NULL,
        PRIMARY KEY (incident_id, seq)
    );
    """,
    # 2: the local durable queue and its dead letters
    """
    CREATE TABLE IF NOT EXISTS queue_messages (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id TEXT NOT NULL UNIQUE,
        incident_id TEXT NOT NULL,
        event_type TEXT NOT NULL,
        body TEXT NOT NULL,
        sent_at REAL NOT NULL,
        visible_at REAL NOT NULL,
        receive_count INTEGER NOT NULL DEFAULT 0,
        receipt TEXT UNIQUE,
        acked_at REAL
    );
    CREATE INDEX IF NOT EXISTS queue_messages_pending
        ON queue_messages (incident_id, seq) WHERE acked_at IS NULL;
    CREATE INDEX IF NOT EXISTS queue_messages_acked
        ON queue_messages (acked_at) WHERE acked_at IS NOT NULL;
    CREATE TABLE IF NOT EXISTS queue_dead_letters (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id TEXT NOT NULL UNIQUE,
        incident_id TEXT NOT NULL,
        event_type TEXT NOT NULL,
        body TEXT NOT NULL,
        receive_count INTEGER NOT NULL,
        reason TEXT NOT NULL,
        dead_at REAL NOT NULL
    );
    """,
    # 3: status-page drafts (the approval gate's conditional writes)
    """
    CREATE TABLE IF NOT EXISTS status_page_drafts (
        id TEXT PRIMARY KEY,
        incident_id TEXT NOT NULL,
        created_key TEXT NOT NULL,
        version INTEGER NOT NULL,
        status TEXT NOT NULL,
        data TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS drafts_by_incident
        ON status_page_drafts (incident_id, created_key);
    """,
    # 4: the audit chains' anchored heads: on the incident row, apart from its version, and
    # for chains with no incident row (the workspace chain) in a table of their own
    """
    ALTER TABLE incidents ADD COLUMN audit_seq INTEGER;
    ALTER TABLE incidents ADD COLUMN audit_hash TEXT;
    ALTER TABLE incidents ADD COLUMN audit_key_id TEXT;
    ALTER TABLE incidents ADD COLUMN audit_mac TEXT;
    CREATE TABLE IF NOT EXISTS audit_heads (
        chain_id TEXT PRIMARY KEY,
        seq INTEGER NOT NULL,
        hash TEXT NOT NULL,
        key_id TEXT NOT NULL,
        mac TEXT NOT NULL
    );
    """,
    # 5: follow-ups, with an index for every list they are read by (no scans)
    """
    CREATE TABLE IF NOT EXISTS followups (
        id TEXT PRIMARY KEY,
        incident_id TEXT NOT NULL,
        status TEXT NOT NULL,
        owner TEXT,
        service TEXT,
        due_key TEXT NOT NULL,
        created_key TEXT NOT NULL,
        closed_key TEXT,
        version INTEGER NOT NULL,
        data TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS followups_by_incident ON followups (incident_id, created_key);
    CREATE INDEX IF NOT EXISTS followups_by_status ON followups (status, due_key);
    CREATE INDEX IF NOT EXISTS followups_by_owner ON followups (owner, status, due_key);
    CREATE INDEX IF NOT EXISTS followups_by_service ON followups (service, status, due_key);
    CREATE INDEX IF NOT EXISTS followups_by_created ON followups (created_key);
    CREATE INDEX IF NOT EXISTS followups_by_closed ON followups (closed_key)
        WHERE closed_key IS NOT NULL;
    """,
    # 6 (runbooks): operation runs (idempotency key unique), previews under single-use
    # tokens, and scope locks naming the run that holds them
    """
    CREATE TABLE IF NOT EXISTS operation_runs (
        id TEXT PRIMARY KEY,
        idempotency_key TEXT NOT NULL UNIQUE,
        status TEXT NOT NULL,
        version INTEGER NOT NULL,
        data TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS operation_runs_unfinished
        ON operation_runs (status) WHERE status != 'completed';
    CREATE TABLE IF NOT EXISTS run_previews (
        token TEXT PRIMARY KEY,
        used_by_run TEXT,
        data TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS run_locks (
        scope TEXT PRIMARY KEY,
        run_id TEXT NOT NULL
    );
    """,
    # 7: the operator API's tokens (only their hashes) and its idempotency records
    """
    CREATE TABLE IF NOT EXISTS api_tokens (
        id TEXT PRIMARY KEY,
        created_key TEXT NOT NULL,
        data TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS api_idempotency (
        key TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        data TEXT NOT NULL
    );
    """,
)
