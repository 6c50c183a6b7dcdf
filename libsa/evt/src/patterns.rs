//! Pattern and filter arrays between C and the wire: reading the
//! caller's arrays (checked against NULL pointers and the protocol's
//! limits) and writing patterns back into caller-allocated or
//! library-allocated arrays.

use std::mem::size_of;
use std::ptr;

use sa_abi::ais::{
    SaAisErrorT, SA_AIS_ERR_INVALID_PARAM, SA_AIS_ERR_NO_MEMORY, SA_AIS_ERR_NO_SPACE, SA_AIS_OK,
};
use sa_abi::evt::{
    SaEvtEventFilterArrayT, SaEvtEventFilterT, SaEvtEventPatternArrayT, SaEvtEventPatternT,
};
use sa_ipc::proto::evt::{Filter, FilterKind, MAX_PATTERNS, MAX_PATTERN_BYTES};

/// A caller's count as usize, refused beyond the protocol's limit.
fn count(n: u64) -> Result<usize, SaAisErrorT> {
    usize::try_from(n)
        .ok()
        .filter(|n| *n <= MAX_PATTERNS)
        .ok_or(SA_AIS_ERR_INVALID_PARAM)
}

/// The bytes of one caller pattern, copied.
///
/// # Safety
/// `p.pattern` is NULL or points to `p.patternSize` readable bytes.
unsafe fn pattern_bytes(p: &SaEvtEventPatternT) -> Result<Vec<u8>, SaAisErrorT> {
    if p.patternSize > 0 && p.pattern.is_null() {
        return Err(SA_AIS_ERR_INVALID_PARAM);
    }
    if p.patternSize > MAX_PATTERN_BYTES as u64 {
        return Err(SA_AIS_ERR_INVALID_PARAM);
    }
    // SAFETY: checked above: NULL only with size 0; else the caller's
    // contract gives patternSize readable bytes.
    Ok(unsafe { p.bytes() }.to_vec())
}

/// Copies the caller's pattern array (saEvtEventAttributesSet).
///
/// # Safety
/// `arr.patterns` is NULL or an array of `arr.patternsNumber` patterns,
/// each valid as [`pattern_bytes`] requires.
pub(crate) unsafe fn read_patterns(
    arr: &SaEvtEventPatternArrayT,
) -> Result<Vec<Vec<u8>>, SaAisErrorT> {
    let n = count(arr.patternsNumber)?;
    if n == 0 {
        return Ok(Vec::new());
    }
    if arr.patterns.is_null() {
        return Err(SA_AIS_ERR_INVALID_PARAM);
    }
    let mut out = Vec::with_capacity(n);
    let mut total = 0usize;
    for i in 0..n {
        // SAFETY: i < patternsNumber, within the caller's array.
        let p = unsafe { &*arr.patterns.add(i) };
        // SAFETY: the pattern is valid by the contract.
        let bytes = unsafe { pattern_bytes(p) }?;
        total += bytes.len();
        if total > MAX_PATTERN_BYTES {
            return Err(SA_AIS_ERR_INVALID_PARAM);
        }
        out.push(bytes);
    }
    Ok(out)
}

/// Copies the caller's filter array (saEvtEventSubscribe).
///
/// # Safety
/// `arr.filters` is NULL or an array of `arr.filtersNumber` filters whose
/// patterns are valid as [`pattern_bytes`] requires.
pub(crate) unsafe fn read_filters(
    arr: &SaEvtEventFilterArrayT,
) -> Result<Vec<Filter>, SaAisErrorT> {
    let n = count(arr.filtersNumber)?;
    if n == 0 {
        return Ok(Vec::new());
    }
    if arr.filters.is_null() {
        return Err(SA_AIS_ERR_INVALID_PARAM);
    }
    let mut out = Vec::with_capacity(n);
    let mut total = 0usize;
    for i in 0..n {
        // SAFETY: i < filtersNumber, within the caller's array.
        let f: &SaEvtEventFilterT = unsafe { &*arr.filters.add(i) };
        let kind = FilterKind::from_wire(f.filterType).ok_or(SA_AIS_ERR_INVALID_PARAM)?;
        // The pattern of a pass-all filter is not looked at, so not read.
        let pattern = if kind == FilterKind::PassAll {
            Vec::new()
        } else {
            // SAFETY: the filter's pattern is valid by the contract.
            unsafe { pattern_bytes(&f.filter) }?
        };
        total += pattern.len();
        if total > MAX_PATTERN_BYTES {
            return Err(SA_AIS_ERR_INVALID_PARAM);
        }
        out.push(Filter { kind, pattern });
    }
    Ok(out)
}

