//! When this host booted: what CLM reports as a node's `bootTimestamp`
//! (B.01.01: "the last time the node was booted"; openais reported the
//! host's boot time, not the executive's start).

use std::path::Path;

use crate::config::read_limited;

/// /proc/stat of a large machine is some hundreds of KiB at most.
const PROC_STAT_LIMIT: u64 = 4 * 1024 * 1024;

/// The host's boot time in nanoseconds since the epoch: the kernel's
/// `btime` (whole seconds) from /proc/stat; where that cannot be read,
/// CLOCK_REALTIME - CLOCK_BOOTTIME.
pub fn host_boot_ns() -> i64 {
    match read_limited(Path::new("/proc/stat"), PROC_STAT_LIMIT)
        .ok()
        .and_then(|text| btime_ns(&String::from_utf8_lossy(&text)))
    {
        Some(ns) => ns,
        None => {
            log::warn!(target: "MAIN", "/proc/stat has no btime: boot time from the clocks");
            from_clocks_ns()
        }
    }
}

/// The `btime` line of /proc/stat's `text`, in nanoseconds.
fn btime_ns(text: &str) -> Option<i64> {
    let secs: i64 = text
        .lines()
        .find_map(|l| l.strip_prefix("btime "))?
        .trim()
        .parse()
        .ok()?;
    secs.checked_mul(1_000_000_000)
}

fn clock_ns(clock: libc::clockid_t) -> i64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; clock_gettime writes it
    // and touches nothing else.
    let rc = unsafe { libc::clock_gettime(clock, &mut ts) };
    if rc != 0 {
        return 0;
    }
    ts.tv_sec
        .saturating_mul(1_000_000_000)
        .saturating_add(ts.tv_nsec)
}

fn from_clocks_ns() -> i64 {
    clock_ns(libc::CLOCK_REALTIME).saturating_sub(clock_ns(libc::CLOCK_BOOTTIME))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn btime_is_read_from_proc_stat_text() {
        let text = "cpu  1 2 3\nintr 5 6\nctxt 77\nbtime 1765000000\nprocesses 9\n";
        assert_eq!(btime_ns(text), Some(1_765_000_000_000_000_000));
        assert_eq!(btime_ns("cpu 1\n"), None);
        assert_eq!(btime_ns("btime soon\n"), None);
        assert_eq!(btime_ns("btime 99999999999999999\n"), None, "overflow");
    }

    #[test]
    fn both_sources_agree_on_this_host() {
        let proc = host_boot_ns();
        let clocks = from_clocks_ns();
        // btime is whole seconds and both move with clock adjustments
        // since boot: print, do not judge finer than that.
        println!(
            "btime {proc} ns, clocks {clocks} ns, difference {} ms",
            (proc - clocks) / 1_000_000
        );
        assert!((proc - clocks).abs() < 60_000_000_000, "{proc} vs {clocks}");
        assert!(proc > 0 && proc < clock_ns(libc::CLOCK_REALTIME));
    }
}
