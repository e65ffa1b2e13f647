//! Classifies SDK errors into scan-error kinds, and names the error codes that mean
//! "not configured" rather than "failed".

use crate::CollectError;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use palisade_model::ScanErrorKind;

const ACCESS_DENIED: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedAccess",
    "AuthorizationError",
    "Forbidden",
];
const THROTTLING: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "RequestThrottledException",
    "TooManyRequestsException",
    "SlowDown",
    "PriorLimitExceededException",
];
const REGION_DISABLED: &[&str] =
    &["OptInRequired", "UnrecognizedClientException", "InvalidClientTokenId", "AuthFailure"];

pub(crate) fn kind_of_code(code: Option<&str>) -> ScanErrorKind {
    match code {
        Some(c) if ACCESS_DENIED.contains(&c) => ScanErrorKind::AccessDenied,
        Some(c) if THROTTLING.contains(&c) => ScanErrorKind::Throttling,
        Some(c) if REGION_DISABLED.contains(&c) => ScanErrorKind::RegionDisabled,
        _ => ScanErrorKind::Other,
    }
}

/// The error code of a service error (`None` for transport failures).
pub(crate) fn error_code<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> Option<&str> {
    match err {
        SdkError::ServiceError(e) => e.err().code(),
        _ => None,
    }
}

/// Converts an SDK error into a [`CollectError::Api`] naming the call that failed.
pub(crate) fn api_error<E, R>(service: &str, region: &str, operation: &str, err: SdkError<E, R>) -> CollectError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let (kind, message) = match &err {
        SdkError::ServiceError(se) => {
            let e = se.err();
            let code = e.code();
            let msg = match (code, e.message()) {
                (Some(c), Some(m)) => format!("{c}: {m}"),
                (Some(c), None) => c.to_string(),
                (None, Some(m)) => m.to_string(),
                (None, None) => format!("{}", aws_smithy_types::error::display::DisplayErrorContext(&err)),
            };
            (kind_of_code(code), msg)
        }
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) | SdkError::ResponseError(_) => {
            (ScanErrorKind::Transport, display_chain(&err))
        }
        _ => (ScanErrorKind::Other, display_chain(&err)),
    };
    CollectError::Api {
        service: service.to_string(),
        region: region.to_string(),
        operation: operation.to_string(),
        kind,
        message,
    }
}

fn display_chain(err: &dyn std::error::Error) -> String {
    let mut s = err.to_string();
    let mut cur = err.source();
    while let Some(e) = cur {
        s.push_str(": ");
        s.push_str(&e.to_string());
        cur = e.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_known_codes() {
        assert_eq!(kind_of_code(Some("AccessDenied")), ScanErrorKind::AccessDenied);
        assert_eq!(kind_of_code(Some("UnauthorizedOperation")), ScanErrorKind::AccessDenied);
        assert_eq!(kind_of_code(Some("RequestLimitExceeded")), ScanErrorKind::Throttling);
        assert_eq!(kind_of_code(Some("SlowDown")), ScanErrorKind::Throttling);
        assert_eq!(kind_of_code(Some("OptInRequired")), ScanErrorKind::RegionDisabled);
        assert_eq!(kind_of_code(Some("NoSuchBucket")), ScanErrorKind::Other);
        assert_eq!(kind_of_code(None), ScanErrorKind::Other);
    }
}
