//! AMF fault detection and recovery on real executives (udpu on
//! 127.0.0.1-3, each naming its safAmfNode with `amf { node_name }`).
//! The components are real processes: this test binary started again by
//! the CLC-CLI instantiate command (`component_process` below), so that
//! they can be killed with SIGKILL, stop answering healthchecks, or lose
//! their executive. Each writes what AMF tells it to an events file the
//! test reads; while ACTIVE it counts in a checkpoint, so a standby that
//! takes over goes on from the count; one, as a proxy, manages a proxied
//! component. Every figure is printed (`--nocapture`); none is asserted
//! against the wall clock. The 2-2 partition (4 executives) needs root
//! for its nft rules.

mod cluster_support;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use cluster_support::amf::{ha, name, view};
use cluster_support::ckpt::{call_retrying, open};
use cluster_support::loopback_cut::LoopbackCut;
use cluster_support::{free_port, keygen, loopback_id, udpu_config, Node, WAIT};
use sa_abi::ais::{SA_AIS_ERR_EXIST, SA_AIS_OK, SA_TIME_END, SA_TRACK_CHANGES_ONLY};
use sa_abi::amf::{
    SA_AMF_COMPONENT_RESTART, SA_AMF_HA_ACTIVE, SA_AMF_HEALTHCHECK_AMF_INVOKED,
    SA_AMF_PROTECTION_GROUP_ADDED, SA_AMF_PROTECTION_GROUP_REMOVED,
    SA_AMF_PROTECTION_GROUP_STATE_CHANGE,
};
use sa_abi::ckpt::SA_CKPT_WR_ALL_REPLICAS;
use sa_ipc::client::{CallError, Connection};
use sa_ipc::codec::Name;
use sa_ipc::proto::amf::{
    AmfCallback, ErrorReport, HealthcheckStart, PgTrack, PgTrackCallback, Register,
    RegisterProxied, Response, PG_CURRENT_NONE,
};
use sa_ipc::proto::ckpt::{CreationAttributes, Overwrite, Read, ReadElement, SectionCreate};
use sa_ipc::proto::service;
use sa_ipc::SocketAddress;

const WEB_CSI: &str = "safCsi=x,safSi=front,safApp=web";
const ESC_CSI: &str = "safCsi=x,safSi=s,safApp=esc";

fn comp_dn(app: &str, sg: &str, su: &str) -> String {
    format!("safComp=c,safSu={su},safSg={sg},safApp={app}")
}

/// One component of the configuration: its SU, host and events tag.
fn component(dir: &Path, su: &str, node: &str, tag: &str, healthcheck: bool) -> String {
    let d = dir.display();
    let exe = std::env::current_exe().unwrap();
    let mut env = format!(
        "\t\t\t\t\t\tAMF_TEST_DIR={d}\n\t\t\t\t\t\tCOMP_TAG={tag}\n\t\t\t\t\t\tAMF_TEST_EXE={}\n",
        exe.display()
    );
    if healthcheck {
        env += "\t\t\t\t\t\tAMF_TEST_HEALTHCHECK=hb\n";
    }
    format!(
        "\t\t\tsafSu = {su} {{\n\
         \t\t\t\tsaAmfSUHostedByNode = {node}\n\
         \t\t\t\tsafComp = c {{\n\
         \t\t\t\t\tsaAmfCompInstantiateCmd = {d}/instantiate.sh\n\
         \t\t\t\t\tsaAmfCompCleanupCmd = {d}/cleanup.sh\n\
         \t\t\t\t\tsaAmfCompInstantiateTimeout = 20000\n\
         \t\t\t\t\tsaAmfCompCleanupTimeout = 5000\n\
         \t\t\t\t\tsaAmfCompDefaultCallbackTimeOut = 5000\n\
         \t\t\t\t\tsaAmfCompRecoveryOnError = component_restart\n\
         \t\t\t\t\tsaAmfCompCsTypes {{ t }}\n\
         \t\t\t\t\tsaAmfCompCmdEnv {{\n{env}\t\t\t\t\t}}\n\
         \t\t\t\t\tsafHealthcheckKey = hb {{\n\
         \t\t\t\t\t\tsaAmfHealthcheckPeriod = 500\n\
         \t\t\t\t\t\tsaAmfHealthcheckMaxDuration = 300\n\
         \t\t\t\t\t}}\n\
         \t\t\t\t}}\n\
         \t\t\t}}\n"
    )
}

/// An application with one 2N group over SUs a (on `a_node`) and b (on
/// `b_node`) and one SI; `limits` are the SG's escalation settings.
fn app(dir: &Path, name: &str, si: &str, limits: &str, nodes: (&str, &str), hc: bool) -> String {
    format!(
        "\tsafApp = {name} {{\n\t\tsafSg = g {{\n\t\t\tsaAmfSGRedundancyModel = 2n\n{limits}{}{}\t\t}}\n\
         \t\tsafSi = {si} {{\n\t\t\tsafCsi = x {{\n\t\t\t\tsaAmfCSTypeName = t\n\t\t\t}}\n\t\t}}\n\
         \t\tsafCSType = t {{\n\t\t}}\n\t}}\n",
        component(dir, "a", nodes.0, &format!("{name}-a"), hc),
        component(dir, "b", nodes.1, &format!("{name}-b"), hc),
    )
}

