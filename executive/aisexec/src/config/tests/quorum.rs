//! `quorum { }`: defaults, every key, what two_node implies, and every
//! refusal with its `file:line`.

use super::*;

/// A udpu ring of `n` members (127.0.0.1..n): 5 + 3n lines.
fn udpu(n: u32) -> String {
    let members: String = (1..=n)
        .map(|i| format!("\tmember {{\n\t\tmemberaddr: 127.0.0.{i}\n\t}}\n"))
        .collect();
    totem_bare(&format!(
        "\ttransport: udpu\n\tinterface {{\n\t\tbindnetaddr: 127.0.0.1\n\t}}\n{members}"
    ))
}

/// `quorum { <body> }` after `head`.
fn with_quorum(head: &str, body: &str) -> String {
    format!("{head}quorum {{\n{body}}}\n")
}

#[test]
fn absent_means_no_quorum_as_openais() {
    let c = ok(&totem(""));
    assert_eq!(c.quorum, QuorumConfig::default());
    assert!(!c.quorum.enabled());
    assert_eq!(c.quorum.votes, 1);
    assert_eq!(c.quorum.last_man_standing_window_ms, 10_000);
}

#[test]
fn every_key() {
    let c = ok(&with_quorum(
        &totem(""),
        "\tprovider: votes\n\texpected_votes: 7\n\tvotes: 3\n\twait_for_all: yes\n\
         \tlast_man_standing: on\n\tlast_man_standing_window: 2500\n",
    ));
    assert_eq!(
        c.quorum,
        QuorumConfig {
            provider: QuorumProvider::Votes,
            expected_votes: 7,
            votes: 3,
            two_node: false,
            wait_for_all: true,
            last_man_standing: true,
            last_man_standing_window_ms: 2500,
        }
    );
}

#[test]
fn two_node_implies_wait_for_all_unless_told_otherwise() {
    let base = "\tprovider: votes\n\texpected_votes: 2\n\ttwo_node: yes\n";
    let c = ok(&with_quorum(&totem(""), base));
    assert!(c.quorum.two_node && c.quorum.wait_for_all);
    let c = ok(&with_quorum(
        &totem(""),
        &format!("{base}\twait_for_all: no\n"),
    ));
    assert!(c.quorum.two_node && !c.quorum.wait_for_all);
}

#[test]
fn udpu_members_give_the_expected_votes() {
    let c = ok(&with_quorum(&udpu(5), "\tprovider: votes\n"));
    assert_eq!(c.quorum.expected_votes, 5);
    // two udpu members and two_node: no expected_votes needed
    let c = ok(&with_quorum(
        &udpu(2),
        "\tprovider: votes\n\ttwo_node: yes\n",
    ));
    assert_eq!(c.quorum.expected_votes, 2);
    assert!(c.quorum.wait_for_all);
    // an explicit value wins
    let c = ok(&with_quorum(
        &udpu(2),
        "\tprovider: votes\n\texpected_votes: 3\n",
    ));
    assert_eq!(c.quorum.expected_votes, 3);
}

#[test]
fn provider_none_ignores_what_only_votes_needs() {
    let c = ok(&with_quorum(
        &totem(""),
        "\tprovider: none\n\ttwo_node: yes\n",
    ));
    assert!(!c.quorum.enabled());
}

#[test]
fn unknown_keys_are_warnings() {
    let c = ok(&with_quorum(&totem(""), "\tauto_tie_breaker: 1\n"));
    assert_eq!(
        c.warnings[0].to_string(),
        "test.conf:9: unknown key `auto_tie_breaker` in `quorum` ignored"
    );
}

#[test]
fn bad_values_name_their_line() {
    // `totem("")` is 7 lines: the quorum section opens at line 8.
    let votes = "\tprovider: votes\n";
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "unknown provider",
            with_quorum(&totem(""), "\tprovider: corosync_votequorum\n"),
            "test.conf:9: `provider: corosync_votequorum`: expected none or votes",
        ),
        (
            "expected_votes zero",
            with_quorum(&totem(""), &format!("{votes}\texpected_votes: 0\n")),
            "test.conf:10: `expected_votes: 0`: must be between 1 and 65535",
        ),
        (
            "expected_votes not a number",
            with_quorum(&totem(""), &format!("{votes}\texpected_votes: five\n")),
            "test.conf:10: `expected_votes: five`: expected a decimal number",
        ),
        (
            "votes zero",
            with_quorum(
                &totem(""),
                &format!("{votes}\texpected_votes: 3\n\tvotes: 0\n"),
            ),
            "test.conf:11: `votes: 0`: must be between 1 and 255",
        ),
        (
            "votes too many",
            with_quorum(&totem(""), "\tvotes: 256\n"),
            "test.conf:9: `votes: 256`: must be between 1 and 255",
        ),
        (
            "two_node not a boolean",
            with_quorum(&totem(""), "\ttwo_node: 2\n"),
            "test.conf:9: `two_node: 2`: expected on/off or yes/no",
        ),
        (
            "wait_for_all not a boolean",
            with_quorum(&totem(""), "\twait_for_all: maybe\n"),
            "test.conf:9: `wait_for_all: maybe`: expected on/off or yes/no",
        ),
        (
            "last_man_standing not a boolean",
            with_quorum(&totem(""), "\tlast_man_standing: 1\n"),
            "test.conf:9: `last_man_standing: 1`: expected on/off or yes/no",
        ),
        (
            "window zero",
            with_quorum(&totem(""), "\tlast_man_standing_window: 0\n"),
            "test.conf:9: `last_man_standing_window: 0`: must be between 1 and 3600000",
        ),
        (
            "window with a unit",
            with_quorum(&totem(""), "\tlast_man_standing_window: 10s\n"),
            "test.conf:9: `last_man_standing_window: 10s`: expected a decimal number",
        ),
        (
            "votes over multicast without expected_votes",
            with_quorum(&totem(""), votes),
            "test.conf:8: `quorum` needs `expected_votes`",
        ),
        (
            "two_node with three expected votes",
            with_quorum(
                &totem(""),
                &format!("{votes}\texpected_votes: 3\n\ttwo_node: yes\n"),
            ),
            "test.conf:11: two_node needs expected_votes 2, not 3",
        ),
        (
            "two_node with three udpu members",
            with_quorum(&udpu(3), &format!("{votes}\ttwo_node: on\n")),
            "test.conf:19: two_node needs expected_votes 2, not 3",
        ),
        (
            "a subsection",
            with_quorum(&totem(""), "\tdevice {\n\t}\n"),
            "test.conf:9: unknown section `device` in `quorum`",
        ),
        (
            "quorum twice",
            format!("{}quorum {{\n}}\n", with_quorum(&totem(""), votes)),
            "test.conf:11: section `quorum` repeats the one at line 8",
        ),
    ];
    for (what, text, expected) in cases {
        match parse(&text, FILE) {
            Ok(_) => panic!("{what}: accepted\n{text}"),
            Err(e) => assert_eq!(e.to_string(), expected, "{what}\n{text}"),
        }
    }
}
