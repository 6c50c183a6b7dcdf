//! A three-node cluster on 127.0.0.1-3 (udpu, secauth on) driven through
//! CLM: formation, a `kill -9` and the survivors' reconfiguration, the
//! restart, and a fourth node with another authkey that must never get in.
//! Figures are printed (`--nocapture`); only memberships and generous
//! bounds are asserted.

mod cluster_support;

use std::time::{Duration, Instant};

use cluster_support::{free_port, keygen, loopback_id, udpu_config, Node, Tracker, WAIT};
use sa_ipc::proto::clm::{ClusterChange, TrackCallback, TrackChanges};

/// What the callbacks of one change say: (node id, change) sorted.
fn items(cb: &TrackCallback) -> Vec<(u32, ClusterChange)> {
    let mut v: Vec<_> = cb
        .items
        .iter()
        .map(|i| (i.node.node_id, i.change))
        .collect();
    v.sort_by_key(|(id, _)| *id);
    v
}

/// Waits for a callback whose view has `members` members.
fn wait_view(t: &Tracker, members: u32, within: Duration) -> Option<TrackCallback> {
    let deadline = Instant::now() + within;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        let cb = t.next(left)?;
        if cb.number_of_members == members {
            return Some(cb);
        }
    }
    None
}

#[test]
fn three_nodes_with_secauth_survive_a_crash_and_refuse_a_foreign_key() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("authkey");
    keygen(&key);
    let port = free_port(4);
    let (id1, id2, id3, id4) = (
        loopback_id(1),
        loopback_id(2),
        loopback_id(3),
        loopback_id(4),
    );

    let started = Instant::now();
    let mut nodes: Vec<Node> = (1..=3)
        .map(|n| Node::start(dir.path(), "udpu", n, &udpu_config(n, 4, port, true), &key))
        .collect();
    for node in &nodes {
        assert!(
            node.wait_members(&[id1, id2, id3], WAIT),
            "node {} never saw 3 members; its log:\n{}",
            node.n,
            node.log()
        );
    }
    println!(
        "3-node ring formed, every CLM showing 3 members, {:?} after start",
        started.elapsed()
    );
    let status = nodes[0].ring_status().expect("ring status");
    assert_eq!(status.members.len(), 3);
    assert_eq!(status.interfaces[0].status, "ring 0 active with no faults");

    // Both tracking modes, on the two nodes that survive.
    let (full, view) = Tracker::start(&nodes[0], TrackChanges::Changes);
    assert_eq!(view.members.len(), 3);
    let (only, _) = Tracker::start(&nodes[1], TrackChanges::ChangesOnly);

    // kill -9 node 3: noticed by the token's loss.
    let killed = Instant::now();
    nodes[2].kill9();
    let cb_full = wait_view(&full, 2, WAIT).expect("node 1 reports node 3 gone");
    let t_full = killed.elapsed();
    let cb_only = wait_view(&only, 2, WAIT).expect("node 2 reports node 3 gone");
    let t_only = killed.elapsed();
    println!(
        "kill -9 of node 3: CLM on node 1 reported the 2-member view after {t_full:?}, \
         on node 2 after {t_only:?} (token 1000 ms + consensus 800 ms)"
    );
    assert_eq!(
        items(&cb_full),
        vec![
            (id1, ClusterChange::NoChange),
            (id2, ClusterChange::NoChange),
            (id3, ClusterChange::Left)
        ]
    );
    assert_eq!(items(&cb_only), vec![(id3, ClusterChange::Left)]);
    assert!(
        t_only < Duration::from_secs(8),
        "reconfiguration took {t_only:?}"
    );

    // Restart it: three members again, on a ring id it never used.
    let ringid_file = nodes[2].dir.join("run").join("ringid_127.0.0.3");
    let persisted = u64::from_le_bytes(
        std::fs::read(&ringid_file)
            .expect("ring sequence file")
            .try_into()
            .expect("8 bytes"),
    );
    assert!(persisted >= 8, "node 3 recorded ring sequence {persisted}");
    let restarted = Instant::now();
    nodes[2].spawn();
    let cb_full = wait_view(&full, 3, WAIT).expect("node 1 reports node 3 back");
    let t_full = restarted.elapsed();
    let cb_only = wait_view(&only, 3, WAIT).expect("node 2 reports node 3 back");
    let t_only = restarted.elapsed();
    println!(
        "restart of node 3: 3-member view on node 1 after {t_full:?}, on node 2 after {t_only:?}"
    );
    assert_eq!(
        items(&cb_full),
        vec![
            (id1, ClusterChange::NoChange),
            (id2, ClusterChange::NoChange),
            (id3, ClusterChange::Joined)
        ]
    );
    assert_eq!(items(&cb_only), vec![(id3, ClusterChange::Joined)]);
    assert!(t_only < Duration::from_secs(5), "rejoin took {t_only:?}");
    assert!(nodes[2].wait_members(&[id1, id2, id3], WAIT));
    let rejoined = nodes[2].ring_status().expect("status");
    assert!(
        rejoined.ring_seq > persisted,
        "ring {} after restart does not exceed {persisted}",
        rejoined.ring_seq
    );
    let ring_before = nodes[0].ring_status().expect("status");

    // A fourth node with another key: its datagrams fail the digest.
    let other_key = dir.path().join("other-authkey");
    keygen(&other_key);
    let intruder = Node::start(
        dir.path(),
        "udpu",
        4,
        &udpu_config(4, 4, port, true),
        &other_key,
    );
    assert!(
        intruder.wait_members(&[id4], WAIT),
        "the fourth node forms a ring of its own; its log:\n{}",
        intruder.log()
    );
    // Several join, consensus and merge periods.
    std::thread::sleep(Duration::from_secs(3));
    for node in &nodes {
        assert_eq!(
            node.member_ids(),
            Some(vec![id1, id2, id3]),
            "node {}",
            node.n
        );
    }
    assert_eq!(intruder.member_ids(), Some(vec![id4]));
    assert!(full.next(Duration::ZERO).is_none(), "no membership change");
    let ring_after = nodes[0].ring_status().expect("status");
    assert_eq!(
        (ring_after.ring_rep, ring_after.ring_seq),
        (ring_before.ring_rep, ring_before.ring_seq),
        "the ring was not disturbed"
    );
    assert!(
        ring_after.invalid_digests > 0,
        "the intruder's datagrams were seen and refused"
    );
    assert!(nodes[0].log().contains("invalid digest"));
    println!(
        "foreign key: node 1 refused {} datagram(s) with an invalid digest; ring {}.{} unchanged",
        ring_after.invalid_digests, ring_after.ring_rep, ring_after.ring_seq
    );
}

