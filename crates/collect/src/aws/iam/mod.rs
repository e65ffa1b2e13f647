//! IAM collector: users, groups, roles, customer-managed policies, server certificates, the
//! account password policy and the root user, with the credential report joined to users and
//! root. `service` holds the spec and dispatches listing and fetching to the other files.

mod account;
mod attachments;
#[cfg(test)]
mod fixtures;
mod report;
mod roles_policies;
mod server_certificates;
mod service;
mod users;

pub use account::password_policy_attributes;

pub(crate) use service::{collect, fetch, SPEC};
