//! The caller's pointers at the C boundary, checked in one place: a NULL
//! where the call needs a pointer is the API's error code (usually
//! SA_AIS_ERR_INVALID_PARAM), and a result is written through [`Out`]
//! without reading or dropping what the caller's memory held.
//!
//! ```ignore
// SAFETY: NULL or valid for writing, by the caller's contract.
//! let handle_out = check!(unsafe { ptr::out(checkpointHandle, SA_AIS_ERR_INVALID_PARAM) });
//! ...
//! handle_out.write(handle);
//! ```

use std::marker::PhantomData;
use std::ptr::NonNull;

/// Where a call writes a result: a caller's pointer, known not to be
/// NULL, usable for the duration of the call.
#[derive(Debug)]
pub struct Out<'a, T> {
    ptr: NonNull<T>,
    call: PhantomData<&'a mut T>,
}

impl<T> Out<'_, T> {
    /// Stores `value`; the memory may be uninitialised (nothing is read
    /// or dropped).
    pub fn write(&self, value: T) {
        // SAFETY: [`out`]'s contract: valid and aligned for writing a T
        // for as long as this Out lives (within the call).
        unsafe { self.ptr.as_ptr().write(value) }
    }

    /// The pointer itself, for a callee that fills it in place.
    pub fn as_ptr(&self) -> *mut T {
        self.ptr.as_ptr()
    }
}

/// The caller's result pointer `p`; NULL is `null`.
///
/// # Safety
/// `p` is NULL or valid and aligned for writing a `T` until the call
/// returns.
pub unsafe fn out<'a, T, E>(p: *mut T, null: E) -> Result<Out<'a, T>, E> {
    NonNull::new(p)
        .map(|ptr| Out {
            ptr,
            call: PhantomData,
        })
        .ok_or(null)
}

/// The caller's argument `p`, read by the call; NULL is `null`.
///
/// # Safety
/// `p` is NULL or points to a valid, initialised `T` that is not written
/// until the call returns.
pub unsafe fn arg<'a, T, E>(p: *const T, null: E) -> Result<&'a T, E> {
    // SAFETY: the caller's contract.
    unsafe { p.as_ref() }.ok_or(null)
}

/// The caller's argument `p`, read and updated by the call (a version
/// negotiated, a size reported back); NULL is `null`.
///
/// # Safety
/// `p` is NULL or points to a valid, initialised `T` that nothing else
/// accesses until the call returns.
pub unsafe fn inout<'a, T, E>(p: *mut T, null: E) -> Result<&'a mut T, E> {
    // SAFETY: the caller's contract.
    unsafe { p.as_mut() }.ok_or(null)
}

/// The caller's array `p` of `len` elements, read by the call; NULL is
/// `null` (whatever `len`).
///
/// # Safety
/// `p` is NULL or points to `len` valid, initialised elements that are
/// not written until the call returns.
pub unsafe fn slice<'a, T, E>(p: *const T, len: usize, null: E) -> Result<&'a [T], E> {
    if p.is_null() {
        return Err(null);
    }
    // SAFETY: non-NULL; `len` valid elements by the caller's contract.
    Ok(unsafe { std::slice::from_raw_parts(p, len) })
}

/// The caller's array `p` of `len` elements, read and updated by the
/// call; NULL is `null` (whatever `len`).
///
/// # Safety
/// `p` is NULL or points to `len` valid, initialised elements that
/// nothing else accesses until the call returns.
pub unsafe fn slice_mut<'a, T, E>(p: *mut T, len: usize, null: E) -> Result<&'a mut [T], E> {
    if p.is_null() {
        return Err(null);
    }
    // SAFETY: non-NULL; `len` valid elements by the caller's contract.
    Ok(unsafe { std::slice::from_raw_parts_mut(p, len) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_is_the_given_code() {
        // SAFETY: NULL is allowed by each contract.
        unsafe {
            assert_eq!(out::<u64, u32>(std::ptr::null_mut(), 7).err(), Some(7));
            assert_eq!(arg::<u64, u32>(std::ptr::null(), 8).err(), Some(8));
            assert_eq!(inout::<u64, u32>(std::ptr::null_mut(), 9).err(), Some(9));
            assert_eq!(slice::<u64, u32>(std::ptr::null(), 0, 10).err(), Some(10));
            assert_eq!(
                slice_mut::<u64, u32>(std::ptr::null_mut(), 3, 11).err(),
                Some(11)
            );
        }
    }

    #[test]
    fn results_are_written_and_arguments_read() {
        let mut slot = std::mem::MaybeUninit::<u64>::uninit();
        // SAFETY: `slot` is valid for writing for the whole block.
        unsafe {
            let o = out::<u64, ()>(slot.as_mut_ptr(), ()).unwrap();
            o.write(42);
            assert_eq!(slot.assume_init(), 42);
        }
        let mut size = 3u64;
        // SAFETY: `size` is a valid local.
        unsafe {
            *inout::<u64, ()>(&mut size, ()).unwrap() += 1;
            assert_eq!(*arg::<u64, ()>(&size, ()).unwrap(), 4);
            let mut items = [1u32, 2, 3];
            slice_mut::<u32, ()>(items.as_mut_ptr(), 2, ()).unwrap()[1] = 7;
            assert_eq!(slice::<u32, ()>(items.as_ptr(), 3, ()).unwrap(), &[1, 7, 3]);
        }
    }
}
