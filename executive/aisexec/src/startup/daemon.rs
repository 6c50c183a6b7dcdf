//! Becoming a daemon: detach from the terminal and the session, while
//! the command that started the executive waits to learn whether the
//! start succeeded.
//!
//! The process forks; the parent waits on a pipe. The child (the daemon)
//! goes on starting, then writes "ready" or the reason it could not
//! start. The parent exits 0 on "ready"; otherwise it prints the reason
//! and exits 1, so that scripts and users see a failed start as one.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::fd::OwnedFd;

use nix::unistd::{chdir, dup2_stderr, dup2_stdin, dup2_stdout, fork, pipe, setsid, ForkResult};

#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error("pipe: {0}")]
    Pipe(#[source] nix::Error),
    #[error("fork: {0}")]
    Fork(#[source] nix::Error),
    #[error("setsid: {0}")]
    Setsid(#[source] nix::Error),
    #[error("chdir /: {0}")]
    Chdir(#[source] nix::Error),
    #[error("/dev/null: {0}")]
    DevNull(#[source] std::io::Error),
    #[error("redirecting stdio: {0}")]
    Redirect(#[source] nix::Error),
}

const READY: &[u8] = b"ready";

/// The daemon's end of the pipe to the waiting parent.
#[derive(Debug)]
pub struct Readiness {
    pipe: File,
}

impl Readiness {
    /// Start-up succeeded: the parent exits 0.
    pub fn ready(mut self) {
        let _ = self.pipe.write_all(READY);
    }

    /// Start-up failed: the parent prints `reason` and exits 1.
    pub fn failed(mut self, reason: &str) {
        let _ = self.pipe.write_all(reason.as_bytes());
    }
}

/// Forks; the parent waits for the child's word and exits with it. The
/// child carries on in a new session, in `/`, with stdin, stdout and
/// stderr on /dev/null. Must be called while the process has a single
/// thread.
pub fn daemonize() -> Result<Readiness, DaemonError> {
    let (read_end, write_end) = pipe().map_err(DaemonError::Pipe)?;
    // SAFETY: the executive calls this before it starts its runtime or
    // any other thread, so the child is a complete copy of a
    // single-threaded process and may do anything after the fork.
    match unsafe { fork() }.map_err(DaemonError::Fork)? {
        ForkResult::Parent { .. } => {
            drop(write_end);
            parent_waits(read_end)
        }
        ForkResult::Child => {
            drop(read_end);
            detach()?;
            Ok(Readiness {
                pipe: File::from(write_end),
            })
        }
    }
}

fn parent_waits(read_end: OwnedFd) -> ! {
    let mut word = Vec::new();
    let _ = File::from(read_end).read_to_end(&mut word);
    if word == READY {
        std::process::exit(0);
    }
    // Not `eprintln!`, which panics on a closed stderr.
    let mut stderr = std::io::stderr();
    let _ = if word.is_empty() {
        writeln!(stderr, "aisexec: the daemon exited while starting")
    } else {
        writeln!(stderr, "{}", String::from_utf8_lossy(&word))
    };
    std::process::exit(1);
}

fn detach() -> Result<(), DaemonError> {
    setsid().map_err(DaemonError::Setsid)?;
    chdir("/").map_err(DaemonError::Chdir)?;
    let null = OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
        .map_err(DaemonError::DevNull)?;
    dup2_stdin(&null).map_err(DaemonError::Redirect)?;
    dup2_stdout(&null).map_err(DaemonError::Redirect)?;
    dup2_stderr(&null).map_err(DaemonError::Redirect)?;
    Ok(())
}
