//! `ais-keygen`: writes a fresh 128-byte Totem authkey.
//!
//! The key is read from the kernel's random source: getrandom(2), which
//! waits until the kernel's pool is seeded (the default), or with `-l`
//! /dev/urandom, which never waits (as corosync-keygen's `-l`; only worth
//! it on a machine that has just booted and has no entropy yet). It is
//! written to `/etc/ais/authkey`, or to the path given by `-k PATH` (or as
//! the only argument), or by `OPENAIS_TOTEM_AUTHKEY_FILE`. The file is
//! created with mode 0400 from the start, so the key is never readable by
//! others, not even for a moment; after writing, the mode of the file is
//! checked, and a key that others could read after all (a file system
//! that ignores modes) is removed and the run fails. An existing key is
//! kept unless `--force` is given: replacing the key of a running cluster
//! splits it.

use std::ffi::OsString;
use std::fmt;
use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Length of the key, as `secauth: on` requires.
const KEY_LEN: usize = 128;
const DEFAULT_PATH: &str = "/etc/ais/authkey";
const PATH_ENV: &str = "OPENAIS_TOTEM_AUTHKEY_FILE";
const KEY_MODE: u32 = 0o400;
const DIR_MODE: u32 = 0o755;
/// The non-blocking source of `-l`.
const URANDOM: &str = "/dev/urandom";

const EXIT_FAILURE: u8 = 1;
const EXIT_USAGE: u8 = 2;
const EXIT_EXISTS: u8 = 3;

const USAGE: &str = "\
Usage: ais-keygen [-l] [--force] [-k PATH | PATH]

Writes 128 random bytes, the Totem authentication key used with
`secauth: on`, to PATH (default: $OPENAIS_TOTEM_AUTHKEY_FILE, else
/etc/ais/authkey). The file is created with mode 0400 and its directory,
if missing, with mode 0755; a key others could read is removed again and
the run fails. Copy the same key to every node of the cluster.

The bytes come from getrandom(2), which waits until the kernel's random
pool is seeded; with -l they come from /dev/urandom, which never waits.

Options:
  -k, --key-file PATH  where to write the key
  -l, --less-secure    read /dev/urandom (fast, even on a freshly booted
                       machine whose pool is not seeded yet)
  -f, --force          replace an existing key (every node needs the new one)
  -h, --help           show this help

Exit status: 0 written, 1 failed, 2 bad usage, 3 a key exists (use --force).
";

/// Where the key's bytes come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// getrandom(2): waits until the kernel's pool is seeded.
    Kernel,
    /// `-l`: /dev/urandom, never waits.
    Urandom,
}

#[derive(Debug, PartialEq, Eq)]
struct Options {
    path: PathBuf,
    force: bool,
    source: Source,
}

#[derive(Debug, PartialEq, Eq)]
enum Command {
    Generate(Options),
    Help,
}

#[derive(Debug)]
enum KeygenError {
    Usage(String),
    Exists(PathBuf),
    Random(getrandom::Error),
    /// The written key turned out readable by others.
    NotPrivate {
        path: PathBuf,
        mode: u32,
    },
    Io {
        what: &'static str,
        path: PathBuf,
        source: io::Error,
    },
}

impl fmt::Display for KeygenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeygenError::Usage(what) => write!(f, "{what} (see --help)"),
            KeygenError::Exists(path) => write!(
                f,
                "{} already exists; not replacing it without --force \
                 (every node of the cluster needs the same key)",
                path.display()
            ),
            KeygenError::Random(err) => write!(f, "cannot read random bytes: {err}"),
            KeygenError::NotPrivate { path, mode } => write!(
                f,
                "{} was created with mode {mode:04o} instead of 0400 (does its file \
                 system ignore modes?); removed it rather than leave a key others can read",
                path.display()
            ),
            KeygenError::Io { what, path, source } => {
                write!(f, "cannot {what} {}: {source}", path.display())
            }
        }
    }
}

impl KeygenError {
    fn exit_code(&self) -> u8 {
        match self {
            KeygenError::Usage(_) => EXIT_USAGE,
            KeygenError::Exists(_) => EXIT_EXISTS,
            KeygenError::Random(_) | KeygenError::NotPrivate { .. } | KeygenError::Io { .. } => {
                EXIT_FAILURE
            }
        }
    }
}

