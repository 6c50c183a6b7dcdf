//! Project tasks.
//!
//! `cargo run -p xtask -- headers`: write include/openais/*.h from the
//! sa-abi modules (one cbindgen run per header), and what `exports`
//! writes.
//! `cargo run -p xtask -- exports`: write each library's version script,
//! libais's, and each library crate's `abi_tie.rs` from the sa-abi
//! prototypes (see [`exports`]).
//! `cargo run -p xtask -- check-headers`: regenerate into a temporary
//! directory and fail, naming them, when checked-in headers or generated
//! export files differ.

mod error;
mod exports;
mod headers;
mod items;
mod warnings;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use error::{io_at, Error};
use headers::HEADERS;

const USAGE: &str = "usage: cargo run -p xtask -- headers | exports | check-headers";

/// The workspace root (xtask lives one level below it).
fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf()
}

/// Generate every header into `out_dir`.
fn write_headers(root: &Path, out_dir: &Path) -> Result<(), Error> {
    let abi_src = root.join("libsa/abi/src");
    fs::create_dir_all(out_dir).map_err(io_at(out_dir))?;
    for header in HEADERS {
        let text = header.generate(&abi_src)?;
        let path = out_dir.join(header.file);
        fs::write(&path, text).map_err(io_at(&path))?;
    }
    Ok(())
}

fn headers(root: &Path) -> Result<ExitCode, Error> {
    let out_dir = root.join("include/openais");
    write_headers(root, &out_dir)?;
    for header in HEADERS {
        println!("wrote {}", out_dir.join(header.file).display());
    }
    exports_task(root)
}

fn exports_task(root: &Path) -> Result<ExitCode, Error> {
    for path in exports::write(root)? {
        println!("wrote {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn check_headers(root: &Path) -> Result<ExitCode, Error> {
    let tmp = tempfile::Builder::new()
        .prefix("openais-headers.")
        .tempdir()
        .map_err(io_at(std::env::temp_dir()))?;
    write_headers(root, tmp.path())?;
    let checked_in = root.join("include/openais");
    let mut stale = Vec::new();
    for header in HEADERS {
        let fresh = fs::read(tmp.path().join(header.file)).map_err(io_at(tmp.path()))?;
        let path = checked_in.join(header.file);
        // A missing header differs, as does a stale one.
        if fs::read(&path).ok().as_deref() != Some(fresh.as_slice()) {
            stale.push(header.file);
        }
    }
    let stale_exports = exports::stale(root)?;
    for path in &stale_exports {
        eprintln!("differs: {} (run `make headers`)", path.display());
    }
    if stale.is_empty() && stale_exports.is_empty() {
        println!(
            "include/openais: all {} headers up to date; version scripts and ABI ties of {} libraries up to date",
            HEADERS.len(),
            exports::LIBRARIES.len()
        );
        return Ok(ExitCode::SUCCESS);
    }
    if stale.is_empty() {
        return Ok(ExitCode::FAILURE);
    }
    // Keep the fresh headers so the difference can be inspected.
    let kept = tmp.keep();
    for file in &stale {
        eprintln!(
            "differs: include/openais/{file} (fresh copy: {})",
            kept.join(file).display()
        );
    }
    eprintln!("run `make headers` (cargo run -p xtask -- headers) and commit the result");
    Ok(ExitCode::FAILURE)
}

fn run() -> Result<ExitCode, Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    warnings::install();
    let root = workspace_root();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["headers"] => headers(&root),
        ["exports"] => exports_task(&root),
        ["check-headers"] => check_headers(&root),
        _ => Err(Error::Usage(USAGE.to_string())),
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The checked-in headers are what the sa-abi sources generate.
    #[test]
    fn checked_in_headers_are_current() {
        warnings::install();
        let root = workspace_root();
        let abi_src = root.join("libsa/abi/src");
        for header in HEADERS {
            let fresh = header.generate(&abi_src).expect("generate");
            let path = root.join("include/openais").join(header.file);
            let checked_in = fs::read(&path).expect("read the checked-in header");
            assert!(
                checked_in == fresh,
                "{} is stale: run `make headers`",
                path.display()
            );
        }
    }

    /// The version scripts and ABI ties are what the prototypes generate.
    #[test]
    fn checked_in_exports_are_current() {
        let stale = exports::stale(&workspace_root()).expect("generate");
        assert!(stale.is_empty(), "stale: {stale:?}: run `make headers`");
    }
}
