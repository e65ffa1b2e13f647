//! Which failing findings get fixed, and the fixing: plan or apply each, write the audit log, and
//! rescan to confirm that the finding resolved.
//!
//! A finding is fixed only when all of these hold: it is FAIL; its policy names a remediation
//! (`remediation_id`) that exists; its source is enabled and opted in (`remediation`); no
//! suppression in force covers it; it has failed for at least the configured delay; and the last
//! applied attempt of the same action on it did not fail (or ran without resolving it) on the
//! same resource state. That last rule is what keeps a failing fix from being retried in a loop:
//! it is tried again only once the resource changed, or when the caller asks (`retry_failed`).

use crate::action::{Action, Effect, Params};
use crate::rescan::{rescan_resource, Rescanned};
use crate::{RemediateError, WriteContext, REMEDIATION_ROLE_NAME};
use chrono::{DateTime, Utc};
use palisade_collect::aws::{ActionRecorder, AwsConnector, AwsContext, ContextOptions};
use palisade_model::{Finding, FindingStatus, Resource, Source};
use palisade_policy::Evaluator;
use palisade_store::{AuditMode, AuditResult, FindingFilter, RemediationRecord, SqliteStore};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// Plan (say what would change; no API call) or apply (change it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Plan,
    Apply,
}

impl Mode {
    fn audit(self) -> AuditMode {
        match self {
            Self::Plan => AuditMode::Plan,
            Self::Apply => AuditMode::Apply,
        }
    }
}

/// What to fix and how.
#[derive(Debug, Clone)]
pub struct RemediationOptions {
    pub mode: Mode,
    /// Only this source (default: every source).
    pub source: Option<String>,
    /// Only this policy id.
    pub policy: Option<String>,
    /// Only these resources (empty: every resource).
    pub resource_ids: Vec<String>,
    /// Action parameters (see each action's `params`).
    pub params: Params,
    /// Only findings failing for at least this long: the delay before an automatic fix.
    pub min_failing_for: chrono::Duration,
    /// Try again findings whose last attempt failed although the resource has not changed.
    pub retry_failed: bool,
    /// The role assumed in a source's account to write (with the source's ExternalId).
    pub role_name: String,
}

impl Default for RemediationOptions {
    fn default() -> Self {
        Self {
            mode: Mode::Plan,
            source: None,
            policy: None,
            resource_ids: Vec::new(),
            params: Params::new(),
            min_failing_for: chrono::Duration::zero(),
            retry_failed: false,
            role_name: REMEDIATION_ROLE_NAME.to_string(),
        }
    }
}

/// How one finding's remediation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OutcomeStatus {
    /// Plan: the action would change something.
    Planned,
    /// Apply: the action changed something.
    Applied,
    /// The action found nothing it should change (see `left_alone` for what it will not touch).
    Unchanged,
    /// A call failed; `reason` says which and why.
    Failed,
    /// Not attempted; `reason` says why (not opted in, suppressed, an earlier failure, ...).
    Skipped,
}

/// One failing finding and what remediation did about it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub source: String,
    pub account_id: String,
    pub policy_id: String,
    pub resource_id: String,
    pub resource_type: String,
    pub region: String,
    /// The action id (the policy's `remediation_id`).
    pub action: String,
    pub mode: Mode,
    pub status: OutcomeStatus,
    /// What changed (apply) or would change (plan).
    pub changes: Vec<String>,
    pub left_alone: Vec<String>,
    pub reason: Option<String>,
    /// After an apply: whether the rescan shows the finding resolved (`None`: not rescanned).
    pub verified: Option<bool>,
    /// The audit row written for it, if any.
    pub audit_id: Option<i64>,
}

/// Runs remediation over the findings in one store. Credentials are assumed per source when
/// first needed and reused for the rest of the run.
pub struct RemediationRunner {
    connector: AwsConnector,
    db: PathBuf,
    evaluator: Evaluator,
    recorder: Option<ActionRecorder>,
    /// Write and read credentials per source, kept while the source's definition is unchanged
    /// (the SDK refreshes assumed credentials); a failure is kept for one run only.
    writers: HashMap<(String, String), (Source, Result<WriteContext, String>)>,
    readers: HashMap<String, (Source, Result<AwsContext, String>)>,
}

