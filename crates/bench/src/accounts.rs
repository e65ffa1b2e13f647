//! Many accounts: seeds N emulator accounts with a few resources each, registers them as
//! sources, and measures one `palisade scan --all` over all of them.

use crate::measure::{self, Usage};
use anyhow::{bail, Context};
use futures::StreamExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What one account is seeded with: a bucket without encryption, a VPC with a security group
/// open to the world on SSH, an IAM user with an access key, and a KMS key without rotation.
const SEEDED_PER_ACCOUNT: &str = "1 bucket, 1 VPC + security group, 1 IAM user + access key, 1 KMS key";
const LABELS: [&str; 3] = ["Prod", "Dev", "Test"];

pub struct AccountsRun {
    pub accounts: usize,
    pub resources: u64,
    pub failing: u64,
    pub seed_seconds: f64,
    pub scan: Usage,
}

/// Seeds `accounts` fresh accounts in the emulator at `endpoint`, adds them as sources to a new
/// store in `dir`, and measures `palisade scan --all` with `max_accounts` scanned at once.
pub async fn run(
    palisade: &Path,
    endpoint: &str,
    dir: &Path,
    accounts: usize,
    max_accounts: usize,
) -> anyhow::Result<AccountsRun> {
    let base = palisade_testkit::config_for(endpoint).await;
    let started = std::time::Instant::now();
    let ids: Vec<String> = (0..accounts).map(|_| palisade_testkit::fresh_account_id()).collect();
    let seeded: Vec<anyhow::Result<()>> =
        futures::stream::iter(ids.iter().map(|id| seed(&base, id))).buffer_unordered(16).collect().await;
    for r in seeded {
        r?;
    }
    let seed_seconds = started.elapsed().as_secs_f64();

    let db = dir.join(format!("bench-{accounts}.db"));
    let _ = std::fs::remove_file(&db);
    for (i, id) in ids.iter().enumerate() {
        let out = Command::new(palisade)
            .args(["source", "add", "--name", &format!("bench-{i:04}"), "--account-id", id])
            .args(["--label", LABELS[i % LABELS.len()], "--regions", "us-east-1", "--db"])
            .arg(&db)
            .output()
            .context("palisade source add")?;
        if !out.status.success() {
            bail!("source add failed: {}", String::from_utf8_lossy(&out.stderr));
        }
    }

    let stderr_log = dir.join(format!("scan-{accounts}.stderr"));
    let mut scan = palisade_command(palisade, endpoint);
    scan.args(["scan", "--all", "--format", "json", "--max-accounts", &max_accounts.to_string(), "--db"])
        .arg(&db)
        .stdout(Stdio::null())
        // A file, not a pipe: nobody reads the child's stderr while it runs, and a full pipe would
        // block the scan (50 accounts' scan errors fill one).
        .stderr(std::fs::File::create(&stderr_log).context("creating the scan's stderr log")?);
    // Exit 0 (nothing failing) or 3 would need --fail-on; a failed source (1) is a bench failure.
    let usage = measure::run(&mut scan, &[0])?;

    let list = Command::new(palisade).args(["source", "list", "--format", "json", "--db"]).arg(&db).output()?;
    let list: serde_json::Value = serde_json::from_slice(&list.stdout).context("source list JSON")?;
    let (mut resources, mut failing) = (0, 0);
    for source in list.as_array().context("source list is an array")? {
        let last = &source["last_scan"];
        if last["status"] != "completed" {
            bail!("source {} ended {}", source["name"], last["status"]);
        }
        resources += last["resources"].as_u64().unwrap_or(0);
        failing += last["failing"].as_u64().unwrap_or(0);
    }
    Ok(AccountsRun { accounts, resources, failing, seed_seconds, scan: usage })
}

/// `palisade` as Palisade's own identity in the emulator.
fn palisade_command(palisade: &Path, endpoint: &str) -> Command {
    let mut cmd = Command::new(palisade);
    for var in ["AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION"] {
        cmd.env_remove(var);
    }
    cmd.env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_EC2_METADATA_DISABLED", "true");
    cmd
}

async fn seed(base: &aws_config::SdkConfig, account: &str) -> anyhow::Result<()> {
    let conf = palisade_testkit::config_in_account(base, account, "bench").await;
    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&conf).force_path_style(true).build());
    s3.create_bucket().bucket(format!("bench-{account}")).send().await.context("create bucket")?;
    let ec2 = aws_sdk_ec2::Client::new(&conf);
    let vpc = ec2.create_vpc().cidr_block("10.9.0.0/16").send().await.context("create vpc")?;
    let vpc_id = vpc.vpc.and_then(|v| v.vpc_id).context("vpc id")?;
    let sg = ec2.create_security_group().group_name("ssh").description("bench").vpc_id(vpc_id).send().await?;
    ec2.authorize_security_group_ingress()
        .group_id(sg.group_id.context("group id")?)
        .ip_protocol("tcp")
        .from_port(22)
        .to_port(22)
        .cidr_ip("0.0.0.0/0")
        .send()
        .await
        .context("authorize ingress")?;
    let iam = aws_sdk_iam::Client::new(&conf);
    iam.create_user().user_name("bench").send().await.context("create user")?;
    iam.create_access_key().user_name("bench").send().await.context("create access key")?;
    aws_sdk_kms::Client::new(&conf).create_key().send().await.context("create key")?;
    Ok(())
}

/// The markdown rows for `runs`.
pub fn table(runs: &[AccountsRun]) -> String {
    let mut out = format!(
        "Each account: {SEEDED_PER_ACCOUNT}; one region (us-east-1); every collector.\n\n\
         | Accounts | Resources | Failing | Wall (s) | CPU (s) | Peak RSS (MiB) | Seeding (s) |\n\
         |---:|---:|---:|---:|---:|---:|---:|\n"
    );
    for r in runs {
        out.push_str(&format!(
            "| {} | {} | {} | {:.1} | {:.2} | {:.1} | {:.1} |\n",
            r.accounts,
            r.resources,
            r.failing,
            r.scan.wall.as_secs_f64(),
            r.scan.cpu().as_secs_f64(),
            r.scan.max_rss_mib(),
            r.seed_seconds
        ));
    }
    out
}

pub fn store_dir() -> PathBuf {
    std::env::temp_dir().join(format!("palisade-bench-{}", std::process::id()))
}
