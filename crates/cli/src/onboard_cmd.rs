//! `palisade onboard role|remediation-role|realtime`: CloudFormation templates generated from the
//! actions Palisade's collectors (and, for the remediation role, its fixes) declare.

use crate::exit;
use anyhow::Context;
use clap::{Args, Subcommand};
use palisade_collect::aws::{all_calls, AwsContext, ContextOptions};
use palisade_onboard::{
    quick_create_url, realtime_instructions, realtime_templates, remediation_role_template, role_template,
    RoleTemplateOptions,
};
use palisade_remediate::{required_iam_actions, Action, REMEDIATION_ROLE_NAME};
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct OnboardArgs {
    #[command(subcommand)]
    pub command: OnboardCommand,
}

#[derive(Subcommand, Debug)]
pub enum OnboardCommand {
    /// The CloudFormation template of a source's read-only role, and the console quick-create link.
    Role {
        /// The source (its ExternalId and role name go into the template).
        #[arg(long)]
        source: String,
        #[arg(long, default_value = "palisade.db")]
        db: PathBuf,
        /// The account Palisade runs in (default: the account of the ambient credentials).
        #[arg(long)]
        palisade_account_id: Option<String>,
        /// Where the template will be uploaded (an S3 URL), for the quick-create link.
        #[arg(long, default_value = "https://YOUR-BUCKET.s3.amazonaws.com/palisade-readonly-role.json")]
        template_url: String,
        /// The console region of the quick-create link.
        #[arg(long, default_value = "us-east-1")]
        region: String,
        /// Write the template here (default: stdout; the link goes to stderr then).
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// The CloudFormation template of a source's remediation role: separate from the read-only
    /// role, with the same trust (ExternalId) and exactly the actions the enabled fixes call.
    RemediationRole {
        /// The source (its ExternalId goes into the template).
        #[arg(long)]
        source: String,
        #[arg(long, default_value = "palisade.db")]
        db: PathBuf,
        /// The account Palisade runs in (default: the account of the ambient credentials).
        #[arg(long)]
        palisade_account_id: Option<String>,
        /// Only these fixes, by id, comma-separated (default: every fix).
        #[arg(long, value_delimiter = ',')]
        actions: Vec<String>,
        /// The role name (`palisade remediate --role-name` must match it).
        #[arg(long, default_value = REMEDIATION_ROLE_NAME)]
        role_name: String,
        /// Write the template here (default: stdout).
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// The real-time events StackSet template, its administrator and execution role templates,
    /// and the steps to deploy them.
    Realtime {
        /// The account Palisade runs in (the StackSet administrator and the queue's owner).
        #[arg(long)]
        palisade_account_id: String,
        /// The Palisade SQS queue that receives the events.
        #[arg(long)]
        queue_arn: String,
        /// Folder to write the three templates into.
        #[arg(long, default_value = "palisade-realtime")]
        output_dir: PathBuf,
    },
}

/// Every IAM action the collectors may call in a source account.
pub fn scanner_actions() -> Vec<&'static str> {
    let mut actions: Vec<&str> = all_calls().map(|c| c.iam_action).collect();
    actions.sort_unstable();
    actions.dedup();
    actions
}

pub async fn run(args: OnboardArgs) -> anyhow::Result<u8> {
    match args.command {
        OnboardCommand::Role { source, db, palisade_account_id, template_url, region, output } => {
            let store = crate::source_cmd::open(&db)?;
            let s = store.source(&source)?.ok_or_else(|| anyhow::anyhow!("no source named {source:?}"))?;
            let palisade_account = palisade_account(palisade_account_id).await?;
            let external_id = s.external_id.clone().unwrap_or_default();
            let role_name = s
                .role_arn
                .as_deref()
                .and_then(|arn| arn.rsplit('/').next())
                .unwrap_or(palisade_onboard::DEFAULT_ROLE_NAME)
                .to_string();
            let template = role_template(
                &scanner_actions(),
                &RoleTemplateOptions {
                    palisade_account_id: &palisade_account,
                    external_id: &external_id,
                    role_name: &role_name,
                },
            );
            let text = serde_json::to_string_pretty(&template)?;
            let link = quick_create_url(&region, &template_url, &palisade_account, &external_id, &role_name);
            match output {
                Some(path) => {
                    std::fs::write(&path, format!("{text}\n"))
                        .with_context(|| format!("writing {}", path.display()))?;
                    println!("wrote the role template for source {} to {}", s.name, path.display());
                    println!(
                        "Upload it to {template_url}, then open the quick-create link in account {}:\n{link}",
                        s.account_id
                    );
                }
                None => {
                    println!("{text}");
                    eprintln!("Quick-create link (upload the template to {template_url} first):\n{link}");
                }
            }
            Ok(exit::OK)
        }
        OnboardCommand::RemediationRole { source, db, palisade_account_id, actions, role_name, output } => {
            let store = crate::source_cmd::open(&db)?;
            let s = store.source(&source)?.ok_or_else(|| anyhow::anyhow!("no source named {source:?}"))?;
            let enabled: Vec<Action> = if actions.is_empty() {
                Action::ALL.to_vec()
            } else {
                actions
                    .iter()
                    .map(|id| {
                        Action::from_id(id).ok_or_else(|| {
                            let known: Vec<&str> = Action::ALL.iter().map(|a| a.id()).collect();
                            anyhow::anyhow!("unknown fix {id:?}; the fixes are {}", known.join(", "))
                        })
                    })
                    .collect::<anyhow::Result<_>>()?
            };
            let palisade_account = palisade_account(palisade_account_id).await?;
            let external_id = s.external_id.clone().unwrap_or_default();
            let template = remediation_role_template(
                &required_iam_actions(&enabled),
                &RoleTemplateOptions {
                    palisade_account_id: &palisade_account,
                    external_id: &external_id,
                    role_name: &role_name,
                },
            );
            let text = serde_json::to_string_pretty(&template)?;
            let steps = format!(
                "Deploy it in account {} (the stack creates a named IAM role), e.g.\n  aws cloudformation deploy \
                 --stack-name Palisade-Remediation --capabilities CAPABILITY_NAMED_IAM --template-file TEMPLATE\n\
                 then opt the source in:\n  palisade source update {} --remediation true",
                s.account_id, s.name
            );
            match output {
                Some(path) => {
                    std::fs::write(&path, format!("{text}\n"))
                        .with_context(|| format!("writing {}", path.display()))?;
                    println!("wrote the remediation role template for source {} to {}", s.name, path.display());
                    println!("{steps}");
                }
                None => {
                    println!("{text}");
                    eprintln!("{steps}");
                }
            }
            Ok(exit::OK)
        }
        OnboardCommand::Realtime { palisade_account_id, queue_arn, output_dir } => {
            let account = palisade_model::AccountId::new(palisade_account_id)?;
            std::fs::create_dir_all(&output_dir).with_context(|| format!("creating {}", output_dir.display()))?;
            let t = realtime_templates();
            for (file, doc) in [
                ("realtime-stackset.json", &t.stackset),
                ("stackset-administrator-role.json", &t.administrator_role),
                ("stackset-execution-role.json", &t.execution_role),
            ] {
                let path = output_dir.join(file);
                std::fs::write(&path, format!("{}\n", serde_json::to_string_pretty(doc)?))
                    .with_context(|| format!("writing {}", path.display()))?;
            }
            print!("{}", realtime_instructions(account.as_str(), &queue_arn, &output_dir.display().to_string()));
            Ok(exit::OK)
        }
    }
}

/// The account Palisade runs in: given, or that of the ambient credentials.
pub(crate) async fn palisade_account(given: Option<String>) -> anyhow::Result<String> {
    Ok(match given {
        Some(a) => palisade_model::AccountId::new(a)?.to_string(),
        None => AwsContext::from_environment(ContextOptions::default())
            .await
            .context("finding the Palisade account from the ambient credentials (or pass --palisade-account-id)")?
            .account_id()
            .to_string(),
    })
}
