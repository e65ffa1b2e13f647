//! Fixtures for tests that run against the AWS emulator started by `scripts/test.sh`.
//!
//! Each [`TestAccount`] is a fresh, random 12-digit account inside the one emulator: the emulator
//! scopes state per account, and an assumed role in account B acts on B's resources, so tests
//! never see each other's resources. This crate is test-only; nothing ships with it.

use aws_config::{BehaviorVersion, SdkConfig};
use palisade_collect::aws::{ActionRecorder, AwsContext, AwsService, ContextOptions};
use palisade_collect::{Collected, Emitter};
use palisade_model::{Region, Resource, ScanError};
use std::io::{Read, Write};
use std::sync::atomic::{AtomicU64, Ordering};

/// The emulator's AWS endpoint, e.g. `http://127.0.0.1:5000`.
pub fn endpoint() -> String {
    std::env::var("PALISADE_TEST_ENDPOINT").unwrap_or_else(|_| {
        panic!("PALISADE_TEST_ENDPOINT is not set: run the tests through scripts/test.sh, which starts the emulator")
    })
}

/// The emulator's control endpoint (fixtures the AWS API cannot express, like old access keys).
pub fn control_endpoint() -> String {
    std::env::var("PALISADE_TEST_CONTROL").unwrap_or_else(|_| {
        panic!("PALISADE_TEST_CONTROL is not set: run the tests through scripts/test.sh, which starts the emulator")
    })
}

/// A new account id no other test in this run uses.
pub fn fresh_account_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mixed = (nanos ^ (u64::from(std::process::id()) << 20)).wrapping_add(n.wrapping_mul(7_919));
    // Leading 2..=9 keeps clear of the emulator's default account 123456789012.
    format!("{}{:011}", 2 + (mixed % 8), (mixed / 8) % 100_000_000_000)
}

/// Base configuration for the emulator: dummy credentials, us-east-1, the endpoint override.
pub async fn base_config() -> SdkConfig {
    config_for(&endpoint()).await
}

/// Configuration for the emulator at `endpoint` (e.g. a second [`Emulator`]): dummy credentials,
/// us-east-1.
pub async fn config_for(endpoint: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_types::region::Region::from_static("us-east-1"))
        .test_credentials()
        .load()
        .await
}

/// `base` acting inside `account_id`, through an assumed role (the emulator scopes state by the
/// account of the credentials).
pub async fn config_in_account(base: &SdkConfig, account_id: &str, session: &str) -> SdkConfig {
    let provider = aws_config::sts::AssumeRoleProvider::builder(format!("arn:aws:iam::{account_id}:role/{session}"))
        .session_name(session)
        .configure(base)
        .build()
        .await;
    base.clone()
        .into_builder()
        .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(provider))
        .build()
}

/// One isolated account in the emulator, with clients to plant resources in it.
pub struct TestAccount {
    pub account_id: String,
    pub sdk: SdkConfig,
}

impl TestAccount {
    /// A fresh account, reached by assuming a role in it (as the scanner itself would).
    pub async fn new() -> Self {
        let account_id = fresh_account_id();
        let sdk = config_in_account(&base_config().await, &account_id, "palisade-test").await;
        Self { account_id, sdk }
    }

    pub fn region(name: &str) -> Region {
        Region::new(name).expect("valid region")
    }

    /// A collector context for this account covering `regions`.
    pub async fn context(&self, regions: &[&str]) -> AwsContext {
        self.context_with(regions, None).await
    }

    /// A collector context whose clients report every call to `recorder`.
    pub async fn context_with(&self, regions: &[&str], recorder: Option<ActionRecorder>) -> AwsContext {
        let opts =
            ContextOptions { source: "test".into(), label: "Test".into(), recorder, ..ContextOptions::default() };
        AwsContext::new(self.sdk.clone(), opts)
            .await
            .expect("context for the emulator account")
            .with_regions(regions.iter().map(|r| Self::region(r)).collect())
    }

    /// Runs one collector in one region and gathers what it produced.
    pub async fn collect(
        &self,
        service: AwsService,
        region: &str,
    ) -> (Vec<Resource>, Vec<ScanError>, Result<(), String>) {
        let ctx = self.context(&[region]).await;
        let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
        let emitter = Emitter::new(tx);
        let region = Self::region(region);
        let drain = tokio::spawn(async move {
            let mut resources = Vec::new();
            let mut errors = Vec::new();
            while let Some(item) = rx.recv().await {
                match item {
                    Collected::Resource(r) => resources.push(*r),
                    Collected::Error(e) => errors.push(e),
                }
            }
            (resources, errors)
        });
        let result = service.collect(&ctx, &region, &emitter).await.map_err(|e| e.to_string());
        drop(emitter);
        let (resources, errors) = drain.await.expect("drain task");
        (resources, errors, result)
    }

