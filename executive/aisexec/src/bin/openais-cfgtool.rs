//! `openais-cfgtool`: administrative queries of the local executive
//! (`OPENAIS_IPC_SOCKET`, default `@libais.socket`) through the CFG
//! service.
//!
//! * `-s`: the status of the rings, as openais printed it ("ring 0 active
//!   with no faults"), then the installed ring's id, state and members,
//!   then the quorum (corosync-quorumtool's field names);
//! * `-r`: clear the faulty state of the rings and rejoin the network.

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use sa_ipc::client::{CallError, Connection};
use sa_ipc::proto::cfg::{quorum_flags, QuorumInfo, RingReenable, RingStatusGet, RingStatusReply};
use sa_ipc::proto::service;
use sa_ipc::SocketAddress;

const USAGE: &str = "\
Usage: openais-cfgtool [-s] [-r] [-h]

Queries the executive named by $OPENAIS_IPC_SOCKET (default @libais.socket).

Options:
  -s  print the status of the rings, the installed ring and its members,
      and the quorum
  -r  reset the faulty state of the rings (after the network was repaired)
  -h  show this help

Exit status: 0 done, 1 the executive could not be asked, 2 bad usage.
";

/// Bound on one request: the CFG service answers from local state.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Default, PartialEq, Eq)]
struct Actions {
    status: bool,
    reenable: bool,
}

fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Option<Actions>, String> {
    let mut actions = Actions::default();
    for arg in args {
        let Some(text) = arg.to_str() else {
            return Err(format!("invalid argument {arg:?}"));
        };
        let Some(flags) = text.strip_prefix('-').filter(|f| !f.is_empty()) else {
            return Err(format!("unexpected argument {text}"));
        };
        for flag in flags.chars() {
            match flag {
                's' => actions.status = true,
                'r' => actions.reenable = true,
                'h' => return Ok(None),
                other => return Err(format!("unknown option -{other}")),
            }
        }
    }
    if actions == Actions::default() {
        return Ok(None);
    }
    Ok(Some(actions))
}

/// The text `-s` prints.
fn render(s: &RingStatusReply) -> String {
    let mut out = String::from("Printing ring status.\n");
    out += &format!("Local node ID {}\n", s.node_id);
    for ring in &s.interfaces {
        out += &format!(
            "RING ID {}\n\tid\t= {}\n\tstatus\t= {}\n",
            ring.ringnumber, ring.address, ring.status
        );
    }
    out += &format!(
        "Current ring {}.{} ({}), {} member(s)\n",
        s.ring_rep,
        s.ring_seq,
        s.state,
        s.members.len()
    );
    for m in &s.members {
        let address = if m.address.is_empty() {
            "(address not known yet)"
        } else {
            &m.address
        };
        out += &format!("\tmember\t{} {}\n", m.node_id, address);
    }
    out += &format!(
        "Rings installed {}, invalid digests {}, malformed packets {}\n",
        s.rings_installed, s.invalid_digests, s.malformed
    );
    if let Some(q) = &s.quorum {
        out += &render_quorum(q);
    }
    out
}

/// The quorum lines of `-s`, named as corosync-quorumtool names them.
fn render_quorum(q: &QuorumInfo) -> String {
    if !q.enabled {
        return "Quorum provider: none (always quorate)\n".to_owned();
    }
    let yes_no = if q.quorate { "Yes" } else { "No" };
    let mut flags: Vec<&str> = Vec::new();
    if q.quorate {
        flags.push("Quorate");
    }
    for (bit, name) in [
        (quorum_flags::TWO_NODE, "2Node"),
        (quorum_flags::WAITING_FOR_ALL, "WaitForAll"),
        (quorum_flags::LAST_MAN_STANDING, "LastManStanding"),
    ] {
        if q.flags & bit != 0 {
            flags.push(name);
        }
    }
    format!(
        "Quorum provider: votes\nQuorate: {yes_no}\nNodes: {}\nExpected votes: {}\nTotal votes: {}\nQuorum: {}\nFlags: {}\n",
        q.nodes,
        q.expected_votes,
        q.total_votes,
        q.quorum,
        flags.join(" ")
    )
}

