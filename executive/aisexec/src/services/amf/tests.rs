//! AMF on the test cluster: real AMF services on N nodes, virtual time,
//! CLC-CLI commands recorded by a fake runner, components played by the
//! test through library requests.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use sa_abi::ais::{
    SA_AIS_ERR_EXIST, SA_AIS_ERR_INVALID_PARAM, SA_AIS_ERR_NOT_EXIST, SA_AIS_OK,
    SA_TRACK_CHANGES_ONLY,
};
use sa_abi::amf::{
    SA_AMF_APPLICATION_RESTART, SA_AMF_COMPONENT_FAILOVER, SA_AMF_COMPONENT_RESTART,
    SA_AMF_CSI_ADD_ONE, SA_AMF_CSI_NOT_QUIESCED, SA_AMF_CSI_QUIESCED, SA_AMF_CSI_TARGET_ONE,
    SA_AMF_HA_ACTIVE, SA_AMF_HA_QUIESCED, SA_AMF_HA_STANDBY, SA_AMF_HEALTHCHECK_AMF_INVOKED,
    SA_AMF_HEALTHCHECK_COMPONENT_INVOKED, SA_AMF_NODE_FAILFAST, SA_AMF_NODE_FAILOVER,
    SA_AMF_NODE_SWITCHOVER, SA_AMF_PM_ABNORMAL_END, SA_AMF_PM_NON_ZERO_EXIT,
    SA_AMF_PROTECTION_GROUP_REMOVED, SA_AMF_PROTECTION_GROUP_STATE_CHANGE,
};
use sa_ipc::codec::Name;
use sa_ipc::proto::amf::{
    kind, CsiRemoveCallback, CsiSetCallback, ErrorClear, ErrorReport, HaStateGet, HaStateReply,
    HealthcheckCallback, HealthcheckConfirm, HealthcheckStart, HealthcheckStop, PgTrack,
    PgTrackCallback, PgTrackReply, PgTrackStop, PmStart, ProxiedCallback, Register,
    RegisterProxied, Response, Status, StatusReply, TerminateCallback, PG_CURRENT_IN_REPLY,
};
use sa_ipc::proto::{service, Message, Payload};

use super::clc::{ClcRunner, Outcome};
use super::Amf;
use crate::config::amf::{AmfModel, ClcCommand};
use crate::ordering::NodeId;
use crate::service::testing::{test_env, TestCluster};
use crate::service::Service;

const MS: i64 = 1_000_000;

/// One recorded command: node, job, program, argv, environment.
type Spawn = (NodeId, u64, String, Vec<String>, Vec<(String, String)>);

thread_local! {
    static SPAWNS: RefCell<Vec<Spawn>> = const { RefCell::new(Vec::new()) };
    static OUTCOMES: RefCell<Vec<(NodeId, u64, Outcome)>> = const { RefCell::new(Vec::new()) };
    static RUNNING: RefCell<BTreeSet<(NodeId, u64)>> = const { RefCell::new(BTreeSet::new()) };
}

/// Records commands; they run until the test ends them.
struct FakeRunner(NodeId);

impl ClcRunner for FakeRunner {
    fn spawn(
        &mut self,
        job: u64,
        cmd: &ClcCommand,
        env: &[(String, String)],
        _timeout: Option<Duration>,
    ) {
        SPAWNS.with(|s| {
            s.borrow_mut().push((
                self.0,
                job,
                cmd.program.display().to_string(),
                cmd.args.clone(),
                env.to_vec(),
            ))
        });
        RUNNING.with(|r| r.borrow_mut().insert((self.0, job)));
    }
    fn poll(&mut self) -> Vec<(u64, Outcome)> {
        let node = self.0;
        OUTCOMES.with(|o| {
            let mut o = o.borrow_mut();
            let (mine, rest): (Vec<_>, Vec<_>) = o.drain(..).partition(|(n, _, _)| *n == node);
            *o = rest;
            mine.into_iter()
                .map(|(_, j, out)| {
                    RUNNING.with(|r| r.borrow_mut().remove(&(node, j)));
                    (j, out)
                })
                .collect()
        })
    }
    fn kill(&mut self, job: u64) {
        OUTCOMES.with(|o| o.borrow_mut().push((self.0, job, Outcome::Exited(137))));
    }
    fn busy(&self) -> bool {
        let node = self.0;
        RUNNING.with(|r| r.borrow().iter().any(|(n, _)| *n == node))
    }
}

/// Every command still running on `node` exits 0.
fn end_all_commands(node: NodeId) {
    let jobs: Vec<u64> = RUNNING.with(|r| {
        r.borrow()
            .iter()
            .filter(|(n, _)| *n == node)
            .map(|(_, j)| *j)
            .collect()
    });
    OUTCOMES.with(|o| {
        o.borrow_mut()
            .extend(jobs.into_iter().map(|j| (node, j, Outcome::Exited(0))))
    });
}

fn spawns() -> Vec<Spawn> {
    SPAWNS.with(|s| std::mem::take(&mut *s.borrow_mut()))
}

fn amf_only(env: &crate::services::ServiceEnv) -> Vec<Box<dyn Service>> {
    vec![Box::new(Amf::with_runner(
        env,
        Box::new(FakeRunner(env.node_id)),
    ))]
}

/// A cluster of `ids` running AMF with the configuration `conf` (its
/// nodes are `node<id>`, the test hosts' names).
fn cluster(ids: &[NodeId], conf: &str) -> TestCluster {
    let model = Arc::new(AmfModel::parse(conf, "amf.conf").unwrap());
    let envs = ids
        .iter()
        .map(|&id| {
            let mut env = test_env(id);
            env.amf = Some(model.clone());
            env
        })
        .collect();
    TestCluster::with_envs(envs, amf_only)
}

const EXAMPLE: &str = include_str!("../../../../../conf/amf.conf.example");

fn name(s: &str) -> Name {
    Name::new(s.as_bytes()).unwrap()
}

fn call<M: Message>(c: &mut TestCluster, node: NodeId, conn: u64, msg: &M) -> (u32, Vec<u8>) {
    let f = c.request(node, M::SERVICE, conn, M::KIND, &msg.to_payload());
    (f.error, f.payload)
}

/// Registers `dn` from a new connection `conn` on `node`.
fn register(c: &mut TestCluster, node: NodeId, conn: u64, dn: &str) -> u32 {
    c.open(node, service::AMF, conn, 1000 + conn as i32);
    let seq = c.send(node, conn, &Register { comp: name(dn) });
    c.run();
    c.response(node, seq).expect("an answer").error
}

