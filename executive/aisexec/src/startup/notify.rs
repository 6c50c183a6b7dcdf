//! systemd's readiness protocol (sd_notify(3)) without libsystemd: one
//! datagram of `KEY=VALUE` lines to the unix socket named by
//! `$NOTIFY_SOCKET`, a filesystem path or, when it starts with `@`, a name
//! in the abstract namespace.
//!
//! The executive sends `READY=1` when it serves (the same moment a
//! daemonizing `aisexec` releases its waiting parent) and `STOPPING=1`
//! when it begins to shut down. Without `$NOTIFY_SOCKET` (not started by
//! systemd with `Type=notify`) nothing is sent.

use std::ffi::OsString;
use std::io;
use std::os::linux::net::SocketAddrExt;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::net::{SocketAddr, UnixDatagram};

/// The variable systemd sets for a `Type=notify` service.
pub const ENV_NOTIFY_SOCKET: &str = "NOTIFY_SOCKET";

/// Why a notification could not be sent.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("NOTIFY_SOCKET {0:?} is neither an absolute path nor @name")]
    BadAddress(OsString),
    #[error("sending to NOTIFY_SOCKET: {0}")]
    Send(#[source] io::Error),
}

/// Where `$NOTIFY_SOCKET` points.
fn address(value: &OsString) -> Result<SocketAddr, NotifyError> {
    let bytes = value.as_bytes();
    let bad = || NotifyError::BadAddress(value.clone());
    match bytes.first() {
        Some(b'@') => SocketAddr::from_abstract_name(&bytes[1..]).map_err(|_| bad()),
        Some(b'/') => SocketAddr::from_pathname(std::path::Path::new(value)).map_err(|_| bad()),
        _ => Err(bad()),
    }
}

/// Sends `state` (such as `"READY=1"`) to `socket`, the value of
/// `$NOTIFY_SOCKET`.
pub fn notify_to(socket: &OsString, state: &str) -> Result<(), NotifyError> {
    let addr = address(socket)?;
    let sock = UnixDatagram::unbound().map_err(NotifyError::Send)?;
    sock.send_to_addr(state.as_bytes(), &addr)
        .map_err(NotifyError::Send)?;
    Ok(())
}

/// Sends `state` to the service manager, if the process was started as
/// a `Type=notify` service; `Ok` without sending anything otherwise.
pub fn notify(state: &str) -> Result<(), NotifyError> {
    match std::env::var_os(ENV_NOTIFY_SOCKET).filter(|v| !v.is_empty()) {
        Some(socket) => notify_to(&socket, state),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sends_to_a_path_and_to_an_abstract_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify");
        let listener = UnixDatagram::bind(&path).unwrap();
        notify_to(&path.clone().into_os_string(), "READY=1").unwrap();
        let mut buf = [0u8; 64];
        let n = listener.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"READY=1");

        let name = format!("aisexec-notify-test-{}", std::process::id());
        let addr = SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
        let listener = UnixDatagram::bind_addr(&addr).unwrap();
        notify_to(&OsString::from(format!("@{name}")), "STOPPING=1").unwrap();
        let n = listener.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"STOPPING=1");
    }

    #[test]
    fn bad_addresses_are_refused() {
        for bad in ["", "relative/path", "x"] {
            assert!(matches!(
                notify_to(&OsString::from(bad), "READY=1"),
                Err(NotifyError::BadAddress(_))
            ));
        }
    }
}
