//! The real-time consumer behind `palisade serve --queue-url`: reads CloudTrail events (as the
//! sources' EventBridge rules deliver them to SQS), rescans the resources each names, and commits
//! the results like a scan of those resources alone.
//!
//! Nothing is lost: a message is deleted only after the rescans it asked for are committed (or it
//! was judged irrelevant, or moved to the dead-letter table with its reason). A rescan that fails
//! hands its messages back to the queue to be tried again later, and after `max_receives`
//! attempts the message is dead-lettered rather than retried forever. Changes to the same resource
//! that arrive close together are coalesced into one rescan.

mod metrics;

pub use metrics::{Counts, DropReason, RealtimeMetrics};

use crate::alerts::AlertSink;
use crate::scan::alert_events;
use crate::EngineError;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use palisade_collect::aws::events::{self, Interpretation, Recollection};
use palisade_collect::aws::queue::{EventQueue, QueueMessage};
use palisade_collect::aws::{AwsConnector, AwsContext, AwsService, ContextOptions, Scope};
use palisade_collect::{CollectError, Collected, Emitter};
use palisade_model::{FindingStatus, Resource, ResourceRef, Source};
use palisade_policy::Evaluator;
use palisade_store::{Observation, RescanVerdict, SqliteStore};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// How the consumer reads the queue.
#[derive(Debug, Clone)]
pub struct RealtimeOptions {
    /// Long-poll wait per receive (at most 20 s).
    pub wait: Duration,
    /// How long a received message stays hidden from other consumers; longer than a rescan takes.
    pub visibility: Duration,
    /// After the first message arrives, keep receiving (without waiting) for this long, so
    /// changes that come together are rescanned together.
    pub coalesce: Duration,
    /// Messages larger than this are dead-lettered unread.
    pub max_event_bytes: usize,
    /// A message whose rescan failed this many times is dead-lettered instead of retried.
    pub max_receives: u32,
    /// When a rescan fails, its messages come back after this delay.
    pub retry_delay: Duration,
    /// Resources fetched at once.
    pub concurrency: usize,
}

impl Default for RealtimeOptions {
    fn default() -> Self {
        Self {
            wait: Duration::from_secs(20),
            visibility: Duration::from_secs(300),
            coalesce: Duration::from_millis(200),
            max_event_bytes: events::DEFAULT_MAX_EVENT_BYTES,
            max_receives: 5,
            retry_delay: Duration::from_secs(30),
            concurrency: 8,
        }
    }
}

/// Messages handled in one pass at most (ten receives of ten).
const MAX_BATCH: usize = 100;

pub struct RealtimeConsumer {
    queue: EventQueue,
    connector: AwsConnector,
    db: PathBuf,
    evaluator: Evaluator,
    opts: RealtimeOptions,
    metrics: Arc<RealtimeMetrics>,
    sink: Arc<dyn AlertSink>,
    /// Contexts per source (assumed-role credentials are cached and refreshed inside), dropped
    /// when the source's definition changes.
    contexts: HashMap<String, (Source, AwsContext)>,
}

/// What an event asks for: resources to fetch again, or whole services to collect again.
#[derive(Default)]
struct Work {
    refs: HashSet<ResourceRef>,
    recollect: HashSet<Recollection>,
}

/// A message waiting for the rescans it asked for.
struct Pending {
    message: QueueMessage,
    source: String,
    work: Work,
    event_time: DateTime<Utc>,
}

impl RealtimeConsumer {
    pub fn new(
        queue: EventQueue,
        connector: AwsConnector,
        db: PathBuf,
        evaluator: Evaluator,
        opts: RealtimeOptions,
        metrics: Arc<RealtimeMetrics>,
        sink: Arc<dyn AlertSink>,
    ) -> Self {
        Self { queue, connector, db, evaluator, opts, metrics, sink, contexts: HashMap::new() }
    }

