//! Onboarding templates, generated from the code's own list of actions: the CloudFormation
//! template of the read-only role a source grants Palisade, the separate remediation role with
//! exactly the write actions the enabled fixes need, and the StackSet (with its administrator and
//! execution roles) that forwards a source's CloudTrail write events to Palisade's queue.
//!
//! This crate does no I/O (beyond drawing random bytes for a new ExternalId) and knows no cloud
//! SDK: it turns action names into JSON templates. The
//! AWS managed policy documents it compares against are embedded from
//! `deploy/aws-managed-policies.json` (as AWS publishes them).

mod iam_policy;
mod realtime;
mod remediation_role;
mod role;
mod trust;

pub use iam_policy::{action_allowed, ManagedPolicy};
pub use realtime::{realtime_instructions, realtime_templates, RealtimeTemplates};
pub use remediation_role::remediation_role_template;
pub use role::{managed_policies, quick_create_url, role_template, RoleTemplateOptions, DEFAULT_ROLE_NAME};
pub use trust::{default_role_arn, generate_external_id, ExternalIdError};

/// Data-plane reads a read-only scanner must never be able to make, whatever its role grants by
/// mistake: reading objects, items, secrets and messages is not posture assessment.
pub const DATA_PLANE_READS: &[&str] = &[
    "s3:GetObject",
    "s3:GetObjectVersion",
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:BatchGetItem",
    "secretsmanager:GetSecretValue",
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:GetParametersByPath",
    "kms:Decrypt",
    "sqs:ReceiveMessage",
    "kinesis:GetRecords",
    "logs:GetLogEvents",
    "logs:FilterLogEvents",
    "rds-data:ExecuteStatement",
    "lambda:InvokeFunction",
];
