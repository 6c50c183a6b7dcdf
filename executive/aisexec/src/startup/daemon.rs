//! Becoming a daemon: detach from the terminal and the session.

use std::fs::OpenOptions;

use nix::unistd::{chdir, dup2_stderr, dup2_stdin, dup2_stdout, fork, setsid, ForkResult};

#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
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

/// Forks; the parent exits at once with status 0, the child carries on
/// in a new session, in `/`, with stdin, stdout and stderr on /dev/null.
/// Must be called while the process has a single thread.
pub fn daemonize() -> Result<(), DaemonError> {
    // SAFETY: the executive calls this before it starts its runtime or
    // any other thread, so the child is a complete copy of a
    // single-threaded process and may do anything after the fork.
    match unsafe { fork() }.map_err(DaemonError::Fork)? {
        ForkResult::Parent { .. } => std::process::exit(0),
        ForkResult::Child => {}
    }
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
