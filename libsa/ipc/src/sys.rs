//! The system calls std does not offer in the form the libraries need:
//! `connect` with a timeout, `poll` with a timeout, `send` without
//! SIGPIPE, and `getrandom`.

use std::io;
use std::mem;
use std::os::fd::{FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::net::UnixStream;
use std::time::Duration;

use crate::address::SocketAddress;

/// The `sockaddr_un` of `addr` and its length, or `InvalidInput` when
/// the name does not fit (or a path holds a NUL byte).
fn sockaddr_un(addr: &SocketAddress) -> io::Result<(libc::sockaddr_un, libc::socklen_t)> {
    // SAFETY: sockaddr_un is plain old data; all zeroes is a valid value.
    let mut sun: libc::sockaddr_un = unsafe { mem::zeroed() };
    sun.sun_family = libc::AF_UNIX as libc::sa_family_t;
    // An abstract name is a NUL byte and the name, without terminator; a
    // path is the path and a terminating NUL (kept by the zeroed tail).
    let (start, name, room) = match addr {
        SocketAddress::Abstract(name) => (1, name.as_slice(), sun.sun_path.len() - 1),
        SocketAddress::Path(path) => {
            let bytes = path.as_os_str().as_bytes();
            if bytes.contains(&0) {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "socket path contains a NUL byte",
                ));
            }
            (0, bytes, sun.sun_path.len() - 1)
        }
    };
    if name.len() > room {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "socket name too long",
        ));
    }
    for (dst, &src) in sun.sun_path[start..].iter_mut().zip(name) {
        *dst = src as libc::c_char;
    }
    let trailer = match addr {
        SocketAddress::Abstract(_) => 0,
        SocketAddress::Path(_) => 1,
    };
    let len = mem::offset_of!(libc::sockaddr_un, sun_path) + start + name.len() + trailer;
    // At most the size of sockaddr_un, far below socklen_t's range.
    Ok((sun, len as libc::socklen_t))
}

