//! The names a sa-abi module defines, read from its source: a header may
//! use the types of the headers it includes, and nothing else it lacks.

use std::fs;
use std::path::Path;

use crate::error::{io_at, Error};

/// Top-level types and constants defined in the module at `path`, in
/// source order.
pub fn defined_names(path: &Path) -> Result<Vec<String>, Error> {
    let text = fs::read_to_string(path).map_err(io_at(path))?;
    let file = syn::parse_file(&text).map_err(|e| Error::Parse {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    Ok(file
        .items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Type(t) => Some(t.ident.to_string()),
            syn::Item::Struct(s) => Some(s.ident.to_string()),
            syn::Item::Union(u) => Some(u.ident.to_string()),
            syn::Item::Enum(e) => Some(e.ident.to_string()),
            syn::Item::Const(c) => Some(c.ident.to_string()),
            _ => None,
        })
        .collect())
}
