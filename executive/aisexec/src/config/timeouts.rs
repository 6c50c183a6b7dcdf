//! The protocol timeouts and constants, their defaults, and how openais
//! derives the ones left unset.
//!
//! They may be written in `totem { }` (or its alias `network { }`) or in
//! the older flat `timeout { }` section; a key set in both takes the
//! `totem` value. openais 0.80's defaults apply to the rest:
//!
//! | key | default |
//! |---|---|
//! | token | 1000 ms |
//! | token_retransmits_before_loss_const | 4 |
//! | token_retransmit | token / (token_retransmits_before_loss_const + 0.2), rounded down: 238 ms |
//! | hold | token_retransmit * 0.8 - 10 ms, rounded down: 180 ms |
//! | join | 50 ms |
//! | send_join | 0 ms |
//! | consensus | 800 ms |
//! | merge | 200 ms |
//! | downcheck | 1000 ms |
//! | fail_recv_const | 50 rotations |
//! | seqno_unchanged_const | 30 rotations |
//! | max_network_delay | 50 ms |
//! | window_size | 50 messages |
//! | max_messages | 17 messages |
//!
//! The 10 ms in `hold` is one tick of the 100 Hz clock openais assumed.
//! Every timer except send_join must be at least 30 ms (three such ticks),
//! whether written or derived: a smaller one fires before a token can
//! travel.

use super::error::{ConfigError, ConfigErrorKind, WarningKind};
use super::reader::{Ctx, Keys};
use super::syntax::Entry;
use super::value;

/// The smallest timer openais accepts, in milliseconds.
pub const MINIMUM_TIMEOUT_MS: u64 = 30;

/// The largest message one rotation may carry, in bytes: `max_messages`
/// frames of `netmtu` bytes may not exceed it.
pub const MAX_BYTES_PER_ROTATION: u64 = 1024 * 1024;

/// Timeouts (milliseconds) and protocol constants, every one resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeouts {
    pub token: u64,
    pub token_retransmit: u64,
    pub hold: u64,
    pub token_retransmits_before_loss_const: u32,
    pub join: u64,
    pub send_join: u64,
    pub consensus: u64,
    pub merge: u64,
    pub downcheck: u64,
    pub fail_recv_const: u32,
    pub seqno_unchanged_const: u32,
    pub max_network_delay: u64,
    pub window_size: u32,
    pub max_messages: u32,
}

impl Default for Timeouts {
    /// openais 0.80's values: the protocol's own defaults
    /// (`totem::Config::default()`), kept in one place.
    fn default() -> Self {
        let t = totem::Config::default();
        Timeouts {
            token: t.token,
            token_retransmit: t.token_retransmit,
            hold: t.hold,
            token_retransmits_before_loss_const: t.token_retransmits_before_loss_const,
            join: t.join,
            send_join: t.send_join,
            consensus: t.consensus,
            merge: t.merge,
            downcheck: t.downcheck,
            fail_recv_const: t.fail_recv_const,
            seqno_unchanged_const: t.seqno_unchanged_const,
            max_network_delay: t.max_network_delay,
            window_size: t.window_size,
            max_messages: t.max_messages,
        }
    }
}

/// `token / (retransmits + 0.2)`, rounded down, in integers.
fn derive_retransmit(token: u64, retransmits: u32) -> u64 {
    token * 10 / (u64::from(retransmits) * 10 + 2)
}

/// `retransmit * 0.8 - 10`, rounded down, never below 0.
fn derive_hold(retransmit: u64) -> u64 {
    (retransmit * 8).saturating_sub(100) / 10
}

/// One tunable: its field, the names it is written under (the first is
/// the one in openais.conf(5)'s synopsis), and whether the flat
/// `timeout { }` section may set it.
#[derive(Clone, Copy)]
enum Knob {
    Token,
    TokenRetransmit,
    Hold,
    RetransmitsBeforeLoss,
    Join,
    SendJoin,
    Consensus,
    Merge,
    Downcheck,
    FailRecv,
    SeqnoUnchanged,
    MaxNetworkDelay,
    WindowSize,
    MaxMessages,
}

const KNOBS: &[(Knob, &[&str], bool)] = &[
    (Knob::Token, &["token"], true),
    (Knob::TokenRetransmit, &["token_retransmit"], true),
    (Knob::Hold, &["hold"], true),
    (
        Knob::RetransmitsBeforeLoss,
        &[
            "token_retransmits_before_loss_const",
            "retransmits_before_loss",
        ],
        true,
    ),
    (Knob::Join, &["join"], true),
    (Knob::SendJoin, &["send_join"], true),
    (Knob::Consensus, &["consensus"], true),
    (Knob::Merge, &["merge"], true),
    (Knob::Downcheck, &["downcheck"], true),
    (
        Knob::FailRecv,
        &["fail_recv_const", "fail_to_recv_const"],
        true,
    ),
    (Knob::SeqnoUnchanged, &["seqno_unchanged_const"], true),
    (Knob::MaxNetworkDelay, &["max_network_delay"], true),
    (Knob::WindowSize, &["window_size"], false),
    (Knob::MaxMessages, &["max_messages"], false),
];