fn amf_conf(nodes: u8, apps: &str) -> String {
    let mut text = "safAmfCluster = test {\n\tsaAmfClusterStartupTimeout = 60000\n".to_string();
    for n in 1..=nodes {
        text += &format!("\tsafAmfNode = n{n} {{\n\t}}\n");
    }
    text + apps + "}\n"
}

/// The CLC-CLI scripts: instantiate runs this test binary as the
/// component (exec: the command is the process); cleanup kills the pid
/// it wrote.
fn write_scripts(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let scripts = [
        (
            "instantiate.sh",
            "#!/bin/sh\nexec \"$AMF_TEST_EXE\" --exact component_process --ignored --nocapture \
             >>\"$AMF_TEST_DIR/$COMP_TAG.out\" 2>&1\n",
        ),
        (
            "cleanup.sh",
            "#!/bin/sh\nf=\"$AMF_TEST_DIR/$COMP_TAG.pid\"\n\
             [ -f \"$f\" ] && kill -9 \"$(cat \"$f\")\" 2>/dev/null\nrm -f \"$f\"\nexit 0\n",
        ),
    ];
    for (name, text) in scripts {
        let path = dir.join(name);
        fs::write(&path, text).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    }
}

fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis()
}

/// One line of a component's events file.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Event {
    ms: u128,
    pid: u32,
    what: String,
    n: u64,
}

fn events(dir: &Path, tag: &str) -> Vec<Event> {
    fs::read_to_string(dir.join(format!("{tag}.events")))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            Some(Event {
                ms: w.next()?.parse().ok()?,
                pid: w.next()?.parse().ok()?,
                what: w.next()?.to_string(),
                n: w.next().and_then(|n| n.parse().ok()).unwrap_or(0),
            })
        })
        .collect()
}

