//! Callback frames read by saAmfDispatch, turned into calls of the
//! application's C callbacks.

use std::ptr;

use sa_abi::ais::SA_AIS_OK;
use sa_abi::amf::{
    SaAmfCSIActiveDescriptorT, SaAmfCSIAttributeListT, SaAmfCSIAttributeT, SaAmfCSIDescriptorT,
    SaAmfCSIStandbyDescriptorT, SaAmfCSIStateDescriptorT, SaAmfHealthcheckKeyT,
    SaAmfProtectionGroupNotificationBufferT, SaAmfProtectionGroupNotificationT, SA_AMF_HA_STANDBY,
    SA_AMF_HEALTHCHECK_KEY_MAX,
};
use sa_ipc::ffi::name_to_sa;
use sa_ipc::proto::amf::AmfCallback;
use sa_ipc::{service, Frame, IpcError};

use crate::instance::AmfInstance;

/// A NUL-terminated copy of `bytes` (attribute names and values are C
/// strings to the application).
fn c_string(bytes: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(bytes.len() + 1);
    v.extend_from_slice(bytes);
    v.push(0);
    v
}

impl AmfInstance {
    pub(crate) fn deliver(&self, frame: Frame) -> Result<(), IpcError> {
        if frame.service != service::AMF {
            return Err(IpcError::Unexpected {
                service: frame.service,
                kind: frame.kind,
            });
        }
        match AmfCallback::decode(frame.kind, &frame.payload)? {
            AmfCallback::CsiSet(cb) => {
                let Some(callback) = self.callbacks.saAmfCSISetCallback else {
                    log::warn!("CSI set callback without a registered callback dropped");
                    return Ok(());
                };
                let comp = name_to_sa(&cb.comp);
                // Owned C strings and the attribute array live until the
                // callback returns.
                let mut strings: Vec<(Vec<u8>, Vec<u8>)> = cb
                    .attrs
                    .iter()
                    .map(|a| (c_string(&a.name), c_string(&a.value)))
                    .collect();
                let mut attrs: Vec<SaAmfCSIAttributeT> = strings
                    .iter_mut()
                    .map(|(n, v)| SaAmfCSIAttributeT {
                        attrName: n.as_mut_ptr(),
                        attrValue: v.as_mut_ptr(),
                    })
                    .collect();
                let state = if cb.ha_state == SA_AMF_HA_STANDBY {
                    SaAmfCSIStateDescriptorT {
                        standbyDescriptor: SaAmfCSIStandbyDescriptorT {
                            activeCompName: name_to_sa(&cb.active_comp),
                            standbyRank: cb.standby_rank,
                        },
                    }
                } else {
                    SaAmfCSIStateDescriptorT {
                        activeDescriptor: SaAmfCSIActiveDescriptorT {
                            transitionDescriptor: cb.transition,
                            activeCompName: name_to_sa(&cb.active_comp),
                        },
                    }
                };
                let mut descriptor = SaAmfCSIDescriptorT {
                    csiFlags: cb.flags,
                    csiName: name_to_sa(&cb.csi),
                    csiStateDescriptor: state,
                    csiAttr: SaAmfCSIAttributeListT {
                        attr: if attrs.is_empty() {
                            ptr::null_mut()
                        } else {
                            attrs.as_mut_ptr()
                        },
                        // Bounded by the frame size.
                        number: attrs.len() as u32,
                    },
                };
                // SAFETY: registered with the SaAmfCSISetCallbackT
                // signature; the name, descriptor and attributes live
                // until the call returns.
                unsafe { callback(cb.invocation, &comp, cb.ha_state, &mut descriptor) };
            }
            AmfCallback::CsiRemove(cb) => {
                let Some(callback) = self.callbacks.saAmfCSIRemoveCallback else {
                    log::warn!("CSI remove callback without a registered callback dropped");
                    return Ok(());
                };
                let comp = name_to_sa(&cb.comp);
                let csi = name_to_sa(&cb.csi);
                // SAFETY: registered with the SaAmfCSIRemoveCallbackT
                // signature; the names live until the call returns.
                unsafe { callback(cb.invocation, &comp, &csi, cb.flags) };
            }
            AmfCallback::Terminate(cb) => {
                let Some(callback) = self.callbacks.saAmfComponentTerminateCallback else {
                    log::warn!("terminate callback without a registered callback dropped");
                    return Ok(());
                };
                let comp = name_to_sa(&cb.comp);
                // SAFETY: registered with the
                // SaAmfComponentTerminateCallbackT signature; the name
                // lives until the call returns.
                unsafe { callback(cb.invocation, &comp) };
            }
            AmfCallback::ProxiedInstantiate(cb) | AmfCallback::ProxiedCleanup(cb) => {
                let (callback, what) = match frame.kind {
                    sa_ipc::proto::amf::kind::PROXIED_CLEANUP_CALLBACK => (
                        self.callbacks.saAmfExternalComponentCleanupCallback,
                        "external component cleanup",
                    ),
                    _ => (
                        self.callbacks.saAmfExternalComponentInstantiateCallback,
                        "external component instantiate",
                    ),
                };
                let Some(callback) = callback else {
                    log::warn!("{what} callback without a registered callback dropped");
                    return Ok(());
                };
                let comp = name_to_sa(&cb.comp);
                // SAFETY: registered with the
                // SaAmfExternalComponent{Instantiate,Cleanup}CallbackT
                // signature; the name lives until the call returns.
                unsafe { callback(cb.invocation, &comp) };
            }
            AmfCallback::Healthcheck(cb) => {
                let Some(callback) = self.callbacks.saAmfHealthcheckCallback else {
                    log::warn!("healthcheck callback without a registered callback dropped");
                    return Ok(());
                };
                let comp = name_to_sa(&cb.comp);
                let mut key = SaAmfHealthcheckKeyT::default();
                let len = cb.key.len().min(SA_AMF_HEALTHCHECK_KEY_MAX);
                key.key[..len].copy_from_slice(&cb.key[..len]);
                key.keyLen = len as u16;
                // SAFETY: registered with the SaAmfHealthcheckCallbackT
                // signature; the name and key live until the call returns.
                unsafe { callback(cb.invocation, &comp, &mut key) };
            }
            AmfCallback::PgTrack(cb) => {
                let Some(callback) = self.callbacks.saAmfProtectionGroupTrackCallback else {
                    log::warn!("protection group callback without a registered callback dropped");
                    return Ok(());
                };
                let csi = name_to_sa(&cb.csi);
                let mut items: Vec<SaAmfProtectionGroupNotificationT> =
                    cb.members.iter().map(crate::track::member_to_sa).collect();
                let mut buffer = SaAmfProtectionGroupNotificationBufferT {
                    // Bounded by the frame size.
                    numberOfItems: items.len() as u32,
                    notification: if items.is_empty() {
                        ptr::null_mut()
                    } else {
                        items.as_mut_ptr()
                    },
                };
                // SAFETY: registered with the
                // SaAmfProtectionGroupTrackCallbackT signature; the name
                // and the items live until the call returns.
                unsafe { callback(&csi, &mut buffer, cb.number_of_members, SA_AIS_OK) };
            }
        }
        Ok(())
    }
}