/// A value the user wrote, and where.
#[derive(Clone, Copy)]
struct Given {
    value: u64,
    line: u32,
}

/// A timer whose minimum is checked, and what it may be derived from.
struct Timer {
    key: &'static str,
    value: u64,
    knob: Knob,
    /// The knobs its value is computed from when not written.
    sources: &'static [Knob],
    derived_from: Option<&'static str>,
}

impl Timer {
    /// A timer that is never derived.
    fn written(key: &'static str, value: u64, knob: Knob) -> Timer {
        Timer {
            key,
            value,
            knob,
            sources: &[],
            derived_from: None,
        }
    }
}

/// Reads every tunable from `totem` and the optional flat `timeout`
/// section, applies defaults and derivations, and checks minimums.
pub(crate) fn read(
    ctx: &mut Ctx<'_>,
    totem: &mut Keys<'_>,
    mut timeout: Option<&mut Keys<'_>>,
    netmtu: u64,
) -> Result<Timeouts, ConfigError> {
    let mut given: [Option<Given>; KNOBS.len()] = [None; KNOBS.len()];
    for (slot, &(knob, names, in_timeout_section)) in given.iter_mut().zip(KNOBS) {
        let from_totem = totem.get_any(ctx, names);
        let from_timeout = match timeout.as_deref_mut() {
            Some(keys) if in_timeout_section => keys.get_any(ctx, names),
            _ => None,
        };
        if let (Some(t), Some(old)) = (from_totem, from_timeout) {
            ctx.warn(
                old.line,
                WarningKind::OverriddenByTotem {
                    key: old.key.clone(),
                    totem_line: t.line,
                },
            );
        }
        if let Some(entry) = from_totem.or(from_timeout) {
            let value = parse(entry, knob).map_err(|kind| ctx.error(entry.line, kind))?;
            *slot = Some(Given {
                value,
                line: entry.line,
            });
        }
    }
    resolve(ctx, &given, netmtu)
}

fn parse(entry: &Entry, knob: Knob) -> Result<u64, ConfigErrorKind> {
    let max = u64::from(u32::MAX);
    match knob {
        // Timers: the minimum is checked after derivation, so that a
        // written and a derived value fail the same way.
        Knob::Token
        | Knob::TokenRetransmit
        | Knob::Hold
        | Knob::Join
        | Knob::SendJoin
        | Knob::Consensus
        | Knob::Merge
        | Knob::Downcheck
        | Knob::MaxNetworkDelay => value::number(entry, 0, max),
        Knob::RetransmitsBeforeLoss
        | Knob::FailRecv
        | Knob::SeqnoUnchanged
        | Knob::WindowSize
        | Knob::MaxMessages => value::number(entry, 1, max),
    }
}