/// Writes to stdout; a reader that went away (`| head`, a closed stdout)
/// is not an error of ours, and must not make the tool panic as `print!`
/// would (stderr is written the same way).
fn say(text: &str) {
    let _ = std::io::stdout().write_all(text.as_bytes());
}

fn run(actions: &Actions) -> Result<(), CallError> {
    let addr = SocketAddress::from_env();
    let conn = Connection::connect_to(&addr, service::CFG)?;
    if actions.reenable {
        say("Re-enabling all failed rings.\n");
        conn.call_within(&RingReenable, REQUEST_TIMEOUT)?;
    }
    if actions.status {
        let status = conn.call_within(&RingStatusGet, REQUEST_TIMEOUT)?;
        say(&render(&status));
    }
    Ok(())
}

fn main() -> ExitCode {
    let actions = match parse(std::env::args_os().skip(1)) {
        Ok(Some(a)) => a,
        Ok(None) => {
            say(USAGE);
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            let _ = write!(std::io::stderr(), "openais-cfgtool: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&actions) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(
                std::io::stderr(),
                "Could not initialize openais configuration API error {}: {e}",
                e.to_ais()
            );
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sa_ipc::proto::cfg::{RingInterface, RingMember};

    fn args(a: &[&str]) -> Vec<OsString> {
        a.iter().map(OsString::from).collect()
    }

    #[test]
    fn options() {
        assert_eq!(
            parse(args(&["-s"])).unwrap(),
            Some(Actions {
                status: true,
                reenable: false
            })
        );
        assert_eq!(
            parse(args(&["-rs"])).unwrap(),
            Some(Actions {
                status: true,
                reenable: true
            })
        );
        assert_eq!(parse(args(&["-h"])).unwrap(), None);
        assert_eq!(parse(args(&[])).unwrap(), None);
        assert!(parse(args(&["-x"])).is_err());
        assert!(parse(args(&["s"])).is_err());
    }

    #[test]
    fn status_text() {
        let s = RingStatusReply {
            node_id: 16777343,
            ring_rep: 16777343,
            ring_seq: 12,
            state: "OPERATIONAL".into(),
            members: vec![
                RingMember {
                    node_id: 16777343,
                    address: "127.0.0.1".into(),
                },
                RingMember {
                    node_id: 33554559,
                    address: String::new(),
                },
            ],
            interfaces: vec![RingInterface {
                ringnumber: 0,
                address: "127.0.0.1".into(),
                faulty: false,
                status: "ring 0 active with no faults".into(),
            }],
            rings_installed: 2,
            invalid_digests: 0,
            malformed: 0,
            quorum: None,
        };
        let text = render(&s);
        assert!(text.starts_with("Printing ring status.\nLocal node ID 16777343\nRING ID 0\n"));
        assert!(text.contains("\tid\t= 127.0.0.1\n\tstatus\t= ring 0 active with no faults\n"));
        assert!(text.contains("Current ring 16777343.12 (OPERATIONAL), 2 member(s)\n"));
        assert!(text.contains("\tmember\t33554559 (address not known yet)\n"));
        assert!(!text.contains("Quorum"));
    }

    #[test]
    fn quorum_text() {
        let none = QuorumInfo {
            quorate: true,
            ..QuorumInfo::default()
        };
        assert_eq!(
            render_quorum(&none),
            "Quorum provider: none (always quorate)\n"
        );
        let q = QuorumInfo {
            enabled: true,
            quorate: false,
            nodes: 2,
            total_votes: 2,
            expected_votes: 5,
            quorum: 3,
            flags: quorum_flags::WAITING_FOR_ALL,
        };
        assert_eq!(
            render_quorum(&q),
            "Quorum provider: votes\nQuorate: No\nNodes: 2\nExpected votes: 5\nTotal votes: 2\nQuorum: 3\nFlags: WaitForAll\n"
        );
        let q = QuorumInfo {
            quorate: true,
            flags: quorum_flags::TWO_NODE,
            ..q
        };
        assert!(render_quorum(&q).ends_with("Quorate: Yes\nNodes: 2\nExpected votes: 5\nTotal votes: 2\nQuorum: 3\nFlags: Quorate 2Node\n"));
    }
}
