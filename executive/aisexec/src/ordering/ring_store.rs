//! Persistence of the highest ring sequence number this processor used.
//!
//! A restarted processor must never form a ring with a sequence number it
//! used before: other members may still remember the old ring. The number
//! lives in `ringid_<bind address>` in the run directory, as 8
//! little-endian bytes; the Totem driver records each higher number before
//! it goes on the wire, and Totem's next ring takes a number above it.

use std::fs;
use std::io::{self, Write};
use std::net::IpAddr;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use totem::srp::RING_SEQ_LIMIT;

#[derive(Debug, thiserror::Error)]
pub enum RingStoreError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{path}: holds {len} bytes, not an 8-byte ring sequence number")]
    Corrupt { path: PathBuf, len: usize },
    #[error("{path}: holds more than an 8-byte ring sequence number")]
    TooLarge { path: PathBuf },
    /// Above [`RING_SEQ_LIMIT`]: no correct processor gets there (an
    /// earlier version could be pushed there by one forged packet).
    #[error("{path}: ring sequence {seq} is implausible (above {RING_SEQ_LIMIT})")]
    Implausible { path: PathBuf, seq: u64 },
}

/// The ring sequence file of one bind address.
#[derive(Debug, Clone)]
pub struct RingStore {
    path: PathBuf,
}

impl RingStore {
    pub fn new(run_dir: &Path, bind_address: IpAddr) -> RingStore {
        RingStore {
            path: run_dir.join(format!("ringid_{bind_address}")),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The highest sequence number stored, 0 when none was. A number
    /// above [`RING_SEQ_LIMIT`] is refused: numbering rings from there
    /// would leave no room for new ones.
    pub fn load(&self) -> Result<u64, RingStoreError> {
        // One byte more than a sequence number tells a corrupt file; the
        // rest of it (a device, a huge file) is never read.
        match crate::config::read_limited(&self.path, 9) {
            Ok(bytes) => match <[u8; 8]>::try_from(bytes.as_slice()) {
                Ok(b) => match u64::from_le_bytes(b) {
                    seq if seq > RING_SEQ_LIMIT => Err(RingStoreError::Implausible {
                        path: self.path.clone(),
                        seq,
                    }),
                    seq => Ok(seq),
                },
                Err(_) => Err(RingStoreError::Corrupt {
                    path: self.path.clone(),
                    len: bytes.len(),
                }),
            },
            Err(crate::config::LimitedReadError::Io(e)) if e.kind() == io::ErrorKind::NotFound => {
                Ok(0)
            }
            Err(crate::config::LimitedReadError::Io(source)) => Err(self.io(source)),
            Err(crate::config::LimitedReadError::TooLarge { .. }) => {
                Err(RingStoreError::TooLarge {
                    path: self.path.clone(),
                })
            }
        }
    }

    /// Records `seq`, replacing the file atomically so a crash never
    /// leaves a truncated number behind.
    pub fn store(&self, seq: u64) -> Result<(), RingStoreError> {
        let tmp = self.path.with_extension("new");
        let write = || -> io::Result<()> {
            let mut f = fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(&tmp)?;
            f.write_all(&seq.to_le_bytes())?;
            f.sync_all()?;
            fs::rename(&tmp, &self.path)
        };
        write().map_err(|e| self.io(e))
    }

    fn io(&self, source: io::Error) -> RingStoreError {
        RingStoreError::Io {
            path: self.path.clone(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    #[test]
    fn sequence_survives_restarts() {
        let dir = tempfile::tempdir().unwrap();
        let store = RingStore::new(dir.path(), IpAddr::V4(Ipv4Addr::LOCALHOST));
        assert_eq!(store.path().file_name().unwrap(), "ringid_127.0.0.1");
        assert_eq!(store.load().unwrap(), 0);
        store.store(4).unwrap();
        store.store(8).unwrap();
        let again = RingStore::new(dir.path(), IpAddr::V4(Ipv4Addr::LOCALHOST));
        assert_eq!(again.load().unwrap(), 8);
    }

    #[test]
    fn a_sequence_at_the_end_of_its_space_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = RingStore::new(dir.path(), IpAddr::V4(Ipv4Addr::LOCALHOST));
        store.store(u64::MAX).unwrap();
        assert!(matches!(
            store.load(),
            Err(RingStoreError::Implausible { seq: u64::MAX, .. })
        ));
        store.store(RING_SEQ_LIMIT + 1).unwrap();
        assert!(matches!(
            store.load(),
            Err(RingStoreError::Implausible { .. })
        ));
        store.store(RING_SEQ_LIMIT).unwrap();
        assert_eq!(store.load().unwrap(), RING_SEQ_LIMIT);
    }

    #[test]
    fn corrupt_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let store = RingStore::new(dir.path(), IpAddr::V4(Ipv4Addr::LOCALHOST));
        fs::write(store.path(), b"abc").unwrap();
        assert!(matches!(
            store.load(),
            Err(RingStoreError::Corrupt { len: 3, .. })
        ));
    }
}
