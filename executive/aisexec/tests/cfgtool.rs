//! `openais-cfgtool --status` and `--json` against a real executive: the
//! exit status scripts rely on, and what monitoring tools read.

mod common;

use std::process::{Command, Output};

use common::Aisexec;

fn cfgtool(socket: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_openais-cfgtool"))
        .args(args)
        .env("OPENAIS_IPC_SOCKET", socket)
        .output()
        .expect("openais-cfgtool runs")
}

/// Asks until the ring is operational: the executive serves before its
/// first ring may be installed.
fn wait_healthy(socket: &str) -> Output {
    let deadline = std::time::Instant::now() + common::WAIT;
    loop {
        let out = cfgtool(socket, &["--status"]);
        if out.status.success() || std::time::Instant::now() > deadline {
            return out;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn status_and_json_of_a_single_node() {
    let exec = Aisexec::start("root");
    let out = wait_healthy(&exec.socket);
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("healthy: ring ") && text.contains("all 1 configured members"),
        "{text}"
    );

    let out = cfgtool(&exec.socket, &["--json"]);
    assert!(out.status.success(), "{out:?}");
    let json = String::from_utf8_lossy(&out.stdout);
    for field in [
        "{\"healthy\":true,\"problems\":[],",
        "\"state\":\"OPERATIONAL\"",
        "\"members\":[{\"node_id\":16777343,\"address\":\"127.0.0.1\"}]",
        "\"transport\":\"udpu\"",
        "\"configured_members\":[\"127.0.0.1\"]",
        "\"CLM\"",
        "\"CKPT\"",
        "\"CPG\"",
        "\"CFG\"]",
    ] {
        assert!(json.contains(field), "{field} not in {json}");
    }
    assert_eq!(json.lines().count(), 1);

    // More members expected than there are: not healthy, exit 3.
    let out = cfgtool(&exec.socket, &["--status", "--expect", "2"]);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout)
        .contains("not healthy: the ring has 1 member(s), 2 expected"));
    let out = cfgtool(&exec.socket, &["--json", "--expect", "2"]);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("{\"healthy\":false,"));

    // -s still prints openais's text.
    let out = cfgtool(&exec.socket, &["-s"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("ring 0 active with no faults"));
}

#[test]
fn no_executive_is_exit_1_and_json_says_so() {
    let socket = format!("@cfgtool-nobody-{}", std::process::id());
    let out = cfgtool(&socket, &["--status"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let out = cfgtool(&socket, &["--json"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("{\"healthy\":false,\"problems\":["));
    let out = cfgtool(&socket, &["--expect", "2"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}
