//! What a call's `SaTimeT timeout` argument means, one rule for every
//! library (ARCHITECTURE.md, "Timeouts").
//!
//! openais 0.80's libraries checked `timeout == 0` (SA_AIS_ERR_TIMEOUT
//! at once) only in saClmClusterNodeGet, saEvtChannelOpen and
//! saCkptCheckpointSynchronize; everywhere else the argument was never
//! looked at, and openais's own programs pass 0 there (testckpt opens
//! every checkpoint with a timeout of 0). A drop-in replacement has to
//! run those programs, so such a timeout bounds the call only when it
//! is positive.

use std::time::Duration;

use sa_abi::ais::{SaAisErrorT, SaTimeT, SA_AIS_ERR_TIMEOUT};

use crate::client::DEFAULT_REQUEST_TIMEOUT;

/// A timeout openais enforced: zero or negative has run out before the
/// call starts (SA_AIS_ERR_TIMEOUT); otherwise the call waits at most
/// that long.
pub fn enforced(t: SaTimeT) -> Result<Duration, SaAisErrorT> {
    if t <= 0 {
        return Err(SA_AIS_ERR_TIMEOUT);
    }
    // Positive, so the conversion is exact.
    Ok(Duration::from_nanos(t as u64))
}

/// A timeout openais ignored: a positive one bounds the call; zero or
/// negative (what openais's programs pass) gives the bound of a call
/// without a timeout argument, [`DEFAULT_REQUEST_TIMEOUT`].
pub fn ignored_unless_positive(t: SaTimeT) -> Duration {
    enforced(t).unwrap_or(DEFAULT_REQUEST_TIMEOUT)
}

/// [`ignored_unless_positive`] as the SaTimeT an executive is told:
/// the wait itself, in nanoseconds, for a request the executive times.
pub fn ignored_unless_positive_ns(t: SaTimeT) -> SaTimeT {
    if t > 0 {
        t
    } else {
        // 15 s in nanoseconds fits an i64 many times over.
        SaTimeT::try_from(DEFAULT_REQUEST_TIMEOUT.as_nanos()).unwrap_or(SaTimeT::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enforced_timeouts_run_out_at_zero() {
        assert_eq!(enforced(0), Err(SA_AIS_ERR_TIMEOUT));
        assert_eq!(enforced(-5), Err(SA_AIS_ERR_TIMEOUT));
        assert_eq!(enforced(1_500), Ok(Duration::from_nanos(1_500)));
        assert_eq!(
            enforced(SaTimeT::MAX),
            Ok(Duration::from_nanos(i64::MAX as u64))
        );
    }

    #[test]
    fn ignored_timeouts_fall_back_to_the_default_bound() {
        assert_eq!(ignored_unless_positive(0), DEFAULT_REQUEST_TIMEOUT);
        assert_eq!(ignored_unless_positive(-1), DEFAULT_REQUEST_TIMEOUT);
        assert_eq!(ignored_unless_positive(7), Duration::from_nanos(7));
        assert_eq!(ignored_unless_positive_ns(0), 15_000_000_000);
        assert_eq!(ignored_unless_positive_ns(9), 9);
    }
}
