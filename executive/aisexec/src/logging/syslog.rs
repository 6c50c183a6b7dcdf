//! The C library's syslog: the process-wide connection to the system log.

use std::ffi::{CStr, CString};

use log::Level;

use crate::config::SyslogFacility;

/// The name messages carry in the system log, as openais's did, so that
/// existing log filters keep matching.
const IDENT: &CStr = c"openais";

pub(crate) fn facility_code(facility: SyslogFacility) -> libc::c_int {
    match facility {
        SyslogFacility::Daemon => libc::LOG_DAEMON,
        SyslogFacility::Local0 => libc::LOG_LOCAL0,
        SyslogFacility::Local1 => libc::LOG_LOCAL1,
        SyslogFacility::Local2 => libc::LOG_LOCAL2,
        SyslogFacility::Local3 => libc::LOG_LOCAL3,
        SyslogFacility::Local4 => libc::LOG_LOCAL4,
        SyslogFacility::Local5 => libc::LOG_LOCAL5,
        SyslogFacility::Local6 => libc::LOG_LOCAL6,
        SyslogFacility::Local7 => libc::LOG_LOCAL7,
    }
}

pub(crate) fn priority(level: Level) -> libc::c_int {
    match level {
        Level::Error => libc::LOG_ERR,
        Level::Warn => libc::LOG_WARNING,
        Level::Info => libc::LOG_INFO,
        Level::Debug | Level::Trace => libc::LOG_DEBUG,
    }
}

/// Connects to the system log under `facility`, tagging lines with the
/// process id.
pub(crate) fn open(facility: SyslogFacility) {
    // SAFETY: IDENT is a 'static NUL-terminated string, so the pointer
    // openlog keeps stays valid for the life of the process.
    unsafe { libc::openlog(IDENT.as_ptr(), libc::LOG_PID, facility_code(facility)) }
}

/// Disconnects from the system log.
pub(crate) fn close() {
    // SAFETY: closelog takes no arguments and is harmless when not open.
    unsafe { libc::closelog() }
}

/// Sends one message at the priority of `level`.
pub(crate) fn send(level: Level, message: &str) {
    // A NUL inside the message would cut it short; show it instead.
    let text = CString::new(message.replace('\0', "\\0")).unwrap_or_default();
    // SAFETY: the format is a constant "%s" and its one argument is a valid
    // NUL-terminated string, so syslog reads nothing beyond either.
    unsafe { libc::syslog(priority(level), c"%s".as_ptr(), text.as_ptr()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_map_to_syslog_priorities() {
        assert_eq!(priority(Level::Error), libc::LOG_ERR);
        assert_eq!(priority(Level::Warn), libc::LOG_WARNING);
        assert_eq!(priority(Level::Info), libc::LOG_INFO);
        assert_eq!(priority(Level::Trace), libc::LOG_DEBUG);
        assert_eq!(facility_code(SyslogFacility::Local3), libc::LOG_LOCAL3);
        assert_eq!(facility_code(SyslogFacility::Daemon), libc::LOG_DAEMON);
    }
}
