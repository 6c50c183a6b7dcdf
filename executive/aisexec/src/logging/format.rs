//! The text of a log line, as openais wrote it:
//!
//! ```text
//! Nov 21 22:04:27.861187 [TOTEM] entering OPERATIONAL state.
//! Nov  2  9:05:03.000042 [CLM  ] CLM CONFIGURATION CHANGE
//! ```
//!
//! The timestamp (`timestamp: on`) is the local time: month, day and hour
//! padded with blanks, to the microsecond. The subsystem tag is padded to
//! five characters inside its brackets. `fileline: on` adds the source
//! file's name and line after the tag. Syslog lines carry no timestamp
//! (syslog adds its own).

use std::borrow::Cow;
use std::fmt::{self, Write as _};

/// A broken-down local time, to the microsecond.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LocalTime {
    /// 0 = January.
    pub month: u8,
    /// 1 ..= 31.
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    pub micros: u32,
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

impl fmt::Display for LocalTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let month = MONTHS
            .get(usize::from(self.month))
            .copied()
            .unwrap_or("???");
        write!(
            f,
            "{month} {:>2} {:>2}:{:02}:{:02}.{:06}",
            self.day, self.hour, self.minute, self.second, self.micros
        )
    }
}

/// The subsystem tag of a log record's target.
///
/// The convention is that executive code names its subsystem as the
/// target: `log::info!(target: "TOTEM", "...")`, with one of MAIN, TOTEM,
/// SERV, SYNC, CLM, EVS, AMF, CKPT, EVT, LCK, MSG, CFG, CPG, IPC. A target
/// left to its default (the module path, as in dependencies) is tagged
/// with its crate's name in capitals: `totem::srp` becomes `TOTEM`.
pub(crate) fn subsystem_tag(target: &str) -> Cow<'_, str> {
    match target.split_once("::") {
        Some((krate, _)) => Cow::Owned(krate.to_ascii_uppercase()),
        None if target.is_empty() => Cow::Borrowed("MAIN"),
        None if target.bytes().any(|b| b.is_ascii_lowercase()) => {
            Cow::Owned(target.to_ascii_uppercase())
        }
        None => Cow::Borrowed(target),
    }
}

/// A formatted line, without its line feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Line {
    pub text: String,
    /// Where the text after the timestamp starts: what syslog gets.
    pub body_start: usize,
}

impl Line {
    /// The line without its timestamp.
    pub fn body(&self) -> &str {
        &self.text[self.body_start..]
    }
}

/// Formats one line. `location` is the source file (only its last path
/// component is shown) and line, given when `fileline: on`.
pub(crate) fn format_line(
    time: Option<&LocalTime>,
    tag: &str,
    location: Option<(&str, u32)>,
    message: &fmt::Arguments<'_>,
) -> Line {
    let mut text = String::with_capacity(128);
    // Writing to a String cannot fail.
    if let Some(time) = time {
        let _ = write!(text, "{time} ");
    }
    let body_start = text.len();
    let _ = write!(text, "[{tag:<5}] ");
    if let Some((file, line)) = location {
        let name = file.rsplit(['/', '\\']).next().unwrap_or(file);
        let _ = write!(text, "{name}:{line} ");
    }
    let _ = write!(text, "{message}");
    // A message may end in a line feed (openais's did); the sinks add one.
    let trimmed = text.trim_end_matches('\n').len();
    text.truncate(trimmed);
    Line { text, body_start }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOV_21: LocalTime = LocalTime {
        month: 10,
        day: 21,
        hour: 22,
        minute: 4,
        second: 27,
        micros: 861_187,
    };

    #[test]
    fn timestamps_are_padded_like_strftime_e_and_k() {
        assert_eq!(NOV_21.to_string(), "Nov 21 22:04:27.861187");
        let early = LocalTime {
            month: 0,
            day: 2,
            hour: 9,
            minute: 5,
            second: 3,
            micros: 42,
        };
        assert_eq!(early.to_string(), "Jan  2  9:05:03.000042");
    }

    #[test]
    fn lines() {
        let cases = [
            (
                Some(&NOV_21),
                "TOTEM",
                None,
                "entering OPERATIONAL state.",
                "Nov 21 22:04:27.861187 [TOTEM] entering OPERATIONAL state.",
            ),
            (None, "CLM", None, "a b", "[CLM  ] a b"),
            (None, "MAIN", None, "x\n", "[MAIN ] x"),
            (
                None,
                "AISEXEC",
                None,
                "long tags are not cut",
                "[AISEXEC] long tags are not cut",
            ),
            (
                None,
                "TOTEM",
                Some(("executive/totem/src/srp.rs", 412)),
                "token lost",
                "[TOTEM] srp.rs:412 token lost",
            ),
            (
                Some(&NOV_21),
                "CKPT",
                Some(("ckpt.rs", 7)),
                "opened",
                "Nov 21 22:04:27.861187 [CKPT ] ckpt.rs:7 opened",
            ),
        ];
        for (time, tag, location, message, want) in cases {
            let line = format_line(time, tag, location, &format_args!("{message}"));
            assert_eq!(line.text, want);
            let body = want
                .split_once('[')
                .map(|(_, rest)| format!("[{rest}"))
                .unwrap();
            assert_eq!(line.body(), body);
        }
    }

    #[test]
    fn tags_from_targets() {
        let cases = [
            ("TOTEM", "TOTEM"),
            ("CKPT", "CKPT"),
            ("clm", "CLM"),
            ("", "MAIN"),
            ("totem::srp", "TOTEM"),
            ("aisexec::ipc::server", "AISEXEC"),
        ];
        for (target, want) in cases {
            assert_eq!(subsystem_tag(target), want, "{target}");
        }
    }
}
