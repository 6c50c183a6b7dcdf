//! Property 1 (agreed order) and the cross-stream half of property 5
//! (configuration changes at the same point of the message stream).
//!
//! Both compare two streams projected onto what they have in common: the
//! messages both delivered must come in the same order, and the
//! configuration changes both installed must fall between the same
//! messages.

use super::{Item, Property, StreamIndex, Violation};

/// The items of `a` that `b` also has, in `a`'s order, with positions in `a`.
fn common<'s>(
    a: &'s StreamIndex<'_>,
    b: &StreamIndex<'_>,
    msgs_only: bool,
) -> Vec<&'s (Item, usize)> {
    a.items
        .iter()
        .filter(|(item, _)| (!msgs_only || matches!(item, Item::Msg(_))) && b.has(item))
        .collect()
}

pub(super) fn check_agreed_order(streams: &[StreamIndex<'_>]) -> Vec<Violation> {
    let mut found = Vec::new();
    for (ai, a) in streams.iter().enumerate() {
        for b in &streams[ai + 1..] {
            let in_a = common(a, b, true);
            let in_b = common(b, a, true);
            if let Some(k) = in_a.iter().zip(&in_b).position(|(x, y)| x.0 != y.0) {
                let (x, xa) = in_a[k];
                let (y, yb) = in_b[k];
                let detail = format!(
                    "delivered {x} where {} delivered {y} (its stream[{yb}]); \
                     common message #{k} of the two streams",
                    b.label()
                );
                found.push(Violation::in_stream(
                    Property::AgreedOrder,
                    a.inc,
                    *xa,
                    detail,
                ));
            }
        }
    }
    found
}

pub(super) fn check_same_point(streams: &[StreamIndex<'_>]) -> Vec<Violation> {
    let mut found = Vec::new();
    for (ai, a) in streams.iter().enumerate() {
        for b in &streams[ai + 1..] {
            let in_a = common(a, b, false);
            let in_b = common(b, a, false);
            let Some(k) = in_a.iter().zip(&in_b).position(|(x, y)| x.0 != y.0) else {
                continue;
            };
            let (x, xa) = in_a[k];
            let (y, yb) = in_b[k];
            if matches!((x, y), (Item::Msg(_), Item::Msg(_))) {
                // Two messages out of order: agreed order reports it.
                continue;
            }
            let detail = format!(
                "delivered {x} where {} delivered {y} (its stream[{yb}]): \
                 a configuration change both install sits at different points",
                b.label()
            );
            found.push(Violation::in_stream(
                Property::ConfigChange,
                a.inc,
                *xa,
                detail,
            ));
        }
    }
    found
}
