//! The fuzz corpora: built from real traffic (messages encoded by the
//! crates' own encoders, exec messages the services multicast on the
//! harness's cluster, Totem packets of a ring forming and carrying
//! messages), and replayed by `cargo test` so that every input ever
//! checked in keeps passing on the stable toolchain.
//!
//! `cargo test -p aisexec fuzzing::seeds::write_corpus -- --ignored`
//! rewrites `fuzz/corpus/<target>/seed-*` (files libFuzzer added by hand
//! are kept).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use sa_abi::ais::SA_TIME_END;
use sa_abi::ckpt::{SA_CKPT_CHECKPOINT_CREATE, SA_CKPT_CHECKPOINT_READ, SA_CKPT_CHECKPOINT_WRITE};
use sa_ipc::frame::{Frame, KIND_HELLO};
use sa_ipc::hello::{Hello, Role, PROTOCOL_VERSION};
use sa_ipc::proto::{cfg, ckpt, clm, cpg, evs, evt, lck, service, Message, Payload};
use sa_ipc::Name;
use totem::crypto::PacketSecurity;
use totem::pg::{Limits, ProcessGroup};
use totem::{Config, Dest, Guarantee, Input as SrpInput, NodeId, Output, Srp, Time, TimerKind};

use super::cluster::{op, Harness, SERVICES};
use super::input::Output as Bytes;
use super::totem::{datagram_flag, AUTHKEY};

