//! The generated headers compile together as C99 and as C++ with every
//! warning an error (tests/headers_compile.c), and as pedantic C89
//! (tests/headers_c89.c). Needs gcc and g++; skips with a message when
//! they are absent.

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn have(compiler: &str) -> bool {
    Command::new(compiler)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Compile tests/`file` to an object file with `compiler` and `flags`,
/// failing the test with the compiler's messages.
fn compile(compiler: &str, flags: &[&str], file: &str) {
    if !have(compiler) {
        eprintln!("SKIP: {compiler} not found; the headers were not compile-tested with it");
        return;
    }
    let root = workspace_root();
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(file);
    let out = tempfile_path(compiler, file);
    let output = Command::new(compiler)
        .args(flags)
        .arg("-I")
        .arg(root.join("include"))
        .arg("-c")
        .arg(&source)
        .arg("-o")
        .arg(&out)
        .output()
        .expect("run the compiler");
    let _ = std::fs::remove_file(&out);
    assert!(
        output.status.success(),
        "{compiler} {flags:?} rejected the headers:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A per-process object file path, so parallel runs do not collide.
fn tempfile_path(compiler: &str, file: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "sa-abi-{}-{}-{}.o",
        file.trim_end_matches(".c"),
        compiler.replace(['+', '/'], "x"),
        std::process::id()
    ))
}

#[test]
fn headers_compile_as_c99() {
    compile(
        "gcc",
        &["-std=c99", "-Wall", "-Wextra", "-Werror"],
        "headers_compile.c",
    );
}

#[test]
fn headers_compile_as_cxx() {
    compile(
        "g++",
        &["-x", "c++", "-Wall", "-Wextra", "-Werror"],
        "headers_compile.c",
    );
}

#[test]
fn headers_compile_as_pedantic_c89() {
    compile(
        "gcc",
        &["-std=c89", "-pedantic", "-Wall", "-Wextra", "-Werror"],
        "headers_c89.c",
    );
}
