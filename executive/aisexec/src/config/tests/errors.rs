//! Every way a file can be refused, with the exact message.

use std::path::Path;

use super::*;

#[test]
fn every_error_names_file_line_and_problem() {
    let udpu_iface = "\tinterface {\n\t\tbindnetaddr: 127.0.0.1\n\t}\n";
    let cases: Vec<(&str, String, &str)> = vec![
        // --- syntax
        (
            "no colon",
            "totem {\n\tversion 2\n}\n".into(),
            "test.conf:2: expected `key: value`, `name {` or `}`",
        ),
        (
            "empty key",
            "totem {\n\t: 2\n}\n".into(),
            "test.conf:2: expected `key: value`, `name {` or `}`",
        ),
        (
            "section and key on one line",
            format!("{}amf {{ mode: disabled }}\n", totem("")),
            "test.conf:8: a `{` must end its line and a `}` must stand alone on its line",
        ),
        (
            "key then close brace",
            format!("{}amf {{\n\tmode: disabled }}\n", totem("")),
            "test.conf:9: a `{` must end its line and a `}` must stand alone on its line",
        ),
        (
            "key opening a section",
            "totem {\n\tversion: 2 {\n}\n".into(),
            "test.conf:2: a `{` must end its line and a `}` must stand alone on its line",
        ),
        ("brace without name", "{\n}\n".into(), "test.conf:1: `{` without a section name"),
        ("blank in section name", "tot em {\n}\n".into(), "test.conf:1: `tot em` is not a valid name"),
        (
            "blank in key",
            "totem {\n\tto ken: 5\n}\n".into(),
            "test.conf:2: `to ken` is not a valid name",
        ),
        ("empty value", "totem {\n\tversion:\n}\n".into(), "test.conf:2: `version` has no value"),
        ("stray close", "# comment\n}\n".into(), "test.conf:2: `}` without an open section"),
        ("unclosed", "totem {\n\tversion: 2\n".into(), "test.conf:1: section `totem` is not closed"),
        (
            "unclosed inner",
            "totem {\n\tversion: 2\n\tinterface {\n\t\tbindnetaddr: 10.0.0.0\n".into(),
            "test.conf:3: section `interface` is not closed",
        ),
        ("key outside", "version: 2\n".into(), "test.conf:1: `version` is outside any section"),
        (
            "nested too deep",
            format!("{}{}", "a {\n".repeat(17), "}\n".repeat(17)),
            "test.conf:17: sections are nested more than 16 deep",
        ),
        // --- structure
        (
            "unknown top-level section",
            format!("{}service {{\n\tname: pacemaker\n}}\n", totem("")),
            "test.conf:8: unknown section `service`",
        ),
        (
            "unknown inner section",
            totem("\tfoo {\n\t}\n"),
            "test.conf:3: unknown section `foo` in `totem`",
        ),
        (
            "unknown section inside interface",
            totem_bare("\tinterface {\n\t\tbindnetaddr: 10.0.0.0\n\t\tbar {\n\t\t}\n\t}\n"),
            "test.conf:5: unknown section `bar` in `interface`",
        ),
        (
            "unknown section inside logger",
            format!("{}logging {{\n\tlogger {{\n\t\tident: CLM\n\t\tx {{\n\t\t}}\n\t}}\n}}\n", totem("")),
            "test.conf:11: unknown section `x` in `logger`",
        ),
        (
            "totem twice through its alias",
            format!("{}{}", totem(""), totem("").replace("totem", "network")),
            "test.conf:8: section `network` repeats the one at line 1",
        ),
        (
            "logging twice",
            format!("{}logging {{\n}}\nlogging {{\n}}\n", totem("")),
            "test.conf:10: section `logging` repeats the one at line 8",
        ),
        (
            "no totem",
            "logging {\n\tto_stderr: yes\n}\n".into(),
            "test.conf: no `totem { }` section",
        ),
        ("no interface", totem_bare(""), "test.conf:1: no `interface { }` section"),
        (
            "no version",
            format!("totem {{\n{IFACE}}}\n"),
            "test.conf:1: `totem` needs `version`",
        ),
        (
            "interface without bindnetaddr",
            totem_bare("\tinterface {\n\t\tmcastaddr: 226.94.1.1\n\t}\n"),
            "test.conf:3: `interface` needs `bindnetaddr`",
        ),
        (
            "udp interface without mcastaddr",
            totem_bare("\tinterface {\n\t\tbindnetaddr: 10.0.0.0\n\t}\n"),
            "test.conf:3: `interface` needs `mcastaddr`",
        ),
        (
            "member without memberaddr",
            totem_bare(&format!("\ttransport: udpu\n{udpu_iface}\tmember {{\n\t}}\n")),
            "test.conf:7: `member` needs `memberaddr`",
        ),
        (
            "logger without ident",
            format!("{}logging {{\n\tlogger {{\n\t\tdebug: on\n\t}}\n}}\n", totem("")),
            "test.conf:9: `logger` needs `ident`",
        ),
        (
            "logger_subsys without subsys",
            format!("{}logging {{\n\tlogger_subsys {{\n\t\tdebug: on\n\t}}\n}}\n", totem("")),
            "test.conf:9: `logger_subsys` needs `subsys`",
        ),
        // --- values
        (
            "token not a number",
            totem("\ttoken: abc\n"),
            "test.conf:3: `token: abc`: expected a decimal number",
        ),
        (
            "negative number",
            totem("\tjoin: -5\n"),
            "test.conf:3: `join: -5`: expected a decimal number",
        ),
        (
            "number with unit",
            totem("\ttoken: 1000ms\n"),
            "test.conf:3: `token: 1000ms`: expected a decimal number",
        ),
        (
            "bad boolean",
            totem("\tsecauth: maybe\n"),
            "test.conf:3: `secauth: maybe`: expected on/off or yes/no",
        ),
        (
            "bad address",
            totem_bare("\tinterface {\n\t\tbindnetaddr: 192.168.1\n\t\tmcastaddr: 226.94.1.1\n\t}\n"),
            "test.conf:4: `bindnetaddr: 192.168.1`: expected an IPv4 or IPv6 address",
        ),
        (
            "bad transport",
            totem("\ttransport: iba\n"),
            "test.conf:3: `transport: iba`: expected udp or udpu",
        ),
        (
            "bad rrp_mode",
            totem("\trrp_mode: both\n"),
            "test.conf:3: `rrp_mode: both`: expected none, active or passive",
        ),
        (
            "bad syslog facility",
            format!("{}logging {{\n\tsyslog_facility: local9\n}}\n", totem("")),
            "test.conf:9: `syslog_facility: local9`: expected daemon or local0 ... local7",
        ),
        (
            "bad logoutput",
            format!("{}logging {{\n\tlogoutput: printer\n}}\n", totem("")),
            "test.conf:9: `logoutput: printer`: expected stderr, file or syslog",
        ),
        (
            "bad debug",
            format!("{}logging {{\n\tdebug: verbose\n}}\n", totem("")),
            "test.conf:9: `debug: verbose`: expected on/off or yes/no",
        ),
        (
            "bad tags",
            format!(
                "{}logging {{\n\tlogger {{\n\t\tident: AMF\n\t\tdebug: on\n\t\ttags: enter|bogus\n\t}}\n}}\n",
                totem("")
            ),
            "test.conf:12: `tags: enter|bogus`: expected tags joined by | (enter, leave, return, trace1 ... trace8)",
        ),
        (
            "bad amf mode",
            format!("{}amf {{\n\tmode: on\n}}\n", totem("")),
            "test.conf:9: `mode: on`: expected enabled or disabled",
        ),
        (
            "netmtu too large",
            totem("\tnetmtu: 20000\n"),
            "test.conf:3: `netmtu: 20000`: must be between 576 and 9000",
        ),
        (
            "threads too many",
            totem("\tthreads: 17\n"),
            "test.conf:3: `threads: 17`: must be between 0 and 16",
        ),
        (
            "port too large",
            totem_bare("\tinterface {\n\t\tbindnetaddr: 10.0.0.0\n\t\tmcastaddr: 226.94.1.1\n\t\tmcastport: 70000\n\t}\n"),
            "test.conf:6: `mcastport: 70000`: must be between 1 and 65535",
        ),
        (
            "ring number too large",
            totem_bare("\tinterface {\n\t\tringnumber: 8\n\t\tbindnetaddr: 10.0.0.0\n\t\tmcastaddr: 226.94.1.1\n\t}\n"),
            "test.conf:4: `ringnumber: 8`: must be between 0 and 7",
        ),
        (
            "nodeid beyond 32 bits",
            totem("\tnodeid: 4294967296\n"),
            "test.conf:3: `nodeid: 4294967296`: must be between 0 and 4294967295",
        ),
        (
            "window_size zero",
            totem("\twindow_size: 0\n"),
            "test.conf:3: `window_size: 0`: must be between 1 and 4294967295",
        ),
        (
            "huge number",
            totem("\ttoken: 99999999999999999999999\n"),
            "test.conf:3: `token: 99999999999999999999999`: must be between 0 and 4294967295",
        ),
        (
            "queue size zero",
            format!("{}event {{\n\tdelivery_queue_size: 0\n}}\n", totem("")),
            "test.conf:9: `delivery_queue_size: 0`: must be between 1 and 4294967295",
        ),
        (
            "checkpoint limit above 1 TiB",
            format!(
                "{}checkpoint {{\n\tmax_total_size: 1099511627777\n}}\n",
                totem("")
            ),
            "test.conf:9: `max_total_size: 1099511627777`: must be between 0 and 1099511627776",
        ),
        (
            "token below minimum",
            totem("\ttoken: 20\n"),
            "test.conf:3: token is 20 ms, below the minimum of 30 ms",
        ),
        (
            "derived retransmit below minimum",
            totem("\ttoken: 100\n"),
            "test.conf:3: token_retransmit is 23 ms (derived from token), below the minimum of 30 ms",
        ),
        (
            "derived hold below minimum",
            totem("\ttoken: 150\n"),
            "test.conf:3: hold is 18 ms (derived from token_retransmit), below the minimum of 30 ms",
        ),
        (
            "retransmit derived from many retransmits",
            totem("\ttoken: 1000\n\ttoken_retransmits_before_loss_const: 40\n"),
            "test.conf:4: token_retransmit is 24 ms (derived from token), below the minimum of 30 ms",
        ),
        (
            "written join below minimum",
            totem("\tjoin: 10\n"),
            "test.conf:3: join is 10 ms, below the minimum of 30 ms",
        ),
        (
            "timeout section value below minimum",
            format!("{}timeout {{\n\tconsensus: 5\n}}\n", totem("")),
            "test.conf:9: consensus is 5 ms, below the minimum of 30 ms",
        ),
        (
            "unsupported version",
            format!("totem {{\n\tversion: 1\n{IFACE}}}\n"),
            "test.conf:2: totem version `1` is not supported: only version 2 is",
        ),
        ("nodeid zero", totem("\tnodeid: 0\n"), "test.conf:3: nodeid 0 is reserved"),
        (
            "IPv6 without nodeid",
            totem_bare("\tinterface {\n\t\tbindnetaddr: fec0::1:a800:4ff:fe00:20\n\t\tmcastaddr: ff15::1\n\t}\n"),
            "test.conf:4: IPv6 requires nodeid",
        ),
        (
            "IPv6 udpu without nodeid",
            totem_bare("\ttransport: udpu\n\tinterface {\n\t\tbindnetaddr: ::1\n\t}\n\tmember {\n\t\tmemberaddr: ::1\n\t}\n"),
            "test.conf:5: IPv6 requires nodeid",
        ),
        (
            "multicast family differs",
            totem_bare("\tinterface {\n\t\tbindnetaddr: 192.168.1.0\n\t\tmcastaddr: ff15::1\n\t}\n"),
            "test.conf:5: mcastaddr ff15::1 is not of the same address family as bindnetaddr 192.168.1.0",
        ),
        (
            "member family differs",
            totem_bare(&format!("\ttransport: udpu\n{udpu_iface}\tmember {{\n\t\tmemberaddr: ::1\n\t}}\n")),
            "test.conf:8: memberaddr ::1 is not of the same address family as bindnetaddr 127.0.0.1",
        ),
        (
            "rings of different families",
            totem_bare(
                "\trrp_mode: passive\n\tinterface {\n\t\tbindnetaddr: 10.0.0.0\n\t\tmcastaddr: 226.94.1.1\n\t}\n\tinterface {\n\t\tringnumber: 1\n\t\tbindnetaddr: fec0::1\n\t\tmcastaddr: ff15::1\n\t}\n\tnodeid: 1\n",
            ),
            "test.conf:10: bindnetaddr fec0::1 is not of the same address family as bindnetaddr 10.0.0.0",
        ),
        (
            "unicast mcastaddr",
            totem_bare("\tinterface {\n\t\tbindnetaddr: 192.168.1.0\n\t\tmcastaddr: 192.168.1.255\n\t}\n"),
            "test.conf:5: mcastaddr 192.168.1.255 is not a multicast address",
        ),
        (
            "udpu without members",
            totem_bare(&format!("\ttransport: udpu\n{udpu_iface}")),
            "test.conf:1: transport udpu needs at least one `member { memberaddr: ADDRESS }`",
        ),
        (
            "two interfaces on one ring",
            totem_bare(
                "\trrp_mode: active\n\tinterface {\n\t\tbindnetaddr: 10.0.0.0\n\t\tmcastaddr: 226.94.1.1\n\t}\n\tinterface {\n\t\tbindnetaddr: 10.1.0.0\n\t\tmcastaddr: 226.94.1.2\n\t}\n",
            ),
            "test.conf:8: ringnumber 0 repeats the interface at line 4",
        ),
        (
            "two rings without rrp",
            totem_bare(
                "\tinterface {\n\t\tbindnetaddr: 10.0.0.0\n\t\tmcastaddr: 226.94.1.1\n\t}\n\tinterface {\n\t\tringnumber: 1\n\t\tbindnetaddr: 10.1.0.0\n\t\tmcastaddr: 226.94.1.2\n\t}\n",
            ),
            "test.conf:7: 2 interfaces need rrp_mode active or passive",
        ),
        (
            "rrp with one interface",
            totem_bare("\trrp_mode: active\n\tinterface {\n\t\tbindnetaddr: 10.0.0.0\n\t\tmcastaddr: 226.94.1.1\n\t}\n"),
            "test.conf:4: rrp_mode active needs at least 2 interface sections (ringnumber 0 and 1)",
        ),
        (
            "a gap in the ring numbers",
            totem_bare(
                "\trrp_mode: passive\n\tinterface {\n\t\tbindnetaddr: 10.0.0.0\n\t\tmcastaddr: 226.94.1.1\n\t}\n\tinterface {\n\t\tringnumber: 2\n\t\tbindnetaddr: 10.1.0.0\n\t\tmcastaddr: 226.94.1.2\n\t}\n",
            ),
            "test.conf:8: ringnumber 2 without ringnumber 1: rings are numbered from 0 without a gap",
        ),
        (
            "a udpu ring without members",
            totem_bare(
                "\trrp_mode: passive\n\ttransport: udpu\n\tinterface {\n\t\tbindnetaddr: 10.0.0.1\n\t}\n\tinterface {\n\t\tringnumber: 1\n\t\tbindnetaddr: 10.1.0.1\n\t}\n\tmember {\n\t\tmemberaddr: 10.0.0.1\n\t}\n",
            ),
            "test.conf:8: ring 1 needs its own `member { memberaddr: ADDRESS }` sections inside its interface (transport udpu)",
        ),
        (
            "rrp threshold below openais's minimum",
            totem("\trrp_problem_count_threshold: 4\n"),
            "test.conf:3: `rrp_problem_count_threshold: 4`: must be between 5 and 1000000",
        ),
        (
            "max_messages beyond one rotation",
            totem("\tnetmtu: 9000\n\tmax_messages: 200\n"),
            "test.conf:4: max_messages 200 is more than 116 messages of netmtu bytes",
        ),
        (
            "file output without file",
            format!("{}logging {{\n\tto_file: yes\n}}\n", totem("")),
            "test.conf:9: logging to a file needs `logfile`",
        ),
        (
            "logoutput file without file",
            format!("{}logging {{\n\tlogoutput: stderr\n\tlogoutput: file\n}}\n", totem("")),
            "test.conf:10: logging to a file needs `logfile`",
        ),
        (
            "resume above size",
            format!(
                "{}event {{\n\tdelivery_queue_size: 100\n\tdelivery_queue_resume: 500\n}}\n",
                totem("")
            ),
            "test.conf:10: delivery_queue_resume 500 is above delivery_queue_size 100",
        ),
    ];

    let mut failures = Vec::new();
    for (name, text, want) in &cases {
        match parse(text, FILE) {
            Ok(_) => failures.push(format!("{name}: accepted")),
            Err(e) if e.to_string() != *want => {
                failures.push(format!("{name}:\n   got  {e}\n   want {want}"))
            }
            Err(_) => {}
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// However deep a file nests its sections, it is refused with an error,
/// not a stack overflow.
#[test]
fn pathological_nesting_is_refused() {
    let depth = 1_000_000;
    let text = format!("{}{}", "a {\n".repeat(depth), "}\n".repeat(depth));
    let e = parse(&text, FILE).unwrap_err();
    assert!(matches!(e.kind, ConfigErrorKind::TooDeep(_)), "{e}");
}

#[test]
fn unreadable_file_is_an_error_without_line() {
    let e = load(Path::new("/nonexistent/openais.conf")).unwrap_err();
    assert_eq!(e.line, 0);
    assert!(matches!(e.kind, ConfigErrorKind::Io(_)));
    assert!(
        e.to_string()
            .starts_with("/nonexistent/openais.conf: cannot read the configuration file: "),
        "{e}"
    );
}

/// A path to an endless file (a device, a pipe) must not grow the
/// executive: reading stops one byte past the limit.
#[test]
fn endless_file_is_too_large() {
    let started = std::time::Instant::now();
    let e = load(Path::new("/dev/zero")).unwrap_err();
    assert_eq!(e.line, 0);
    assert!(
        matches!(e.kind, ConfigErrorKind::TooLarge { limit } if limit == MAX_CONFIG_BYTES),
        "{e}"
    );
    assert_eq!(e.to_string(), "/dev/zero: too large (limit 1048576 bytes)");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

#[test]
fn a_file_just_over_the_limit_is_too_large() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.conf");
    // a valid file padded with comments past the limit
    let mut text = "# padding\n".repeat((MAX_CONFIG_BYTES / 10) as usize + 1);
    text.push_str("totem {\n\tversion: 2\n}\n");
    std::fs::write(&path, text).unwrap();
    let e = load(&path).unwrap_err();
    assert!(matches!(e.kind, ConfigErrorKind::TooLarge { .. }), "{e}");
}
