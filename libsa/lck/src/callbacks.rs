//! Callback frames read by saLckDispatch, turned into calls of the
//! application's C callbacks.

use std::sync::Arc;

use sa_abi::ais::{SA_AIS_ERR_NO_MEMORY, SA_AIS_OK};
use sa_abi::lck::{SaLckHandleT, SA_LCK_LOCK_GRANTED};
use sa_ipc::proto::lck::{Close, LckCallback};
use sa_ipc::{service, Frame, IpcError};

use crate::handles::{add_resource, discard_lock, LckInstance};

/// Decodes one callback frame of `inst` (library handle `handle`) and
/// calls the matching callback. A frame for a callback the application
/// did not register is dropped (the library refuses the requests that
/// would cause one, except the waiter callback, which is optional).
pub(crate) fn deliver(
    inst: &Arc<LckInstance>,
    handle: SaLckHandleT,
    frame: Frame,
) -> Result<(), IpcError> {
    if frame.service != service::LCK {
        return Err(IpcError::Unexpected {
            service: frame.service,
            kind: frame.kind,
        });
    }
    match LckCallback::decode(frame.kind, frame.error, &frame.payload)? {
        LckCallback::Open { error, result } => {
            if !inst.take_pending_open(result.open_id) {
                log::warn!("open callback for an unknown opening dropped");
                return Ok(());
            }
            let (resource, error) = if error == SA_AIS_OK {
                match add_resource(inst, handle, result.open_id) {
                    Ok(r) => (r, SA_AIS_OK),
                    Err(e) => {
                        // Nothing will refer to the opening: close it.
                        let close = Close {
                            open_id: result.open_id,
                        };
                        if let Err(c) = inst.conn.call(&close) {
                            log::warn!("closing an opening without a handle: {c}");
                        }
                        (
                            0,
                            if e == SA_AIS_OK {
                                SA_AIS_ERR_NO_MEMORY
                            } else {
                                e
                            },
                        )
                    }
                }
            } else {
                (0, error)
            };
            if let Some(cb) = inst.callbacks.saLckResourceOpenCallback {
                // SAFETY: registered by the application with the
                // SaLckResourceOpenCallbackT signature; plain values.
                unsafe { cb(result.invocation, resource, error) };
            }
        }
        LckCallback::Grant { error, result } => {
            // Only a granted lock goes on having an id.
            if error != SA_AIS_OK || result.status != SA_LCK_LOCK_GRANTED {
                discard_lock(result.lock_id);
            }
            if let Some(cb) = inst.callbacks.saLckLockGrantCallback {
                // SAFETY: registered with the SaLckLockGrantcallbackT
                // signature; plain values.
                unsafe { cb(result.invocation, result.status, error) };
            }
        }
        LckCallback::Waiter(w) => {
            if let Some(cb) = inst.callbacks.saLckLockWaiterCallback {
                // SAFETY: registered with the SaLckLockWaiterCallbackT
                // signature; plain values.
                unsafe { cb(w.signal, w.lock_id, w.held.to_sa(), w.requested.to_sa()) };
            }
        }
        LckCallback::Unlock { error, result } => {
            if error == SA_AIS_OK {
                discard_lock(result.lock_id);
            }
            if let Some(cb) = inst.callbacks.saLckResourceUnlockCallback {
                // SAFETY: registered with the SaLckResourceUnlockCallbackT
                // signature; plain values.
                unsafe { cb(result.invocation, error) };
            }
        }
    }
    Ok(())
}
