//! Multicast clusters in network namespaces (`scripts/cluster --mode
//! netns`; needs root, skipped otherwise): formation with secauth, 5 %
//! loss in and out under multicast traffic from every node, and two
//! partitions merging when the network heals.
//!
//! `OA_LOSS_SECS` sets how long the loss test sends (default 20 s; the
//! acceptance run uses 60), `OA_LOSS_PERCENT` its loss (default 5).

mod cluster_support;

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aisexec::net::{NetConfig, NetStatus, RingStatus, TotemOrdering, TransportSpec};
use aisexec::ordering::{ConfChgKind, Guarantee, McastError, Ordering, OrderingEvent, RingStore};
use cluster_support::netns::{
    clm_members, in_netns, ns_of, ring_status, skip_unless_root, wait_common_ring,
};
use cluster_support::{ScriptCluster, WAIT};
use sa_ipc::client::Connection;
use sa_ipc::proto::cfg::RingStatusGet;

use sa_ipc::proto::service;
use sa_ipc::SocketAddress;

#[test]
fn multicast_ring_with_secauth_forms_across_namespaces() {
    if skip_unless_root("multicast_ring_with_secauth_forms_across_namespaces") {
        return;
    }
    let name = format!("f{}", std::process::id() % 100000);
    let cluster = ScriptCluster::up(&name, &["3", "--mode", "netns", "--secauth"]);
    let ring = wait_common_ring(&name, &[1, 2, 3], WAIT).expect("one 3-member ring");
    for n in 1..=3 {
        assert_eq!(
            clm_members(&name, n),
            Some(3),
            "node {n}:\n{}",
            cluster.logs()
        );
        let s = ring_status(&name, n).unwrap();
        assert_eq!(s.interfaces[0].address, format!("10.213.1.{n}"));
        assert_eq!(s.node_id, u32::from_le_bytes([10, 213, 1, n]));
        assert!(!s.interfaces[0].faulty);
    }
    println!(
        "netns multicast ring {}.{} with 3 members, secauth on",
        ring.0, ring.1
    );
}

#[test]
fn partitions_merge_when_the_network_heals() {
    if skip_unless_root("partitions_merge_when_the_network_heals") {
        return;
    }
    let name = format!("p{}", std::process::id() % 100000);
    let cluster = ScriptCluster::up(&name, &["4", "--mode", "netns"]);
    wait_common_ring(&name, &[1, 2, 3, 4], WAIT).expect("one 4-member ring");
    let (ok, text) = cluster.run("cut", &["1 2", "3 4"]);
    assert!(ok, "{text}");
    let cut = Instant::now();
    let left = wait_common_ring(&name, &[1, 2], WAIT).expect("nodes 1 and 2 on a ring");
    let right = wait_common_ring(&name, &[3, 4], WAIT).expect("nodes 3 and 4 on a ring");
    assert_ne!(left, right);
    println!(
        "partition: rings {left:?} and {right:?} after {:?}",
        cut.elapsed()
    );
    let (ok, text) = cluster.run("heal", &[]);
    assert!(ok, "{text}");
    let healed = Instant::now();
    let merged = wait_common_ring(&name, &[1, 2, 3, 4], WAIT).expect("one 4-member ring again");
    let took = healed.elapsed();
    println!("heal: merged into ring {merged:?} after {took:?}");
    for n in 1..=4 {
        assert!(
            wait_clm(&name, n, 4),
            "node {n} CLM shows 4 members:\n{}",
            cluster.logs()
        );
    }
    assert!(took < Duration::from_secs(3), "merge took {took:?}");
}