fn ha(c: &mut TestCluster, node: NodeId, comp: &str, csi: &str) -> Option<u32> {
    let (error, payload) = call(
        c,
        node,
        99,
        &HaStateGet {
            comp: name(comp),
            csi: name(csi),
        },
    );
    (error == SA_AIS_OK).then(|| HaStateReply::from_payload(&payload).unwrap().ha_state)
}

fn sets(c: &mut TestCluster, node: NodeId, conn: u64) -> Vec<CsiSetCallback> {
    c.callbacks_of(node, conn, kind::CSI_SET_CALLBACK)
}

fn respond(c: &mut TestCluster, node: NodeId, conn: u64, invocation: u64) {
    let seq = c.send(
        node,
        conn,
        &Response {
            invocation,
            error: SA_AIS_OK,
            quiescing_complete: false,
        },
    );
    c.run();
    assert_eq!(c.response(node, seq).unwrap().error, SA_AIS_OK);
}

const A: &str = "safComp=server,safSu=a,safSg=pair,safApp=web";
const B: &str = "safComp=server,safSu=b,safSg=pair,safApp=web";
const CSI: &str = "safCsi=listener,safSi=frontend,safApp=web";

/// The example's 2N group up on nodes 1 and 2: A active, B standby.
fn two_n_up() -> TestCluster {
    spawns();
    let mut c = cluster(&[1, 2], EXAMPLE);
    c.open(1, service::AMF, 99, 99);
    c.open(2, service::AMF, 99, 99);
    c.partition(&[&[1, 2]]);
    let s = spawns();
    // Each host runs its own component's instantiate command, with the
    // component's name and its saAmfCompCmdEnv in the environment.
    assert_eq!(s.len(), 2, "{s:?}");
    for (node, dn) in [(1, A), (2, B)] {
        let (_, _, program, args, env) = s.iter().find(|x| x.0 == node).unwrap();
        assert_eq!(program, "/usr/libexec/openais/amf-demo/clc");
        assert_eq!(args, &vec!["instantiate".to_string()]);
        assert!(env.contains(&("SA_AMF_COMPONENT_NAME".into(), dn.into())));
        assert!(env.contains(&("DEMO_STATE_DIR".into(), "/tmp/amf-demo".into())));
    }
    assert_eq!(register(&mut c, 1, 10, A), SA_AIS_OK);
    assert!(
        sets(&mut c, 1, 10).is_empty(),
        "no assignment before every SU is up"
    );
    assert_eq!(register(&mut c, 2, 20, B), SA_AIS_OK);
    let a = sets(&mut c, 1, 10);
    let b = sets(&mut c, 2, 20);
    assert_eq!(a.len(), 1);
    assert_eq!(b.len(), 1);
    assert_eq!(
        (a[0].ha_state, a[0].flags),
        (SA_AMF_HA_ACTIVE, SA_AMF_CSI_ADD_ONE)
    );
    assert_eq!(a[0].csi.as_bytes(), CSI.as_bytes());
    assert_eq!(a[0].attrs[0].name, b"port");
    assert_eq!(a[0].attrs[0].value, b"8080");
    assert_eq!(b[0].ha_state, SA_AMF_HA_STANDBY);
    assert_eq!(b[0].active_comp.as_bytes(), A.as_bytes());
    assert_eq!(b[0].standby_rank, 1);
    respond(&mut c, 1, 10, a[0].invocation);
    respond(&mut c, 2, 20, b[0].invocation);
    c
}

#[test]
fn two_n_comes_up_active_and_standby_on_every_node() {
    let mut c = two_n_up();
    for node in [1, 2] {
        assert_eq!(ha(&mut c, node, A, CSI), Some(SA_AMF_HA_ACTIVE));
        assert_eq!(ha(&mut c, node, B, CSI), Some(SA_AMF_HA_STANDBY));
    }
    let (e, p) = call(&mut c, 2, 99, &Status);
    assert_eq!(e, SA_AIS_OK);
    let text: Vec<String> = StatusReply::from_payload(&p)
        .unwrap()
        .lines
        .into_iter()
        .map(|l| String::from_utf8(l).unwrap())
        .collect();
    let joined = text.join("\n");
    assert!(joined.contains("SU safSu=a,safSg=pair,safApp=web node node1 (1) presence INSTANTIATED operational ENABLED readiness IN_SERVICE"), "{joined}");
    assert!(joined.contains("safSu=a,safSg=pair,safApp=web=ACTIVE@node1 safSu=b,safSg=pair,safApp=web=STANDBY@node2"), "{joined}");
}

#[test]
fn registration_is_checked() {
    let mut c = cluster(&[1, 2], EXAMPLE);
    c.partition(&[&[1, 2]]);
    assert_eq!(
        register(&mut c, 2, 10, A),
        SA_AIS_ERR_NOT_EXIST,
        "A is hosted by node1"
    );
    assert_eq!(register(&mut c, 1, 11, "safComp=x"), SA_AIS_ERR_NOT_EXIST);
    assert_eq!(register(&mut c, 1, 12, A), SA_AIS_OK);
    assert_eq!(register(&mut c, 1, 13, A), SA_AIS_ERR_EXIST);
}

#[test]
fn the_standby_takes_over_when_the_active_node_fails() {
    let mut c = two_n_up();
    c.crash(1);
    c.partition(&[&[2]]);
    let b = sets(&mut c, 2, 20);
    assert_eq!(b.len(), 1, "{b:?}");
    assert_eq!(
        (b[0].ha_state, b[0].flags),
        (SA_AMF_HA_ACTIVE, SA_AMF_CSI_TARGET_ONE)
    );
    assert_eq!(ha(&mut c, 2, B, CSI), Some(SA_AMF_HA_ACTIVE));
    assert_eq!(ha(&mut c, 2, A, CSI), None);
}

