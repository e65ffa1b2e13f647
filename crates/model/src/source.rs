//! A source: one cloud account Palisade scans, with its label, how to reach it, and its opt-ins.

use crate::{AccountId, Region};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The default schedule: a daily scan (the scheduler adds jitter).
pub const DEFAULT_SCHEDULE: &str = "@daily";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    pub name: String,
    pub account_id: AccountId,
    /// Prod, Dev, Test, ...: stamped on every resource and finding of the source.
    pub label: String,
    /// The read-only role to assume; `None` scans with the ambient credential chain.
    pub role_arn: Option<String>,
    /// The `sts:ExternalId` the role's trust policy requires.
    pub external_id: Option<String>,
    /// Regions to scan; empty means every region enabled for the account.
    pub regions: Vec<Region>,
    pub realtime: bool,
    pub remediation: bool,
    pub enabled: bool,
    /// Cron expression (or `@daily`) for scheduled scans.
    pub schedule: String,
    pub next_run_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// Why a source definition was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourceError {
    #[error("invalid source name {0:?}: use 1-64 letters, digits, '-', '_' or '.'")]
    Name(String),
    #[error("invalid role ARN {0:?}: expected arn:<partition>:iam::<12-digit account>:role/<name>")]
    RoleArn(String),
    #[error("role ARN {arn} belongs to account {arn_account}, but the source is account {account}")]
    RoleAccountMismatch { arn: String, arn_account: String, account: String },
    #[error("invalid external id: AWS accepts 2-1224 characters of letters, digits and +=,.@:/-")]
    ExternalId,
}

impl Source {
    /// Checks the fields a user typed; the account id is already valid by construction.
    pub fn validate(&self) -> Result<(), SourceError> {
        let name_ok = !self.name.is_empty()
            && self.name.len() <= 64
            && self.name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
        if !name_ok {
            return Err(SourceError::Name(self.name.clone()));
        }
        if let Some(arn) = &self.role_arn {
            let arn_account = role_arn_account(arn).ok_or_else(|| SourceError::RoleArn(arn.clone()))?;
            if arn_account != self.account_id.as_str() {
                return Err(SourceError::RoleAccountMismatch {
                    arn: arn.clone(),
                    arn_account: arn_account.to_string(),
                    account: self.account_id.to_string(),
                });
            }
        }
        if let Some(x) = &self.external_id {
            let ok = (2..=1224).contains(&x.len())
                && x.bytes().all(|b| b.is_ascii_alphanumeric() || b"+=,.@:/-_".contains(&b));
            if !ok {
                return Err(SourceError::ExternalId);
            }
        }
        Ok(())
    }
}

/// The account of `arn:<partition>:iam::<account>:role/<path/name>`, if it is one.
pub fn role_arn_account(arn: &str) -> Option<&str> {
    let mut parts = arn.splitn(6, ':');
    let (arn_word, _partition, service, region, account, resource) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let ok = arn_word == "arn"
        && service == "iam"
        && region.is_empty()
        && AccountId::new(account).is_ok()
        && resource.strip_prefix("role/").is_some_and(|n| !n.is_empty());
    ok.then_some(account)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source() -> Source {
        Source {
            name: "prod-main".into(),
            account_id: AccountId::new("123456789012").unwrap(),
            label: "Prod".into(),
            role_arn: Some("arn:aws:iam::123456789012:role/PalisadeReadOnly".into()),
            external_id: Some("abc-123".into()),
            regions: vec![],
            realtime: false,
            remediation: false,
            enabled: true,
            schedule: DEFAULT_SCHEDULE.into(),
            next_run_at: None,
            created_at: Utc::now(),
        }
    }

    #[test]
    fn accepts_a_good_source() {
        assert_eq!(source().validate(), Ok(()));
    }

    #[test]
    fn rejects_bad_fields() {
        let mut s = source();
        s.name = "has space".into();
        assert!(matches!(s.validate(), Err(SourceError::Name(_))));
        let mut s = source();
        s.role_arn = Some("arn:aws:iam::123456789012:user/bob".into());
        assert!(matches!(s.validate(), Err(SourceError::RoleArn(_))));
        let mut s = source();
        s.role_arn = Some("arn:aws:iam::210987654321:role/R".into());
        assert!(matches!(s.validate(), Err(SourceError::RoleAccountMismatch { .. })));
        let mut s = source();
        s.external_id = Some("x".into());
        assert_eq!(s.validate(), Err(SourceError::ExternalId));
    }

    #[test]
    fn reads_the_account_of_role_arns() {
        assert_eq!(role_arn_account("arn:aws:iam::123456789012:role/a/b/R"), Some("123456789012"));
        assert_eq!(role_arn_account("arn:aws-us-gov:iam::123456789012:role/R"), Some("123456789012"));
        assert_eq!(role_arn_account("arn:aws:iam::123456789012:role/"), None);
        assert_eq!(role_arn_account("arn:aws:sts::123456789012:role/R"), None);
    }
}
