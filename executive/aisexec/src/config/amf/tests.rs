//! amf.conf: the shared example, defaults, and one malformed file per
//! kind of error with the line it must be reported at.

use super::*;

const EXAMPLE: &str = include_str!("../../../../../conf/amf.conf.example");

fn parse(text: &str) -> Result<AmfModel, AmfConfigError> {
    AmfModel::parse(text, "amf.conf")
}

#[test]
fn the_example_parses() {
    let m = parse(EXAMPLE).unwrap();
    let c = &m.cluster;
    assert_eq!(c.name, "demo");
    assert_eq!(c.startup_timeout_ms, 2000);
    assert_eq!(c.nodes.len(), 2);
    assert_eq!(c.nodes[0].su_failover_max, 2);
    let app = &c.apps[0];
    let sg = &app.sgs[0];
    assert_eq!(sg.redundancy, RedundancyModel::TwoN);
    assert_eq!(sg.max_active_sis_per_su, Some(1));
    assert_eq!(sg.sus.len(), 2);
    assert_eq!(sg.sus[1].hosted_by, "node2");
    let comp = &sg.sus[0].comps[0];
    assert_eq!(comp.category, CompCategory::SaAware);
    assert_eq!(comp.capability, Capability::XActiveOrYStandby);
    let inst = comp.instantiate.as_ref().unwrap();
    assert_eq!(
        inst.program,
        PathBuf::from("/usr/libexec/openais/amf-demo/clc")
    );
    assert_eq!(inst.args, vec!["instantiate".to_string()]);
    assert_eq!(
        comp.timeouts.instantiate, 2000,
        "from the default CLC-CLI timeout"
    );
    assert_eq!(
        comp.timeouts.csi_set, 2000,
        "from the default callback timeout"
    );
    assert_eq!(comp.cs_types, vec!["http".to_string()]);
    assert_eq!(
        comp.env,
        vec![("DEMO_STATE_DIR".to_string(), "/tmp/amf-demo".to_string())]
    );
    assert_eq!(comp.healthchecks[0].key, "alive");
    assert_eq!(comp.healthchecks[0].max_duration_ms, 500);
    assert_eq!(comp.recovery, Recovery::ComponentRestart);
    let si = &app.sis[0];
    assert_eq!(si.protected_by, "pair");
    assert_eq!(
        si.csis[0].attrs,
        vec![("port".to_string(), vec!["8080".to_string()])]
    );
    assert_eq!(app.cs_types[0].attr_names, vec!["port".to_string()]);
}

/// The file the shared AMF notes ship, when this checkout sits beside it.
#[test]
fn the_shared_example_parses() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/amf/example.conf"
    );
    match std::fs::read_to_string(path) {
        Ok(text) => {
            parse(&text).unwrap();
        }
        Err(e) => eprintln!("SKIPPED: the_shared_example_parses: {path}: {e}"),
    }
}

const MINIMAL: &str = "\
safAmfCluster = c {
  safAmfNode = n1 {
  }
  safApp = a {
    safSg = g {
      saAmfSGRedundancyModel = noredundancy
      safSu = u {
        saAmfSUHostedByNode = n1
        safComp = x {
          saAmfCompInstantiateCmd = /bin/true
          saAmfCompCsTypes { t }
        }
      }
    }
    safSi = s {
      safCsi = i {
        saAmfCSTypeName = t
      }
    }
    safCSType = t {
    }
  }
}
";

#[test]
fn defaults_are_openais_s() {
    let m = parse(MINIMAL).unwrap();
    let c = &m.cluster;
    assert_eq!(c.startup_timeout_ms, 10_000);
    let sg = &c.apps[0].sgs[0];
    assert_eq!(sg.num_pref_active_sus, 1);
    assert_eq!(sg.num_pref_standby_sus, 1);
    assert_eq!(sg.max_active_sis_per_su, None);
    assert_eq!(sg.comp_restart_max, None);
    assert!(sg.auto_repair);
    let su = &sg.sus[0];
    assert!(su.failover);
    assert_eq!(su.num_components, 1);
    let comp = &su.comps[0];
    assert_eq!(comp.max_instantiate_without_delay, 2);
    assert_eq!(comp.timeouts.terminate, 10_000);
    assert_eq!(
        comp.instantiate.as_ref().unwrap().args,
        Vec::<String>::new()
    );
    assert_eq!(
        c.apps[0].sis[0].protected_by, "g",
        "the application's only SG"
    );
}

#[test]
fn innermost_clccli_path_wins() {
    let text = MINIMAL
        .replace("safApp = a {", "safApp = a {\n clccli_path = /app")
        .replace("safSu = u {", "safSu = u {\n clccli_path = /su")
        .replace("/bin/true", "run");
    let m = parse(&text).unwrap();
    let comp = &m.cluster.apps[0].sgs[0].sus[0].comps[0];
    assert_eq!(
        comp.instantiate.as_ref().unwrap().program,
        PathBuf::from("/su/run")
    );
}

