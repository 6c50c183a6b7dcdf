//! Callback frames read by evs_dispatch, turned into calls of the
//! application's C callbacks.

use std::os::raw::{c_int, c_uint, c_void};
use std::ptr;

use sa_ipc::proto::evs::{kind, ConfChgCallback, DeliverCallback};
use sa_ipc::proto::Payload;
use sa_ipc::{service, Frame, IpcError};

use crate::instance::EvsInstance;

/// A list for a C callback: its pointer (NULL when empty) and length.
fn c_list(list: &mut [c_uint]) -> (*mut c_uint, c_int) {
    if list.is_empty() {
        (ptr::null_mut(), 0)
    } else {
        // A list comes from one frame: far fewer than i32::MAX entries.
        (list.as_mut_ptr(), list.len() as c_int)
    }
}

impl EvsInstance {
    /// Decodes one callback frame and calls the matching callback; a
    /// callback the application did not register is skipped.
    pub(crate) fn deliver(&self, mut frame: Frame) -> Result<(), IpcError> {
        if frame.service != service::EVS {
            return Err(IpcError::Unexpected {
                service: frame.service,
                kind: frame.kind,
            });
        }
        match frame.kind {
            kind::DELIVER_CALLBACK => {
                let (node, start, len) = {
                    let (node, data) = DeliverCallback::parse(&frame.payload)?;
                    // The data lies inside the payload; its offset lets the
                    // callback get a mutable pointer into the frame's own
                    // buffer without a copy.
                    let start = data.as_ptr() as usize - frame.payload.as_ptr() as usize;
                    (node, start, data.len())
                };
                let Some(callback) = self.callbacks.evs_deliver_fn else {
                    return Ok(());
                };
                let msg = &mut frame.payload[start..start + len];
                // SAFETY: registered by the application with the
                // evs_deliver_fn_t signature; `msg` is valid for `len`
                // bytes until the call returns. A message is at most
                // MAX_MESSAGE bytes, so its length fits a c_int.
                unsafe { callback(node, msg.as_mut_ptr().cast::<c_void>(), len as c_int) };
            }
            kind::CONFCHG_CALLBACK => {
                let mut chg = ConfChgCallback::from_payload(&frame.payload)?;
                let Some(callback) = self.callbacks.evs_confchg_fn else {
                    return Ok(());
                };
                let (members, n_members) = c_list(&mut chg.members);
                let (left, n_left) = c_list(&mut chg.left);
                let (joined, n_joined) = c_list(&mut chg.joined);
                // SAFETY: registered with the evs_confchg_fn_t signature;
                // the three lists live until the call returns.
                unsafe { callback(members, n_members, left, n_left, joined, n_joined) };
            }
            kind => {
                return Err(IpcError::Unexpected {
                    service: frame.service,
                    kind,
                })
            }
        }
        Ok(())
    }
}