/// Connects a stream socket to `addr`, waiting at most `timeout` for the
/// listener: a listener whose backlog is full (an executive that stopped
/// accepting) makes a blocking connect wait forever; with the send
/// timeout set first the kernel gives up with EAGAIN instead. The
/// returned stream keeps `timeout` as its write timeout.
pub fn connect_within(addr: &SocketAddress, timeout: Duration) -> io::Result<UnixStream> {
    let (sun, len) = sockaddr_un(addr)?;
    // SAFETY: plain system call with constant arguments.
    let fd = unsafe { libc::socket(libc::AF_UNIX, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` was just returned by socket() and is owned by nobody else.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    let stream = UnixStream::from(fd);
    // A zero timeout would mean "no timeout" to the kernel.
    stream.set_write_timeout(Some(timeout.max(Duration::from_millis(1))))?;
    loop {
        // SAFETY: `sun` is a valid sockaddr_un of which `len` bytes are
        // meaningful; connect does not retain the pointer.
        let r = unsafe {
            libc::connect(
                std::os::fd::AsRawFd::as_raw_fd(&stream),
                (&sun as *const libc::sockaddr_un).cast::<libc::sockaddr>(),
                len,
            )
        };
        if r == 0 {
            return Ok(stream);
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

/// Waits until `fd` is readable (or at EOF / hung up) for at most
/// `timeout` (`None`: without limit). `Ok(true)`: readable.
/// An interrupted wait is reported as not readable; callers loop on their
/// own deadline.
pub fn poll_readable(fd: RawFd, timeout: Option<Duration>) -> io::Result<bool> {
    let ms: libc::c_int = match timeout {
        None => -1,
        // Round up so a short positive timeout does not become a busy poll.
        Some(d) => d
            .as_nanos()
            .div_ceil(1_000_000)
            .try_into()
            .unwrap_or(libc::c_int::MAX),
    };
    let mut pfd = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: `pfd` is a valid, initialised pollfd and we pass a count of 1;
    // poll does not retain the pointer.
    let r = unsafe { libc::poll(&mut pfd, 1, ms) };
    if r < 0 {
        let e = io::Error::last_os_error();
        if e.kind() == io::ErrorKind::Interrupted {
            return Ok(false);
        }
        return Err(e);
    }
    Ok(r > 0 && pfd.revents & (libc::POLLIN | libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0)
}

/// Writes all of `buf` to the socket `fd` with MSG_NOSIGNAL: a C program
/// linked with our libraries must not die of SIGPIPE because the executive
/// went away; it gets EPIPE instead. The socket's send timeout
/// (SO_SNDTIMEO) bounds each send.
pub fn send_all(fd: RawFd, mut buf: &[u8]) -> io::Result<()> {
    while !buf.is_empty() {
        // SAFETY: `buf` is a valid readable slice for its whole length and
        // send does not retain the pointer.
        let n = unsafe {
            libc::send(
                fd,
                buf.as_ptr().cast::<libc::c_void>(),
                buf.len(),
                libc::MSG_NOSIGNAL,
            )
        };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        // n >= 0 and at most buf.len()
        buf = &buf[n as usize..];
    }
    Ok(())
}

/// Reads what the socket `fd` holds, without waiting: `Ok(None)` when it
/// holds nothing (EAGAIN), `Ok(Some(0))` at the end of the stream.
pub fn recv_now(fd: RawFd, buf: &mut [u8]) -> io::Result<Option<usize>> {
    loop {
        // SAFETY: `buf` is a valid writable slice for its whole length and
        // recv does not retain the pointer.
        let n = unsafe {
            libc::recv(
                fd,
                buf.as_mut_ptr().cast::<libc::c_void>(),
                buf.len(),
                libc::MSG_DONTWAIT,
            )
        };
        if n >= 0 {
            // n >= 0 and at most buf.len()
            return Ok(Some(n as usize));
        }
        let e = io::Error::last_os_error();
        match e.kind() {
            io::ErrorKind::Interrupted => continue,
            io::ErrorKind::WouldBlock => return Ok(None),
            _ => return Err(e),
        }
    }
}

/// A random u64 from the kernel's CSPRNG, or `None` when it cannot give one.
pub fn getrandom_u64() -> Option<u64> {
    let mut b = [0u8; 8];
    let mut got = 0usize;
    while got < b.len() {
        // SAFETY: the destination range b[got..] is valid and writable for
        // b.len() - got bytes.
        let n = unsafe {
            libc::getrandom(
                b[got..].as_mut_ptr().cast::<libc::c_void>(),
                b.len() - got,
                0,
            )
        };
        if n < 0 {
            if io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return None;
        }
        got += n as usize;
    }
    Some(u64::from_le_bytes(b))
}

/// A random u64: the kernel's CSPRNG, else std's randomly keyed SipHash of
/// a counter and the clock (still unpredictable to another process).
pub fn random_u64() -> u64 {
    if let Some(v) = getrandom_u64() {
        return v;
    }
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    if let Ok(t) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        h.write_u128(t.as_nanos());
    }
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::fd::AsRawFd;
    use std::os::unix::net::UnixStream;

    #[test]
    fn poll_sees_data_and_hangup() {
        let (mut a, b) = UnixStream::pair().unwrap();
        assert!(!poll_readable(b.as_raw_fd(), Some(Duration::from_millis(10))).unwrap());
        a.write_all(b"x").unwrap();
        assert!(poll_readable(b.as_raw_fd(), Some(Duration::ZERO)).unwrap());
        drop(a);
        assert!(poll_readable(b.as_raw_fd(), None).unwrap());
    }

    #[test]
    fn send_to_closed_peer_is_an_error_not_a_signal() {
        let (a, b) = UnixStream::pair().unwrap();
        drop(b);
        let e = send_all(a.as_raw_fd(), b"data").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::BrokenPipe);
    }

    #[test]
    fn connect_to_a_listener_that_never_accepts_is_bounded() {
        use std::os::unix::net::UnixListener;
        let name = format!("sa-ipc-backlog-{}", std::process::id());
        let addr = SocketAddress::Abstract(name.into_bytes());
        let _listener = UnixListener::bind_addr(&addr.to_socket_addr().unwrap()).unwrap();
        let mut held = Vec::new();
        let start = std::time::Instant::now();
        // Fill the backlog (whatever its size); the first refused connect
        // must come back after about the timeout, not hang.
        let err = loop {
            assert!(start.elapsed() < Duration::from_secs(30), "never refused");
            match connect_within(&addr, Duration::from_millis(50)) {
                Ok(s) => held.push(s),
                Err(e) => break e,
            }
        };
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock, "{err}");
        assert!(!held.is_empty());
    }

    #[test]
    fn connect_reaches_paths_and_rejects_bad_names() {
        let dir = std::env::temp_dir().join(format!("sa-ipc-sys-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("s");
        let _ = std::fs::remove_file(&path);
        let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
        let addr = SocketAddress::Path(path.clone());
        let _c = connect_within(&addr, Duration::from_secs(1)).unwrap();
        listener.accept().unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        let missing = connect_within(&addr, Duration::from_secs(1)).unwrap_err();
        assert_eq!(missing.kind(), io::ErrorKind::NotFound);
        let long = SocketAddress::Abstract(vec![b'x'; 200]);
        let e = connect_within(&long, Duration::from_secs(1)).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn random_values_differ() {
        let a = random_u64();
        let b = random_u64();
        assert_ne!(a, b);
        assert!(getrandom_u64().is_some());
    }
}
