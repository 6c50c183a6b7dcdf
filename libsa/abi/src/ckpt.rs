//! saCkpt.h: the Checkpoint Service (B.01.01) as openais 0.80 lays it out
//! (32-bit flags and counts, 64-bit sizes and offsets).
//!
//! cbindgen turns this file into `include/openais/saCkpt.h`. The section id
//! initializers `SA_CKPT_DEFAULT_SECTION_ID` and
//! `SA_CKPT_GENERATED_SECTION_ID` are brace initializers in C, which
//! cbindgen cannot express: xtask writes them as text, and they are
//! defined here for Rust only.

use crate::ais::{
    SaAisErrorT, SaDispatchFlagsT, SaInvocationT, SaNameT, SaSelectionObjectT, SaSizeT, SaTimeT,
    SaUint16T, SaUint32T, SaUint64T, SaUint8T, SaVersionT,
};
use core::ffi::c_void;

/// Handle of one checkpoint library instance (from saCkptInitialize).
pub type SaCkptHandleT = SaUint64T;

/// Handle of one opened checkpoint.
pub type SaCkptCheckpointHandleT = SaUint64T;

/// Handle of one section iteration.
pub type SaCkptSectionIterationHandleT = SaUint64T;

/// Byte offset within a section.
pub type SaOffsetT = SaUint64T;

/// Checkpoint creation flags: update option and collocation.
pub type SaCkptCheckpointCreationFlagsT = SaUint32T;
/// Writes update every replica before returning.
pub const SA_CKPT_WR_ALL_REPLICAS: SaCkptCheckpointCreationFlagsT = 1;
/// Writes update the active replica before returning.
pub const SA_CKPT_WR_ACTIVE_REPLICA: SaCkptCheckpointCreationFlagsT = 2;
/// Writes update the active replica, possibly not atomically.
pub const SA_CKPT_WR_ACTIVE_REPLICA_WEAK: SaCkptCheckpointCreationFlagsT = 4;
/// The application chooses the active replica (saCkptActiveReplicaSet).
pub const SA_CKPT_CHECKPOINT_COLLOCATED: SaCkptCheckpointCreationFlagsT = 8;

/// Attributes a checkpoint is created with.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SaCkptCheckpointCreationAttributesT {
    pub creationFlags: SaCkptCheckpointCreationFlagsT,
    /// Total bytes the checkpoint may hold.
    pub checkpointSize: SaSizeT,
    /// How long an unopened checkpoint survives.
    pub retentionDuration: SaTimeT,
    pub maxSections: SaUint32T,
    pub maxSectionSize: SaSizeT,
    pub maxSectionIdSize: SaSizeT,
}

/// Checkpoint open flags.
pub type SaCkptCheckpointOpenFlagsT = SaUint32T;
pub const SA_CKPT_CHECKPOINT_READ: SaCkptCheckpointOpenFlagsT = 1;
pub const SA_CKPT_CHECKPOINT_WRITE: SaCkptCheckpointOpenFlagsT = 2;
pub const SA_CKPT_CHECKPOINT_CREATE: SaCkptCheckpointOpenFlagsT = 4;

/// A section id: `idLen` bytes at `id` (the default section has idLen 0).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SaCkptSectionIdT {
    pub idLen: SaUint16T,
    pub id: *mut SaUint8T,
}

/// Attributes a section is created with.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SaCkptSectionCreationAttributesT {
    pub sectionId: *mut SaCkptSectionIdT,
    pub expirationTime: SaTimeT,
}

/// State of a section.
pub type SaCkptSectionStateT = u32;
pub const SA_CKPT_SECTION_VALID: SaCkptSectionStateT = 1;
pub const SA_CKPT_SECTION_CORRUPTED: SaCkptSectionStateT = 2;

/// A section as a section iteration reports it.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SaCkptSectionDescriptorT {
    pub sectionId: SaCkptSectionIdT,
    pub expirationTime: SaTimeT,
    pub sectionSize: SaSizeT,
    pub sectionState: SaCkptSectionStateT,
    pub lastUpdate: SaTimeT,
}

/// Which sections a section iteration returns.
pub type SaCkptSectionsChosenT = u32;
pub const SA_CKPT_SECTIONS_FOREVER: SaCkptSectionsChosenT = 1;
pub const SA_CKPT_SECTIONS_LEQ_EXPIRATION_TIME: SaCkptSectionsChosenT = 2;
pub const SA_CKPT_SECTIONS_GEQ_EXPIRATION_TIME: SaCkptSectionsChosenT = 3;
pub const SA_CKPT_SECTIONS_CORRUPTED: SaCkptSectionsChosenT = 4;
pub const SA_CKPT_SECTIONS_ANY: SaCkptSectionsChosenT = 5;