    pub fn ec2(&self, region: &str) -> aws_sdk_ec2::Client {
        let conf = aws_sdk_ec2::config::Builder::from(&self.sdk)
            .region(aws_types::region::Region::new(region.to_string()))
            .build();
        aws_sdk_ec2::Client::from_conf(conf)
    }

    pub fn s3(&self, region: &str) -> aws_sdk_s3::Client {
        let conf = aws_sdk_s3::config::Builder::from(&self.sdk)
            .region(aws_types::region::Region::new(region.to_string()))
            .force_path_style(true)
            .build();
        aws_sdk_s3::Client::from_conf(conf)
    }

    pub fn iam(&self) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::new(&self.sdk)
    }

    pub fn kms(&self, region: &str) -> aws_sdk_kms::Client {
        let conf = aws_sdk_kms::config::Builder::from(&self.sdk)
            .region(aws_types::region::Region::new(region.to_string()))
            .build();
        aws_sdk_kms::Client::from_conf(conf)
    }

    pub fn cloudtrail(&self, region: &str) -> aws_sdk_cloudtrail::Client {
        let conf = aws_sdk_cloudtrail::config::Builder::from(&self.sdk)
            .region(aws_types::region::Region::new(region.to_string()))
            .build();
        aws_sdk_cloudtrail::Client::from_conf(conf)
    }

    /// Turns on SSE-S3 default encryption for `bucket` (us-east-1).
    pub async fn enable_default_encryption(&self, bucket: &str) {
        use aws_sdk_s3::types::{
            ServerSideEncryption, ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration,
            ServerSideEncryptionRule,
        };
        let by_default = ServerSideEncryptionByDefault::builder()
            .sse_algorithm(ServerSideEncryption::Aes256)
            .build()
            .expect("encryption default");
        let rule = ServerSideEncryptionRule::builder().apply_server_side_encryption_by_default(by_default).build();
        let config = ServerSideEncryptionConfiguration::builder().rules(rule).build().expect("encryption config");
        self.s3("us-east-1")
            .put_bucket_encryption()
            .bucket(bucket)
            .server_side_encryption_configuration(config)
            .send()
            .await
            .expect("put bucket encryption");
    }

    /// Makes an IAM access key look `days` old (the AWS API cannot do this; the emulator's
    /// control endpoint can).
    pub fn backdate_access_key(&self, user_name: &str, access_key_id: &str, days: f64) {
        let body = serde_json::json!({
            "account_id": self.account_id, "user_name": user_name,
            "access_key_id": access_key_id, "days": days,
        })
        .to_string();
        let (status, reply) = post(&control_endpoint(), "/iam/backdate-access-key", &body);
        assert_eq!(status, 200, "backdating {access_key_id}: {reply}");
    }

    /// From now on the emulator throttles this account's calls to `service` (only `ec2`), as AWS
    /// does under load. Returns how many of its requests were throttled so far.
    pub fn throttle(&self, service: &str) -> u64 {
        let body = serde_json::json!({"account_id": self.account_id, "service": service}).to_string();
        let (status, reply) = post(&control_endpoint(), "/faults/throttle", &body);
        assert_eq!(status, 200, "throttling {service}: {reply}");
        let reply: serde_json::Value = serde_json::from_str(&reply).expect("control answers JSON");
        reply["throttled"].as_u64().expect("throttled count")
    }

    /// Environment variables that make a `palisade` child process act as this account through
    /// the standard credential chain (a profile that assumes a role in it).
    pub fn profile_env(&self, dir: &std::path::Path) -> Vec<(String, String)> {
        let config = dir.join("aws-config");
        let creds = dir.join("aws-credentials");
        std::fs::write(
            &config,
            format!(
                "[profile base]\nregion = us-east-1\n\n[profile scan]\nregion = us-east-1\nrole_arn = arn:aws:iam::{}:role/palisade-scanner\nsource_profile = base\n",
                self.account_id
            ),
        )
        .expect("write aws config");
        std::fs::write(&creds, "[base]\naws_access_key_id = testing\naws_secret_access_key = testing\n")
            .expect("write aws credentials");
        vec![
            ("AWS_CONFIG_FILE".into(), config.display().to_string()),
            ("AWS_SHARED_CREDENTIALS_FILE".into(), creds.display().to_string()),
            ("AWS_PROFILE".into(), "scan".into()),
            ("AWS_ENDPOINT_URL".into(), endpoint()),
            ("AWS_REGION".into(), "us-east-1".into()),
        ]
    }
}

/// The Python interpreter of the emulator's virtualenv (set by scripts/test.sh).
pub fn python() -> String {
    std::env::var("PALISADE_TEST_PYTHON")
        .unwrap_or_else(|_| panic!("PALISADE_TEST_PYTHON is not set: run the tests through scripts/test.sh"))
}

/// The repository root (fixture scripts live under scripts/).
pub fn repo_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repo root")
}

