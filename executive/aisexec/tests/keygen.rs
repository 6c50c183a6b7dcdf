//! `ais-keygen` as an administrator runs it.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

fn keygen(args: &[&str], env_path: Option<&Path>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ais-keygen"));
    command.args(args).env_remove("OPENAIS_TOTEM_AUTHKEY_FILE");
    if let Some(path) = env_path {
        command.env("OPENAIS_TOTEM_AUTHKEY_FILE", path);
    }
    command.output().expect("ais-keygen runs")
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

#[test]
fn writes_128_bytes_with_mode_0400_creating_the_directory() {
    let dir = tempfile::tempdir().unwrap();
    let key_dir = dir.path().join("etc/ais");
    let key = key_dir.join("authkey");
    let out = keygen(&["-k", key.to_str().unwrap()], None);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(fs::read(&key).unwrap().len(), 128);
    assert_eq!(mode(&key), 0o400);
    assert_eq!(mode(&key_dir) & 0o777, 0o755 & !current_umask());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(key.to_str().unwrap()), "{stdout}");
}

#[test]
fn refuses_to_overwrite_without_force_and_replaces_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("authkey");
    let path = key.to_str().unwrap();
    assert!(keygen(&[path], None).status.success());
    let first = fs::read(&key).unwrap();

    let refused = keygen(&[path], None);
    assert_eq!(refused.status.code(), Some(3), "{refused:?}");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("--force"), "{stderr}");
    assert_eq!(
        fs::read(&key).unwrap(),
        first,
        "key changed without --force"
    );

    let forced = keygen(&["--force", path], None);
    assert!(forced.status.success(), "{forced:?}");
    let second = fs::read(&key).unwrap();
    assert_eq!(second.len(), 128);
    assert_ne!(second, first);
    assert_eq!(mode(&key), 0o400);
    // Nothing left beside the key.
    let entries: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(entries.len(), 1);
}

#[test]
fn every_run_draws_a_different_key() {
    let dir = tempfile::tempdir().unwrap();
    let keys: Vec<Vec<u8>> = (0..4)
        .map(|i| {
            let key = dir.path().join(format!("key{i}"));
            assert!(keygen(&[key.to_str().unwrap()], None).status.success());
            fs::read(&key).unwrap()
        })
        .collect();
    for (i, a) in keys.iter().enumerate() {
        assert_eq!(a.len(), 128);
        for b in &keys[i + 1..] {
            assert_ne!(a, b);
        }
    }
}

#[test]
fn the_environment_names_the_default_path() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("from-env");
    let out = keygen(&[], Some(&key));
    assert!(out.status.success(), "{out:?}");
    assert_eq!(fs::read(&key).unwrap().len(), 128);
    // An explicit path wins over the environment.
    let explicit = dir.path().join("explicit");
    assert!(keygen(&["-k", explicit.to_str().unwrap()], Some(&key))
        .status
        .success());
    assert!(explicit.exists());
}

#[test]
fn help_and_bad_usage() {
    let help = keygen(&["--help"], None);
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("Usage: ais-keygen"));
    let bad = keygen(&["--frobnicate"], None);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown option"));
}

#[test]
fn a_directory_in_the_way_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = keygen(&[dir.path().to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(!String::from_utf8_lossy(&out.stderr).is_empty());
}

/// The process umask, read without changing it (Linux exposes it in
/// /proc/self/status).
fn current_umask() -> u32 {
    let status = fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("Umask:"))
        .map(|v| u32::from_str_radix(v.trim(), 8).unwrap())
        .unwrap_or(0o022)
}

#[test]
fn dash_l_reads_urandom_and_writes_the_same_kind_of_key() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("authkey");
    let out = keygen(&["-l", "-k", key.to_str().unwrap()], None);
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("/dev/urandom"));
    assert_eq!(fs::read(&key).unwrap().len(), 128);
    assert_eq!(mode(&key), 0o400);
    assert!(String::from_utf8_lossy(&keygen(&["--help"], None).stdout).contains("-l"));
}

#[test]
fn the_key_is_0400_whatever_the_umask() {
    // umask 000 would leave a file created 0644 world-readable; the key
    // is created 0400 and its mode checked after writing.
    let dir = tempfile::tempdir().unwrap();
    for (i, force) in [false, true].into_iter().enumerate() {
        let key = dir.path().join(format!("key{i}"));
        if force {
            assert!(keygen(&[key.to_str().unwrap()], None).status.success());
        }
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "umask 000; exec \"$0\" {} -k \"$1\"",
                if force { "--force" } else { "" }
            ))
            .arg(env!("CARGO_BIN_EXE_ais-keygen"))
            .arg(&key)
            .env_remove("OPENAIS_TOTEM_AUTHKEY_FILE")
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        assert_eq!(mode(&key), 0o400, "force {force}");
    }
}