#[test]
fn a_leaving_node_quiesces_its_active_before_the_standby_takes_over() {
    let mut c = two_n_up();
    {
        let n = c.node(1);
        n.manager.shutdown(&mut n.wire, &mut n.link);
    }
    c.run();
    let a = sets(&mut c, 1, 10);
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].ha_state, SA_AMF_HA_QUIESCED);
    assert!(
        sets(&mut c, 2, 20).is_empty(),
        "no new active before the quiesce"
    );
    assert!(!{
        let n = c.node(1);
        n.manager.ready_to_leave(&mut n.wire, &mut n.link)
    });
    respond(&mut c, 1, 10, a[0].invocation);
    let b = sets(&mut c, 2, 20);
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].ha_state, SA_AMF_HA_ACTIVE);
    // Promoted after the active was quiesced: a switchover.
    assert_eq!(b[0].transition, SA_AMF_CSI_QUIESCED);
    assert_eq!(b[0].active_comp.as_bytes(), A.as_bytes());
    let removed: Vec<CsiRemoveCallback> = c.callbacks_of(1, 10, kind::CSI_REMOVE_CALLBACK);
    assert_eq!(removed.len(), 1);
    // Drained: the component is asked to terminate, then the node may go
    // once it is gone.
    assert!(!{
        let n = c.node(1);
        n.manager.ready_to_leave(&mut n.wire, &mut n.link)
    });
    let t: Vec<TerminateCallback> = c.callbacks_of(1, 10, kind::TERMINATE_CALLBACK);
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].comp.as_bytes(), A.as_bytes());
    c.close(1, service::AMF, 10);
    c.run();
    // The terminate command (the example's `clc terminate`) ran.
    let s = spawns();
    assert!(
        s.iter()
            .any(|x| x.0 == 1 && x.3 == vec!["terminate".to_string()]),
        "{s:?}"
    );
    assert!(
        !{
            let n = c.node(1);
            n.manager.ready_to_leave(&mut n.wire, &mut n.link)
        },
        "until the terminate command ends"
    );
    end_all_commands(1);
    assert!({
        let n = c.node(1);
        n.manager.ready_to_leave(&mut n.wire, &mut n.link)
    });
    assert_eq!(ha(&mut c, 2, B, CSI), Some(SA_AMF_HA_ACTIVE));
}

#[test]
fn a_callback_not_answered_in_time_restarts_the_component_in_place() {
    let mut c = two_n_up();
    spawns();
    report(&mut c, 1, 10, A, SA_AMF_COMPONENT_RESTART);
    // Restart: node 1 runs A's cleanup, then, once it ended, instantiate.
    let args: Vec<String> = spawns().iter().map(|x| x.3[0].clone()).collect();
    assert_eq!(args, vec!["cleanup"]);
    end_all_commands(1);
    c.advance(60 * MS);
    let args: Vec<String> = spawns().iter().map(|x| x.3[0].clone()).collect();
    assert_eq!(args, vec!["instantiate"]);
    // B was not made active meanwhile; A, registered again, is.
    assert!(sets(&mut c, 2, 20).is_empty());
    assert_eq!(register(&mut c, 1, 11, A), SA_AIS_OK);
    let a = sets(&mut c, 1, 11);
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].ha_state, SA_AMF_HA_ACTIVE);
    // Not answered within the example's 2000 ms: a fault again, the
    // SU is restarted (saAmfSGCompRestartMax = 1 is spent).
    c.advance(2100 * MS);
    let args: Vec<String> = spawns().iter().map(|x| x.3[0].clone()).collect();
    assert_eq!(args, vec!["cleanup"]);
    assert!(status(&mut c, 2).contains(&format!("COMP {A} presence RESTARTING")));
}

fn report(c: &mut TestCluster, node: NodeId, conn: u64, dn: &str, recovery: u32) {
    let seq = c.send(
        node,
        conn,
        &ErrorReport {
            comp: name(dn),
            detection_time: 0,
            recovery,
        },
    );
    c.run();
    assert_eq!(c.response(node, seq).unwrap().error, SA_AIS_OK);
}

fn status(c: &mut TestCluster, node: NodeId) -> String {
    let (_, p) = call(c, node, 99, &Status);
    String::from_utf8(
        StatusReply::from_payload(&p)
            .unwrap()
            .lines
            .join(&b"\n"[..]),
    )
    .unwrap()
}

/// A restarts and registers again from connection `conn`; the CSI it
/// is given again is answered.
fn restarted(c: &mut TestCluster, conn: u64) -> CsiSetCallback {
    end_all_commands(1);
    c.advance(60 * MS);
    assert_eq!(register(c, 1, conn, A), SA_AIS_OK);
    let a = sets(c, 1, conn);
    assert_eq!(a.len(), 1, "{a:?}");
    respond(c, 1, conn, a[0].invocation);
    a[0].clone()
}

#[test]
fn restarts_escalate_to_an_su_restart_then_an_su_failover() {
    let mut c = two_n_up();
    // The example: saAmfSGCompRestartMax = 1, saAmfSGSuRestartMax = 1,
    // both within 60 s.
    report(&mut c, 1, 10, A, SA_AMF_COMPONENT_RESTART);
    assert_eq!(restarted(&mut c, 11).ha_state, SA_AMF_HA_ACTIVE);
    // The second within the probation: an SU restart.
    report(&mut c, 1, 11, A, SA_AMF_COMPONENT_RESTART);
    assert!(status(&mut c, 2).contains(&format!("COMP {A} presence RESTARTING")));
    assert_eq!(
        ha(&mut c, 2, A, CSI),
        Some(SA_AMF_HA_ACTIVE),
        "kept while restarting"
    );
    assert_eq!(restarted(&mut c, 12).ha_state, SA_AMF_HA_ACTIVE);
    // The third: the SU fails over; B becomes active, A stays out.
    report(&mut c, 1, 12, A, SA_AMF_COMPONENT_RESTART);
    let b = sets(&mut c, 2, 20);
    assert_eq!(
        b.last().map(|s| s.ha_state),
        Some(SA_AMF_HA_ACTIVE),
        "{b:?} {}",
        status(&mut c, 2)
    );
    assert_eq!(ha(&mut c, 1, A, CSI), None);
    let text = status(&mut c, 1);
    assert!(
        text.contains("SU safSu=a,safSg=pair,safApp=web node node1 (1) presence UNINSTANTIATED operational DISABLED readiness OUT_OF_SERVICE"),
        "{text}"
    );
    // Cleaned up, then repaired (saAmfSGAutoRepair): instantiated again,
    // it becomes the standby.
    let args: Vec<String> = spawns().iter().map(|x| x.3[0].clone()).collect();
    assert_eq!(args.last().map(String::as_str), Some("cleanup"), "{args:?}");
    end_all_commands(1);
    c.advance(60 * MS);
    let args: Vec<String> = spawns().iter().map(|x| x.3[0].clone()).collect();
    assert_eq!(args, vec!["instantiate"], "repaired");
    end_all_commands(1);
    assert_eq!(register(&mut c, 1, 13, A), SA_AIS_OK);
    let a = sets(&mut c, 1, 13);
    assert_eq!(a.last().map(|s| s.ha_state), Some(SA_AMF_HA_STANDBY));
    respond(&mut c, 1, 13, a[0].invocation);
    // Two more faults within the probations: an SU restart (the SU
    // restart count began again with the failover), then a second SU
    // failover, after which it is not repaired: it stays out of service.
    report(&mut c, 1, 13, A, SA_AMF_COMPONENT_RESTART);
    end_all_commands(1);
    c.advance(60 * MS);
    assert_eq!(register(&mut c, 1, 14, A), SA_AIS_OK);
    spawns();
    report(&mut c, 1, 14, A, SA_AMF_COMPONENT_RESTART);
    assert_eq!(ha(&mut c, 2, A, CSI), None);
    // B, the standby, is made active.
    for set in sets(&mut c, 2, 20) {
        respond(&mut c, 2, 20, set.invocation);
    }
    end_all_commands(1);
    c.advance(5000 * MS);
    let args: Vec<String> = spawns()
        .iter()
        .filter(|x| x.0 == 1)
        .map(|x| x.3[0].clone())
        .collect();
    assert_eq!(args, vec!["cleanup"], "not instantiated again");
    let text = status(&mut c, 2);
    assert!(
        text.contains("SU safSu=a,safSg=pair,safApp=web node node1 (1) presence UNINSTANTIATED operational DISABLED readiness OUT_OF_SERVICE"),
        "{text}"
    );
    assert_eq!(ha(&mut c, 2, B, CSI), Some(SA_AMF_HA_ACTIVE));
}

