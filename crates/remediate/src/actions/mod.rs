//! One file per AWS service: each action's declaration, its pure decision over a state in the
//! attributes' shape (shared by plan and apply), and the calls that read and change that state.

pub(crate) mod cloudtrail;
pub(crate) mod ec2;
pub(crate) mod iam;
pub(crate) mod kms;
pub(crate) mod s3;
