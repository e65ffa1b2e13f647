//! What a source's trust needs besides the template: the default role to assume and a fresh
//! ExternalId. `palisade source add`, `source discover`, the API and the web UI all make sources
//! through these, so a source made anywhere looks the same.

use crate::DEFAULT_ROLE_NAME;

/// Why an ExternalId could not be made.
#[derive(Debug, thiserror::Error)]
#[error("generating an external id: {0}")]
pub struct ExternalIdError(String);

/// A random ExternalId: 128 bits from the operating system's generator, as 32 lowercase hex digits.
/// (The only call in this crate that leaves the process.)
pub fn generate_external_id() -> Result<String, ExternalIdError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| ExternalIdError(e.to_string()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The role assumed in `account_id` when a source names none: the one the generated template
/// creates.
pub fn default_role_arn(account_id: &str) -> String {
    format!("arn:aws:iam::{account_id}:role/{DEFAULT_ROLE_NAME}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn external_ids_are_random_hex_and_the_default_role_is_the_templates() {
        let (a, b) = (generate_external_id().unwrap(), generate_external_id().unwrap());
        assert_ne!(a, b);
        assert!(a.len() == 32 && a.bytes().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()), "{a}");
        assert_eq!(default_role_arn("123456789012"), "arn:aws:iam::123456789012:role/PalisadeReadOnly");
    }
}
