//! `openais-cfgtool`: administrative queries of the local executive
//! (`OPENAIS_IPC_SOCKET`, default `@libais.socket`) through the CFG
//! service.
//!
//! * `-s`: the status of the rings, as openais printed it ("ring 0 active
//!   with no faults"), then the installed ring's id, state and members,
//!   then the quorum (corosync-quorumtool's field names);
//! * `-r`: clear the faulty state of the rings and rejoin the network;
//! * `--status [--expect N]`: a check for scripts, exit status 0 only when
//!   this node is in an operational ring, no ring is faulty, and the ring
//!   holds every configured member (udpu: every `memberaddr`; multicast,
//!   whose members are not configured: at least `--expect N` members when
//!   given); one line per problem;
//! * `--json`: the same check and everything known, as one JSON object
//!   for monitoring tools, with the same exit status.
//! * `-a`: the AMF state (through the AMF service): every SG, SU,
//!   component and SI with its presence, operational, readiness and HA
//!   states and the node each runs on.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use sa_ipc::client::{CallError, Connection};
use sa_ipc::proto::amf::Status as AmfStatus;
use sa_ipc::proto::cfg::{
    quorum_flags, ClusterInfoGet, ClusterInfoReply, QuorumInfo, RingReenable, RingStatusGet,
    RingStatusReply,
};
use sa_ipc::proto::service;
use sa_ipc::SocketAddress;

const USAGE: &str = "\
Usage: openais-cfgtool [-s] [-r] [-a] [-h]
       openais-cfgtool --status [--expect N]
       openais-cfgtool --json [--expect N]

Queries the executive named by $OPENAIS_IPC_SOCKET (default @libais.socket).

Options:
  -s            print the status of the rings, the installed ring and its members,
                and the quorum
  -r            reset the faulty state of the rings (after the network was repaired)
  --status      check this node: exit 0 only when it is in an operational ring,
                no ring is faulty and every configured member is in the ring
                (udpu: every memberaddr; multicast: at least N with --expect N)
  --json        the same check, and the ring, its members, the configured
                members and the services running, as one JSON object
  --expect N    the ring must have at least N members (any transport)
  -a            print the AMF state: SGs, SUs, components and SIs, their
                states and nodes
  -h, --help    show this help

Exit status: 0 done (--status, --json: healthy), 1 the executive could not
be asked, 2 bad usage, 3 (--status, --json) not healthy.
";

/// Bound on one request: the CFG service answers from local state.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

const EXIT_UNREACHABLE: u8 = 1;
const EXIT_USAGE: u8 = 2;
const EXIT_UNHEALTHY: u8 = 3;

#[derive(Debug, Default, PartialEq, Eq)]
struct Actions {
    status: bool,
    reenable: bool,
    /// `--status`: the health check.
    check: bool,
    /// `--json`: the health check as JSON.
    json: bool,
    /// `--expect N`.
    expect: Option<usize>,
    /// `-a`: the AMF state.
    amf: bool,
}

fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Option<Actions>, String> {
    let mut actions = Actions::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let Some(text) = arg.to_str() else {
            return Err(format!("invalid argument {arg:?}"));
        };
        match text {
            "--help" => return Ok(None),
            "--status" => actions.check = true,
            "--json" => actions.json = true,
            "--expect" => {
                let n = args
                    .next()
                    .and_then(|n| n.to_str().and_then(|n| n.parse::<usize>().ok()))
                    .filter(|&n| n > 0)
                    .ok_or("--expect needs a number of members (1 or more)")?;
                actions.expect = Some(n);
            }
            long if long.starts_with("--") => return Err(format!("unknown option {long}")),
            _ => {
                let Some(flags) = text.strip_prefix('-').filter(|f| !f.is_empty()) else {
                    return Err(format!("unexpected argument {text}"));
                };
                for flag in flags.chars() {
                    match flag {
                        's' => actions.status = true,
                        'r' => actions.reenable = true,
                        'a' => actions.amf = true,
                        'h' => return Ok(None),
                        other => return Err(format!("unknown option -{other}")),
                    }
                }
            }
        }
    }
    if actions.expect.is_some() && !actions.check && !actions.json {
        return Err("--expect goes with --status or --json".into());
    }
    if !(actions.status || actions.reenable || actions.check || actions.json || actions.amf) {
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

/// What is wrong with this node, by the rule of `--status`: nothing when
/// healthy. `info` is `None` when the executive predates the request for
/// it; the configured members are then not checked.
fn problems(
    s: &RingStatusReply,
    info: Option<&ClusterInfoReply>,
    expect: Option<usize>,
) -> Vec<String> {
    let mut out = Vec::new();
    if s.state != "OPERATIONAL" {
        out.push(format!("the ring is not operational (state {})", s.state));
    }
    for ring in s.interfaces.iter().filter(|r| r.faulty) {
        out.push(format!(
            "ring {} is faulty: {}",
            ring.ringnumber, ring.status
        ));
    }
    if let Some(info) = info {
        for member in &info.configured_members {
            if !s.members.iter().any(|m| m.address == *member) {
                out.push(format!("configured member {member} is not in the ring"));
            }
        }
    }
    if let Some(n) = expect {
        if s.members.len() < n {
            out.push(format!(
                "the ring has {} member(s), {n} expected",
                s.members.len()
            ));
        }
    }
    out
}

/// A JSON string literal.
fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn json_strings(texts: &[String]) -> String {
    let items: Vec<String> = texts.iter().map(|t| json_string(t)).collect();
    format!("[{}]", items.join(","))
}

/// The object `--json` prints (one line). Fields the executive could not
/// tell (it predates the request) are `null`.
fn render_json(
    s: &RingStatusReply,
    info: Option<&ClusterInfoReply>,
    expect: Option<usize>,
    problems: &[String],
) -> String {
    let members: Vec<String> = s
        .members
        .iter()
        .map(|m| {
            format!(
                "{{\"node_id\":{},\"address\":{}}}",
                m.node_id,
                if m.address.is_empty() {
                    "null".to_owned()
                } else {
                    json_string(&m.address)
                }
            )
        })
        .collect();
    let interfaces: Vec<String> = s
        .interfaces
        .iter()
        .map(|r| {
            format!(
                "{{\"ringnumber\":{},\"address\":{},\"faulty\":{},\"status\":{}}}",
                r.ringnumber,
                json_string(&r.address),
                r.faulty,
                json_string(&r.status)
            )
        })
        .collect();
    let or_null = |v: Option<String>| v.unwrap_or_else(|| "null".to_owned());
    format!(
        "{{\"healthy\":{},\"problems\":{},\"node_id\":{},\"state\":{},\
         \"ring\":{{\"rep\":{},\"seq\":{}}},\"members\":[{}],\"interfaces\":[{}],\
         \"expected_members\":{},\"transport\":{},\"configured_members\":{},\"services\":{},\
         \"rings_installed\":{},\"invalid_digests\":{},\"malformed\":{}}}\n",
        problems.is_empty(),
        json_strings(problems),
        s.node_id,
        json_string(&s.state),
        s.ring_rep,
        s.ring_seq,
        members.join(","),
        interfaces.join(","),
        or_null(expect.map(|n| n.to_string())),
        or_null(info.map(|i| json_string(&i.transport))),
        or_null(info.map(|i| json_strings(&i.configured_members))),
        or_null(info.map(|i| json_strings(&i.services))),
        s.rings_installed,
        s.invalid_digests,
        s.malformed,
    )
}

/// The line `--status` prints when healthy.
fn render_healthy(s: &RingStatusReply, info: Option<&ClusterInfoReply>) -> String {
    let configured = match info {
        Some(i) if !i.configured_members.is_empty() => {
            format!(", all {} configured members", i.configured_members.len())
        }
        _ => String::new(),
    };
    format!(
        "healthy: ring {}.{} {} with {} member(s){configured}\n",
        s.ring_rep,
        s.ring_seq,
        s.state,
        s.members.len()
    )
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

/// Runs the actions; `Ok(false)` when a check found the node unhealthy.
fn run(actions: &Actions) -> Result<bool, CallError> {
    let addr = SocketAddress::from_env();
    let conn = Connection::connect_to(&addr, service::CFG)?;
    if actions.reenable {
        say("Re-enabling all failed rings.\n");
        conn.call_within(&RingReenable, REQUEST_TIMEOUT)?;
    }
    let mut healthy = true;
    if actions.status || actions.check || actions.json {
        let status = conn.call_within(&RingStatusGet, REQUEST_TIMEOUT)?;
        if actions.status {
            say(&render(&status));
        }
        if actions.check || actions.json {
            // An executive older than this request drops the connection
            // on it: the configured members and services are then unknown.
            let info = conn.call_within(&ClusterInfoGet, REQUEST_TIMEOUT).ok();
            let problems = problems(&status, info.as_ref(), actions.expect);
            healthy = problems.is_empty();
            if actions.json {
                say(&render_json(
                    &status,
                    info.as_ref(),
                    actions.expect,
                    &problems,
                ));
            } else if healthy {
                say(&render_healthy(&status, info.as_ref()));
            } else {
                for p in &problems {
                    say(&format!("not healthy: {p}\n"));
                }
            }
        }
    }
    if actions.amf {
        let amf = Connection::connect_to(&addr, service::AMF)?;
        let view = amf.call_within(&AmfStatus, REQUEST_TIMEOUT)?;
        for line in view.lines {
            say(&String::from_utf8_lossy(&line));
            say("\n");
        }
    }
    Ok(healthy)
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
            return ExitCode::from(EXIT_USAGE);
        }
    };
    match run(&actions) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(EXIT_UNHEALTHY),
        Err(e) => {
            if actions.json {
                say(&format!(
                    "{{\"healthy\":false,\"problems\":[{}]}}\n",
                    json_string(&format!("the executive could not be asked: {e}"))
                ));
            }
            let _ = writeln!(
                std::io::stderr(),
                "Could not initialize openais configuration API error {}: {e}",
                e.to_ais()
            );
            ExitCode::from(EXIT_UNREACHABLE)
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
                ..Actions::default()
            })
        );
        assert_eq!(
            parse(args(&["-rs"])).unwrap(),
            Some(Actions {
                status: true,
                reenable: true,
                ..Actions::default()
            })
        );
        assert_eq!(
            parse(args(&["--status", "--expect", "3"])).unwrap(),
            Some(Actions {
                check: true,
                expect: Some(3),
                ..Actions::default()
            })
        );
        assert_eq!(
            parse(args(&["--json"])).unwrap(),
            Some(Actions {
                json: true,
                ..Actions::default()
            })
        );
        assert_eq!(
            parse(args(&["-a"])).unwrap(),
            Some(Actions {
                amf: true,
                ..Actions::default()
            })
        );
        assert_eq!(parse(args(&["-h"])).unwrap(), None);
        assert_eq!(parse(args(&["--help"])).unwrap(), None);
        assert_eq!(parse(args(&[])).unwrap(), None);
        for bad in [
            &["-x"][..],
            &["s"],
            &["--bogus"],
            &["--expect", "3"],
            &["--status", "--expect"],
            &["--status", "--expect", "0"],
            &["--status", "--expect", "many"],
        ] {
            assert!(parse(args(bad)).is_err(), "{bad:?}");
        }
    }

    fn ring(state: &str, members: &[(u32, &str)]) -> RingStatusReply {
        RingStatusReply {
            node_id: members.first().map_or(1, |m| m.0),
            ring_rep: 1,
            ring_seq: 4,
            state: state.into(),
            members: members
                .iter()
                .map(|&(node_id, a)| RingMember {
                    node_id,
                    address: a.into(),
                })
                .collect(),
            interfaces: vec![RingInterface {
                ringnumber: 0,
                address: "10.0.0.1".into(),
                faulty: false,
                status: "ring 0 active with no faults".into(),
            }],
            rings_installed: 1,
            invalid_digests: 0,
            malformed: 0,
            quorum: None,
        }
    }

    fn udpu(members: &[&str]) -> ClusterInfoReply {
        ClusterInfoReply {
            services: vec!["CLM".into(), "CFG".into()],
            transport: "udpu".into(),
            configured_members: members.iter().map(|m| (*m).into()).collect(),
        }
    }

    #[test]
    fn health_rule() {
        let all = ring("OPERATIONAL", &[(1, "10.0.0.1"), (2, "10.0.0.2")]);
        let info = udpu(&["10.0.0.1", "10.0.0.2"]);
        assert!(problems(&all, Some(&info), None).is_empty());
        assert!(problems(&all, Some(&info), Some(2)).is_empty());
        assert_eq!(
            problems(&all, Some(&info), Some(3)),
            vec!["the ring has 2 member(s), 3 expected"]
        );
        let one = ring("OPERATIONAL", &[(1, "10.0.0.1")]);
        assert_eq!(
            problems(&one, Some(&info), None),
            vec!["configured member 10.0.0.2 is not in the ring"]
        );
        // Multicast: nothing configured, only --expect counts.
        let mcast = ClusterInfoReply {
            transport: "udp".into(),
            configured_members: vec![],
            ..info.clone()
        };
        assert!(problems(&one, Some(&mcast), None).is_empty());
        assert!(!problems(&one, Some(&mcast), Some(2)).is_empty());
        // An older executive: only the ring itself is checked.
        assert!(problems(&one, None, None).is_empty());
        let gather = ring("GATHER", &[(1, "10.0.0.1"), (2, "10.0.0.2")]);
        assert_eq!(
            problems(&gather, Some(&info), None),
            vec!["the ring is not operational (state GATHER)"]
        );
        let mut faulty = all.clone();
        faulty.interfaces[0].faulty = true;
        faulty.interfaces[0].status = "FAULTY".into();
        assert_eq!(
            problems(&faulty, Some(&info), None),
            vec!["ring 0 is faulty: FAULTY"]
        );
    }

    #[test]
    fn json_form() {
        let s = ring("OPERATIONAL", &[(1, "10.0.0.1"), (2, "")]);
        let info = udpu(&["10.0.0.1"]);
        let text = render_json(&s, Some(&info), Some(2), &[]);
        assert_eq!(
            text,
            "{\"healthy\":true,\"problems\":[],\"node_id\":1,\"state\":\"OPERATIONAL\",\
             \"ring\":{\"rep\":1,\"seq\":4},\"members\":[{\"node_id\":1,\"address\":\"10.0.0.1\"},\
             {\"node_id\":2,\"address\":null}],\"interfaces\":[{\"ringnumber\":0,\"address\":\"10.0.0.1\",\
             \"faulty\":false,\"status\":\"ring 0 active with no faults\"}],\"expected_members\":2,\
             \"transport\":\"udpu\",\"configured_members\":[\"10.0.0.1\"],\"services\":[\"CLM\",\"CFG\"],\
             \"rings_installed\":1,\"invalid_digests\":0,\"malformed\":0}\n"
        );
        let old = render_json(&s, None, None, &["a \"b\"\n".to_owned()]);
        assert!(
            old.starts_with("{\"healthy\":false,\"problems\":[\"a \\\"b\\\"\\n\"]"),
            "{old}"
        );
        assert!(old.contains("\"transport\":null,\"configured_members\":null,\"services\":null"));
        assert_eq!(json_string("\u{1}\\"), "\"\\u0001\\\\\"");
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
