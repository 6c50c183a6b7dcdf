//! One executive stopped (SIGSTOP) for longer than the token timeout while
//! CPG senders on every node keep multicasting, then continued; and the
//! check of what every client saw: each sender's messages in its order,
//! every one of them or a configuration change explaining the gap, and no
//! message of a sender between its leave and its rejoin (extended virtual
//! synchrony as CPG clients see it). Shared by the udpu and the namespace
//! tests; only orders and memberships are asserted, every wait is bounded.

use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use sa_abi::cpg::{CPG_ERR_TRY_AGAIN, CPG_OK};
use sa_ipc::client::Connection;
use sa_ipc::proto::cpg::{self, ConfChgCallback, CpgCallback, GroupName, Join, LocalGet, Mcast};
use sa_ipc::proto::{Message, Payload};

use super::WAIT;

/// A CPG client joined to the stream's group, one per node.
pub struct StreamMember {
    conn: Connection,
    pub node: u32,
}

impl StreamMember {
    /// Joins `group` over `conn` (a CPG connection), asking again while
    /// the executive answers TRY_AGAIN (bounded).
    pub fn join(conn: Connection, group: &str) -> StreamMember {
        let node = conn.call(&LocalGet).expect("local node").node;
        let join = Join {
            group: GroupName::new(group.as_bytes()).unwrap(),
        };
        let deadline = Instant::now() + WAIT;
        loop {
            let (code, _) = conn
                .request(Join::KIND, join.to_payload(), Duration::from_secs(5))
                .expect("join");
            match code {
                CPG_OK => break,
                CPG_ERR_TRY_AGAIN if Instant::now() < deadline => {
                    thread::sleep(Duration::from_millis(10))
                }
                code => panic!("node {node:#x}: join answered {code}"),
            }
        }
        StreamMember { conn, node }
    }

    /// Waits for the configuration change that lists `count` members.
    pub fn wait_members(&self, count: usize) {
        let deadline = Instant::now() + WAIT;
        loop {
            assert!(
                Instant::now() < deadline,
                "node {:#x}: the group never had {count} members",
                self.node
            );
            let Ok(Some(frame)) = self
                .conn
                .recv_callback(Some(Duration::from_millis(100)), false)
            else {
                continue;
            };
            if let CpgCallback::ConfChg(c) =
                CpgCallback::decode(frame.kind, &frame.payload).expect("callback decodes")
            {
                if c.members.len() == count {
                    return;
                }
            }
        }
    }
}

/// What a member's client saw, in order.
enum Seen {
    Msg(u32, u64),
    Change(ConfChgCallback),
}

/// Sends SIGCONT to a stopped executive when dropped, so a failing test
/// never leaves one stopped.
pub struct Stopped(u32);

impl Stopped {
    pub fn stop(pid: u32) -> Stopped {
        signal("-STOP", pid);
        Stopped(pid)
    }
}

impl Drop for Stopped {
    fn drop(&mut self) {
        signal("-CONT", self.0);
    }
}

fn signal(sig: &str, pid: u32) {
    let ok = Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "kill {sig} {pid} failed");
}

/// Multicasts 0, 1, 2 ... until `sending` clears; returns, per number,
/// whether the executive took it (CPG_OK) or the request timed out
/// (`false`: the stopped executive may or may not have sent it).
fn send_numbers(m: &StreamMember, sending: &AtomicBool) -> Vec<bool> {
    let mut taken = Vec::new();
    while sending.load(Ordering::Relaxed) {
        let req = Mcast {
            guarantee: cpg::Guarantee::Agreed,
            data: taken.len().to_string().into_bytes(),
        };
        match m
            .conn
            .request(Mcast::KIND, req.to_payload(), Duration::from_secs(2))
        {
            Ok((CPG_OK, _)) => taken.push(true),
            Ok((CPG_ERR_TRY_AGAIN, _)) => thread::sleep(Duration::from_millis(5)),
            Ok((code, _)) => panic!("node {:#x}: mcast answered {code}", m.node),
            Err(_) => taken.push(false),
        }
        thread::sleep(Duration::from_millis(2));
    }
    taken
}

/// Reads callbacks until `reading` clears.
fn read_callbacks(m: &StreamMember, reading: &AtomicBool) -> Vec<Seen> {
    let mut seen = Vec::new();
    while reading.load(Ordering::Relaxed) {
        let Ok(Some(frame)) = m
            .conn
            .recv_callback(Some(Duration::from_millis(100)), false)
        else {
            continue;
        };
        match CpgCallback::decode(frame.kind, &frame.payload).expect("callback decodes") {
            CpgCallback::Deliver(d) => {
                let text = String::from_utf8_lossy(d.data).into_owned();
                seen.push(Seen::Msg(d.node, text.parse().expect("a number")));
            }
            CpgCallback::ConfChg(c) => seen.push(Seen::Change(c)),
            CpgCallback::FlowControl(_) => {}
        }
    }
    seen
}

/// What [`stall_and_check`] measured.
#[derive(Debug)]
pub struct StallReport {
    /// Configuration changes all clients saw together.
    pub changes: usize,
    /// Messages all clients got together.
    pub delivered: usize,
    /// Multicasts the executives took (CPG_OK), all senders together.
    pub taken: usize,
}

