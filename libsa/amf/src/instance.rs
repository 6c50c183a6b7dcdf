//! One saAmfInitialize: its connection and callbacks, kept in the
//! library's handle database.

use std::sync::Arc;

use sa_abi::ais::{SaAisErrorT, SA_AIS_ERR_BAD_HANDLE};
use sa_abi::amf::{SaAmfCallbacksT, SaAmfHandleT};
use sa_ipc::{Connection, HandleDb};

/// An AMF library instance.
pub(crate) struct AmfInstance {
    pub(crate) conn: Connection,
    pub(crate) callbacks: SaAmfCallbacksT,
}

/// Every live SaAmfHandleT of the process.
pub(crate) static HANDLES: HandleDb<AmfInstance> = HandleDb::new();

/// The instance of `handle`, held for the duration of a call.
pub(crate) fn instance(handle: SaAmfHandleT) -> Result<Arc<AmfInstance>, SaAisErrorT> {
    HANDLES.get(handle).ok_or(SA_AIS_ERR_BAD_HANDLE)
}
