//! Kms collector (stub: being written).

use super::{AwsContext, Scope, ServiceSpec};
use crate::{CollectError, Emitter};
use palisade_model::{Region, Resource, ResourceRef};

pub(crate) const SPEC: ServiceSpec = ServiceSpec { name: "kms", scope: Scope::Regional, resource_types: &[], calls: &[] };

pub(crate) async fn collect(ctx: &AwsContext, region: &Region, out: &Emitter) -> Result<(), CollectError> {
    let _ = (ctx, out, region);
    Ok(())
}

pub(crate) async fn fetch(ctx: &AwsContext, reference: &ResourceRef) -> Result<Option<Resource>, CollectError> {
    let _ = (ctx, reference);
    Ok(None)
}
