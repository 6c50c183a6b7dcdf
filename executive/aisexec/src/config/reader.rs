//! Reading the keys of a parsed section: which ones were asked for, which
//! repeat, which nobody knows.

use super::error::{ConfigError, ConfigErrorKind, ConfigWarning, WarningKind};
use super::syntax::{Entry, Section};

/// The file being read and the warnings found so far.
pub(crate) struct Ctx<'f> {
    pub file: &'f str,
    pub warnings: Vec<ConfigWarning>,
}

impl<'f> Ctx<'f> {
    pub fn new(file: &'f str) -> Self {
        Ctx {
            file,
            warnings: Vec::new(),
        }
    }

    pub fn error(&self, line: u32, kind: ConfigErrorKind) -> ConfigError {
        ConfigError {
            file: self.file.to_string(),
            line,
            kind,
        }
    }

    pub fn warn(&mut self, line: u32, kind: WarningKind) {
        self.warnings.push(ConfigWarning {
            file: self.file.to_string(),
            line,
            kind,
        });
    }
}

/// The keys of one section. Every key a builder asks for is marked used;
/// [`Keys::finish`] warns about the rest.
pub(crate) struct Keys<'s> {
    section: &'s Section,
    used: Vec<bool>,
}

impl<'s> Keys<'s> {
    pub fn new(section: &'s Section) -> Self {
        Keys {
            section,
            used: vec![false; section.entries.len()],
        }
    }

    /// The value of `key`. When the key repeats, the last one wins and the
    /// repetition is worth a warning.
    pub fn get(&mut self, ctx: &mut Ctx<'_>, key: &str) -> Option<&'s Entry> {
        self.get_any(ctx, &[key])
    }

    /// Like [`Keys::get`] for a key spelled several ways (openais's manual
    /// and code disagree on some names): the last line using any spelling
    /// wins.
    pub fn get_any(&mut self, ctx: &mut Ctx<'_>, names: &[&str]) -> Option<&'s Entry> {
        let found = self.take(names);
        let (last, earlier) = found.split_last()?;
        if let Some(first) = earlier.first() {
            ctx.warn(
                last.line,
                WarningKind::DuplicateKey {
                    key: last.key.clone(),
                    first_line: first.line,
                },
            );
        }
        Some(last)
    }

    /// Every value of a key that may repeat, in file order.
    pub fn all(&mut self, key: &str) -> Vec<&'s Entry> {
        self.take(&[key])
    }

    /// Keys openais knows but this implementation does not act on: accepted
    /// with a warning, so that existing files keep working.
    pub fn no_effect(&mut self, ctx: &mut Ctx<'_>, names: &[&str]) {
        for entry in self.take(names) {
            ctx.warn(entry.line, WarningKind::NoEffect(entry.key.clone()));
        }
    }

    /// Warns about every key nobody asked for.
    pub fn finish(self, ctx: &mut Ctx<'_>) {
        for (entry, used) in self.section.entries.iter().zip(&self.used) {
            if !used {
                ctx.warn(
                    entry.line,
                    WarningKind::UnknownKey {
                        section: self.section.name.clone(),
                        key: entry.key.clone(),
                    },
                );
            }
        }
    }

    fn take(&mut self, names: &[&str]) -> Vec<&'s Entry> {
        let mut found = Vec::new();
        for (entry, used) in self.section.entries.iter().zip(self.used.iter_mut()) {
            if names.contains(&entry.key.as_str()) {
                *used = true;
                found.push(entry);
            }
        }
        found
    }
}

/// Fails on a sub-section whose name is not in `known`.
pub(crate) fn check_subsections(
    ctx: &Ctx<'_>,
    section: &Section,
    known: &[&str],
) -> Result<(), ConfigError> {
    for sub in &section.sections {
        if !known.contains(&sub.name.as_str()) {
            return Err(ctx.error(
                sub.line,
                ConfigErrorKind::UnknownSection {
                    name: sub.name.clone(),
                    parent: Some(section.name.clone()),
                },
            ));
        }
    }
    Ok(())
}
