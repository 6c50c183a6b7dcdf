//! Starting and stopping: configuration errors, the run directory, a
//! socket already in use, daemonizing.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{config, Aisexec, WAIT};

/// Runs `aisexec` with `args` on `conf`, bounded in time.
fn run(dir: &std::path::Path, conf: &str, socket: &str, args: &[&str]) -> Output {
    run_env(dir, conf, socket, args, &[])
}

/// [`run`] with more environment variables (later ones win).
fn run_env(
    dir: &std::path::Path,
    conf: &str,
    socket: &str,
    args: &[&str],
    env: &[(&str, &str)],
) -> Output {
    let path = dir.join("openais.conf");
    fs::write(&path, conf).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_aisexec"))
        .args(args)
        .env("OPENAIS_MAIN_CONFIG_FILE", &path)
        .env("OPENAIS_RUN_DIR", dir.join("run"))
        .env("OPENAIS_IPC_SOCKET", socket)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("aisexec did not exit in time");
}

#[test]
fn bad_configuration_is_reported_as_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let conf = config("root").replace("secauth: off", "secauth: maybe");
    let out = run(dir.path(), &conf, "@aisexec-it-badconf", &["-f"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let path = dir.path().join("openais.conf");
    assert!(
        stderr.contains(&format!("{}:3: ", path.display())),
        "stderr: {stderr}"
    );
    // nothing was created
    assert!(!dir.path().join("run").exists());
}

#[test]
fn missing_configuration_file_fails() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_aisexec"))
        .arg("-f")
        .env("OPENAIS_MAIN_CONFIG_FILE", dir.path().join("absent.conf"))
        .env("OPENAIS_RUN_DIR", dir.path().join("run"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("absent.conf"));
}

/// A configuration or key path naming an endless file is refused at
/// once (bounded read), not read until memory runs out.
#[test]
fn endless_configuration_or_authkey_is_refused_promptly() {
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let out = run_env(
        dir.path(),
        "",
        "@aisexec-it-zeroconf",
        &["-f"],
        &[("OPENAIS_MAIN_CONFIG_FILE", "/dev/zero")],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("/dev/zero: too large (limit 1048576 bytes)"),
        "stderr: {stderr}"
    );
    // secauth on (the default) with the authkey at /dev/zero
    let conf = config("root").replace("\tsecauth: off\n", "");
    let out = run_env(
        dir.path(),
        &conf,
        "@aisexec-it-zerokey",
        &["-f"],
        &[("OPENAIS_TOTEM_AUTHKEY_FILE", "/dev/zero")],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("the authkey /dev/zero is longer than"),
        "stderr: {stderr}"
    );
    assert!(started.elapsed() < WAIT);
}

#[test]
fn unknown_option_is_a_usage_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_aisexec"))
        .arg("-x")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("usage: aisexec [-f]"));
}

#[test]
fn run_directory_and_ring_sequence() {
    let exec = Aisexec::start("root");
    let run = exec.dir.path().join("run");
    let mode = fs::metadata(&run).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
    let seq = fs::read(run.join("ringid_127.0.0.1")).unwrap();
    assert_eq!(u64::from_le_bytes(seq.try_into().unwrap()), 4);
    assert!(
        exec.log().contains("Token Timeout (1000 ms)"),
        "timeouts in force are logged"
    );
}

#[test]
fn second_executive_on_the_same_socket_is_refused() {
    let exec = Aisexec::start("root");
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &config("root"), &exec.socket, &["-f"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("another executive is listening"));
    // daemonizing, the failure still reaches the command's status and stderr
    let out = run(dir.path(), &config("root"), &exec.socket, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("another executive is listening"));
}

#[test]
fn daemonizes_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let socket = format!("@aisexec-it-daemon-{}", std::process::id());
    let out = run(dir.path(), &config("root"), &socket, &[]);
    assert!(out.status.success(), "{out:?}");
    // The daemon is not our child: find it by the credentials of the
    // socket it listens on.
    let addr = sa_ipc::SocketAddress::parse(&socket);
    let deadline = Instant::now() + WAIT;
    let stream = loop {
        if let Ok(s) = addr.connect() {
            break s;
        }
        assert!(Instant::now() < deadline, "daemon never listened");
        std::thread::sleep(Duration::from_millis(20));
    };
    let cred =
        nix::sys::socket::getsockopt(&stream, nix::sys::socket::sockopt::PeerCredentials).unwrap();
    let daemon = KillOnDrop(nix::unistd::Pid::from_raw(cred.pid()));
    drop(stream);
    // a daemon: its own session, not our process group
    assert_eq!(nix::unistd::getsid(Some(daemon.0)).unwrap(), daemon.0);
    nix::sys::signal::kill(daemon.0, nix::sys::signal::Signal::SIGTERM).unwrap();
    let deadline = Instant::now() + WAIT;
    while addr.connect().is_ok() {
        assert!(Instant::now() < deadline, "daemon did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    }
    // gone for good: nothing left to kill
    while nix::sys::signal::kill(daemon.0, None).is_ok() {
        assert!(Instant::now() < deadline, "daemon did not exit");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::mem::forget(daemon);
}

/// A daemon started by a test, killed if the test ends before it stopped.
struct KillOnDrop(nix::unistd::Pid);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = nix::sys::signal::kill(self.0, nix::sys::signal::Signal::SIGKILL);
    }
}

#[test]
fn tells_systemd_ready_once_serving_and_stopping_at_shutdown() {
    use std::os::unix::net::UnixDatagram;
    let dir = tempfile::tempdir().unwrap();
    let notify = dir.path().join("notify");
    let listener = UnixDatagram::bind(&notify).unwrap();
    listener.set_read_timeout(Some(WAIT)).unwrap();
    let path = dir.path().join("openais.conf");
    fs::write(&path, config("root")).unwrap();
    let socket = format!("@aisexec-it-notify-{}", std::process::id());
    let mut child = Command::new(env!("CARGO_BIN_EXE_aisexec"))
        .arg("-f")
        .env("OPENAIS_MAIN_CONFIG_FILE", &path)
        .env("OPENAIS_RUN_DIR", dir.path().join("run"))
        .env("OPENAIS_IPC_SOCKET", &socket)
        .env("NOTIFY_SOCKET", &notify)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut buf = [0u8; 256];
    let n = listener.recv(&mut buf).expect("READY=1 within the wait");
    assert_eq!(&buf[..n], b"READY=1");
    // Ready means serving: a client connects at once.
    assert!(sa_ipc::SocketAddress::parse(&socket).connect().is_ok());
    let pid = i32::try_from(child.id()).unwrap();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let n = listener.recv(&mut buf).expect("STOPPING=1 at shutdown");
    assert_eq!(&buf[..n], b"STOPPING=1");
    let deadline = Instant::now() + WAIT;
    while child.try_wait().unwrap().is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = child.try_wait().unwrap();
    if status.is_none() {
        let _ = child.kill();
    }
    assert!(status.is_some_and(|s| s.success()), "{status:?}");
}
