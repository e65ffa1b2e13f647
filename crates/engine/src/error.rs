//! The engine's error type.

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("discovering regions: {0}")]
    Regions(#[source] Box<palisade_collect::CollectError>),
    #[error(transparent)]
    Store(#[from] palisade_store::StoreError),
    #[error(transparent)]
    Policy(#[from] palisade_policy::PolicyError),
    #[error("cannot reach source {source_name}: {cause}")]
    Unreachable {
        source_name: String,
        #[source]
        cause: Box<palisade_collect::CollectError>,
    },
    #[error("the scan was interrupted; the previous results are unchanged")]
    Interrupted,
    #[error("reading the event queue: {0}")]
    Queue(#[source] Box<palisade_collect::CollectError>),
    #[error("rescanning {reference}: {cause}")]
    Rescan {
        reference: String,
        #[source]
        cause: Box<palisade_collect::CollectError>,
    },
    #[error("the store writer stopped unexpectedly: {0}")]
    Writer(String),
}
