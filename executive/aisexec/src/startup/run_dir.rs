//! The run directory (`OPENAIS_RUN_DIR`): created 0700 if missing; the
//! executive works there and keeps its ring sequence numbers in it.

use std::fs;
use std::io;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
#[error("run directory {path}: {source}")]
pub struct RunDirError {
    pub path: PathBuf,
    #[source]
    pub source: io::Error,
}

/// Creates `path` (mode 0700, parents as needed) unless it exists, then
/// makes it the working directory.
pub fn enter(path: &Path) -> Result<(), RunDirError> {
    let fail = |source| RunDirError {
        path: path.to_path_buf(),
        source,
    };
    match fs::metadata(path) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return Err(fail(io::Error::from(io::ErrorKind::NotADirectory))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(path)
                .map_err(fail)?;
            // The umask may have taken bits away, never added any; make
            // the mode exact.
            fs::set_permissions(path, fs::Permissions::from_mode(0o700)).map_err(fail)?;
        }
        Err(e) => return Err(fail(e)),
    }
    std::env::set_current_dir(path).map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_private_and_entered() {
        let base = tempfile::tempdir().unwrap();
        let dir = base.path().join("a/b");
        let before = std::env::current_dir().unwrap();
        enter(&dir).unwrap();
        let mode = fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
        assert_eq!(
            std::env::current_dir().unwrap(),
            fs::canonicalize(&dir).unwrap()
        );
        std::env::set_current_dir(before).unwrap();

        let file = base.path().join("f");
        fs::write(&file, b"").unwrap();
        assert!(enter(&file).is_err());
    }
}