/// Writes `patterns` into the caller's array (saEvtEventAttributesGet).
///
/// With `patterns == NULL` the library allocates the array and every
/// pattern with malloc (the caller frees each pattern and the array with
/// free()). Otherwise the caller's array must have room for every
/// pattern (`allocatedNumber`) and each pattern buffer for its pattern
/// (`allocatedSize`); else the call is SA_AIS_ERR_NO_SPACE with
/// `patternsNumber` and the short patterns' `patternSize` set to the
/// sizes needed.
///
/// # Safety
/// `arr` points to a valid SaEvtEventPatternArrayT whose `patterns` is
/// NULL or an array of `allocatedNumber` patterns, each with `pattern`
/// NULL or pointing to `allocatedSize` writable bytes.
pub(crate) unsafe fn write_patterns(
    arr: *mut SaEvtEventPatternArrayT,
    patterns: &[Vec<u8>],
) -> SaAisErrorT {
    // SAFETY: valid by the contract.
    let a = unsafe { &mut *arr };
    let n = patterns.len();
    if a.patterns.is_null() {
        // SAFETY: the contract of allocate_patterns is this one's.
        return unsafe { allocate_patterns(a, patterns) };
    }
    a.patternsNumber = n as u64;
    if a.allocatedNumber < n as u64 {
        return SA_AIS_ERR_NO_SPACE;
    }
    let mut result = SA_AIS_OK;
    for (i, pattern) in patterns.iter().enumerate() {
        // SAFETY: i < n <= allocatedNumber, within the caller's array.
        let p = unsafe { &mut *a.patterns.add(i) };
        let len = pattern.len() as u64;
        if p.allocatedSize < len || (len > 0 && p.pattern.is_null()) {
            p.patternSize = len;
            result = SA_AIS_ERR_NO_SPACE;
            continue;
        }
        if len > 0 {
            // SAFETY: `pattern` has allocatedSize >= len writable bytes.
            unsafe { ptr::copy_nonoverlapping(pattern.as_ptr(), p.pattern, pattern.len()) };
        }
        p.patternSize = len;
    }
    result
}