#[test]
fn a_process_exit_restarts_it_and_disable_restart_fails_it_over() {
    let mut c = two_n_up();
    // The connection closes: its process is gone.
    c.close(1, service::AMF, 10);
    c.run();
    assert!(status(&mut c, 2).contains(&format!("COMP {A} presence RESTARTING")));
    assert_eq!(restarted(&mut c, 11).ha_state, SA_AMF_HA_ACTIVE);
    spawns();
    let conf = EXAMPLE.replace(
        "saAmfCompRecoveryOnError = component_restart",
        "saAmfCompRecoveryOnError = component_restart\n\t\t\t\t\tsaAmfCompDisableRestart = true",
    );
    let mut c = cluster(&[1, 2], &conf);
    c.partition(&[&[1, 2]]);
    register(&mut c, 1, 10, A);
    register(&mut c, 2, 20, B);
    let a = sets(&mut c, 1, 10);
    respond(&mut c, 1, 10, a[0].invocation);
    let b = sets(&mut c, 2, 20);
    respond(&mut c, 2, 20, b[0].invocation);
    c.close(1, service::AMF, 10);
    c.run();
    assert_eq!(ha(&mut c, 2, B, CSI), Some(SA_AMF_HA_ACTIVE));
    assert!(status(&mut c, 2).contains(&format!(
        "COMP {A} presence UNINSTANTIATED operational DISABLED"
    )));
}

#[test]
fn a_node_switchover_hands_every_si_of_the_node_over() {
    let mut c = two_n_up();
    report(&mut c, 1, 10, A, SA_AMF_NODE_SWITCHOVER);
    assert_eq!(ha(&mut c, 2, B, CSI), Some(SA_AMF_HA_ACTIVE));
    assert!(status(&mut c, 2).contains("node node1: out of service"));
}

#[test]
fn the_startup_timeout_starts_assignment_without_every_su() {
    let mut c = cluster(&[1, 2], EXAMPLE);
    c.partition(&[&[1, 2]]);
    register(&mut c, 1, 10, A);
    assert!(sets(&mut c, 1, 10).is_empty());
    // saAmfClusterStartupTimeout = 2000 ms in the example. B's
    // instantiate timeout (2000 ms) also passes: cleanup and retry.
    c.advance(2001 * MS);
    let a = sets(&mut c, 1, 10);
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].ha_state, SA_AMF_HA_ACTIVE);
}

#[test]
fn instantiation_is_retried_then_fails() {
    spawns();
    let mut c = cluster(&[1, 2], EXAMPLE);
    c.partition(&[&[1, 2]]);
    assert_eq!(spawns().len(), 2);
    // Default saAmfCompNumMaxInstantiateWithoutDelay is 2: one retry.
    c.advance(2001 * MS);
    let s = spawns();
    let args: Vec<&str> = s
        .iter()
        .filter(|x| x.0 == 2)
        .map(|x| x.3[0].as_str())
        .collect();
    assert_eq!(args, vec!["cleanup", "instantiate"], "{s:?}");
    c.advance(2001 * MS);
    let s = spawns();
    let args: Vec<&str> = s
        .iter()
        .filter(|x| x.0 == 2)
        .map(|x| x.3[0].as_str())
        .collect();
    assert_eq!(args, vec!["cleanup"], "no third attempt");
    let (_, p) = call(&mut c, 1, 99, &Status);
    let text = String::from_utf8(StatusReply::from_payload(&p).unwrap().lines.concat()).unwrap();
    assert!(
        text.contains(&format!("COMP {B} presence INSTANTIATION_FAILED")),
        "{text}"
    );
}

#[test]
fn a_joining_node_gets_the_state() {
    let mut c = two_n_up();
    c.crash(2);
    c.partition(&[&[1]]);
    c.restart(2);
    c.partition(&[&[1, 2]]);
    assert_eq!(ha(&mut c, 2, A, CSI), Some(SA_AMF_HA_ACTIVE));
    // B's host restarted: B is instantiated again and becomes standby.
    assert_eq!(register(&mut c, 2, 21, B), SA_AIS_OK);
    let b = sets(&mut c, 2, 21);
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].ha_state, SA_AMF_HA_STANDBY);
}

/// `n` SUs u1..un on node1..noden (one component each, CS type t) and
/// `sis` SIs s1.. with the given ranks, one CSI each.
fn group(model: &str, n: u32, ranks: &[u32], extra: &str) -> String {
    let mut conf = String::from("safAmfCluster = c {\n saAmfClusterStartupTimeout = 60000\n");
    for i in 1..=n {
        conf += &format!(" safAmfNode = node{i} {{\n }}\n");
    }
    conf +=
        &format!(" safApp = a {{\n  safSg = g {{\n   saAmfSGRedundancyModel = {model}\n{extra}");
    for i in 1..=n {
        conf += &format!(
            "   safSu = u{i} {{\n    saAmfSUHostedByNode = node{i}\n    safComp = c {{\n     saAmfCompInstantiateCmd = /bin/run\n     saAmfCompCsTypes {{ t }}\n    }}\n   }}\n"
        );
    }
    conf += "  }\n";
    for (i, r) in ranks.iter().enumerate() {
        conf += &format!(
            "  safSi = s{} {{\n   saAmfSIRank = {r}\n   safCsi = x {{\n    saAmfCSTypeName = t\n   }}\n  }}\n",
            i + 1
        );
    }
    conf += "  safCSType = t {\n  }\n }\n}\n";
    conf
}

