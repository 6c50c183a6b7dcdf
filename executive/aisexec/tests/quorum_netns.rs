//! Quorum on five real executives in network namespaces (needs root;
//! skipped otherwise), cut 3 | 2 while a checkpoint writer runs on every
//! node and healed:
//!
//! - `quorum { provider: votes }`: the 2-node side's writes get
//!   SA_AIS_ERR_TRY_AGAIN, the 3-node side's succeed; after the heal
//!   every acknowledged write is on every node and the replicas are equal;
//! - no `quorum { }` (openais's behaviour): both sides write; after the
//!   heal the replicas are equal and the shared section holds the larger
//!   side's value (CKPT's merge rule), so the smaller side's acknowledged
//!   writes to it are gone.
//!
//! Each writer overwrites its own section `w<n>` and a section `shared`
//! that every writer writes. Writers stop before the heal, so the last
//! acknowledged value of each section is known.

mod cluster_support;

use std::collections::BTreeMap;
use std::fs::File;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use cluster_support::netns::{ns_of, ring_status, skip_unless_root, wait_common_ring};
use cluster_support::{ScriptCluster, WAIT};
use sa_abi::ais::{SA_AIS_ERR_TRY_AGAIN, SA_TIME_END};
use sa_abi::ckpt::{
    SA_CKPT_CHECKPOINT_CREATE, SA_CKPT_CHECKPOINT_READ, SA_CKPT_CHECKPOINT_WRITE,
    SA_CKPT_WR_ALL_REPLICAS,
};
use sa_ipc::client::{CallError, Connection};
use sa_ipc::proto::ckpt::{
    CreationAttributes, Open, Read, ReadElement, SectionCreate, Write, WriteElement,
};
use sa_ipc::proto::{service, Request};
use sa_ipc::{Name, SocketAddress};

const RW: u32 = SA_CKPT_CHECKPOINT_READ | SA_CKPT_CHECKPOINT_WRITE;
const SECTIONS: [&[u8]; 6] = [b"w1", b"w2", b"w3", b"w4", b"w5", b"shared"];
const VALUE_LEN: u64 = 16;

/// Phases the writers see: before the cut, cut (both sides have their
/// ring), stop.
const BEFORE: u8 = 0;
const CUT: u8 = 1;
const STOP: u8 = 2;

/// Runs `f` on a new thread inside network namespace `ns`.
fn spawn_in_netns<T: Send + 'static>(
    ns: String,
    f: impl FnOnce() -> T + Send + 'static,
) -> JoinHandle<T> {
    std::thread::spawn(move || {
        let path = format!("/var/run/netns/{ns}");
        let file = File::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        nix::sched::setns(file, nix::sched::CloneFlags::CLONE_NEWNET).expect("setns");
        f()
    })
}

fn ckpt_conn() -> Connection {
    Connection::connect_to(&SocketAddress::parse("@libais.socket"), service::CKPT)
        .expect("connect to CKPT")
}