fn wait_clm(name: &str, n: u8, members: usize) -> bool {
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        if clm_members(name, n) == Some(members) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// What one traffic node saw.
#[derive(Debug, Default)]
struct Record {
    /// Every delivered message, in delivery order: (sender, seq).
    delivered: Vec<(u32, u64)>,
    /// Configuration changes after the first full ring.
    confchgs: Vec<String>,
    sent: u64,
    try_again: u64,
    /// Ticks without sending because enough was in flight.
    throttled: u64,
    error: Option<String>,
    /// Totem's counters at the end.
    stats: String,
}

const END: u64 = u64::MAX;
/// A traffic node's messages sent and not yet delivered back to it, at
/// most.
const MAX_IN_FLIGHT: u64 = 400;

/// A message: sender's seq, then filler (every 40th is larger than one
/// datagram, so fragmentation is exercised too).
fn message(seq: u64) -> Vec<u8> {
    let len = if seq % 40 == 7 {
        4000
    } else {
        16 + (seq % 200) as usize
    };
    let mut m = seq.to_le_bytes().to_vec();
    m.resize(len, (seq % 251) as u8);
    m
}

fn ipv4_id(addr: Ipv4Addr) -> u32 {
    u32::from_le_bytes(addr.octets())
}

/// One traffic node: Totem on 10.213.2.n in namespace oa-NAME-n, sending
/// for `secs` once all `count` nodes share a ring, then an end marker,
/// until it has every node's end marker.
fn traffic_node(
    name: String,
    n: u8,
    count: u8,
    port: u16,
    secs: u64,
    done: Arc<AtomicUsize>,
) -> Record {
    in_netns(&ns_of(&name, n), move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let mut rec = Record::default();
            let bind = Ipv4Addr::new(10, 213, 2, n);
            let me = ipv4_id(bind);
            let run_dir = tempfile::tempdir().expect("run dir");
            let cfg = NetConfig {
                totem: totem::Config::default(),
                rings: vec![TransportSpec {
                    kind: aisexec::config::Transport::Udp,
                    bind: IpAddr::V4(bind),
                    port,
                    mcastaddr: Some(IpAddr::V4(Ipv4Addr::new(239, 192, 2, 1))),
                    members: Vec::new(),
                }],
                rrp_mode: aisexec::config::RrpMode::None,
                rrp: aisexec::config::RrpSettings::defaults(&aisexec::config::Timeouts::default()),
                node_id: me,
                ring_seq: 0,
            };
            let mut ord = match TotemOrdering::start(
                cfg,
                totem::crypto::PacketSecurity::integrity_only(),
                RingStore::new(run_dir.path(), IpAddr::V4(bind)),
                NetStatus::new(RingStatus::new(me, IpAddr::V4(bind))),
            ) {
                Ok(o) => o,
                Err(e) => {
                    rec.error = Some(e.to_string());
                    return rec;
                }
            };
            let mut full = false;
            let mut sending_until = None;
            let mut ended: BTreeMap<u32, bool> = BTreeMap::new();
            let mut next_seq = 0u64;
            let mut own_delivered = 0u64;
            let mut end_sent = false;
            let deadline = Instant::now() + Duration::from_secs(secs + 60);
            let mut tick = tokio::time::interval(Duration::from_millis(4));
            while Instant::now() < deadline {
                tokio::select! {
                    ev = ord.next_event() => match ev {
                        Some(OrderingEvent::ConfChg(c)) => {
                            // Once every node is done, the others leave.
                            if full && done.load(AtomicOrdering::SeqCst) < usize::from(count) {
                                rec.confchgs.push(format!("{:?} {} {:?}", c.kind, c.ring_id, c.members));
                            } else if c.kind == ConfChgKind::Regular && c.members.len() == usize::from(count) {
                                full = true;
                                sending_until = Some(Instant::now() + Duration::from_secs(secs));
                            }
                        }
                        Some(OrderingEvent::Deliver { from, payload }) => {
                            let seq = u64::from_le_bytes(payload[..8].try_into().expect("seq"));
                            rec.delivered.push((from, seq));
                            if from == me && seq != END {
                                own_delivered += 1;
                            }
                            if seq == END {
                                ended.insert(from, true);
                                if ended.len() == usize::from(count) {
                                    rec.stats = format!("{:?}", ord.srp().stats());
                                    done.fetch_add(1, AtomicOrdering::SeqCst);
                                }
                            }
                        }
                        None => {
                            rec.error = Some("ordering stopped".into());
                            return rec;
                        }
                    },
                    _ = tick.tick() => {
                        // Every node stays on the ring until all are done:
                        // one leaving early would change the membership
                        // of those still delivering.
                        if done.load(AtomicOrdering::SeqCst) == usize::from(count) {
                            ord.leave();
                            return rec;
                        }
                        let Some(until) = sending_until else { continue };
                        // At most MAX_IN_FLIGHT of this node's messages
                        // undelivered: the load follows what the ring
                        // carries, so a slow machine only sends less.
                        if Instant::now() < until && next_seq - own_delivered >= MAX_IN_FLIGHT {
                            rec.throttled += 1;
                        } else if Instant::now() < until {
                            // One message per tick (250 per second and
                            // node): a steady load the lossy ring keeps up
                            // with (each lost token costs a retransmit
                            // period of 238 ms).
                            for _ in 0..1 {
                                match ord.mcast(message(next_seq), Guarantee::Agreed) {
                                    Ok(()) => { next_seq += 1; rec.sent += 1; }
                                    Err(McastError::QueueFull) => { rec.try_again += 1; break; }
                                    Err(e) => { rec.error = Some(format!("{e:?}")); return rec; }
                                }
                            }
                        } else if !end_sent {
                            match ord.mcast(END.to_le_bytes().to_vec(), Guarantee::Agreed) {
                                Ok(()) => end_sent = true,
                                Err(McastError::QueueFull) => rec.try_again += 1,
                                Err(e) => { rec.error = Some(format!("{e:?}")); return rec; }
                            }
                        }
                    }
                }
            }
            rec.stats = format!("{:?}", ord.srp().stats());
            rec.error = Some(format!("not every end marker arrived: {ended:?}; {}", rec.stats));
            rec
        })
    })
}