fn comp(i: u32) -> String {
    format!("safComp=c,safSu=u{i},safSg=g,safApp=a")
}

fn csi(si: u32) -> String {
    format!("safCsi=x,safSi=s{si},safApp=a")
}

fn all_up(conf: &str, n: u32) -> TestCluster {
    let ids: Vec<NodeId> = (1..=n).collect();
    let mut c = cluster(&ids, conf);
    c.partition(&[&ids]);
    for i in 1..=n {
        assert_eq!(register(&mut c, i, u64::from(i) * 10, &comp(i)), SA_AIS_OK);
    }
    c
}

#[test]
fn no_redundancy_assigns_each_si_once() {
    let mut c = all_up(&group("noredundancy", 3, &[1, 2, 3], ""), 3);
    let mut seen = Vec::new();
    for i in 1..=3 {
        let s = sets(&mut c, i, u64::from(i) * 10);
        assert_eq!(s.len(), 1, "one SI per SU");
        assert_eq!(s[0].ha_state, SA_AMF_HA_ACTIVE);
        seen.push(String::from_utf8(s[0].csi.as_bytes().to_vec()).unwrap());
    }
    seen.sort();
    assert_eq!(seen, vec![csi(1), csi(2), csi(3)]);
}

#[test]
fn no_redundancy_with_fewer_sus_leaves_the_lowest_rank_out() {
    // Ranks: s1 = 2, s2 = 1, s3 = 0 (lowest): two SUs take s2 and s1.
    let mut c = all_up(&group("noredundancy", 2, &[2, 1, 0], ""), 2);
    for i in 1..=2 {
        sets(&mut c, i, u64::from(i) * 10);
    }
    assert_eq!(ha(&mut c, 1, &comp(1), &csi(2)), Some(SA_AMF_HA_ACTIVE));
    assert_eq!(ha(&mut c, 1, &comp(2), &csi(1)), Some(SA_AMF_HA_ACTIVE));
    for i in 1..=2 {
        assert_eq!(ha(&mut c, 1, &comp(i), &csi(3)), None);
    }
}

#[test]
fn n_plus_m_assigns_by_rank() {
    // N = 2 actives, M = 1 standby, three SIs: ranks 3, 1, 2.
    let extra = "   saAmfSGNumPrefActiveSUs = 2\n   saAmfSGNumPrefStandbySUs = 1\n";
    let mut c = all_up(&group("nplusm", 3, &[3, 1, 2], extra), 3);
    // By rank: s2 -> u1, s3 -> u2, s1 -> u1 (least loaded, then first).
    assert_eq!(ha(&mut c, 3, &comp(1), &csi(2)), Some(SA_AMF_HA_ACTIVE));
    assert_eq!(ha(&mut c, 3, &comp(2), &csi(3)), Some(SA_AMF_HA_ACTIVE));
    assert_eq!(ha(&mut c, 3, &comp(1), &csi(1)), Some(SA_AMF_HA_ACTIVE));
    for si in 1..=3 {
        assert_eq!(ha(&mut c, 3, &comp(3), &csi(si)), Some(SA_AMF_HA_STANDBY));
    }
    let s3 = sets(&mut c, 3, 30);
    assert_eq!(s3.len(), 3);
    // The standby of s3 names u2's component as the active one.
    let of_s3 = s3
        .iter()
        .find(|s| s.csi.as_bytes() == csi(3).as_bytes())
        .unwrap();
    assert_eq!(of_s3.active_comp.as_bytes(), comp(2).as_bytes());
}

#[test]
fn n_plus_m_respects_max_active_sis_per_su() {
    let extra = "   saAmfSGNumPrefActiveSUs = 2\n   saAmfSGNumPrefStandbySUs = 1\n   saAmfSGMaxActiveSIsperSUs = 1\n";
    let mut c = all_up(&group("nplusm", 3, &[1, 2, 3], extra), 3);
    assert_eq!(ha(&mut c, 3, &comp(1), &csi(1)), Some(SA_AMF_HA_ACTIVE));
    assert_eq!(ha(&mut c, 3, &comp(2), &csi(2)), Some(SA_AMF_HA_ACTIVE));
    for i in 1..=3 {
        assert_ne!(ha(&mut c, 3, &comp(i), &csi(3)), Some(SA_AMF_HA_ACTIVE));
    }
}

#[test]
fn n_way_spreads_actives_and_gives_each_si_its_standbys() {
    // Three SUs, three SIs, two standbys per SI: each SU one SI ACTIVE
    // and the two others STANDBY.
    let extra = "   saAmfSGNumPrefStandbySUs = 2\n";
    let mut c = all_up(&group("nway", 3, &[1, 2, 3], extra), 3);
    for si in 1..=3u32 {
        let states: Vec<Option<u32>> = (1..=3).map(|i| ha(&mut c, 2, &comp(i), &csi(si))).collect();
        let actives = states
            .iter()
            .filter(|s| **s == Some(SA_AMF_HA_ACTIVE))
            .count();
        let standbys = states
            .iter()
            .filter(|s| **s == Some(SA_AMF_HA_STANDBY))
            .count();
        assert_eq!((actives, standbys), (1, 2), "SI s{si}: {states:?}");
    }
    for i in 1..=3 {
        let actives = (1..=3)
            .filter(|&si| ha(&mut c, 2, &comp(i), &csi(si)) == Some(SA_AMF_HA_ACTIVE))
            .count();
        assert_eq!(actives, 1, "u{i} is active for one SI");
    }
    // u1 fails over: its SI's standby becomes ACTIVE, the two others
    // keep their actives, and u1 holds nothing.
    let held = (1..=3)
        .find(|&si| ha(&mut c, 2, &comp(1), &csi(si)) == Some(SA_AMF_HA_ACTIVE))
        .unwrap();
    report(&mut c, 1, 10, &comp(1), SA_AMF_COMPONENT_FAILOVER);
    for si in 1..=3 {
        assert_eq!(ha(&mut c, 2, &comp(1), &csi(si)), None);
        let actives = (2..=3)
            .filter(|&i| ha(&mut c, 2, &comp(i), &csi(si)) == Some(SA_AMF_HA_ACTIVE))
            .count();
        assert_eq!(actives, 1, "SI s{si} (u1 had s{held})");
    }
}

