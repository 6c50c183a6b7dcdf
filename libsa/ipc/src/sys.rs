//! The system calls std does not offer in the form the libraries need:
//! `poll` with a timeout, `send` without SIGPIPE, and `getrandom`.

use std::io;
use std::os::fd::RawFd;
use std::time::Duration;

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
    fn random_values_differ() {
        let a = random_u64();
        let b = random_u64();
        assert_ne!(a, b);
        assert!(getrandom_u64().is_some());
    }
}
