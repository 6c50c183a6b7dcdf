//! AMF on three real executives (udpu on 127.0.0.1-3, each naming its
//! safAmfNode with `amf { node_name }`): the test plays the components
//! through the library protocol. A 2N group comes up ACTIVE/STANDBY, an
//! N+M group assigns three SIs by rank, a no-redundancy group assigns each
//! SI once; SIGINT of the active node's executive makes the standby ACTIVE
//! before that executive leaves. Figures are printed (`--nocapture`).

mod cluster_support;

use std::time::{Duration, Instant};

use cluster_support::amf::{ha, name, view};
use cluster_support::{free_port, keygen, loopback_id, udpu_config, Node, WAIT};
use sa_abi::ais::SA_AIS_OK;
use sa_abi::amf::{SA_AMF_CSI_QUIESCED, SA_AMF_HA_ACTIVE, SA_AMF_HA_QUIESCED, SA_AMF_HA_STANDBY};
use sa_ipc::client::Connection;
use sa_ipc::proto::amf::{AmfCallback, CsiSetCallback, Register, Response};
use sa_ipc::proto::service;

const CONF: &str = "\
safAmfCluster = test {
	saAmfClusterStartupTimeout = 60000
	safAmfNode = n1 {
	}
	safAmfNode = n2 {
	}
	safAmfNode = n3 {
	}
	safApp = web {
		safSg = pair {
			saAmfSGRedundancyModel = 2n
			safSu = a {
				saAmfSUHostedByNode = n1
				safComp = c {
					saAmfCompInstantiateCmd = /bin/true
					saAmfCompInstantiateTimeout = 60000
					saAmfCompCsTypes { t }
				}
			}
			safSu = b {
				saAmfSUHostedByNode = n2
				safComp = c {
					saAmfCompInstantiateCmd = /bin/true
					saAmfCompInstantiateTimeout = 60000
					saAmfCompCsTypes { t }
				}
			}
		}
		safSi = front {
			safCsi = x {
				saAmfCSTypeName = t
			}
		}
		safCSType = t {
		}
	}
@GROUPS@
}
";

/// An application `name` with one SG of `model` over SUs u1..u3 on
/// n1..n3 and SIs s1..s3 of the given ranks.
fn group(name: &str, model: &str, extra: &str, ranks: [u32; 3]) -> String {
    let mut t = format!(
        "\tsafApp = {name} {{\n\t\tsafSg = g {{\n\t\t\tsaAmfSGRedundancyModel = {model}\n{extra}"
    );
    for i in 1..=3 {
        t += &format!(
            "\t\t\tsafSu = u{i} {{\n\t\t\t\tsaAmfSUHostedByNode = n{i}\n\t\t\t\tsafComp = c {{\n\
             \t\t\t\t\tsaAmfCompInstantiateCmd = /bin/true\n\t\t\t\t\tsaAmfCompInstantiateTimeout = 60000\n\
             \t\t\t\t\tsaAmfCompCsTypes {{ t }}\n\t\t\t\t}}\n\t\t\t}}\n"
        );
    }
    t += "\t\t}\n";
    for (i, r) in ranks.iter().enumerate() {
        t += &format!(
            "\t\tsafSi = s{} {{\n\t\t\tsaAmfSIRank = {r}\n\t\t\tsafCsi = x {{\n\t\t\t\tsaAmfCSTypeName = t\n\t\t\t}}\n\t\t}}\n",
            i + 1
        );
    }
    t += "\t\tsafCSType = t {\n\t\t}\n\t}\n";
    t
}

/// One component played by the test.
struct Comp {
    conn: Connection,
    dn: String,
}

impl Comp {
    fn register(node: &Node, dn: &str) -> Comp {
        let deadline = Instant::now() + WAIT;
        loop {
            let conn = Connection::connect_to(&node.address(), service::AMF).expect("connect");
            match conn.call_within(&Register { comp: name(dn) }, WAIT) {
                Ok(()) => {
                    return Comp {
                        conn,
                        dn: dn.to_string(),
                    }
                }
                // The executive settles or syncs: try again.
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(e) => panic!("register {dn} on node {}: {e}", node.n),
            }
        }
    }

