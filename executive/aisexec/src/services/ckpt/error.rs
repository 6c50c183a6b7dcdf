//! Why a checkpoint operation was refused, and the SaAisErrorT a library
//! caller gets for it.

use sa_abi::ais::{
    SaAisErrorT, SA_AIS_ERR_ACCESS, SA_AIS_ERR_BAD_FLAGS, SA_AIS_ERR_BAD_HANDLE,
    SA_AIS_ERR_BAD_OPERATION, SA_AIS_ERR_EXIST, SA_AIS_ERR_INVALID_PARAM, SA_AIS_ERR_NOT_EXIST,
    SA_AIS_ERR_NO_RESOURCES, SA_AIS_ERR_NO_SPACE,
};

/// A refused checkpoint operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CkptError {
    /// No such checkpoint (by name) or section.
    #[error("no such checkpoint or section")]
    NotExist,
    /// The checkpoint exists with other creation attributes, or the
    /// section exists already.
    #[error("already exists")]
    Exist,
    /// An argument breaks a limit or a rule.
    #[error("invalid parameter")]
    InvalidParam,
    /// No room: maxSections, or checkpointSize.
    #[error("no space left in the checkpoint")]
    NoSpace,
    /// Past what this executive lets one checkpoint, or all of them,
    /// hold in memory (`checkpoint { }` in openais.conf).
    #[error("checkpoint memory limit reached")]
    NoResources,
    /// The opening lacks the read or write right the operation needs.
    #[error("not opened for this access")]
    Access,
    /// The operation does not apply to this checkpoint.
    #[error("operation not allowed on this checkpoint")]
    BadOperation,
    /// The opening is unknown (closed, or never made).
    #[error("no such opening")]
    BadHandle,
    /// Open flags with undefined bits.
    #[error("invalid flags")]
    BadFlags,
}

impl CkptError {
    pub fn to_ais(self) -> SaAisErrorT {
        match self {
            CkptError::NotExist => SA_AIS_ERR_NOT_EXIST,
            CkptError::Exist => SA_AIS_ERR_EXIST,
            CkptError::InvalidParam => SA_AIS_ERR_INVALID_PARAM,
            CkptError::NoSpace => SA_AIS_ERR_NO_SPACE,
            CkptError::NoResources => SA_AIS_ERR_NO_RESOURCES,
            CkptError::Access => SA_AIS_ERR_ACCESS,
            CkptError::BadOperation => SA_AIS_ERR_BAD_OPERATION,
            CkptError::BadHandle => SA_AIS_ERR_BAD_HANDLE,
            CkptError::BadFlags => SA_AIS_ERR_BAD_FLAGS,
        }
    }
}

/// A refused read or write vector: the error, and the element it is about
/// (`None`: the whole call, e.g. an unknown opening).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VectorFailure {
    pub error: CkptError,
    pub index: Option<u32>,
}

impl VectorFailure {
    pub fn at(index: usize, error: CkptError) -> VectorFailure {
        VectorFailure {
            error,
            // Vectors come from frames, so their length fits in a u32.
            index: Some(u32::try_from(index).unwrap_or(u32::MAX)),
        }
    }
}

impl From<CkptError> for VectorFailure {
    fn from(error: CkptError) -> VectorFailure {
        VectorFailure { error, index: None }
    }
}
