//! What accepted files mean: defaults, derivations, aliases, older forms,
//! warnings, the shipped examples.

use std::net::IpAddr;
use std::path::Path;

use super::*;

#[test]
fn defaults_are_openais_0_80s() {
    let c = ok(&totem(""));
    let t = &c.totem;
    assert!(t.secauth);
    assert_eq!(t.nodeid, None);
    assert!(!t.clear_node_high_bit);
    assert_eq!(t.threads, 0);
    assert_eq!(t.netmtu, 1500);
    assert_eq!(t.transport, Transport::Udp);
    assert_eq!(t.rrp_mode, RrpMode::None);
    assert_eq!(
        t.interfaces,
        vec![Interface {
            ringnumber: 0,
            bindnetaddr: "192.168.1.0".parse().unwrap(),
            mcastaddr: Some("226.94.1.1".parse().unwrap()),
            mcastport: 5405,
            members: vec![],
        }]
    );
    assert!(t.members.is_empty());
    assert_eq!(t.keyfile, None);
    assert_eq!(t.key, None);

    let want = Timeouts {
        token: 1000,
        token_retransmit: 238,
        hold: 180,
        token_retransmits_before_loss_const: 4,
        join: 50,
        send_join: 0,
        consensus: 800,
        merge: 200,
        downcheck: 1000,
        fail_recv_const: 50,
        seqno_unchanged_const: 30,
        max_network_delay: 50,
        window_size: 50,
        max_messages: 17,
    };
    assert_eq!(t.timeouts, want);
    assert_eq!(Timeouts::default(), want);
    assert_eq!(t.to_totem(), ::totem::Config::default());

    assert_eq!(c.logging, LoggingConfig::default());
    assert!(c.logging.to_syslog && !c.logging.to_stderr && !c.logging.to_file);
    assert_eq!(c.logging.syslog_facility, SyslogFacility::Daemon);
    assert_eq!(c.aisexec.user, "ais");
    assert_eq!(c.aisexec.group, "ais");
    assert_eq!(c.amf.mode, AmfMode::Disabled);
    assert_eq!(c.clm.node_name, ClmNodeName::Address);
    assert_eq!(c.event.delivery_queue_size, 1000);
    assert_eq!(c.event.delivery_queue_resume, 500);
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
}

#[test]
fn retransmit_and_hold_derive_from_token_as_openais_does() {
    // (keys, token_retransmit, hold)
    let cases = [
        ("\ttoken: 3000\n", 714, 561),
        (
            "\ttoken: 5000\n\ttoken_retransmits_before_loss_const: 20\n",
            247,
            187,
        ),
        ("\ttoken: 10000\n\tretransmits_before_loss: 20\n", 495, 386),
        ("\ttoken: 3000\n\ttoken_retransmit: 500\n", 500, 390),
        ("\ttoken: 3000\n\thold: 100\n", 714, 100),
    ];
    for (keys, retransmit, hold) in cases {
        let t = ok(&totem(keys)).totem.timeouts;
        assert_eq!((t.token_retransmit, t.hold), (retransmit, hold), "{keys}");
    }
}

#[test]
fn every_key_reaches_the_protocol_config() {
    let c = ok(&totem(
        "\tnetmtu: 9000\n\ttoken: 3000\n\ttoken_retransmit: 600\n\thold: 400\n\
         \ttoken_retransmits_before_loss_const: 5\n\tjoin: 60\n\tsend_join: 80\n\
         \tconsensus: 3600\n\tmerge: 300\n\tdowncheck: 2000\n\tfail_recv_const: 60\n\
         \tseqno_unchanged_const: 40\n\tmax_network_delay: 70\n\twindow_size: 100\n\
         \tmax_messages: 20\n",
    ));
    let want = ::totem::Config {
        token: 3000,
        token_retransmit: 600,
        hold: 400,
        token_retransmits_before_loss_const: 5,
        join: 60,
        send_join: 80,
        consensus: 3600,
        merge: 300,
        downcheck: 2000,
        fail_recv_const: 60,
        seqno_unchanged_const: 40,
        max_network_delay: 70,
        window_size: 100,
        max_messages: 20,
        netmtu: 9000,
    };
    assert_eq!(c.totem.to_totem(), want);
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
}

#[test]
fn network_is_an_alias_of_totem() {
    let as_totem = ok(&totem("\tsecauth: off\n\ttoken: 2000\n"));
    let as_network = ok(&totem("\tsecauth: off\n\ttoken: 2000\n").replace("totem {", "network {"));
    assert_eq!(as_totem, as_network);
}

