//! The web UI in a real headless Chromium (Debian's `chromium`, driven by playwright-core from
//! `ui-tests/`): `palisade serve` runs against the AWS emulator with an account planted with the
//! demo resources, and each script of `ui-tests/` drives the browser through one scenario (sign in,
//! the Add Account wizard end to end, findings, a read-only session, a tour of every page). Every
//! page's screenshot is saved under `<target dir>/ui-screenshots/` for a reviewer.
//!
//! `scripts/test.sh` installs Chromium and the node modules. Without them this test fails and says
//! how to get them: it never passes without having run the browser.

mod common;

use common::*;
use palisade_testkit::{endpoint, TestAccount};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
/// The scenarios, in order: the wizard adds the source the later ones look at.
const SCRIPTS: &[&str] = &["signin.mjs", "add_account.mjs", "findings.mjs", "readonly.mjs", "tour.mjs"];

/// `palisade serve` as Palisade's own identity in the emulator, killed when dropped.
struct Serve {
    child: Child,
    log: PathBuf,
}

impl Serve {
    fn start(db: &Path, dir: &Path) -> Self {
        let log = dir.join("serve.log");
        let child = palisade()
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ENDPOINT_URL", endpoint())
            .env_remove("RUST_LOG")
            .args(["serve", "--tick", "1s", "--listen", "127.0.0.1:0", "--no-auto-remediation", "--db"])
            .arg(db)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("start palisade serve");
        Self { child, log }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The address serve bound, from its log.
    fn url(&self) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(addr) = self.log().lines().find_map(|l| l.strip_prefix("listening on ")) {
                return addr.trim().to_string();
            }
            assert!(Instant::now() < deadline, "serve never said where it listens:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The repository this test was built from.
fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repo root")
}

/// Where screenshots go: `$CARGO_TARGET_DIR/ui-screenshots`, else beside this test's binary.
fn screenshot_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(dir).join("ui-screenshots");
    }
    // target/debug/deps/ui-HASH -> target
    let exe = std::env::current_exe().expect("test binary path");
    exe.ancestors()
        .nth(3)
        .map(|t| t.join("ui-screenshots"))
        .unwrap_or_else(|| repo_root().join("target/ui-screenshots"))
}

/// Fails with what to do when the browser or the node modules are missing.
fn require_browser(ui: &Path) {
    assert!(
        Path::new(CHROMIUM).exists(),
        "the UI tests need Debian's chromium at {CHROMIUM}: run scripts/test.sh (it installs it when run as root), or `sudo apt-get install chromium`"
    );
    let node = Command::new("node").arg("--version").output();
    assert!(
        node.as_ref().is_ok_and(|o| o.status.success()),
        "the UI tests need node (20 or later): `sudo apt-get install nodejs npm`, then run scripts/test.sh"
    );
    assert!(
        ui.join("node_modules/playwright-core/package.json").exists(),
        "the UI tests need playwright-core in ui-tests/node_modules: run `npm ci --prefix ui-tests` (scripts/test.sh does)"
    );
}

fn token(db: &Path, role: &str, name: &str) -> String {
    let out = run(palisade().args(["token", "create", "--role", role, "--name", name, "--db"]).arg(db));
    assert!(out.status.success(), "token create: {}", stderr(&out));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_web_ui_in_chromium() {
    let ui = repo_root().join("ui-tests");
    require_browser(&ui);

    let account = TestAccount::new().await;
    let planted = account.plant_demo();
    let failing_bucket = planted["buckets"]["fail"][0].as_str().expect("a failing bucket").to_string();

    let dir = tempfile::tempdir().unwrap();
    let db = db(dir.path());
    let admin = token(&db, "admin", "ui-admin");
    let reader = token(&db, "read-only", "ui-viewer");
    let serve = Serve::start(&db, dir.path());
    let url = serve.url();
    let shots = screenshot_dir();
    std::fs::create_dir_all(&shots).unwrap();

    let mut failures = Vec::new();
    for script in SCRIPTS {
        let started = Instant::now();
        let out = Command::new("node")
            .arg(ui.join(script))
            .current_dir(&ui)
            .env("PALISADE_URL", &url)
            .env("PALISADE_ADMIN_TOKEN", &admin)
            .env("PALISADE_READ_TOKEN", &reader)
            .env("PALISADE_ACCOUNT_ID", &account.account_id)
            .env("PALISADE_FAILING_BUCKET", &failing_bucket)
            .env("PALISADE_SCREENSHOTS", &shots)
            .env("CHROMIUM", CHROMIUM)
            .output()
            .expect("run node");
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        eprintln!("{script} ({:.1}s):\n{text}", started.elapsed().as_secs_f64());
        if !out.status.success() {
            failures.push(format!("{script} failed ({}):\n{text}", out.status));
        }
    }
    assert!(
        failures.is_empty(),
        "{}\n--- serve log (tail) ---\n{}",
        failures.join("\n"),
        serve.log().lines().rev().take(40).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n")
    );
    let pngs = std::fs::read_dir(&shots)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "png"))
        .count();
    assert!(pngs >= 25, "a screenshot of every page in {}: {pngs}", shots.display());
    eprintln!("screenshots: {}", shots.display());
}
