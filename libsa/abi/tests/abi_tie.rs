//! The compile-time tie between a prototype and the function a library
//! exports (`sa_abi::abi_tie!`, instantiated for every library by the
//! generated `libsa/<crate>/src/abi_tie.rs`): rustc, run on small crates
//! that include the macro's own source, compiles the one whose definitions
//! agree with their prototypes and refuses each one with a deliberately
//! wrong signature, naming the mismatch.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/tie")
        .join(name)
}

/// rustc on `fixture` as a library crate, metadata only.
fn rustc(name: &str) -> Output {
    let out = std::env::temp_dir().join(format!("abi-tie-{}-{name}.rmeta", std::process::id()));
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string());
    let output = Command::new(rustc)
        .args([
            "--edition",
            "2021",
            "--crate-type",
            "lib",
            "--emit=metadata",
            "-o",
        ])
        .arg(&out)
        .arg(fixture(name))
        .output()
        .expect("rustc runs");
    let _ = std::fs::remove_file(&out);
    output
}

fn refused(name: &str, mismatch: &str) {
    let out = rustc(name);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "{name} compiled: the tie let a wrong signature through"
    );
    assert!(stderr.contains("mismatched types"), "{name}: {stderr}");
    assert!(
        stderr.contains(mismatch),
        "{name} does not name `{mismatch}`: {stderr}"
    );
}

#[test]
fn agreeing_signatures_compile() {
    let out = rustc("agrees.rs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_wrong_argument_type_fails_the_build() {
    refused("wrong_argument.rs", "expected `u64`, found `u32`");
}

#[test]
fn a_wrong_return_type_fails_the_build() {
    refused("wrong_return.rs", "expected `u32`, found `i32`");
}

#[test]
fn a_missing_argument_fails_the_build() {
    refused("missing_argument.rs", "saXyzInitialize");
}
