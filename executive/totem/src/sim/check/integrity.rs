//! Property 2: no duplication, no creation. Every delivered payload is one
//! a client had multicast and the protocol accepted, byte for byte, from
//! the node that sent it, and no incarnation delivers it twice.

use super::{Property, Violation};
use crate::sim::payload::Decoded;
use crate::sim::record::{Delivery, Recording};
use std::collections::BTreeSet;

pub(super) fn check(rec: &Recording) -> Vec<Violation> {
    let mut found = Vec::new();
    for inc in &rec.incarnations {
        let mut seen = BTreeSet::new();
        for (i, d) in inc.stream.iter().enumerate() {
            let Delivery::Msg { from, payload } = &d.what else {
                continue;
            };
            let problem = match payload {
                Decoded::Garbage => {
                    Some("delivered a payload no client sent (no valid header)".to_string())
                }
                Decoded::Damaged(id) => Some(format!("delivered a damaged copy of {id}")),
                Decoded::Intact(id) => match rec.sent.get(id) {
                    None => Some(format!("delivered {id}, which no client multicast")),
                    Some(_) if *from != id.node => {
                        Some(format!("delivered {id} as coming from node {from}"))
                    }
                    Some(s) if d.at < s.at => Some(format!(
                        "delivered {id} before it was multicast at {}",
                        super::fmt_time(s.at)
                    )),
                    Some(_) if !seen.insert(*id) => Some(format!("delivered {id} a second time")),
                    Some(_) => None,
                },
            };
            if let Some(detail) = problem {
                found.push(Violation::in_stream(Property::Integrity, inc, i, detail));
                break;
            }
        }
    }
    found
}