    fn next(&self, within: Duration) -> Option<AmfCallback> {
        let frame = self.conn.recv_callback(Some(within), false).ok()??;
        AmfCallback::decode(frame.kind, &frame.payload).ok()
    }

    /// The next CSI set callback, answered OK.
    fn next_set(&self, within: Duration) -> Option<CsiSetCallback> {
        let deadline = Instant::now() + within;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            if let AmfCallback::CsiSet(s) = self.next(left)? {
                self.answer(s.invocation);
                return Some(s);
            }
        }
        None
    }

    fn answer(&self, invocation: u64) {
        let r = Response {
            invocation,
            error: SA_AIS_OK,
            quiescing_complete: false,
        };
        self.conn.call_within(&r, WAIT).expect("response");
    }
}

#[test]
fn three_executives_assign_and_switch_over_on_sigint() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("authkey");
    keygen(&key);
    let conf = CONF.replace(
        "@GROUPS@",
        &(group(
            "np",
            "nplusm",
            "\t\t\tsaAmfSGNumPrefActiveSUs = 2\n\t\t\tsaAmfSGNumPrefStandbySUs = 1\n",
            [3, 1, 2],
        ) + &group("nr", "noredundancy", "", [1, 2, 3])),
    );
    let amf_conf = dir.path().join("amf.conf");
    std::fs::write(&amf_conf, &conf).unwrap();
    let amf_path = amf_conf.to_str().unwrap().to_string();
    let port = free_port(3);
    let ids = [loopback_id(1), loopback_id(2), loopback_id(3)];
    let mut nodes: Vec<Node> = (1..=3)
        .map(|n| {
            let config = udpu_config(n, 3, port, false)
                + &format!("amf {{\n\tmode: enabled\n\tnode_name: n{n}\n}}\n");
            Node::start_with_env(
                dir.path(),
                "amf",
                n,
                &config,
                &key,
                &[("OPENAIS_AMF_CONFIG_FILE", amf_path.as_str())],
            )
        })
        .collect();
    for node in &nodes {
        assert!(
            node.wait_members(&ids, WAIT),
            "node {}: {}",
            node.n,
            node.log()
        );
    }
    let web_a = "safComp=c,safSu=a,safSg=pair,safApp=web";
    let web_b = "safComp=c,safSu=b,safSg=pair,safApp=web";
    let csi = "safCsi=x,safSi=front,safApp=web";
    let a = Comp::register(&nodes[0], web_a);
    let b = Comp::register(&nodes[1], web_b);
    let mut others = Vec::new();
    for app in ["np", "nr"] {
        for i in 1..=3u8 {
            let dn = format!("safComp=c,safSu=u{i},safSg=g,safApp={app}");
            others.push(Comp::register(&nodes[usize::from(i) - 1], &dn));
        }
    }
    // Every SU is up: assignment starts.
    let sa = a.next_set(WAIT).expect("A gets its CSI");
    let sb = b.next_set(WAIT).expect("B gets its CSI");
    assert_eq!(sa.ha_state, SA_AMF_HA_ACTIVE);
    assert_eq!(sb.ha_state, SA_AMF_HA_STANDBY);
    assert_eq!(sb.active_comp.as_bytes(), web_a.as_bytes());
    for c in &others {
        // Answer everything the N+M and no-redundancy components get.
        while c.next_set(Duration::from_millis(300)).is_some() {}
    }
    let np = |i: u8| format!("safComp=c,safSu=u{i},safSg=g,safApp=np");
    let nr = |i: u8| format!("safComp=c,safSu=u{i},safSg=g,safApp=nr");
    let si = |app: &str, s: u8| format!("safCsi=x,safSi=s{s},safApp={app}");
    for node in &nodes {
        assert_eq!(ha(node, web_a, csi), Some(SA_AMF_HA_ACTIVE));
        assert_eq!(ha(node, web_b, csi), Some(SA_AMF_HA_STANDBY));
        // N+M (2 active SUs, 1 standby), ranks s1=3 s2=1 s3=2: s2 -> u1,
        // s3 -> u2, s1 -> u1; u3 is every SI's standby.
        assert_eq!(ha(node, &np(1), &si("np", 2)), Some(SA_AMF_HA_ACTIVE));
        assert_eq!(ha(node, &np(2), &si("np", 3)), Some(SA_AMF_HA_ACTIVE));
        assert_eq!(ha(node, &np(1), &si("np", 1)), Some(SA_AMF_HA_ACTIVE));
        for s in 1..=3 {
            assert_eq!(ha(node, &np(3), &si("np", s)), Some(SA_AMF_HA_STANDBY));
        }
        // No redundancy: each SI once, by rank over u1..u3.
        for s in 1..=3u8 {
            let holders: Vec<u8> = (1..=3)
                .filter(|&i| ha(node, &nr(i), &si("nr", s)).is_some())
                .collect();
            assert_eq!(holders, vec![s], "SI s{s} of nr:\n{}", view(node));
        }
    }
    println!("operator view on node 3:\n{}", view(&nodes[2]));

    // SIGINT to the active node's executive: A is quiesced, B becomes
    // ACTIVE, A is removed and told to terminate, then node 1 leaves.
    let sigint = Instant::now();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(nodes[0].pid() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let quiesce = a.next_set(WAIT).expect("A is quiesced");
    assert_eq!(quiesce.ha_state, SA_AMF_HA_QUIESCED);
    let active = b.next_set(WAIT).expect("B takes over");
    let switchover = sigint.elapsed();
    assert_eq!(active.ha_state, SA_AMF_HA_ACTIVE);
    assert_eq!(active.transition, SA_AMF_CSI_QUIESCED, "a switchover");
    assert_eq!(active.active_comp.as_bytes(), web_a.as_bytes());
    // Node 1's components answer what they are asked while it drains
    // (the N+M and no-redundancy SUs there hand over too) and go when
    // told to terminate; then the executive leaves.
    let (node1_others, _elsewhere): (Vec<Comp>, Vec<Comp>) =
        others.into_iter().partition(|c| c.dn.contains("safSu=u1,"));
    let mut on_node1: Vec<Comp> = vec![a];
    on_node1.extend(node1_others);
    let deadline = Instant::now() + WAIT;
    while !on_node1.is_empty() && Instant::now() < deadline {
        let mut gone = Vec::new();
        for (i, c) in on_node1.iter().enumerate() {
            match c.next(Duration::from_millis(50)) {
                Some(AmfCallback::CsiSet(s)) => c.answer(s.invocation),
                Some(AmfCallback::CsiRemove(r)) => c.answer(r.invocation),
                Some(AmfCallback::Terminate(t)) => {
                    c.answer(t.invocation);
                    gone.push(i);
                }
                // Not started by this test.
                Some(
                    AmfCallback::Healthcheck(_)
                    | AmfCallback::PgTrack(_)
                    | AmfCallback::ProxiedInstantiate(_)
                    | AmfCallback::ProxiedCleanup(_),
                )
                | None => {}
            }
        }
        for i in gone.into_iter().rev() {
            let c = on_node1.remove(i);
            c.conn.shutdown();
        }
    }
    assert!(
        on_node1.is_empty(),
        "node 1's components are told to terminate; its log:\n{}",
        nodes[0].log()
    );
    assert!(nodes[0].wait_exit(WAIT), "node 1 exits after SIGINT");
    let exited = sigint.elapsed();
    assert!(nodes[1].wait_members(&ids[1..], WAIT));
    assert_eq!(ha(&nodes[1], web_b, csi), Some(SA_AMF_HA_ACTIVE));
    assert_eq!(ha(&nodes[2], web_b, csi), Some(SA_AMF_HA_ACTIVE));
    println!(
        "SIGINT -> standby ACTIVE callback: {} ms; SIGINT -> executive exit: {} ms",
        switchover.as_millis(),
        exited.as_millis()
    );
    println!("operator view on node 2 after:\n{}", view(&nodes[1]));
}
