//! Shared by the cluster tests: executives of a multi-node cluster on
//! 127.0.0.x (udpu), each killed by its PID when dropped; CLM and CFG
//! clients speaking the wire protocol through sa-ipc; and a guard around
//! `scripts/cluster` for the network-namespace tests.

#![allow(dead_code)]

pub mod amf;
pub mod ckpt;
pub mod cpg_stall;
pub mod loopback_cut;
pub mod netns;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sa_ipc::client::Connection;
use sa_ipc::proto::cfg::{RingStatusGet, RingStatusReply};
use sa_ipc::proto::clm::{ClmCallback, CurrentView, Track, TrackCallback, TrackChanges, View};
use sa_ipc::proto::service;
use sa_ipc::SocketAddress;

/// Bound of every wait that has no figure of its own.
pub const WAIT: Duration = Duration::from_secs(15);

/// The node id openais gives 127.0.0.n.
pub fn loopback_id(n: u8) -> u32 {
    u32::from_le_bytes([127, 0, 0, n])
}

/// A UDP port free on 127.0.0.1 ..= 127.0.0.`count` alike.
pub fn free_port(count: u8) -> u16 {
    'search: for _ in 0..100 {
        let first = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
        let port = first.local_addr().expect("addr").port();
        for n in 2..=count {
            if std::net::UdpSocket::bind(("127.0.0.".to_owned() + &n.to_string(), port)).is_err() {
                continue 'search;
            }
        }
        return port;
    }
    panic!("no UDP port free on every loopback address");
}

/// Writes a fresh authkey with ais-keygen.
pub fn keygen(path: &Path) {
    let out = Command::new(env!("CARGO_BIN_EXE_ais-keygen"))
        .arg("-k")
        .arg(path)
        .output()
        .expect("run ais-keygen");
    assert!(out.status.success(), "ais-keygen: {out:?}");
}

/// The group name of this process, for `aisexec { group }`.
pub fn my_group() -> String {
    nix::unistd::Group::from_gid(nix::unistd::getgid())
        .ok()
        .flatten()
        .map(|g| g.name)
        .unwrap_or_else(|| "root".into())
}

/// The configuration of node `n` of a udpu cluster whose members are
/// 127.0.0.1 ..= 127.0.0.`members`.
pub fn udpu_config(n: u8, members: u8, port: u16, secauth: bool) -> String {
    let mut text = format!(
        "totem {{\n\tversion: 2\n\tsecauth: {}\n\ttransport: udpu\n\
         \tinterface {{\n\t\tringnumber: 0\n\t\tbindnetaddr: 127.0.0.{n}\n\t\tmcastport: {port}\n\t}}\n",
        if secauth { "on" } else { "off" }
    );
    for m in 1..=members {
        text += &format!("\tmember {{\n\t\tmemberaddr: 127.0.0.{m}\n\t}}\n");
    }
    text += &format!(
        "}}\nlogging {{\n\tto_stderr: yes\n\ttimestamp: on\n\tdebug: off\n}}\n\
         aisexec {{\n\tuser: root\n\tgroup: {}\n}}\n",
        my_group()
    );
    text
}

/// One executive; killed (SIGKILL, by PID) when dropped.
pub struct Node {
    pub n: u8,
    pub dir: PathBuf,
    pub socket: String,
    config: PathBuf,
    authkey: PathBuf,
    child: Option<Child>,
    /// Extra environment of the executive (OPENAIS_AMF_CONFIG_FILE ...).
    pub env: Vec<(String, String)>,
}

impl Node {
    /// Starts node `n` with `config` and `authkey` in `base/n/`.
    pub fn start(base: &Path, tag: &str, n: u8, config: &str, authkey: &Path) -> Node {
        Node::start_with_env(base, tag, n, config, authkey, &[])
    }

    /// [`Node::start`] with `env` added to the executive's environment.
    pub fn start_with_env(
        base: &Path,
        tag: &str,
        n: u8,
        config: &str,
        authkey: &Path,
        env: &[(&str, &str)],
    ) -> Node {
        let dir = base.join(n.to_string());
        fs::create_dir_all(&dir).expect("node dir");
        let conf = dir.join("openais.conf");
        fs::write(&conf, config).expect("write config");
        let mut node = Node {
            n,
            socket: format!("@oa-test-{tag}-{}-{n}", std::process::id()),
            dir,
            config: conf,
            authkey: authkey.to_path_buf(),
            child: None,
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        };
        node.spawn();
        node
    }

    /// Starts the executive (again).
    pub fn spawn(&mut self) {
        assert!(self.child.is_none(), "node {} is running", self.n);
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .expect("log file");
        let child = Command::new(env!("CARGO_BIN_EXE_aisexec"))
            .arg("-f")
            .env("OPENAIS_MAIN_CONFIG_FILE", &self.config)
            .env("OPENAIS_RUN_DIR", self.dir.join("run"))
            .env("OPENAIS_IPC_SOCKET", &self.socket)
            .env("OPENAIS_TOTEM_AUTHKEY_FILE", &self.authkey)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("spawn aisexec");
        self.child = Some(child);
    }

