//! cbindgen reports the items it skips (an unsupported constant, a
//! function it cannot express, a type it cannot find) only through the
//! `log` crate. This logger collects those warnings so that a skipped item
//! fails the generation instead of silently missing from a header.

use std::fmt;
use std::sync::Mutex;

use log::{Level, LevelFilter, Log, Metadata, Record};

/// One warning or error cbindgen logged.
pub struct Warning {
    level: Level,
    message: String,
}

impl Warning {
    /// The type named by a "Can't find X." warning: cbindgen met a type
    /// not defined in the source it was given.
    pub fn missing_type(&self) -> Option<&str> {
        let rest = self.message.strip_prefix("Can't find ")?;
        rest.split_once(". ").map(|(name, _)| name)
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.level, self.message)
    }
}

static COLLECTED: Mutex<Vec<Warning>> = Mutex::new(Vec::new());

struct Collector;

static COLLECTOR: Collector = Collector;

impl Log for Collector {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= Level::Warn
    }

    fn log(&self, record: &Record<'_>) {
        if self.enabled(record.metadata()) {
            let mut collected = COLLECTED.lock().unwrap_or_else(|e| e.into_inner());
            collected.push(Warning {
                level: record.level(),
                message: record.args().to_string(),
            });
        }
    }

    fn flush(&self) {}
}

/// Route warnings and errors to the collector (once per process).
pub fn install() {
    // A second install fails harmlessly: the collector is already in place.
    if log::set_logger(&COLLECTOR).is_ok() {
        log::set_max_level(LevelFilter::Warn);
    }
}

/// The warnings logged since the last call.
pub fn take() -> Vec<Warning> {
    let mut collected = COLLECTED.lock().unwrap_or_else(|e| e.into_inner());
    std::mem::take(&mut *collected)
}