/// The library-allocated form of [`write_patterns`].
///
/// # Safety
/// As [`write_patterns`].
unsafe fn allocate_patterns(a: &mut SaEvtEventPatternArrayT, patterns: &[Vec<u8>]) -> SaAisErrorT {
    let n = patterns.len();
    if n == 0 {
        a.patternsNumber = 0;
        a.allocatedNumber = 0;
        return SA_AIS_OK;
    }
    // SAFETY: plain allocation, checked for NULL.
    let array =
        unsafe { libc::malloc(n * size_of::<SaEvtEventPatternT>()) }.cast::<SaEvtEventPatternT>();
    if array.is_null() {
        return SA_AIS_ERR_NO_MEMORY;
    }
    for (i, pattern) in patterns.iter().enumerate() {
        // At least one byte, so that every pattern is a pointer the
        // caller may free().
        // SAFETY: plain allocation, checked for NULL.
        let bytes = unsafe { libc::malloc(pattern.len().max(1)) }.cast::<u8>();
        if bytes.is_null() {
            for j in 0..i {
                // SAFETY: patterns 0..i were allocated and written above.
                unsafe { libc::free((*array.add(j)).pattern.cast()) };
            }
            // SAFETY: allocated above, not handed out.
            unsafe { libc::free(array.cast()) };
            return SA_AIS_ERR_NO_MEMORY;
        }
        // SAFETY: `bytes` has room for the pattern; `array` for n items,
        // written with `write` since the memory is uninitialised.
        unsafe {
            ptr::copy_nonoverlapping(pattern.as_ptr(), bytes, pattern.len());
            ptr::write(
                array.add(i),
                SaEvtEventPatternT {
                    allocatedSize: pattern.len() as u64,
                    patternSize: pattern.len() as u64,
                    pattern: bytes,
                },
            );
        }
    }
    a.patterns = array;
    a.allocatedNumber = n as u64;
    a.patternsNumber = n as u64;
    SA_AIS_OK
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c_patterns(v: &mut [Vec<u8>]) -> Vec<SaEvtEventPatternT> {
        v.iter_mut()
            .map(|p| SaEvtEventPatternT {
                allocatedSize: p.len() as u64,
                patternSize: p.len() as u64,
                pattern: p.as_mut_ptr(),
            })
            .collect()
    }

    #[test]
    fn read_then_write_into_caller_buffers() {
        let mut src = vec![b"alpha".to_vec(), Vec::new(), b"beta-pattern".to_vec()];
        let mut c = c_patterns(&mut src);
        let arr = SaEvtEventPatternArrayT {
            allocatedNumber: 3,
            patternsNumber: 3,
            patterns: c.as_mut_ptr(),
        };
        // SAFETY: every pointer refers to the vectors above.
        let read = unsafe { read_patterns(&arr) }.unwrap();
        assert_eq!(read, src);

        let mut bufs = vec![vec![0u8; 16]; 4];
        let mut out: Vec<SaEvtEventPatternT> = bufs
            .iter_mut()
            .map(|b| SaEvtEventPatternT {
                allocatedSize: 16,
                patternSize: 0,
                pattern: b.as_mut_ptr(),
            })
            .collect();
        let mut dst = SaEvtEventPatternArrayT {
            allocatedNumber: 4,
            patternsNumber: 99,
            patterns: out.as_mut_ptr(),
        };
        // SAFETY: as above.
        assert_eq!(unsafe { write_patterns(&mut dst, &read) }, SA_AIS_OK);
        assert_eq!(dst.patternsNumber, 3);
        assert_eq!(out[0].patternSize, 5);
        assert_eq!(&bufs[0][..5], b"alpha");
        assert_eq!(out[2].patternSize, 12);
        assert_eq!(&bufs[2][..12], b"beta-pattern");
    }

    #[test]
    fn no_space_reports_sizes_needed() {
        let patterns = vec![b"one".to_vec(), b"a-long-pattern".to_vec()];
        let mut dst = SaEvtEventPatternArrayT {
            allocatedNumber: 1,
            patternsNumber: 0,
            patterns: ptr::NonNull::dangling().as_ptr(),
        };
        // SAFETY: allocatedNumber 1 < 2: nothing is written through the
        // (never dereferenced) array pointer.
        let rc = unsafe { write_patterns(&mut dst, &patterns) };
        assert_eq!(rc, SA_AIS_ERR_NO_SPACE);
        assert_eq!(dst.patternsNumber, 2);

        let mut small = [0u8; 4];
        let mut big = [0u8; 32];
        let mut out = [
            SaEvtEventPatternT {
                allocatedSize: 32,
                patternSize: 0,
                pattern: big.as_mut_ptr(),
            },
            SaEvtEventPatternT {
                allocatedSize: 4,
                patternSize: 0,
                pattern: small.as_mut_ptr(),
            },
        ];
        let mut dst = SaEvtEventPatternArrayT {
            allocatedNumber: 2,
            patternsNumber: 0,
            patterns: out.as_mut_ptr(),
        };
        // SAFETY: every pointer refers to the arrays above.
        let rc = unsafe { write_patterns(&mut dst, &patterns) };
        assert_eq!(rc, SA_AIS_ERR_NO_SPACE);
        assert_eq!(out[0].patternSize, 3);
        assert_eq!(out[1].patternSize, 14);
        assert_eq!(&big[..3], b"one");
    }

    #[test]
    fn library_allocated_patterns() {
        let patterns = vec![b"one".to_vec(), Vec::new(), b"three".to_vec()];
        let mut dst = SaEvtEventPatternArrayT::default();
        // SAFETY: a NULL array asks for allocation.
        assert_eq!(unsafe { write_patterns(&mut dst, &patterns) }, SA_AIS_OK);
        assert_eq!(dst.patternsNumber, 3);
        assert_eq!(dst.allocatedNumber, 3);
        for (i, want) in patterns.iter().enumerate() {
            // SAFETY: allocated above for 3 items with their bytes.
            unsafe {
                let p = &*dst.patterns.add(i);
                assert_eq!(p.bytes(), &want[..]);
                libc::free(p.pattern.cast());
            }
        }
        // SAFETY: allocated above.
        unsafe { libc::free(dst.patterns.cast()) };
    }

    #[test]
    fn bad_arrays_are_invalid_param() {
        let arr = SaEvtEventPatternArrayT {
            allocatedNumber: 1,
            patternsNumber: 1,
            patterns: ptr::null_mut(),
        };
        // SAFETY: the NULL array is refused before any read.
        let rc = unsafe { read_patterns(&arr) };
        assert_eq!(rc, Err(SA_AIS_ERR_INVALID_PARAM));
        let mut p = [SaEvtEventPatternT {
            allocatedSize: 0,
            patternSize: 3,
            pattern: ptr::null_mut(),
        }];
        let arr = SaEvtEventPatternArrayT {
            allocatedNumber: 1,
            patternsNumber: 1,
            patterns: p.as_mut_ptr(),
        };
        // SAFETY: the NULL pattern is refused before any read.
        let rc = unsafe { read_patterns(&arr) };
        assert_eq!(rc, Err(SA_AIS_ERR_INVALID_PARAM));
        let mut f = [SaEvtEventFilterT {
            filterType: 9,
            filter: SaEvtEventPatternT::default(),
        }];
        let fa = SaEvtEventFilterArrayT {
            filtersNumber: 1,
            filters: f.as_mut_ptr(),
        };
        // SAFETY: points to the array above.
        assert_eq!(unsafe { read_filters(&fa) }, Err(SA_AIS_ERR_INVALID_PARAM));
        let too_many = SaEvtEventPatternArrayT {
            allocatedNumber: 0,
            patternsNumber: MAX_PATTERNS as u64 + 1,
            patterns: ptr::NonNull::dangling().as_ptr(),
        };
        // SAFETY: the count is refused before any read.
        let rc = unsafe { read_patterns(&too_many) };
        assert_eq!(rc, Err(SA_AIS_ERR_INVALID_PARAM));
    }
}
