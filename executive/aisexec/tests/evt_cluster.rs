//! The event service on a real three-node cluster (127.0.0.1-3, udpu),
//! driven by the C programs `publish` and `subscription` of
//! `build/ctests` (built by `make`, linked with libSaEvt as users link
//! it): filtered delivery to subscribers on other nodes, retained events
//! reaching later subscribers on every node, their expiry, and a
//! retention clear on one node seen on every node.
//!
//! Every wait is on what the programs print, and bounded. That nothing
//! else was delivered is shown by order, not by waiting: a subscriber
//! that stops after N events must have seen exactly the expected N, and
//! an event published after a new subscription exists (a marker) reaches
//! it after anything the subscription was given when it was made.

mod cluster_support;

use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime};

use cluster_support::{free_port, keygen, loopback_id, udpu_config, Node, WAIT};
use sa_abi::ais::SA_AIS_ERR_NOT_EXIST;

/// What `subscription -t` is given: longer than any wait of these tests,
/// so the test, not the program, decides when waiting has failed.
const SUBSCRIBER_SECONDS: &str = "60";

/// The C programs of `build/ctests`.
struct Programs {
    publish: PathBuf,
    subscription: PathBuf,
}

fn modified(path: &Path) -> SystemTime {
    fs::metadata(path)
        .and_then(|m| m.modified())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The programs, or None (the test is skipped) when `make` has not been
/// run here: no libSaEvt has been linked yet. Once it has, a program that
/// is missing or older than its source is an error, not a skip.
fn programs(test: &str) -> Option<Programs> {
    Some(Programs {
        publish: program(test, "publish")?,
        subscription: program(test, "subscription")?,
    })
}

fn program(test: &str, name: &str) -> Option<PathBuf> {
    let top = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let bin = top.join("build/ctests").join(name);
    let src = top.join("ctests").join(format!("{name}.c"));
    if !bin.exists() {
        if !top.join("build/lib/libSaEvt.so.2").exists() {
            cluster_support::report_skip(
                test,
                &format!(
                    "`make` has not been run (no build/lib/libSaEvt.so.2, no build/ctests/{name}); \
                     `make check` runs it first"
                ),
            );
            return None;
        }
        panic!("build/ctests/{name} is missing although build/lib is built: run `make`");
    }
    assert!(
        modified(&bin) >= modified(&src),
        "build/ctests/{name} is older than ctests/{name}.c: run `make`"
    );
    Some(bin)
}

/// Three executives forming one ring, and the programs to drive them.
/// The executives are killed when this is dropped; their logs are
/// printed first when a test failed.
struct Cluster {
    nodes: Vec<Node>,
    programs: Programs,
    _dir: tempfile::TempDir,
}

impl Cluster {
    fn start(test: &str, tag: &str) -> Option<Cluster> {
        let programs = programs(test)?;
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("authkey");
        keygen(&key);
        let port = free_port(3);
        let nodes: Vec<Node> = (1..=3)
            .map(|n| Node::start(dir.path(), tag, n, &udpu_config(n, 3, port, false), &key))
            .collect();
        let ids = [loopback_id(1), loopback_id(2), loopback_id(3)];
        for node in &nodes {
            assert!(
                node.wait_members(&ids, WAIT),
                "node {} never saw 3 members; its log:\n{}",
                node.n,
                node.log()
            );
        }
        Some(Cluster {
            nodes,
            programs,
            _dir: dir,
        })
    }

    /// Node `n` (1-based).
    fn node(&self, n: u8) -> &Node {
        &self.nodes[usize::from(n - 1)]
    }

    /// Starts `subscription` on node `n` with `args`.
    fn start_subscriber(&self, n: u8, args: &[&str]) -> Program {
        let mut all = args.to_vec();
        all.extend_from_slice(&["-t", SUBSCRIBER_SECONDS]);
        Program::start(self.node(n), &self.programs.subscription, &all)
    }

    /// Starts `subscription` on node `n` with `args` and waits until it
    /// has subscribed.
    fn subscribe(&self, n: u8, args: &[&str]) -> Program {
        let sub = self.start_subscriber(n, args);
        sub.wait_stdout(|out| out.contains("subscribed to "), WAIT);
        sub
    }

    /// Runs `publish` on node `n` with `args`; returns the ids of the
    /// events it published.
    fn publish(&self, n: u8, args: &[&str]) -> Vec<u64> {
        let done = Program::start(self.node(n), &self.programs.publish, args).finish(WAIT);
        assert_eq!(done.code, Some(0), "publish {args:?} on node {n}: {done:?}");
        published_ids(&done.stdout)
    }

    /// Runs `publish -C ID` (saEvtEventRetentionTimeClear) on node `n`.
    fn clear(&self, n: u8, channel: &str, id: u64) -> Finished {
        let id = format!("{id:#018x}");
        Program::start(
            self.node(n),
            &self.programs.publish,
            &["-c", channel, "-C", &id],
        )
        .finish(WAIT)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if thread::panicking() {
            for node in &self.nodes {
                eprintln!("==== node {} log\n{}", node.n, node.log());
            }
        }
    }
}

/// A program run against one node with its output collected; killed (by
/// PID) when dropped before it ended.
struct Program {
    what: String,
    child: Option<Child>,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
    readers: Vec<JoinHandle<()>>,
}

/// How a program ended.
#[derive(Debug)]
struct Finished {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn collect(from: impl Read + Send + 'static, into: &Arc<Mutex<String>>) -> JoinHandle<()> {
    let into = Arc::clone(into);
    thread::spawn(move || {
        for line in BufReader::new(from).lines() {
            let Ok(line) = line else { break };
            let mut text = into.lock().unwrap();
            text.push_str(&line);
            text.push('\n');
        }
    })
}

impl Program {
    fn start(node: &Node, exe: &Path, args: &[&str]) -> Program {
        let what = format!(
            "node {}: {} {}",
            node.n,
            exe.file_name().unwrap_or_default().to_string_lossy(),
            args.join(" ")
        );
        let mut child = Command::new(exe)
            .args(args)
            .env("OPENAIS_IPC_SOCKET", &node.socket)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        let stdout = Arc::new(Mutex::new(String::new()));
        let stderr = Arc::new(Mutex::new(String::new()));
        let readers = vec![
            collect(child.stdout.take().unwrap(), &stdout),
            collect(child.stderr.take().unwrap(), &stderr),
        ];
        Program {
            what,
            child: Some(child),
            stdout,
            stderr,
            readers,
        }
    }

    fn stdout(&self) -> String {
        self.stdout.lock().unwrap().clone()
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits until the output so far satisfies `done`.
    fn wait_stdout(&self, done: impl Fn(&str) -> bool, within: Duration) {
        let deadline = Instant::now() + within;
        while !done(&self.stdout()) {
            assert!(
                Instant::now() < deadline,
                "{}: not printed within {within:?}; stdout:\n{}stderr:\n{}",
                self.what,
                self.stdout(),
                self.stderr()
            );
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits (at most `within`) for the program to end by itself.
    fn finish(mut self, within: Duration) -> Finished {
        let mut child = self.child.take().expect("running");
        let deadline = Instant::now() + within;
        let status = loop {
            if let Some(status) = child.try_wait().expect("try_wait") {
                break status;
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "{}: still running after {within:?}; stdout:\n{}stderr:\n{}",
                    self.what,
                    self.stdout(),
                    self.stderr()
                );
            }
            thread::sleep(Duration::from_millis(10));
        };
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
        Finished {
            code: status.code(),
            stdout: self.stdout(),
            stderr: self.stderr(),
        }
    }
}

impl Drop for Program {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
    }
}

/// The event ids `publish` printed ("published event K: id 0x...").
fn published_ids(stdout: &str) -> Vec<u64> {
    stdout
        .lines()
        .filter(|l| l.starts_with("published event "))
        .map(|l| hex_id(l.rsplit_once("id ").expect("an id").1))
        .collect()
}

fn hex_id(text: &str) -> u64 {
    let digits = text.trim().trim_start_matches("0x");
    u64::from_str_radix(digits, 16).unwrap_or_else(|e| panic!("event id {text:?}: {e}"))
}

/// One event as `subscription` printed it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Received {
    id: u64,
    patterns: Vec<String>,
    retention_ns: i64,
    publisher: String,
    data: String,
}

/// The "..." strings of a line, in order.
fn quoted(text: &str) -> Vec<String> {
    text.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// Every event `subscription` printed, in delivery order.
fn received(stdout: &str) -> Vec<Received> {
    let mut events: Vec<Received> = Vec::new();
    for line in stdout.lines() {
        if line.starts_with("event ") {
            if let Some((_, id)) = line.rsplit_once(", id ") {
                let id = id.split_whitespace().next().expect("an id");
                events.push(Received {
                    id: hex_id(id),
                    patterns: Vec::new(),
                    retention_ns: 0,
                    publisher: String::new(),
                    data: String::new(),
                });
            }
            continue;
        }
        let (Some(event), Some((key, value))) = (events.last_mut(), line.split_once('=')) else {
            continue;
        };
        let value = value.trim();
        match key.trim() {
            "patterns" => event.patterns = quoted(value),
            "retention" => {
                event.retention_ns = value.trim_end_matches(" ns").parse().expect("retention");
            }
            "publisher" => event.publisher = value.to_owned(),
            "data" => event.data = quoted(value).concat(),
            _ => {}
        }
    }
    events
}

/// (id, patterns, data) of events, for comparisons.
type Seen = (u64, Vec<String>, String);

fn seen(events: &[Received]) -> Vec<Seen> {
    events
        .iter()
        .map(|e| (e.id, e.patterns.clone(), e.data.clone()))
        .collect()
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// One `publish` run of the filter test and the subscribers (labels of
/// [`SUBSCRIBERS`]) whose filters it matches.
struct Publication {
    patterns: &'static [&'static str],
    count: usize,
    to: &'static [&'static str],
}

const fn publication(
    patterns: &'static [&'static str],
    count: usize,
    to: &'static [&'static str],
) -> Publication {
    Publication {
        patterns,
        count,
        to,
    }
}

