//! The rescan after a fix: the one resource fetched again through the read-only role, evaluated,
//! and committed as an event rescan, as the real-time consumer does for a resource an event names.

use crate::RemediateError;
use chrono::Utc;
use palisade_collect::aws::{AwsContext, AwsService};
use palisade_collect::CollectError;
use palisade_model::{FindingStatus, PolicyId, ResourceRef, Source};
use palisade_policy::Evaluator;
use palisade_store::{Observation, RescanVerdict, SqliteStore};
use std::path::Path;

/// What the rescan saw: each policy's status, and the resource's new content hash (`None` when
/// the resource is gone).
#[derive(Debug, Clone, Default)]
pub(crate) struct Rescanned {
    pub statuses: Vec<(PolicyId, FindingStatus)>,
    pub hash: Option<String>,
}

impl Rescanned {
    pub fn status_of(&self, policy: &str) -> Option<FindingStatus> {
        self.statuses.iter().find(|(p, _)| p.as_str() == policy).map(|(_, s)| *s)
    }
}

pub(crate) async fn rescan_resource(
    ctx: &AwsContext,
    db: &Path,
    evaluator: &mut Evaluator,
    source: &Source,
    reference: &ResourceRef,
) -> Result<Rescanned, RemediateError> {
    let failure =
        |cause: CollectError| RemediateError::Rescan { resource: reference.id.to_string(), cause: Box::new(cause) };
    let service = AwsService::for_type(&reference.resource_type)
        .ok_or_else(|| failure(CollectError::UnsupportedType(reference.resource_type.clone())))?;
    let fetched = service.fetch(ctx, reference).await.map_err(failure)?;
    let now = Utc::now();
    evaluator.set_now(now)?;
    let mut rescanned = Rescanned::default();
    let observation = match fetched {
        Some(resource) => {
            let verdicts: Vec<RescanVerdict> = evaluator.evaluate(&resource).into_iter().map(rescan_verdict).collect();
            rescanned.statuses = verdicts.iter().map(|v| (v.policy_id.clone(), v.status)).collect();
            rescanned.hash = Some(resource.content_hash());
            Observation::Present { resource, verdicts }
        }
        None => Observation::Gone { reference: reference.clone(), observed_at: now },
    };
    let (db, name, account) = (db.to_path_buf(), source.name.clone(), source.account_id.clone());
    tokio::task::spawn_blocking(move || SqliteStore::open(&db)?.apply_rescan(&name, &account, &[observation]))
        .await
        .map_err(|e| RemediateError::Task(e.to_string()))??;
    Ok(rescanned)
}

fn rescan_verdict(v: palisade_policy::Verdict) -> RescanVerdict {
    RescanVerdict {
        policy_id: v.policy.id.clone(),
        title: v.policy.title.clone(),
        severity: v.policy.severity,
        compliance: v.policy.compliance.clone(),
        status: FindingStatus::from(v.status),
        message: v.message,
    }
}
