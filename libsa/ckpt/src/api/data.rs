//! Section data: saCkptCheckpointWrite, saCkptSectionOverwrite,
//! saCkptCheckpointRead.

use std::ffi::c_void;

use sa_abi::ais::{
    SaAisErrorT, SaSizeT, SaUint32T, SA_AIS_ERR_INVALID_PARAM, SA_AIS_ERR_NO_MEMORY, SA_AIS_OK,
};
use sa_abi::ckpt::{
    SaCkptCheckpointHandleT, SaCkptIOVectorElementT, SaCkptSectionIdT, SA_CKPT_CHECKPOINT_READ,
    SA_CKPT_CHECKPOINT_WRITE,
};
use sa_ipc::check;
use sa_ipc::ffi::ffi_guard;
use sa_ipc::proto::ckpt::Overwrite;
use sa_ipc::ptr;

use super::sections::data_slice;
use crate::convert::{section_id, section_id_of};
use crate::handles::{checkpoint, CheckpointHandle};
use crate::io::{ReadTarget, VectorError, WriteSource, BUDGET};

/// Reports a vector call's result, with the failing element's index when
/// there is one and the caller gave somewhere to put it.
///
/// # Safety
/// `erroneous` is NULL or valid for writing.
unsafe fn vector_result(r: Result<(), VectorError>, erroneous: *mut SaUint32T) -> SaAisErrorT {
    match r {
        Ok(()) => SA_AIS_OK,
        Err(e) => {
            if let (Some(i), false) = (e.index, erroneous.is_null()) {
                // SAFETY: non-NULL, valid for writing by the contract. The
                // index is below numberOfElements, a u32.
                unsafe { erroneous.write(i as SaUint32T) };
            }
            e.code
        }
    }
}

/// The caller's vector as a slice.
///
/// # Safety
/// `vector` is NULL or points to `count` elements valid for `'a`.
unsafe fn elements<'a>(
    vector: *const SaCkptIOVectorElementT,
    count: SaUint32T,
) -> Result<&'a [SaCkptIOVectorElementT], SaAisErrorT> {
    // SAFETY: NULL or `count` elements, by the contract.
    unsafe { ptr::slice(vector, count as usize, SA_AIS_ERR_INVALID_PARAM) }
}

/// Writes data into one or more sections: all the elements or none of
/// them (for vectors up to one request's worth of data, see [`crate::io`]);
/// on error `*erroneousVectorIndex` names the element at fault.
///
/// # Safety
/// `ioVector` is NULL or points to `numberOfElements` valid elements whose
/// section ids and data buffers are readable; `erroneousVectorIndex` is
/// NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn saCkptCheckpointWrite(
    checkpointHandle: SaCkptCheckpointHandleT,
    ioVector: *const SaCkptIOVectorElementT,
    numberOfElements: SaUint32T,
    erroneousVectorIndex: *mut SaUint32T,
) -> SaAisErrorT {
    ffi_guard(|| {
        let ckpt = check!(checkpoint(checkpointHandle));
        // SAFETY: NULL or valid by the contract.
        let vector = check!(unsafe { elements(ioVector, numberOfElements) });
        check!(ckpt.require(SA_CKPT_CHECKPOINT_WRITE));
        // SAFETY: the section ids and buffers are readable by the contract.
        let r = unsafe { write_elements(&ckpt, vector) };
        // SAFETY: NULL or valid for writing by the contract.
        unsafe { vector_result(r, erroneousVectorIndex) }
    })
}

/// # Safety
/// The elements' section ids and data buffers are readable.
unsafe fn write_elements(
    ckpt: &CheckpointHandle,
    vector: &[SaCkptIOVectorElementT],
) -> Result<(), VectorError> {
    let max = ckpt.attributes.max_section_size;
    let mut ids = Vec::with_capacity(vector.len());
    for (i, el) in vector.iter().enumerate() {
        // SAFETY: readable by the caller's contract.
        let id = unsafe { section_id_of(&el.sectionId) };
        ids.push(id.map_err(|code| VectorError::at(code, i))?);
        if el.dataSize > max {
            return Err(VectorError::at(SA_AIS_ERR_INVALID_PARAM, i));
        }
    }
    let mut sources = Vec::with_capacity(vector.len());
    for (i, (el, id)) in vector.iter().zip(&ids).enumerate() {
        // SAFETY: `dataSize` readable bytes by the caller's contract.
        let data = unsafe { data_slice(el.dataBuffer, el.dataSize) }
            .map_err(|code| VectorError::at(code, i))?;
        sources.push(WriteSource {
            section_id: id,
            offset: el.dataOffset,
            data,
        });
    }
    ckpt.write(&sources)
}

