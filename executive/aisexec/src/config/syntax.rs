//! The openais "objdb" file format, without any meaning attached.
//!
//! The format is line based:
//!
//! ```text
//! # a comment (the whole line)
//! totem {
//!         version: 2
//!         interface {
//!                 bindnetaddr: 192.168.1.0
//!         }
//! }
//! ```
//!
//! * a line ending in `{` opens a section named by what comes before it;
//! * a line holding only `}` closes the innermost open section;
//! * any other line is `key: value`, split at the first colon (so IPv6
//!   addresses need no quoting); the value runs to the end of the line,
//!   surrounding blanks removed;
//! * blank lines and lines whose first non-blank character is `#` are
//!   ignored.
//!
//! `name { }` on one line is accepted as an empty section. Anything else
//! sharing a line with a brace is an error rather than a guess: openais
//! silently misread such lines.

use super::error::ConfigErrorKind;

/// Deepest nesting of sections accepted. openais's files nest three
/// levels (`totem { interface { } }`, `amf { ... }`); the bound keeps a
/// pathological file from exhausting the stack of the code that walks or
/// drops the tree.
pub(crate) const MAX_DEPTH: usize = 16;

/// One `key: value` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub key: String,
    pub value: String,
    pub line: u32,
}

/// A section and what it contains, in file order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Section {
    /// Empty for the file itself.
    pub name: String,
    /// Line of `name {`; 0 for the file itself.
    pub line: u32,
    pub entries: Vec<Entry>,
    pub sections: Vec<Section>,
}

/// Parses a whole file into its top-level section. Errors carry the line
/// they were found on.
pub(crate) fn parse_tree(text: &str) -> Result<Section, (u32, ConfigErrorKind)> {
    // The stack of open sections; the root is never popped.
    let mut stack: Vec<Section> = vec![Section::default()];

    for (index, raw) in text.lines().enumerate() {
        let line = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let text = raw.trim_matches(|c: char| c == ' ' || c == '\t' || c == '\r');
        if text.is_empty() || text.starts_with('#') {
            continue;
        }

        if text == "}" {
            if stack.len() == 1 {
                return Err((line, ConfigErrorKind::UnexpectedClose));
            }
            let done = stack.pop().unwrap_or_default();
            if let Some(parent) = stack.last_mut() {
                parent.sections.push(done);
            }
            continue;
        }

        if let Some((name, closed)) = section_header(text) {
            let name = name.map_err(|e| (line, e))?;
            let section = Section {
                name,
                line,
                ..Section::default()
            };
            if closed {
                if let Some(parent) = stack.last_mut() {
                    parent.sections.push(section);
                }
            } else if stack.len() > MAX_DEPTH {
                // The root is on the stack too: `len - 1` sections are open.
                return Err((line, ConfigErrorKind::TooDeep(MAX_DEPTH)));
            } else {
                stack.push(section);
            }
            continue;
        }

        if text.contains('{') || text.contains('}') {
            return Err((line, ConfigErrorKind::BraceNotAlone));
        }

        let Some((key, value)) = text.split_once(':') else {
            return Err((line, ConfigErrorKind::Malformed));
        };
        let key = key.trim_end_matches([' ', '\t']);
        if key.is_empty() {
            return Err((line, ConfigErrorKind::Malformed));
        }
        check_name(key).map_err(|e| (line, e))?;
        let value = value.trim_matches([' ', '\t']);
        if value.is_empty() {
            return Err((line, ConfigErrorKind::MissingValue(key.to_string())));
        }
        if stack.len() == 1 {
            return Err((line, ConfigErrorKind::KeyOutsideSection(key.to_string())));
        }
        if let Some(current) = stack.last_mut() {
            current.entries.push(Entry {
                key: key.to_string(),
                value: value.to_string(),
                line,
            });
        }
    }

    if stack.len() > 1 {
        // Report the innermost unclosed section: with a forgotten `}` that
        // is the one the user most likely left open.
        let open = stack.pop().unwrap_or_default();
        return Err((open.line, ConfigErrorKind::Unclosed(open.name)));
    }
    Ok(stack.pop().unwrap_or_default())
}

/// Recognises `name {` and `name { }` lines. Returns the name (or the
/// error in it) and whether the section is closed on the same line; `None`
/// when the line is no section header at all.
fn section_header(text: &str) -> Option<(Result<String, ConfigErrorKind>, bool)> {
    let (head, closed) = if let Some(open) = text.strip_suffix('{') {
        (open, false)
    } else {
        let inner = text.strip_suffix('}')?.trim_end_matches([' ', '\t']);
        (inner.strip_suffix('{')?, true)
    };
    let name = head.trim_end_matches([' ', '\t']);
    if name.is_empty() {
        return Some((Err(ConfigErrorKind::MissingSectionName), closed));
    }
    if name.contains(['{', '}', ':']) {
        // `key: value {` or `a { b {`: braces and keys mixed on one line.
        return Some((Err(ConfigErrorKind::BraceNotAlone), closed));
    }
    Some((check_name(name).map(|()| name.to_string()), closed))
}

fn check_name(name: &str) -> Result<(), ConfigErrorKind> {
    let ok = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if ok {
        Ok(())
    } else {
        Err(ConfigErrorKind::BadName(name.to_string()))
    }
}
