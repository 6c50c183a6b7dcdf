//! Running CLC-CLI commands (instantiate, terminate, cleanup) without
//! blocking the event loop. The AMF service stays deterministic: it hands
//! a command to a [`ClcRunner`] and later asks it, from a timer, what
//! finished; those outcomes are local events it turns into exec messages.

use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::config::amf::ClcCommand;

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Exited with this status (a signal counts as 128 + its number).
    Exited(i32),
    /// Killed when its timeout passed.
    TimedOut,
    /// Could not be started at all.
    SpawnFailed,
}

/// Starts commands and reports how they ended.
pub(crate) trait ClcRunner {
    /// Starts `cmd` as job `job` with `env` added to the executive's
    /// environment; it is killed after `timeout` when one is given.
    fn spawn(
        &mut self,
        job: u64,
        cmd: &ClcCommand,
        env: &[(String, String)],
        timeout: Option<Duration>,
    );
    /// Jobs that ended since the last call.
    fn poll(&mut self) -> Vec<(u64, Outcome)>;
    /// Kills job `job` if it still runs (its end is reported by `poll`).
    fn kill(&mut self, job: u64);
    /// Whether any job still runs.
    fn busy(&self) -> bool;
}

/// Real processes, reaped with `try_wait` from the service's poll timer.
#[derive(Debug, Default)]
pub(crate) struct ProcessRunner {
    jobs: BTreeMap<u64, (Child, Option<Instant>)>,
    failed: Vec<u64>,
}

/// Most commands running at once: a runaway configuration must not fork
/// the host to death.
const MAX_JOBS: usize = 256;

impl ClcRunner for ProcessRunner {
    fn spawn(
        &mut self,
        job: u64,
        cmd: &ClcCommand,
        env: &[(String, String)],
        timeout: Option<Duration>,
    ) {
        if self.jobs.len() >= MAX_JOBS {
            log::error!(target: "AMF", "{} CLC-CLI commands running; {} not started",
                MAX_JOBS, cmd.program.display());
            self.failed.push(job);
            return;
        }
        let mut command = Command::new(&cmd.program);
        command
            .args(&cmd.args)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null());
        match command.spawn() {
            Ok(child) => {
                log::debug!(target: "AMF", "started {} (pid {})", cmd.program.display(), child.id());
                let deadline = timeout.map(|t| Instant::now() + t);
                self.jobs.insert(job, (child, deadline));
            }
            Err(e) => {
                log::error!(target: "AMF", "cannot run {}: {e}", cmd.program.display());
                self.failed.push(job);
            }
        }
    }

    fn poll(&mut self) -> Vec<(u64, Outcome)> {
        let mut done: Vec<(u64, Outcome)> = self
            .failed
            .drain(..)
            .map(|j| (j, Outcome::SpawnFailed))
            .collect();
        let now = Instant::now();
        self.jobs
            .retain(|&job, (child, deadline)| match child.try_wait() {
                Ok(Some(status)) => {
                    use std::os::unix::process::ExitStatusExt;
                    let code = status
                        .code()
                        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0));
                    done.push((job, Outcome::Exited(code)));
                    false
                }
                Ok(None) if deadline.is_some_and(|d| now >= d) => {
                    let _ = child.kill();
                    // Reaped at once: SIGKILL cannot be caught.
                    let _ = child.wait();
                    done.push((job, Outcome::TimedOut));
                    false
                }
                Ok(None) => true,
                Err(e) => {
                    log::warn!(target: "AMF", "waiting for pid {}: {e}", child.id());
                    done.push((job, Outcome::Exited(-1)));
                    false
                }
            });
        done
    }

    fn kill(&mut self, job: u64) {
        if let Some((child, _)) = self.jobs.get_mut(&job) {
            let _ = child.kill();
        }
    }

    fn busy(&self) -> bool {
        !self.jobs.is_empty() || !self.failed.is_empty()
    }
}

impl Drop for ProcessRunner {
    /// Children still running when the executive goes are left running
    /// (their components were terminated or are being cleaned up by a
    /// command), but reaped where already done so none stays a zombie.
    fn drop(&mut self) {
        for (child, _) in self.jobs.values_mut() {
            let _ = child.try_wait();
        }
    }
}