    /// `kill -9`: the others notice only by the token's loss.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Waits (bounded) for the executive to exit by itself; whether it did.
    pub fn wait_exit(&mut self, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            match self.child.as_mut().map(|c| c.try_wait()) {
                Some(Ok(Some(_))) | None => {
                    self.child = None;
                    return true;
                }
                _ => std::thread::sleep(Duration::from_millis(20)),
            }
        }
        false
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, |c| c.id())
    }

    pub fn log_path(&self) -> PathBuf {
        self.dir.join("aisexec.log")
    }

    pub fn log(&self) -> String {
        fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    pub fn address(&self) -> SocketAddress {
        SocketAddress::parse(&self.socket)
    }

    /// The CLM view, once the executive answers.
    pub fn view(&self) -> Option<View> {
        let conn = Connection::connect_to(&self.address(), service::CLM).ok()?;
        let reply = conn
            .call(&Track {
                changes: TrackChanges::None,
                current: CurrentView::InReply,
                max_items: 0,
            })
            .ok()?;
        reply.view
    }

    /// The member ids of the CLM view, sorted.
    pub fn member_ids(&self) -> Option<Vec<u32>> {
        let mut ids: Vec<u32> = self.view()?.members.iter().map(|m| m.node_id).collect();
        ids.sort_unstable();
        Some(ids)
    }

    /// Waits until the CLM view lists exactly `ids`.
    pub fn wait_members(&self, ids: &[u32], within: Duration) -> bool {
        let mut want = ids.to_vec();
        want.sort_unstable();
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if self.member_ids().as_deref() == Some(&want[..]) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// The ring status the CFG service reports.
    pub fn ring_status(&self) -> Option<RingStatusReply> {
        let conn = Connection::connect_to(&self.address(), service::CFG).ok()?;
        conn.call(&RingStatusGet).ok()
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// A CLM connection tracking membership changes.
pub struct Tracker {
    conn: Connection,
}

impl Tracker {
    /// Starts tracking on `node` with `changes`; returns the tracker and
    /// the current view.
    pub fn start(node: &Node, changes: TrackChanges) -> (Tracker, View) {
        let conn = Connection::connect_to(&node.address(), service::CLM).expect("connect CLM");
        let reply = conn
            .call(&Track {
                changes,
                current: CurrentView::InReply,
                max_items: 0,
            })
            .expect("track");
        (Tracker { conn }, reply.view.expect("view in reply"))
    }

    /// The next track callback, waiting at most `within`.
    pub fn next(&self, within: Duration) -> Option<TrackCallback> {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            let frame = self.conn.recv_callback(Some(left), false).ok()??;
            if let Ok(ClmCallback::Track { notification, .. }) =
                ClmCallback::decode(frame.kind, frame.error, &frame.payload)
            {
                return Some(notification);
            }
        }
    }
}

/// The repository's `scripts/cluster`.
pub fn cluster_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/cluster")
}

/// Runs `scripts/cluster ARGS`, with the binaries of this build; returns
/// (success, stdout + stderr).
pub fn cluster(args: &[&str]) -> (bool, String) {
    cluster_with_env(args, &[])
}

/// [`cluster`] with extra environment variables (e.g. `TOKEN` for the
/// generated configurations, or `AISEXEC` for another build).
pub fn cluster_with_env(args: &[&str], vars: &[(&str, &str)]) -> (bool, String) {
    let out = Command::new("bash")
        .arg(cluster_script())
        .args(args)
        .env("AISEXEC", env!("CARGO_BIN_EXE_aisexec"))
        .env("CFGTOOL", env!("CARGO_BIN_EXE_openais-cfgtool"))
        .env("KEYGEN", env!("CARGO_BIN_EXE_ais-keygen"))
        // Last: a caller may run another build (AISEXEC).
        .envs(vars.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("run scripts/cluster");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

/// A cluster made with `scripts/cluster up`; brought down when dropped.
pub struct ScriptCluster {
    pub name: String,
}

impl ScriptCluster {
    pub fn up(name: &str, args: &[&str]) -> ScriptCluster {
        ScriptCluster::up_with_env(name, args, &[])
    }

    /// [`ScriptCluster::up`] with extra environment variables for
    /// `scripts/cluster` (e.g. `TOKEN`).
    pub fn up_with_env(name: &str, args: &[&str], vars: &[(&str, &str)]) -> ScriptCluster {
        // A cluster of this name left behind by an interrupted run.
        cluster(&["down", name]);
        let guard = ScriptCluster {
            name: name.to_owned(),
        };
        let mut all = vec!["up", name];
        all.extend_from_slice(args);
        let (ok, text) = cluster_with_env(&all, vars);
        println!("{text}");
        assert!(ok, "scripts/cluster up failed:\n{text}\n{}", guard.logs());
        guard
    }

    pub fn run(&self, cmd: &str, args: &[&str]) -> (bool, String) {
        let mut all = vec![cmd, self.name.as_str()];
        all.extend_from_slice(args);
        cluster(&all)
    }

    /// Every node's log.
    pub fn logs(&self) -> String {
        let mut text = String::new();
        for n in 1..=64 {
            let path = format!("/tmp/oa-{}/{n}/aisexec.log", self.name);
            match fs::read_to_string(&path) {
                Ok(t) => text += &format!("==== {path}\n{t}"),
                Err(_) => break,
            }
        }
        text
    }
}

impl Drop for ScriptCluster {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("{}", self.logs());
        }
        cluster(&["down", &self.name]);
    }
}

/// Reports that `test` could not run here, in the form `scripts/check`
/// counts as skipped (never as passed): `SKIPPED: <test>: <why>`.
pub fn report_skip(test: &str, why: &str) {
    println!("SKIPPED: {test}: {why}");
}

/// Whether this process may create network namespaces.
pub fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}
