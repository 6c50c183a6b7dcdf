//! Seeds that once found a bug in the Totem state machine, each kept as a
//! named test with the options of the run that found it. A seed replays
//! exactly, so each test fails again if its bug comes back.

use totem::sim::cli::seed_line;
use totem::sim::{run_seed, SimOptions};
use totem::Srp;

/// The options of CI's run (`totem-sim --seeds 0..500 --nodes 3..9 --loss
/// 0.2`) when the seeds below were found: before client bursts and
/// per-seed configurations were added to the defaults.
fn first_options() -> SimOptions {
    SimOptions {
        burst: 0.0,
        vary_config: false,
        ..SimOptions::default()
    }
}

fn passes(seed: u64) {
    let o = run_seed::<Srp>(seed, &first_options());
    assert!(o.passed(), "{}", seed_line(&o));
}

/// A seed found with the default options but another cluster size range
/// (`--nodes MIN..MAX`).
fn passes_with_nodes(nodes: (u32, u32), seed: u64) {
    let o = run_seed::<Srp>(
        seed,
        &SimOptions {
            nodes,
            ..SimOptions::default()
        },
    );
    assert!(o.passed(), "{}", seed_line(&o));
}

// Two live, connected processors that had put each other in their fail
// sets kept excluding each other's joins and never merged again
// (SIM-FINDINGS.md 1).
#[test]
fn seed_145_mutual_fail_sets_keep_two_nodes_apart() {
    passes(145);
}

// The same exclusion between a four-node ring and one restarted node
// (SIM-FINDINGS.md 1).
#[test]
fn seed_149_restarted_node_never_rejoins() {
    passes(149);
}

// Three groups with different fail sets kept forming separate rings on a
// calm network: merge livelock (SIM-FINDINGS.md 2).
#[test]
fn seed_283_three_groups_never_merge() {
    passes(283);
}

// The merge livelock with eight nodes in four groups (SIM-FINDINGS.md 2).
#[test]
fn seed_305_four_groups_never_merge() {
    passes(305);
}

// The merge livelock leaving one node in gather for good, so it never
// delivered its own messages (SIM-FINDINGS.md 2).
#[test]
fn seed_398_node_stuck_in_gather_loses_own_messages() {
    passes(398);
}

// The merge livelock with the current defaults (client bursts, window 91,
// max_messages 36, netmtu 588): {11, 27} against {13, 15, 28} and 16
// (SIM-FINDINGS.md 2).
#[test]
fn seed_18_merge_livelock_with_bursts() {
    let o = run_seed::<Srp>(18, &SimOptions::default());
    assert!(o.passed(), "{}", seed_line(&o));
}

// The merge livelock after a7b5269: five processors agree, the sixth keeps
// a verdict against one of them for the whole consensus period, and the
// rounds repeat with roles exchanged (SIM-FINDINGS.md 2, state at a7b5269).
#[test]
fn seed_382_one_stale_verdict_splits_the_ring_every_round() {
    let o = run_seed::<Srp>(382, &SimOptions::default());
    assert!(o.passed(), "{}", seed_line(&o));
}

// The same after a7b5269, with the options of the first runs.
#[test]
fn seed_124_merge_livelock_nine_nodes() {
    passes(124);
}

// Two groups, {49310716, 1060619309} and four others, formed separate rings
// every ~850 ms for 7 s of calm network (`--nodes 2..9`): each group dropped
// its verdict against the other on hearing the fresh round, then took it
// back from a fellow member's join sent before that round
// (SIM-FINDINGS.md 2, state at 532bbe0).
#[test]
fn seed_10605_stale_member_join_revives_a_dropped_verdict() {
    passes_with_nodes((2, 9), 10605);
}

// Twelve nodes: ten agreed on an empty fail set while the members of one
// two-node ring kept failing the others, each taking the other's
// consensus-timeout verdicts as firm, so no fresh round could drop them
// (SIM-FINDINGS.md 2, state at 532bbe0).
#[test]
fn seed_30319_members_echo_verdicts_for_the_whole_gather() {
    passes_with_nodes((2, 12), 30319);
}

// Twelve nodes and a 427-byte netmtu: the commit token of a twelve-member
// ring (34 bytes a member) did not fit one frame, was never sent, and the
// ring could not form. Membership packets are now allowed past netmtu,
// as IP-fragmented datagrams (SIM-FINDINGS.md 3).
#[test]
fn seed_31287_commit_token_of_twelve_members_exceeds_netmtu() {
    passes_with_nodes((2, 12), 31287);
}

// Twelve nodes sharing a window of four messages: rounding each member's
// share let the first members of the ring take the whole window, and the
// others never sent (SIM-FINDINGS.md 4).
#[test]
fn seed_31944_small_window_starves_the_last_members() {
    passes_with_nodes((2, 12), 31944);
}

// Two processors forming a ring took a fellow member's consensus-timeout
// verdict as firm when its join made them give that ring up, and kept
// failing a live node for 9 s (SIM-FINDINGS.md 2, state at 532bbe0).
#[test]
fn seed_31003_verdict_taken_while_forming_a_ring_stays_firm() {
    passes_with_nodes((2, 12), 31003);
}

// A processor left and restarted; the processors still gathering kept its
// leave as a firm failure for 7 s and would not merge with it
// (SIM-FINDINGS.md 2, state at 532bbe0).
#[test]
fn seed_31135_processor_back_after_a_leave_stays_failed() {
    passes_with_nodes((2, 12), 31135);
}

// Ten live nodes ended in three rings: as in seed 31135, processors that
// left and came back stayed failed in the gathers of the others
// (SIM-FINDINGS.md 2, state at 532bbe0).
#[test]
fn seed_30612_ten_nodes_end_in_three_rings() {
    passes_with_nodes((2, 12), 30612);
}

// Four processors gathered from 8 s to the end of the run: a processor
// that had been a member of their old ring, and had formed newer rings with
// others since, still counted as a member, so its consensus-timeout
// verdicts against them were taken; they arrived just before the four's
// own consensus timeout, every round, and restarted it (SIM-FINDINGS.md 2,
// state at 532bbe0).
#[test]
fn seed_11080_former_member_verdicts_keep_restarting_the_consensus_timeout() {
    passes_with_nodes((2, 9), 11080);
}

/// A seed found by driving the executive's stack (state machine,
/// process-group layer, glue and a CPG model) with node stalls
/// (`totem-sim --faults stall`).
fn stack_passes_with_stalls(seed: u64) {
    let o = run_seed::<totem::stack::Stack>(
        seed,
        &SimOptions {
            faults: totem::sim::Faults::parse("stall").unwrap_or(totem::sim::Faults::NONE),
            ..SimOptions::default()
        },
    );
    assert!(o.passed(), "{}", seed_line(&o));
}

// Node 12 stopped for 2 s while the others went on without it and came
// back; it merged straight from its old ring into the new one, and its
// client, told of no change (the group before and after the merge was the
// same), skipped 81 messages of node 3 (view-gap; SIM-FINDINGS.md 5).
#[test]
fn seed_0_stalled_node_skips_messages_without_a_change() {
    stack_passes_with_stalls(0);
}

// Node 2 stopped for 4.5 s; a request its client made meanwhile was taken
// on resume, in its old ring 2.12, and sent in ring 2.24 after the others
// had installed rings without node 2 (sending-view; SIM-FINDINGS.md 5).
#[test]
fn seed_13_stalled_node_message_sent_in_a_later_ring() {
    stack_passes_with_stalls(13);
}
