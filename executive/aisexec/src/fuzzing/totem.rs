//! What arrives from the network before any service sees it: datagrams
//! through the packet security and the node-id framing of `net/`, Totem
//! packets through the wire codec, and Totem payloads through the
//! process-group layer that reassembles the services' messages.

use totem::crypto::{PacketSecurity, AUTHKEY_LEN, NONCE_LEN};
use totem::pg::{Limits, ProcessGroup};
use totem::wire::Packet;
use totem::{ConfChg, ConfChgKind, NodeId, RingId};

use super::input::Input;
use crate::net::security::Framing;

/// The authkey of the `secauth: on` half of [`totem_datagram`].
pub const AUTHKEY: [u8; AUTHKEY_LEN] = {
    let mut key = [0u8; AUTHKEY_LEN];
    let mut i = 0;
    while i < AUTHKEY_LEN {
        key[i] = (i as u8).wrapping_mul(37).wrapping_add(11);
        i += 1;
    }
    key
};

/// Flags of [`totem_datagram`]'s first byte.
pub mod datagram_flag {
    /// `secauth: on` with [`super::AUTHKEY`]; else `off`.
    pub const SECAUTH_ON: u8 = 1;
    /// The rest is `nonce (16), plaintext`, sealed before it is opened
    /// (what a holder of the key can send); else the rest is the datagram.
    pub const SEAL: u8 = 2;
}

/// A Totem packet: it decodes, or is refused with an error. One that
/// decodes must be one the codec writes: encoding it gives the same bytes
/// (the codec promises to refuse everything else).
pub fn totem_packet(data: &[u8]) {
    let _ = Packet::max_encoded_len(data, 1500);
    if let Ok(packet) = Packet::decode(data) {
        assert_eq!(
            packet.encode(),
            data,
            "a decoded packet re-encodes differently"
        );
        assert_eq!(packet.encoded_len(), data.len());
    }
}

/// A received datagram, opened as the network layer opens one
/// (`PacketSecurity::open`, then the sender's node id), then decoded as a
/// Totem packet. See [`datagram_flag`] for the first byte. A sealed
/// plaintext must open to itself under the same key.
pub fn totem_datagram(data: &[u8]) {
    let mut input = Input::new(data);
    let flags = input.u8();
    let security = if flags & datagram_flag::SECAUTH_ON != 0 {
        PacketSecurity::from_authkey(&AUTHKEY).expect("a key of the right length")
    } else {
        PacketSecurity::integrity_only()
    };
    let rest = input.bytes(data.len());
    let sealed;
    let datagram = if flags & datagram_flag::SEAL != 0 {
        let mut nonce = [0u8; NONCE_LEN];
        let n = rest.len().min(NONCE_LEN);
        nonce[..n].copy_from_slice(&rest[..n]);
        let plaintext = &rest[n..];
        let mut out = Vec::new();
        security.seal(nonce, plaintext, &mut out);
        let mut opened = Vec::new();
        security
            .open(&out, &mut opened)
            .expect("a sealed packet opens under its key");
        assert_eq!(opened, plaintext, "a sealed packet opens to its plaintext");
        sealed = out;
        &sealed[..]
    } else {
        rest
    };
    let mut opened = Vec::new();
    let _ = security.clone().open(datagram, &mut opened);
    let mut framing = Framing::new(security, 1, 1);
    let from = std::net::SocketAddr::from(([127, 0, 0, 2], 5405));
    if let Some(opened) = framing.open(datagram, from) {
        totem_packet(opened.packet);
    }
}

/// Totem payloads delivered to the process-group layer of node 1 in a
/// ring of nodes 1 to 4, with configuration changes between them. Records
/// (`op % 3`): `0, from: u8, len: u16, payload`: a payload from node
/// `2 + from % 3`; `1, members: u8`: a new ring of node 1 and the nodes
/// whose bit is set in `members`; `2, len: u16, message`: node 1 sends a
/// message and receives its own payloads back (Totem authenticates
/// senders, so node 1's payloads are only ever its own).
pub fn totem_pg(data: &[u8]) {
    let Ok(mut pg) = ProcessGroup::new(1, Limits::new(1400)) else {
        unreachable!("1400-byte payloads are within the limits");
    };
    let mut members: Vec<NodeId> = vec![1, 2, 3, 4];
    let mut seq = 4;
    let mut input = Input::new(data);
    while !input.is_empty() {
        let op = input.u8() % 3;
        if op == 2 {
            let len = usize::from(input.u16());
            let message = input.bytes(len);
            if pg.mcast(totem::Guarantee::Agreed, message).is_ok() {
                while let Some(payload) = pg.pop_payload() {
                    let _ = pg.deliver(1, &payload.bytes);
                }
            }
        } else if op == 0 {
            let from = 2 + u32::from(input.u8() % 3);
            let len = usize::from(input.u16());
            let payload = input.bytes(len);
            if members.contains(&from) {
                let _ = pg.deliver(from, payload);
            }
        } else {
            let bits = input.u8();
            let new: Vec<NodeId> = (1..=4u32)
                .filter(|&n| n == 1 || bits & (1 << (n - 1)) != 0)
                .collect();
            seq += 4;
            let ring_id = RingId { rep: 1, seq };
            let trans: Vec<NodeId> = members
                .iter()
                .copied()
                .filter(|m| new.contains(m))
                .collect();
            let left: Vec<NodeId> = members
                .iter()
                .copied()
                .filter(|m| !new.contains(m))
                .collect();
            let joined: Vec<NodeId> = new.iter().copied().filter(|m| !trans.contains(m)).collect();
            pg.conf_chg(&ConfChg {
                kind: ConfChgKind::Transitional,
                ring_id,
                members: trans,
                left,
                joined: Vec::new(),
            });
            pg.conf_chg(&ConfChg {
                kind: ConfChgKind::Regular,
                ring_id,
                members: new.clone(),
                left: Vec::new(),
                joined,
            });
            members = new;
        }
    }
}