/// Calls `req` until it is not refused with SA_AIS_ERR_TRY_AGAIN (bounded).
fn call_retrying<Q: Request>(conn: &Connection, req: &Q) -> Result<Q::Reply, CallError> {
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

fn open(flags: u32) -> Open {
    Open {
        open_id: 1,
        name: Name::try_from("quorum").unwrap(),
        flags,
        attributes: (flags & SA_CKPT_CHECKPOINT_CREATE != 0).then_some(CreationAttributes {
            creation_flags: SA_CKPT_WR_ALL_REPLICAS,
            checkpoint_size: 6 * VALUE_LEN,
            retention_duration: 600_000_000_000,
            max_sections: 6,
            max_section_size: VALUE_LEN,
            max_section_id_size: 8,
        }),
    }
}

fn value(n: u8, i: u32) -> Vec<u8> {
    format!("{n}:{i:014}").into_bytes()
}

fn write(section: &[u8], data: Vec<u8>) -> Write {
    Write {
        open_id: 1,
        elements: vec![WriteElement {
            section_id: section.to_vec(),
            offset: 0,
            data,
        }],
    }
}

/// What one writer saw.
#[derive(Debug, Default)]
struct Tally {
    /// Calls started and answered while cut: (ok, try again, other).
    cut: (u32, u32, u32),
    /// The last acknowledged value of its own section and of `shared`.
    last_own: Option<Vec<u8>>,
    last_shared: Option<Vec<u8>>,
    /// Acknowledged writes of `shared` and of its own section while cut.
    shared_acked_while_cut: Vec<Vec<u8>>,
    own_acked_while_cut: Vec<Vec<u8>>,
    /// Values whose call ended without a definite answer (may be applied).
    uncertain: Vec<Vec<u8>>,
}

fn writer(n: u8, phase: Arc<AtomicU8>) -> Tally {
    let conn = ckpt_conn();
    call_retrying(&conn, &open(RW)).expect("open the checkpoint");
    let own = format!("w{n}").into_bytes();
    let mut tally = Tally::default();
    let deadline = Instant::now() + Duration::from_secs(120);
    for i in 0u32.. {
        let started = phase.load(Ordering::SeqCst);
        if started == STOP || Instant::now() > deadline {
            break;
        }
        let shared = i % 2 == 1;
        let section: &[u8] = if shared { b"shared" } else { &own };
        let data = value(n, i);
        let result = conn.call_within(&write(section, data.clone()), Duration::from_secs(5));
        let cut = started == CUT && phase.load(Ordering::SeqCst) == CUT;
        match result {
            Ok(_) => {
                if cut {
                    tally.cut.0 += 1;
                    if shared {
                        tally.shared_acked_while_cut.push(data.clone());
                    } else {
                        tally.own_acked_while_cut.push(data.clone());
                    }
                }
                if shared {
                    tally.last_shared = Some(data);
                } else {
                    tally.last_own = Some(data);
                }
            }
            Err(CallError::Ais(SA_AIS_ERR_TRY_AGAIN)) => {
                // Not applied: refused, or dropped by a configuration change.
                if cut {
                    tally.cut.1 += 1;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) => {
                if cut {
                    tally.cut.2 += 1;
                }
                eprintln!("writer {n}: write {i}: {e}");
                tally.uncertain.push(data);
                std::thread::sleep(Duration::from_millis(5));
            }
        }
    }
    tally
}

/// Every section as node `n` holds it.
fn replica(name: &str, n: u8) -> BTreeMap<Vec<u8>, Vec<u8>> {
    let reader = spawn_in_netns(ns_of(name, n), || {
        let conn = ckpt_conn();
        call_retrying(&conn, &open(RW)).expect("open to read");
        let reply = call_retrying(
            &conn,
            &Read {
                open_id: 1,
                elements: SECTIONS
                    .iter()
                    .map(|s| ReadElement {
                        section_id: s.to_vec(),
                        offset: 0,
                        size: VALUE_LEN,
                    })
                    .collect(),
            },
        )
        .expect("read every section");
        SECTIONS
            .iter()
            .map(|s| s.to_vec())
            .zip(reply.data)
            .collect::<BTreeMap<_, _>>()
    });
    reader.join().expect("reader")
}

/// The scenario; returns the writers' tallies and node 1's replica after
/// the heal.
fn cut_while_writing(
    name: &str,
    quorum: bool,
) -> (ScriptCluster, Vec<Tally>, BTreeMap<Vec<u8>, Vec<u8>>) {
    let extra = "quorum {\n\tprovider: votes\n\texpected_votes: 5\n}\n";
    let vars: Vec<(&str, &str)> = if quorum {
        vec![("EXTRA_CONF", extra)]
    } else {
        Vec::new()
    };
    let cluster = ScriptCluster::up_with_env(name, &["5", "--mode", "netns"], &vars);
    let all = [1, 2, 3, 4, 5];
    assert!(wait_common_ring(name, &all, WAIT).is_some());
    // The checkpoint and its sections, created on node 1.
    spawn_in_netns(ns_of(name, 1), || {
        let conn = ckpt_conn();
        call_retrying(&conn, &open(RW | SA_CKPT_CHECKPOINT_CREATE)).expect("create");
        for s in SECTIONS {
            call_retrying(
                &conn,
                &SectionCreate {
                    open_id: 1,
                    section_id: s.to_vec(),
                    expiration: SA_TIME_END,
                    data: b"0:initial".to_vec(),
                },
            )
            .expect("section create");
        }
    })
    .join()
    .expect("creator");

    let phase = Arc::new(AtomicU8::new(BEFORE));
    let writers: Vec<_> = all
        .iter()
        .map(|&n| {
            let phase = phase.clone();
            spawn_in_netns(ns_of(name, n), move || writer(n, phase))
        })
        .collect();
    std::thread::sleep(Duration::from_secs(1));
    let (ok, text) = cluster.run("cut", &["1 2 3", "4 5"]);
    assert!(ok, "{text}");
    assert!(
        wait_common_ring(name, &[1, 2, 3], WAIT).is_some(),
        "no 3-node ring"
    );
    assert!(
        wait_common_ring(name, &[4, 5], WAIT).is_some(),
        "no 2-node ring"
    );
    // The executives' own view, through CFG.
    let deadline = Instant::now() + WAIT;
    while quorum
        && Instant::now() < deadline
        && ring_status(name, 4)
            .and_then(|s| s.quorum)
            .is_none_or(|q| q.quorate || q.total_votes != 2)
    {
        std::thread::sleep(Duration::from_millis(50));
    }
    if let (Some(q1), Some(q4)) = (
        ring_status(name, 1).and_then(|s| s.quorum),
        ring_status(name, 4).and_then(|s| s.quorum),
    ) {
        println!("while cut: node 1 {q1:?}\n           node 4 {q4:?}");
        assert!(q1.quorate);
        assert_eq!(q4.quorate, !quorum);
    } else {
        panic!("no quorum in the ring status");
    }
    phase.store(CUT, Ordering::SeqCst);
    std::thread::sleep(Duration::from_secs(3));
    phase.store(STOP, Ordering::SeqCst);
    let tallies: Vec<Tally> = writers
        .into_iter()
        .map(|w| w.join().expect("writer"))
        .collect();
    let (ok, text) = cluster.run("heal", &[]);
    assert!(ok, "{text}");
    assert!(
        wait_common_ring(name, &all, WAIT).is_some(),
        "no ring after the heal"
    );
    let first = replica(name, 1);
    for n in 2..=5 {
        assert_eq!(
            replica(name, n),
            first,
            "node {n}'s replica differs from node 1's"
        );
    }
    // After the merge the former minority writes again.
    spawn_in_netns(ns_of(name, 4), || {
        let conn = ckpt_conn();
        call_retrying(&conn, &open(RW)).expect("open");
        call_retrying(&conn, &write(b"w4", value(4, 999_999))).expect("write after the heal");
    })
    .join()
    .expect("writer after the heal");
    (cluster, tallies, first)
}

/// Whether `final_value` is `last` acknowledged, or a later write whose
/// outcome its writer does not know.
fn holds(final_value: &[u8], last: &Option<Vec<u8>>, uncertain: &[Vec<u8>]) -> bool {
    last.as_deref() == Some(final_value) || uncertain.iter().any(|u| u == final_value)
}

#[test]
fn with_quorum_the_minority_refuses_writes_and_nothing_acknowledged_is_lost() {
    if skip_unless_root("with_quorum_the_minority_refuses_writes_and_nothing_acknowledged_is_lost")
    {
        return;
    }
    let started = Instant::now();
    let name = format!("q{}", std::process::id() % 100000);
    let (cluster, tallies, merged) = cut_while_writing(&name, true);
    for (i, t) in tallies.iter().enumerate() {
        println!(
            "writer {}: while cut {} ok, {} TRY_AGAIN, {} other",
            i + 1,
            t.cut.0,
            t.cut.1,
            t.cut.2
        );
    }
    for t in &tallies[..3] {
        assert!(t.cut.0 > 0, "a majority writer got no write through");
    }
    for t in &tallies[3..] {
        assert_eq!(t.cut.0, 0, "a minority writer's write succeeded");
        assert!(t.cut.1 > 0, "a minority writer was never refused");
    }
    let mut lost = 0;
    for (i, t) in tallies.iter().enumerate() {
        let own = format!("w{}", i + 1).into_bytes();
        if !holds(&merged[&own], &t.last_own, &t.uncertain) {
            lost += 1;
            println!(
                "w{}: {:?}, last acknowledged {:?}",
                i + 1,
                merged[&own],
                t.last_own
            );
        }
    }
    // `shared`: the last acknowledged value of one of the writers (which
    // one was delivered last is Totem's order).
    let shared = &merged[&b"shared".to_vec()];
    if !tallies
        .iter()
        .any(|t| holds(shared, &t.last_shared, &t.uncertain))
    {
        lost += 1;
    }
    println!(
        "{lost} acknowledged write(s) lost; {} s",
        started.elapsed().as_secs()
    );
    assert_eq!(lost, 0, "acknowledged writes lost:\n{}", cluster.logs());
}

#[test]
fn without_quorum_both_sides_write_and_the_larger_side_wins_the_shared_section() {
    if skip_unless_root(
        "without_quorum_both_sides_write_and_the_larger_side_wins_the_shared_section",
    ) {
        return;
    }
    let name = format!("n{}", std::process::id() % 100000);
    let (_cluster, tallies, merged) = cut_while_writing(&name, false);
    for t in &tallies {
        assert!(t.cut.0 > 0, "a writer got no write through while cut");
    }
    // The larger side's sections are kept ...
    for (i, t) in tallies[..3].iter().enumerate() {
        let own = format!("w{}", i + 1).into_bytes();
        assert!(
            holds(&merged[&own], &t.last_own, &t.uncertain),
            "w{} lost its last acknowledged write",
            i + 1
        );
    }
    let shared = &merged[&b"shared".to_vec()];
    assert!(
        tallies[..3]
            .iter()
            .any(|t| holds(shared, &t.last_shared, &t.uncertain)),
        "shared is {:?}, not the majority's",
        String::from_utf8_lossy(shared)
    );
    // ... and what the smaller side acknowledged while cut is gone where
    // both sides changed a section since their last merge: `shared`, and
    // w4 and w5 too, which both sides changed before the cut (CKPT's
    // documented merge rule and its known limit).
    let mut discarded = 0;
    for (i, t) in tallies.iter().enumerate().skip(3) {
        let own = format!("w{}", i + 1).into_bytes();
        discarded += t
            .own_acked_while_cut
            .iter()
            .filter(|v| **v != merged[&own])
            .count();
        discarded += t
            .shared_acked_while_cut
            .iter()
            .filter(|v| *v != shared)
            .count();
    }
    let acked: usize = tallies[3..]
        .iter()
        .map(|t| t.own_acked_while_cut.len() + t.shared_acked_while_cut.len())
        .sum();
    println!(
        "the merge kept the 3-node side's copy: {discarded} of the {acked} writes the 2-node side acknowledged while cut are not in the merged checkpoint (w4 {:?}, w5 {:?})",
        String::from_utf8_lossy(&merged[&b"w4".to_vec()]),
        String::from_utf8_lossy(&merged[&b"w5".to_vec()])
    );
    assert!(discarded > 0);
}