/// (label, node, filters): the filters are matched by position against
/// the event's patterns.
const SUBSCRIBERS: [(&str, u8, &[&str]); 3] = [
    ("alarms", 1, &["prefix:alarm"]),
    ("disk-status", 3, &["exact:status.disk"]),
    ("critical-disks", 2, &["suffix:.disk", "exact:critical"]),
];

/// In publish order. Each subscriber's last event comes after every
/// event it must not receive, so one delivered wrongly takes the place
/// of an expected one.
const PUBLICATIONS: [Publication; 18] = [
    publication(&["alarm.cpu"], 1, &["alarms"]),
    // one pattern: critical-disks looks at its first filter only
    // (openais's rule: min(filters, patterns) pairs)
    publication(&["status.disk"], 1, &["disk-status", "critical-disks"]),
    publication(&["status.net"], 1, &[]),
    publication(
        &["alarm.disk", "critical"],
        1,
        &["alarms", "critical-disks"],
    ),
    publication(&["status.disk.sda"], 1, &[]),
    publication(
        &["status.disk", "critical"],
        1,
        &["disk-status", "critical-disks"],
    ),
    publication(&["Status.disk"], 1, &["critical-disks"]),
    publication(&["alar"], 1, &[]),
    publication(&["status.disk"], 3, &["disk-status", "critical-disks"]),
    publication(&["xalarm"], 1, &[]),
    publication(&["alarm.disk"], 1, &["alarms", "critical-disks"]),
    publication(&["alarms", "warning"], 1, &["alarms"]),
    publication(&["status.disk", "minor"], 1, &["disk-status"]),
    publication(&["backup.disk", "critical"], 1, &["critical-disks"]),
    publication(&["disk", "critical"], 1, &[]),
    publication(&["critical", "backup.disk"], 1, &[]),
    publication(&["alarm.end"], 1, &["alarms"]),
    publication(
        &["status.disk", "critical"],
        1,
        &["disk-status", "critical-disks"],
    ),
];

