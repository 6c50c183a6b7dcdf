//! Replayed datagrams on a real three-node cluster (udpu on 127.0.0.1-3,
//! secauth on): a host at 127.0.0.9, listed as a member that never runs,
//! receives the multicast copies meant for it and re-sends them every
//! 20 ms to all three nodes for a few seconds. No route may move (the
//! executive logs every move, at a rate limit) and the ring must not
//! reconfigure.

mod cluster_support;

use std::net::UdpSocket;
use std::time::{Duration, Instant};

use cluster_support::{free_port, keygen, loopback_id, udpu_config, Node, WAIT};

const CAPTURE_FOR: Duration = Duration::from_secs(2);
const REPLAY_FOR: Duration = Duration::from_secs(5);

#[test]
fn replayed_datagrams_from_another_host_move_no_route_and_do_not_reconfigure() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("authkey");
    keygen(&key);
    let port = free_port(9);
    let ids = [loopback_id(1), loopback_id(2), loopback_id(3)];
    let nodes: Vec<Node> = (1..=3)
        .map(|n| {
            let config = udpu_config(n, 4, port, true).replace("127.0.0.4", "127.0.0.9");
            Node::start(dir.path(), "replay", n, &config, &key)
        })
        .collect();
    for node in &nodes {
        assert!(
            node.wait_members(&ids, WAIT),
            "node {} never saw 3 members; its log:\n{}",
            node.n,
            node.log()
        );
    }
    // Let the formation settle, then take the figures.
    std::thread::sleep(Duration::from_millis(500));
    let before: Vec<_> = nodes
        .iter()
        .map(|n| n.ring_status().expect("ring status"))
        .collect();

    let attacker = UdpSocket::bind(("127.0.0.9", port)).expect("bind 127.0.0.9");
    attacker
        .set_read_timeout(Some(Duration::from_millis(20)))
        .unwrap();
    let targets: Vec<_> = (1..=3).map(|n| format!("127.0.0.{n}:{port}")).collect();
    let mut buf = vec![0u8; 65536];
    // Capture first: once replaying, what arrives here (tokens a moved
    // route sends to this host) is dropped, not relayed, as a real
    // attacker's would be.
    let mut captured: Vec<Vec<u8>> = Vec::new();
    let started = Instant::now();
    while started.elapsed() < CAPTURE_FOR && captured.len() < 32 {
        if let Ok((len, _)) = attacker.recv_from(&mut buf) {
            captured.push(buf[..len].to_vec());
        }
    }
    let (mut replayed, started) = (0u64, Instant::now());
    while started.elapsed() < REPLAY_FOR {
        for datagram in &captured {
            for t in &targets {
                if attacker.send_to(datagram, t).is_ok() {
                    replayed += 1;
                }
            }
        }
        // Waits up to 20 ms and drops what came.
        let _ = attacker.recv_from(&mut buf);
    }
    println!(
        "replayed {} captured datagrams every 20 ms: {replayed} datagrams in {:?}",
        captured.len(),
        REPLAY_FOR
    );
    assert!(replayed > 100, "nothing to replay was captured");

    for (node, b) in nodes.iter().zip(&before) {
        let after = node.ring_status().expect("ring status");
        let log = node.log();
        println!(
            "node {}: {} route-move and {} replay log lines; rings installed {} -> {}, members {:?}",
            node.n,
            log.matches(" moved from ").count(),
            log.matches("replayed packet").count(),
            b.rings_installed,
            after.rings_installed,
            after
                .members
                .iter()
                .map(|m| (m.node_id, m.address.clone()))
                .collect::<Vec<_>>()
        );
        assert_eq!(
            log.matches(" moved from ").count(),
            0,
            "node {} moved a route to the replaying host",
            node.n
        );
        assert_eq!(
            after.rings_installed,
            b.rings_installed,
            "node {} reconfigured; its log:\n{}",
            node.n,
            node.log()
        );
        assert_eq!((after.ring_rep, after.ring_seq), (b.ring_rep, b.ring_seq));
        let members: Vec<u32> = after.members.iter().map(|m| m.node_id).collect();
        assert_eq!(members, ids);
        assert!(
            !after
                .members
                .iter()
                .any(|m| m.address.contains("127.0.0.9")),
            "a route moved to the replaying host: {:?}",
            after.members
        );
    }
}