#[test]
fn the_flat_timeout_section_sets_timeouts_and_totem_wins() {
    let c = ok(&format!(
        "{}timeout {{\n\ttoken: 2000\n\tconsensus: 2400\n\tfail_to_recv_const: 70\n}}\n",
        totem("\tconsensus: 3000\n")
    ));
    let t = &c.totem.timeouts;
    assert_eq!(t.token, 2000);
    assert_eq!(t.token_retransmit, 2000 * 10 / 42);
    assert_eq!(t.consensus, 3000);
    assert_eq!(t.fail_recv_const, 70);
    assert_eq!(
        c.warnings,
        vec![ConfigWarning {
            file: FILE.into(),
            line: 11,
            kind: WarningKind::OverriddenByTotem {
                key: "consensus".into(),
                totem_line: 3,
            },
        }]
    );
    assert_eq!(
        c.warnings[0].to_string(),
        "test.conf:11: `consensus` is also set in totem at line 3, which wins"
    );
}

#[test]
fn the_flat_network_form_of_the_first_releases() {
    let c = ok("network {\n\tversion: 2\n\tbindnetaddr: 10.0.0.0\n\tmcastaddr: 226.94.1.1\n\tmcastport: 6000\n}\n");
    assert_eq!(
        c.totem.interfaces,
        vec![Interface {
            ringnumber: 0,
            bindnetaddr: "10.0.0.0".parse().unwrap(),
            mcastaddr: Some("226.94.1.1".parse().unwrap()),
            mcastport: 6000,
            members: vec![],
        }]
    );
}

#[test]
fn unknown_keys_are_warnings_not_errors() {
    let text = format!(
        "{}logging {{\n\tcolour: red\n\tto_stderr: yes\n}}\naisexec {{\n\tuser: root\n\tuser: nobody\n}}\n",
        totem("\tfoo: bar\n\tvsftype: none\n")
    );
    let c = ok(&text);
    let got: Vec<String> = c.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        got,
        vec![
            "test.conf:3: unknown key `foo` in `totem` ignored",
            "test.conf:4: `vsftype` has no effect in this implementation",
            "test.conf:11: unknown key `colour` in `logging` ignored",
            "test.conf:16: `user` repeats line 15; this value is used",
        ]
    );
    assert_eq!(c.aisexec.user, "nobody");
    assert!(c.logging.to_stderr);
}

#[test]
fn unknown_keys_in_interfaces_and_members_are_warnings() {
    let c = ok(&totem_bare(
        "\ttransport: udpu\n\tinterface {\n\t\tbindnetaddr: 127.0.0.1\n\t\tmcastaddr: 226.94.1.1\n\t\tbroadcast: yes\n\t}\n\tmember {\n\t\tmemberaddr: 127.0.0.1\n\t\tweight: 3\n\t}\n",
    ));
    let got: Vec<String> = c.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        got,
        vec![
            "test.conf:6: mcastaddr is not used with transport udpu",
            "test.conf:7: unknown key `broadcast` in `interface` ignored",
            "test.conf:11: unknown key `weight` in `member` ignored",
        ]
    );
    assert_eq!(c.totem.interfaces[0].mcastaddr, None);
}

#[test]
fn booleans_take_on_off_yes_no_in_any_case() {
    for (word, want) in [
        ("on", true),
        ("yes", true),
        ("YES", true),
        ("Off", false),
        ("no", false),
    ] {
        let c = ok(&totem(&format!(
            "\tsecauth: {word}\n\tclear_node_high_bit: {word}\n"
        )));
        assert_eq!(c.totem.secauth, want, "{word}");
        assert_eq!(c.totem.clear_node_high_bit, want, "{word}");
    }
}

#[test]
fn secauth_off_means_no_threads_and_no_key() {
    let c = ok(&totem("\tsecauth: off\n\tthreads: 4\n\tkeyfile: /k\n"));
    assert_eq!(c.totem.threads, 0);
    assert_eq!(c.totem.key_source(Path::new("/etc/ais/authkey")), None);
}

#[test]
fn key_location_follows_openais_order() {
    let default = Path::new("/etc/ais/authkey");
    let c = ok(&totem(""));
    assert_eq!(c.totem.key_source(default), Some(KeySource::File(default)));
    let c = ok(&totem("\tkey: s3cret\n"));
    assert_eq!(
        c.totem.key_source(default),
        Some(KeySource::Inline(b"s3cret"))
    );
    assert_eq!(format!("{:?}", c.totem.key), "Some(InlineKey(<6 bytes>))");
    let c = ok(&totem("\tkey: s3cret\n\tkeyfile: /srv/key\n"));
    assert_eq!(
        c.totem.key_source(default),
        Some(KeySource::File(Path::new("/srv/key")))
    );
}