#[test]
fn evt_filtered_events_reach_subscribers_on_other_nodes_once_in_publish_order() {
    let test = "evt_filtered_events_reach_subscribers_on_other_nodes_once_in_publish_order";
    let Some(cluster) = Cluster::start(test, "evtf") else {
        return;
    };
    let channel = "evt-filters";
    let started = Instant::now();

    let subscribers: Vec<Program> = SUBSCRIBERS
        .iter()
        .map(|(label, n, filters)| {
            // it stops after as many events as its filters match
            let count: usize = PUBLICATIONS
                .iter()
                .filter(|p| p.to.contains(label))
                .map(|p| p.count)
                .sum();
            let count = count.to_string();
            let mut args = vec!["-c", channel, "-s", "7", "-n", &count];
            for f in *filters {
                args.extend_from_slice(&["-f", f]);
            }
            cluster.subscribe(*n, &args)
        })
        .collect();

    // Published from node 2, one run after the other.
    let mut expected: Vec<Vec<Seen>> = vec![Vec::new(); SUBSCRIBERS.len()];
    for (k, p) in PUBLICATIONS.iter().enumerate() {
        let data = format!("publication {}", k + 1);
        let count = p.count.to_string();
        let mut args = vec!["-c", channel, "-N", "node 2", "-d", &data, "-n", &count];
        for pattern in p.patterns {
            args.extend_from_slice(&["-p", pattern]);
        }
        let ids = cluster.publish(2, &args);
        assert_eq!(ids.len(), p.count, "publish {args:?}");
        for (i, (label, _, _)) in SUBSCRIBERS.iter().enumerate() {
            if p.to.contains(label) {
                expected[i].extend(
                    ids.iter()
                        .map(|id| (*id, strings(p.patterns), data.clone())),
                );
            }
        }
    }
    let published = started.elapsed();

    for (i, sub) in subscribers.into_iter().enumerate() {
        let (label, n, _) = SUBSCRIBERS[i];
        let done = sub.finish(WAIT);
        assert_eq!(done.code, Some(0), "{label} on node {n}: {done:?}");
        let got = received(&done.stdout);
        assert_eq!(
            seen(&got),
            expected[i],
            "{label} on node {n} received other events than its filters match, in publish order, \
             once each; its output:\n{}",
            done.stdout
        );
        for e in &got {
            assert_eq!((e.retention_ns, e.publisher.as_str()), (0, "node 2"));
        }
        println!("{label} on node {n}: {} events as expected", got.len());
    }
    println!(
        "{} runs of publish on node 2 in {published:?}; all delivered {:?} after the first",
        PUBLICATIONS.len(),
        started.elapsed()
    );
}

