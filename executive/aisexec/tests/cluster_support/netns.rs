//! Helpers of the tests that run nodes in network namespaces
//! (`scripts/cluster --mode netns`): a thread inside a node's namespace,
//! the node's ring status and CLM view asked there, a bounded wait for a
//! common ring, and the skip report when namespaces need root.

use std::fs::File;
use std::time::{Duration, Instant};

use sa_ipc::client::Connection;
use sa_ipc::proto::cfg::{RingStatusGet, RingStatusReply};
use sa_ipc::proto::clm::{CurrentView, Track, TrackChanges};
use sa_ipc::proto::service;
use sa_ipc::SocketAddress;

/// Whether `test` must skip (not root); reports the skip.
pub fn skip_unless_root(test: &str) -> bool {
    if super::is_root() {
        return false;
    }
    super::report_skip(test, "network namespaces need root");
    true
}

/// Runs `f` on a thread that lives in network namespace `ns`.
pub fn in_netns<T: Send + 'static>(ns: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let path = format!("/var/run/netns/{ns}");
    std::thread::spawn(move || {
        let file = File::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        nix::sched::setns(file, nix::sched::CloneFlags::CLONE_NEWNET).expect("setns");
        f()
    })
    .join()
    .expect("namespace thread")
}

pub fn ns_of(name: &str, n: u8) -> String {
    format!("oa-{name}-{n}")
}

/// The PID of node n's executive, as `scripts/cluster` recorded it.
pub fn node_pid(name: &str, n: u8) -> u32 {
    std::fs::read_to_string(format!("/tmp/oa-{name}/{n}/pid"))
        .expect("the node's pid")
        .trim()
        .parse()
        .expect("a pid")
}

/// Node n's ring status, asked inside its namespace.
pub fn ring_status(name: &str, n: u8) -> Option<RingStatusReply> {
    in_netns(&ns_of(name, n), || {
        let conn =
            Connection::connect_to(&SocketAddress::parse("@libais.socket"), service::CFG).ok()?;
        conn.call(&RingStatusGet).ok()
    })
}

/// Node n's CLM member count, asked inside its namespace.
pub fn clm_members(name: &str, n: u8) -> Option<usize> {
    in_netns(&ns_of(name, n), || {
        let conn =
            Connection::connect_to(&SocketAddress::parse("@libais.socket"), service::CLM).ok()?;
        let reply = conn
            .call(&Track {
                changes: TrackChanges::None,
                current: CurrentView::InReply,
                max_items: 0,
            })
            .ok()?;
        Some(reply.view?.members.len())
    })
}

/// Waits until nodes `nodes` are all on one operational ring of
/// `nodes.len()` members; returns that ring.
pub fn wait_common_ring(name: &str, nodes: &[u8], within: Duration) -> Option<(u32, u64)> {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        let rings: Vec<Option<(u32, u64)>> = nodes
            .iter()
            .map(|&n| {
                ring_status(name, n)
                    .filter(|s| s.state == "OPERATIONAL" && s.members.len() == nodes.len())
                    .map(|s| (s.ring_rep, s.ring_seq))
            })
            .collect();
        if let Some(Some(first)) = rings.first() {
            if rings.iter().all(|r| *r == Some(*first)) {
                return Some(*first);
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}
