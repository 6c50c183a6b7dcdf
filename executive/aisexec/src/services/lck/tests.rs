//! LCK on the test cluster: nodes running every service behind their
//! service managers, an agreed-order network and virtual time. Requests
//! go in as library frames; answers come out as response and callback
//! frames.

use sa_abi::ais::{
    SA_AIS_ERR_BAD_FLAGS, SA_AIS_ERR_BAD_HANDLE, SA_AIS_ERR_NOT_EXIST, SA_AIS_ERR_TIMEOUT,
    SA_AIS_ERR_TRY_AGAIN, SA_AIS_OK,
};
use sa_abi::lck::{
    SA_LCK_LOCK_GRANTED, SA_LCK_LOCK_NOT_QUEUED, SA_LCK_LOCK_NO_QUEUE, SA_LCK_LOCK_ORPHAN,
    SA_LCK_LOCK_ORPHANED, SA_LCK_RESOURCE_CREATE,
};
use sa_ipc::proto::lck::{
    kind, GrantCallback, Lock, LockAsync, LockReply, Mode, Open, Purge, Unlock, WaiterCallback,
};
use sa_ipc::proto::{service, Payload};
use sa_ipc::Name;

use crate::ordering::NodeId;
use crate::service::testing::TestCluster;

const SECOND: i64 = 1_000_000_000;

/// Nodes `ids` of a cluster, in one ring.
fn cluster(ids: &[NodeId]) -> TestCluster {
    let mut c = TestCluster::new(ids);
    c.partition(&[ids]);
    c
}

/// Opens resource `name` (creating it) as opening 1 of connection `conn`.
fn open(c: &mut TestCluster, node: NodeId, conn: u64, name: &str) {
    c.open(node, service::LCK, conn, conn as i32);
    let (e, _) = c.call(
        node,
        conn,
        &Open {
            open_id: 1,
            name: Name::try_from(name).unwrap(),
            flags: SA_LCK_RESOURCE_CREATE,
        },
    );
    assert_eq!(e, SA_AIS_OK);
}

fn lock_msg(lock_id: u64, mode: Mode, flags: u32, timeout: i64) -> Lock {
    Lock {
        open_id: 1,
        lock_id,
        mode,
        flags,
        waiter_signal: lock_id * 100,
        timeout,
    }
}

/// Sends a lock request and runs the rings; returns its seq.
fn request(c: &mut TestCluster, node: NodeId, conn: u64, lock_id: u64, mode: Mode) -> u32 {
    let seq = c.send(node, conn, &lock_msg(lock_id, mode, 0, 30 * SECOND));
    c.run();
    seq
}

/// The answer to lock request `seq`: Some((error, status)) once it came.
fn answer(c: &mut TestCluster, node: NodeId, seq: u32) -> Option<(u32, u32)> {
    let f = c.response(node, seq)?;
    let status = if f.error == SA_AIS_OK {
        LockReply::from_payload(&f.payload).unwrap().status
    } else {
        0
    };
    Some((f.error, status))
}

fn granted(c: &mut TestCluster, node: NodeId, seq: u32) -> bool {
    answer(c, node, seq) == Some((SA_AIS_OK, SA_LCK_LOCK_GRANTED))
}

/// The status a NO_QUEUE probe gets now (released again when granted).
fn probe(c: &mut TestCluster, node: NodeId, conn: u64, mode: Mode) -> u32 {
    let (e, p) = c.call(
        node,
        conn,
        &lock_msg(999, mode, SA_LCK_LOCK_NO_QUEUE, SECOND),
    );
    assert_eq!(e, SA_AIS_OK);
    let status = LockReply::from_payload(&p).unwrap().status;
    if status == SA_LCK_LOCK_GRANTED {
        assert_eq!(c.call(node, conn, &Unlock { lock_id: 999 }).0, SA_AIS_OK);
    }
    status
}

fn unlock(c: &mut TestCluster, node: NodeId, conn: u64, lock_id: u64) -> u32 {
    c.call(node, conn, &Unlock { lock_id }).0
}

#[test]
fn ex_waiters_are_granted_in_request_order_on_every_node() {
    let c = &mut cluster(&[1, 2, 3]);
    for (node, conn) in [(1, 10), (2, 20), (3, 30), (2, 21)] {
        open(c, node, conn, "r");
    }
    let a = request(c, 1, 10, 1, Mode::Ex);
    assert!(granted(c, 1, a));
    let b = request(c, 3, 30, 2, Mode::Ex);
    let d = request(c, 2, 20, 3, Mode::Ex);
    assert_eq!(answer(c, 3, b), None, "node 3's request waits");
    assert_eq!(answer(c, 2, d), None);
    // the holder hears of each waiter, with the waiter's signal
    let w: Vec<WaiterCallback> = c.callbacks_of(1, 10, kind::WAITER_CALLBACK);
    assert_eq!(
        w.iter().map(|w| (w.signal, w.lock_id)).collect::<Vec<_>>(),
        vec![(200, 1), (300, 1)]
    );
    assert_eq!(probe(c, 2, 21, Mode::Pr), SA_LCK_LOCK_NOT_QUEUED);
    assert_eq!(unlock(c, 1, 10, 1), SA_AIS_OK);
    assert!(granted(c, 3, b), "the first requester gets it");
    assert_eq!(answer(c, 2, d), None);
    assert_eq!(unlock(c, 3, 30, 2), SA_AIS_OK);
    assert!(granted(c, 2, d));
    assert_eq!(unlock(c, 3, 30, 2), SA_AIS_ERR_NOT_EXIST);
}