/// One element of a read or write vector.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SaCkptIOVectorElementT {
    pub sectionId: SaCkptSectionIdT,
    /// Data to write, or the buffer to read into (NULL: the library allocates).
    pub dataBuffer: *mut c_void,
    pub dataSize: SaSizeT,
    pub dataOffset: SaOffsetT,
    /// Bytes actually read.
    pub readSize: SaSizeT,
}

/// Status of a checkpoint (saCkptCheckpointStatusGet).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SaCkptCheckpointDescriptorT {
    pub checkpointCreationAttributes: SaCkptCheckpointCreationAttributesT,
    pub numberOfSections: SaUint32T,
    pub memoryUsed: SaUint32T,
}

/// Result of saCkptCheckpointOpenAsync.
pub type SaCkptCheckpointOpenCallbackT = Option<
    unsafe extern "C" fn(
        invocation: SaInvocationT,
        checkpointHandle: SaCkptCheckpointHandleT,
        error: SaAisErrorT,
    ),
>;

/// Result of saCkptCheckpointSynchronizeAsync.
pub type SaCkptCheckpointSynchronizeCallbackT =
    Option<unsafe extern "C" fn(invocation: SaInvocationT, error: SaAisErrorT)>;

/// Callbacks a client registers with saCkptInitialize.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct SaCkptCallbacksT {
    pub saCkptCheckpointOpenCallback: SaCkptCheckpointOpenCallbackT,
    pub saCkptCheckpointSynchronizeCallback: SaCkptCheckpointSynchronizeCallbackT,
}

extern "C" {
    pub fn saCkptInitialize(
        ckptHandle: *mut SaCkptHandleT,
        callbacks: *const SaCkptCallbacksT,
        version: *mut SaVersionT,
    ) -> SaAisErrorT;

    pub fn saCkptSelectionObjectGet(
        ckptHandle: SaCkptHandleT,
        selectionObject: *mut SaSelectionObjectT,
    ) -> SaAisErrorT;

    pub fn saCkptDispatch(
        ckptHandle: SaCkptHandleT,
        dispatchFlags: SaDispatchFlagsT,
    ) -> SaAisErrorT;

    pub fn saCkptFinalize(ckptHandle: SaCkptHandleT) -> SaAisErrorT;

    pub fn saCkptCheckpointOpen(
        ckptHandle: SaCkptHandleT,
        checkpointName: *const SaNameT,
        checkpointCreationAttributes: *const SaCkptCheckpointCreationAttributesT,
        checkpointOpenFlags: SaCkptCheckpointOpenFlagsT,
        timeout: SaTimeT,
        checkpointHandle: *mut SaCkptCheckpointHandleT,
    ) -> SaAisErrorT;

    pub fn saCkptCheckpointOpenAsync(
        ckptHandle: SaCkptHandleT,
        invocation: SaInvocationT,
        checkpointName: *const SaNameT,
        checkpointCreationAttributes: *const SaCkptCheckpointCreationAttributesT,
        checkpointOpenFlags: SaCkptCheckpointOpenFlagsT,
    ) -> SaAisErrorT;

    pub fn saCkptCheckpointClose(checkpointHandle: SaCkptCheckpointHandleT) -> SaAisErrorT;

    pub fn saCkptCheckpointUnlink(
        ckptHandle: SaCkptHandleT,
        checkpointName: *const SaNameT,
    ) -> SaAisErrorT;

    pub fn saCkptCheckpointRetentionDurationSet(
        checkpointHandle: SaCkptCheckpointHandleT,
        retentionDuration: SaTimeT,
    ) -> SaAisErrorT;

    pub fn saCkptActiveReplicaSet(checkpointHandle: SaCkptCheckpointHandleT) -> SaAisErrorT;

    pub fn saCkptCheckpointStatusGet(
        checkpointHandle: SaCkptCheckpointHandleT,
        checkpointStatus: *mut SaCkptCheckpointDescriptorT,
    ) -> SaAisErrorT;

    pub fn saCkptSectionCreate(
        checkpointHandle: SaCkptCheckpointHandleT,
        sectionCreationAttributes: *mut SaCkptSectionCreationAttributesT,
        initialData: *const c_void,
        initialDataSize: SaSizeT,
    ) -> SaAisErrorT;

    pub fn saCkptSectionDelete(
        checkpointHandle: SaCkptCheckpointHandleT,
        sectionId: *const SaCkptSectionIdT,
    ) -> SaAisErrorT;

    pub fn saCkptSectionExpirationTimeSet(
        checkpointHandle: SaCkptCheckpointHandleT,
        sectionId: *const SaCkptSectionIdT,
        expirationTime: SaTimeT,
    ) -> SaAisErrorT;

    pub fn saCkptSectionIterationInitialize(
        checkpointHandle: SaCkptCheckpointHandleT,
        sectionsChosen: SaCkptSectionsChosenT,
        expirationTime: SaTimeT,
        sectionIterationHandle: *mut SaCkptSectionIterationHandleT,
    ) -> SaAisErrorT;

    pub fn saCkptSectionIterationNext(
        sectionIterationHandle: SaCkptSectionIterationHandleT,
        sectionDescriptor: *mut SaCkptSectionDescriptorT,
    ) -> SaAisErrorT;

    pub fn saCkptSectionIterationFinalize(
        sectionIterationHandle: SaCkptSectionIterationHandleT,
    ) -> SaAisErrorT;

    pub fn saCkptCheckpointWrite(
        checkpointHandle: SaCkptCheckpointHandleT,
        ioVector: *const SaCkptIOVectorElementT,
        numberOfElements: SaUint32T,
        erroneousVectorIndex: *mut SaUint32T,
    ) -> SaAisErrorT;

    pub fn saCkptSectionOverwrite(
        checkpointHandle: SaCkptCheckpointHandleT,
        sectionId: *const SaCkptSectionIdT,
        dataBuffer: *const c_void,
        dataSize: SaSizeT,
    ) -> SaAisErrorT;

    pub fn saCkptCheckpointRead(
        checkpointHandle: SaCkptCheckpointHandleT,
        ioVector: *mut SaCkptIOVectorElementT,
        numberOfElements: SaUint32T,
        erroneousVectorIndex: *mut SaUint32T,
    ) -> SaAisErrorT;

    pub fn saCkptCheckpointSynchronize(
        checkpointHandle: SaCkptCheckpointHandleT,
        timeout: SaTimeT,
    ) -> SaAisErrorT;

    pub fn saCkptCheckpointSynchronizeAsync(
        checkpointHandle: SaCkptCheckpointHandleT,
        invocation: SaInvocationT,
    ) -> SaAisErrorT;
}