fn parse_args(
    args: impl IntoIterator<Item = OsString>,
    env_path: Option<OsString>,
) -> Result<Command, KeygenError> {
    let mut path: Option<PathBuf> = None;
    let mut force = false;
    let mut source = Source::Kernel;
    let mut args = args.into_iter();
    let mut set_path = |value: OsString| {
        if path.replace(PathBuf::from(value)).is_some() {
            Err(KeygenError::Usage("more than one key path given".into()))
        } else {
            Ok(())
        }
    };
    while let Some(arg) = args.next() {
        match arg.to_str() {
            Some("-h" | "--help") => return Ok(Command::Help),
            Some("-f" | "--force") => force = true,
            Some("-l" | "--less-secure") => source = Source::Urandom,
            Some("-k" | "--key-file") => match args.next() {
                Some(value) => set_path(value)?,
                None => return Err(KeygenError::Usage("-k needs a path".into())),
            },
            Some(flag) if flag.starts_with('-') && flag != "-" => {
                return Err(KeygenError::Usage(format!("unknown option {flag}")))
            }
            _ => set_path(arg)?,
        }
    }
    let path = path
        .or_else(|| env_path.filter(|p| !p.is_empty()).map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from(DEFAULT_PATH));
    if path.as_os_str().is_empty() {
        return Err(KeygenError::Usage("empty key path".into()));
    }
    Ok(Command::Generate(Options {
        path,
        force,
        source,
    }))
}

fn io_error<'a>(what: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> KeygenError + 'a {
    move |source| KeygenError::Io {
        what,
        path: path.to_path_buf(),
        source,
    }
}

/// Whether a key file of permission bits `mode` is fit to keep: no access
/// at all for group and others, and not writable or executable by its
/// owner (0400 exactly, as written).
fn mode_is_private(mode: u32) -> bool {
    mode & 0o7777 == KEY_MODE
}

/// Fills `key` from `source`.
fn fill_key(source: Source, key: &mut [u8]) -> Result<(), KeygenError> {
    match source {
        Source::Kernel => getrandom::fill(key).map_err(KeygenError::Random),
        Source::Urandom => File::open(URANDOM)
            .and_then(|mut f| f.read_exact(key))
            .map_err(io_error("read", Path::new(URANDOM))),
    }
}

/// Creates `path` (which must not exist) with mode 0400 and writes `key`.
/// A partly written file, or one whose mode is not 0400 after all, is
/// removed.
fn write_new(path: &Path, key: &[u8]) -> Result<(), KeygenError> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(KEY_MODE)
        .open(path)
        .map_err(|source| {
            if source.kind() == io::ErrorKind::AlreadyExists {
                KeygenError::Exists(path.to_path_buf())
            } else {
                io_error("create", path)(source)
            }
        })?;
    let written = file.write_all(key).and_then(|()| file.sync_all());
    if let Err(source) = written {
        // Best effort: the error being reported is the write's.
        let _ = fs::remove_file(path);
        return Err(io_error("write", path)(source));
    }
    // The mode asked for at creation is what a POSIX file system gives (a
    // umask only removes bits); one that ignores modes (vfat, some network
    // mounts) may have made the key readable by all.
    let mode = match file.metadata() {
        Ok(meta) => std::os::unix::fs::PermissionsExt::mode(&meta.permissions()),
        Err(source) => {
            let _ = fs::remove_file(path);
            return Err(io_error("check the mode of", path)(source));
        }
    };
    if !mode_is_private(mode) {
        let _ = fs::remove_file(path);
        return Err(KeygenError::NotPrivate {
            path: path.to_path_buf(),
            mode: mode & 0o7777,
        });
    }
    Ok(())
}

