//! Running as root, the executive takes the highest round-robin real-time
//! priority and locks its memory, so that token handling is never delayed
//! by other processes or by paging; a token held too long looks like a
//! failed node to the rest of the ring.

use log::warn;
use nix::sys::mman::{mlockall, MlockAllFlags};
use nix::unistd::geteuid;

/// Applies what root may; otherwise logs one warning and carries on.
pub fn apply() {
    if !geteuid().is_root() {
        warn!(target: "MAIN",
            "not running as root: no real-time scheduling and no memory locking; \
             the ring may see this node as failed under load");
        return;
    }
    if let Err(e) = set_round_robin_max() {
        warn!(target: "MAIN", "could not set SCHED_RR scheduling: {e}");
    }
    if let Err(e) = mlockall(MlockAllFlags::MCL_CURRENT | MlockAllFlags::MCL_FUTURE) {
        warn!(target: "MAIN", "could not lock memory: {e}");
    }
}

fn set_round_robin_max() -> std::io::Result<()> {
    // SAFETY: sched_get_priority_max only reads its integer argument.
    let max = unsafe { libc::sched_get_priority_max(libc::SCHED_RR) };
    if max < 0 {
        return Err(std::io::Error::last_os_error());
    }
    let param = libc::sched_param {
        sched_priority: max,
    };
    // SAFETY: `param` is a valid, initialised sched_param that outlives the
    // call; pid 0 is this process.
    let rc = unsafe { libc::sched_setscheduler(0, libc::SCHED_RR, &param) };
    if rc != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}