/// What a probe subscribes to and publishes: retained events of these
/// tests have patterns starting "config", markers are "config.marker".
const PROBE_FILTER: &str = "prefix:config";
const MARKER: &str = "config.marker";

/// New subscriptions on nodes 1, 2 and 3 at once, then a marker event
/// (not retained) published from node `from`: returns what each received
/// before the marker, i.e. the retained events it was given when made.
fn probe(cluster: &Cluster, channel: &str, from: u8) -> Vec<Vec<Received>> {
    static MARKERS: AtomicUsize = AtomicUsize::new(0);
    let subs: Vec<Program> = (1..=3)
        .map(|n| cluster.start_subscriber(n, &["-c", channel, "-f", PROBE_FILTER]))
        .collect();
    for sub in &subs {
        sub.wait_stdout(|out| out.contains("subscribed to "), WAIT);
    }
    let marker = format!("marker {}", MARKERS.fetch_add(1, Ordering::Relaxed));
    let id = cluster.publish(from, &["-c", channel, "-p", MARKER, "-d", &marker])[0];
    subs.iter()
        .map(|sub| {
            sub.wait_stdout(|out| out.contains(&format!("\"{marker}\"")), WAIT);
            let got = received(&sub.stdout());
            let end = got.iter().position(|e| e.data == marker).expect("marker");
            assert_eq!(got[end].id, id, "{}: the marker's id", sub.what);
            got[..end].to_vec()
        })
        .collect()
}

