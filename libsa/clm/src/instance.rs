//! One saClmInitialize: its connection and callbacks, kept in the
//! library's handle database.

use std::sync::Arc;

use sa_abi::ais::{SaAisErrorT, SA_AIS_ERR_BAD_HANDLE};
use sa_abi::clm::{SaClmCallbacksT, SaClmHandleT};
use sa_ipc::{Connection, HandleDb};

/// A CLM library instance.
pub(crate) struct ClmInstance {
    pub(crate) conn: Connection,
    pub(crate) callbacks: SaClmCallbacksT,
}

/// Every live SaClmHandleT of the process.
pub(crate) static HANDLES: HandleDb<ClmInstance> = HandleDb::new();

/// The instance of `handle`, held for the duration of a call (a Finalize
/// meanwhile in another thread does not free it under the call).
pub(crate) fn instance(handle: SaClmHandleT) -> Result<Arc<ClmInstance>, SaAisErrorT> {
    HANDLES.get(handle).ok_or(SA_AIS_ERR_BAD_HANDLE)
}
