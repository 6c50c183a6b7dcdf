//! A caller's I/O vector, checked and viewed as byte slices.

use sa_abi::cpg::{cpg_error_t, CPG_ERR_INVALID_PARAM};
use sa_ipc::proto::cpg::MAX_MESSAGE;

/// The parts of a message and its total length.
pub(crate) struct Parts<'a> {
    pub(crate) slices: Vec<&'a [u8]>,
    pub(crate) total: usize,
}

/// Views `iov_len` entries at `iov` as slices. A negative count, a NULL
/// vector with entries, a NULL base with a length, or a message longer
/// than [`MAX_MESSAGE`] is CPG_ERR_INVALID_PARAM.
///
/// # Safety
/// `iov` is NULL or points to `iov_len` valid iovecs, each of whose
/// `iov_base` is NULL or valid for reading `iov_len` bytes, for `'a`.
pub(crate) unsafe fn parts<'a>(
    iov: *const libc::iovec,
    iov_len: i32,
) -> Result<Parts<'a>, cpg_error_t> {
    let count = usize::try_from(iov_len).map_err(|_| CPG_ERR_INVALID_PARAM)?;
    if count == 0 {
        return Ok(Parts {
            slices: Vec::new(),
            total: 0,
        });
    }
    if iov.is_null() {
        return Err(CPG_ERR_INVALID_PARAM);
    }
    // SAFETY: non-NULL and holding `count` entries by the contract.
    let entries = unsafe { std::slice::from_raw_parts(iov, count) };
    let mut slices = Vec::with_capacity(count);
    let mut total = 0usize;
    for e in entries {
        if e.iov_len == 0 {
            continue;
        }
        if e.iov_base.is_null() {
            return Err(CPG_ERR_INVALID_PARAM);
        }
        total = total.saturating_add(e.iov_len);
        if total > MAX_MESSAGE {
            return Err(CPG_ERR_INVALID_PARAM);
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
        assert!(unsafe { parts(v.as_ptr(), -1) }.is_err());
        // SAFETY: NULL with no entries is never read.
        assert_eq!(unsafe { parts(std::ptr::null(), 0) }.unwrap().total, 0);
        // SAFETY: NULL with entries is refused before it is read.
        assert!(unsafe { parts(std::ptr::null(), 1) }.is_err());
        let null_base = [libc::iovec {
            iov_base: std::ptr::null_mut(),
            iov_len: 3,
        }];
        // SAFETY: the NULL base is refused before it is read.
        assert!(unsafe { parts(null_base.as_ptr(), 1) }.is_err());
        let big = vec![0u8; MAX_MESSAGE];
        let v = [iov(&big), iov(b"x")];
        // SAFETY: the vector and its buffers live through the call.
        assert!(unsafe { parts(v.as_ptr(), 2) }.is_err());
    }
}
