//! IAM server certificates (`AWS.IAM.ServerCertificate`): the SSL/TLS certificates uploaded to
//! IAM, with their expiry (CIS 1.19 asks that expired ones be removed). The certificate body and
//! chain are public material but are left out: policies need only the metadata.

use super::service::{emit, listing_error, other_error, present};
use crate::aws::convert;
use crate::aws::AwsContext;
use crate::{CollectError, Emitter};
use aws_sdk_iam::types::{ServerCertificateMetadata, Tag};
use futures::stream::{self, StreamExt};
use palisade_model::{Region, Resource};
use serde_json::{json, Value};

pub(super) const SERVER_CERTIFICATE: &str = "AWS.IAM.ServerCertificate";

/// ListServerCertificates (all pages), then each certificate through the same call as fetch
/// (GetServerCertificate also returns the tags the listing lacks).
pub(super) async fn collect(ctx: &AwsContext, client: &aws_sdk_iam::Client, out: &Emitter) -> Result<(), CollectError> {
    let listed: Vec<ServerCertificateMetadata> = client
        .list_server_certificates()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(listing_error("ListServerCertificates"))?;
    let names: Vec<String> = listed.iter().map(|c| c.server_certificate_name().to_string()).collect();
    let mut described = stream::iter(names)
        .map(|name| async move { describe(ctx, client, &name).await })
        .buffer_unordered(ctx.item_concurrency());
    while let Some(item) = described.next().await {
        emit(out, item).await?;
    }
    Ok(())
}

/// GetServerCertificate by name; `NoSuchEntity` means it was deleted.
pub(super) async fn describe(
    ctx: &AwsContext,
    client: &aws_sdk_iam::Client,
    name: &str,
) -> Result<Option<Resource>, CollectError> {
    let op = "GetServerCertificate";
    let got = client.get_server_certificate().server_certificate_name(name).send().await;
    let Some(got) = present(op, got)? else { return Ok(None) };
    let Some(metadata) = got.server_certificate().and_then(|c| c.server_certificate_metadata()) else {
        return Err(other_error(op, format!("the answer for server certificate {name} holds no metadata")));
    };
    let tags = got.server_certificate().map(|c| c.tags()).unwrap_or_default();
    let resource = ctx.resource(
        SERVER_CERTIFICATE,
        metadata.arn().to_string(),
        &Region::global(),
        metadata.server_certificate_name().to_string(),
        tag_map(tags),
        server_certificate_attributes(metadata),
    )?;
    Ok(Some(resource))
}

// ---- pure ----

fn tag_map(tags: &[Tag]) -> std::collections::BTreeMap<String, String> {
    convert::tags(tags.iter().map(|t| (Some(t.key()), Some(t.value()))))
}

fn server_certificate_attributes(m: &ServerCertificateMetadata) -> Value {
    json!({
        "ServerCertificateName": m.server_certificate_name(),
        "ServerCertificateId": m.server_certificate_id(),
        "Arn": m.arn(),
        "Path": m.path(),
        "UploadDate": convert::time(m.upload_date()),
        "Expiration": convert::time(m.expiration()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::iam::fixtures::{check, t};

    #[test]
    fn describes_a_server_certificate() {
        let m = ServerCertificateMetadata::builder()
            .path("/cloudfront/")
            .server_certificate_name("www")
            .server_certificate_id("ASCA1")
            .arn("arn:aws:iam::1:server-certificate/cloudfront/www")
            .upload_date(t(0))
            .expiration(t(86_400))
            .build()
            .expect("metadata");
        check(
            server_certificate_attributes(&m),
            json!({
                "ServerCertificateName": "www", "ServerCertificateId": "ASCA1",
                "Arn": "arn:aws:iam::1:server-certificate/cloudfront/www", "Path": "/cloudfront/",
                "UploadDate": "1970-01-01T00:00:00Z", "Expiration": "1970-01-02T00:00:00Z",
            }),
        );
        let bare = ServerCertificateMetadata::builder()
            .path("/")
            .server_certificate_name("old")
            .server_certificate_id("ASCA2")
            .arn("arn:aws:iam::1:server-certificate/old")
            .build()
            .expect("metadata");
        let attrs = server_certificate_attributes(&bare);
        assert_eq!(attrs["UploadDate"], Value::Null);
        assert_eq!(attrs["Expiration"], Value::Null);
        let tags = tag_map(&[Tag::builder().key("env").value("prod").build().expect("tag")]);
        assert_eq!(tags.get("env").map(String::as_str), Some("prod"));
    }
}
