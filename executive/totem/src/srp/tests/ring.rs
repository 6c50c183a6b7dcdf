//! Forming rings of one, two and three processors and ordering messages.

use super::pump::{payload, Event, Net};
use crate::api::{ConfChgKind, Guarantee, Input, McastError, Output};
use crate::srp::{Srp, State};
use crate::Config;

#[test]
fn a_lone_processor_forms_a_singleton_ring_and_delivers_its_messages() {
    let mut net = Net::with_nodes(&[7]);
    net.run_for(100);
    net.assert_ring(&[7]);
    let confs = net.node(7).confs();
    assert_eq!(confs.len(), 2);
    assert_eq!(confs[0].kind, ConfChgKind::Transitional);
    assert_eq!(confs[0].members, vec![7]);
    assert_eq!(confs[1].kind, ConfChgKind::Regular);
    assert_eq!(confs[1].members, vec![7]);
    assert_eq!(confs[1].joined, Vec::<u32>::new());
    assert_eq!(confs[1].ring_id.seq, 4);
    assert_eq!(net.node(7).srp.ring_seq_high(), 4);

    net.mcast(7, b"agreed", Guarantee::Agreed);
    net.mcast(7, b"safe", Guarantee::Safe);
    net.run_for(10);
    assert_eq!(
        net.node(7).delivered(),
        vec![b"agreed".to_vec(), b"safe".to_vec()]
    );
    assert!(net
        .node(7)
        .events
        .contains(&Event::Deliver(7, b"safe".to_vec())));
}

#[test]
fn ring_sequence_numbers_exceed_the_persisted_one() {
    let mut net = Net::new(Config::default());
    net.persisted.insert(3, 41);
    net.start(3);
    net.run_for(100);
    assert_eq!(net.node(3).srp.ring_id().seq, 45);
    assert_eq!(net.node(3).srp.ring_id().rep, 3);
}

#[test]
fn two_processors_form_one_ring_and_agree_on_order() {
    let mut net = Net::with_nodes(&[1, 2]);
    net.run_for(200);
    net.assert_ring(&[1, 2]);
    for i in 0..30 {
        net.mcast(1, &payload(1, i), Guarantee::Agreed);
        net.mcast(
            2,
            &payload(2, i),
            if i % 3 == 0 {
                Guarantee::Safe
            } else {
                Guarantee::Agreed
            },
        );
    }
    net.run_for(500);
    net.check_order();
    assert_eq!(net.node(1).delivered().len(), 60);
    assert_eq!(net.node(1).delivered(), net.node(2).delivered());
    // Deliveries carry the original sender.
    for e in &net.node(1).events {
        if let Event::Deliver(from, p) = e {
            assert!(p.starts_with(format!("{from}:").as_bytes()));
        }
    }
}

#[test]
fn three_processors_form_one_ring_and_every_message_is_delivered_everywhere() {
    let ids = [1, 2, 3];
    let mut net = Net::with_nodes(&ids);
    net.run_for(300);
    net.assert_ring(&ids);
    let last = net.node(2).last_regular().expect("regular configuration");
    assert_eq!(last.members, vec![1, 2, 3]);
    for i in 0..200 {
        for &id in &ids {
            net.mcast(
                id,
                &payload(id, i),
                if i % 5 == 0 {
                    Guarantee::Safe
                } else {
                    Guarantee::Agreed
                },
            );
        }
    }
    net.run_for(3000);
    net.check_order();
    for &id in &ids {
        assert_eq!(net.node(id).delivered().len(), 600, "node {id}");
        assert_eq!(net.node(id).srp.queued(), 0);
    }
    let s = net.node(1).srp.stats();
    assert_eq!(s.malformed_packets, 0);
    assert_eq!(s.token_losses, 0);
}

#[test]
fn flow_control_bounds_what_one_visit_sends() {
    let ids = [1, 2];
    let mut net = Net::with_nodes(&ids);
    net.run_for(200);
    net.assert_ring(&ids);
    // Count the messages node 1 sends in reply to one token.
    for i in 0..100 {
        net.mcast(1, &payload(1, i), Guarantee::Agreed);
    }
    net.run_for(2000);
    assert_eq!(net.node(2).delivered().len(), 100);
    let cfg = Config {
        max_messages: 5,
        ..Config::default()
    };
    let (mut srp, _) = Srp::new(cfg, 9, 0, crate::Time(0));
    let out = srp.handle(
        crate::Time::from_millis(60),
        Input::TimerFired(crate::TimerKind::Join),
    );
    assert_eq!(srp.state(), State::Operational);
    drop(out);
    let mut sent = 0;
    for i in 0..20 {
        let out = srp.handle(
            crate::Time::from_millis(61),
            Input::Mcast {
                payload: payload(9, i),
                guarantee: Guarantee::Agreed,
            },
        );
        sent += out
            .iter()
            .filter(|o| matches!(o, Output::Send { .. }))
            .count();
    }
    // A singleton sends everything, visit after visit.
    assert_eq!(sent, 20);
}

