//! Callback frames read by cpg_dispatch, turned into calls of the
//! application's C callbacks.

use std::os::raw::{c_int, c_void};
use std::ptr;

use sa_abi::cpg::{cpg_address, cpg_handle_t, cpg_name};
use sa_ipc::proto::cpg::{
    kind, Address, ConfChgCallback, DeliverCallback, FlowControlCallback, GroupName,
};
use sa_ipc::proto::Payload;
use sa_ipc::{service, Frame, IpcError};

use crate::instance::CpgInstance;

fn c_name(group: &GroupName) -> cpg_name {
    // A GroupName holds at most CPG_MAX_NAME_LENGTH bytes, so this cannot
    // fail; the fallback keeps the boundary panic-free all the same.
    cpg_name::new(group.as_bytes()).unwrap_or_default()
}

fn c_addresses(list: &[Address]) -> Vec<cpg_address> {
    list.iter()
        .map(|a| cpg_address {
            nodeid: a.node,
            pid: a.pid,
            reason: a.reason.to_wire(),
        })
        .collect()
}

/// A list for a C callback: its pointer (NULL when empty) and length.
fn c_list(list: &mut [cpg_address]) -> (*mut cpg_address, c_int) {
    if list.is_empty() {
        (ptr::null_mut(), 0)
    } else {
        // A list comes from one frame: far fewer than i32::MAX entries.
        (list.as_mut_ptr(), list.len() as c_int)
    }
}

impl CpgInstance {
    /// Decodes one callback frame of `handle` and calls the matching
    /// callback; a callback the application did not register is skipped.
    pub(crate) fn deliver(&self, handle: cpg_handle_t, mut frame: Frame) -> Result<(), IpcError> {
        if frame.service != service::CPG {
            return Err(IpcError::Unexpected {
                service: frame.service,
                kind: frame.kind,
            });
        }
        match frame.kind {
            kind::DELIVER_CALLBACK => {
                let (mut group, node, pid, start, len) = {
                    let view = DeliverCallback::parse(&frame.payload)?;
                    // The data lies inside the payload: the callback gets a
                    // mutable pointer into the frame's own buffer.
                    let start = view.data.as_ptr() as usize - frame.payload.as_ptr() as usize;
                    (
                        c_name(&view.group),
                        view.node,
                        view.pid,
                        start,
                        view.data.len(),
                    )
                };
                let Some(callback) = self.callbacks.cpg_deliver_fn else {
                    return Ok(());
                };
                let msg = &mut frame.payload[start..start + len];
                // SAFETY: registered by the application with the
                // cpg_deliver_fn_t signature; the name and the message live
                // until the call returns. A message is at most MAX_MESSAGE
                // bytes, so its length fits a c_int.
                unsafe {
                    callback(
                        handle,
                        &mut group,
                        node,
                        pid,
                        msg.as_mut_ptr().cast::<c_void>(),
                        len as c_int,
                    )
                };
            }
            kind::CONFCHG_CALLBACK => {
                let chg = ConfChgCallback::from_payload(&frame.payload)?;
                let Some(callback) = self.callbacks.cpg_confchg_fn else {
                    return Ok(());
                };
                let mut group = c_name(&chg.group);
                let mut members = c_addresses(&chg.members);
                let mut left = c_addresses(&chg.left);
                let mut joined = c_addresses(&chg.joined);
                let (m, nm) = c_list(&mut members);
                let (l, nl) = c_list(&mut left);
                let (j, nj) = c_list(&mut joined);
                // SAFETY: registered with the cpg_confchg_fn_t signature;
                // the name and the three lists live until the call returns.
                unsafe { callback(handle, &mut group, m, nm, l, nl, j, nj) };
            }
            // No application callback: the executive's state becomes what
            // cpg_flow_control_state_get reports.
            kind::FLOW_CONTROL_CALLBACK => {
                let state = FlowControlCallback::from_payload(&frame.payload)?;
                self.set_flow_control(state.enabled);
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
