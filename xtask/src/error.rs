//! What can go wrong while generating or checking the headers.

use std::fmt;
use std::io;
use std::path::PathBuf;

#[derive(Debug)]
pub enum Error {
    /// cbindgen could not read or parse a module.
    Cbindgen {
        header: &'static str,
        source: Box<cbindgen::Error>,
    },
    /// cbindgen skipped items (it logged why): the header would be incomplete.
    Skipped {
        header: &'static str,
        messages: Vec<String>,
    },
    /// A header includes a header that is not generated.
    UnknownInclude {
        header: &'static str,
        include: &'static str,
    },
    /// A sa-abi module is not valid Rust.
    Parse { path: PathBuf, message: String },
    /// Reading or writing a file failed.
    Io { path: PathBuf, source: io::Error },
    /// The command line names no known task.
    Usage(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Cbindgen { header, source } => write!(f, "{header}: cbindgen: {source}"),
            Error::Skipped { header, messages } => {
                write!(f, "{header}: cbindgen skipped items:")?;
                for m in messages {
                    write!(f, "\n    {m}")?;
                }
                Ok(())
            }
            Error::UnknownInclude { header, include } => {
                write!(f, "{header} includes {include}, which is not generated")
            }
            Error::Parse { path, message } => write!(f, "{}: {message}", path.display()),
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Error::Usage(msg) => write!(f, "{msg}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Cbindgen { source, .. } => Some(source.as_ref()),
            Error::Io { source, .. } => Some(source),
            Error::Skipped { .. }
            | Error::UnknownInclude { .. }
            | Error::Parse { .. }
            | Error::Usage(_) => None,
        }
    }
}

/// Attach the path to an I/O error.
pub fn io_at(path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> Error {
    let path = path.into();
    move |source| Error::Io { path, source }
}
