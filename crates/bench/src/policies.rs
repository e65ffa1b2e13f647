//! Policy evaluation throughput (being written).

#[derive(clap::Args, Debug)]
pub struct PoliciesArgs {}

pub fn main(_args: PoliciesArgs, _record: Option<&std::path::Path>) -> anyhow::Result<()> {
    anyhow::bail!("not written yet")
}
