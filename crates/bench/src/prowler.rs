//! Side by side with Prowler (being written).

#[derive(clap::Args, Debug)]
pub struct ProwlerArgs {}

pub async fn main(
    _args: ProwlerArgs,
    _palisade: &std::path::Path,
    _record: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    anyhow::bail!("not written yet")
}
