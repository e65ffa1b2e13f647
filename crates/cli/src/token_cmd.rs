//! `palisade token create|list|revoke`: the API tokens of `palisade serve`. A token is printed
//! once, when it is made; the store keeps only its hash.

use crate::args::ListFormat;
use crate::exit;
use crate::source_cmd::open;
use clap::{Args, Subcommand, ValueEnum};
use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table};
use palisade_server::auth::{generate_token, hash_token};
use palisade_store::TokenRole;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct TokenArgs {
    #[command(subcommand)]
    pub command: TokenCommand,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Everything, including adding and removing sources.
    Admin,
    /// Reads only.
    ReadOnly,
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Make a token and print it once.
    Create {
        #[arg(long, default_value = "palisade.db")]
        db: PathBuf,
        #[arg(long, value_enum)]
        role: Role,
        /// What the token is for (shown by `token list`).
        #[arg(long, default_value = "api")]
        name: String,
    },
    /// List tokens (never their secrets).
    List {
        #[arg(long, default_value = "palisade.db")]
        db: PathBuf,
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Revoke a token by id: it stops working at once.
    Revoke {
        id: i64,
        #[arg(long, default_value = "palisade.db")]
        db: PathBuf,
    },
}

pub fn run(args: TokenArgs) -> anyhow::Result<u8> {
    match args.command {
        TokenCommand::Create { db, role, name } => {
            let role = match role {
                Role::Admin => TokenRole::Admin,
                Role::ReadOnly => TokenRole::ReadOnly,
            };
            let token = generate_token()?;
            let id = open(&db)?.create_api_token(&name, role, &hash_token(&token))?;
            eprintln!("created {} token {id} ({name}); it is shown once:", role.as_str());
            println!("{token}");
            Ok(exit::OK)
        }
        TokenCommand::List { db, format } => {
            let tokens = open(&db)?.api_tokens()?;
            if format == ListFormat::Json {
                let rows: Vec<_> = tokens
                    .iter()
                    .map(|t| {
                        serde_json::json!({
                            "id": t.id, "name": t.name, "role": t.role.as_str(), "created_at": t.created_at,
                            "last_used_at": t.last_used_at, "revoked_at": t.revoked_at,
                        })
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&rows)?);
                return Ok(exit::OK);
            }
            let mut table = Table::new();
            table.load_preset(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic);
            table.set_header(["ID", "NAME", "ROLE", "CREATED", "LAST USED", "REVOKED"]);
            let when =
                |t: Option<chrono::DateTime<chrono::Utc>>| t.map(|t| t.to_rfc3339()).unwrap_or_else(|| "-".into());
            for t in &tokens {
                table.add_row([
                    t.id.to_string(),
                    t.name.clone(),
                    t.role.as_str().to_string(),
                    t.created_at.to_rfc3339(),
                    when(t.last_used_at),
                    when(t.revoked_at),
                ]);
            }
            println!("{table}");
            Ok(exit::OK)
        }
        TokenCommand::Revoke { id, db } => {
            if !open(&db)?.revoke_api_token(id)? {
                anyhow::bail!("no unrevoked token with id {id}");
            }
            println!("revoked token {id}");
            Ok(exit::OK)
        }
    }
}
