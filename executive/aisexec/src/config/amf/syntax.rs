//! The line syntax of openais 0.80's `amf.conf`, without meaning.
//!
//! It is not the objdb syntax of `openais.conf` (`key: value`): settings
//! are `key = value` (or `key=value`), objects open with `safXxx = NAME {`
//! and lists with `key {`, holding one value per line (`saAmfCompCsTypes`,
//! `saAmfCompCmdEnv`, `safCSIAttr = NAME { ... }`). A short list may stand
//! on one line: `saAmfCompCsTypes { A B }`. `#` starts a comment line.
//! The nesting bound and the line-numbered errors are those of
//! [`crate::config`].

use super::AmfErrorKind;
use crate::config::syntax::MAX_DEPTH;

/// `key = value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Setting {
    pub key: String,
    pub value: String,
    pub line: u32,
}

/// An object (`safXxx = NAME { }`) or a list (`key { }`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Block {
    /// `safComp`, `saAmfCompCsTypes`...; empty for the file itself.
    pub key: String,
    /// `NAME` of `safXxx = NAME {`; `None` for a list without a name.
    pub name: Option<String>,
    pub line: u32,
    /// Objects: their settings. Lists hold none.
    pub settings: Vec<Setting>,
    pub blocks: Vec<Block>,
    /// Lists: their values in order, with their lines.
    pub items: Vec<(String, u32)>,
}

/// Keys whose block is a list of values rather than an object.
const LIST_KEYS: &[&str] = &["saAmfCompCsTypes", "saAmfCompCmdEnv", "safCSIAttr"];

fn is_list(key: &str) -> bool {
    LIST_KEYS.contains(&key)
}

/// Parses the whole file. Errors carry their line.
pub(crate) fn parse(text: &str) -> Result<Block, (u32, AmfErrorKind)> {
    let mut stack: Vec<Block> = vec![Block::default()];
    for (index, raw) in text.lines().enumerate() {
        let line = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let text = raw.trim_matches([' ', '\t', '\r']);
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        let in_list = stack.last().is_some_and(|b| is_list(&b.key));
        if text == "}" {
            if stack.len() == 1 {
                return Err((line, AmfErrorKind::UnexpectedClose));
            }
            let done = stack.pop().unwrap_or_default();
            if let Some(parent) = stack.last_mut() {
                parent.blocks.push(done);
            }
            continue;
        }
        if in_list {
            if text.contains(['{', '}']) {
                return Err((line, AmfErrorKind::BraceInList));
            }
            if let Some(list) = stack.last_mut() {
                list.items.push((text.to_string(), line));
            }
            continue;
        }
        if let Some(head) = text.strip_suffix('{') {
            let block = block_header(head, line)?;
            if stack.len() > MAX_DEPTH {
                return Err((line, AmfErrorKind::TooDeep(MAX_DEPTH)));
            }
            stack.push(block);
            continue;
        }
        if let Some((head, rest)) = text.split_once('{') {
            // `key { a b }`: a one-line list.
            let Some(inner) = rest.strip_suffix('}') else {
                return Err((line, AmfErrorKind::BraceNotAlone));
            };
            let mut block = block_header(head, line)?;
            if !is_list(&block.key) || inner.contains(['{', '}']) {
                return Err((line, AmfErrorKind::BraceNotAlone));
            }
            block.items = inner
                .split_whitespace()
                .map(|w| (w.to_string(), line))
                .collect();
            if let Some(parent) = stack.last_mut() {
                parent.blocks.push(block);
            }
            continue;
        }
        if text.contains('}') {
            return Err((line, AmfErrorKind::BraceNotAlone));
        }
        let Some((key, value)) = text.split_once('=') else {
            return Err((line, AmfErrorKind::Malformed));
        };
        let key = key.trim_matches([' ', '\t']);
        let value = value.trim_matches([' ', '\t']);
        check_key(key).map_err(|e| (line, e))?;
        if value.is_empty() {
            return Err((line, AmfErrorKind::MissingValue(key.to_string())));
        }
        if stack.len() == 1 {
            return Err((line, AmfErrorKind::OutsideCluster(key.to_string())));
        }
        if let Some(current) = stack.last_mut() {
            current.settings.push(Setting {
                key: key.to_string(),
                value: value.to_string(),
                line,
            });
        }
    }
    if stack.len() > 1 {
        let open = stack.pop().unwrap_or_default();
        return Err((open.line, AmfErrorKind::Unclosed(open.key)));
    }
    Ok(stack.pop().unwrap_or_default())
}

/// `safXxx = NAME` or `key` before a `{`.
fn block_header(head: &str, line: u32) -> Result<Block, (u32, AmfErrorKind)> {
    let head = head.trim_matches([' ', '\t']);
    let (key, name) = match head.split_once('=') {
        Some((k, n)) => {
            let n = n.trim_matches([' ', '\t']);
            if n.is_empty() || n.contains(char::is_whitespace) {
                return Err((line, AmfErrorKind::BadObjectName(n.to_string())));
            }
            (k.trim_matches([' ', '\t']), Some(n.to_string()))
        }
        None => (head, None),
    };
    if key.is_empty() {
        return Err((line, AmfErrorKind::Malformed));
    }
    check_key(key).map_err(|e| (line, e))?;
    Ok(Block {
        key: key.to_string(),
        name,
        line,
        ..Block::default()
    })
}

fn check_key(key: &str) -> Result<(), AmfErrorKind> {
    if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        Ok(())
    } else {
        Err(AmfErrorKind::BadKey(key.to_string()))
    }
}
