//! Attacks from a host on the cluster's network, against four nodes in
//! network namespaces with multicast (needs root; skipped otherwise). A
//! fifth namespace on the same bridge, whose executive is stopped, is the
//! attacker:
//!
//! - with secauth on, it captures the members' fresh datagrams and sends
//!   them again every 20 ms (`OA_REPLAY_SECS`, default 10; the acceptance
//!   run uses 60): no ring may reconfigure;
//! - with secauth off, anyone can seal a packet: it sends joins claiming
//!   ring sequence u64::MAX (and other membership packets at the end of
//!   the number space): nothing may change.

mod cluster_support;

use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
use std::time::{Duration, Instant};

use aisexec::net::security::Framing;
use cluster_support::netns::{in_netns, ns_of, ring_status, skip_unless_root, wait_common_ring};
use cluster_support::{ScriptCluster, WAIT};
use totem::crypto::PacketSecurity;
use totem::wire::{Join, MergeDetect, Packet};

const GROUP: Ipv4Addr = Ipv4Addr::new(239, 192, 1, 1);

fn port_of(name: &str) -> u16 {
    std::fs::read_to_string(format!("/tmp/oa-{name}/port"))
        .expect("the cluster's port")
        .trim()
        .parse()
        .expect("a port number")
}

/// Rings installed by nodes 1..=4 so far.
fn rings_installed(name: &str) -> Vec<u64> {
    (1..=4)
        .map(|n| ring_status(name, n).expect("ring status").rings_installed)
        .collect()
}

/// A four-node ring with node 5's namespace left to the attacker.
fn four_nodes_and_an_attacker(name: &str, args: &[&str]) -> ScriptCluster {
    let mut all = vec!["5", "--mode", "netns"];
    all.extend_from_slice(args);
    let cluster = ScriptCluster::up(name, &all);
    let (ok, text) = cluster.run("kill", &["5"]);
    assert!(ok, "{text}");
    assert!(
        wait_common_ring(name, &[1, 2, 3, 4], WAIT).is_some(),
        "no 4-member ring after node 5 stopped:\n{}",
        cluster.logs()
    );
    // Let the last membership change settle before counting.
    std::thread::sleep(Duration::from_secs(1));
    cluster
}

#[test]
fn replayed_fresh_datagrams_cause_no_reconfiguration() {
    if skip_unless_root("replayed_fresh_datagrams_cause_no_reconfiguration") {
        return;
    }
    let secs: u64 = std::env::var("OA_REPLAY_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let name = format!("r{}", std::process::id() % 100000);
    let cluster = four_nodes_and_an_attacker(&name, &["--secauth"]);
    let port = port_of(&name);
    let before = rings_installed(&name);
    let (captured, sent) = in_netns(&ns_of(&name, 5), move || {
        let socket = UdpSocket::bind(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, port)).unwrap();
        socket
            .join_multicast_v4(&GROUP, &Ipv4Addr::new(10, 213, 1, 5))
            .unwrap();
        socket.set_multicast_loop_v4(false).unwrap();
        socket
            .set_read_timeout(Some(Duration::from_millis(50)))
            .unwrap();
        let mut captured = Vec::new();
        let mut buf = vec![0u8; 65536];
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(2) && captured.len() < 64 {
            if let Ok((len, _)) = socket.recv_from(&mut buf) {
                captured.push(buf[..len].to_vec());
            }
        }
        let target = SocketAddrV4::new(GROUP, port);
        let mut sent = 0u64;
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(secs) {
            for datagram in &captured {
                if socket.send_to(datagram, target).is_ok() {
                    sent += 1;
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        (captured.len(), sent)
    });
    assert!(captured > 0, "nothing to replay was heard");
    let after = rings_installed(&name);
    println!(
        "replayed {captured} captured datagrams {sent} times over {secs} s; rings installed {before:?} -> {after:?}"
    );
    assert_eq!(
        before,
        after,
        "a replay reconfigured the ring:\n{}",
        cluster.logs()
    );
    assert!(wait_common_ring(&name, &[1, 2, 3, 4], WAIT).is_some());
}

#[test]
fn forged_membership_packets_at_the_end_of_the_number_space_change_nothing() {
    if skip_unless_root("forged_membership_packets_at_the_end_of_the_number_space_change_nothing") {
        return;
    }
    let name = format!("j{}", std::process::id() % 100000);
    let cluster = four_nodes_and_an_attacker(&name, &[]);
    let port = port_of(&name);
    let before = rings_installed(&name);
    let ring = wait_common_ring(&name, &[1, 2, 3, 4], WAIT).expect("a ring");
    let sent = in_netns(&ns_of(&name, 5), move || {
        let socket = UdpSocket::bind(SocketAddrV4::new(Ipv4Addr::new(10, 213, 1, 5), 0)).unwrap();
        let target = SocketAddrV4::new(GROUP, port);
        let members: Vec<u32> = (1..=4)
            .map(|n| u32::from_le_bytes([10, 213, 1, n]))
            .collect();
        let mut sent = 0;
        // As a stranger, and as each member.
        for sender in std::iter::once(u32::from_le_bytes([10, 213, 1, 99])).chain(members.clone()) {
            let mut framing = Framing::new(PacketSecurity::integrity_only(), sender, 1);
            let packets = [
                Packet::Join(Join {
                    sender,
                    ring_seq: u64::MAX,
                    proc_set: members.clone(),
                    fail_set: Vec::new(),
                }),
                Packet::Join(Join {
                    sender,
                    ring_seq: u64::MAX - 3,
                    proc_set: vec![sender],
                    fail_set: members.clone(),
                }),
                Packet::MergeDetect(MergeDetect {
                    sender,
                    ring: totem::RingId {
                        rep: sender,
                        seq: u64::MAX,
                    },
                }),
            ];
            for packet in &packets {
                let mut datagram = Vec::new();
                framing.seal(&packet.encode(), &mut datagram);
                for _ in 0..20 {
                    if socket.send_to(&datagram, target).is_ok() {
                        sent += 1;
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
            }
        }
        sent
    });
    // Give the ring time to act on them, were it to.
    std::thread::sleep(Duration::from_secs(3));
    let after = rings_installed(&name);
    println!("{sent} forged packets; rings installed {before:?} -> {after:?}");
    assert_eq!(
        before,
        after,
        "a forged packet reconfigured the ring:\n{}",
        cluster.logs()
    );
    for n in 1..=4 {
        let s = ring_status(&name, n).expect("ring status");
        assert_eq!((s.ring_rep, s.ring_seq), ring, "node {n}");
        assert!(
            s.ring_seq < 1 << 32,
            "node {n}: ring sequence {}",
            s.ring_seq
        );
    }
}