#[test]
fn a_window_smaller_than_the_ring_still_gives_every_member_its_turn() {
    // Six members compete for a window of three messages per rotation:
    // each member's share is half a message, and shares must accrue, or
    // the first members of the ring take the whole window every rotation.
    let ids = [1, 2, 3, 4, 5, 6];
    let mut net = Net::new(Config {
        window_size: 3,
        max_messages: 1,
        ..Config::default()
    });
    for &id in &ids {
        net.start(id);
    }
    net.run_for(300);
    net.assert_ring(&ids);
    for &id in &ids {
        for i in 0..40 {
            net.mcast(id, &payload(id, i), Guarantee::Agreed);
        }
    }
    // 240 messages at 3 a rotation: 80 rotations. After a quarter of
    // that, every member has sent some.
    net.run_for(120);
    let so_far = net.node(1).delivered();
    assert!(so_far.len() < 240);
    for &id in &ids {
        let prefix = format!("{id}:");
        assert!(
            so_far.iter().any(|p| p.starts_with(prefix.as_bytes())),
            "member {id} has not sent yet; {} delivered",
            so_far.len()
        );
    }
    net.run_for(3000);
    for &id in &ids {
        assert_eq!(net.node(id).delivered().len(), 240, "node {id}");
        assert_eq!(net.node(id).srp.queued(), 0);
    }
    net.check_order();
}

#[test]
fn oversized_and_overflowing_multicasts_are_refused_and_counted() {
    let (mut srp, _) = Srp::new(Config::default(), 1, 0, crate::Time(0));
    let max = srp.max_payload();
    assert_eq!(max, 1500 - crate::wire::McastMsg::MAX_OVERHEAD);
    assert_eq!(
        srp.mcast(crate::Time(1), vec![0; max + 1], Guarantee::Agreed),
        Err(McastError::TooLarge)
    );
    let _ = srp.handle(
        crate::Time(1),
        Input::Mcast {
            payload: vec![0; max + 1],
            guarantee: Guarantee::Agreed,
        },
    );
    assert_eq!(srp.stats().mcast_too_large, 2);
    // Still gathering: messages queue up until the queue is full.
    for _ in 0..crate::srp::SEND_QUEUE_LIMIT {
        assert!(srp
            .mcast(crate::Time(1), vec![1; max], Guarantee::Agreed)
            .is_ok());
    }
    assert!(srp.queue_full());
    assert_eq!(
        srp.mcast(crate::Time(1), vec![1], Guarantee::Agreed),
        Err(McastError::QueueFull)
    );
    assert_eq!(srp.stats().mcast_queue_full, 1);
    // Once the singleton ring forms, the queue drains and frees up.
    let out = srp.handle(
        crate::Time::from_millis(60),
        Input::TimerFired(crate::TimerKind::Join),
    );
    let delivered = out
        .iter()
        .filter(|o| matches!(o, Output::Deliver { .. }))
        .count();
    assert_eq!(delivered, crate::srp::SEND_QUEUE_LIMIT);
    assert!(!srp.queue_full());
    for o in &out {
        if let Output::Send { bytes, .. } = o {
            assert!(bytes.len() <= 1500);
        }
    }
}

#[test]
fn malformed_packets_are_counted_and_dropped() {
    let (mut srp, _) = Srp::new(Config::default(), 1, 0, crate::Time(0));
    let out = srp.handle(
        crate::Time(5),
        Input::Packet {
            from: 2,
            bytes: vec![1, 2, 3],
        },
    );
    assert!(out.is_empty());
    let _ = srp.handle(
        crate::Time(5),
        Input::Packet {
            from: 2,
            bytes: vec![],
        },
    );
    let _ = srp.handle(
        crate::Time(5),
        Input::Packet {
            from: 2,
            bytes: vec![9, 1, 0, 0],
        },
    );
    assert_eq!(srp.stats().malformed_packets, 3);
    assert_eq!(srp.state(), State::Gather);
}

#[test]
fn a_message_queued_beside_a_held_token_is_delivered_without_waiting_for_the_hold() {
    let ids = [1, 2, 3];
    let mut net = Net::with_nodes(&ids);
    let cancels = std::rc::Rc::new(std::cell::Cell::new(0u32));
    let seen = cancels.clone();
    net.fate = Box::new(move |_, _, p| {
        if matches!(p, crate::wire::Packet::HoldCancel(_)) {
            seen.set(seen.get() + 1);
        }
        Some(0)
    });
    net.run_for(1000);
    net.assert_ring(&ids);
    assert_eq!(cancels.get(), 0, "an idle ring sends no hold cancel");
    // Step until node 1, the representative, has just begun to hold the
    // token of the idle ring.
    let holds = net.node(1).srp.stats().token_holds;
    assert!(holds > 0, "the idle ring's token is held");
    let mut steps = 0;
    while net.node(1).srp.stats().token_holds == holds {
        net.run_for(1);
        steps += 1;
        assert!(steps < 1000, "the token is held again");
    }
    let hold = net.cfg.hold;
    assert!(hold >= 100);
    for i in 0..3 {
        net.mcast(3, &payload(3, i), Guarantee::Agreed);
    }
    net.run_for(hold / 4);
    for &id in &ids {
        assert_eq!(net.node(id).delivered().len(), 3, "node {id}");
    }
    // Two copies (one per other member) of a single multicast: one per
    // visit, however many messages were queued.
    assert_eq!(cancels.get(), 2);
    assert_eq!(net.node(1).srp.stats().token_holds, holds + 1);
    net.check_order();
}
