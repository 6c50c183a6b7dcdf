//! The local wall-clock time for timestamps.

use std::time::{SystemTime, UNIX_EPOCH};

use super::format::LocalTime;

/// Now, in the local time zone (the C library's, from `TZ` or
/// /etc/localtime). Falls back to UTC if the C library cannot convert.
pub(crate) fn now() -> LocalTime {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let seconds = libc::time_t::try_from(since_epoch.as_secs()).unwrap_or(libc::time_t::MAX);
    // SAFETY: `tm` is plain old data of integers (and, on glibc, a pointer
    // that may be null); all-zero is a valid value of it.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers are valid for the duration of the call;
    // localtime_r is the re-entrant form and touches no shared buffer.
    let converted = unsafe { !libc::localtime_r(&seconds, &mut tm).is_null() };
    if !converted {
        // SAFETY: as above, for the UTC conversion.
        unsafe {
            libc::gmtime_r(&seconds, &mut tm);
        }
    }
    let small = |v: libc::c_int| u8::try_from(v).unwrap_or(0);
    LocalTime {
        month: small(tm.tm_mon),
        day: small(tm.tm_mday),
        hour: small(tm.tm_hour),
        minute: small(tm.tm_min),
        second: small(tm.tm_sec),
        micros: since_epoch.subsec_micros(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_in_range() {
        let t = now();
        assert!(t.month < 12, "{t:?}");
        assert!((1..=31).contains(&t.day), "{t:?}");
        assert!(t.hour < 24 && t.minute < 60 && t.second <= 60, "{t:?}");
        assert!(t.micros < 1_000_000, "{t:?}");
    }
}
