//! Who may connect: root and the configured group; anyone else is refused
//! with SA_AIS_ERR_SECURITY and the refusal is logged with uid and gid.
//!
//! The clients run as other users in child processes: this test binary
//! re-executes itself with `HELPER_SOCKET` set, under the wanted uid and
//! gid, and reports the hello's answer on stdout. Changing user needs
//! root; without it the cases that need it say so and check nothing more.

mod common;

use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};

use sa_abi::ais::{SA_AIS_ERR_SECURITY, SA_AIS_OK};
use sa_ipc::proto::service;
use sa_ipc::SocketAddress;

use common::{Aisexec, RawClient};

const HELPER_SOCKET: &str = "AISEXEC_IT_HELPER_SOCKET";
const NOBODY: u32 = 65534;

/// In a helper process: connect, print the answer.
fn run_helper(socket: &str) {
    let error = match RawClient::connect(&SocketAddress::parse(socket), service::CLM) {
        Ok(_) => SA_AIS_OK,
        Err(e) => e,
    };
    println!("HELLO-ANSWER {error}");
}

/// Runs the test `name` of this binary as `uid`/`gid` (no supplementary
/// groups) against `exec`, and returns the answer its hello got.
fn connect_as(exec: &Aisexec, name: &str, uid: u32, gid: u32) -> u32 {
    let out = Command::new(std::env::current_exe().expect("test binary"))
        .args(["--exact", name, "--nocapture", "--test-threads", "1"])
        .env(HELPER_SOCKET, &exec.socket)
        .uid(uid)
        .gid(gid)
        .stdin(Stdio::null())
        .output()
        .expect("run helper");
    let stdout = String::from_utf8_lossy(&out.stdout);
    stdout
        .lines()
        .find_map(|l| l.split_once("HELLO-ANSWER ").map(|(_, v)| v))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| {
            panic!(
                "helper gave no answer: {stdout}\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
        })
}

fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

#[test]
fn outsider_is_refused_and_logged() {
    if let Ok(socket) = std::env::var(HELPER_SOCKET) {
        return run_helper(&socket);
    }
    if !is_root() {
        eprintln!("not root: cannot run a client as another user");
        return;
    }
    let exec = Aisexec::start("root");
    let error = connect_as(&exec, "outsider_is_refused_and_logged", NOBODY, NOBODY);
    assert_eq!(error, SA_AIS_ERR_SECURITY);
    assert!(
        exec.wait_for_log(&format!(
            "refused connection from uid {NOBODY} gid {NOBODY} pid"
        )),
        "log:\n{}",
        exec.log()
    );
    // root still gets in
    RawClient::connect(&exec.address(), service::CLM).expect("root is accepted");
}

#[test]
fn member_of_the_group_is_accepted() {
    if let Ok(socket) = std::env::var(HELPER_SOCKET) {
        return run_helper(&socket);
    }
    if !is_root() {
        eprintln!("not root: cannot run a client as another user");
        return;
    }
    // group "root" is gid 0: a non-root user with that group may connect
    let exec = Aisexec::start("root");
    let error = connect_as(&exec, "member_of_the_group_is_accepted", NOBODY, 0);
    assert_eq!(error, SA_AIS_OK);
}

#[test]
fn missing_group_means_root_only() {
    if let Ok(socket) = std::env::var(HELPER_SOCKET) {
        return run_helper(&socket);
    }
    let exec = Aisexec::start("no-such-group-aisexec");
    assert!(exec.wait_for_log("no such group; only root may use the executive"));
    if is_root() {
        RawClient::connect(&exec.address(), service::CLM).expect("root is accepted");
        let error = connect_as(&exec, "missing_group_means_root_only", NOBODY, 0);
        assert_eq!(error, SA_AIS_ERR_SECURITY);
    } else {
        let refused = RawClient::connect(&exec.address(), service::CLM).err();
        assert_eq!(refused, Some(SA_AIS_ERR_SECURITY));
    }
}
