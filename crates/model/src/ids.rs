//! Identifiers that cross crate boundaries, each validated once at construction.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why an identifier was rejected; keeps the offending input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("invalid AWS account id {0:?}: expected exactly 12 digits")]
    AccountId(String),
    #[error("invalid region {0:?}: expected a region name like us-east-1, or \"global\"")]
    Region(String),
    #[error("invalid resource id {0:?}: must be non-empty")]
    ResourceId(String),
    #[error("invalid policy id {0:?}: expected dot-separated words like AWS.S3.Bucket.Encryption")]
    PolicyId(String),
}

macro_rules! string_newtype {
    ($name:ident) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
        impl std::str::FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Self::new(s)
            }
        }
        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(s: String) -> Result<Self, IdError> {
                Self::new(s)
            }
        }
        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }
    };
}

/// A 12-digit AWS account id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AccountId(String);

impl AccountId {
    pub fn new(s: impl Into<String>) -> Result<Self, IdError> {
        let s = s.into();
        if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(s))
        } else {
            Err(IdError::AccountId(s))
        }
    }
}
string_newtype!(AccountId);

/// A cloud region (`us-east-1`), or `global` for global services such as IAM.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Region(String);

impl Region {
    pub const GLOBAL: &'static str = "global";

    pub fn new(s: impl Into<String>) -> Result<Self, IdError> {
        let s = s.into();
        let ok = !s.is_empty()
            && s.len() <= 32
            && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-');
        if ok {
            Ok(Self(s))
        } else {
            Err(IdError::Region(s))
        }
    }

    pub fn global() -> Self {
        Self(Self::GLOBAL.to_string())
    }

    pub fn is_global(&self) -> bool {
        self.0 == Self::GLOBAL
    }
}
string_newtype!(Region);

/// A resource's unique id: its ARN where it has one, otherwise a stable pseudo-ARN.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ResourceId(String);

impl ResourceId {
    pub fn new(s: impl Into<String>) -> Result<Self, IdError> {
        let s = s.into();
        if s.trim().is_empty() {
            Err(IdError::ResourceId(s))
        } else {
            Ok(Self(s))
        }
    }
}
string_newtype!(ResourceId);

/// A policy's stable id, e.g. `AWS.S3.Bucket.Encryption`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PolicyId(String);

impl PolicyId {
    pub fn new(s: impl Into<String>) -> Result<Self, IdError> {
        let s = s.into();
        let ok = !s.is_empty()
            && s.split('.').all(|part| {
                !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            });
        if ok {
            Ok(Self(s))
        } else {
            Err(IdError::PolicyId(s))
        }
    }
}
string_newtype!(PolicyId);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_id_requires_twelve_digits() {
        assert!(AccountId::new("123456789012").is_ok());
        for bad in ["12345678901", "1234567890123", "12345678901a", "", " 23456789012"] {
            assert_eq!(AccountId::new(bad), Err(IdError::AccountId(bad.to_string())), "{bad:?}");
        }
    }

    #[test]
    fn region_accepts_names_and_global() {
        for ok in ["us-east-1", "eu-central-2", "global", "us-gov-west-1"] {
            assert!(Region::new(ok).is_ok(), "{ok}");
        }
        for bad in ["", "US-EAST-1", "us east", "-us", "us-"] {
            assert!(Region::new(bad).is_err(), "{bad:?}");
        }
        assert!(Region::global().is_global());
    }

    #[test]
    fn policy_id_is_dotted_words() {
        assert!(PolicyId::new("AWS.S3.Bucket.Encryption").is_ok());
        for bad in ["", "AWS..S3", "AWS.S3.", "AWS S3"] {
            assert!(PolicyId::new(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn ids_deserialize_through_validation() {
        let err = serde_json::from_str::<AccountId>("\"12\"").unwrap_err();
        assert!(err.to_string().contains("12 digits"), "{err}");
    }
}