#[test]
fn n_way_active_assigns_each_si_active_on_the_preferred_number_of_sus() {
    let extra = "   saAmfSGNumPrefActiveSUs = 2\n";
    let mut c = all_up(&group("nwayactive", 3, &[1, 2, 3], extra), 3);
    for si in 1..=3u32 {
        let states: Vec<Option<u32>> = (1..=3).map(|i| ha(&mut c, 1, &comp(i), &csi(si))).collect();
        assert_eq!(
            states
                .iter()
                .filter(|s| **s == Some(SA_AMF_HA_ACTIVE))
                .count(),
            2,
            "SI s{si}: {states:?}"
        );
        assert!(!states.contains(&Some(SA_AMF_HA_STANDBY)));
    }
    // u2 fails over: every SI stays ACTIVE twice, on u1 and u3.
    report(&mut c, 2, 20, &comp(2), SA_AMF_COMPONENT_FAILOVER);
    for si in 1..=3 {
        for i in [1, 3] {
            assert_eq!(ha(&mut c, 1, &comp(i), &csi(si)), Some(SA_AMF_HA_ACTIVE));
        }
        assert_eq!(ha(&mut c, 1, &comp(2), &csi(si)), None);
    }
}

const KEY: &[u8] = b"alive";

fn hc_start(c: &mut TestCluster, node: NodeId, conn: u64, comp: &str, key: &[u8], ty: u32) -> u32 {
    let r = HealthcheckStart {
        comp: name(comp),
        key: key.to_vec(),
        invocation_type: ty,
        recovery: SA_AMF_COMPONENT_FAILOVER,
    };
    call(c, node, conn, &r).0
}

fn hc_confirm(c: &mut TestCluster, node: NodeId, conn: u64, comp: &str, result: u32) -> u32 {
    let r = HealthcheckConfirm {
        comp: name(comp),
        key: KEY.to_vec(),
        result,
    };
    call(c, node, conn, &r).0
}

#[test]
fn healthchecks_are_checked() {
    let mut c = two_n_up();
    let invoked = SA_AMF_HEALTHCHECK_COMPONENT_INVOKED;
    assert_eq!(
        hc_start(&mut c, 1, 10, A, b"other", invoked),
        SA_AIS_ERR_NOT_EXIST,
        "a key amf.conf does not give"
    );
    assert_eq!(
        hc_start(&mut c, 1, 10, B, KEY, invoked),
        SA_AIS_ERR_NOT_EXIST,
        "B is not hosted by node1"
    );
    assert_eq!(hc_start(&mut c, 1, 10, A, KEY, invoked), SA_AIS_OK);
    assert_eq!(hc_start(&mut c, 1, 10, A, KEY, invoked), SA_AIS_ERR_EXIST);
    assert_eq!(
        hc_confirm(&mut c, 2, 20, B, SA_AIS_OK),
        SA_AIS_ERR_NOT_EXIST
    );
    let stop = HealthcheckStop {
        comp: name(A),
        key: KEY.to_vec(),
    };
    assert_eq!(call(&mut c, 1, 10, &stop).0, SA_AIS_OK);
    assert_eq!(call(&mut c, 1, 10, &stop).0, SA_AIS_ERR_NOT_EXIST);
    // Stopped: no deadline any more.
    c.advance(3000 * MS);
    assert_eq!(ha(&mut c, 2, A, CSI), Some(SA_AMF_HA_ACTIVE));
}

#[test]
fn a_confirmed_healthcheck_keeps_the_component_and_a_missed_one_fails_it() {
    let mut c = two_n_up();
    let invoked = SA_AMF_HEALTHCHECK_COMPONENT_INVOKED;
    assert_eq!(hc_start(&mut c, 1, 10, A, KEY, invoked), SA_AIS_OK);
    // The example's period is 1000 ms: confirmed every 800 ms, A stays.
    for _ in 0..4 {
        c.advance(800 * MS);
        assert_eq!(hc_confirm(&mut c, 1, 10, A, SA_AIS_OK), SA_AIS_OK);
    }
    assert_eq!(ha(&mut c, 2, A, CSI), Some(SA_AMF_HA_ACTIVE));
    assert!(sets(&mut c, 2, 20).is_empty());
    // Then not confirmed within the period: A is disabled, B takes over.
    c.advance(1100 * MS);
    let b = sets(&mut c, 2, 20);
    assert_eq!(
        b.last().map(|s| s.ha_state),
        Some(SA_AMF_HA_ACTIVE),
        "{b:?}"
    );
    assert_eq!(ha(&mut c, 2, A, CSI), None);
    assert_eq!(
        hc_confirm(&mut c, 1, 10, A, SA_AIS_OK),
        SA_AIS_ERR_NOT_EXIST
    );
}

#[test]
fn an_amf_invoked_healthcheck_calls_the_component_back_and_fails_it_unanswered() {
    let mut c = two_n_up();
    assert_eq!(
        hc_start(&mut c, 1, 10, A, KEY, SA_AMF_HEALTHCHECK_AMF_INVOKED),
        SA_AIS_OK
    );
    c.advance(1000 * MS);
    let h: Vec<HealthcheckCallback> = c.callbacks_of(1, 10, kind::HEALTHCHECK_CALLBACK);
    assert_eq!(h.len(), 1);
    assert_eq!(
        (h[0].comp.as_bytes(), h[0].key.as_slice()),
        (A.as_bytes(), KEY)
    );
    respond(&mut c, 1, 10, h[0].invocation);
    c.advance(1000 * MS);
    let h: Vec<HealthcheckCallback> = c.callbacks_of(1, 10, kind::HEALTHCHECK_CALLBACK);
    assert_eq!(h.len(), 1, "one a period");
    assert_eq!(ha(&mut c, 2, A, CSI), Some(SA_AMF_HA_ACTIVE));
    // Not answered within the max duration (500 ms).
    c.advance(600 * MS);
    assert_eq!(ha(&mut c, 2, A, CSI), None);
    assert_eq!(ha(&mut c, 2, B, CSI), Some(SA_AMF_HA_ACTIVE));
}