/// Every member sends and reads; after 1.5 s the executive `stop_pid` is
/// stopped for `stall` and continued; once `back()` says the ring is whole
/// again the senders go on for 1.5 s. Then checks every member's stream
/// (panics on a violation) and returns the figures.
pub fn stall_and_check(
    members: &[StreamMember],
    stop_pid: u32,
    stall: Duration,
    back: impl Fn() -> bool,
) -> StallReport {
    let sending = AtomicBool::new(true);
    let reading = AtomicBool::new(true);
    let (seen, taken): (Vec<Vec<Seen>>, Vec<Vec<bool>>) = thread::scope(|s| {
        let readers: Vec<_> = members
            .iter()
            .map(|m| {
                let reading = &reading;
                s.spawn(move || read_callbacks(m, reading))
            })
            .collect();
        let senders: Vec<_> = members
            .iter()
            .map(|m| {
                let sending = &sending;
                s.spawn(move || send_numbers(m, sending))
            })
            .collect();
        thread::sleep(Duration::from_millis(1500));
        {
            let _stopped = Stopped::stop(stop_pid);
            thread::sleep(stall);
        }
        let whole = back();
        thread::sleep(Duration::from_millis(1500));
        sending.store(false, Ordering::Relaxed);
        let taken: Vec<Vec<bool>> = senders.into_iter().map(|h| h.join().unwrap()).collect();
        // Let the last messages arrive.
        thread::sleep(Duration::from_millis(2000));
        reading.store(false, Ordering::Relaxed);
        let seen = readers.into_iter().map(|h| h.join().unwrap()).collect();
        assert!(whole, "the stopped node never came back into the ring");
        (seen, taken)
    });
    let ids: Vec<u32> = members.iter().map(|m| m.node).collect();
    let mut report = StallReport {
        changes: 0,
        delivered: 0,
        taken: taken.iter().flatten().filter(|t| **t).count(),
    };
    for (r, stream) in seen.iter().enumerate() {
        check_stream(r, stream, &ids, &taken, &mut report);
    }
    report
}

/// Checks what member `r` saw against what each sender's executive took.
fn check_stream(
    r: usize,
    stream: &[Seen],
    ids: &[u32],
    taken: &[Vec<bool>],
    report: &mut StallReport,
) {
    let n = ids.len();
    let sender_of = |node: u32| {
        ids.iter()
            .position(|&id| id == node)
            .unwrap_or_else(|| panic!("a message from node {node:#x}, no sender there"))
    };
    let mut in_group = vec![true; n];
    let mut last: Vec<Option<u64>> = vec![None; n];
    let mut changed_since = vec![false; n];
    // A gap right before the sender's leave: the messages of a sender that
    // left, delivered in the transitional configuration, may have holes
    // nobody could fill; the leave must come next.
    let mut unexplained: Vec<Option<String>> = vec![None; n];
    for item in stream {
        match item {
            Seen::Change(c) => {
                report.changes += 1;
                for s in 0..n {
                    in_group[s] = c.members.iter().any(|a| a.node == ids[s]);
                    changed_since[s] = true;
                    if !in_group[s] {
                        unexplained[s] = None;
                    }
                }
            }
            Seen::Msg(node, i) => {
                report.delivered += 1;
                let s = sender_of(*node);
                assert!(
                    in_group[s],
                    "member on node {} got message {i} of node {} between its leave and its rejoin",
                    r + 1,
                    s + 1
                );
                if let Some(gap) = unexplained[s].take() {
                    panic!("{gap}");
                }
                if let Some(prev) = last[s] {
                    assert!(
                        *i > prev,
                        "node {}: node {}'s {i} after {prev}",
                        r + 1,
                        s + 1
                    );
                    let missing: Vec<u64> = (prev + 1..*i)
                        .filter(|&k| taken[s].get(k as usize).copied().unwrap_or(false))
                        .collect();
                    if !missing.is_empty() && !changed_since[s] {
                        unexplained[s] = Some(format!(
                            "member on node {} skipped {} message(s) of node {} ({:?}...) \
                             without a configuration change",
                            r + 1,
                            missing.len(),
                            s + 1,
                            &missing[..missing.len().min(5)]
                        ));
                    }
                }
                last[s] = Some(*i);
                changed_since[s] = false;
            }
        }
    }
    // Nothing taken after a sender's last message went missing either,
    // unless a change came after it.
    for s in 0..n {
        let next = last[s].map_or(0, |l| l as usize + 1);
        let trailing = taken[s].iter().skip(next).filter(|t| **t).count();
        assert!(
            trailing == 0 || changed_since[s],
            "member on node {} never got the last {trailing} message(s) node {} sent, \
             and no configuration change explains it",
            r + 1,
            s + 1
        );
    }
    for s in 0..n {
        assert!(unexplained[s].is_none(), "{:?}", unexplained[s]);
        assert!(
            last[s].is_some(),
            "node {} got nothing from node {}",
            r + 1,
            s + 1
        );
    }
}
