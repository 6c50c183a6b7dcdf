//! Checkpoint clients of the cluster tests: calls retried while the
//! executive answers SA_AIS_ERR_TRY_AGAIN (bounded), an open with CREATE,
//! and a process's resident memory.

use std::time::{Duration, Instant};

use sa_abi::ais::{SA_AIS_ERR_NO_RESOURCES, SA_AIS_ERR_TRY_AGAIN, SA_TIME_END};
use sa_abi::ckpt::SA_CKPT_WR_ALL_REPLICAS;
use sa_abi::ckpt::{SA_CKPT_CHECKPOINT_CREATE, SA_CKPT_CHECKPOINT_READ, SA_CKPT_CHECKPOINT_WRITE};
use sa_ipc::client::{CallError, Connection};
use sa_ipc::proto::ckpt::{CreationAttributes, Open, SectionCreate, Write, WriteElement};
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

/// Opens checkpoint "huge" (open id 1), created with `~0` limits, and
/// creates its section "s": where a write at a huge offset once made
/// every replica allocate the address space.
pub fn open_unbounded(conn: &Connection) {
    let unbounded = CreationAttributes {
        creation_flags: SA_CKPT_WR_ALL_REPLICAS,
        checkpoint_size: u64::MAX,
        retention_duration: 0,
        max_sections: 2,
        max_section_size: u64::MAX,
        max_section_id_size: 8,
    };
    call_retrying(conn, &open(1, "huge", unbounded)).expect("open");
    call_retrying(
        conn,
        &SectionCreate {
            open_id: 1,
            section_id: b"s".to_vec(),
            expiration: SA_TIME_END,
            data: Vec::new(),
        },
    )
    .expect("section create");
}

/// Writes 10 bytes at huge offsets into the section of [`open_unbounded`]:
/// each must be refused with SA_AIS_ERR_NO_RESOURCES.
pub fn write_at_huge_offsets(conn: &Connection) {
    for offset in [0xffff_ffff_ffff_ff00, 1 << 42, 1 << 30] {
        let r = call_retrying(
            conn,
            &Write {
                open_id: 1,
                elements: vec![WriteElement {
                    section_id: b"s".to_vec(),
                    offset,
                    data: vec![7; 10],
                }],
            },
        );
        assert!(
            matches!(r, Err(CallError::Ais(SA_AIS_ERR_NO_RESOURCES))),
            "offset {offset:#x}: {r:?}"
        );
    }
}