/// A fuzz target's name and entry point.
type Target = (&'static str, fn(&[u8]));

/// Every target.
const TARGETS: &[Target] = &[
    ("totem_packet", super::totem_packet),
    ("totem_datagram", super::totem_datagram),
    ("totem_pg", super::totem_pg),
    ("ipc_stream", super::ipc_stream),
    ("exec_deliver", super::exec_deliver),
    ("sync_merge", super::sync),
    ("cluster", super::cluster),
    ("config", super::config),
];

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// Every checked-in input of every target runs without a panic: the
/// corpora and `fuzz/regressions/<target>/` (inputs that once failed).
#[test]
fn checked_in_inputs_replay() {
    let mut ran = 0;
    for (target, run) in TARGETS {
        for dir in ["corpus", "regressions"] {
            let Ok(entries) = fs::read_dir(fuzz_dir().join(dir).join(target)) else {
                continue;
            };
            for entry in entries {
                let path = entry.unwrap().path();
                let data = fs::read(&path).unwrap();
                let outcome = std::panic::catch_unwind(|| run(&data));
                assert!(outcome.is_ok(), "{target}: {} panicked", path.display());
                ran += 1;
            }
        }
    }
    assert!(
        ran > 0,
        "no fuzz inputs found under {}",
        fuzz_dir().display()
    );
}

/// The seeds: rewrites `fuzz/corpus/<target>/seed-*`.
#[test]
#[ignore = "writes the checked-in corpus; run by hand"]
fn write_corpus() {
    let mut corpora: BTreeMap<&str, Vec<(String, Vec<u8>)>> = BTreeMap::new();
    let packets = totem_traffic();
    corpora.insert(
        "totem_packet",
        packets
            .iter()
            .map(|(n, p)| (n.clone(), p.clone()))
            .collect(),
    );
    corpora.insert("totem_datagram", datagrams(&packets));
    corpora.insert("totem_pg", pg_seeds());
    corpora.insert("ipc_stream", ipc_seeds());
    let scripts = scripts();
    let traffic = exec_traffic(&scripts);
    corpora.insert("exec_deliver", exec_seeds(&traffic));
    corpora.insert("sync_merge", sync_seeds());
    corpora.insert("cluster", scripts);
    corpora.insert("config", config_seeds());
    for (target, seeds) in corpora {
        let dir = fuzz_dir().join("corpus").join(target);
        fs::create_dir_all(&dir).unwrap();
        for old in fs::read_dir(&dir).unwrap() {
            let path = old.unwrap().path();
            if path
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("seed-")
            {
                fs::remove_file(path).unwrap();
            }
        }
        for (name, data) in seeds {
            assert!(data.len() < 64 * 1024, "{target}/{name} is too large");
            fs::write(dir.join(format!("seed-{name}")), data).unwrap();
        }
    }
}

/// Totem packets of three processors forming a ring, carrying the
/// process-group payloads of exec messages, and one leaving: one packet
/// of each type and size, named by type.
fn totem_traffic() -> Vec<(String, Vec<u8>)> {
    let ids: [NodeId; 3] = [1, 2, 3];
    let mut now = Time(0);
    let mut nodes = Vec::new();
    let mut timers: Vec<BTreeMap<TimerKind, Time>> = Vec::new();
    let mut queue: Vec<(usize, NodeId, Vec<u8>)> = Vec::new();
    let mut captured: Vec<Vec<u8>> = Vec::new();
    let mut pgs = Vec::new();
    for &id in &ids {
        let (srp, out) = Srp::new(Config::default(), id, 0, now);
        pgs.push(ProcessGroup::new(id, Limits::new(srp.max_payload())).unwrap());
        nodes.push(srp);
        timers.push(BTreeMap::new());
        let i = nodes.len() - 1;
        route(i, &ids, out, &mut queue, &mut timers[i]);
    }
    let messages = [
        super::super::service::exec_message::encode(service::CKPT, 0x22, &[1; 24]),
        super::super::service::exec_message::encode(service::EVT, 3, b"an event"),
        vec![0x5a; 3000],
    ];
    let mut sent_messages = false;
    let mut left = false;
    for _ in 0..20_000 {
        if let Some((to, from, bytes)) = queue.pop() {
            captured.push(bytes.clone());
            let out = nodes[to].handle(now, SrpInput::Packet { from, bytes });
            route(to, &ids, out, &mut queue, &mut timers[to]);
            continue;
        }
        let formed = nodes.iter().all(|n| n.members().len() == 3);
        if formed && !sent_messages {
            sent_messages = true;
            for (i, m) in messages.iter().enumerate() {
                let at = i % nodes.len();
                pgs[at].mcast(Guarantee::Agreed, m).unwrap();
                while let Some(p) = pgs[at].pop_payload() {
                    let out = nodes[at].handle(
                        now,
                        SrpInput::Mcast {
                            payload: p.bytes,
                            guarantee: p.guarantee,
                        },
                    );
                    route(at, &ids, out, &mut queue, &mut timers[at]);
                }
            }
            continue;
        }
        if sent_messages && !left && now > Time::from_millis(5_000) {
            left = true;
            let out = nodes[2].leave(now);
            route(2, &ids, out, &mut queue, &mut timers[2]);
            continue;
        }
        let Some((i, kind, at)) = timers
            .iter()
            .enumerate()
            .flat_map(|(i, t)| t.iter().map(move |(k, at)| (i, *k, *at)))
            .min_by_key(|(_, _, at)| *at)
        else {
            break;
        };
        if at > Time::from_millis(10_000) {
            break;
        }
        now = now.max(at);
        timers[i].remove(&kind);
        let out = nodes[i].handle(now, SrpInput::TimerFired(kind));
        route(i, &ids, out, &mut queue, &mut timers[i]);
    }
    let mut seen = BTreeSet::new();
    let mut picked = Vec::new();
    for p in captured {
        let tag = p.get(1).copied().unwrap_or(0);
        if seen.insert((tag, p.len())) && picked.iter().filter(|(t, _)| *t == tag).count() < 6 {
            picked.push((tag, p));
        }
    }
    let name = |tag: u8| match tag {
        1 => "mcast",
        2 => "token",
        3 => "join",
        4 => "commit",
        5 => "merge-detect",
        6 => "leave",
        7 => "hold-cancel",
        _ => "other",
    };
    picked
        .into_iter()
        .enumerate()
        .map(|(i, (tag, p))| (format!("{}-{i:02}", name(tag)), p))
        .collect()
}

fn route(
    at: usize,
    ids: &[NodeId],
    out: Vec<Output>,
    queue: &mut Vec<(usize, NodeId, Vec<u8>)>,
    timers: &mut BTreeMap<TimerKind, Time>,
) {
    for o in out {
        match o {
            Output::Send { to, bytes } => {
                for (i, id) in ids.iter().enumerate() {
                    let wanted = match to {
                        Dest::Multicast => i != at,
                        Dest::Node(n) => n == *id,
                    };
                    if wanted {
                        queue.insert(0, (i, ids[at], bytes.clone()));
                    }
                }
            }
            Output::SetTimer(kind, when) => {
                timers.insert(kind, when);
            }
            Output::CancelTimer(kind) => {
                timers.remove(&kind);
            }
            Output::Deliver { .. } | Output::ConfChg(_) => {}
        }
    }
}

/// The packets sealed as node 1 sends them, under both modes, and as
/// plaintexts the target seals itself.
fn datagrams(packets: &[(String, Vec<u8>)]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for (i, (name, packet)) in packets.iter().enumerate().step_by(2) {
        for on in [false, true] {
            let security = if on {
                PacketSecurity::from_authkey(&AUTHKEY).unwrap()
            } else {
                PacketSecurity::integrity_only()
            };
            let mut framing = crate::net::security::Framing::new(security, 1, 1);
            let mut datagram = Vec::new();
            framing.seal(packet, &mut datagram);
            let flags = if on { datagram_flag::SECAUTH_ON } else { 0 };
            let mode = if on { "on" } else { "off" };
            let mut seed = vec![flags];
            seed.extend_from_slice(&datagram);
            out.push((format!("{mode}-{name}"), seed));
            if i % 4 == 0 {
                let mut seed = vec![flags | datagram_flag::SEAL];
                seed.extend_from_slice(&[7; 16]);
                // The sealed plaintext: sender, incarnation, counter, packet.
                seed.extend_from_slice(&1u32.to_le_bytes());
                seed.extend_from_slice(&1u64.to_le_bytes());
                seed.extend_from_slice(&1u64.to_le_bytes());
                seed.extend_from_slice(packet);
                out.push((format!("{mode}-sealed-{name}"), seed));
            }
        }
    }
    out
}

/// Payloads of node 2's process-group layer: small messages packed,
/// a large one fragmented, with a configuration change between.
fn pg_seeds() -> Vec<(String, Vec<u8>)> {
    let mut pg = ProcessGroup::new(2, Limits::new(1400)).unwrap();
    let mut payloads = Vec::new();
    for m in [&b"small"[..], &[1; 200], &[2; 5000], b"after"] {
        pg.mcast(Guarantee::Agreed, m).unwrap();
        while let Some(p) = pg.pop_payload() {
            payloads.push(p.bytes);
        }
    }
    let mut seeds = Vec::new();
    let mut all = Bytes::default();
    for (i, p) in payloads.iter().enumerate() {
        let mut one = Bytes::default();
        one.u8(0).u8(0).sized(p);
        seeds.push((format!("payload-{i}"), one.data));
        all.u8(0).u8(0).sized(p);
        if i == 2 {
            all.u8(1).u8(0b1111);
        }
    }
    all.u8(2).sized(b"own message");
    all.u8(1).u8(0b0011);
    seeds.push(("stream".into(), all.data));
    seeds
}

/// A client's request stream: its hello, then requests of its service.
fn stream(svc: u16, chunk: u8, requests: &[(u16, Vec<u8>)]) -> Vec<u8> {
    let hello = Hello {
        role: Role::Request,
        service: svc,
        version: PROTOCOL_VERSION,
        conn_id: 0,
    };
    let mut out = vec![chunk];
    let frame = Frame::request(svc, KIND_HELLO, 1, hello.to_payload());
    out.extend(frame.to_bytes().unwrap());
    for (seq, (kind, payload)) in requests.iter().enumerate() {
        let frame = Frame::request(svc, *kind, seq as u32 + 2, payload.clone());
        out.extend(frame.to_bytes().unwrap());
    }
    out
}

fn req<M: Message>(m: &M) -> (u16, Vec<u8>) {
    (M::KIND, m.to_payload())
}

fn ipc_seeds() -> Vec<(String, Vec<u8>)> {
    let group = cpg::GroupName::new(b"group").unwrap();
    let key = evs::GroupKey([3; 32]);
    let name = Name::try_from("checkpoint").unwrap();
    let evt_attrs = evt::Attributes {
        patterns: vec![b"p".to_vec(), b"pattern two".to_vec()],
        priority: 2,
        retention: 1_000_000_000,
        publisher: Name::try_from("me").unwrap(),
    };
    let mut seeds = vec![
        (
            "clm".to_string(),
            stream(
                service::CLM,
                0,
                &[
                    req(&clm::Track {
                        changes: clm::TrackChanges::ChangesOnly,
                        current: clm::CurrentView::InReply,
                        max_items: 4,
                    }),
                    req(&clm::NodeGet {
                        node_id: 2,
                        timeout: SA_TIME_END,
                    }),
                    req(&clm::TrackStop),
                ],
            ),
        ),
        (
            "ckpt".to_string(),
            stream(
                service::CKPT,
                7,
                &[
                    req(&ckpt::Open {
                        open_id: 1,
                        name: name.clone(),
                        flags: SA_CKPT_CHECKPOINT_CREATE | SA_CKPT_CHECKPOINT_WRITE,
                        attributes: Some(ckpt::CreationAttributes {
                            creation_flags: 1,
                            checkpoint_size: 1000,
                            retention_duration: 5,
                            max_sections: 3,
                            max_section_size: 100,
                            max_section_id_size: 8,
                        }),
                    }),
                    req(&ckpt::SectionCreate {
                        open_id: 1,
                        section_id: b"s".to_vec(),
                        expiration: SA_TIME_END,
                        data: b"data".to_vec(),
                    }),
                    req(&ckpt::Write {
                        open_id: 1,
                        elements: vec![ckpt::WriteElement {
                            section_id: b"s".to_vec(),
                            offset: 1,
                            data: b"xy".to_vec(),
                        }],
                    }),
                    req(&ckpt::Read {
                        open_id: 1,
                        elements: vec![ckpt::ReadElement {
                            section_id: b"s".to_vec(),
                            offset: 0,
                            size: 10,
                        }],
                    }),
                    req(&ckpt::Iterate {
                        open_id: 1,
                        chosen: 1,
                        expiration: 0,
                        after: None,
                        max_sections: 10,
                    }),
                    req(&ckpt::Close { open_id: 1 }),
                    req(&ckpt::Unlink { name }),
                ],
            ),
        ),
        (
            "evt".to_string(),
            stream(
                service::EVT,
                16,
                &[
                    req(&evt::ChannelOpen {
                        name: Name::try_from("channel").unwrap(),
                        flags: evt::open_flags::ALL,
                        invocation: Some(9),
                    }),
                    req(&evt::Subscribe {
                        open_id: 1,
                        subscription_id: 2,
                        filters: vec![evt::Filter {
                            kind: evt::FilterKind::Prefix,
                            pattern: b"p".to_vec(),
                        }],
                    }),
                    req(&evt::Publish {
                        open_id: 1,
                        attributes: evt_attrs,
                        data: b"event".to_vec(),
                    }),
                    req(&evt::Pull { max: 8 }),
                ],
            ),
        ),
        (
            "evs".to_string(),
            stream(
                service::EVS,
                1,
                &[
                    req(&evs::Join { groups: vec![key] }),
                    req(&evs::McastGroups {
                        guarantee: evs::Guarantee::Safe,
                        groups: vec![key],
                        data: b"to the group".to_vec(),
                    }),
                    req(&evs::McastJoined {
                        guarantee: evs::Guarantee::Agreed,
                        data: b"joined".to_vec(),
                    }),
                    req(&evs::MembershipGet),
                    req(&evs::Leave { groups: vec![key] }),
                ],
            ),
        ),
        (
            "cpg".to_string(),
            stream(
                service::CPG,
                3,
                &[
                    req(&cpg::Join {
                        group: group.clone(),
                    }),
                    req(&cpg::Mcast {
                        guarantee: evs::Guarantee::Agreed,
                        data: b"message".to_vec(),
                    }),
                    req(&cpg::MembershipGet {
                        group: group.clone(),
                    }),
                    req(&cpg::LocalGet),
                    req(&cpg::Leave { group }),
                ],
            ),
        ),
        (
            "cfg".to_string(),
            stream(
                service::CFG,
                0,
                &[req(&cfg::RingStatusGet), req(&cfg::RingReenable)],
            ),
        ),
    ];
    let dispatch = Hello {
        role: Role::Dispatch,
        service: service::EVT,
        version: PROTOCOL_VERSION,
        conn_id: 0x1234_5678_9abc_def0,
    };
    let mut d = vec![0];
    d.extend(
        Frame::request(service::EVT, KIND_HELLO, 1, dispatch.to_payload())
            .to_bytes()
            .unwrap(),
    );
    seeds.push(("dispatch-hello".into(), d));
    // Callbacks, as the library reads them.
    let mut cb = vec![0];
    for frame in [
        Frame::callback(service::EVT, evt::EventAvailable::KIND, 0, Vec::new()),
        Frame::callback(
            service::CKPT,
            ckpt::OpenCallback::KIND,
            1,
            ckpt::OpenCallback {
                invocation: 3,
                open_id: 4,
                attributes: None,
            }
            .to_payload(),
        ),
        Frame::callback(
            service::EVS,
            evs::ConfChgCallback::KIND,
            0,
            evs::ConfChgCallback {
                members: vec![1, 2],
                left: vec![3],
                joined: vec![],
            }
            .to_payload(),
        ),
        Frame::callback(
            service::CPG,
            cpg::FlowControlCallback::KIND,
            0,
            cpg::FlowControlCallback { enabled: false }.to_payload(),
        ),
    ] {
        cb.extend(frame.to_bytes().unwrap());
    }
    seeds.push(("callbacks".into(), cb));
    seeds
}

/// Scripts of the `cluster` target: what the services' unit tests do,
/// on two nodes.
fn scripts() -> Vec<(String, Vec<u8>)> {
    let crw = SA_CKPT_CHECKPOINT_CREATE | SA_CKPT_CHECKPOINT_READ | SA_CKPT_CHECKPOINT_WRITE;
    let attrs = |size: u64| ckpt::CreationAttributes {
        creation_flags: sa_abi::ckpt::SA_CKPT_WR_ALL_REPLICAS,
        checkpoint_size: size,
        retention_duration: 2_000_000_000,
        max_sections: 4,
        max_section_size: size,
        max_section_id_size: 16,
    };
    let open = |size| ckpt::Open {
        open_id: 1,
        name: Name::try_from("ckpt").unwrap(),
        flags: crw,
        attributes: Some(attrs(size)),
    };
    let section = ckpt::SectionCreate {
        open_id: 1,
        section_id: b"s".to_vec(),
        expiration: SA_TIME_END,
        data: b"data".to_vec(),
    };
    let write = |offset| ckpt::Write {
        open_id: 1,
        elements: vec![ckpt::WriteElement {
            section_id: b"s".to_vec(),
            offset,
            data: b"written".to_vec(),
        }],
    };
    let read = ckpt::Read {
        open_id: 1,
        elements: vec![ckpt::ReadElement {
            section_id: b"s".to_vec(),
            offset: 0,
            size: 32,
        }],
    };
    let group = cpg::GroupName::new(b"g").unwrap();
    let mut out = Vec::new();

    let mut s = Script::default();
    s.ring(false)
        .open(0, 1, service::CKPT)
        .call(0, 1, &open(1000))
        .call(0, 1, &section);
    s.call(0, 1, &write(2))
        .open(1, 1, service::CKPT)
        .call(1, 1, &read);
    s.call(0, 1, &ckpt::Close { open_id: 1 })
        .timers(0, 5)
        .pump();
    out.push(("ckpt".to_string(), s.data()));

    // A lock held on one node, wanted on the other, released by the
    // holder's connection closing.
    let lck_open = |open_id| lck::Open {
        open_id,
        name: Name::try_from("resource").unwrap(),
        flags: sa_abi::lck::SA_LCK_RESOURCE_CREATE,
    };
    let lock = |open_id, lock_id| lck::Lock {
        open_id,
        lock_id,
        mode: lck::Mode::Ex,
        flags: 0,
        waiter_signal: 7,
        timeout: 5_000_000_000,
    };
    let mut s = Script::default();
    s.ring(false)
        .open(0, 2, service::LCK)
        .call(0, 2, &lck_open(1))
        .call(0, 2, &lock(1, 1))
        .open(1, 2, service::LCK)
        .call(1, 2, &lck_open(2));
    s.call(1, 2, &lock(2, 2)).close(0, 2).pump().timers(1, 6);
    s.call(1, 2, &lck::Unlock { lock_id: 2 }).pump();
    out.push(("lck".to_string(), s.data()));

    // A write at a huge offset into a checkpoint of unlimited size (once
    // a panic of every replica).
    let mut s = Script::default();
    s.ring(false)
        .open(0, 1, service::CKPT)
        .call(0, 1, &open(u64::MAX));
    s.call(0, 1, &section)
        .call(0, 1, &write(0xffff_ffff_ffff_ff00));
    out.push(("ckpt-huge-offset".to_string(), s.data()));

    let mut s = Script::default();
    s.ring(false)
        .open(0, 1, service::CKPT)
        .call(0, 1, &open(1000))
        .call(0, 1, &section);
    s.ring(true).call(0, 1, &write(0)).open(1, 2, service::CKPT);
    s.call(
        1,
        2,
        &ckpt::Open {
            open_id: 2,
            ..open(1000)
        },
    )
    .ring(false)
    .pump();
    s.call(1, 2, &read).restart(1).ring(false).pump();
    out.push(("ckpt-partition".to_string(), s.data()));

    let mut s = Script::default();
    s.ring(false).open(0, 2, service::EVT).call(
        0,
        2,
        &evt::ChannelOpen {
            name: Name::try_from("ch").unwrap(),
            flags: evt::open_flags::ALL,
            invocation: None,
        },
    );
    s.call(
        0,
        2,
        &evt::Subscribe {
            open_id: 1,
            subscription_id: 1,
            filters: vec![evt::Filter {
                kind: evt::FilterKind::PassAll,
                pattern: vec![],
            }],
        },
    );
    s.call(
        0,
        2,
        &evt::Publish {
            open_id: 1,
            attributes: evt::Attributes {
                patterns: vec![b"x".to_vec()],
                priority: 0,
                retention: 1_000_000_000,
                publisher: Name::try_from("p").unwrap(),
            },
            data: b"ev".to_vec(),
        },
    );
    s.call(0, 2, &evt::Pull { max: 4 })
        .timers(0, 3)
        .timers(1, 6)
        .pump();
    s.ring(true).ring(false).pump().close(0, 2).pump();
    out.push(("evt".to_string(), s.data()));

    let mut s = Script::default();
    s.ring(false)
        .open(0, 3, service::CPG)
        .open(1, 3, service::CPG);
    s.call(
        0,
        3,
        &cpg::Join {
            group: group.clone(),
        },
    )
    .call(
        1,
        3,
        &cpg::Join {
            group: group.clone(),
        },
    );
    s.call(
        0,
        3,
        &cpg::Mcast {
            guarantee: evs::Guarantee::Agreed,
            data: b"m".to_vec(),
        },
    );
    s.full(0)
        .call(
            0,
            3,
            &cpg::Leave {
                group: group.clone(),
            },
        )
        .close(0, 3)
        .full(0)
        .pump();
    s.call(1, 3, &cpg::MembershipGet { group })
        .ring(true)
        .pump()
        .ring(false)
        .pump();
    out.push(("cpg".to_string(), s.data()));

    let mut s = Script::default();
    let key = evs::GroupKey([1; 32]);
    s.ring(false)
        .open(1, 0, service::EVS)
        .call(1, 0, &evs::Join { groups: vec![key] });
    s.call(
        1,
        0,
        &evs::McastGroups {
            guarantee: evs::Guarantee::Safe,
            groups: vec![key],
            data: b"x".to_vec(),
        },
    );
    s.call(1, 0, &evs::MembershipGet)
        .ring(true)
        .ring(false)
        .pump();
    out.push(("evs".to_string(), s.data()));

    let mut s = Script::default();
    s.ring(false).open(0, 0, service::CLM).call(
        0,
        0,
        &clm::Track {
            changes: clm::TrackChanges::Changes,
            current: clm::CurrentView::AsCallback,
            max_items: 0,
        },
    );
    s.call(
        0,
        0,
        &clm::NodeGet {
            node_id: 2,
            timeout: SA_TIME_END,
        },
    );
    s.open(0, 4, service::CFG)
        .call(0, 4, &cfg::RingStatusGet)
        .restart(1)
        .ring(false)
        .pump();
    out.push(("clm-cfg".to_string(), s.data()));

    let mut s = Script::default();
    s.ring(false)
        .pump_one(0)
        .pump_one(1)
        .ring(true)
        .pump_one(0)
        .ring(false);
    s.exec(
        0,
        &super::super::service::exec_message::encode(0xffff, 1, &[0; 12]),
    )
    .pump();
    out.push(("sync-steps".to_string(), s.data()));
    out
}

/// Writes scripts of the `cluster` target.
#[derive(Default)]
struct Script(Bytes);

impl Script {
    fn data(&self) -> Vec<u8> {
        self.0.data.clone()
    }
    fn open(&mut self, at: u8, conn: u8, svc: u16) -> &mut Script {
        let index = SERVICES.iter().position(|s| *s == svc).unwrap() as u8;
        self.0.u8(op::OPEN).u8(at).u8(conn).u8(index);
        self
    }
    fn close(&mut self, at: u8, conn: u8) -> &mut Script {
        self.0.u8(op::CLOSE).u8(at).u8(conn);
        self
    }
    /// A request, then the cluster runs.
    fn call<M: Message>(&mut self, at: u8, conn: u8, m: &M) -> &mut Script {
        self.0
            .u8(op::REQUEST)
            .u8(at)
            .u8(conn)
            .u16(M::KIND)
            .sized(&m.to_payload());
        self.pump()
    }
    fn exec(&mut self, target: u8, message: &[u8]) -> &mut Script {
        self.0.u8(op::EXEC).u8(target).sized(message);
        self
    }
    fn pump_one(&mut self, at: u8) -> &mut Script {
        self.0.u8(op::PUMP_ONE).u8(at);
        self
    }
    fn pump(&mut self) -> &mut Script {
        self.0.u8(op::PUMP_ALL);
        self
    }
    fn ring(&mut self, split: bool) -> &mut Script {
        self.0.u8(op::RING).u8(u8::from(split));
        self.pump()
    }
    fn timers(&mut self, at: u8, seconds: u16) -> &mut Script {
        self.0.u8(op::TIMERS).u8(at).u16(seconds);
        self
    }
    fn full(&mut self, at: u8) -> &mut Script {
        self.0.u8(op::FULL).u8(at);
        self
    }
    fn restart(&mut self, at: u8) -> &mut Script {
        self.0.u8(op::RESTART).u8(at);
        self
    }
}

/// Every exec message the cluster scripts and the state-building set-up
/// make the services multicast.
fn exec_traffic(scripts: &[(String, Vec<u8>)]) -> Vec<Vec<u8>> {
    let mut h = Harness::new();
    h.record(true);
    for (_, s) in scripts {
        h.run_script(s);
    }
    let mut messages = h.take_recorded();
    let mut h = Harness::merging();
    h.record(true);
    h.pump_all();
    messages.extend(h.take_recorded());
    messages
}

/// One message of each service and kind (the first few bytes of each
/// differ), and a few sequences.
fn exec_seeds(traffic: &[Vec<u8>]) -> Vec<(String, Vec<u8>)> {
    let mut by_kind: BTreeMap<[u8; 4], Vec<&Vec<u8>>> = BTreeMap::new();
    for m in traffic {
        if let Some(head) = m.first_chunk::<4>() {
            by_kind.entry(*head).or_default().push(m);
        }
    }
    let mut seeds = Vec::new();
    for (head, ms) in &by_kind {
        let svc = u16::from_le_bytes([head[0], head[1]]);
        let kind = u16::from_le_bytes([head[2], head[3]]);
        for (i, m) in ms.iter().take(2).enumerate() {
            if m.len() >= 60_000 {
                continue;
            }
            let mut b = Bytes::default();
            b.u8(2 * i as u8).sized(m);
            seeds.push((
                format!("{}-{kind:#x}-{i}", service::name(svc).to_lowercase()),
                b.data,
            ));
        }
    }
    let mut all = Bytes::default();
    for m in traffic.iter().filter(|m| m.len() < 1000).take(40) {
        all.u8(0).sized(m);
    }
    seeds.push(("sequence".to_string(), all.data));
    seeds
}

/// The sync traffic of the merge, as inject records, and delivery orders.
fn sync_seeds() -> Vec<(String, Vec<u8>)> {
    let mut h = Harness::merging();
    h.record(true);
    h.pump_all();
    let traffic = h.take_recorded();
    let mut seeds = Vec::new();
    let mut inject_all = Bytes::default();
    for (i, m) in traffic.iter().enumerate() {
        inject_all.u8(0).u8(0).sized(m);
        if m.len() < 60_000 && i % 3 == 0 {
            let mut one = Bytes::default();
            one.u8(1).u8(2).u8(0).u8(2).sized(m).u8(1).u8(2);
            seeds.push((format!("message-{i:02}"), one.data));
        }
    }
    if inject_all.data.len() < 60_000 {
        seeds.push(("inject-all".to_string(), inject_all.data));
    }
    seeds.push(("alternate".to_string(), [1, 2].repeat(40)));
    seeds.push((
        "node-two-first".to_string(),
        [[2].repeat(30), [1].repeat(30)].concat(),
    ));
    seeds.push((
        "queue-full".to_string(),
        vec![3, 0, 1, 2, 2, 1, 3, 0, 1, 1, 2],
    ));
    seeds
}

fn config_seeds() -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../conf");
    let mut seeds = Vec::new();
    for name in ["openais.conf", "single-node.conf", "redundant-rings.conf"] {
        seeds.push((name.to_string(), fs::read(root.join(name)).unwrap()));
    }
    let texts = [
        ("udpu", "totem {\n version: 2\n secauth: off\n transport: udpu\n interface {\n  ringnumber: 0\n  bindnetaddr: 127.0.0.0\n }\n member {\n  memberaddr: 127.0.0.1\n }\n member {\n  memberaddr: 127.0.0.2\n }\n}\n"),
        ("network-timeout", "network {\n\tversion: 2\n\tbindnetaddr: 10.0.0.0\n\tmcastaddr: 226.94.1.1\n\tmcastport: 6000\n}\ntimeout {\n\ttoken: 3000\n\tjoin: 60\n}\n"),
        ("sections", "totem {\n\tversion: 2\n\tnodeid: 7\n\tkey: 0123456789\n\tinterface {\n\t\tbindnetaddr: fd00::\n\t\tmcastaddr: ff15::1\n\t}\n}\nlogging {\n\tto_stderr: yes\n\tdebug: on\n\tlogger_subsys {\n\t\tsubsys: CKPT\n\t\tdebug: on\n\t}\n}\naisexec {\n\tuser: root\n\tgroup: root\n}\namf {\n\tmode: disabled\n}\nevent {\n\tdelivery_queue_size: 10\n\tdelivery_queue_resume: 5\n}\ncheckpoint {\n\tmax_checkpoint_size: 1048576\n\tmax_total_size: 2097152\n}\n"),
        ("nested", "totem {\n version: 2\n a {\n b {\n c {\n }\n }\n }\n}\n"),
    ];
    for (name, text) in texts {
        seeds.push((name.to_string(), text.as_bytes().to_vec()));
    }
    seeds
}

/// The set-up the targets start from holds what it claims: the write of
/// node 1 reads back on node 2, after the merge too.
#[test]
fn the_harness_state_is_replicated() {
    let read = ckpt::Read {
        open_id: 5,
        elements: vec![ckpt::ReadElement {
            section_id: b"section".to_vec(),
            offset: 0,
            size: 64,
        }],
    };
    let mut h = Harness::with_state();
    assert!(h.is_operational());
    let reply = h.call(1, 1, &read).expect("an answer");
    assert_eq!(reply.error, sa_abi::ais::SA_AIS_OK);
    let text = String::from_utf8_lossy(&reply.payload).into_owned();
    assert!(text.contains("sectwritten"), "{text:?}");

    let mut h = Harness::merging();
    assert!(!h.is_operational());
    h.pump_all();
    assert!(h.is_operational());
    let reply = h.call(1, 1, &read).expect("an answer");
    assert_eq!(reply.error, sa_abi::ais::SA_AIS_OK);
}
