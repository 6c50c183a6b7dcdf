//! Sections: saCkptSectionCreate, saCkptSectionDelete,
//! saCkptSectionExpirationTimeSet.

use std::ffi::c_void;

use sa_abi::ais::{
    SaAisErrorT, SaSizeT, SaTimeT, SA_AIS_ERR_INVALID_PARAM, SA_AIS_ERR_NO_MEMORY, SA_AIS_OK,
};
use sa_abi::ckpt::{
    SaCkptCheckpointHandleT, SaCkptSectionCreationAttributesT, SaCkptSectionIdT,
    SA_CKPT_CHECKPOINT_WRITE,
};
use sa_ipc::check;
use sa_ipc::ffi::{ffi_guard, result_code};
use sa_ipc::proto::ckpt::{SectionCreate, SectionDelete, SectionExpirationTimeSet};
use sa_ipc::ptr;

use crate::convert::section_id;
use crate::handles::checkpoint;
use crate::io::BUDGET;

/// The caller's data buffer as a slice; NULL is allowed only for no data.
///
/// # Safety
/// `data` is NULL or points to `size` readable bytes that stay valid for
/// `'a`.
pub(crate) unsafe fn data_slice<'a>(
    data: *const c_void,
    size: SaSizeT,
) -> Result<&'a [u8], SaAisErrorT> {
    if size == 0 {
        return Ok(&[]);
    }
    if data.is_null() || size > isize::MAX as u64 {
        return Err(SA_AIS_ERR_INVALID_PARAM);
    }
    // SAFETY: non-NULL, `size` readable bytes by the caller's contract,
    // and at most isize::MAX.
    Ok(unsafe { std::slice::from_raw_parts(data.cast::<u8>(), size as usize) })
}

/// Copies a generated section id into memory from `malloc` (the caller
/// releases it with `free`) and stores it in the caller's section id.
///
/// # Safety
/// `target` is valid for writing.
unsafe fn give_generated_id(target: *mut SaCkptSectionIdT, id: &[u8]) -> Result<(), SaAisErrorT> {
    let len = u16::try_from(id.len()).map_err(|_| SA_AIS_ERR_INVALID_PARAM)?;
    // SAFETY: malloc of at least one byte; checked for NULL below.
    let memory = unsafe { libc::malloc(id.len().max(1)) }.cast::<u8>();
    if memory.is_null() {
        return Err(SA_AIS_ERR_NO_MEMORY);
    }
    // SAFETY: `memory` holds at least id.len() bytes and does not overlap
    // `id`; `target` is valid for writing by the contract.
    unsafe {
        std::ptr::copy_nonoverlapping(id.as_ptr(), memory, id.len());
        target.write(SaCkptSectionIdT {
            idLen: len,
            id: memory,
        });
    }
    Ok(())
}

/// Creates a section holding `initialData`. With
/// SA_CKPT_GENERATED_SECTION_ID the executive chooses the id, which is
/// written back into `sectionCreationAttributes->sectionId` in memory the
/// caller frees.
///
/// # Safety
/// `sectionCreationAttributes` is NULL or valid (its `sectionId` NULL or
/// valid for reading and writing); `initialData` is NULL or points to
/// `initialDataSize` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn saCkptSectionCreate(
    checkpointHandle: SaCkptCheckpointHandleT,
    sectionCreationAttributes: *mut SaCkptSectionCreationAttributesT,
    initialData: *const c_void,
    initialDataSize: SaSizeT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let ckpt = check!(checkpoint(checkpointHandle));
        // SAFETY: NULL or valid by the contract.
        let attributes =
            check!(unsafe { ptr::arg(sectionCreationAttributes, SA_AIS_ERR_INVALID_PARAM) });
        let target = attributes.sectionId;
        // SAFETY: NULL or valid by the contract.
        let id = check!(unsafe { section_id(target) });
        if initialDataSize > ckpt.attributes.max_section_size {
            return SA_AIS_ERR_INVALID_PARAM;
        }
        // SAFETY: NULL or `initialDataSize` readable bytes by the contract.
        let data = check!(unsafe { data_slice(initialData, initialDataSize) });
        check!(ckpt.require(SA_CKPT_CHECKPOINT_WRITE));
        // Data beyond one request follows in writes.
        let (first, rest) = data.split_at(data.len().min(BUDGET));
        let reply = match ckpt.instance.conn.call(&SectionCreate {
            open_id: ckpt.open_id,
            section_id: id.clone(),
            expiration: attributes.expirationTime,
            data: first.to_vec(),
        }) {
            Ok(r) => r,
            Err(e) => return e.to_ais(),
        };
        check!(ckpt.write_rest(&reply.section_id, first.len(), rest));
        if id.is_empty() {
            // SAFETY: `target` is non-NULL (checked above) and valid for
            // writing by the contract.
            check!(unsafe { give_generated_id(target, &reply.section_id) });
        }
        SA_AIS_OK
    })
}

/// Deletes a section (not the default section).
///
/// # Safety
/// `sectionId` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn saCkptSectionDelete(
    checkpointHandle: SaCkptCheckpointHandleT,
    sectionId: *const SaCkptSectionIdT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let ckpt = check!(checkpoint(checkpointHandle));
        // SAFETY: NULL or valid by the contract.
        let id = check!(unsafe { section_id(sectionId) });
        check!(ckpt.require(SA_CKPT_CHECKPOINT_WRITE));
        result_code(ckpt.instance.conn.call(&SectionDelete {
            open_id: ckpt.open_id,
            section_id: id,
        }))
    })
}

/// Sets when a section expires (SA_TIME_END: never); an expired section
/// is deleted.
///
/// # Safety
/// `sectionId` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn saCkptSectionExpirationTimeSet(
    checkpointHandle: SaCkptCheckpointHandleT,
    sectionId: *const SaCkptSectionIdT,
    expirationTime: SaTimeT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let ckpt = check!(checkpoint(checkpointHandle));
        // SAFETY: NULL or valid by the contract.
        let id = check!(unsafe { section_id(sectionId) });
        check!(ckpt.require(SA_CKPT_CHECKPOINT_WRITE));
        result_code(ckpt.instance.conn.call(&SectionExpirationTimeSet {
            open_id: ckpt.open_id,
            section_id: id,
            expiration: expirationTime,
        }))
    })
}
