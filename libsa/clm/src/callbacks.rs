//! Callback frames read by saClmDispatch, turned into calls of the
//! application's C callbacks.

use std::ptr;

use sa_abi::clm::{SaClmClusterNodeT, SaClmClusterNotificationBufferT, SaClmClusterNotificationT};
use sa_ipc::proto::clm::ClmCallback;
use sa_ipc::{service, Frame, IpcError};

use crate::convert::{item_to_sa, node_to_sa};
use crate::instance::ClmInstance;

impl ClmInstance {
    /// Decodes one callback frame and calls the matching callback. A frame
    /// for a callback the application did not register is dropped (the
    /// library refuses the requests that would cause one, so only a
    /// misbehaving executive sends it).
    pub(crate) fn deliver(&self, frame: Frame) -> Result<(), IpcError> {
        if frame.service != service::CLM {
            return Err(IpcError::Unexpected {
                service: frame.service,
                kind: frame.kind,
            });
        }
        match ClmCallback::decode(frame.kind, frame.error, &frame.payload)? {
            ClmCallback::Track {
                error,
                notification,
            } => {
                let Some(callback) = self.callbacks.saClmClusterTrackCallback else {
                    log::warn!("track notification without a track callback dropped");
                    return Ok(());
                };
                let mut items: Vec<SaClmClusterNotificationT> =
                    notification.items.iter().map(item_to_sa).collect();
                let buffer = SaClmClusterNotificationBufferT {
                    viewNumber: notification.view_number,
                    // Bounded by the frame size, far below u32::MAX.
                    numberOfItems: items.len() as u32,
                    notification: if items.is_empty() {
                        ptr::null_mut()
                    } else {
                        items.as_mut_ptr()
                    },
                };
                // SAFETY: the callback was registered by the application
                // with the SaClmClusterTrackCallbackT signature; `buffer` and
                // the items it points to live until the call returns, which
                // is all B.01.01 promises the callback.
                unsafe { callback(&buffer, notification.number_of_members, error) };
            }
            ClmCallback::NodeGet { error, result } => {
                let Some(callback) = self.callbacks.saClmClusterNodeGetCallback else {
                    log::warn!("node get result without a node get callback dropped");
                    return Ok(());
                };
                // Without a node (an error) the callback still gets a valid,
                // zeroed structure rather than NULL: callers written for
                // openais read it unconditionally.
                let node = result
                    .node
                    .as_ref()
                    .map(node_to_sa)
                    .unwrap_or_else(SaClmClusterNodeT::default);
                // SAFETY: registered with the SaClmClusterNodeGetCallbackT
                // signature; `node` lives until the call returns.
                unsafe { callback(result.invocation, &node, error) };
            }
        }
        Ok(())
    }
}