#[test]
fn ipv6_with_nodeid() {
    let c = ok(&totem_bare(
        "\tnodeid: 7\n\tinterface {\n\t\tbindnetaddr: fec0::1:a800:4ff:fe00:20\n\t\tmcastaddr: ff15::1\n\t}\n",
    ));
    let iface = &c.totem.interfaces[0];
    assert_eq!(
        iface.bindnetaddr,
        "fec0::1:a800:4ff:fe00:20".parse::<IpAddr>().unwrap()
    );
    assert_eq!(iface.mcastaddr, Some("ff15::1".parse().unwrap()));
    assert_eq!(c.totem.nodeid_for(iface.bindnetaddr), Some(7));
}

#[test]
fn nodeid_from_the_bound_address() {
    let c = ok(&totem(""));
    assert_eq!(
        c.totem.nodeid_for("10.213.1.1".parse().unwrap()),
        Some(16897290)
    );
    assert_eq!(c.totem.nodeid_for("::1".parse().unwrap()), None);
    let c = ok(&totem("\tclear_node_high_bit: yes\n"));
    assert_eq!(
        c.totem.nodeid_for("192.168.1.200".parse().unwrap()),
        Some(0x4801_a8c0)
    );
    let c = ok(&totem("\tnodeid: 42\n"));
    assert_eq!(
        c.totem.nodeid_for("192.168.1.200".parse().unwrap()),
        Some(42)
    );
}

#[test]
fn udpu_members_in_either_place() {
    let c = ok(&totem_bare(
        "\ttransport: udpu\n\tinterface {\n\t\tbindnetaddr: 127.0.0.2\n\t\tmember {\n\t\t\tmemberaddr: 127.0.0.1\n\t\t}\n\t}\n\tmember {\n\t\tmemberaddr: 127.0.0.2\n\t}\n\tmember {\n\t\tmemberaddr: 127.0.0.3\n\t}\n",
    ));
    assert_eq!(c.totem.transport, Transport::Udpu);
    let members: Vec<IpAddr> = ["127.0.0.1", "127.0.0.2", "127.0.0.3"]
        .iter()
        .map(|a| a.parse().unwrap())
        .collect();
    assert_eq!(c.totem.members, members);
}

#[test]
fn redundant_rings_sorted_by_number() {
    let c = ok(&totem_bare(
        "\trrp_mode: passive\n\tinterface {\n\t\tringnumber: 1\n\t\tbindnetaddr: 10.1.0.0\n\t\tmcastaddr: 226.94.1.2\n\t}\n\tinterface {\n\t\tbindnetaddr: 10.0.0.0\n\t\tmcastaddr: 226.94.1.1\n\t\tmcastport: 5407\n\t}\n",
    ));
    assert_eq!(c.totem.rrp_mode, RrpMode::Passive);
    let rings: Vec<(u32, u16)> = c
        .totem
        .interfaces
        .iter()
        .map(|i| (i.ringnumber, i.mcastport))
        .collect();
    assert_eq!(rings, vec![(0, 5407), (1, 5405)]);
}

#[test]
fn layout_freedom() {
    // Comments anywhere, indented comments, CRLF line ends, no blank
    // before `{`, an empty one-line section, blanks around the colon.
    let text = "# head\r\n\r\ntotem{\r\n  # indented comment\r\n version : 2\r\n\tinterface {\r\n\t\tbindnetaddr:10.0.0.0\r\n\t\tmcastaddr:   226.94.1.1   \r\n\t}\r\n}\r\namf { }\r\n";
    let c = ok(text);
    assert_eq!(
        c.totem.interfaces[0].bindnetaddr,
        "10.0.0.0".parse::<IpAddr>().unwrap()
    );
    assert_eq!(c.amf.mode, AmfMode::Disabled);
}