#[test]
fn evt_retained_event_reaches_later_subscribers_on_every_node_until_it_expires() {
    let test = "evt_retained_event_reaches_later_subscribers_on_every_node_until_it_expires";
    let Some(cluster) = Cluster::start(test, "evtr") else {
        return;
    };
    let channel = "evt-retained";
    let retention = Duration::from_secs(5);
    let ms = retention.as_millis().to_string();

    let before_publish = Instant::now();
    let ids = cluster.publish(
        2,
        &[
            "-c",
            channel,
            "-p",
            "config.retained",
            "-r",
            &ms,
            "-N",
            "node 2",
            "-d",
            "retained config",
        ],
    );
    let published = Instant::now();
    let id = ids[0];

    // The publisher has ended; subscribers start on every node.
    let got = probe(&cluster, channel, 1);
    let since = before_publish.elapsed();
    assert!(
        since < retention,
        "the subscribers ended {since:?} after the publish: too late to see it retained"
    );
    let retention_ns = i64::try_from(retention.as_nanos()).unwrap();
    for (n, got) in (1..=3).zip(&got) {
        assert_eq!(
            got.iter()
                .map(|e| (e.id, e.data.as_str(), e.retention_ns, e.publisher.as_str()))
                .collect::<Vec<_>>(),
            [(id, "retained config", retention_ns, "node 2")],
            "node {n}: the retained event, once, before the marker"
        );
    }
    println!("retained event received on nodes 1, 2 and 3 by {since:?} after the publish");

    // After the retention time no new subscriber receives it, on any
    // node; once gone on a node, it stays gone.
    let expiry = published + retention;
    let bound = Duration::from_secs(5);
    thread::sleep(expiry.saturating_duration_since(Instant::now()));
    let mut gone: [Option<Duration>; 3] = [None; 3];
    while gone.iter().any(Option::is_none) {
        assert!(
            Instant::now() < expiry + bound,
            "still retained {:?} after the retention time on nodes {:?}",
            expiry.elapsed(),
            (1..=3)
                .zip(gone)
                .filter(|(_, g)| g.is_none())
                .map(|(n, _)| n)
                .collect::<Vec<_>>()
        );
        let got = probe(&cluster, channel, 2);
        for (i, got) in got.iter().enumerate() {
            let ids: Vec<u64> = got.iter().map(|e| e.id).collect();
            match (ids.is_empty(), gone[i]) {
                (true, None) => gone[i] = Some(expiry.elapsed()),
                (true, Some(_)) => {}
                (false, None) => assert_eq!(ids, [id], "node {}", i + 1),
                (false, Some(at)) => {
                    panic!("node {}: expired at {at:?}, then delivered {ids:x?}", i + 1)
                }
            }
        }
    }
    println!("gone for new subscribers after the retention time: nodes 1, 2, 3 after {gone:?}");
}

#[test]
fn evt_retention_clear_on_one_node_clears_the_event_everywhere() {
    let test = "evt_retention_clear_on_one_node_clears_the_event_everywhere";
    let Some(cluster) = Cluster::start(test, "evtc") else {
        return;
    };
    let channel = "evt-clear";
    // Fences: published after the clear, so a node that has delivered
    // one has applied the clear.
    let watchers: Vec<Program> = (1..=3)
        .map(|n| cluster.subscribe(n, &["-c", channel, "-f", "exact:fence"]))
        .collect();

    let id = cluster.publish(
        2,
        &[
            "-c",
            channel,
            "-p",
            "config.kept",
            "-r",
            "600000",
            "-d",
            "kept",
        ],
    )[0];
    let kept: Vec<Seen> = vec![(id, strings(&["config.kept"]), "kept".into())];
    for (n, got) in (1..=3).zip(probe(&cluster, channel, 3)) {
        assert_eq!(seen(&got), kept, "node {n}: retained before the clear");
    }

    let started = Instant::now();
    let done = cluster.clear(1, channel, id);
    assert_eq!(done.code, Some(0), "clear on node 1: {done:?}");
    assert!(done.stdout.contains("cleared"), "{done:?}");
    let cleared = started.elapsed();
    // Ordered after the first clear on node 3 too: nothing left to clear.
    let again = cluster.clear(3, channel, id);
    assert_eq!(again.code, Some(1), "second clear, on node 3: {again:?}");
    assert!(
        again
            .stderr
            .contains(&format!("error {SA_AIS_ERR_NOT_EXIST}")),
        "second clear, on node 3: {again:?}"
    );

    cluster.publish(1, &["-c", channel, "-p", "fence", "-d", "fence 1"]);
    for w in &watchers {
        w.wait_stdout(|out| out.contains("\"fence 1\""), WAIT);
    }
    for w in watchers {
        let got = received(&w.stdout());
        assert_eq!(
            got.iter().map(|e| e.data.as_str()).collect::<Vec<_>>(),
            ["fence 1"]
        );
    }
    for (n, got) in (1..=3).zip(probe(&cluster, channel, 2)) {
        assert!(got.is_empty(), "node {n}: cleared event delivered: {got:?}");
    }
    println!("retention cleared from node 1 in {cleared:?}; gone on every node");
}
