//! A caller's I/O vector (`struct iovec`), checked and viewed as byte
//! slices: the message a process multicasts through libevs or libcpg.
//!
//! The slices borrow the caller's buffers, so the request frame is built
//! with one copy of the message (see `proto::evs::McastJoined::encode_parts`).

use crate::proto::evs::MAX_MESSAGE;

/// The parts of a message and its total length.
#[derive(Debug)]
pub struct Parts<'a> {
    pub slices: Vec<&'a [u8]>,
    pub total: usize,
}

/// Why an I/O vector was refused; the libraries answer each with their
/// INVALID_PARAM code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IovecError {
    #[error("negative entry count {0}")]
    NegativeCount(i32),
    #[error("NULL vector with {0} entries")]
    NullVector(usize),
    #[error("NULL base in entry {0}, which has a length")]
    NullBase(usize),
    #[error("message longer than {MAX_MESSAGE} bytes")]
    TooLong,
}

/// Views `iov_len` entries at `iov` as slices (empty entries are skipped).
/// A negative count, a NULL vector with entries, a NULL base with a
/// length, or a message longer than [`MAX_MESSAGE`] is refused.
///
/// # Safety
/// `iov` is NULL or points to `iov_len` valid iovecs, each of whose
/// `iov_base` is NULL or valid for reading `iov_len` bytes, for `'a`.
pub unsafe fn parts<'a>(iov: *const libc::iovec, iov_len: i32) -> Result<Parts<'a>, IovecError> {
    let count = usize::try_from(iov_len).map_err(|_| IovecError::NegativeCount(iov_len))?;
    if count == 0 {
        return Ok(Parts {
            slices: Vec::new(),
            total: 0,
        });
    }
    if iov.is_null() {
        return Err(IovecError::NullVector(count));
    }
    // SAFETY: non-NULL and holding `count` entries by the contract.
    let entries = unsafe { std::slice::from_raw_parts(iov, count) };
    let mut slices = Vec::with_capacity(count);
    let mut total = 0usize;
    for (i, e) in entries.iter().enumerate() {
        if e.iov_len == 0 {
            continue;
        }
        if e.iov_base.is_null() {
            return Err(IovecError::NullBase(i));
        }
        total = total.saturating_add(e.iov_len);
        if total > MAX_MESSAGE {
            return Err(IovecError::TooLong);
        }
        // SAFETY: non-NULL and valid for `iov_len` bytes by the contract.
        slices.push(unsafe { std::slice::from_raw_parts(e.iov_base.cast::<u8>(), e.iov_len) });
    }
    Ok(Parts { slices, total })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iov(b: &[u8]) -> libc::iovec {
        libc::iovec {
            iov_base: b.as_ptr() as *mut libc::c_void,
            iov_len: b.len(),
        }
    }

    #[test]
    fn gathers_and_checks() {
        let v = [iov(b"ab"), iov(b""), iov(b"cde")];
        // SAFETY: the vector and its buffers live through the call.
        let p = unsafe { parts(v.as_ptr(), 3) }.unwrap();
        assert_eq!(p.total, 5);
        assert_eq!(p.slices.concat(), b"abcde");
        // SAFETY: as above; the count is checked before any access.
        let negative = unsafe { parts(v.as_ptr(), -1) };
        assert_eq!(negative.unwrap_err(), IovecError::NegativeCount(-1));
        // SAFETY: NULL with no entries is never read.
        let none = unsafe { parts(std::ptr::null(), 0) };
        assert_eq!(none.unwrap().total, 0);
        // SAFETY: NULL with entries is refused before it is read.
        let null = unsafe { parts(std::ptr::null(), 1) };
        assert_eq!(null.unwrap_err(), IovecError::NullVector(1));
        let null_base = [
            iov(b"x"),
            libc::iovec {
                iov_base: std::ptr::null_mut(),
                iov_len: 3,
            },
        ];
        // SAFETY: the NULL base is refused before it is read.
        let refused = unsafe { parts(null_base.as_ptr(), 2) };
        assert_eq!(refused.unwrap_err(), IovecError::NullBase(1));
        let big = vec![0u8; MAX_MESSAGE];
        let v = [iov(&big)];
        // SAFETY: the vector and its buffer live through the call.
        let largest = unsafe { parts(v.as_ptr(), 1) };
        assert_eq!(largest.unwrap().total, MAX_MESSAGE);
        let v = [iov(&big), iov(b"x")];
        // SAFETY: the vector and its buffers live through the call.
        let too_long = unsafe { parts(v.as_ptr(), 2) };
        assert_eq!(too_long.unwrap_err(), IovecError::TooLong);
    }
}