/// Replaces a section's data with `dataBuffer`.
///
/// # Safety
/// `sectionId` is NULL or valid; `dataBuffer` is NULL or points to
/// `dataSize` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn saCkptSectionOverwrite(
    checkpointHandle: SaCkptCheckpointHandleT,
    sectionId: *const SaCkptSectionIdT,
    dataBuffer: *const c_void,
    dataSize: SaSizeT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let ckpt = check!(checkpoint(checkpointHandle));
        // SAFETY: NULL or valid by the contract.
        let id = check!(unsafe { section_id(sectionId) });
        if dataBuffer.is_null() {
            return SA_AIS_ERR_INVALID_PARAM;
        }
        check!(ckpt.require(SA_CKPT_CHECKPOINT_WRITE));
        if dataSize > ckpt.attributes.max_section_size {
            return SA_AIS_ERR_INVALID_PARAM;
        }
        // SAFETY: non-NULL, `dataSize` readable bytes by the contract.
        let data = check!(unsafe { data_slice(dataBuffer, dataSize) });
        // Data beyond one request follows in writes.
        let (first, rest) = data.split_at(data.len().min(BUDGET));
        let overwrite = Overwrite {
            open_id: ckpt.open_id,
            section_id: id.clone(),
            data: first.to_vec(),
        };
        if let Err(e) = ckpt.instance.conn.call(&overwrite) {
            return e.to_ais();
        }
        check!(ckpt.write_rest(&id, first.len(), rest));
        SA_AIS_OK
    })
}

/// Reads from one or more sections into the callers' buffers, or into
/// buffers the library allocates (NULL `dataBuffer`; freed with `free`);
/// each element's `readSize` tells how many bytes came. On error
/// `*erroneousVectorIndex` names the element at fault.
///
/// # Safety
/// `ioVector` is NULL or points to `numberOfElements` valid, writable
/// elements whose non-NULL data buffers hold `dataSize` writable bytes;
/// `erroneousVectorIndex` is NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn saCkptCheckpointRead(
    checkpointHandle: SaCkptCheckpointHandleT,
    ioVector: *mut SaCkptIOVectorElementT,
    numberOfElements: SaUint32T,
    erroneousVectorIndex: *mut SaUint32T,
) -> SaAisErrorT {
    ffi_guard(|| {
        let ckpt = check!(checkpoint(checkpointHandle));
        // SAFETY: NULL or `numberOfElements` writable elements, by the
        // contract.
        let vector = check!(unsafe {
            ptr::slice_mut(
                ioVector,
                numberOfElements as usize,
                SA_AIS_ERR_INVALID_PARAM,
            )
        });
        check!(ckpt.require(SA_CKPT_CHECKPOINT_READ));
        // SAFETY: section ids and buffers as the contract says.
        let r = unsafe { read_elements(&ckpt, vector) };
        // SAFETY: NULL or valid for writing by the contract.
        unsafe { vector_result(r, erroneousVectorIndex) }
    })
}

/// # Safety
/// The elements' section ids are readable and their non-NULL buffers hold
/// `dataSize` writable bytes.
unsafe fn read_elements(
    ckpt: &CheckpointHandle,
    vector: &mut [SaCkptIOVectorElementT],
) -> Result<(), VectorError> {
    let mut targets = Vec::with_capacity(vector.len());
    for (i, el) in vector.iter().enumerate() {
        // SAFETY: readable by the caller's contract.
        let id = unsafe { section_id_of(&el.sectionId) }.map_err(|c| VectorError::at(c, i))?;
        let capacity = (!el.dataBuffer.is_null()).then_some(el.dataSize);
        targets.push(ReadTarget::new(id, el.dataOffset, capacity));
    }
    ckpt.read(&mut targets)?;
    // Every element succeeded: find a buffer for each, then hand the
    // bytes over.
    let mut buffers: Vec<*mut c_void> = Vec::with_capacity(vector.len());
    for (i, (el, t)) in vector.iter().zip(&targets).enumerate() {
        if !el.dataBuffer.is_null() {
            buffers.push(el.dataBuffer);
            continue;
        }
        // SAFETY: malloc of at least one byte; checked for NULL.
        let memory = unsafe { libc::malloc(t.data.len().max(1)) };
        if memory.is_null() {
            for (el, b) in vector.iter().zip(&buffers) {
                if el.dataBuffer.is_null() {
                    // SAFETY: allocated above and not handed to the caller.
                    unsafe { libc::free(*b) };
                }
            }
            return Err(VectorError::at(SA_AIS_ERR_NO_MEMORY, i));
        }
        buffers.push(memory);
    }
    for ((el, t), buffer) in vector.iter_mut().zip(&targets).zip(buffers) {
        // SAFETY: `buffer` holds at least t.data.len() bytes: a caller's
        // buffer holds dataSize and no more than that was read for it; an
        // allocated one was sized for the data. It does not overlap `t`.
        unsafe {
            std::ptr::copy_nonoverlapping(t.data.as_ptr(), buffer.cast::<u8>(), t.data.len())
        };
        el.dataBuffer = buffer;
        el.readSize = t.data.len() as u64;
    }
    Ok(())
}