#[test]
fn five_percent_loss_loses_nothing_and_changes_no_membership() {
    if skip_unless_root("five_percent_loss_loses_nothing_and_changes_no_membership") {
        return;
    }
    let secs: u64 = std::env::var("OA_LOSS_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let percent: u32 = std::env::var("OA_LOSS_PERCENT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let name = format!("l{}", std::process::id() % 100000);
    // The executives' ring is idle here: with openais's default token
    // timeout (1000 ms), 5% loss in and out (about 10% per hop) costs an
    // idle ring a token loss about once a minute — four lost copies of the
    // token within one rotation that also includes the 180 ms hold. Their
    // configuration uses corosync 3's default token timeout (3000 ms, consensus 3600 ms), as
    // an operator of a lossy network would; the busy traffic ring below
    // keeps the defaults.
    let cluster = ScriptCluster::up_with_env(
        &name,
        &["3", "--mode", "netns"],
        &[("TOKEN", "3000"), ("CONSENSUS", "3600")],
    );
    let ring_before = wait_common_ring(&name, &[1, 2, 3], WAIT).expect("one 3-member ring");
    let port: u16 = std::fs::read_to_string(format!("/tmp/oa-{name}/port"))
        .expect("port file")
        .trim()
        .parse()
        .expect("port");
    // The traffic nodes use a second address of each node, on the same
    // port, so the loss rule covers them and the executives alike.
    for n in 1..=3u8 {
        let st = std::process::Command::new("ip")
            .args([
                "-n",
                &ns_of(&name, n),
                "addr",
                "add",
                &format!("10.213.2.{n}/24"),
                "dev",
                "eth0",
            ])
            .status()
            .expect("ip addr add");
        assert!(st.success());
    }
    let (ok, text) = cluster.run("loss", &[&percent.to_string()]);
    assert!(ok, "{text}");
    let start = Instant::now();
    let done = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (1..=3u8)
        .map(|n| {
            let name = name.clone();
            let done = Arc::clone(&done);
            std::thread::spawn(move || traffic_node(name, n, 3, port, secs, done))
        })
        .collect();
    let records: Vec<Record> = handles
        .into_iter()
        .map(|h| h.join().expect("node"))
        .collect();
    let elapsed = start.elapsed();
    cluster.run("loss", &["0"]);

    for (i, rec) in records.iter().enumerate() {
        println!("traffic node {}: {}", i + 1, rec.stats);
    }
    let ids: Vec<u32> = (1..=3)
        .map(|n| ipv4_id(Ipv4Addr::new(10, 213, 2, n)))
        .collect();
    for (i, rec) in records.iter().enumerate() {
        assert!(
            rec.error.is_none(),
            "traffic node {}: {:?}",
            i + 1,
            rec.error
        );
        assert!(
            rec.confchgs.is_empty(),
            "traffic node {}: membership changed: {:?}",
            i + 1,
            rec.confchgs
        );
        // Per sender: 0, 1, 2 ... then the end marker, nothing missing,
        // nothing twice.
        for (s, &sender) in ids.iter().enumerate() {
            let seqs: Vec<u64> = rec
                .delivered
                .iter()
                .filter(|(f, _)| *f == sender)
                .map(|(_, q)| *q)
                .collect();
            let sent = records[s].sent;
            let mut want: Vec<u64> = (0..sent).collect();
            want.push(END);
            assert_eq!(
                seqs.len(),
                want.len(),
                "node {} got {} of node {}'s {} messages",
                i + 1,
                seqs.len(),
                s + 1,
                want.len()
            );
            assert!(
                seqs == want,
                "node {}: node {}'s messages out of order or duplicated",
                i + 1,
                s + 1
            );
        }
    }
    // One agreed order: every node delivered the same sequence.
    assert_eq!(records[0].delivered, records[1].delivered);
    assert_eq!(records[0].delivered, records[2].delivered);
    let total: u64 = records.iter().map(|r| r.sent).sum();
    let try_again: u64 = records.iter().map(|r| r.try_again).sum();
    let throttled: u64 = records.iter().map(|r| r.throttled).sum();
    println!(
        "{percent}% loss in and out for {secs} s of sending ({elapsed:?} in all): {total} messages \
         ({} per node), {try_again} TRY_AGAIN, {throttled} ticks throttled, all delivered once, in one order, on every node; \
         no membership change",
        records
            .iter()
            .map(|r| r.sent.to_string())
            .collect::<Vec<_>>()
            .join("/")
    );
    // The executives' ring went through the loss untouched.
    let ring_after = wait_common_ring(&name, &[1, 2, 3], WAIT).expect("one 3-member ring");
    assert_eq!(
        ring_before, ring_after,
        "the executives' ring changed under loss"
    );
}

/// An executive started in a namespace by the test; killed when dropped.
struct NsExec(std::process::Child);

impl Drop for NsExec {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn ipv6_multicast_ring_with_configured_node_ids() {
    if skip_unless_root("ipv6_multicast_ring_with_configured_node_ids") {
        return;
    }
    let name = format!("s{}", std::process::id() % 100000);
    let cluster = ScriptCluster::up(&name, &["2", "--mode", "netns"]);
    let dir = tempfile::tempdir().unwrap();
    let mut execs = Vec::new();
    for n in 1..=2u8 {
        let ns = ns_of(&name, n);
        let st = std::process::Command::new("ip")
            .args([
                "-n",
                &ns,
                "addr",
                "add",
                &format!("fd00:213::{n}/64"),
                "dev",
                "eth0",
                "nodad",
            ])
            .status()
            .expect("ip addr add");
        assert!(st.success());
        let conf = dir.path().join(format!("{n}.conf"));
        std::fs::write(
            &conf,
            format!(
                "totem {{\n\tversion: 2\n\tsecauth: off\n\tnodeid: {n}\n\tinterface {{\n\
                 \t\tringnumber: 0\n\t\tbindnetaddr: fd00:213::{n}\n\t\tmcastaddr: ff15::213:1\n\
                 \t\tmcastport: 5405\n\t}}\n}}\nlogging {{\n\tto_stderr: yes\n}}\n\
                 aisexec {{\n\tuser: root\n\tgroup: root\n}}\n"
            ),
        )
        .unwrap();
        let log = std::fs::File::create(dir.path().join(format!("{n}.log"))).unwrap();
        let child = std::process::Command::new("ip")
            .args(["netns", "exec", &ns, env!("CARGO_BIN_EXE_aisexec"), "-f"])
            .env("OPENAIS_MAIN_CONFIG_FILE", &conf)
            .env("OPENAIS_RUN_DIR", dir.path().join(format!("run{n}")))
            .env("OPENAIS_IPC_SOCKET", "@oa-ipv6")
            .stdin(std::process::Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("spawn aisexec");
        execs.push(NsExec(child));
    }
    let deadline = Instant::now() + WAIT;
    let status = loop {
        let s = in_netns(&ns_of(&name, 1), || {
            let conn =
                Connection::connect_to(&SocketAddress::parse("@oa-ipv6"), service::CFG).ok()?;
            conn.call(&RingStatusGet).ok()
        });
        if let Some(s) = s.filter(|s| s.members.len() == 2 && s.state == "OPERATIONAL") {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "no 2-member IPv6 ring: {}",
            std::fs::read_to_string(dir.path().join("1.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.node_id, 1);
    assert_eq!(status.interfaces[0].address, "fd00:213::1");
    let members: Vec<(u32, &str)> = status
        .members
        .iter()
        .map(|m| (m.node_id, m.address.as_str()))
        .collect();
    assert_eq!(members, vec![(1, "fd00:213::1"), (2, "fd00:213::2")]);
    println!(
        "IPv6 multicast ring {}.{}: {members:?}",
        status.ring_rep, status.ring_seq
    );
    drop(execs);
    drop(cluster);
}

#[test]
fn a_downed_interface_is_reported_faulty_until_reenabled() {
    if skip_unless_root("a_downed_interface_is_reported_faulty_until_reenabled") {
        return;
    }
    let name = format!("d{}", std::process::id() % 100000);
    let cluster = ScriptCluster::up(&name, &["3", "--mode", "netns"]);
    wait_common_ring(&name, &[1, 2, 3], WAIT).expect("one 3-member ring");
    let link = |state: &str| {
        let st = std::process::Command::new("ip")
            .args(["-n", &ns_of(&name, 3), "link", "set", "eth0", state])
            .status()
            .expect("ip link set");
        assert!(st.success());
    };
    let faulty = |n: u8| ring_status(&name, n).map(|s| s.interfaces[0].faulty);
    link("down");
    // Noticed within the downcheck period (1 s); the others go on alone.
    let deadline = Instant::now() + WAIT;
    while faulty(3) != Some(true) {
        assert!(Instant::now() < deadline, "node 3 never reported its fault");
        std::thread::sleep(Duration::from_millis(50));
    }
    wait_common_ring(&name, &[1, 2], WAIT).expect("nodes 1 and 2 go on");
    assert_eq!(faulty(1), Some(false));
    link("up");
    wait_common_ring(&name, &[1, 2, 3], WAIT).expect("node 3 back on the ring");
    // The send failures while the link was down stay on record until an
    // administrator re-enables the ring (openais-cfgtool -r).
    let s = ring_status(&name, 3).unwrap();
    assert!(s.interfaces[0].faulty, "{:?}", s.interfaces[0]);
    let (ok, text) = cluster.run("exec", &["3", env!("CARGO_BIN_EXE_openais-cfgtool"), "-r"]);
    assert!(ok, "{text}");
    let (ok, text) = cluster.run("exec", &["3", env!("CARGO_BIN_EXE_openais-cfgtool"), "-s"]);
    assert!(ok, "{text}");
    assert!(
        text.contains("status\t= ring 0 active with no faults"),
        "{text}"
    );
    assert!(text.contains("(OPERATIONAL), 3 member(s)"), "{text}");
}