#[test]
fn a_protection_group_tracker_hears_of_a_switchover() {
    let mut c = two_n_up();
    let track = PgTrack {
        csi: name(CSI),
        changes: SA_TRACK_CHANGES_ONLY,
        current: PG_CURRENT_IN_REPLY,
    };
    let (e, p) = call(&mut c, 2, 99, &track);
    assert_eq!(e, SA_AIS_OK);
    let members = PgTrackReply::from_payload(&p).unwrap().members;
    let states: Vec<(Vec<u8>, u32)> = members
        .iter()
        .map(|m| (m.comp.as_bytes().to_vec(), m.ha_state))
        .collect();
    assert_eq!(
        states,
        vec![
            (A.as_bytes().to_vec(), SA_AMF_HA_ACTIVE),
            (B.as_bytes().to_vec(), SA_AMF_HA_STANDBY)
        ]
    );
    let unknown = PgTrack {
        csi: name("safCsi=none"),
        ..track.clone()
    };
    assert_eq!(call(&mut c, 2, 99, &unknown).0, SA_AIS_ERR_NOT_EXIST);
    // A fails: node 2's tracker hears that A left and B is active.
    let report = ErrorReport {
        comp: name(A),
        detection_time: 0,
        recovery: SA_AMF_COMPONENT_FAILOVER,
    };
    let seq = c.send(1, 10, &report);
    c.run();
    assert_eq!(c.response(1, seq).unwrap().error, SA_AIS_OK);
    let cbs: Vec<PgTrackCallback> = c.callbacks_of(2, 99, kind::PG_TRACK_CALLBACK);
    let last = cbs.last().expect("a track callback");
    assert_eq!(last.csi.as_bytes(), CSI.as_bytes());
    assert_eq!(last.number_of_members, 1);
    assert!(last
        .members
        .iter()
        .any(|m| m.comp.as_bytes() == A.as_bytes() && m.change == SA_AMF_PROTECTION_GROUP_REMOVED));
    assert!(cbs
        .iter()
        .flat_map(|cb| &cb.members)
        .any(|m| m.comp.as_bytes() == B.as_bytes()
            && m.ha_state == SA_AMF_HA_ACTIVE
            && m.change == SA_AMF_PROTECTION_GROUP_STATE_CHANGE));
    let stop = PgTrackStop { csi: name(CSI) };
    assert_eq!(call(&mut c, 2, 99, &stop).0, SA_AIS_OK);
    assert_eq!(call(&mut c, 2, 99, &stop).0, SA_AIS_ERR_NOT_EXIST);
}

