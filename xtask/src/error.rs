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
    /// A library's exported functions and its prototypes disagree.
    Exports {
        library: &'static str,
        problem: ExportProblem,
    },
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
            Error::Exports { library, problem } => write!(f, "lib{library}: {problem}"),
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
            | Error::Exports { .. }
            | Error::Usage(_) => None,
        }
    }
}

/// How a library's `#[no_mangle]` functions disagree with sa-abi.
#[derive(Debug)]
pub enum ExportProblem {
    /// A prototype no function of the library defines.
    Undefined(String),
    /// A function the library exports that no header declares.
    Undeclared(String),
    /// Two definitions of one name.
    Twice(String),
}

impl fmt::Display for ExportProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExportProblem::Undefined(n) => write!(f, "{n} is declared in sa-abi but not defined"),
            ExportProblem::Undeclared(n) => {
                write!(
                    f,
                    "{n} is exported (#[no_mangle]) but no sa-abi prototype declares it"
                )
            }
            ExportProblem::Twice(n) => write!(f, "{n} is defined twice"),
        }
    }
}

/// Attach the path to an I/O error.
pub fn io_at(path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> Error {
    let path = path.into();
    move |source| Error::Io { path, source }
}