#[test]
fn logging_destinations() {
    let logging = |body: &str| ok(&format!("{}logging {{\n{body}}}\n", totem(""))).logging;

    // None named: syslog only.
    let l = logging("\tdebug: on\n");
    assert!((l.to_syslog, l.to_stderr, l.to_file) == (true, false, false) && l.debug);

    // Named: exactly those.
    let l = logging("\tto_stderr: yes\n");
    assert_eq!((l.to_syslog, l.to_stderr, l.to_file), (false, true, false));
    let l = logging(
        "\tto_stderr: yes\n\tto_syslog: yes\n\tto_file: yes\n\tlogfile: /var/log/ais.log\n",
    );
    assert_eq!((l.to_syslog, l.to_stderr, l.to_file), (true, true, true));
    assert_eq!(l.logfile.as_deref(), Some(Path::new("/var/log/ais.log")));

    // The older repeatable logoutput form.
    let l = logging("\tlogoutput: stderr\n\tlogoutput: file\n\tlogfile: /tmp/ais.log\n");
    assert_eq!((l.to_syslog, l.to_stderr, l.to_file), (false, true, true));

    // An explicit key beats logoutput.
    let l = logging("\tlogoutput: syslog\n\tto_syslog: no\n\tto_stderr: yes\n");
    assert_eq!((l.to_syslog, l.to_stderr, l.to_file), (false, true, false));

    let l = logging("\ttimestamp: on\n\tfileline: on\n\tsyslog_facility: local3\n");
    assert!(l.timestamp && l.fileline);
    assert_eq!(l.syslog_facility, SyslogFacility::Local3);
}

#[test]
fn loggers_per_subsystem() {
    let c = ok(&format!(
        "{}logging {{\n\tlogger {{\n\t\tident: CKPT\n\t\tdebug: on\n\t}}\n\tlogger {{\n\t\tident: AMF\n\t\tdebug: on\n\t\ttags: enter|leave|trace1\n\t}}\n\tlogger_subsys {{\n\t\tsubsys: CLM\n\t\ttags: trace2\n\t}}\n}}\n",
        totem("")
    ));
    assert_eq!(
        c.logging.loggers,
        vec![
            LoggerConfig {
                ident: "CKPT".into(),
                debug: true,
                trace: false,
            },
            LoggerConfig {
                ident: "AMF".into(),
                debug: true,
                trace: true,
            },
            // tags without debug enable nothing, as in openais.
            LoggerConfig {
                ident: "CLM".into(),
                debug: false,
                trace: false,
            },
        ]
    );
}

#[test]
fn small_sections() {
    let c = ok(&format!(
        "{}aisexec {{\n\tuser: root\n\tgroup: haclient\n}}\namf {{\n\tmode: enabled\n}}\nevent {{\n\tdelivery_queue_size: 2000\n\tdelivery_queue_resume: 2000\n}}\n",
        totem("")
    ));
    assert_eq!(c.aisexec.user, "root");
    assert_eq!(c.aisexec.group, "haclient");
    assert_eq!(c.aisexec.max_connections, DEFAULT_MAX_CONNECTIONS);
    assert_eq!(c.aisexec.max_queued_bytes, 64 * 1024 * 1024);
    assert_eq!(c.amf.mode, AmfMode::Enabled);
    assert_eq!(c.event.delivery_queue_size, 2000);
    assert_eq!(c.event.delivery_queue_resume, 2000);
}

#[test]
fn clm_node_name() {
    let c = ok(&format!("{}clm {{\n\tnode_name: hostname\n}}\n", totem("")));
    assert_eq!(c.clm.node_name, ClmNodeName::Hostname);
    let c = ok(&format!("{}clm {{\n\tnode_name: address\n}}\n", totem("")));
    assert_eq!(c.clm.node_name, ClmNodeName::Address);
    let e = parse(
        &format!("{}clm {{\n\tnode_name: fqdn\n}}\n", totem("")),
        "openais.conf",
    )
    .unwrap_err();
    assert!(e.to_string().starts_with("openais.conf:"), "{e}");
    assert!(e.to_string().contains("address or hostname"), "{e}");
}

#[test]
fn checkpoint_memory_limits() {
    let c = ok(&totem(""));
    assert_eq!(c.checkpoint.max_checkpoint_size, 256 << 20);
    assert_eq!(c.checkpoint.max_total_size, 1 << 30);
    let c = ok(&format!(
        "{}checkpoint {{\n\tmax_checkpoint_size: 4096\n\tmax_total_size: 0\n}}\n",
        totem("")
    ));
    assert_eq!(c.checkpoint.max_checkpoint_size, 4096);
    assert_eq!(c.checkpoint.max_total_size, 0);
}

#[test]
fn message_memory_limit() {
    let c = ok(&totem(""));
    assert_eq!(c.message.max_total_size, 256 << 20);
    let c = ok(&format!(
        "{}message {{\n\tmax_total_size: 4096\n}}\n",
        totem("")
    ));
    assert_eq!(c.message.max_total_size, 4096);
}

