//! The SQLite schema and its migrations. Each migration runs once, in order, in a transaction.

pub(crate) const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE scans (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    source        TEXT NOT NULL,
    account_id    TEXT NOT NULL,
    regions       TEXT NOT NULL,           -- JSON array
    status        TEXT NOT NULL,           -- running | completed | interrupted | failed
    started_at    TEXT NOT NULL,           -- RFC 3339, UTC
    finished_at   TEXT,
    resources     INTEGER NOT NULL DEFAULT 0,
    evaluations   INTEGER NOT NULL DEFAULT 0,
    failing       INTEGER NOT NULL DEFAULT 0,
    errors        INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE scan_errors (
    scan_id    INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
    service    TEXT NOT NULL,
    region     TEXT NOT NULL,
    operation  TEXT NOT NULL,
    kind       TEXT NOT NULL,
    message    TEXT NOT NULL
);
CREATE INDEX scan_errors_scan ON scan_errors(scan_id);

CREATE TABLE resources (
    id            TEXT PRIMARY KEY,
    resource_type TEXT NOT NULL,
    source        TEXT NOT NULL,
    account_id    TEXT NOT NULL,
    region        TEXT NOT NULL,
    label         TEXT NOT NULL,
    name          TEXT NOT NULL,
    tags          TEXT NOT NULL,           -- JSON object
    attributes    TEXT NOT NULL,           -- JSON object
    content_hash  TEXT NOT NULL,
    first_seen    TEXT NOT NULL,
    last_seen     TEXT NOT NULL,
    deleted_at    TEXT,
    last_scan_id  INTEGER NOT NULL
);
CREATE INDEX resources_scope ON resources(account_id, resource_type, region);

CREATE TABLE resource_history (
    resource_id   TEXT NOT NULL,
    scan_id       INTEGER NOT NULL,
    changed_at    TEXT NOT NULL,
    change        TEXT NOT NULL,           -- created | modified | deleted
    content_hash  TEXT NOT NULL,
    attributes    TEXT                     -- JSON, null for deletions
);
CREATE INDEX resource_history_resource ON resource_history(resource_id, changed_at);

CREATE TABLE findings (
    policy_id     TEXT NOT NULL,
    resource_id   TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    source        TEXT NOT NULL,
    account_id    TEXT NOT NULL,
    region        TEXT NOT NULL,
    label         TEXT NOT NULL,
    title         TEXT NOT NULL,
    severity      TEXT NOT NULL,
    severity_rank INTEGER NOT NULL,
    status        TEXT NOT NULL,           -- PASS | FAIL | ERROR
    message       TEXT NOT NULL,
    compliance    TEXT NOT NULL,           -- JSON object framework -> [control ids]
    first_seen    TEXT NOT NULL,           -- when the current status began
    last_seen     TEXT NOT NULL,
    resolved_at   TEXT,                    -- when it stopped failing; null while failing
    last_scan_id  INTEGER NOT NULL,
    PRIMARY KEY (policy_id, resource_id)
);
CREATE INDEX findings_status ON findings(status, severity_rank);
CREATE INDEX findings_resource ON findings(resource_id);

CREATE TABLE finding_history (
    policy_id    TEXT NOT NULL,
    resource_id  TEXT NOT NULL,
    scan_id      INTEGER NOT NULL,
    at           TEXT NOT NULL,
    status       TEXT NOT NULL,
    message      TEXT NOT NULL
);
CREATE INDEX finding_history_key ON finding_history(policy_id, resource_id, at);
"#,
    r#"
-- A scan stages what it collects in short transactions and publishes it into the live tables in
-- one transaction at the end, so several scans can run at once and an unfinished scan changes
-- nothing that readers see.
CREATE TABLE staged_resources (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    scan_id  INTEGER NOT NULL,
    body     TEXT NOT NULL                  -- the resource as JSON
);
CREATE INDEX staged_resources_scan ON staged_resources(scan_id, seq);

CREATE TABLE staged_findings (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    scan_id  INTEGER NOT NULL,
    body     TEXT NOT NULL                  -- the verdict and its resource's identity as JSON
);
CREATE INDEX staged_findings_scan ON staged_findings(scan_id, seq);

CREATE TABLE sources (
    name          TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL,
    label         TEXT NOT NULL,
    role_arn      TEXT,                     -- null: the ambient credential chain
    external_id   TEXT,
    regions       TEXT NOT NULL,            -- JSON array; empty means every enabled region
    realtime      INTEGER NOT NULL DEFAULT 0,
    remediation   INTEGER NOT NULL DEFAULT 0,
    enabled       INTEGER NOT NULL DEFAULT 1,
    schedule      TEXT NOT NULL,            -- cron expression
    next_run_at   TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE UNIQUE INDEX sources_account ON sources(account_id);
"#,
    r#"
-- Real-time rescans are scans too ('event'), recorded so their changes have a scan id, but only
-- full scans say anything about a source's schedule or about what was swept.
ALTER TABLE scans ADD COLUMN kind TEXT NOT NULL DEFAULT 'full';   -- full | event
CREATE INDEX scans_source_kind ON scans(source, kind, id);

-- Event messages that could not be applied, kept whole so they can be inspected or replayed.
CREATE TABLE dead_letters (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at  TEXT NOT NULL,
    origin       TEXT NOT NULL,             -- where it came from, e.g. the queue URL
    message_id   TEXT NOT NULL,
    reason       TEXT NOT NULL,
    body         TEXT NOT NULL
);
"#,
    r#"
-- Remediation: one row per finding an action was planned or applied for, with the state it read
-- before and after, and whether a rescan confirmed the finding resolved.
CREATE TABLE remediation_audit (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    at             TEXT NOT NULL,
    source         TEXT NOT NULL,
    account_id     TEXT NOT NULL,
    resource_id    TEXT NOT NULL,
    resource_type  TEXT NOT NULL,
    region         TEXT NOT NULL,
    policy_id      TEXT NOT NULL,
    action_id      TEXT NOT NULL,
    mode           TEXT NOT NULL,           -- plan | apply
    result         TEXT NOT NULL,           -- ok | failed | skipped
    changed        INTEGER NOT NULL,        -- the action changed something (apply) or would (plan)
    detail         TEXT NOT NULL,           -- what was (or would be) done, or why not
    error          TEXT,                    -- why it failed
    state_before   TEXT,                    -- JSON, as read through the API (plan: as stored)
    state_after    TEXT,                    -- JSON, as read back through the API (plan: as planned)
    hash_before    TEXT,                    -- the stored resource's content hash when it was chosen
    hash_after     TEXT,                    -- the rescanned resource's content hash
    verified       INTEGER,                 -- null: not checked; 1: the rescan shows it resolved
    verified_at    TEXT
);
CREATE INDEX remediation_audit_finding ON remediation_audit(policy_id, resource_id, action_id, mode, id);

-- Findings a user chose to accept: a policy on the resources whose id matches a glob.
CREATE TABLE suppressions (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    policy_id         TEXT NOT NULL,
    resource_pattern  TEXT NOT NULL,        -- glob over resource ids: * any run, ? one character
    reason            TEXT NOT NULL,
    expires_at        TEXT,                 -- null: never
    created_at        TEXT NOT NULL
);
CREATE INDEX suppressions_policy ON suppressions(policy_id);
"#,
    r#"
-- API tokens of the server: only a SHA-256 of each token is kept (tokens are 32 random bytes, so
-- a fast hash is enough), with its role; revoked tokens stay for the record.
CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,            -- admin | read-only
    token_hash    TEXT NOT NULL UNIQUE,     -- SHA-256 of the token, lowercase hex
    created_at    TEXT NOT NULL,
    last_used_at  TEXT,
    revoked_at    TEXT
);
"#,
    r#"
-- Web UI sessions: only a SHA-256 of the session id is kept (ids are 32 random bytes), with the
-- token that signed in (its role decides what the session may do; revoking it ends its sessions)
-- and a fixed expiry.
CREATE TABLE ui_sessions (
    id_hash       TEXT PRIMARY KEY,         -- SHA-256 of the session id, lowercase hex
    token_id      INTEGER NOT NULL REFERENCES api_tokens(id) ON DELETE CASCADE,
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL
);
CREATE INDEX ui_sessions_expiry ON ui_sessions(expires_at);

-- Policies switched off: scans do not evaluate them (their current findings were removed when
-- they were disabled).
CREATE TABLE disabled_policies (
    policy_id     TEXT PRIMARY KEY,
    disabled_at   TEXT NOT NULL
);
"#,
];
