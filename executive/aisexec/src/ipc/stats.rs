//! Counters of the IPC server, shared with its socket tasks.

use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Default)]
pub struct IpcStats {
    /// Sockets accepted.
    pub accepted: AtomicU64,
    /// Library connections established (request and dispatch paired).
    pub established: AtomicU64,
    /// Connections refused at set-up (credentials, version, service).
    pub refused: AtomicU64,
    /// Clients dropped for a protocol error (bad frame, bad payload,
    /// unexpected message, set-up timeout).
    pub protocol_errors: AtomicU64,
    /// Clients dropped because they left too much unread.
    pub overflows: AtomicU64,
    /// Frames discarded: received from or queued for a connection that
    /// was being dropped.
    pub dropped_frames: AtomicU64,
}

/// A copy of the counters at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IpcStatsSnapshot {
    pub accepted: u64,
    pub established: u64,
    pub refused: u64,
    pub protocol_errors: u64,
    pub overflows: u64,
    pub dropped_frames: u64,
}

impl IpcStats {
    pub fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> IpcStatsSnapshot {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        IpcStatsSnapshot {
            accepted: get(&self.accepted),
            established: get(&self.established),
            refused: get(&self.refused),
            protocol_errors: get(&self.protocol_errors),
            overflows: get(&self.overflows),
            dropped_frames: get(&self.dropped_frames),
        }
    }
}