#[test]
fn the_shipped_examples_parse() {
    let c = ok(include_str!("../../../../../conf/openais.conf"));
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    assert!(c.totem.secauth);
    assert_eq!(c.totem.transport, Transport::Udp);
    assert!(c.logging.to_file && c.logging.logfile.is_some());
    assert_eq!(c.totem.to_totem(), ::totem::Config::default());

    let c = ok(include_str!("../../../../../conf/redundant-rings.conf"));
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    assert_eq!(c.totem.rrp_mode, RrpMode::Active);
    assert_eq!(c.totem.interfaces.len(), 2);
    assert_eq!(
        c.totem.rrp,
        crate::config::RrpSettings::defaults(&c.totem.timeouts)
    );

    let c = ok(include_str!("../../../../../conf/single-node.conf"));
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    assert!(!c.totem.secauth);
    assert_eq!(c.totem.transport, Transport::Udpu);
    assert_eq!(
        c.totem.members,
        vec!["127.0.0.1".parse::<IpAddr>().unwrap()]
    );
    assert!(c.logging.to_stderr && !c.logging.to_syslog);
    assert_eq!(
        c.totem.nodeid_for(c.totem.interfaces[0].bindnetaddr),
        Some(0x0100_007f)
    );
}

#[test]
fn load_reads_a_file() {
    let path =
        std::env::temp_dir().join(format!("aisexec-config-test-{}.conf", std::process::id()));
    std::fs::write(&path, totem("\ttoken: 4000\n")).unwrap();
    let result = load(&path);
    std::fs::remove_file(&path).unwrap();
    assert_eq!(result.unwrap().totem.timeouts.token, 4000);
}

#[test]
fn describe_lists_the_timeouts_in_force() {
    let lines = ok(&totem("")).totem.describe();
    assert_eq!(
        lines[0],
        "transport udp secauth on threads 0 netmtu 1500 rrp_mode none"
    );
    assert_eq!(
        lines[1],
        "Token Timeout (1000 ms) retransmit timeout (238 ms)"
    );
    assert!(lines.iter().any(|l| l.contains("consensus (800 ms)")));
}

#[test]
fn ipc_bounds() {
    let c = ok(&format!(
        "{}aisexec {{\n\tmax_connections: 10\n\tmax_queued_bytes: 16777216\n}}\n",
        totem("")
    ));
    assert_eq!(c.aisexec.max_connections, 10);
    assert_eq!(c.aisexec.max_queued_bytes, 16 * 1024 * 1024);
    for bad in [
        "max_connections: 0",
        "max_connections: many",
        "max_queued_bytes: 1000",
    ] {
        let text = format!("{}aisexec {{\n\t{bad}\n}}\n", totem(""));
        let e = parse(&text, "test.conf").unwrap_err();
        assert!(e.line > 0, "{bad}: {e}");
    }
}

#[test]
fn redundant_rings_with_their_own_members_and_rrp_settings() {
    let c = ok(&totem_bare(
        "\trrp_mode: active\n\ttransport: udpu\n\trrp_problem_count_threshold: 6\n\
         \tinterface {\n\t\tringnumber: 0\n\t\tbindnetaddr: 10.0.0.1\n\
         \t\tmember {\n\t\t\tmemberaddr: 10.0.0.2\n\t\t}\n\t}\n\
         \tinterface {\n\t\tringnumber: 1\n\t\tbindnetaddr: 10.0.1.1\n\t\tmcastport: 5407\n\
         \t\tmember {\n\t\t\tmemberaddr: 10.0.1.2\n\t\t}\n\t}\n\
         \tmember {\n\t\tmemberaddr: 10.0.0.1\n\t}\n",
    ));
    let t = &c.totem;
    assert_eq!(t.rrp_mode, RrpMode::Active);
    let addrs =
        |v: &[&str]| -> Vec<std::net::IpAddr> { v.iter().map(|a| a.parse().unwrap()).collect() };
    // Members written in totem { } belong to ring 0 (in file order).
    assert_eq!(t.interfaces[0].members, addrs(&["10.0.0.2", "10.0.0.1"]));
    assert_eq!(t.interfaces[1].members, addrs(&["10.0.1.2"]));
    assert_eq!(t.members, t.interfaces[0].members);
    assert_eq!(t.interfaces[1].mcastport, 5407);
    // openais's defaults, the threshold as written.
    assert_eq!(
        t.rrp,
        crate::config::RrpSettings {
            token_expired_timeout: 238,
            problem_count_threshold: 6,
            problem_count_timeout: 2000,
        }
    );
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    // Eight rings at most, numbered 0..7.
    let mut text = String::from("\trrp_mode: passive\n");
    for r in 0..8 {
        text += &format!(
            "\tinterface {{\n\t\tringnumber: {r}\n\t\tbindnetaddr: 10.{r}.0.0\n\t\tmcastaddr: 239.1.1.{r}\n\t}}\n"
        );
    }
    assert_eq!(ok(&totem_bare(&text)).totem.interfaces.len(), 8);
}
