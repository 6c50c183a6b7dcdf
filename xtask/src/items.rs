//! The names a sa-abi module defines, read from its source: a header may
//! use the types of the headers it includes, and nothing else it lacks.

use std::fs;
use std::path::Path;

use crate::error::{io_at, Error};

/// Top-level types and constants defined in the module at `path`, in
/// source order, except those marked `/// cbindgen:ignore` (Rust-only
/// definitions of what xtask writes to the header as text).
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
            syn::Item::Type(t) => Some((&t.attrs, &t.ident)),
            syn::Item::Struct(s) => Some((&s.attrs, &s.ident)),
            syn::Item::Union(u) => Some((&u.attrs, &u.ident)),
            syn::Item::Enum(e) => Some((&e.attrs, &e.ident)),
            syn::Item::Const(c) => Some((&c.attrs, &c.ident)),
            _ => None,
        })
        .filter(|(attrs, _)| !is_ignored(attrs))
        .map(|(_, ident)| ident.to_string())
        .collect())
}

/// Whether the item carries cbindgen's `/// cbindgen:ignore` doc line.
fn is_ignored(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| match &attr.meta {
        syn::Meta::NameValue(nv) if nv.path.is_ident("doc") => matches!(
            &nv.value,
            syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. })
                if s.value().trim() == "cbindgen:ignore"
        ),
        _ => false,
    })
}
