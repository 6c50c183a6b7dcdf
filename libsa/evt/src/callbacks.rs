//! Callback frames read by saEvtDispatch, turned into calls of the
//! application's C callbacks.
//!
//! An "events available" frame makes the library pull events from the
//! executive: one for SA_DISPATCH_ONE, else a batch, every one of which is
//! handed to the application before the dispatch returns (nothing is kept
//! in the library, so the selection object tells the whole truth). Each
//! becomes an event handle on the channel handle of its opening, handed
//! to the deliver callback (the application reads it with
//! saEvtEventAttributesGet / saEvtEventDataGet and frees it with
//! saEvtEventFree). An open result becomes a channel handle handed to the
//! channel open callback.

use std::sync::Arc;

use sa_abi::ais::{SA_AIS_ERR_NOT_EXIST, SA_AIS_OK};
use sa_ipc::ffi::DispatchMode;
use sa_ipc::proto::evt::{ChannelClose, Delivered, EvtCallback, Pull};
use sa_ipc::{service, CallError, Frame, IpcError};

use crate::handles::{
    add_channel, add_event, lock, remove_event, EventState, EvtInstance, CHANNELS,
};

/// Events pulled at once when dispatching all pending callbacks.
const PULL_BATCH: u32 = 64;

impl EvtInstance {
    /// Decodes one callback frame and runs what it calls for.
    pub(crate) fn deliver(
        self: &Arc<Self>,
        frame: Frame,
        mode: DispatchMode,
    ) -> Result<(), IpcError> {
        if frame.service != service::EVT {
            return Err(IpcError::Unexpected {
                service: frame.service,
                kind: frame.kind,
            });
        }
        match EvtCallback::decode(frame.kind, frame.error, &frame.payload)? {
            EvtCallback::Open { error, result } => {
                self.open_result(error, result.invocation, result.open_id);
                Ok(())
            }
            EvtCallback::EventAvailable => self.pull(match mode {
                DispatchMode::One | DispatchMode::OneBlocking => 1,
                DispatchMode::All | DispatchMode::Blocking => PULL_BATCH,
            }),
        }
    }

    /// The result of saEvtChannelOpenAsync.
    fn open_result(self: &Arc<Self>, error: u32, invocation: u64, open_id: u32) {
        let flags = {
            let mut pending = lock(&self.pending_opens);
            match pending.iter().position(|(inv, _)| *inv == invocation) {
                Some(i) => pending.remove(i).1,
                None => {
                    log::warn!("open result for unknown invocation {invocation} dropped");
                    return;
                }
            }
        };
        let (error, handle) = if error == SA_AIS_OK {
            match add_channel(self, open_id, flags) {
                Ok(h) => (SA_AIS_OK, h),
                Err(e) => {
                    self.close_unwanted(open_id);
                    (e, 0)
                }
            }
        } else {
            (error, 0)
        };
        match self.callbacks.saEvtChannelOpenCallback {
            // SAFETY: registered by the application with the
            // SaEvtChannelOpenCallbackT signature.
            Some(callback) => unsafe { callback(invocation, handle, error) },
            None => {
                // Refused at saEvtChannelOpenAsync; only a misbehaving
                // executive gets here.
                log::warn!("open result without an open callback dropped");
            }
        }
    }

    /// Closes an opening the application will never get a handle of.
    fn close_unwanted(&self, open_id: u32) {
        if let Err(e) = self.conn.call(&ChannelClose { open_id }) {
            log::warn!("closing an opening without a handle: {e}");
        }
    }

    /// Pulls up to `max` queued events and hands them to the deliver
    /// callback, in order.
    fn pull(&self, max: u32) -> Result<(), IpcError> {
        let pulled = match self.conn.call(&Pull { max }) {
            Ok(p) => p,
            // Nothing queued any more (its subscription or channel ended).
            Err(CallError::Ais(SA_AIS_ERR_NOT_EXIST)) => return Ok(()),
            Err(CallError::Ais(code)) => {
                log::warn!("pulling an event: SaAisErrorT {code}");
                return Ok(());
            }
            Err(CallError::Ipc(e)) => return Err(e),
        };
        for delivered in pulled.events {
            // A callback may have finalized the handle: the rest is
            // discarded with it.
            if self.conn.is_shut_down() {
                break;
            }
            self.hand_over(delivered);
        }
        Ok(())
    }

    fn hand_over(&self, delivered: Delivered) {
        let Delivered {
            open_id,
            subscription_id,
            event,
        } = delivered;
        // The channel may have been closed since the event was queued.
        let Some(channel_handle) = lock(&self.channels).get(&open_id).copied() else {
            return;
        };
        let Some(channel) = CHANNELS.get(channel_handle) else {
            return;
        };
        let size = event.data.len() as u64;
        let state = EventState {
            attributes: event.attributes,
            publish_time: event.publish_time,
            event_id: event.event_id,
            data: event.data,
        };
        let handle = match add_event(channel_handle, &channel, true, state) {
            Ok(h) => h,
            Err(e) => {
                log::warn!("delivered event dropped: SaAisErrorT {e}");
                return;
            }
        };
        match self.callbacks.saEvtEventDeliverCallback {
            // SAFETY: registered by the application with the
            // SaEvtEventDeliverCallbackT signature.
            Some(callback) => unsafe { callback(subscription_id, handle, size) },
            None => {
                // Subscribing needs the callback; only a misbehaving
                // executive gets here.
                remove_event(handle);
            }
        }
    }
}