#[test]
fn pr_locks_are_shared_and_granted_together() {
    let c = &mut cluster(&[1, 2]);
    for (node, conn) in [(1, 10), (2, 20), (2, 21), (1, 11)] {
        open(c, node, conn, "r");
    }
    let x = request(c, 1, 10, 1, Mode::Ex);
    assert!(granted(c, 1, x));
    let p1 = request(c, 2, 20, 2, Mode::Pr);
    let p2 = request(c, 2, 21, 3, Mode::Pr);
    assert_eq!(unlock(c, 1, 10, 1), SA_AIS_OK);
    assert!(granted(c, 2, p1));
    assert!(granted(c, 2, p2));
    assert_eq!(probe(c, 1, 11, Mode::Pr), SA_LCK_LOCK_GRANTED);
    assert_eq!(probe(c, 1, 11, Mode::Ex), SA_LCK_LOCK_NOT_QUEUED);
}

#[test]
fn a_timed_out_request_is_withdrawn_by_its_node() {
    let c = &mut cluster(&[1, 2]);
    for (node, conn) in [(1, 10), (2, 20), (2, 21)] {
        open(c, node, conn, "r");
    }
    let a = request(c, 1, 10, 1, Mode::Ex);
    assert!(granted(c, 1, a));
    let t = c.send(2, 20, &lock_msg(2, Mode::Ex, 0, SECOND));
    c.run();
    c.advance(SECOND / 2);
    assert_eq!(answer(c, 2, t), None);
    c.advance(SECOND / 2);
    assert_eq!(answer(c, 2, t), Some((SA_AIS_ERR_TIMEOUT, 0)));
    let lck = c.peek(2).manager.service::<super::Lck>().unwrap();
    assert_eq!(lck.timeouts.len(), 0, "an answered request has no timer");
    // withdrawn: the next unlock does not hand it the lock
    assert_eq!(unlock(c, 1, 10, 1), SA_AIS_OK);
    assert_eq!(probe(c, 2, 21, Mode::Ex), SA_LCK_LOCK_GRANTED);
    assert_eq!(unlock(c, 2, 20, 2), SA_AIS_ERR_NOT_EXIST);
}

#[test]
fn a_holders_connection_end_grants_the_next_waiter() {
    let c = &mut cluster(&[1, 2]);
    open(c, 2, 20, "r");
    open(c, 1, 10, "r");
    let h = request(c, 2, 20, 1, Mode::Ex);
    assert!(granted(c, 2, h));
    let w = request(c, 1, 10, 2, Mode::Ex);
    assert_eq!(answer(c, 1, w), None);
    c.close(2, service::LCK, 20); // the process died
    c.run();
    assert!(granted(c, 1, w));
}

#[test]
fn a_holders_node_failure_grants_the_next_waiter_at_the_configuration_change() {
    let c = &mut cluster(&[1, 2, 3]);
    open(c, 2, 20, "r");
    open(c, 1, 10, "r");
    let h = request(c, 2, 20, 1, Mode::Ex);
    assert!(granted(c, 2, h));
    let w = request(c, 1, 10, 2, Mode::Ex);
    c.crash(2);
    c.reconfigure(&[&[1, 3]]);
    // answered at the configuration change, before the sync runs
    assert!(granted(c, 1, w));
    c.run();
    open(c, 3, 30, "r");
    assert_eq!(probe(c, 3, 30, Mode::Pr), SA_LCK_LOCK_NOT_QUEUED);
}

#[test]
fn orphan_locks_outlive_their_holder_until_purged() {
    let c = &mut cluster(&[1, 2]);
    open(c, 1, 10, "r");
    open(c, 2, 20, "r");
    let seq = c.send(1, 10, &lock_msg(1, Mode::Ex, SA_LCK_LOCK_ORPHAN, SECOND));
    c.run();
    assert!(granted(c, 1, seq));
    c.close(1, service::LCK, 10);
    c.run();
    assert_eq!(probe(c, 2, 20, Mode::Pr), SA_LCK_LOCK_ORPHANED);
    assert_eq!(c.call(2, 20, &Purge { open_id: 1 }).0, SA_AIS_OK);
    assert_eq!(probe(c, 2, 20, Mode::Ex), SA_LCK_LOCK_GRANTED);
}

