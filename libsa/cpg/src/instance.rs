//! One cpg_initialize: its connection, callbacks, the application's
//! context pointer and the flow control state, kept in the library's
//! handle database.

use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};
use std::sync::Arc;

use sa_abi::cpg::{
    cpg_callbacks_t, cpg_error_t, cpg_flow_control_state_t, cpg_handle_t, CPG_ERR_BAD_HANDLE,
    CPG_ERR_TRY_AGAIN, CPG_FLOW_CONTROL_DISABLED, CPG_FLOW_CONTROL_ENABLED, CPG_OK,
};
use sa_ipc::{Connection, HandleDb};

/// A CPG library instance.
pub(crate) struct CpgInstance {
    pub(crate) conn: Connection,
    pub(crate) callbacks: cpg_callbacks_t,
    /// The pointer of cpg_context_set; the library never dereferences it.
    context: AtomicPtr<std::ffi::c_void>,
    /// Whether multicasts are refused for now: set when one was refused
    /// (CPG_ERR_TRY_AGAIN), cleared by a multicast taken or by the
    /// executive's notice that multicasts are taken again.
    flow_controlled: AtomicBool,
}

impl CpgInstance {
    pub(crate) fn new(conn: Connection, callbacks: cpg_callbacks_t) -> CpgInstance {
        CpgInstance {
            conn,
            callbacks,
            context: AtomicPtr::new(std::ptr::null_mut()),
            flow_controlled: AtomicBool::new(false),
        }
    }

    pub(crate) fn context(&self) -> *mut std::ffi::c_void {
        self.context.load(Ordering::Acquire)
    }

    pub(crate) fn set_context(&self, context: *mut std::ffi::c_void) {
        self.context.store(context, Ordering::Release);
    }

    /// Records the outcome of a multicast: refused for a full queue turns
    /// flow control on, taken turns it off.
    pub(crate) fn multicast_result(&self, code: cpg_error_t) {
        match code {
            CPG_OK => self.flow_controlled.store(false, Ordering::Release),
            CPG_ERR_TRY_AGAIN => self.flow_controlled.store(true, Ordering::Release),
            _ => {}
        }
    }

    /// The executive's flow control notice (read by cpg_dispatch).
    pub(crate) fn set_flow_control(&self, enabled: bool) {
        self.flow_controlled.store(enabled, Ordering::Release);
    }

    pub(crate) fn flow_control_state(&self) -> cpg_flow_control_state_t {
        if self.flow_controlled.load(Ordering::Acquire) {
            CPG_FLOW_CONTROL_ENABLED
        } else {
            CPG_FLOW_CONTROL_DISABLED
        }
    }
}

/// Every live cpg_handle_t of the process.
pub(crate) static HANDLES: HandleDb<CpgInstance> = HandleDb::new();

/// The instance of `handle`, held for the duration of a call.
pub(crate) fn instance(handle: cpg_handle_t) -> Result<Arc<CpgInstance>, cpg_error_t> {
    HANDLES.get(handle).ok_or(CPG_ERR_BAD_HANDLE)
}
