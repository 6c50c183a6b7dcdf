//! Checkpoint clients of the cluster tests: calls retried while the
//! executive answers SA_AIS_ERR_TRY_AGAIN (bounded), an open with CREATE,
//! and a process's resident memory.

use std::time::{Duration, Instant};

use sa_abi::ais::SA_AIS_ERR_TRY_AGAIN;
use sa_abi::ckpt::{SA_CKPT_CHECKPOINT_CREATE, SA_CKPT_CHECKPOINT_READ, SA_CKPT_CHECKPOINT_WRITE};
use sa_ipc::client::{CallError, Connection};
use sa_ipc::proto::ckpt::{CreationAttributes, Open};
use sa_ipc::proto::Request;
use sa_ipc::Name;

use super::WAIT;

/// Open flags: create, read, write.
pub const CRW: u32 = SA_CKPT_CHECKPOINT_CREATE | SA_CKPT_CHECKPOINT_READ | SA_CKPT_CHECKPOINT_WRITE;

/// Calls `req` until it is not refused with SA_AIS_ERR_TRY_AGAIN (bounded).
pub fn call_retrying<Q: Request>(conn: &Connection, req: &Q) -> Result<Q::Reply, CallError> {
    let deadline = Instant::now() + WAIT;
    loop {
        match conn.call(req) {
            Err(CallError::Ais(SA_AIS_ERR_TRY_AGAIN)) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(10));
            }
            other => return other,
        }
    }
}

/// An open of `name` with CREATE and `attributes`.
pub fn open(open_id: u64, name: &str, attributes: CreationAttributes) -> Open {
    Open {
        open_id,
        name: Name::try_from(name).unwrap(),
        flags: CRW,
        attributes: Some(attributes),
    }
}

/// Process `pid`'s resident memory in bytes.
pub fn rss_bytes(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .expect("VmRSS");
    kb * 1024
}
