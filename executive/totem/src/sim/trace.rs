//! A bounded ring buffer of what happened in a run, for reading a failing
//! seed. Entries are kept as data and formatted only when dumped, so
//! tracing costs little; a run that does not trace keeps nothing.

use super::check::fmt_time;
use super::payload::{Decoded, PayloadId};
use crate::api::{ConfChg, Dest, Guarantee, NodeId, Time, TimerKind};
use std::collections::VecDeque;
use std::fmt;

#[derive(Debug, Clone)]
pub enum TraceWhat {
    /// A run phase or network change, described in words.
    Note(String),
    Start {
        inc: u32,
        ring_seq: u64,
    },
    Crash,
    Leave,
    Send {
        to: Dest,
        len: usize,
        what: String,
    },
    Arrive {
        from: NodeId,
        len: usize,
        what: String,
    },
    SetTimer(TimerKind, Time),
    CancelTimer(TimerKind),
    Timer(TimerKind),
    Mcast {
        id: PayloadId,
        guarantee: Guarantee,
        len: usize,
    },
    Refused,
    Deliver {
        from: NodeId,
        payload: Decoded,
        index: usize,
    },
    Conf {
        conf: ConfChg,
        index: usize,
    },
    State(String),
}

#[derive(Debug, Clone)]
pub struct TraceEntry {
    /// The number of the simulator event during which this happened.
    pub event: u64,
    pub at: Time,
    pub node: Option<NodeId>,
    pub what: TraceWhat,
}

impl fmt::Display for TraceEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{:<8} {} ", self.event, fmt_time(self.at))?;
        match self.node {
            Some(n) => write!(f, "n{n:<5} ")?,
            None => write!(f, "{:6} ", "net")?,
        }
        match &self.what {
            TraceWhat::Note(s) => write!(f, "{s}"),
            TraceWhat::Start { inc, ring_seq } => {
                write!(f, "start incarnation {inc} ring_seq {ring_seq}")
            }
            TraceWhat::Crash => write!(f, "CRASH"),
            TraceWhat::Leave => write!(f, "LEAVE"),
            TraceWhat::Send { to, len, what } => {
                let to = match to {
                    Dest::Multicast => "all".to_string(),
                    Dest::Node(n) => format!("n{n}"),
                };
                write!(f, "send -> {to} {len}B {what}")
            }
            TraceWhat::Arrive { from, len, what } => write!(f, "recv <- n{from} {len}B {what}"),
            TraceWhat::SetTimer(k, at) => write!(f, "set {k:?} at {}", fmt_time(*at)),
            TraceWhat::CancelTimer(k) => write!(f, "cancel {k:?}"),
            TraceWhat::Timer(k) => write!(f, "timer {k:?} fired"),
            TraceWhat::Mcast { id, guarantee, len } => write!(f, "mcast {id} {guarantee:?} {len}B"),
            TraceWhat::Refused => write!(f, "mcast refused"),
            TraceWhat::Deliver {
                from,
                payload,
                index,
            } => {
                let what = match payload {
                    Decoded::Intact(id) => id.to_string(),
                    Decoded::Damaged(id) => format!("DAMAGED {id}"),
                    Decoded::Garbage => "GARBAGE".to_string(),
                };
                write!(f, "[{index}] deliver {what} from n{from}")
            }
            TraceWhat::Conf { conf, index } => write!(
                f,
                "[{index}] CONFCHG {:?} ring {} members {:?} left {:?} joined {:?}",
                conf.kind, conf.ring_id, conf.members, conf.left, conf.joined
            ),
            TraceWhat::State(s) => write!(f, "state {s}"),
        }
    }
}

/// Keeps the last `capacity` entries; stops recording after event
/// `stop_after`, so a replay can keep the entries that lead up to a
/// violation rather than the end of the run.
#[derive(Debug, Default)]
pub struct Trace {
    capacity: usize,
    stop_after: Option<u64>,
    entries: VecDeque<TraceEntry>,
    /// Entries pushed out of the buffer.
    pub dropped: u64,
}

impl Trace {
    pub fn new(capacity: usize, stop_after: Option<u64>) -> Trace {
        Trace {
            capacity,
            stop_after,
            entries: VecDeque::with_capacity(capacity.min(1 << 16)),
            dropped: 0,
        }
    }

    pub fn off() -> Trace {
        Trace::default()
    }

    pub fn enabled(&self) -> bool {
        self.capacity > 0
    }

    pub fn push(&mut self, entry: TraceEntry) {
        if self.capacity == 0 || self.stop_after.is_some_and(|s| entry.event > s) {
            return;
        }
        if self.entries.len() == self.capacity {
            self.entries.pop_front();
            self.dropped += 1;
        }
        self.entries.push_back(entry);
    }

    pub fn entries(&self) -> impl Iterator<Item = &TraceEntry> {
        self.entries.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(event: u64) -> TraceEntry {
        TraceEntry {
            event,
            at: Time(event),
            node: Some(1),
            what: TraceWhat::Crash,
        }
    }

    #[test]
    fn keeps_the_last_entries_up_to_the_stop() {
        let mut t = Trace::new(3, Some(6));
        for e in 0..10 {
            t.push(entry(e));
        }
        let kept: Vec<u64> = t.entries().map(|e| e.event).collect();
        assert_eq!(kept, [4, 5, 6]);
        assert_eq!(t.dropped, 4);
        let mut off = Trace::off();
        off.push(entry(1));
        assert_eq!(off.entries().count(), 0);
        assert!(entry(3).to_string().contains("CRASH"));
    }
}