impl TestAccount {
    /// Plants the demo account (scripts/emulator/plant_demo.py, through boto3) in this account
    /// and returns what it planted: `{"buckets": {"fail": [..], "pass": [..]}, ...}`.
    pub fn plant_demo(&self) -> serde_json::Value {
        let out = std::process::Command::new(python())
            .arg(repo_root().join("scripts/emulator/plant_demo.py"))
            .args(["--endpoint", &endpoint(), "--control", &control_endpoint(), "--account-id", &self.account_id])
            .output()
            .expect("run plant_demo.py");
        assert!(out.status.success(), "plant_demo.py failed: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).expect("plant_demo.py prints JSON")
    }
}

/// A second emulator with its own settings (e.g. IAM enforcement), stopped when dropped.
pub struct Emulator {
    pub endpoint: String,
    pub control: String,
    child: std::process::Child,
    dir: std::path::PathBuf,
}

impl Emulator {
    pub fn start(env: &[(&str, &str)]) -> Self {
        let dir = std::env::temp_dir().join(format!("palisade-emulator-{}", fresh_account_id()));
        std::fs::create_dir_all(&dir).expect("emulator dir");
        Self::spawn(env, dir)
    }

    /// Kills the emulator (as a crash would: all its state is gone) and starts a fresh one on the
    /// same port, so clients that were talking to it reconnect to the new one.
    pub fn restart(&mut self, env: &[(&str, &str)]) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let port = self.endpoint.rsplit(':').next().expect("endpoint has a port").to_string();
        let mut env = env.to_vec();
        env.push(("PALISADE_EMULATOR_PORT", &port));
        let _ = std::fs::remove_file(self.dir.join("ready.json"));
        let fresh = Self::spawn(&env, self.dir.clone());
        assert_eq!(fresh.endpoint, self.endpoint, "restarted on the same port");
        // Take over the new process; the old handle's Drop would kill it.
        let old = std::mem::replace(self, fresh);
        std::mem::forget(old);
    }

    fn spawn(env: &[(&str, &str)], dir: std::path::PathBuf) -> Self {
        let ready = dir.join("ready.json");
        let mut cmd = std::process::Command::new(python());
        cmd.arg(repo_root().join("scripts/emulator/server.py")).arg(&ready).env("MOTO_EC2_LOAD_DEFAULT_AMIS", "false");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start emulator");
        for _ in 0..300 {
            if let Ok(text) = std::fs::read_to_string(&ready) {
                if let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) {
                    return Self {
                        endpoint: v["endpoint"].as_str().expect("endpoint").to_string(),
                        control: v["control"].as_str().expect("control").to_string(),
                        child,
                        dir,
                    };
                }
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let mut child = child;
        let _ = child.kill();
        let _ = child.wait();
        panic!("the second emulator did not start within 30 s");
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal HTTP/1.1 POST over loopback, enough for the emulator's control endpoint.
fn post(base: &str, path: &str, body: &str) -> (u16, String) {
    let hostport = base.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = std::net::TcpStream::connect(hostport).expect("connect to emulator control endpoint");
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: {hostport}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(req.as_bytes()).expect("send control request");
    let mut reply = String::new();
    stream.read_to_string(&mut reply).expect("read control reply");
    let status = reply.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = reply.split("\r\n\r\n").nth(1).unwrap_or_default().to_string();
    (status, body)
}

/// A local HTTP receiver for alert tests: answers each request with the next of the given
/// statuses (then 200) and keeps the JSON body of every request it answered 200.
pub struct HttpReceiver {
    pub url: String,
    bodies: std::sync::Arc<std::sync::Mutex<Vec<serde_json::Value>>>,
}

impl HttpReceiver {
    pub fn start(statuses: Vec<u16>) -> Self {
        use std::io::BufRead;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind receiver");
        let url = format!("http://{}/hook", listener.local_addr().expect("receiver address"));
        let bodies = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = bodies.clone();
        std::thread::spawn(move || {
            let mut statuses = statuses.into_iter();
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = std::io::BufReader::new(stream.try_clone().expect("clone stream"));
                let mut length = 0;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).is_err() {
                    continue;
                }
                let status = statuses.next().unwrap_or(200);
                if status == 200 {
                    if let Ok(v) = serde_json::from_slice(&body) {
                        seen.lock().expect("receiver lock").push(v);
                    }
                }
                let _ = write!(stream, "HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            }
        });
        Self { url, bodies }
    }

    /// The bodies received so far.
    pub fn bodies(&self) -> Vec<serde_json::Value> {
        self.bodies.lock().expect("receiver lock").clone()
    }

    /// Waits (up to 10 s) for at least `n` bodies, then a little longer so that a duplicate
    /// would show up too, and returns them all.
    pub fn wait_for(&self, n: usize) -> Vec<serde_json::Value> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while self.bodies().len() < n && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        std::thread::sleep(std::time::Duration::from_millis(300));
        self.bodies()
    }
}
