//! `palisade dead-letters`: the real-time messages the consumer could not use, with the reason
//! (not JSON, truncated, wrong shape, unknown event, too large, or a rescan that kept failing).
//! Nothing the queue delivered is lost: what was not applied or deliberately dropped is here.

use crate::args::ListFormat;
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct DeadLettersArgs {
    #[arg(long, default_value = "palisade.db")]
    pub db: PathBuf,
    /// The newest this many.
    #[arg(long, default_value_t = 100)]
    pub limit: usize,
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

pub fn run(args: DeadLettersArgs) -> anyhow::Result<u8> {
    let store = crate::source_cmd::open(&args.db)?;
    let letters = store.dead_letters(args.limit)?;
    match args.format {
        ListFormat::Json => {
            let rows: Vec<_> = letters
                .iter()
                .map(|d| {
                    serde_json::json!({
                        "id": d.id, "received_at": d.received_at, "origin": d.origin,
                        "message_id": d.message_id, "reason": d.reason, "body": d.body,
                    })
                })
                .collect();
            println!("{}", serde_json::to_string_pretty(&rows)?);
        }
        ListFormat::Table => {
            let mut table = comfy_table::Table::new();
            table.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
            table.set_header(["ID", "RECEIVED", "MESSAGE", "REASON", "BODY (START)"]);
            for d in &letters {
                let start: String = d.body.chars().take(60).collect();
                table.add_row([
                    d.id.to_string(),
                    d.received_at.format("%F %T").to_string(),
                    d.message_id.clone(),
                    d.reason.clone(),
                    start,
                ]);
            }
            println!("{table}");
        }
    }
    Ok(crate::exit::OK)
}