/// The id of the only section of a checkpoint created with maxSections 1
/// (C: the brace initializer of the same name).
/// cbindgen:ignore
pub const SA_CKPT_DEFAULT_SECTION_ID: SaCkptSectionIdT = SaCkptSectionIdT {
    idLen: 0,
    id: core::ptr::null_mut(),
};

/// Asks saCkptSectionCreate to choose the section id; the same value as
/// the default section id, as in openais (C: the brace initializer).
/// cbindgen:ignore
pub const SA_CKPT_GENERATED_SECTION_ID: SaCkptSectionIdT = SA_CKPT_DEFAULT_SECTION_ID;

impl SaCkptSectionIdT {
    /// Whether this is the default section's id (no id bytes).
    pub fn is_default(&self) -> bool {
        self.idLen == 0
    }

    /// The id bytes; empty for the default section or a NULL `id`.
    ///
    /// # Safety
    /// Unless `idLen` is 0 or `id` is NULL, `id` must point to `idLen`
    /// readable bytes that stay valid and unmodified for `'a`.
    pub unsafe fn bytes<'a>(&self) -> &'a [u8] {
        if self.idLen == 0 || self.id.is_null() {
            return &[];
        }
        // SAFETY: non-null, and the caller guarantees idLen readable bytes
        // that outlive 'a.
        unsafe { core::slice::from_raw_parts(self.id, usize::from(self.idLen)) }
    }
}

impl Default for SaCkptSectionIdT {
    fn default() -> Self {
        SA_CKPT_DEFAULT_SECTION_ID
    }
}

impl Default for SaCkptSectionCreationAttributesT {
    fn default() -> Self {
        SaCkptSectionCreationAttributesT {
            sectionId: core::ptr::null_mut(),
            expirationTime: 0,
        }
    }
}

impl Default for SaCkptIOVectorElementT {
    fn default() -> Self {
        SaCkptIOVectorElementT {
            sectionId: SaCkptSectionIdT::default(),
            dataBuffer: core::ptr::null_mut(),
            dataSize: 0,
            dataOffset: 0,
            readSize: 0,
        }
    }
}