/// A failing finding that passed every gate, with its stored resource.
struct Candidate {
    finding: Finding,
    source: Source,
    action: Action,
    resource: Resource,
}

impl RemediationRunner {
    /// `evaluator` is the policy pack the rescans judge with (built with the scan's parameters).
    pub fn new(connector: AwsConnector, db: PathBuf, evaluator: Evaluator) -> Self {
        Self { connector, db, evaluator, recorder: None, writers: HashMap::new(), readers: HashMap::new() }
    }

    /// Every write call goes through `recorder` too (tests prove the remediation role with it).
    pub fn with_recorder(mut self, recorder: ActionRecorder) -> Self {
        self.recorder = Some(recorder);
        self
    }

    /// Plans or applies the fixes `opts` selects; one outcome per failing finding that has a
    /// remediation: first those skipped before any action ran, then the others, each in the
    /// store's order (most severe first). An error means the run itself could not proceed
    /// (store, unknown source); a failed fix is an outcome, recorded in the audit log.
    pub async fn run(&mut self, opts: &RemediationOptions) -> Result<Vec<Outcome>, RemediateError> {
        let now = Utc::now();
        self.writers.retain(|_, (_, ctx)| ctx.is_ok());
        self.readers.retain(|_, (_, ctx)| ctx.is_ok());
        let remediations: HashMap<String, String> = self
            .evaluator
            .all_policies()
            .filter_map(|p| p.remediation_id.clone().map(|r| (p.id.to_string(), r)))
            .collect();
        let (db, select) = (self.db.clone(), opts.clone());
        let (mut outcomes, candidates) = blocking(move || select_candidates(&db, &select, &remediations, now)).await?;

        // One run of an action per resource, however many of its policies name the action.
        let mut groups: BTreeMap<(String, Action), Vec<Candidate>> = BTreeMap::new();
        let mut order = Vec::new();
        for c in candidates {
            let key = (c.resource.id.to_string(), c.action);
            if !groups.contains_key(&key) {
                order.push(key.clone());
            }
            groups.entry(key).or_default().push(c);
        }
        for key in order {
            let group = groups.remove(&key).unwrap_or_default();
            if group.is_empty() {
                continue;
            }
            let done = match opts.mode {
                Mode::Plan => self.plan(&group, opts, now).await?,
                Mode::Apply => self.apply(&group, opts).await?,
            };
            outcomes.extend(done);
        }
        Ok(outcomes)
    }

    /// `group`: the findings of one resource that name one action (never empty).
    async fn plan(
        &self,
        group: &[Candidate],
        opts: &RemediationOptions,
        now: DateTime<Utc>,
    ) -> Result<Vec<Outcome>, RemediateError> {
        let (action, resource) = (group[0].action, &group[0].resource);
        let result = action.plan(resource, &opts.params, now).map_err(|e| e.to_string());
        let rows = audit_rows(group, Mode::Plan, &result);
        let ids = self.record(rows).await?;
        Ok(group.iter().zip(ids).map(|(c, id)| outcome(c, Mode::Plan, &result, None, Some(id))).collect())
    }

    /// `group`: the findings of one resource that name one action (never empty).
    async fn apply(&mut self, group: &[Candidate], opts: &RemediationOptions) -> Result<Vec<Outcome>, RemediateError> {
        let (action, resource, source) = (group[0].action, &group[0].resource, &group[0].source);
        let result = match self.writer(source, &opts.role_name).await {
            Ok(ctx) => action.apply(&ctx, resource, &opts.params).await.map_err(|e| e.to_string()),
            Err(e) => Err(e),
        };
        match &result {
            Ok(effect) => tracing::info!(
                source = %source.name, resource = %resource.id, action = action.id(),
                changes = effect.changes.len(), "remediation applied"
            ),
            Err(e) => tracing::warn!(
                source = %source.name, resource = %resource.id, action = action.id(), error = %e, "remediation failed"
            ),
        }
        let ids = self.record(audit_rows(group, Mode::Apply, &result)).await?;

        let mut verified: Vec<Option<bool>> = vec![None; group.len()];
        let mut rescan_note = None;
        if result.is_ok() {
            match self.rescan(source, resource).await {
                Ok(rescanned) => {
                    let at = Utc::now();
                    for (i, c) in group.iter().enumerate() {
                        let ok = rescanned.status_of(c.finding.policy_id.as_str()) == Some(FindingStatus::Pass);
                        verified[i] = Some(ok);
                        let (db, id, hash) = (self.db.clone(), ids[i], rescanned.hash.clone());
                        blocking(move || {
                            SqliteStore::open(&db)?.set_remediation_verified(id, ok, hash.as_deref(), at)?;
                            Ok(())
                        })
                        .await?;
                    }
                }
                Err(e) => {
                    tracing::warn!(resource = %resource.id, error = %e, "rescan after remediation failed");
                    rescan_note = Some(format!("the rescan to verify failed: {e}"));
                }
            }
        }
        Ok(group
            .iter()
            .zip(ids)
            .zip(verified)
            .map(|((c, id), v)| {
                let mut o = outcome(c, Mode::Apply, &result, v, Some(id));
                if let Some(note) = &rescan_note {
                    o.reason = Some(note.clone());
                }
                if v == Some(false) && o.reason.is_none() {
                    o.reason = Some("the rescan still shows the finding failing".into());
                }
                o
            })
            .collect())
    }