    /// Consumes until `stop` turns true. Failures to reach the queue or the store are logged and
    /// retried with backoff; the consumer only returns when stopped.
    pub async fn run(mut self, mut stop: watch::Receiver<bool>) -> Result<(), EngineError> {
        let mut backoff = Duration::from_secs(1);
        tracing::info!(queue = self.queue.url(), "real-time consumer started");
        loop {
            if *stop.borrow() {
                return Ok(());
            }
            let received = tokio::select! {
                r = self.queue.receive(10, self.opts.wait, self.opts.visibility) => r,
                _ = stop.changed() => return Ok(()),
            };
            let failure = match received {
                Ok(messages) if messages.is_empty() => None,
                Ok(messages) => self.handle(self.coalesce(messages).await).await.err(),
                Err(e) => {
                    self.metrics.receive_failed();
                    Some(EngineError::Queue(Box::new(e)))
                }
            };
            match failure {
                None => backoff = Duration::from_secs(1),
                Some(e) => {
                    tracing::warn!(error = %e, retry_in = ?backoff, "real-time consumer");
                    tokio::select! {
                        () = tokio::time::sleep(backoff) => {}
                        _ = stop.changed() => return Ok(()),
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                }
            }
        }
    }

    /// Receives whatever else is already waiting, for up to the coalescing window.
    async fn coalesce(&self, mut messages: Vec<QueueMessage>) -> Vec<QueueMessage> {
        let deadline = Instant::now() + self.opts.coalesce;
        while messages.len() < MAX_BATCH && Instant::now() < deadline {
            match self.queue.receive(10, Duration::ZERO, self.opts.visibility).await {
                Ok(more) if !more.is_empty() => messages.extend(more),
                _ => break,
            }
        }
        messages
    }

    /// Handles one batch: sorts out what to drop or dead-letter, rescans the rest (each resource
    /// once), commits, and settles every message.
    async fn handle(&mut self, messages: Vec<QueueMessage>) -> Result<(), EngineError> {
        self.metrics.received(messages.len());
        let sources = self.realtime_sources().await?;
        let mut pending = Vec::new();
        for message in messages {
            let event = match events::parse_event(&message.body, self.opts.max_event_bytes) {
                Ok(event) => event,
                Err(e) => {
                    self.dead_letter(&message, &e.to_string()).await?;
                    continue;
                }
            };
            let work = match events::interpret(&event) {
                Interpretation::Rescan(refs) => Work { refs: refs.into_iter().collect(), ..Work::default() },
                Interpretation::Recollect(services) => {
                    Work { recollect: services.into_iter().collect(), ..Work::default() }
                }
                Interpretation::ReadOnly => {
                    self.drop_message(&message, DropReason::ReadOnly).await;
                    continue;
                }
                Interpretation::Failed(_) => {
                    self.drop_message(&message, DropReason::FailedCall).await;
                    continue;
                }
                Interpretation::Unmapped => {
                    self.drop_message(&message, DropReason::Unmapped).await;
                    continue;
                }
                Interpretation::Unresolvable(reason) => {
                    let reason = format!("{} {}: {reason}", event.event_source, event.event_name);
                    self.dead_letter(&message, &reason).await?;
                    continue;
                }
            };
            match sources.get(event.account_id.as_str()) {
                Some(source) => {
                    pending.push(Pending { message, source: source.name.clone(), work, event_time: event.event_time })
                }
                None => self.drop_message(&message, DropReason::NotASource).await,
            }
        }
        if pending.is_empty() {
            return Ok(());
        }

        // Each resource (and each re-collection) once per source, however many messages named it.
        let mut by_source: BTreeMap<String, Work> = BTreeMap::new();
        for p in &pending {
            let work = by_source.entry(p.source.clone()).or_default();
            work.refs.extend(p.work.refs.iter().cloned());
            work.recollect.extend(p.work.recollect.iter().cloned());
        }
        let mut failed: HashMap<String, String> = HashMap::new();
        for (name, work) in by_source {
            let source = sources.values().find(|s| s.name == name).expect("pending sources are known").clone();
            if let Err(e) = self.rescan(&source, work).await {
                let reason = e.to_string();
                tracing::warn!(source = %name, error = %reason, "real-time rescan failed; its events will be retried");
                self.metrics.rescan_failed();
                failed.insert(name, reason);
            }
        }

        for p in pending {
            match failed.get(&p.source) {
                None => {
                    self.delete(&p.message).await;
                    self.metrics.applied();
                    let latency = (Utc::now() - p.event_time).to_std().unwrap_or_default();
                    self.metrics.observe_latency(latency);
                }
                Some(reason) if p.message.receive_count >= self.opts.max_receives => {
                    let reason = format!("rescan failed {} times, last: {reason}", p.message.receive_count);
                    self.dead_letter(&p.message, &reason).await?;
                }
                Some(_) => {
                    if let Err(e) = self.queue.release(&p.message, self.opts.retry_delay).await {
                        // It comes back anyway when its visibility timeout ends.
                        tracing::warn!(error = %e, "could not hand a message back to the queue");
                    }
                }
            }
        }
        Ok(())
    }

    /// Fetches the resources `work` names in `source`'s account (and runs its re-collections),
    /// evaluates what is there, and commits it all in one transaction. Any call that fails fails
    /// the whole rescan (its messages are retried), so a transient error never reads as "deleted".
    async fn rescan(&mut self, source: &Source, work: Work) -> Result<(), EngineError> {
        let ctx = self.context(source).await?;
        let fetched: Vec<(ResourceRef, Result<Option<Resource>, CollectError>)> =
            futures::stream::iter(work.refs.into_iter().map(|r| {
                let ctx = ctx.clone();
                async move {
                    let result = match AwsService::for_type(&r.resource_type) {
                        Some(service) => service.fetch(&ctx, &r).await,
                        None => Err(CollectError::UnsupportedType(r.resource_type.clone())),
                    };
                    (r, result)
                }
            }))
            .buffer_unordered(self.opts.concurrency.max(1))
            .collect()
            .await;
        let now = Utc::now();
        let mut present = Vec::new();
        let mut gone = Vec::new();
        for (reference, result) in fetched {
            match result.map_err(|e| EngineError::Rescan { reference: reference.id.to_string(), cause: Box::new(e) })? {
                Some(resource) => present.push(resource),
                None => gone.push(reference),
            }
        }
        for r in work.recollect {
            let (seen, unseen) = self.recollect(&ctx, source, &r).await?;
            present.extend(seen);
            gone.extend(unseen);
        }

        self.evaluator.set_now(now)?;
        let mut observations = Vec::with_capacity(present.len() + gone.len());
        for resource in present {
            let verdicts = self.evaluator.evaluate(&resource).into_iter().map(rescan_verdict).collect();
            observations.push(Observation::Present { resource, verdicts });
        }
        observations.extend(gone.into_iter().map(|reference| Observation::Gone { reference, observed_at: now }));
        let (db, name, account) = (self.db.clone(), source.name.clone(), source.account_id.clone());
        let resources = observations.len();
        let applied = tokio::task::spawn_blocking(move || {
            let mut store = SqliteStore::open(&db)?;
            store.apply_rescan(&name, &account, &observations)
        })
        .await
        .map_err(|e| EngineError::Writer(e.to_string()))??;
        self.metrics.rescanned(resources);
        let alerts = alert_events(applied.transitions);
        if !alerts.is_empty() {
            self.metrics.alerted(alerts.len());
            self.sink.notify(&source.name, &alerts);
        }
        Ok(())
    }

    /// Runs one service's collector for the account (as that part of a scan would) and returns
    /// what it saw and which stored resources of its types it did not see. A collector that
    /// reports any error fails the re-collection: only a complete listing may delete.
    async fn recollect(
        &mut self,
        ctx: &AwsContext,
        source: &Source,
        r: &Recollection,
    ) -> Result<(Vec<Resource>, Vec<ResourceRef>), EngineError> {
        let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
        let emitter = Emitter::new(tx);
        let (service, region) = (r.service, r.region.clone());
        let collect = async move {
            let result = service.collect(ctx, &region, &emitter).await;
            (result, emitter.error_count())
        };
        let drain = async {
            let mut items = Vec::new();
            while let Some(item) = rx.recv().await {
                items.push(item);
            }
            items
        };
        let ((result, errors), items) = tokio::join!(collect, drain);
        let failure = |cause: CollectError| EngineError::Rescan {
            reference: format!("{} in {}", r.service.name(), r.region),
            cause: Box::new(cause),
        };
        result.map_err(failure)?;
        let mut seen = Vec::new();
        for item in items {
            match item {
                Collected::Resource(resource) => seen.push(*resource),
                Collected::Error(e) if errors > 0 => {
                    return Err(failure(CollectError::Config(format!("{}: {}", e.operation, e.message))))
                }
                Collected::Error(_) => {}
            }
        }
        let spec = r.service.spec();
        // Regional services own the one region; the others' resources may live in any region.
        let region = (spec.scope == Scope::Regional).then(|| r.region.clone());
        let (db, account, types) = (self.db.clone(), source.account_id.clone(), spec.resource_types);
        let stored =
            tokio::task::spawn_blocking(move || SqliteStore::open(&db)?.live_refs(&account, types, region.as_ref()))
                .await
                .map_err(|e| EngineError::Writer(e.to_string()))??;
        let seen_ids: HashSet<&str> = seen.iter().map(|r| r.id.as_str()).collect();
        let unseen = stored.into_iter().filter(|s| !seen_ids.contains(s.id.as_str())).collect();
        Ok((seen, unseen))
    }

    async fn context(&mut self, source: &Source) -> Result<AwsContext, EngineError> {
        if let Some((cached, ctx)) = self.contexts.get(&source.name) {
            if cached == source {
                return Ok(ctx.clone());
            }
        }
        let opts =
            ContextOptions { source: source.name.clone(), label: source.label.clone(), ..ContextOptions::default() };
        let ctx = self
            .connector
            .context_for(source, opts)
            .await
            .map_err(|e| EngineError::Unreachable { source_name: source.name.clone(), cause: Box::new(e) })?;
        self.contexts.insert(source.name.clone(), (source.clone(), ctx.clone()));
        Ok(ctx)
    }

    /// Enabled sources with real-time events on, by account id.
    async fn realtime_sources(&self) -> Result<HashMap<String, Source>, EngineError> {
        let db = self.db.clone();
        let sources = tokio::task::spawn_blocking(move || SqliteStore::open(&db)?.sources())
            .await
            .map_err(|e| EngineError::Writer(e.to_string()))??;
        Ok(sources.into_iter().filter(|s| s.enabled && s.realtime).map(|s| (s.account_id.to_string(), s)).collect())
    }

    async fn dead_letter(&self, message: &QueueMessage, reason: &str) -> Result<(), EngineError> {
        let (db, origin, id, reason_owned, body) = (
            self.db.clone(),
            self.queue.url().to_string(),
            message.message_id.clone(),
            reason.to_string(),
            message.body.clone(),
        );
        tokio::task::spawn_blocking(move || {
            SqliteStore::open(&db)?.record_dead_letter(&origin, &id, &reason_owned, &body)
        })
        .await
        .map_err(|e| EngineError::Writer(e.to_string()))??;
        tracing::warn!(message = %message.message_id, reason, "event dead-lettered");
        self.metrics.dead_lettered();
        self.delete(message).await;
        Ok(())
    }

    async fn drop_message(&self, message: &QueueMessage, reason: DropReason) {
        tracing::debug!(message = %message.message_id, reason = reason.as_str(), "event dropped");
        self.metrics.dropped(reason);
        self.delete(message).await;
    }

    async fn delete(&self, message: &QueueMessage) {
        if let Err(e) = self.queue.delete(message).await {
            // The message reappears after its visibility timeout and is handled again; rescans
            // are idempotent, so the only cost is the repeated work.
            tracing::warn!(message = %message.message_id, error = %e, "could not delete a handled message");
        }
    }
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
