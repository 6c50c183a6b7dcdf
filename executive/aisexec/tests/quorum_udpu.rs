//! `quorum { provider: votes two_node: yes }` on two real executives
//! (udpu on 127.0.0.1-2): once both were seen, kill -9 of one leaves the
//! other quorate and serving checkpoint writes.

mod cluster_support;

use std::time::{Duration, Instant};

use cluster_support::{free_port, keygen, loopback_id, udpu_config, Node, WAIT};
use sa_abi::ais::{SA_AIS_ERR_TRY_AGAIN, SA_TIME_END};
use sa_abi::ckpt::{
    SA_CKPT_CHECKPOINT_CREATE, SA_CKPT_CHECKPOINT_READ, SA_CKPT_CHECKPOINT_WRITE,
    SA_CKPT_WR_ALL_REPLICAS,
};
use sa_ipc::client::{CallError, Connection};
use sa_ipc::proto::ckpt::{CreationAttributes, Open, SectionCreate};
use sa_ipc::proto::{service, Request};
use sa_ipc::Name;

const TWO_NODE: &str = "quorum {\n\tprovider: votes\n\ttwo_node: yes\n}\n";

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

fn section(id: &str) -> SectionCreate {
    SectionCreate {
        open_id: 1,
        section_id: id.as_bytes().to_vec(),
        expiration: SA_TIME_END,
        data: b"x".to_vec(),
    }
}

#[test]
fn two_node_one_survivor_stays_quorate_and_serving() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("authkey");
    keygen(&key);
    let port = free_port(2);
    let mut nodes: Vec<Node> = (1..=2)
        .map(|n| {
            let config = udpu_config(n, 2, port, true) + TWO_NODE;
            Node::start(dir.path(), "two-node", n, &config, &key)
        })
        .collect();
    let both = [loopback_id(1), loopback_id(2)];
    for node in &nodes {
        assert!(
            node.wait_members(&both, WAIT),
            "no 2-node ring:\n{}",
            node.log()
        );
    }
    let conn = Connection::connect_to(&nodes[0].address(), service::CKPT).expect("connect");
    let open = Open {
        open_id: 1,
        name: Name::try_from("two").unwrap(),
        flags: SA_CKPT_CHECKPOINT_CREATE | SA_CKPT_CHECKPOINT_READ | SA_CKPT_CHECKPOINT_WRITE,
        attributes: Some(CreationAttributes {
            creation_flags: SA_CKPT_WR_ALL_REPLICAS,
            checkpoint_size: 128,
            retention_duration: 60_000_000_000,
            max_sections: 8,
            max_section_size: 16,
            max_section_id_size: 16,
        }),
    };
    call_retrying(&conn, &open).expect("open with both nodes");
    call_retrying(&conn, &section("before")).expect("write with both nodes");

    nodes[1].kill9();
    assert!(
        nodes[0].wait_members(&[loopback_id(1)], WAIT),
        "node 1 never noticed:\n{}",
        nodes[0].log()
    );
    let started = Instant::now();
    call_retrying(&conn, &section("alone")).expect("write on the survivor");
    println!(
        "the survivor served a write {} ms after its ring of one",
        started.elapsed().as_millis()
    );
    let status = nodes[0].ring_status().expect("ring status");
    let q = status.quorum.expect("quorum in the ring status");
    println!("survivor: {q:?}");
    assert!(q.enabled && q.quorate);
    assert_eq!((q.total_votes, q.expected_votes, q.quorum), (1, 2, 1));
    assert!(nodes[0].log().contains("QUORUM"), "{}", nodes[0].log());
}