    async fn rescan(&mut self, source: &Source, resource: &Resource) -> Result<Rescanned, RemediateError> {
        let ctx = self.reader(source).await.map_err(|e| RemediateError::Rescan {
            resource: resource.id.to_string(),
            cause: Box::new(palisade_collect::CollectError::Config(e)),
        })?;
        rescan_resource(&ctx, &self.db, &mut self.evaluator, source, &resource.reference()).await
    }

    /// The source's remediation-role credentials.
    async fn writer(&mut self, source: &Source, role_name: &str) -> Result<WriteContext, String> {
        let key = (source.name.clone(), role_name.to_string());
        if let Some((cached, ctx)) = self.writers.get(&key) {
            if cached == source {
                return ctx.clone();
            }
        }
        let ctx = WriteContext::for_source(&self.connector, source, role_name, self.recorder.clone())
            .await
            .map_err(|e| e.to_string());
        self.writers.insert(key, (source.clone(), ctx.clone()));
        ctx
    }

    /// The source's read-only credentials, for the rescan.
    async fn reader(&mut self, source: &Source) -> Result<AwsContext, String> {
        if let Some((cached, ctx)) = self.readers.get(&source.name) {
            if cached == source {
                return ctx.clone();
            }
        }
        let opts =
            ContextOptions { source: source.name.clone(), label: source.label.clone(), ..ContextOptions::default() };
        let ctx = self.connector.context_for(source, opts).await.map_err(|e| e.to_string());
        self.readers.insert(source.name.clone(), (source.clone(), ctx.clone()));
        ctx
    }

    async fn record(&self, rows: Vec<RemediationRecord>) -> Result<Vec<i64>, RemediateError> {
        let db = self.db.clone();
        blocking(move || {
            let mut store = SqliteStore::open(&db)?;
            rows.iter().map(|r| store.record_remediation(r).map_err(RemediateError::from)).collect()
        })
        .await
    }
}

/// Plans or applies remediation for one source: what `palisade serve` calls for an opted-in
/// source (with `opts.mode` Apply and its delay in `opts.min_failing_for`).
pub async fn remediate_source(
    connector: &AwsConnector,
    db: &Path,
    evaluator: Evaluator,
    source: &str,
    opts: RemediationOptions,
) -> Result<Vec<Outcome>, RemediateError> {
    let opts = RemediationOptions { source: Some(source.to_string()), ..opts };
    RemediationRunner::new(connector.clone(), db.to_path_buf(), evaluator).run(&opts).await
}

/// The outcome of `c` given its group's result (an error is the failed call's message, which
/// names the call and its target).
fn outcome(
    c: &Candidate,
    mode: Mode,
    result: &Result<Effect, String>,
    verified: Option<bool>,
    audit_id: Option<i64>,
) -> Outcome {
    let mut o = base_outcome(&c.finding, c.action.id(), mode);
    o.audit_id = audit_id;
    o.verified = verified;
    match result {
        Ok(effect) => {
            o.changes = effect.changes.clone();
            o.left_alone = effect.left_alone.clone();
            o.status = match (effect.changed(), mode) {
                (true, Mode::Plan) => OutcomeStatus::Planned,
                (true, Mode::Apply) => OutcomeStatus::Applied,
                (false, _) => OutcomeStatus::Unchanged,
            };
        }
        Err(e) => {
            o.status = OutcomeStatus::Failed;
            o.reason = Some(e.clone());
        }
    }
    o
}

