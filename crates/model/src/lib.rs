//! Plain data types that flow through Palisade's pipeline: resources, findings, scan errors and
//! the validated identifiers that cross crate boundaries.
//!
//! This crate does no I/O and knows nothing of clouds' SDKs, stores or policy engines.

mod finding;
mod ids;
mod policy;
mod resource;
mod scan;
mod severity;
mod source;

pub use finding::{Compliance, Finding, FindingStatus};
pub use ids::{AccountId, IdError, PolicyId, Region, ResourceId};
pub use policy::{Control, Framework, PolicyMetadata};
pub use resource::{Resource, ResourceRef};
pub use scan::{ScanError, ScanErrorKind};
pub use severity::{ParseSeverityError, Severity};
pub use source::{role_arn_account, Source, SourceError, DEFAULT_SCHEDULE};
