//! Reading a file the operator named, never more of it than its use needs.
//!
//! A configuration path may point anywhere, `/dev/zero` or a never-ending
//! pipe included; reading such a file whole would grow the executive
//! without bound before it ever parsed a byte. Every file the executive
//! reads goes through [`read_limited`]: at most `limit` bytes are kept, and
//! a file that has more is refused as soon as byte `limit + 1` arrives.

use std::fs::OpenOptions;
use std::io::{self, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// Why [`read_limited`] gave no contents.
#[derive(Debug, thiserror::Error)]
pub enum LimitedReadError {
    #[error(transparent)]
    Io(#[from] io::Error),
    /// The file holds more than `limit` bytes.
    #[error("too large (limit {limit} bytes)")]
    TooLarge { limit: u64 },
}

/// The contents of `path`, when they are at most `limit` bytes.
///
/// Up to 64 KiB are reserved before reading: a small secret (the authkey)
/// is read into one allocation and never left behind in a reallocated
/// buffer.
pub fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, LimitedReadError> {
    // O_NONBLOCK: opening a FIFO nobody writes would otherwise wait for
    // ever; a regular file or a device ignores the flag.
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    // One byte past the limit tells "exactly at the limit" from "more".
    let cap = usize::try_from(limit.saturating_add(1)).unwrap_or(usize::MAX);
    let mut bytes = Vec::with_capacity(cap.min(64 * 1024));
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(LimitedReadError::TooLarge { limit });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn endless_files_are_refused_promptly() {
        let started = Instant::now();
        let err = read_limited(Path::new("/dev/zero"), 1024 * 1024).unwrap_err();
        assert!(matches!(
            err,
            LimitedReadError::TooLarge { limit: 1_048_576 }
        ));
        assert_eq!(err.to_string(), "too large (limit 1048576 bytes)");
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn files_up_to_the_limit_are_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, [7u8; 100]).unwrap();
        assert_eq!(read_limited(&path, 100).unwrap(), vec![7u8; 100]);
        assert!(matches!(
            read_limited(&path, 99),
            Err(LimitedReadError::TooLarge { limit: 99 })
        ));
        assert!(matches!(
            read_limited(&dir.path().join("absent"), 10),
            Err(LimitedReadError::Io(_))
        ));
    }
}