fn base_outcome(f: &Finding, action: &str, mode: Mode) -> Outcome {
    Outcome {
        source: f.source.clone(),
        account_id: f.account_id.to_string(),
        policy_id: f.policy_id.to_string(),
        resource_id: f.resource_id.to_string(),
        resource_type: f.resource_type.clone(),
        region: f.region.to_string(),
        action: action.to_string(),
        mode,
        status: OutcomeStatus::Skipped,
        changes: Vec::new(),
        left_alone: Vec::new(),
        reason: None,
        verified: None,
        audit_id: None,
    }
}

/// One audit row per finding of the group.
fn audit_rows(group: &[Candidate], mode: Mode, result: &Result<Effect, String>) -> Vec<RemediationRecord> {
    let at = Utc::now();
    group
        .iter()
        .map(|c| {
            let (result_kind, changed, detail, error, before, after) = match result {
                Ok(e) => {
                    let kind =
                        if !e.changed() && !e.left_alone.is_empty() { AuditResult::Skipped } else { AuditResult::Ok };
                    let mut words: Vec<String> = e.changes.clone();
                    words.extend(e.left_alone.iter().map(|l| format!("left alone: {l}")));
                    if words.is_empty() {
                        words.push("nothing to change".into());
                    }
                    (kind, e.changed(), words.join("; "), None, Some(e.before.clone()), Some(e.after.clone()))
                }
                Err(e) => (AuditResult::Failed, false, "the action failed".to_string(), Some(e.clone()), None, None),
            };
            RemediationRecord {
                id: 0,
                at,
                source: c.source.name.clone(),
                account_id: c.source.account_id.to_string(),
                resource_id: c.resource.id.to_string(),
                resource_type: c.resource.resource_type.clone(),
                region: c.resource.region.to_string(),
                policy_id: c.finding.policy_id.to_string(),
                action_id: c.action.id().to_string(),
                mode: mode.audit(),
                result: result_kind,
                changed,
                detail,
                error,
                state_before: before,
                state_after: after,
                hash_before: Some(c.resource.content_hash()),
                hash_after: None,
                verified: None,
                verified_at: None,
            }
        })
        .collect()
}

/// Reads the store: the failing findings with a remediation, each either a candidate or a
/// skipped outcome saying why.
fn select_candidates(
    db: &Path,
    opts: &RemediationOptions,
    remediations: &HashMap<String, String>,
    now: DateTime<Utc>,
) -> Result<(Vec<Outcome>, Vec<Candidate>), RemediateError> {
    let store = SqliteStore::open(db)?;
    let mut sources: Vec<Source> = store.sources()?;
    if let Some(name) = &opts.source {
        sources.retain(|s| &s.name == name);
        if sources.is_empty() {
            return Err(RemediateError::UnknownSource(name.clone()));
        }
    }
    if sources.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let by_name: HashMap<&str, &Source> = sources.iter().map(|s| (s.name.as_str(), s)).collect();
    let filter = FindingFilter {
        statuses: vec![FindingStatus::Fail],
        policy_id: opts.policy.clone(),
        account_ids: sources.iter().map(|s| s.account_id.to_string()).collect(),
        ..FindingFilter::default()
    };
    let mut skipped = Vec::new();
    let mut candidates = Vec::new();
    for finding in store.findings(&filter)? {
        let Some(remediation) = remediations.get(finding.policy_id.as_str()) else { continue };
        if !opts.resource_ids.is_empty() && !opts.resource_ids.iter().any(|r| r == finding.resource_id.as_str()) {
            continue;
        }
        let Some(source) = by_name.get(finding.source.as_str()).copied() else { continue };
        let skip = |reason: String| {
            let mut o = base_outcome(&finding, remediation, opts.mode);
            o.reason = Some(reason);
            o
        };
        if !source.enabled {
            skipped.push(skip(format!("source {} is disabled", source.name)));
            continue;
        }
        if !source.remediation {
            skipped.push(skip(format!(
                "source {} has not opted in to remediation (palisade source update {} --remediation true)",
                source.name, source.name
            )));
            continue;
        }
        let Some(action) = Action::from_id(remediation) else {
            skipped.push(skip(format!("the policy names an unknown remediation {remediation:?}")));
            continue;
        };
        if store.is_suppressed(finding.policy_id.as_str(), finding.resource_id.as_str(), now)? {
            skipped.push(skip("the finding is suppressed".into()));
            continue;
        }
        if finding.first_seen + opts.min_failing_for > now {
            skipped.push(skip(format!(
                "failing since {}; fixed automatically from {}",
                finding.first_seen.to_rfc3339(),
                (finding.first_seen + opts.min_failing_for).to_rfc3339()
            )));
            continue;
        }
        let Some(resource) = store.resource(finding.resource_id.as_str())? else {
            skipped.push(skip("the resource is no longer in the store".into()));
            continue;
        };
        if !opts.retry_failed {
            let last = store.last_remediation_attempt(
                finding.policy_id.as_str(),
                finding.resource_id.as_str(),
                action.id(),
            )?;
            if let Some(reason) = last.and_then(|last| not_retried(&last, &resource.content_hash())) {
                skipped.push(skip(reason));
                continue;
            }
        }
        candidates.push(Candidate { finding: finding.clone(), source: source.clone(), action, resource });
    }
    Ok((skipped, candidates))
}

