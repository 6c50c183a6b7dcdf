//! One evs_initialize: its connection and callbacks, kept in the
//! library's handle database.

use std::sync::Arc;

use sa_abi::evs::{evs_callbacks_t, evs_error_t, evs_handle_t, EVS_ERR_BAD_HANDLE};
use sa_ipc::{Connection, HandleDb};

/// An EVS library instance.
pub(crate) struct EvsInstance {
    pub(crate) conn: Connection,
    pub(crate) callbacks: evs_callbacks_t,
}

/// Every live evs_handle_t of the process.
pub(crate) static HANDLES: HandleDb<EvsInstance> = HandleDb::new();

/// The instance of `handle`, held for the duration of a call (an
/// evs_finalize meanwhile in another thread does not free it under the
/// call).
pub(crate) fn instance(handle: evs_handle_t) -> Result<Arc<EvsInstance>, evs_error_t> {
    HANDLES.get(handle).ok_or(EVS_ERR_BAD_HANDLE)
}
