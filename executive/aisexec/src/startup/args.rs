//! The command line: `aisexec [-f]`.

use std::ffi::OsString;

/// What the command line asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Options {
    /// `-f`: stay in the foreground (no fork, stdio kept).
    pub foreground: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArgsError {
    #[error("unknown option '{0}'")]
    Unknown(String),
    #[error("help requested")]
    Help,
}

pub const USAGE: &str = "usage: aisexec [-f]\n  -f  run in the foreground (do not daemonize)";

impl Options {
    /// Parses the arguments after the program name.
    pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Options, ArgsError> {
        let mut options = Options::default();
        for arg in args {
            match arg.to_str() {
                Some("-f") => options.foreground = true,
                Some("-h" | "--help") => return Err(ArgsError::Help),
                _ => return Err(ArgsError::Unknown(arg.to_string_lossy().into_owned())),
            }
        }
        Ok(options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, ArgsError> {
        Options::parse(args.iter().map(OsString::from))
    }

    #[test]
    fn foreground_flag() {
        assert_eq!(parse(&[]).unwrap(), Options { foreground: false });
        assert_eq!(parse(&["-f"]).unwrap(), Options { foreground: true });
        assert_eq!(parse(&["-x"]), Err(ArgsError::Unknown("-x".into())));
        assert_eq!(parse(&["-h"]), Err(ArgsError::Help));
    }
}