/// Why the last attempt keeps this finding from being tried again, if it does: it failed, could
/// not act, or acted without resolving the finding, and the resource is as it was then.
fn not_retried(last: &RemediationRecord, current_hash: &str) -> Option<String> {
    let same_state = [&last.hash_before, &last.hash_after].into_iter().any(|h| h.as_deref() == Some(current_hash));
    if !same_state {
        return None;
    }
    let when = format!("the last attempt (audit #{} at {})", last.id, last.at.to_rfc3339());
    let why = match (last.result, last.verified) {
        (AuditResult::Failed, _) => format!("{when} failed: {}", last.error.as_deref().unwrap_or("unknown error")),
        (AuditResult::Skipped, _) => format!("{when} could not fix it: {}", last.detail),
        (AuditResult::Ok, Some(false)) => format!("{when} ran but the rescan still showed the finding failing"),
        (AuditResult::Ok, _) => return None,
    };
    Some(format!("{why}; not tried again until the resource changes (or with --retry-failed)"))
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, RemediateError> + Send + 'static,
) -> Result<T, RemediateError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| RemediateError::Task(e.to_string()))?
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(result: AuditResult, verified: Option<bool>) -> RemediationRecord {
        RemediationRecord {
            id: 7,
            at: Utc::now(),
            source: "s".into(),
            account_id: "123456789012".into(),
            resource_id: "r".into(),
            resource_type: "AWS.S3.Bucket".into(),
            region: "us-east-1".into(),
            policy_id: "P".into(),
            action_id: "a".into(),
            mode: AuditMode::Apply,
            result,
            changed: false,
            detail: "left alone: all traffic".into(),
            error: Some("s3 PutPublicAccessBlock on bucket b failed: AccessDenied".into()),
            state_before: None,
            state_after: None,
            hash_before: Some("h1".into()),
            hash_after: Some("h2".into()),
            verified,
            verified_at: None,
        }
    }

    #[test]
    fn a_failed_or_ineffective_fix_waits_for_the_resource_to_change() {
        let failed = record(AuditResult::Failed, None);
        let reason = not_retried(&failed, "h1").expect("same state: not retried");
        assert!(reason.contains("failed: s3 PutPublicAccessBlock") && reason.contains("--retry-failed"), "{reason}");
        assert!(not_retried(&failed, "h2").is_some(), "the state the rescan saw counts too");
        assert!(not_retried(&failed, "h3").is_none(), "the resource changed: try again");
        assert!(not_retried(&record(AuditResult::Skipped, None), "h1").unwrap().contains("could not fix it"));
        assert!(not_retried(&record(AuditResult::Ok, Some(false)), "h2").unwrap().contains("still showed"));
        // A fix that worked and is failing again (the setting was reverted) is applied again.
        assert!(not_retried(&record(AuditResult::Ok, Some(true)), "h1").is_none());
        assert!(not_retried(&record(AuditResult::Ok, None), "h1").is_none());
    }
}
