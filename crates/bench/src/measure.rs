//! Runs a child process and reads what the kernel accounted for it: wall time, CPU time and peak
//! resident memory (`wait4`'s rusage, so nothing outside the child is counted).

use anyhow::{bail, Context};
use std::process::Command;
use std::time::{Duration, Instant};

/// What one run of a command cost.
#[derive(Debug, Clone, Copy)]
pub struct Usage {
    pub wall: Duration,
    pub user: Duration,
    pub system: Duration,
    /// Peak resident set size in bytes.
    pub max_rss: u64,
}

impl Usage {
    pub fn cpu(&self) -> Duration {
        self.user + self.system
    }

    pub fn max_rss_mib(&self) -> f64 {
        self.max_rss as f64 / (1024.0 * 1024.0)
    }
}

/// Runs `cmd` to completion (its output as configured on `cmd`) and fails if it exits non-zero
/// with a code not in `ok_codes`.
pub fn run(cmd: &mut Command, ok_codes: &[i32]) -> anyhow::Result<Usage> {
    let started = Instant::now();
    let child = cmd.spawn().with_context(|| format!("starting {cmd:?}"))?;
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain old data that wait4 fills in; pid is our own child, reaped here
    // exactly once (the Child handle is forgotten below so it never waits again).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = started.elapsed();
    std::mem::forget(child);
    if reaped != pid {
        bail!("wait4 on {cmd:?} failed: {}", std::io::Error::last_os_error());
    }
    let code = if libc::WIFEXITED(status) { libc::WEXITSTATUS(status) } else { -1 };
    if !ok_codes.contains(&code) {
        bail!("{cmd:?} exited with {code}");
    }
    let tv = |t: libc::timeval| Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64);
    Ok(Usage {
        wall,
        user: tv(usage.ru_utime),
        system: tv(usage.ru_stime),
        // Linux reports ru_maxrss in KiB.
        max_rss: usage.ru_maxrss as u64 * 1024,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_a_child_that_allocates() {
        // A child that touches 64 MiB must report at least that much peak memory and some CPU.
        let mut cmd = Command::new("python3");
        cmd.args(["-c", "b = bytearray(64 * 1024 * 1024); print(sum(b[::4096]))"]);
        cmd.stdout(std::process::Stdio::null());
        let usage = run(&mut cmd, &[0]).expect("python3 runs");
        assert!(usage.max_rss >= 64 * 1024 * 1024, "{usage:?}");
        assert!(usage.wall >= usage.cpu() / 4, "{usage:?}");
        let mut failing = Command::new("false");
        assert!(run(&mut failing, &[0]).is_err());
    }
}
