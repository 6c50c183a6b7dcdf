//! Where the executive listens: `OPENAIS_IPC_SOCKET`, read by both the
//! executive and the libraries. `@name` is a Linux abstract-namespace
//! socket, anything else a filesystem path; the default is
//! `@libais.socket`.

use std::fmt;
use std::io;
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixListener, UnixStream};
use std::path::PathBuf;
use std::time::Duration;

/// The environment variable naming the socket.
pub const SOCKET_ENV: &str = "OPENAIS_IPC_SOCKET";

/// The socket used when [`SOCKET_ENV`] is unset or empty.
pub const DEFAULT_SOCKET: &str = "@libais.socket";

/// How long [`SocketAddress::connect`] waits for a listener to take the
/// connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The executive's listening socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SocketAddress {
    /// Linux abstract namespace (written `@name`); the name without the `@`.
    Abstract(Vec<u8>),
    /// A filesystem path.
    Path(PathBuf),
}

impl SocketAddress {
    /// Parses the `@name` / path notation.
    pub fn parse(s: &str) -> SocketAddress {
        match s.strip_prefix('@') {
            Some(name) => SocketAddress::Abstract(name.as_bytes().to_vec()),
            None => SocketAddress::Path(PathBuf::from(s)),
        }
    }

    /// The address named by [`SOCKET_ENV`], else [`DEFAULT_SOCKET`].
    pub fn from_env() -> SocketAddress {
        match std::env::var(SOCKET_ENV) {
            Ok(s) if !s.is_empty() => SocketAddress::parse(&s),
            _ => SocketAddress::parse(DEFAULT_SOCKET),
        }
    }

    /// The std socket address.
    pub fn to_socket_addr(&self) -> io::Result<SocketAddr> {
        match self {
            SocketAddress::Abstract(name) => SocketAddr::from_abstract_name(name),
            SocketAddress::Path(p) => SocketAddr::from_pathname(p),
        }
    }

    /// Connects a blocking stream to the address, waiting at most
    /// [`CONNECT_TIMEOUT`] for an executive that does not accept.
    pub fn connect(&self) -> io::Result<UnixStream> {
        self.connect_within(CONNECT_TIMEOUT)
    }

    /// Connects a blocking stream to the address, waiting at most
    /// `timeout` for an executive that does not accept (its backlog full):
    /// then the error is `WouldBlock`. The stream keeps `timeout` as its
    /// write timeout.
    pub fn connect_within(&self, timeout: Duration) -> io::Result<UnixStream> {
        crate::sys::connect_within(self, timeout)
    }

    /// Binds a listener at the address (for the executive). A path that
    /// already exists is not removed here: whether a stale socket file may
    /// be replaced is the caller's decision.
    pub fn bind(&self) -> io::Result<UnixListener> {
        UnixListener::bind_addr(&self.to_socket_addr()?)
    }
}

impl fmt::Display for SocketAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SocketAddress::Abstract(name) => write!(f, "@{}", String::from_utf8_lossy(name)),
            SocketAddress::Path(p) => write!(f, "{}", p.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_forms() {
        assert_eq!(
            SocketAddress::parse("@libais.socket"),
            SocketAddress::Abstract(b"libais.socket".to_vec())
        );
        assert_eq!(
            SocketAddress::parse("/run/ais.sock"),
            SocketAddress::Path("/run/ais.sock".into())
        );
        assert_eq!(SocketAddress::parse("@x").to_string(), "@x");
    }

    #[test]
    fn bind_and_connect_abstract() {
        let addr = SocketAddress::parse(&format!("@sa-ipc-test-{}", std::process::id()));
        let listener = addr.bind().unwrap();
        let _client = addr.connect().unwrap();
        let _ = listener.accept().unwrap();
    }
}
