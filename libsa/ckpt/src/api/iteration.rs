//! Section iteration: saCkptSectionIterationInitialize, _Next, _Finalize.

use sa_abi::ais::{
    SaAisErrorT, SaTimeT, SA_AIS_ERR_BAD_HANDLE, SA_AIS_ERR_INVALID_PARAM, SA_AIS_ERR_NO_SECTIONS,
    SA_AIS_OK,
};
use sa_abi::ckpt::{
    SaCkptCheckpointHandleT, SaCkptSectionDescriptorT, SaCkptSectionIterationHandleT,
    SaCkptSectionsChosenT, SA_CKPT_SECTIONS_ANY, SA_CKPT_SECTIONS_FOREVER,
};
use sa_ipc::check;
use sa_ipc::ffi::{ffi_guard, lock};
use sa_ipc::ptr;

use crate::handles::{add_iteration, checkpoint, discard_iteration, iteration};
use crate::iteration::IterationState;

/// Starts an iteration over the sections `sectionsChosen` (with
/// `expirationTime` for the LEQ/GEQ choices) selects.
///
/// # Safety
/// `sectionIterationHandle` is NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn saCkptSectionIterationInitialize(
    checkpointHandle: SaCkptCheckpointHandleT,
    sectionsChosen: SaCkptSectionsChosenT,
    expirationTime: SaTimeT,
    sectionIterationHandle: *mut SaCkptSectionIterationHandleT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let ckpt = check!(checkpoint(checkpointHandle));
        if sectionIterationHandle.is_null()
            || !(SA_CKPT_SECTIONS_FOREVER..=SA_CKPT_SECTIONS_ANY).contains(&sectionsChosen)
        {
            return SA_AIS_ERR_INVALID_PARAM;
        }
        let mut state = IterationState::new(ckpt.open_id, sectionsChosen, expirationTime);
        // The first page now: the executive checks the request, and the
        // iteration starts from the sections of this moment.
        check!(state.fetch(&ckpt.instance.conn));
        let handle = check!(add_iteration(&ckpt, checkpointHandle, state));
        // SAFETY: non-NULL, valid for writing by the contract.
        unsafe { sectionIterationHandle.write(handle) };
        SA_AIS_OK
    })
}

/// The next section of the iteration; SA_AIS_ERR_NO_SECTIONS at the end.
/// The descriptor's id bytes stay valid until the iteration is finalized.
///
/// # Safety
/// `sectionDescriptor` is NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn saCkptSectionIterationNext(
    sectionIterationHandle: SaCkptSectionIterationHandleT,
    sectionDescriptor: *mut SaCkptSectionDescriptorT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let it = check!(iteration(sectionIterationHandle));
        // SAFETY: NULL or valid for writing, by the caller's contract.
        let sectionDescriptor =
            check!(unsafe { ptr::out(sectionDescriptor, SA_AIS_ERR_INVALID_PARAM) });
        let mut state = lock(&it.state);
        let next = check!(state.next(&it.checkpoint.instance.conn));
        match next {
            Some(descriptor) => {
                sectionDescriptor.write(descriptor);
                SA_AIS_OK
            }
            None => SA_AIS_ERR_NO_SECTIONS,
        }
    })
}

/// Ends an iteration and frees what it handed out.
///
/// # Safety
/// Callable with any argument.
#[no_mangle]
pub unsafe extern "C" fn saCkptSectionIterationFinalize(
    sectionIterationHandle: SaCkptSectionIterationHandleT,
) -> SaAisErrorT {
    ffi_guard(|| match discard_iteration(sectionIterationHandle) {
        Some(_) => SA_AIS_OK,
        None => SA_AIS_ERR_BAD_HANDLE,
    })
}
