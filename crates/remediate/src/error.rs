//! The remediate crate's error type.

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

#[derive(Debug, thiserror::Error)]
pub enum RemediateError {
    /// A call to AWS failed. `code` is the service's error code when it gave one.
    #[error("{service} {operation} on {target} failed: {message}")]
    Api { service: &'static str, operation: &'static str, target: String, code: Option<String>, message: String },
    /// The stored resource lacks what the action needs to find it in AWS.
    #[error("resource {resource} has no {what} in its stored attributes")]
    Attribute { resource: String, what: &'static str },
    /// The action was given a resource of a type it does not fix.
    #[error("{action} does not fix resources of type {resource_type}")]
    WrongType { action: &'static str, resource_type: String },
    /// A remediation parameter has an unusable value.
    #[error("remediation parameter {name}: {message}")]
    Param { name: &'static str, message: String },
    #[error("no source named {0:?}")]
    UnknownSource(String),
    /// The remediation role (or the read-only role, for the rescan) could not be used.
    #[error("cannot reach source {source_name} with {role}: {cause}")]
    Credentials {
        source_name: String,
        role: String,
        #[source]
        cause: Box<palisade_collect::CollectError>,
    },
    #[error("rescanning {resource}: {cause}")]
    Rescan {
        resource: String,
        #[source]
        cause: Box<palisade_collect::CollectError>,
    },
    #[error(transparent)]
    Store(#[from] palisade_store::StoreError),
    #[error(transparent)]
    Policy(#[from] palisade_policy::PolicyError),
    #[error("a store task stopped unexpectedly: {0}")]
    Task(String),
}

impl RemediateError {
    /// The AWS error code, for errors that are calls that failed.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Api { code, .. } => code.as_deref(),
            _ => None,
        }
    }
}

/// Names the call that failed, with AWS's code and message (never the request, which may name
/// credentials).
pub(crate) fn api_error<E, R>(
    service: &'static str,
    operation: &'static str,
    target: impl Into<String>,
    err: SdkError<E, R>,
) -> RemediateError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let (code, message) = match &err {
        SdkError::ServiceError(se) => {
            let e = se.err();
            let code = e.code().map(str::to_string);
            let message = match (e.code(), e.message()) {
                (Some(c), Some(m)) => format!("{c}: {m}"),
                (Some(c), None) => c.to_string(),
                (None, Some(m)) => m.to_string(),
                (None, None) => aws_smithy_types::error::display::DisplayErrorContext(&err).to_string(),
            };
            (code, message)
        }
        other => (None, aws_smithy_types::error::display::DisplayErrorContext(other).to_string()),
    };
    RemediateError::Api { service, operation, target: target.into(), code, message }
}