#[test]
fn graceful_leave_reconfigures_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("authkey");
    keygen(&key);
    let port = free_port(3);
    let nodes: Vec<Node> = (1..=3)
        .map(|n| {
            Node::start(
                dir.path(),
                "leave",
                n,
                &udpu_config(n, 3, port, false),
                &key,
            )
        })
        .collect();
    let all = [loopback_id(1), loopback_id(2), loopback_id(3)];
    for node in &nodes {
        assert!(
            node.wait_members(&all, WAIT),
            "node {}:\n{}",
            node.n,
            node.log()
        );
    }
    // openais-cfgtool --status: every configured member is in the ring.
    let status = |node: &Node| {
        std::process::Command::new(env!("CARGO_BIN_EXE_openais-cfgtool"))
            .arg("--status")
            .env("OPENAIS_IPC_SOCKET", &node.socket)
            .output()
            .unwrap()
    };
    let out = status(&nodes[0]);
    assert!(out.status.success(), "{out:?}");
    let (tracker, _) = Tracker::start(&nodes[0], TrackChanges::ChangesOnly);
    let pid = nix::unistd::Pid::from_raw(nodes[2].pid() as i32);
    let sent = Instant::now();
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).unwrap();
    let cb = wait_view(&tracker, 2, WAIT).expect("node 1 reports node 3 gone");
    let took = sent.elapsed();
    println!("SIGINT of node 3: 2-member view on node 1 after {took:?}");
    assert_eq!(items(&cb), vec![(loopback_id(3), ClusterChange::Left)]);
    // Token loss alone would take over 1.8 s.
    assert!(took < Duration::from_millis(1500), "leave took {took:?}");
    // Node 3 is configured and gone: not healthy, exit 3.
    let out = status(&nodes[0]);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("not healthy: configured member 127.0.0.3 is not in the ring"),
        "{out:?}"
    );
}