#[test]
fn async_lock_answers_with_a_grant_callback() {
    let c = &mut cluster(&[1]);
    open(c, 1, 10, "r");
    open(c, 1, 11, "r");
    let h = request(c, 1, 10, 1, Mode::Ex);
    assert!(granted(c, 1, h));
    let (e, _) = c.call(
        1,
        11,
        &LockAsync {
            invocation: 77,
            open_id: 1,
            lock_id: 2,
            mode: Mode::Pr,
            flags: 0,
            waiter_signal: 0,
        },
    );
    assert_eq!(e, SA_AIS_OK);
    assert!(c
        .callbacks_of::<GrantCallback>(1, 11, kind::GRANT_CALLBACK)
        .is_empty());
    assert_eq!(unlock(c, 1, 10, 1), SA_AIS_OK);
    let g: Vec<GrantCallback> = c.callbacks_of(1, 11, kind::GRANT_CALLBACK);
    assert_eq!(
        g,
        vec![GrantCallback {
            invocation: 77,
            lock_id: 2,
            status: SA_LCK_LOCK_GRANTED
        }]
    );
}

#[test]
fn bad_requests_are_refused() {
    let c = &mut cluster(&[1]);
    open(c, 1, 10, "r");
    let (e, _) = c.call(1, 10, &lock_msg(1, Mode::Ex, 0x40, SECOND));
    assert_eq!(e, SA_AIS_ERR_BAD_FLAGS);
    let mut unknown = lock_msg(1, Mode::Ex, 0, SECOND);
    unknown.open_id = 7;
    assert_eq!(c.call(1, 10, &unknown).0, SA_AIS_ERR_BAD_HANDLE);
    let bad_open = Open {
        open_id: 2,
        name: Name::try_from("x").unwrap(),
        flags: 0x10,
    };
    assert_eq!(c.call(1, 10, &bad_open).0, SA_AIS_ERR_BAD_FLAGS);
    let missing = Open {
        open_id: 2,
        name: Name::try_from("x").unwrap(),
        flags: 0,
    };
    assert_eq!(c.call(1, 10, &missing).0, SA_AIS_ERR_NOT_EXIST);
    // a mode that is not PR or EX does not decode: a protocol error
    let mut raw = lock_msg(1, Mode::Ex, 0, SECOND).to_payload();
    raw[16] = 0;
    let n = c.node(1);
    let req = crate::service::Request {
        conn: crate::ipc::ConnId(10),
        kind: kind::LOCK,
        seq: 99,
        payload: &raw,
    };
    assert!(n
        .manager
        .lib_request(&mut n.wire, &mut n.link, service::LCK, &req)
        .is_err());
}

#[test]
fn a_joining_node_gets_the_whole_lock_state() {
    let c = &mut TestCluster::new(&[1, 2, 3]);
    c.partition(&[&[1, 2]]);
    open(c, 1, 10, "r");
    open(c, 2, 20, "r");
    let h = request(c, 1, 10, 1, Mode::Ex);
    assert!(granted(c, 1, h));
    let w = request(c, 2, 20, 2, Mode::Ex);
    c.partition(&[&[1, 2, 3]]);
    open(c, 3, 30, "r");
    assert_eq!(probe(c, 3, 30, Mode::Pr), SA_LCK_LOCK_NOT_QUEUED);
    // the queue came along: node 2's request is next, node 3's after it
    let n3 = request(c, 3, 30, 3, Mode::Ex);
    assert_eq!(unlock(c, 1, 10, 1), SA_AIS_OK);
    assert!(granted(c, 2, w));
    assert_eq!(answer(c, 3, n3), None);
    assert_eq!(unlock(c, 2, 20, 2), SA_AIS_OK);
    assert!(granted(c, 3, n3));
    let tables: Vec<_> = [1, 2, 3]
        .iter()
        .map(|&n| {
            c.peek(n)
                .manager
                .service::<super::Lck>()
                .unwrap()
                .table
                .clone()
        })
        .collect();
    assert_eq!(tables[0], tables[1]);
    assert_eq!(tables[0], tables[2]);
}

#[test]
fn a_merge_keeps_the_larger_partitions_holders_only() {
    let c = &mut cluster(&[1, 2, 3]);
    open(c, 1, 10, "r");
    open(c, 3, 30, "r");
    c.partition(&[&[1, 2], &[3]]);
    // both sides grant EX: unavoidable without a quorum
    let big = request(c, 1, 10, 1, Mode::Ex);
    assert!(granted(c, 1, big));
    let small = request(c, 3, 30, 2, Mode::Ex);
    assert!(granted(c, 3, small));
    open(c, 3, 31, "r");
    let waiting = request(c, 3, 31, 3, Mode::Ex);
    assert_eq!(answer(c, 3, waiting), None);
    c.partition(&[&[1, 2, 3]]);
    // node 3's waiter is told to retry, its holder lost the lock
    assert_eq!(answer(c, 3, waiting), Some((SA_AIS_ERR_TRY_AGAIN, 0)));
    assert_eq!(unlock(c, 3, 30, 2), SA_AIS_ERR_NOT_EXIST);
    assert_eq!(probe(c, 3, 31, Mode::Pr), SA_LCK_LOCK_NOT_QUEUED);
    assert_eq!(unlock(c, 1, 10, 1), SA_AIS_OK);
    assert_eq!(probe(c, 3, 31, Mode::Ex), SA_LCK_LOCK_GRANTED);
}