#[test]
fn a_monitored_process_descendant_that_dies_is_a_fault() {
    let mut c = two_n_up();
    let mut shell = std::process::Command::new("sh")
        .args(["-c", "sleep 30 & wait"])
        .spawn()
        .unwrap();
    let sh = shell.id() as i32;
    let mut grandchild = None;
    for _ in 0..400 {
        if let Some(&p) = super::monitor::children(sh).first() {
            grandchild = Some(p);
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let sleeper = grandchild.expect("the shell started sleep");
    let start = PmStart {
        comp: name(A),
        pid: sh as u64,
        depth: -1,
        errors: SA_AMF_PM_NON_ZERO_EXIT | SA_AMF_PM_ABNORMAL_END,
        recovery: SA_AMF_COMPONENT_FAILOVER,
    };
    assert_eq!(call(&mut c, 1, 10, &start).0, SA_AIS_OK);
    // The poll takes in the descendant.
    c.advance(150 * MS);
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(sleeper),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    let _ = shell.wait();
    c.advance(150 * MS);
    assert_eq!(ha(&mut c, 2, B, CSI), Some(SA_AMF_HA_ACTIVE));
    assert_eq!(ha(&mut c, 2, A, CSI), None);
}

/// One node, an SU with a proxy `p` (CS type t) and the proxied
/// component `x` it manages (CS type u); one SI with a CSI of each type.
const PROXIED: &str = "safAmfCluster = c {
 saAmfClusterStartupTimeout = 60000
 safAmfNode = node1 {
 }
 safApp = a {
  safSg = g {
   saAmfSGRedundancyModel = noredundancy
   safSu = u {
    saAmfSUHostedByNode = node1
    safComp = p {
     saAmfCompCategory = proxy
     saAmfCompInstantiateCmd = /bin/proxy
     saAmfCompCsTypes { t }
    }
    safComp = x {
     saAmfCompCategory = proxied
     saAmfCompCsTypes { u }
    }
   }
  }
  safSi = s {
   safCsi = cp {
    saAmfCSTypeName = t
   }
   safCsi = cx {
    saAmfCSTypeName = u
   }
  }
  safCSType = t {
  }
  safCSType = u {
  }
 }
}
";

const PROXY: &str = "safComp=p,safSu=u,safSg=g,safApp=a";
const PROXIED_X: &str = "safComp=x,safSu=u,safSg=g,safApp=a";

fn register_proxied(c: &mut TestCluster, conn: u64, comp: &str, proxy: &str) -> u32 {
    let seq = c.send(
        1,
        conn,
        &RegisterProxied {
            comp: name(comp),
            proxy: name(proxy),
        },
    );
    c.run();
    c.response(1, seq).expect("an answer").error
}

#[test]
fn a_proxy_registers_its_proxied_component_and_instantiates_it_again_on_restart() {
    spawns();
    let mut c = cluster(&[1], PROXIED);
    c.open(1, service::AMF, 99, 99);
    c.partition(&[&[1]]);
    // Only the proxy has a command; the proxied one waits for it.
    let s = spawns();
    assert_eq!(s.len(), 1, "{s:?}");
    assert_eq!(
        register_proxied(&mut c, 10, PROXIED_X, PROXY),
        SA_AIS_ERR_NOT_EXIST,
        "the proxy is not registered yet (and conn 10 is not open)"
    );
    assert_eq!(register(&mut c, 1, 10, PROXY), SA_AIS_OK);
    assert_eq!(
        register_proxied(&mut c, 10, PROXY, PROXY),
        SA_AIS_ERR_INVALID_PARAM,
        "only a proxied component is registered through a proxy"
    );
    assert_eq!(register_proxied(&mut c, 10, PROXIED_X, PROXY), SA_AIS_OK);
    // The proxy's connection gets the CSIs of both.
    let set = sets(&mut c, 1, 10);
    let mut names: Vec<Vec<u8>> = set.iter().map(|s| s.comp.as_bytes().to_vec()).collect();
    names.sort();
    assert_eq!(
        names,
        vec![PROXY.as_bytes().to_vec(), PROXIED_X.as_bytes().to_vec()]
    );
    for s in &set {
        respond(&mut c, 1, 10, s.invocation);
    }
    assert_eq!(
        ha(&mut c, 1, PROXIED_X, "safCsi=cx,safSi=s,safApp=a"),
        Some(SA_AMF_HA_ACTIVE)
    );
    // x fails: the proxy is asked to clean it up, then to instantiate it.
    report(&mut c, 1, 10, PROXIED_X, SA_AMF_COMPONENT_RESTART);
    let frames = c.callbacks(1, 10);
    let kinds: Vec<u16> = frames.iter().map(|f| f.kind).collect();
    assert_eq!(
        kinds,
        vec![
            kind::PROXIED_CLEANUP_CALLBACK,
            kind::PROXIED_INSTANTIATE_CALLBACK
        ],
        "cleanup, then instantiate"
    );
    let cleanup = ProxiedCallback::from_payload(&frames[0].payload).unwrap();
    let inst = ProxiedCallback::from_payload(&frames[1].payload).unwrap();
    assert_eq!(inst.comp.as_bytes(), PROXIED_X.as_bytes());
    respond(&mut c, 1, 10, cleanup.invocation);
    respond(&mut c, 1, 10, inst.invocation);
    assert_eq!(register_proxied(&mut c, 10, PROXIED_X, PROXY), SA_AIS_OK);
    let again = sets(&mut c, 1, 10);
    assert_eq!(again.len(), 1, "{again:?}");
    assert_eq!(again[0].comp.as_bytes(), PROXIED_X.as_bytes());
    assert_eq!(again[0].ha_state, SA_AMF_HA_ACTIVE);
    // The proxy's process ends: the proxied component's registration
    // goes with it.
    c.close(1, service::AMF, 10);
    c.run();
    let text = status(&mut c, 1);
    assert!(
        text.contains(&format!("COMP {PROXIED_X} presence RESTARTING")),
        "{text}"
    );
}

#[test]
fn a_local_component_is_run_by_its_commands_alone() {
    spawns();
    let conf = EXAMPLE.replace("saAmfCompCategory = sa_aware", "saAmfCompCategory = local");
    let mut c = cluster(&[1, 2], &conf);
    c.open(1, service::AMF, 99, 99);
    c.open(2, service::AMF, 99, 99);
    c.partition(&[&[1, 2]]);
    assert_eq!(spawns().len(), 2);
    // Each instantiate command succeeds: instantiated, assigned, and
    // the assignments count as confirmed (nobody to ask).
    end_all_commands(1);
    end_all_commands(2);
    c.advance(60 * MS);
    assert_eq!(ha(&mut c, 2, A, CSI), Some(SA_AMF_HA_ACTIVE));
    assert_eq!(ha(&mut c, 2, B, CSI), Some(SA_AMF_HA_STANDBY));
    let text = status(&mut c, 2);
    assert!(!text.contains("(pending)"), "{text}");
    // A fault reported by anyone: cleanup, then the instantiate command
    // again; A keeps the SI.
    report(&mut c, 2, 99, A, SA_AMF_COMPONENT_RESTART);
    let args: Vec<String> = spawns().iter().map(|x| x.3[0].clone()).collect();
    assert_eq!(args, vec!["cleanup"]);
    end_all_commands(1);
    c.advance(60 * MS);
    let args: Vec<String> = spawns().iter().map(|x| x.3[0].clone()).collect();
    assert_eq!(args, vec!["instantiate"]);
    end_all_commands(1);
    c.advance(60 * MS);
    assert!(status(&mut c, 2).contains(&format!("COMP {A} presence INSTANTIATED")));
    assert_eq!(ha(&mut c, 2, A, CSI), Some(SA_AMF_HA_ACTIVE));
}

#[test]
fn node_failfast_fails_the_node_over_and_its_executive_leaves() {
    let mut c = two_n_up();
    report(&mut c, 1, 10, A, SA_AMF_NODE_FAILFAST);
    assert_eq!(ha(&mut c, 2, B, CSI), Some(SA_AMF_HA_ACTIVE));
    assert!(status(&mut c, 2).contains("node node1: out of service"));
    assert!(c.node(1).manager.leave_requested(), "node 1 leaves");
    assert!(!c.node(2).manager.leave_requested());
    let cleanups = spawns()
        .iter()
        .filter(|x| x.0 == 1 && x.3[0] == "cleanup")
        .count();
    assert_eq!(cleanups, 1, "node 1 cleans up its component");
}

#[test]
fn application_restart_restarts_every_su_of_the_application_in_place() {
    let mut c = two_n_up();
    spawns();
    report(&mut c, 1, 10, A, SA_AMF_APPLICATION_RESTART);
    let text = status(&mut c, 1);
    for dn in [A, B] {
        assert!(
            text.contains(&format!("COMP {dn} presence RESTARTING")),
            "{text}"
        );
    }
    let nodes: BTreeSet<NodeId> = spawns()
        .iter()
        .filter(|x| x.3[0] == "cleanup")
        .map(|x| x.0)
        .collect();
    assert_eq!(nodes, BTreeSet::from([1, 2]));
    // Both keep their assignments while they restart.
    assert_eq!(ha(&mut c, 1, A, CSI), Some(SA_AMF_HA_ACTIVE));
    assert_eq!(ha(&mut c, 1, B, CSI), Some(SA_AMF_HA_STANDBY));
}

#[test]
fn a_standby_promoted_by_a_failover_is_told_not_quiesced() {
    let mut c = two_n_up();
    report(&mut c, 1, 10, A, SA_AMF_COMPONENT_FAILOVER);
    let b = sets(&mut c, 2, 20);
    assert_eq!(b.len(), 1, "{b:?}");
    assert_eq!(b[0].ha_state, SA_AMF_HA_ACTIVE);
    assert_eq!(b[0].transition, SA_AMF_CSI_NOT_QUIESCED);
    assert_eq!(b[0].active_comp.as_bytes(), A.as_bytes());
}

#[test]
fn an_error_clear_brings_a_failed_over_su_and_its_node_back() {
    let mut c = two_n_up();
    report(&mut c, 1, 10, A, SA_AMF_NODE_FAILOVER);
    assert_eq!(ha(&mut c, 2, B, CSI), Some(SA_AMF_HA_ACTIVE));
    assert!(status(&mut c, 2).contains("node node1: out of service"));
    end_all_commands(1);
    c.advance(5000 * MS);
    spawns();
    // Not repaired (the node is out) until an operator clears the error.
    let seq = c.send(2, 99, &ErrorClear { comp: name(A) });
    c.run();
    assert_eq!(c.response(2, seq).unwrap().error, SA_AIS_OK);
    assert!(!status(&mut c, 2).contains("out of service (node recovery)"));
    let args: Vec<String> = spawns().iter().map(|x| x.3[0].clone()).collect();
    assert_eq!(args, vec!["instantiate"]);
    assert_eq!(register(&mut c, 1, 11, A), SA_AIS_OK);
    let a = sets(&mut c, 1, 11);
    assert_eq!(a.last().map(|s| s.ha_state), Some(SA_AMF_HA_STANDBY));
}