#[test]
fn malformed_files_name_their_line() {
    // (what replaces what in MINIMAL, line of the error, text in the error)
    let cases: &[(&str, &str, u32, &str)] = &[
        (
            "  safAmfNode = n1 {\n",
            "  safAmfNode = n1 {\n  just words\n",
            3,
            "expected",
        ),
        (
            "saAmfSGRedundancyModel = noredundancy",
            "saAmfSGRedundancyModel = 3n",
            6,
            "expected 2n",
        ),
        (
            "saAmfSUHostedByNode = n1",
            "saAmfSUHostedByNode = n9",
            7,
            "safAmfNode `n9`",
        ),
        (
            "saAmfCSTypeName = t",
            "saAmfCSTypeName = q",
            16,
            "safCSType `q`",
        ),
        (
            "    safSi = s {\n",
            "    safSi = s {\n      saAmfSIProtectedbySG = h\n",
            15,
            "safSg `h`",
        ),
        (
            "saAmfCompCsTypes { t }",
            "saAmfCompCsTypes { t u }",
            9,
            "safCSType `u`",
        ),
        (
            "saAmfCompInstantiateCmd = /bin/true",
            "saAmfCompInstantiateCmd = /bin/true\nsaAmfCompBogus = 1",
            11,
            "not allowed",
        ),
        (
            "saAmfCompInstantiateCmd = /bin/true",
            "saAmfCompInstantiateTimeout = soon",
            10,
            "non-negative",
        ),
        (
            "saAmfCompInstantiateCmd = /bin/true",
            "saAmfCompInstantiateCmd = /bin/true\nsaAmfCompCmdEnv { 1X=2 }",
            11,
            "VAR=value",
        ),
        (
            "saAmfCompInstantiateCmd = /bin/true",
            "saAmfCompDisableRestart = yes",
            10,
            "true or false",
        ),
        (
            "saAmfCompInstantiateCmd = /bin/true",
            "saAmfCompCategory = sa_aware",
            9,
            "needs saAmfCompInstantiateCmd",
        ),
        (
            "saAmfSUHostedByNode = n1",
            "saAmfSUHostedByNode = n1\nsaAmfSUNumComponents = 2",
            9,
            "saAmfSUNumComponents is 2",
        ),
        (
            "  safAmfNode = n1 {\n  }\n",
            "  safAmfNode = n1 {\n  }\n  safAmfNode = n1 {\n  }\n",
            4,
            "repeats the one at line 2",
        ),
        (
            "saAmfSUHostedByNode = n1",
            "saAmfSUHostedByNode = n1\nsaAmfSUHostedByNode = n1",
            9,
            "repeats",
        ),
        (
            "    safCSType = t {\n    }\n",
            "    safCSType = t {\n    }\n    safCSType = q {\n    }\n",
            0,
            "",
        ),
        ("safAmfCluster = c {", "safAmfCluster {", 1, "needs a name"),
        (
            "safAmfCluster = c {",
            "bogus = 1\nsafAmfCluster = c {",
            1,
            "outside safAmfCluster",
        ),
        (
            "        saAmfCSTypeName = t\n",
            "        saAmfCSTypeName = t\n        safCSIAttr = port {\n 80\n }\n",
            16,
            "attribute `port`",
        ),
        ("}\n", "", 1, "not closed"),
    ];
    let mut wrong = Vec::new();
    for (from, to, line, text) in cases {
        assert!(MINIMAL.contains(from), "case {from:?}");
        let broken = MINIMAL.replacen(from, to, 1);
        match parse(&broken) {
            Ok(_) if text.is_empty() => {}
            Ok(_) => wrong.push(format!("{to:?} parsed")),
            Err(e) => {
                let shown = e.to_string();
                if !shown.starts_with(&format!("amf.conf:{line}: ")) || !shown.contains(text) {
                    wrong.push(format!("{to:?}: {shown}"));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn a_component_taking_no_cs_type_of_any_csi_is_refused() {
    let text = MINIMAL
        .replace(
            "          saAmfCompCsTypes { t }\n        }\n",
            "          saAmfCompCsTypes { q }\n        }\n        safComp = y {\n          saAmfCompInstantiateCmd = /bin/true\n          saAmfCompCsTypes { t }\n        }\n",
        )
        .replace("    safCSType = t {\n    }\n", "    safCSType = t {\n    }\n    safCSType = q {\n    }\n");
    let e = parse(&text).unwrap_err();
    assert_eq!(
        e.to_string(),
        "amf.conf:9: safComp `x` takes no CS type of any CSI"
    );
}

#[test]
fn an_empty_file_has_no_cluster() {
    let e = parse("# nothing\n").unwrap_err();
    assert_eq!(e.to_string(), "amf.conf: no safAmfCluster");
}

#[test]
fn the_file_is_read_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("amf.conf");
    std::fs::write(&path, vec![b'#'; 2 * 1024 * 1024]).unwrap();
    let e = AmfModel::load(&path).unwrap_err();
    assert!(
        e.to_string().ends_with("too large (limit 1048576 bytes)"),
        "{e}"
    );
    let e = AmfModel::load(&dir.path().join("missing")).unwrap_err();
    assert!(e.to_string().contains("cannot read"), "{e}");
}
