//! Argument rules shared by several calls, and conversions between the C
//! structures and the wire values.

use sa_abi::ais::{SaAisErrorT, SaNameT, SA_AIS_ERR_BAD_FLAGS, SA_AIS_ERR_INVALID_PARAM};
use sa_abi::ckpt::{
    SaCkptCheckpointCreationAttributesT, SaCkptCheckpointOpenFlagsT, SaCkptSectionIdT,
    SA_CKPT_CHECKPOINT_CREATE, SA_CKPT_CHECKPOINT_READ, SA_CKPT_CHECKPOINT_WRITE,
};
use sa_ipc::ffi::name_from_sa;
use sa_ipc::proto::ckpt::CreationAttributes;
use sa_ipc::ptr;
use sa_ipc::Name;

/// Every open flag B.01.01 defines.
const OPEN_FLAGS: SaCkptCheckpointOpenFlagsT =
    SA_CKPT_CHECKPOINT_READ | SA_CKPT_CHECKPOINT_WRITE | SA_CKPT_CHECKPOINT_CREATE;

/// Open flags with a bit B.01.01 does not define: SA_AIS_ERR_BAD_FLAGS.
pub(crate) fn check_open_flags(flags: SaCkptCheckpointOpenFlagsT) -> Result<(), SaAisErrorT> {
    if flags & !OPEN_FLAGS != 0 {
        return Err(SA_AIS_ERR_BAD_FLAGS);
    }
    Ok(())
}

/// The creation attributes an open passes on: present exactly when the
/// flags hold CREATE (either without the other is SA_AIS_ERR_INVALID_PARAM),
/// and then valid by [`valid_attributes`].
pub(crate) fn open_attributes(
    flags: SaCkptCheckpointOpenFlagsT,
    attributes: Option<&SaCkptCheckpointCreationAttributesT>,
) -> Result<Option<CreationAttributes>, SaAisErrorT> {
    let create = flags & SA_CKPT_CHECKPOINT_CREATE != 0;
    match (create, attributes) {
        (true, Some(a)) => valid_attributes(&attributes_from_sa(a)).map(Some),
        (false, None) => Ok(None),
        _ => Err(SA_AIS_ERR_INVALID_PARAM),
    }
}

/// The wire form of SaCkptCheckpointCreationAttributesT.
pub(crate) fn attributes_from_sa(a: &SaCkptCheckpointCreationAttributesT) -> CreationAttributes {
    CreationAttributes {
        creation_flags: a.creationFlags,
        checkpoint_size: a.checkpointSize,
        retention_duration: a.retentionDuration,
        max_sections: a.maxSections,
        max_section_size: a.maxSectionSize,
        max_section_id_size: a.maxSectionIdSize,
    }
}

/// SaCkptCheckpointCreationAttributesT of the wire form.
pub(crate) fn attributes_to_sa(a: &CreationAttributes) -> SaCkptCheckpointCreationAttributesT {
    SaCkptCheckpointCreationAttributesT {
        creationFlags: a.creation_flags,
        checkpointSize: a.checkpoint_size,
        retentionDuration: a.retention_duration,
        maxSections: a.max_sections,
        maxSectionSize: a.max_section_size,
        maxSectionIdSize: a.max_section_id_size,
    }
}

/// Attributes breaking B.01.01's rules
/// ([`CreationAttributes::is_valid`]) are SA_AIS_ERR_INVALID_PARAM.
pub(crate) fn valid_attributes(a: &CreationAttributes) -> Result<CreationAttributes, SaAisErrorT> {
    if a.is_valid() {
        Ok(*a)
    } else {
        Err(SA_AIS_ERR_INVALID_PARAM)
    }
}

/// The wire name of a checkpoint name: NULL, empty or longer than
/// SA_MAX_NAME_LENGTH is SA_AIS_ERR_INVALID_PARAM.
///
/// # Safety
/// `name` is NULL or points to a valid SaNameT.
pub(crate) unsafe fn checkpoint_name(name: *const SaNameT) -> Result<Name, SaAisErrorT> {
    // SAFETY: NULL or valid, by the caller's contract.
    let name = unsafe { ptr::arg(name, SA_AIS_ERR_INVALID_PARAM) }?;
    match name_from_sa(name) {
        Ok(n) if !n.is_empty() => Ok(n),
        _ => Err(SA_AIS_ERR_INVALID_PARAM),
    }
}

