//! The listening socket: `OPENAIS_IPC_SOCKET` names it, `@name` for the
//! Linux abstract namespace, anything else a filesystem path; the
//! notation is the libraries' ([`SocketAddress`]), so both sides always
//! agree on where to meet.

use std::fmt;
use std::io;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};

use sa_ipc::SocketAddress;

/// The socket name used when `OPENAIS_IPC_SOCKET` is not set.
pub use sa_ipc::address::DEFAULT_SOCKET;

#[derive(Debug, thiserror::Error)]
pub enum EndpointError {
    #[error("the IPC socket name is empty")]
    Empty,
    #[error("IPC socket {name}: {source}")]
    Io {
        name: String,
        #[source]
        source: io::Error,
    },
    #[error("IPC socket {0}: another executive is listening on it")]
    InUse(String),
    #[error("IPC socket {0}: the path exists and is not a socket")]
    NotASocket(PathBuf),
}

/// Where the executive listens: a [`SocketAddress`] with a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocketName(SocketAddress);

impl SocketName {
    pub fn parse(s: &str) -> Result<SocketName, EndpointError> {
        if s.is_empty() || s == "@" {
            return Err(EndpointError::Empty);
        }
        Ok(SocketName(SocketAddress::parse(s)))
    }

    /// The filesystem path, for a path name.
    fn path(&self) -> Option<&Path> {
        match &self.0 {
            SocketAddress::Path(p) => Some(p),
            SocketAddress::Abstract(_) => None,
        }
    }

    fn io_error(&self, source: io::Error) -> EndpointError {
        EndpointError::Io {
            name: self.to_string(),
            source,
        }
    }

    /// Binds the listening socket. A path left behind by an executive
    /// that died is removed first; one that still answers is in use. The
    /// socket is bound before the executive starts its runtime (and
    /// before it daemonizes), so that such errors reach the terminal.
    pub fn bind(&self) -> Result<UnixListener, EndpointError> {
        if let Some(path) = self.path() {
            remove_stale(path, self)?;
        }
        let addr = self.0.to_socket_addr().map_err(|e| self.io_error(e))?;
        let listener = UnixListener::bind_addr(&addr).map_err(|e| match e.kind() {
            io::ErrorKind::AddrInUse => EndpointError::InUse(self.to_string()),
            _ => self.io_error(e),
        })?;
        if let Some(path) = self.path() {
            // Anyone may connect; the peer-credential check decides who is
            // served, and refuses the others with SA_AIS_ERR_SECURITY.
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o777))
                .map_err(|e| self.io_error(e))?;
        }
        listener
            .set_nonblocking(true)
            .map_err(|e| self.io_error(e))?;
        Ok(listener)
    }

    /// Removes the socket file of a path name (nothing to do for an
    /// abstract name).
    pub fn unlink(&self) {
        if let Some(path) = self.path() {
            if let Err(e) = std::fs::remove_file(path) {
                if e.kind() != io::ErrorKind::NotFound {
                    log::warn!(target: "IPC", "cannot remove {}: {e}", path.display());
                }
            }
        }
    }
}

fn remove_stale(path: &Path, name: &SocketName) -> Result<(), EndpointError> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(name.io_error(e)),
    };
    if !meta.file_type().is_socket() {
        return Err(EndpointError::NotASocket(path.to_path_buf()));
    }
    if UnixStream::connect(path).is_ok() {
        return Err(EndpointError::InUse(name.to_string()));
    }
    log::info!(target: "IPC", "removing stale socket {}", path.display());
    std::fs::remove_file(path).map_err(|e| name.io_error(e))
}

impl fmt::Display for SocketName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_names() {
        assert_eq!(
            SocketName::parse("@libais.socket").unwrap(),
            SocketName(SocketAddress::Abstract(b"libais.socket".to_vec()))
        );
        assert_eq!(
            SocketName::parse("/run/ais.sock").unwrap(),
            SocketName(SocketAddress::Path("/run/ais.sock".into()))
        );
        assert!(SocketName::parse("@").is_err());
        assert!(SocketName::parse("").is_err());
        assert_eq!(
            SocketName::parse(DEFAULT_SOCKET).unwrap().to_string(),
            DEFAULT_SOCKET
        );
    }

    #[test]
    fn stale_path_is_replaced_and_live_one_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ais.sock");
        let name = SocketName(SocketAddress::Path(path.clone()));
        // a socket file nobody listens on any more
        drop(UnixListener::bind(&path).unwrap());
        assert!(path.exists());
        let live = name.bind().unwrap();
        assert!(matches!(name.bind(), Err(EndpointError::InUse(_))));
        drop(live);
        name.unlink();
        assert!(!path.exists());

        std::fs::write(&path, b"not a socket").unwrap();
        assert!(matches!(name.bind(), Err(EndpointError::NotASocket(_))));
    }

    #[test]
    fn abstract_names_are_exclusive() {
        let name = SocketName::parse(&format!("@aisexec-test-{}", std::process::id())).unwrap();
        let _live = name.bind().unwrap();
        assert!(matches!(name.bind(), Err(EndpointError::InUse(_))));
    }
}