fn generate(options: &Options) -> Result<(), KeygenError> {
    let path = &options.path;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        DirBuilder::new()
            .recursive(true)
            .mode(DIR_MODE)
            .create(dir)
            .map_err(io_error("create directory", dir))?;
    }
    if path.is_dir() {
        return Err(KeygenError::Io {
            what: "write the key to",
            path: path.clone(),
            source: io::Error::new(io::ErrorKind::IsADirectory, "is a directory"),
        });
    }

    let mut key = [0u8; KEY_LEN];
    fill_key(options.source, &mut key)?;

    let result = if options.force {
        // Write beside the old key and rename over it: a crash leaves
        // either the old key or the new one, never half of one.
        let file_name = path.file_name().map(|n| n.to_os_string());
        let mut temp_name = OsString::from(".");
        temp_name.push(file_name.unwrap_or_else(|| "authkey".into()));
        temp_name.push(format!(".new-{}", std::process::id()));
        let temp = path.with_file_name(temp_name);
        // A leftover from an interrupted run of this process id is stale.
        let _ = fs::remove_file(&temp);
        write_new(&temp, &key).and_then(|()| {
            fs::rename(&temp, path).map_err(|source| {
                let _ = fs::remove_file(&temp);
                io_error("replace", path)(source)
            })
        })
    } else {
        write_new(path, &key)
    };
    // The key is the cluster's secret: do not leave it in memory.
    key.fill(0);
    std::hint::black_box(&key);
    result
}

fn main() -> ExitCode {
    let command = parse_args(std::env::args_os().skip(1), std::env::var_os(PATH_ENV));
    // Messages are written without `print!`, which panics when stdout or
    // stderr is closed: the key must be written (or the error reported by
    // the exit status) whatever happens to the terminal.
    let mut out = io::stdout();
    let outcome = command.and_then(|command| match command {
        Command::Help => {
            let _ = write!(out, "{USAGE}");
            Ok(())
        }
        Command::Generate(options) => {
            let _ = writeln!(
                out,
                "ais-keygen: reading {} bits of key from {}",
                KEY_LEN * 8,
                match options.source {
                    Source::Kernel => "the kernel random source (getrandom)",
                    Source::Urandom => URANDOM,
                }
            );
            generate(&options).map(|()| {
                let _ = writeln!(
                    out,
                    "ais-keygen: wrote the key to {} (mode 0400); copy it to every node",
                    options.path.display()
                );
            })
        }
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let _ = writeln!(io::stderr(), "ais-keygen: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str], env: Option<&str>) -> Result<Command, KeygenError> {
        parse_args(args.iter().map(OsString::from), env.map(OsString::from))
    }

    fn generate_to(path: &str, force: bool) -> Command {
        Command::Generate(Options {
            path: PathBuf::from(path),
            force,
            source: Source::Kernel,
        })
    }

    #[test]
    fn dash_l_reads_urandom() {
        assert_eq!(
            parse(&["-l", "-k", "/k"], None).unwrap(),
            Command::Generate(Options {
                path: PathBuf::from("/k"),
                force: false,
                source: Source::Urandom,
            })
        );
        assert_eq!(
            parse(&["--less-secure"], None).unwrap(),
            Command::Generate(Options {
                path: PathBuf::from(DEFAULT_PATH),
                force: false,
                source: Source::Urandom,
            })
        );
        let mut key = [0u8; KEY_LEN];
        fill_key(Source::Urandom, &mut key).unwrap();
        assert_ne!(key, [0u8; KEY_LEN]);
    }

    #[test]
    fn only_mode_0400_is_kept() {
        assert!(mode_is_private(0o100400));
        for mode in [0o100444, 0o100404, 0o100440, 0o100600, 0o100644, 0o100755] {
            assert!(!mode_is_private(mode), "{mode:o}");
        }
    }

    #[test]
    fn path_comes_from_argument_then_environment_then_default() {
        assert_eq!(parse(&[], None).unwrap(), generate_to(DEFAULT_PATH, false));
        assert_eq!(
            parse(&[], Some("")).unwrap(),
            generate_to(DEFAULT_PATH, false)
        );
        assert_eq!(parse(&[], Some("/e")).unwrap(), generate_to("/e", false));
        assert_eq!(
            parse(&["-k", "/k"], Some("/e")).unwrap(),
            generate_to("/k", false)
        );
        assert_eq!(
            parse(&["/p", "--force"], None).unwrap(),
            generate_to("/p", true)
        );
        assert_eq!(
            parse(&["-f", "--key-file", "/k"], None).unwrap(),
            generate_to("/k", true)
        );
    }

    #[test]
    fn bad_usage_is_refused() {
        for args in [
            &["-k"][..],
            &["--bogus"],
            &["/a", "/b"],
            &["-k", "/a", "/b"],
        ] {
            let err = parse(args, None).unwrap_err();
            assert_eq!(err.exit_code(), EXIT_USAGE, "{args:?}");
        }
        assert_eq!(parse(&["/a", "-h"], None).unwrap(), Command::Help);
    }
}