/// The bytes of a section id given by pointer: NULL is
/// SA_AIS_ERR_INVALID_PARAM, as is a non-empty id with a NULL `id`.
///
/// # Safety
/// `id` is NULL or points to a valid SaCkptSectionIdT whose `id` points to
/// `idLen` readable bytes (or is NULL).
pub(crate) unsafe fn section_id(id: *const SaCkptSectionIdT) -> Result<Vec<u8>, SaAisErrorT> {
    // SAFETY: NULL or valid, by the caller's contract.
    let id = unsafe { ptr::arg(id, SA_AIS_ERR_INVALID_PARAM) }?;
    // SAFETY: `id.id` as the caller's contract says.
    unsafe { section_id_of(id) }
}

/// The bytes of a section id held by value.
///
/// # Safety
/// `id.id` is NULL or points to `id.idLen` readable bytes.
pub(crate) unsafe fn section_id_of(id: &SaCkptSectionIdT) -> Result<Vec<u8>, SaAisErrorT> {
    if id.idLen != 0 && id.id.is_null() {
        return Err(SA_AIS_ERR_INVALID_PARAM);
    }
    // SAFETY: by the caller's contract (checked non-NULL when idLen > 0).
    Ok(unsafe { id.bytes() }.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sa_abi::ckpt::SA_CKPT_WR_ALL_REPLICAS;

    fn attrs() -> CreationAttributes {
        CreationAttributes {
            creation_flags: SA_CKPT_WR_ALL_REPLICAS,
            checkpoint_size: 200,
            retention_duration: 0,
            max_sections: 2,
            max_section_size: 100,
            max_section_id_size: 8,
        }
    }

    #[test]
    fn invalid_attributes_are_invalid_param() {
        assert_eq!(valid_attributes(&attrs()), Ok(attrs()));
        let mut a = attrs();
        a.checkpoint_size = 201;
        assert_eq!(valid_attributes(&a), Err(SA_AIS_ERR_INVALID_PARAM));
    }

    #[test]
    fn open_flag_and_attribute_pairing() {
        let sa = attributes_to_sa(&attrs());
        assert_eq!(attributes_from_sa(&sa), attrs());
        assert!(check_open_flags(OPEN_FLAGS).is_ok());
        assert_eq!(check_open_flags(0x8), Err(SA_AIS_ERR_BAD_FLAGS));
        assert_eq!(check_open_flags(0x100), Err(SA_AIS_ERR_BAD_FLAGS));
        let crw = OPEN_FLAGS;
        let rw = SA_CKPT_CHECKPOINT_READ | SA_CKPT_CHECKPOINT_WRITE;
        assert_eq!(open_attributes(crw, Some(&sa)), Ok(Some(attrs())));
        assert_eq!(open_attributes(rw, None), Ok(None));
        assert_eq!(open_attributes(crw, None), Err(SA_AIS_ERR_INVALID_PARAM));
        assert_eq!(
            open_attributes(rw, Some(&sa)),
            Err(SA_AIS_ERR_INVALID_PARAM)
        );
    }

    #[test]
    fn section_ids() {
        let mut bytes = *b"abc";
        let id = SaCkptSectionIdT {
            idLen: 3,
            id: bytes.as_mut_ptr(),
        };
        // SAFETY: `id` points to 3 live bytes.
        assert_eq!(unsafe { section_id(&id) }, Ok(b"abc".to_vec()));
        // SAFETY: NULL is allowed.
        let null = unsafe { section_id(std::ptr::null()) };
        assert_eq!(null, Err(SA_AIS_ERR_INVALID_PARAM));
        let broken = SaCkptSectionIdT {
            idLen: 2,
            id: std::ptr::null_mut(),
        };
        // SAFETY: a NULL id pointer is checked, not read.
        let broken = unsafe { section_id(&broken) };
        assert_eq!(broken, Err(SA_AIS_ERR_INVALID_PARAM));
        let default = SaCkptSectionIdT::default();
        // SAFETY: idLen 0 reads nothing.
        assert_eq!(unsafe { section_id(&default) }, Ok(Vec::new()));
    }
}
