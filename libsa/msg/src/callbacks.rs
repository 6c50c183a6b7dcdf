//! Callback frames read by saMsgDispatch, turned into calls of the
//! application's C callbacks.

use std::sync::Arc;

use sa_abi::ais::SA_AIS_OK;
use sa_abi::msg::{
    SaMsgHandleT, SaMsgQueueGroupMemberT, SaMsgQueueGroupNotificationBufferT,
    SaMsgQueueGroupNotificationT,
};
use sa_ipc::ffi::name_to_sa;
use sa_ipc::proto::msg::{kind, DeliveredCallback, OpenCallback, ReceivedCallback, TrackCallback};
use sa_ipc::proto::Payload;
use sa_ipc::{service, Frame, IpcError};

use crate::handles::{add_queue, MsgInstance};

impl MsgInstance {
    /// Decodes one callback frame and calls the matching callback. `this`
    /// is the instance's own handle, to which a queue handle made by an
    /// asynchronous open belongs.
    pub(crate) fn deliver(
        self: &Arc<Self>,
        this: SaMsgHandleT,
        frame: Frame,
    ) -> Result<(), IpcError> {
        if frame.service != service::MSG {
            return Err(IpcError::Unexpected {
                service: frame.service,
                kind: frame.kind,
            });
        }
        match frame.kind {
            kind::OPEN_CALLBACK => {
                let cb = OpenCallback::from_payload(&frame.payload)?;
                let (handle, error) = if frame.error == SA_AIS_OK {
                    match add_queue(self, this, cb.open_id) {
                        Ok(h) => (h, SA_AIS_OK),
                        Err(code) => {
                            self.release_opening(cb.open_id);
                            (0, code)
                        }
                    }
                } else {
                    (0, frame.error)
                };
                let Some(callback) = self.callbacks.saMsgQueueOpenCallback else {
                    log::warn!("open result without an open callback dropped");
                    return Ok(());
                };
                // SAFETY: registered by the application with the
                // SaMsgQueueOpenCallbackT signature.
                unsafe { callback(cb.invocation, handle, error) };
            }
            kind::TRACK_CALLBACK => {
                let cb = TrackCallback::from_payload(&frame.payload)?;
                let Some(callback) = self.callbacks.saMsgQueueGroupTrackCallback else {
                    return Ok(());
                };
                let mut items: Vec<SaMsgQueueGroupNotificationT> = cb
                    .items
                    .iter()
                    .map(|i| SaMsgQueueGroupNotificationT {
                        member: SaMsgQueueGroupMemberT {
                            queueName: name_to_sa(&i.queue),
                        },
                        change: i.change,
                    })
                    .collect();
                let buffer = SaMsgQueueGroupNotificationBufferT {
                    numberOfItems: u32::try_from(items.len()).unwrap_or(u32::MAX),
                    notification: items.as_mut_ptr(),
                    queueGroupPolicy: cb.policy,
                };
                let group = name_to_sa(&cb.group);
                // SAFETY: registered by the application with the
                // SaMsgQueueGroupTrackCallbackT signature; the name and the
                // buffer live until it returns.
                unsafe { callback(&group, &buffer, cb.members, frame.error) };
            }
            kind::DELIVERED_CALLBACK => {
                let cb = DeliveredCallback::from_payload(&frame.payload)?;
                if let Some(callback) = self.callbacks.saMsgMessageDeliveredCallback {
                    // SAFETY: registered with the
                    // SaMsgMessageDeliveredCallbackT signature.
                    unsafe { callback(cb.invocation, frame.error) };
                }
            }
            kind::RECEIVED_CALLBACK => {
                let cb = ReceivedCallback::from_payload(&frame.payload)?;
                // A queue closed meanwhile gets no callback.
                let Some(handle) = self.queue_of(cb.open_id) else {
                    return Ok(());
                };
                if let Some(callback) = self.callbacks.saMsgMessageReceivedCallback {
                    // SAFETY: registered with the
                    // SaMsgMessageReceivedCallbackT signature.
                    unsafe { callback(handle) };
                }
            }
            other => {
                return Err(IpcError::Unexpected {
                    service: frame.service,
                    kind: other,
                })
            }
        }
        Ok(())
    }
}
