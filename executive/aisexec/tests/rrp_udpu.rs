//! Redundant rings without root: three executives on 127.0.0.1-3 (ring
//! 0) and 127.1.0.1-3 (ring 1), udpu, each ring with its own member list
//! (`scripts/cluster --rrp`). Both modes form one ring over both networks
//! and report both rings working; a killed node is no network's fault.

mod cluster_support;

use std::time::{Duration, Instant};

use cluster_support::ScriptCluster;
use sa_ipc::client::Connection;
use sa_ipc::proto::cfg::{RingStatusGet, RingStatusReply};
use sa_ipc::proto::service;
use sa_ipc::SocketAddress;

fn status(name: &str, n: u8) -> Option<RingStatusReply> {
    let conn = Connection::connect_to(
        &SocketAddress::parse(&format!("@oa-{name}-{n}")),
        service::CFG,
    )
    .ok()?;
    conn.call(&RingStatusGet).ok()
}

fn rings(s: &RingStatusReply) -> Vec<(u32, String, bool)> {
    s.interfaces
        .iter()
        .map(|i| (i.ringnumber, i.address.clone(), i.faulty))
        .collect()
}

#[test]
fn both_modes_run_one_ring_over_two_udpu_networks() {
    for mode in ["active", "passive"] {
        let name = format!("u{}{}", &mode[..1], std::process::id() % 100000);
        let cluster = ScriptCluster::up(&name, &["3", "--rrp", mode]);
        for n in 1..=3u8 {
            let s = status(&name, n).expect("status");
            assert_eq!(s.members.len(), 3, "{mode}: node {n}");
            assert_eq!(
                rings(&s),
                vec![
                    (0, format!("127.0.0.{n}"), false),
                    (1, format!("127.1.0.{n}"), false)
                ],
                "{mode}: node {n}"
            );
        }
        let (ok, text) = cluster.run("kill", &["3"]);
        assert!(ok, "{text}");
        let (ok, text) = cluster.run("wait", &["2", "15"]);
        assert!(ok, "{mode}: {text}\n{}", cluster.logs());
        // Longer than a fault takes to be marked (10 check periods of
        // 238 ms): a dead processor is heard on no network, which is no
        // network's fault.
        let until = Instant::now() + Duration::from_secs(4);
        while Instant::now() < until {
            for n in 1..=2u8 {
                let s = status(&name, n).expect("status");
                assert!(
                    s.interfaces.iter().all(|i| !i.faulty),
                    "{mode}: node {n}: {:?}\n{}",
                    s.interfaces,
                    cluster.logs()
                );
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        println!("{mode}: 3 nodes on two udpu rings; node 3 killed, no ring blamed");
    }
}
