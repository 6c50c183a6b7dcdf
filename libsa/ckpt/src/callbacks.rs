//! Callback frames read by saCkptDispatch, turned into calls of the
//! application's C callbacks.

use std::sync::Arc;

use sa_abi::ais::{SA_AIS_ERR_LIBRARY, SA_AIS_OK};
use sa_abi::ckpt::SaCkptHandleT;
use sa_ipc::proto::ckpt::{CkptCallback, Close};
use sa_ipc::{service, Frame, IpcError};

use crate::handles::{add_checkpoint, CkptInstance};

impl CkptInstance {
    /// Decodes one callback frame and calls the matching callback.
    /// `this` is the instance's own handle, to which a checkpoint handle
    /// made by an asynchronous open belongs.
    pub(crate) fn deliver(
        self: &Arc<Self>,
        this: SaCkptHandleT,
        frame: Frame,
    ) -> Result<(), IpcError> {
        if frame.service != service::CKPT {
            return Err(IpcError::Unexpected {
                service: frame.service,
                kind: frame.kind,
            });
        }
        match CkptCallback::decode(frame.kind, frame.error, &frame.payload)? {
            CkptCallback::Open { error, result } => {
                let flags = self.take_pending_open(result.open_id);
                let (handle, error) = match (error, result.attributes, flags) {
                    (SA_AIS_OK, Some(attributes), Some(flags)) => {
                        match add_checkpoint(self, this, result.open_id, flags, attributes) {
                            Ok(h) => (h, SA_AIS_OK),
                            Err(code) => {
                                self.release_opening(result.open_id);
                                (0, code)
                            }
                        }
                    }
                    (SA_AIS_OK, _, _) => {
                        // An opening the library did not ask for, or one
                        // without attributes: not usable.
                        log::warn!("open callback for unknown opening {}", result.open_id);
                        self.release_opening(result.open_id);
                        (0, SA_AIS_ERR_LIBRARY)
                    }
                    (error, _, _) => (0, error),
                };
                let Some(callback) = self.callbacks.saCkptCheckpointOpenCallback else {
                    log::warn!("open result without an open callback dropped");
                    return Ok(());
                };
                // SAFETY: registered by the application with the
                // SaCkptCheckpointOpenCallbackT signature.
                unsafe { callback(result.invocation, handle, error) };
            }
            CkptCallback::Synchronize { error, result } => {
                let Some(callback) = self.callbacks.saCkptCheckpointSynchronizeCallback else {
                    log::warn!("synchronize result without a synchronize callback dropped");
                    return Ok(());
                };
                // SAFETY: registered by the application with the
                // SaCkptCheckpointSynchronizeCallbackT signature.
                unsafe { callback(result.invocation, error) };
            }
        }
        Ok(())
    }

    /// Closes an opening the application never got a handle for, so the
    /// executive does not keep it until the connection ends. Best effort:
    /// a failure only delays that to the connection's end.
    pub(crate) fn release_opening(&self, open_id: u64) {
        let close = Close { open_id };
        if let Err(e) = self
            .conn
            .call_within(&close, std::time::Duration::from_secs(2))
        {
            log::debug!("releasing opening {open_id}: {e}");
        }
    }
}