/// The first event of `tag` after index `from` that `pred` accepts,
/// waited for up to `within`.
fn wait_event(
    dir: &Path,
    tag: &str,
    from: usize,
    within: Duration,
    pred: impl Fn(&Event) -> bool,
) -> Option<Event> {
    let deadline = Instant::now() + within;
    loop {
        if let Some(e) = events(dir, tag).into_iter().skip(from).find(|e| pred(e)) {
            return Some(e);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn pid_of(dir: &Path, tag: &str) -> Option<u32> {
    fs::read_to_string(dir.join(format!("{tag}.pid")))
        .ok()?
        .trim()
        .parse()
        .ok()
}

fn kill9(pid: u32) {
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid as i32),
        nix::sys::signal::Signal::SIGKILL,
    );
}

fn median(v: &mut [u128]) -> u128 {
    v.sort_unstable();
    v[v.len() / 2]
}

/// Executives with AMF, the component processes they start, stopped by
/// PID when dropped (executives first, then whatever component is left).
struct AmfCluster {
    nodes: Vec<Node>,
    dir: tempfile::TempDir,
    ids: Vec<u32>,
    tags: Vec<String>,
}

impl AmfCluster {
    fn start(tag: &str, count: u8, apps: impl Fn(&Path) -> String, tags: &[&str]) -> AmfCluster {
        let dir = tempfile::tempdir().unwrap();
        write_scripts(dir.path());
        let key = dir.path().join("authkey");
        keygen(&key);
        let amf = dir.path().join("amf.conf");
        fs::write(&amf, amf_conf(count, &apps(dir.path()))).unwrap();
        let amf = amf.to_str().unwrap().to_string();
        let port = free_port(count);
        let nodes: Vec<Node> = (1..=count)
            .map(|n| {
                let config = udpu_config(n, count, port, false)
                    + &format!("amf {{\n\tmode: enabled\n\tnode_name: n{n}\n}}\n");
                Node::start_with_env(
                    dir.path(),
                    tag,
                    n,
                    &config,
                    &key,
                    &[("OPENAIS_AMF_CONFIG_FILE", amf.as_str())],
                )
            })
            .collect();
        let ids: Vec<u32> = (1..=count).map(loopback_id).collect();
        let c = AmfCluster {
            nodes,
            dir,
            ids,
            tags: tags.iter().map(|t| t.to_string()).collect(),
        };
        for node in &c.nodes {
            assert!(
                node.wait_members(&c.ids, WAIT),
                "node {}: {}",
                node.n,
                node.log()
            );
        }
        c
    }

    fn dir(&self) -> &Path {
        self.dir.path()
    }

    fn logs(&self) -> String {
        let mut text = String::new();
        for n in &self.nodes {
            text += &format!("--- node {}\n{}", n.n, n.log());
        }
        for t in &self.tags {
            text += &format!(
                "--- {t}\n{}",
                fs::read_to_string(self.dir().join(format!("{t}.out"))).unwrap_or_default()
            );
        }
        text
    }

    /// Waits until `tag` was told ACTIVE by a process still running.
    fn wait_active(&self, tag: &str, from: usize) -> Event {
        wait_event(self.dir(), tag, from, Duration::from_secs(30), |e| {
            e.what == "ACTIVE"
        })
        .unwrap_or_else(|| panic!("{tag} never ACTIVE\n{}", self.logs()))
    }
}

impl Drop for AmfCluster {
    fn drop(&mut self) {
        for n in &mut self.nodes {
            n.kill9();
        }
        for t in &self.tags {
            if let Some(pid) = pid_of(self.dir.path(), t) {
                kill9(pid);
            }
        }
        if std::thread::panicking() {
            eprintln!("{}", self.logs());
        }
    }
}

/// Tracks a CSI's protection group with CHANGES_ONLY from `node`.
struct PgTracker {
    conn: Connection,
    seen: Vec<PgTrackCallback>,
}

impl PgTracker {
    fn start(node: &Node, csi: &str) -> PgTracker {
        let conn = Connection::connect_to(&node.address(), service::AMF).expect("connect");
        let track = PgTrack {
            csi: name(csi),
            changes: SA_TRACK_CHANGES_ONLY,
            current: PG_CURRENT_NONE,
        };
        conn.call_within(&track, WAIT).expect("track");
        PgTracker {
            conn,
            seen: Vec::new(),
        }
    }

    fn drain(&mut self) {
        while let Ok(Some(frame)) = self.conn.recv_callback(Some(Duration::ZERO), false) {
            if let Ok(AmfCallback::PgTrack(cb)) = AmfCallback::decode(frame.kind, &frame.payload) {
                self.seen.push(cb);
            }
        }
    }

    /// Waits for a callback naming `comp` with `change` (and, unless 0,
    /// `ha`); consumes the callbacks up to it.
    fn expect(&mut self, comp: &str, change: u32, ha: u32) {
        let deadline = Instant::now() + WAIT;
        loop {
            self.drain();
            if let Some(i) = self.seen.iter().position(|cb| {
                cb.members.iter().any(|m| {
                    m.comp.as_bytes() == comp.as_bytes()
                        && m.change == change
                        && (ha == 0 || m.ha_state == ha)
                })
            }) {
                self.seen.drain(..=i);
                return;
            }
            assert!(
                Instant::now() < deadline,
                "no protection group callback with change {change} for {comp}: {:?}",
                self.seen
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

#[test]
fn component_faults_restart_in_place_then_escalate_to_a_failover() {
    let c = AmfCluster::start(
        "amff",
        3,
        |d| {
            app(
                d,
                "web",
                "front",
                "\t\t\tsaAmfSGCompRestartProb = 600000\n\t\t\tsaAmfSGCompRestartMax = 100\n",
                ("n1", "n2"),
                true,
            ) + &app(
                d,
                "esc",
                "s",
                "\t\t\tsaAmfSGCompRestartProb = 600000\n\t\t\tsaAmfSGCompRestartMax = 1\n\
                 \t\t\tsaAmfSGSuRestartMax = 0\n",
                ("n1", "n2"),
                false,
            )
        },
        &["web-a", "web-b", "esc-a", "esc-b"],
    );
    let dir = c.dir().to_path_buf();
    let web_a = comp_dn("web", "g", "a");
    let esc_a = comp_dn("esc", "g", "a");
    let esc_b = comp_dn("esc", "g", "b");
    c.wait_active("web-a", 0);
    c.wait_active("esc-a", 0);
    let mut pg = PgTracker::start(&c.nodes[2], WEB_CSI);

    // kill -9 of the active component: restarted in place, ACTIVE again.
    let mut kill_times = Vec::new();
    for round in 0..5 {
        let old = pid_of(&dir, "web-a").expect("web-a runs");
        let from = events(&dir, "web-a").len();
        let t0 = now_ms();
        kill9(old);
        let e = wait_event(&dir, "web-a", from, Duration::from_secs(30), |e| {
            e.what == "ACTIVE" && e.pid != old
        })
        .unwrap_or_else(|| panic!("web-a not ACTIVE again after kill {round}\n{}", c.logs()));
        kill_times.push(e.ms.saturating_sub(t0));
        pg.expect(&web_a, SA_AMF_PROTECTION_GROUP_REMOVED, 0);
        pg.expect(&web_a, SA_AMF_PROTECTION_GROUP_ADDED, SA_AMF_HA_ACTIVE);
    }
    println!(
        "component kill -9 -> ACTIVE again (restart in place): {kill_times:?} ms, median {} ms",
        median(&mut kill_times.clone())
    );

    // A component that stops answering its AMF-invoked healthchecks
    // (period 500 ms, max duration 300 ms): restarted, ACTIVE again.
    let mut hc_times = Vec::new();
    for round in 0..5 {
        let old = pid_of(&dir, "web-a").expect("web-a runs");
        let from = events(&dir, "web-a").len();
        let t0 = now_ms();
        fs::write(dir.join(format!("{old}.mute")), b"").unwrap();
        let e = wait_event(&dir, "web-a", from, Duration::from_secs(30), |e| {
            e.what == "ACTIVE" && e.pid != old
        })
        .unwrap_or_else(|| {
            panic!(
                "web-a not recovered from a healthcheck miss {round}\n{}",
                c.logs()
            )
        });
        hc_times.push(e.ms.saturating_sub(t0));
        pg.expect(&web_a, SA_AMF_PROTECTION_GROUP_ADDED, SA_AMF_HA_ACTIVE);
    }
    println!(
        "healthcheck stops -> ACTIVE again (period 500 + max duration 300 + restart): {hc_times:?} ms, median {} ms",
        median(&mut hc_times.clone())
    );
    let log = c.nodes[0].log();
    assert!(
        log.contains(&format!("{web_a}: fault detected: healthcheck missed")),
        "{log}"
    );
    assert!(log.contains("component restart"), "{log}");

    // Escalation: saAmfSGCompRestartMax = 1 (and saAmfSGSuRestartMax =
    // 0): the first kill restarts the component, the second within the
    // probation fails the SU over to b.
    let mut esc_pg = PgTracker::start(&c.nodes[2], ESC_CSI);
    let old = pid_of(&dir, "esc-a").unwrap();
    let from = events(&dir, "esc-a").len();
    kill9(old);
    wait_event(&dir, "esc-a", from, Duration::from_secs(30), |e| {
        e.what == "ACTIVE" && e.pid != old
    })
    .unwrap_or_else(|| panic!("esc-a restarted once\n{}", c.logs()));
    let old = pid_of(&dir, "esc-a").unwrap();
    let from_b = events(&dir, "esc-b").len();
    let t0 = now_ms();
    kill9(old);
    let e = c.wait_active("esc-b", from_b);
    println!(
        "second kill within the probation -> SU failover, standby ACTIVE: {} ms",
        e.ms.saturating_sub(t0)
    );
    esc_pg.expect(
        &esc_b,
        SA_AMF_PROTECTION_GROUP_STATE_CHANGE,
        SA_AMF_HA_ACTIVE,
    );
    for node in &c.nodes {
        assert_eq!(ha(node, &esc_b, ESC_CSI), Some(SA_AMF_HA_ACTIVE));
        assert_eq!(ha(node, &esc_a, ESC_CSI), None);
    }
    // The failed SU is repaired (saAmfSGAutoRepair): instantiated again,
    // it is the standby. Its next failure within the probation fails it
    // over again, and then it is not repaired: it stays out of service.
    let back = wait_event(&dir, "esc-a", 0, Duration::from_secs(30), |e| {
        e.what == "STANDBY"
    })
    .unwrap_or_else(|| panic!("esc-a repaired as the standby\n{}", c.logs()));
    kill9(back.pid);
    let deadline = Instant::now() + WAIT;
    let v = loop {
        let v = view(&c.nodes[2]);
        let su_line = v
            .lines()
            .find(|l| l.contains("SU safSu=a,safSg=g,safApp=esc node n1"))
            .unwrap_or_default()
            .to_string();
        if su_line.ends_with("operational DISABLED readiness OUT_OF_SERVICE") {
            break v;
        }
        assert!(
            Instant::now() < deadline,
            "esc-a out of service:\n{v}\n{}",
            c.logs()
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        !events(&dir, "esc-a")
            .iter()
            .any(|e| e.what == "REGISTERED" && e.pid != back.pid && e.ms > back.ms),
        "esc-a is not instantiated again"
    );
    assert_eq!(ha(&c.nodes[0], &esc_b, ESC_CSI), Some(SA_AMF_HA_ACTIVE));
    assert!(
        c.nodes[0]
            .log()
            .contains("not repaired: it stays out of service"),
        "{}",
        c.logs()
    );
    println!("operator view after the escalation:\n{v}");
}

#[test]
fn killing_the_active_executive_fails_over_and_the_count_goes_on() {
    let mut c = AmfCluster::start(
        "amfn",
        3,
        |d| app(d, "web", "front", "", ("n1", "n2"), false),
        &["web-a", "web-b"],
    );
    let dir = c.dir().to_path_buf();
    c.wait_active("web-a", 0);
    let mut pg = PgTracker::start(&c.nodes[2], WEB_CSI);
    let mut times = Vec::new();
    for round in 0..5 {
        // The node whose SU is active now.
        let (dead, survivor) =
            if ha(&c.nodes[2], &comp_dn("web", "g", "a"), WEB_CSI) == Some(SA_AMF_HA_ACTIVE) {
                (0usize, 1usize)
            } else {
                (1, 0)
            };
        let (dead_tag, live_tag) = (["web-a", "web-b"][dead], ["web-a", "web-b"][survivor]);
        let live_dn = comp_dn("web", "g", &live_tag[4..]);
        // The standby is there, and the active has counted a while.
        wait_event(&dir, live_tag, 0, Duration::from_secs(30), |e| {
            e.what == "STANDBY"
        })
        .unwrap_or_else(|| panic!("{live_tag} is the standby\n{}", c.logs()));
        let all = events(&dir, dead_tag);
        let since = all.iter().rposition(|e| e.what == "ACTIVE").unwrap_or(0);
        let resumed = all.get(since).map_or(0, |e| e.n);
        let counted = wait_event(&dir, dead_tag, since, Duration::from_secs(10), |e| {
            e.what == "COUNT" && e.n >= resumed + 10
        })
        .unwrap_or_else(|| panic!("{dead_tag} counts\n{}", c.logs()));
        let from = events(&dir, live_tag).len();
        let t0 = now_ms();
        c.nodes[dead].kill9();
        let e = c.wait_active(live_tag, from);
        times.push(e.ms.saturating_sub(t0));
        let last = events(&dir, dead_tag)
            .iter()
            .skip(since)
            .filter(|e| e.what == "COUNT")
            .map(|e| e.n)
            .max()
            .unwrap_or(0);
        assert!(
            e.n >= last && e.n >= counted.n,
            "round {round}: {live_tag} resumes at {} after {dead_tag} counted {last}",
            e.n
        );
        println!(
            "round {round}: kill -9 of node {} -> {live_tag} ACTIVE after {} ms, resumes the count at {} (the dead active had logged {last})",
            dead + 1,
            times[round as usize],
            e.n
        );
        pg.expect(
            &live_dn,
            SA_AMF_PROTECTION_GROUP_STATE_CHANGE,
            SA_AMF_HA_ACTIVE,
        );
        let v = view(&c.nodes[2]);
        let su = format!("safSu={},safSg=g,safApp=web=ACTIVE@node", &live_tag[4..]);
        assert!(v.contains(&su), "{v}");
        // The dead node's SU process went with its executive; it comes
        // back, its SU is instantiated again and becomes the standby.
        if let Some(pid) = pid_of(&dir, dead_tag) {
            kill9(pid);
        }
        let from = events(&dir, dead_tag).len();
        c.nodes[dead].spawn();
        for node in &c.nodes {
            assert!(node.wait_members(&c.ids, WAIT), "{}", c.logs());
        }
        wait_event(&dir, dead_tag, from, Duration::from_secs(30), |e| {
            e.what == "STANDBY"
        })
        .unwrap_or_else(|| panic!("{dead_tag} back as the standby\n{}", c.logs()));
    }
    println!(
        "executive kill -9 -> standby's ACTIVE callback: {times:?} ms, median {} ms",
        median(&mut times.clone())
    );
}

/// An application whose SU on n1 holds a proxy (this test binary, as
/// every component here) and the proxied component `x` it manages.
fn proxied_app(dir: &Path) -> String {
    let d = dir.display();
    let exe = std::env::current_exe().unwrap();
    format!(
        "\tsafApp = px {{\n\t\tsafSg = g {{\n\t\t\tsaAmfSGRedundancyModel = noredundancy\n\
         \t\t\tsafSu = a {{\n\t\t\t\tsaAmfSUHostedByNode = n1\n\
         \t\t\t\tsafComp = p {{\n\
         \t\t\t\t\tsaAmfCompCategory = proxy\n\
         \t\t\t\t\tsaAmfCompInstantiateCmd = {d}/instantiate.sh\n\
         \t\t\t\t\tsaAmfCompCleanupCmd = {d}/cleanup.sh\n\
         \t\t\t\t\tsaAmfCompInstantiateTimeout = 20000\n\
         \t\t\t\t\tsaAmfCompCsTypes {{ t }}\n\
         \t\t\t\t\tsaAmfCompCmdEnv {{\n\t\t\t\t\t\tAMF_TEST_DIR={d}\n\t\t\t\t\t\tCOMP_TAG=px-p\n\
         \t\t\t\t\t\tAMF_TEST_EXE={}\n\
         \t\t\t\t\t\tAMF_TEST_PROXIED=safComp=x,safSu=a,safSg=g,safApp=px\n\t\t\t\t\t}}\n\
         \t\t\t\t}}\n\
         \t\t\t\tsafComp = x {{\n\
         \t\t\t\t\tsaAmfCompCategory = proxied\n\
         \t\t\t\t\tsaAmfCompInstantiateTimeout = 20000\n\
         \t\t\t\t\tsaAmfCompCsTypes {{ u }}\n\
         \t\t\t\t}}\n\t\t\t}}\n\t\t}}\n\
         \t\tsafSi = s {{\n\t\t\tsafCsi = cp {{\n\t\t\t\tsaAmfCSTypeName = t\n\t\t\t}}\n\
         \t\t\tsafCsi = cx {{\n\t\t\t\tsaAmfCSTypeName = u\n\t\t\t}}\n\t\t}}\n\
         \t\tsafCSType = t {{\n\t\t}}\n\t\tsafCSType = u {{\n\t\t}}\n\t}}\n",
        exe.display()
    )
}

#[test]
fn a_proxy_restarts_its_proxied_component_when_asked() {
    let c = AmfCluster::start("amfx", 3, proxied_app, &["px-p"]);
    let dir = c.dir().to_path_buf();
    let x = "safComp=x,safSu=a,safSg=g,safApp=px";
    wait_event(&dir, "px-p", 0, Duration::from_secs(30), |e| {
        e.what == "X_ACTIVE"
    })
    .unwrap_or_else(|| panic!("the proxied component is given its CSI\n{}", c.logs()));
    // A fault of the proxied component, reported from node 3: the proxy
    // is asked to clean it up, then to instantiate it; registered again,
    // it is given its CSI again.
    let from = events(&dir, "px-p").len();
    let t0 = now_ms();
    let conn = Connection::connect_to(&c.nodes[2].address(), service::AMF).unwrap();
    let report = ErrorReport {
        comp: name(x),
        detection_time: 0,
        recovery: SA_AMF_COMPONENT_RESTART,
    };
    conn.call_within(&report, WAIT).expect("error report");
    let steps: Vec<String> = ["X_CLEANUP", "X_INSTANTIATE", "X_ACTIVE"]
        .iter()
        .map(|w| {
            wait_event(&dir, "px-p", from, Duration::from_secs(30), |e| {
                e.what == *w
            })
            .unwrap_or_else(|| panic!("{w} after the fault\n{}", c.logs()))
        })
        .map(|e| format!("{} {} ms", e.what, e.ms.saturating_sub(t0)))
        .collect();
    let order: Vec<String> = events(&dir, "px-p")
        .into_iter()
        .skip(from)
        .map(|e| e.what)
        .collect();
    assert_eq!(
        order[..3],
        ["X_CLEANUP", "X_INSTANTIATE", "X_ACTIVE"],
        "{order:?}"
    );
    println!("proxied component restarted through its proxy: {steps:?}");
}

#[test]
fn a_healed_two_two_partition_leaves_one_active_per_si() {
    if !nix::unistd::Uid::effective().is_root()
        || Command::new("nft").arg("--version").output().is_err()
    {
        // The partition needs nft rules: as root, every run has them.
        assert!(
            !nix::unistd::Uid::effective().is_root(),
            "root without nft: install nftables"
        );
        println!("not root: no nft partition, nothing run");
        return;
    }
    let c = AmfCluster::start(
        "amfp",
        4,
        |d| app(d, "web", "front", "", ("n1", "n3"), false),
        &["web-a", "web-b"],
    );
    let dir = c.dir().to_path_buf();
    let (a, b) = (comp_dn("web", "g", "a"), comp_dn("web", "g", "b"));
    c.wait_active("web-a", 0);
    wait_event(&dir, "web-b", 0, WAIT, |e| e.what == "STANDBY").expect("web-b standby");
    let port = {
        let conf = fs::read_to_string(c.nodes[0].dir.join("openais.conf")).unwrap();
        conf.lines()
            .find_map(|l| l.trim().strip_prefix("mcastport: "))
            .and_then(|p| p.trim().parse::<u16>().ok())
            .expect("port")
    };
    // Node 4 tracks the CSI: it is on b's side of the split.
    let mut pg = PgTracker::start(&c.nodes[3], WEB_CSI);
    let from_b = events(&dir, "web-b").len();
    let split =
        LoopbackCut::apply("amf", port, &[1, 2], &[3, 4]).expect("nft applies the partition");
    let t0 = Instant::now();
    // Each half carries on: b becomes ACTIVE on the {3, 4} side.
    assert!(c.nodes[0].wait_members(&c.ids[..2], WAIT), "{}", c.logs());
    assert!(c.nodes[2].wait_members(&c.ids[2..], WAIT), "{}", c.logs());
    c.wait_active("web-b", from_b);
    println!(
        "partition -> ACTIVE on each side after {} ms",
        t0.elapsed().as_millis()
    );
    assert_eq!(ha(&c.nodes[0], &a, WEB_CSI), Some(SA_AMF_HA_ACTIVE));
    assert_eq!(ha(&c.nodes[2], &b, WEB_CSI), Some(SA_AMF_HA_ACTIVE));
    pg.expect(&b, SA_AMF_PROTECTION_GROUP_STATE_CHANGE, SA_AMF_HA_ACTIVE);
    let from_a = events(&dir, "web-a").len();
    let from_b = events(&dir, "web-b").len();
    drop(split);
    let t0 = Instant::now();
    for node in &c.nodes {
        assert!(node.wait_members(&c.ids, WAIT), "{}", c.logs());
    }
    // Merged: exactly one ACTIVE, the same on every node, and the other
    // component told so.
    let deadline = Instant::now() + WAIT;
    loop {
        let states: Vec<(Option<u32>, Option<u32>)> = c
            .nodes
            .iter()
            .map(|n| (ha(n, &a, WEB_CSI), ha(n, &b, WEB_CSI)))
            .collect();
        let agreed = states.windows(2).all(|w| w[0] == w[1]);
        let actives = [states[0].0, states[0].1]
            .iter()
            .filter(|s| **s == Some(SA_AMF_HA_ACTIVE))
            .count();
        if agreed && actives == 1 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "after the merge: {states:?}\n{}",
            c.logs()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let told = |tag: &str, from: usize| {
        events(&dir, tag)
            .into_iter()
            .skip(from)
            .rfind(|e| e.what == "ACTIVE" || e.what == "STANDBY" || e.what == "REMOVED")
            .map(|e| e.what)
    };
    let deadline = Instant::now() + WAIT;
    loop {
        let (ta, tb) = (told("web-a", from_a), told("web-b", from_b));
        // The loser is told it is not active any more; the winner kept
        // its ACTIVE (no new callback) or was told ACTIVE again.
        let a_active = ha(&c.nodes[0], &a, WEB_CSI) == Some(SA_AMF_HA_ACTIVE);
        let loser = if a_active { &tb } else { &ta };
        if loser.as_deref().is_some_and(|w| w != "ACTIVE") {
            // Node 4's tracker hears of the merged group.
            if a_active {
                pg.expect(&a, SA_AMF_PROTECTION_GROUP_ADDED, SA_AMF_HA_ACTIVE);
            }
            println!(
                "heal -> one ACTIVE ({}) after {} ms; the other told {:?}",
                if a_active { "a" } else { "b" },
                t0.elapsed().as_millis(),
                loser
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "after the merge: a {ta:?} b {tb:?}\n{}",
            c.logs()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The component process: started by instantiate.sh, not run alone.
#[test]
#[ignore = "a component process, started by the tests above through CLC-CLI"]
fn component_process() {
    let var = |k: &str| {
        std::env::var(k).unwrap_or_else(|_| panic!("{k} unset: run by the AMF fault tests only"))
    };
    let (dn, dir, tag) = (
        var("SA_AMF_COMPONENT_NAME"),
        var("AMF_TEST_DIR"),
        var("COMP_TAG"),
    );
    let dir = PathBuf::from(dir);
    let addr = SocketAddress::parse(&var("OPENAIS_IPC_SOCKET"));
    let pid = std::process::id();
    fs::write(dir.join(format!("{tag}.pid")), pid.to_string()).unwrap();
    let mut log = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(format!("{tag}.events")))
        .unwrap();
    let mut say = |what: &str, n: u64| {
        writeln!(log, "{} {pid} {what} {n}", now_ms()).unwrap();
    };
    let deadline = Instant::now() + Duration::from_secs(600);
    let conn = loop {
        match Connection::connect_to(&addr, service::AMF) {
            Ok(c) => match c.call_within(&Register { comp: name(&dn) }, WAIT) {
                Ok(()) => break c,
                Err(e) if Instant::now() < deadline => {
                    eprintln!("{tag}: register: {e}");
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(e) => panic!("{tag}: register: {e}"),
            },
            Err(e) => panic!("{tag}: connect: {e}"),
        }
    };
    say("REGISTERED", 0);
    // As a proxy: the proxied component it manages, registered through
    // this connection (its callbacks are logged as X_...).
    let proxied = std::env::var("AMF_TEST_PROXIED").ok();
    let register_proxied = |x: &str| {
        let r = RegisterProxied {
            comp: name(x),
            proxy: name(&dn),
        };
        conn.call_within(&r, WAIT).is_ok()
    };
    if let Some(x) = &proxied {
        assert!(register_proxied(x), "{tag}: register {x}");
    }
    let is_proxied = |comp: &Name| {
        proxied
            .as_deref()
            .is_some_and(|x| comp.as_bytes() == x.as_bytes())
    };
    if let Ok(key) = std::env::var("AMF_TEST_HEALTHCHECK") {
        let start = HealthcheckStart {
            comp: name(&dn),
            key: key.into_bytes(),
            invocation_type: SA_AMF_HEALTHCHECK_AMF_INVOKED,
            recovery: SA_AMF_COMPONENT_RESTART,
        };
        conn.call_within(&start, WAIT).expect("healthcheck start");
    }
    // The counter's checkpoint, opened once ACTIVE.
    let ckpt = Connection::connect_to(&addr, service::CKPT).expect("ckpt");
    let mut counter_open = false;
    let mut active = false;
    let mut counter = 0u64;
    // What the checkpoint is known to hold: what COUNT reports.
    let mut saved = 0u64;
    let mut next_tick = Instant::now();
    let mut next_report = Instant::now();
    let answer = |invocation: u64| {
        let r = Response {
            invocation,
            error: SA_AIS_OK,
            quiescing_complete: false,
        };
        let _ = conn.call_within(&r, WAIT);
    };
    while Instant::now() < deadline {
        let frame = match conn.recv_callback(Some(Duration::from_millis(20)), false) {
            Ok(f) => f,
            // The executive went away: so does the component.
            Err(_) => return,
        };
        if let Some(frame) = frame {
            match AmfCallback::decode(frame.kind, &frame.payload) {
                Ok(AmfCallback::CsiSet(s)) if is_proxied(&s.comp) => {
                    say(
                        if s.ha_state == SA_AMF_HA_ACTIVE {
                            "X_ACTIVE"
                        } else {
                            "X_OTHER"
                        },
                        0,
                    );
                    answer(s.invocation);
                }
                Ok(AmfCallback::ProxiedCleanup(p)) => {
                    say("X_CLEANUP", 0);
                    answer(p.invocation);
                }
                Ok(AmfCallback::ProxiedInstantiate(p)) => {
                    say("X_INSTANTIATE", 0);
                    answer(p.invocation);
                    if let Some(x) = &proxied {
                        register_proxied(x);
                    }
                }
                Ok(AmfCallback::CsiSet(s)) if s.ha_state == SA_AMF_HA_ACTIVE => {
                    if !counter_open {
                        counter_open = open_counter(&ckpt);
                    }
                    counter = read_counter(&ckpt);
                    saved = counter;
                    active = true;
                    say("ACTIVE", counter);
                    answer(s.invocation);
                }
                Ok(AmfCallback::CsiSet(s)) => {
                    if active && write_counter(&ckpt, counter) {
                        saved = counter;
                    }
                    active = false;
                    say(
                        if s.ha_state == 2 {
                            "STANDBY"
                        } else {
                            "QUIESCED"
                        },
                        counter,
                    );
                    answer(s.invocation);
                }
                Ok(AmfCallback::CsiRemove(r)) => {
                    active = false;
                    say("REMOVED", 0);
                    answer(r.invocation);
                }
                Ok(AmfCallback::Terminate(t)) => {
                    say("TERMINATE", 0);
                    answer(t.invocation);
                    return;
                }
                Ok(AmfCallback::Healthcheck(h)) => {
                    if !dir.join(format!("{pid}.mute")).exists() {
                        answer(h.invocation);
                    }
                }
                Ok(AmfCallback::PgTrack(_)) | Err(_) => {}
            }
        }
        if active && Instant::now() >= next_tick {
            next_tick += Duration::from_millis(100);
            counter += 1;
            if write_counter(&ckpt, counter) {
                saved = counter;
            }
        }
        if active && Instant::now() >= next_report {
            next_report = Instant::now() + Duration::from_millis(500);
            say("COUNT", saved);
        }
    }
}

fn open_counter(ckpt: &Connection) -> bool {
    let attrs = CreationAttributes {
        creation_flags: SA_CKPT_WR_ALL_REPLICAS,
        checkpoint_size: 16,
        retention_duration: i64::MAX,
        max_sections: 2,
        max_section_size: 8,
        max_section_id_size: 1,
    };
    if let Err(e) = call_retrying(ckpt, &open(1, "amf-faults-counter", attrs)) {
        eprintln!("checkpoint open: {e}");
        return false;
    }
    let create = SectionCreate {
        open_id: 1,
        section_id: b"c".to_vec(),
        expiration: SA_TIME_END,
        data: 0u64.to_le_bytes().to_vec(),
    };
    match call_retrying(ckpt, &create) {
        Ok(_) | Err(CallError::Ais(SA_AIS_ERR_EXIST)) => true,
        Err(e) => {
            eprintln!("checkpoint section create: {e}");
            false
        }
    }
}

fn read_counter(ckpt: &Connection) -> u64 {
    let read = Read {
        open_id: 1,
        elements: vec![ReadElement {
            section_id: b"c".to_vec(),
            offset: 0,
            size: 8,
        }],
    };
    call_retrying(ckpt, &read)
        .ok()
        .and_then(|r| r.data.first().cloned())
        .and_then(|d| <[u8; 8]>::try_from(d.as_slice()).ok())
        .map_or(0, u64::from_le_bytes)
}

/// Whether the checkpoint now holds `n`.
fn write_counter(ckpt: &Connection, n: u64) -> bool {
    let w = Overwrite {
        open_id: 1,
        section_id: b"c".to_vec(),
        data: n.to_le_bytes().to_vec(),
    };
    match call_retrying(ckpt, &w) {
        Ok(()) => true,
        Err(e) => {
            eprintln!("checkpoint write: {e}");
            false
        }
    }
}
