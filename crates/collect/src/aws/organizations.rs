//! Organizations collector (stub: being written).

use super::{AwsContext, Scope, ServiceSpec};
use crate::{CollectError, Emitter};
use palisade_model::{Resource, ResourceRef};

pub(crate) const SPEC: ServiceSpec = ServiceSpec { name: "organizations", scope: Scope::Global, resource_types: &[], calls: &[] };

pub(crate) async fn collect(ctx: &AwsContext, out: &Emitter) -> Result<(), CollectError> {
    let _ = (ctx, out);
    Ok(())
}

pub(crate) async fn fetch(ctx: &AwsContext, reference: &ResourceRef) -> Result<Option<Resource>, CollectError> {
    let _ = (ctx, reference);
    Ok(None)
}
