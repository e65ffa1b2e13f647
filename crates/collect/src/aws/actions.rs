//! The API operations collectors call, each with the IAM action that authorises it, and an SDK
//! interceptor that records the operations actually called so a test can prove the declared list
//! (and so the generated read-only policy) is complete.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

/// One SDK operation (`"S3"`, `"GetBucketEncryption"`) and the IAM action it needs
/// (`"s3:GetEncryptionConfiguration"`). The SDK service name is the one in the SDK's metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ApiCall {
    pub sdk_service: &'static str,
    pub operation: &'static str,
    pub iam_action: &'static str,
}

/// Shorthand for the tables in each collector.
pub(crate) const fn call(sdk_service: &'static str, operation: &'static str, iam_action: &'static str) -> ApiCall {
    ApiCall { sdk_service, operation, iam_action }
}

/// Records `(sdk service, operation)` for every request sent through a client that carries it.
#[derive(Clone, Debug, Default)]
pub struct ActionRecorder {
    seen: Arc<Mutex<BTreeSet<(String, String)>>>,
}

impl ActionRecorder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Everything recorded so far, as `(sdk service, operation)` pairs.
    pub fn calls(&self) -> BTreeSet<(String, String)> {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

impl Intercept for ActionRecorder {
    fn name(&self) -> &'static str {
        "PalisadeActionRecorder"
    }

    // Not read_before_execution: for client-level interceptors that hook runs before the
    // operation's config (and so its Metadata) is loaded into the bag.
    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(meta) = cfg.load::<Metadata>() {
            if let Ok(mut seen) = self.seen.lock() {
                seen.insert((meta.service().to_string(), meta.name().to_string()));
            }
        }
        Ok(())
    }
}