fn resolve(
    ctx: &Ctx<'_>,
    given: &[Option<Given>; KNOBS.len()],
    netmtu: u64,
) -> Result<Timeouts, ConfigError> {
    let get = |knob: Knob| given[knob as usize];
    let defaults = Timeouts::default();
    let count = |knob: Knob, default: u32| {
        get(knob).map_or(default, |g| u32::try_from(g.value).unwrap_or(u32::MAX))
    };

    let retransmits = count(
        Knob::RetransmitsBeforeLoss,
        defaults.token_retransmits_before_loss_const,
    );
    let token = get(Knob::Token).map_or(defaults.token, |g| g.value);
    let token_retransmit = get(Knob::TokenRetransmit)
        .map_or_else(|| derive_retransmit(token, retransmits), |g| g.value);
    let hold = get(Knob::Hold).map_or_else(|| derive_hold(token_retransmit), |g| g.value);

    let t = Timeouts {
        token,
        token_retransmit,
        hold,
        token_retransmits_before_loss_const: retransmits,
        join: get(Knob::Join).map_or(defaults.join, |g| g.value),
        send_join: get(Knob::SendJoin).map_or(defaults.send_join, |g| g.value),
        consensus: get(Knob::Consensus).map_or(defaults.consensus, |g| g.value),
        merge: get(Knob::Merge).map_or(defaults.merge, |g| g.value),
        downcheck: get(Knob::Downcheck).map_or(defaults.downcheck, |g| g.value),
        fail_recv_const: count(Knob::FailRecv, defaults.fail_recv_const),
        seqno_unchanged_const: count(Knob::SeqnoUnchanged, defaults.seqno_unchanged_const),
        max_network_delay: get(Knob::MaxNetworkDelay)
            .map_or(defaults.max_network_delay, |g| g.value),
        window_size: count(Knob::WindowSize, defaults.window_size),
        max_messages: count(Knob::MaxMessages, defaults.max_messages),
    };

    // The line to blame for a value: where it was written, or else where
    // the values it was derived from were.
    let line_of = |knobs: &[Knob]| {
        knobs
            .iter()
            .filter_map(|&k| get(k).map(|g| g.line))
            .max()
            .unwrap_or(0)
    };
    let timers = [
        Timer::written("token", t.token, Knob::Token),
        Timer {
            key: "token_retransmit",
            value: t.token_retransmit,
            knob: Knob::TokenRetransmit,
            sources: &[Knob::Token, Knob::RetransmitsBeforeLoss],
            derived_from: Some("token"),
        },
        Timer {
            key: "hold",
            value: t.hold,
            knob: Knob::Hold,
            sources: &[
                Knob::TokenRetransmit,
                Knob::Token,
                Knob::RetransmitsBeforeLoss,
            ],
            derived_from: Some("token_retransmit"),
        },
        Timer::written("join", t.join, Knob::Join),
        Timer::written("consensus", t.consensus, Knob::Consensus),
        Timer::written("merge", t.merge, Knob::Merge),
        Timer::written("downcheck", t.downcheck, Knob::Downcheck),
        Timer::written(
            "max_network_delay",
            t.max_network_delay,
            Knob::MaxNetworkDelay,
        ),
    ];
    for timer in timers {
        if timer.value >= MINIMUM_TIMEOUT_MS {
            continue;
        }
        let written = get(timer.knob);
        let kind = ConfigErrorKind::TimeoutTooSmall {
            key: timer.key,
            value: timer.value,
            min: MINIMUM_TIMEOUT_MS,
            derived_from: if written.is_some() {
                None
            } else {
                timer.derived_from
            },
        };
        let line = written.map_or_else(|| line_of(timer.sources), |g| g.line);
        return Err(ctx.error(line, kind));
    }

    let limit = MAX_BYTES_PER_ROTATION / netmtu.max(1);
    if u64::from(t.max_messages) > limit {
        return Err(ctx.error(
            line_of(&[Knob::MaxMessages]),
            ConfigErrorKind::MaxMessagesTooLarge {
                value: u64::from(t.max_messages),
                limit,
            },
        ));
    }
    Ok(t)
}

impl Timeouts {
    /// The protocol configuration these values give, for a network of the
    /// given MTU.
    pub fn to_totem(&self, netmtu: u32) -> ::totem::Config {
        ::totem::Config {
            token: self.token,
            token_retransmit: self.token_retransmit,
            hold: self.hold,
            token_retransmits_before_loss_const: self.token_retransmits_before_loss_const,
            join: self.join,
            send_join: self.send_join,
            consensus: self.consensus,
            merge: self.merge,
            downcheck: self.downcheck,
            fail_recv_const: self.fail_recv_const,
            seqno_unchanged_const: self.seqno_unchanged_const,
            max_network_delay: self.max_network_delay,
            window_size: self.window_size,
            max_messages: self.max_messages,
            netmtu: usize::try_from(netmtu).unwrap_or(usize::MAX),
        }
    }

    /// One line per group of values, as logged at start so that an
    /// administrator sees the timeouts in force.
    pub fn describe(&self) -> Vec<String> {
        vec![
            format!(
                "Token Timeout ({} ms) retransmit timeout ({} ms)",
                self.token, self.token_retransmit
            ),
            format!(
                "token hold ({} ms) retransmits before loss ({} retrans)",
                self.hold, self.token_retransmits_before_loss_const
            ),
            format!(
                "join ({} ms) send_join ({} ms) consensus ({} ms) merge ({} ms)",
                self.join, self.send_join, self.consensus, self.merge
            ),
            format!(
                "downcheck ({} ms) fail to recv const ({} msgs)",
                self.downcheck, self.fail_recv_const
            ),
            format!(
                "seqno unchanged const ({} rotations) max network delay ({} ms)",
                self.seqno_unchanged_const, self.max_network_delay
            ),
            format!(
                "window size per rotation ({} messages) maximum messages per rotation ({} messages)",
                self.window_size, self.max_messages
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_derivation_from_the_default_token() {
        let t = Timeouts::default();
        assert_eq!(
            t.token_retransmit,
            derive_retransmit(t.token, t.token_retransmits_before_loss_const)
        );
        assert_eq!(t.hold, derive_hold(t.token_retransmit));
    }
}
