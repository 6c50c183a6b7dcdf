//! Shared by the integration tests: a real `aisexec` process on a private
//! configuration, run directory and abstract socket, stopped by its PID
//! when the test ends; and a raw client that speaks the wire protocol
//! frame by frame.

#![allow(dead_code)]

use std::fs;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use sa_ipc::frame::{Frame, KIND_HELLO};
use sa_ipc::hello::{Hello, HelloReply, Role, PROTOCOL_VERSION};
use sa_ipc::proto::Payload;
use sa_ipc::SocketAddress;

/// Longest any single wait in these tests may take.
pub const WAIT: Duration = Duration::from_secs(10);

static INSTANCE: AtomicU32 = AtomicU32::new(0);

/// A running executive; killed (by PID) when dropped.
pub struct Aisexec {
    child: Option<Child>,
    pub dir: tempfile::TempDir,
    pub socket: String,
    log: PathBuf,
}

impl Aisexec {
    /// Starts `aisexec -f` on a loopback single-node configuration whose
    /// `aisexec { group }` is `group`, and waits until it accepts
    /// connections.
    pub fn start(group: &str) -> Aisexec {
        Aisexec::start_with(&config(group))
    }

    /// Starts `aisexec -f` on the configuration `text`.
    pub fn start_with(text: &str) -> Aisexec {
        let dir = tempfile::tempdir().expect("temp dir");
        let n = INSTANCE.fetch_add(1, Ordering::Relaxed);
        let socket = format!("@aisexec-it-{}-{n}", std::process::id());
        let conf = dir.path().join("openais.conf");
        fs::write(&conf, text).expect("write config");
        let log = dir.path().join("aisexec.log");
        let log_file = fs::File::create(&log).expect("log file");
        let child = Command::new(env!("CARGO_BIN_EXE_aisexec"))
            .arg("-f")
            .env("OPENAIS_MAIN_CONFIG_FILE", &conf)
            .env("OPENAIS_RUN_DIR", dir.path().join("run"))
            .env("OPENAIS_IPC_SOCKET", &socket)
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().expect("log file"))
            .stderr(log_file)
            .spawn()
            .expect("spawn aisexec");
        let exec = Aisexec {
            child: Some(child),
            dir,
            socket,
            log,
        };
        exec.wait_ready();
        exec
    }

    pub fn address(&self) -> SocketAddress {
        SocketAddress::parse(&self.socket)
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(|c| c.id()).unwrap_or(0)
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline {
            if self.address().connect().is_ok() && self.log().contains("services operational") {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("aisexec did not become ready; its log:\n{}", self.log());
    }

    /// Everything the executive logged so far.
    pub fn log(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until the log contains `needle`.
    pub fn wait_for_log(&self, needle: &str) -> bool {
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline {
            if self.log().contains(needle) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// Whether the process is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.as_mut().map(|c| c.try_wait()), Some(Ok(None)))
    }

    /// Sends SIGTERM and waits (bounded) for the exit status.
    pub fn terminate(&mut self) -> Option<std::process::ExitStatus> {
        let mut child = self.child.take()?;
        signal(child.id(), libc::SIGTERM);
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        None
    }
}

impl Drop for Aisexec {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn signal(pid: u32, sig: i32) {
    let pid = i32::try_from(pid).expect("pid");
    // SAFETY: kill(2) with a child's PID that has not been reaped yet
    // (the Child is still held), so it cannot name another process.
    unsafe {
        libc::kill(pid, sig);
    }
}

/// A UDP port of 127.0.0.1 that nobody uses now: each test executive
/// gets a Totem ring of its own, even when tests run side by side.
pub fn free_udp_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .map(|a| a.port())
        .expect("a free UDP port")
}

/// The single-node configuration of the tests.
pub fn config(group: &str) -> String {
    config_with(group, "")
}

/// [`config`] with more `aisexec { }` keys (`extra`, whole lines).
pub fn config_with(group: &str, extra: &str) -> String {
    let port = free_udp_port();
    format!(
        "totem {{\n\tversion: 2\n\tsecauth: off\n\ttransport: udpu\n\
         \tinterface {{\n\t\tringnumber: 0\n\t\tbindnetaddr: 127.0.0.1\n\t\tmcastport: {port}\n\t}}\n\
         \tmember {{\n\t\tmemberaddr: 127.0.0.1\n\t}}\n}}\n\
         logging {{\n\tto_stderr: yes\n\ttimestamp: off\n\tdebug: off\n}}\n\
         aisexec {{\n\tuser: root\n\tgroup: {group}\n{extra}}}\n"
    )
}

/// A client that builds every frame itself: for well-formed exchanges
/// and for every way of getting them wrong.
pub struct RawClient {
    pub request: UnixStream,
    pub dispatch: UnixStream,
    pub conn_id: u64,
    seq: u32,
}

/// Connects one socket with bounded reads and writes.
pub fn raw_socket(addr: &SocketAddress) -> UnixStream {
    let s = addr.connect().expect("connect");
    s.set_read_timeout(Some(WAIT)).expect("timeout");
    s.set_write_timeout(Some(WAIT)).expect("timeout");
    s
}

pub fn send(stream: &mut UnixStream, frame: &Frame) {
    stream
        .write_all(&frame.to_bytes().expect("frame"))
        .expect("send");
}

pub fn recv(stream: &mut UnixStream) -> Result<Frame, sa_ipc::FrameError> {
    sa_ipc::frame::read_frame(stream)
}

/// Whether the peer closed `stream` (end of file) within [`WAIT`].
pub fn closed_by_peer(stream: &mut UnixStream) -> bool {
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return true,
            Err(_) => return false,
        }
    }
}

pub fn hello_frame(role: Role, service: u16, conn_id: u64) -> Frame {
    let hello = Hello {
        role,
        service,
        version: PROTOCOL_VERSION,
        conn_id,
    };
    Frame::request(service, KIND_HELLO, 0, hello.to_payload())
}

impl RawClient {
    /// Both sockets of a connection to `service`; `Err(error)` when the
    /// executive refuses the request socket's hello.
    pub fn connect(addr: &SocketAddress, service: u16) -> Result<RawClient, u32> {
        let mut request = raw_socket(addr);
        send(&mut request, &hello_frame(Role::Request, service, 0));
        let reply = recv(&mut request).expect("hello reply");
        if reply.error != sa_abi::ais::SA_AIS_OK {
            return Err(reply.error);
        }
        let conn_id = HelloReply::from_payload(&reply.payload)
            .expect("hello reply payload")
            .conn_id;
        let mut dispatch = raw_socket(addr);
        send(
            &mut dispatch,
            &hello_frame(Role::Dispatch, service, conn_id),
        );
        let reply = recv(&mut dispatch).expect("dispatch hello reply");
        if reply.error != sa_abi::ais::SA_AIS_OK {
            return Err(reply.error);
        }
        Ok(RawClient {
            request,
            dispatch,
            conn_id,
            seq: 0,
        })
    }

    /// Sends a request of `service`/`kind` and returns its response.
    pub fn call(&mut self, service: u16, kind: u16, payload: Vec<u8>) -> Frame {
        self.seq += 1;
        send(
            &mut self.request,
            &Frame::request(service, kind, self.seq, payload),
        );
        let response = recv(&mut self.request).expect("response");
        assert_eq!(response.seq, self.seq, "response to another request");
        response
    }
}

/// The resident set of process `pid`, in bytes (`VmRSS`), or its peak
/// (`VmHWM`), from /proc.
pub fn vm_bytes(pid: u32, field: &str) -> u64 {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    let line = status
        .lines()
        .find(|l| l.starts_with(field))
        .expect("field in /proc status");
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .expect("a number of kB");
    kib * 1024
}

/// Raises this process's soft RLIMIT_NOFILE to at least `want` (within
/// the hard limit); executives started afterwards inherit it. The limit
/// reached.
pub fn raise_nofile(want: u64) -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit(2)/setrlimit(2) with a valid, owned rlimit.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return 0;
        }
        if lim.rlim_cur < want {
            lim.rlim_cur = want.min(lim.rlim_max);
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
    lim.rlim_cur
}
