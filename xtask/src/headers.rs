//! The C headers of include/openais: which sa-abi module each one comes
//! from, what it includes, and the cbindgen configuration that writes it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use cbindgen::{Builder, Config, DocumentationLength, DocumentationStyle, Language, Style};

use crate::error::Error;
use crate::items;
use crate::warnings;

/// One generated header.
pub struct Header {
    /// File name in include/openais.
    pub file: &'static str,
    /// The sa-abi module (libsa/abi/src/<module>.rs) it is generated from.
    module: &'static str,
    /// What the header declares, for its opening comment.
    title: &'static str,
    /// Project headers it includes ("saAis.h").
    includes: &'static [&'static str],
    /// System headers it includes (<stdint.h>).
    sys_includes: &'static [&'static str],
    /// C text cbindgen cannot derive from Rust (string and brace-initializer
    /// macros), placed after the includes.
    raw: &'static str,
}

/// Types named by a header but declared by a system header: cbindgen would
/// otherwise spell them as typedef names.
const SYSTEM_TYPES: &[(&str, &str)] = &[("iovec", "struct iovec")];

const CKPT_SECTION_IDS: &str = "\
/* Section id initializers, usable as (SaCkptSectionIdT)SA_CKPT_DEFAULT_SECTION_ID. */
/* The only section of a checkpoint created with maxSections == 1. */
#define SA_CKPT_DEFAULT_SECTION_ID { 0, 0 }
/* Asks saCkptSectionCreate to choose the section id. */
#define SA_CKPT_GENERATED_SECTION_ID { 0, 0 }";

const EVT_LOST_EVENT: &str = "\
/* Pattern of the event that reports lost events to a subscriber. */
#define SA_EVT_LOST_EVENT \"SA_EVT_LOST_EVENT_PATTERN\"";

/// Every header, saAis.h first.
pub const HEADERS: &[Header] = &[
    Header {
        file: "saAis.h",
        module: "ais",
        title: "SA Forum AIS B.01.01: types, error codes and constants shared by every service",
        includes: &[],
        sys_includes: &["stdint.h"],
        raw: "",
    },
    Header {
        file: "saClm.h",
        module: "clm",
        title: "SA Forum AIS B.01.01 Cluster Membership Service",
        includes: &["saAis.h"],
        sys_includes: &[],
        raw: "",
    },
    Header {
        file: "saCkpt.h",
        module: "ckpt",
        title: "SA Forum AIS B.01.01 Checkpoint Service",
        includes: &["saAis.h"],
        sys_includes: &[],
        raw: CKPT_SECTION_IDS,
    },
    Header {
        file: "saEvt.h",
        module: "evt",
        title: "SA Forum AIS B.01.01 Event Service",
        includes: &["saAis.h"],
        sys_includes: &[],
        raw: EVT_LOST_EVENT,
    },
    Header {
        file: "saMsg.h",
        module: "msg",
        title: "SA Forum AIS B.01.01 Message Service",
        includes: &["saAis.h"],
        sys_includes: &[],
        raw: "",
    },
    Header {
        file: "saLck.h",
        module: "lck",
        title: "SA Forum AIS B.01.01 Lock Service",
        includes: &["saAis.h"],
        sys_includes: &[],
        raw: "",
    },
    Header {
        file: "saAmf.h",
        module: "amf",
        title: "SA Forum AIS B.01.01 Availability Management Framework",
        includes: &["saAis.h"],
        sys_includes: &[],
        raw: "",
    },
    Header {
        file: "evs.h",
        module: "evs",
        title: "openais extended virtual synchrony (closed process group) API",
        includes: &[],
        sys_includes: &["stdint.h", "sys/uio.h"],
        raw: "",
    },
    Header {
        file: "cpg.h",
        module: "cpg",
        title: "openais closed process group API",
        includes: &[],
        sys_includes: &["stdint.h", "sys/uio.h"],
        raw: "",
    },
];

impl Header {
    /// The source file this header is generated from.
    pub fn source(&self, abi_src: &Path) -> PathBuf {
        abi_src.join(format!("{}.rs", self.module))
    }

    /// The include guard: saCkpt.h -> OPENAIS_SACKPT_H.
    fn guard(&self) -> String {
        format!(
            "OPENAIS_{}",
            self.file.replace('.', "_").to_ascii_uppercase()
        )
    }

    /// The cbindgen configuration; `own` names every item of the module,
    /// which cbindgen would otherwise emit only when a function uses it.
    fn config(&self, own: &[String]) -> Config {
        let mut config = Config {
            header: Some(format!(
                "/*\n * {}: {}, openais 0.80 ABI.\n \
                 * Generated from libsa/abi/src/{}.rs by `make headers`: do not edit.\n */",
                self.file, self.title, self.module
            )),
            include_guard: Some(self.guard()),
            no_includes: true,
            includes: self.includes.iter().map(|s| s.to_string()).collect(),
            sys_includes: self.sys_includes.iter().map(|s| s.to_string()).collect(),
            after_includes: (!self.raw.is_empty()).then(|| format!("\n{}", self.raw)),
            language: Language::C,
            cpp_compat: true,
            // Tagged and typedef'd: C code says both `SaNameT` and `struct cpg_name`.
            style: Style::Both,
            tab_width: 4,
            line_length: 100,
            documentation: true,
            documentation_style: DocumentationStyle::Doxy,
            documentation_length: DocumentationLength::Full,
            // Keep the order of the Rust source: constants next to their type.
            sort_by: cbindgen::SortKey::None,
            ..Config::default()
        };
        config.export.include = own.to_vec();
        for (from, to) in SYSTEM_TYPES {
            config
                .export
                .rename
                .insert((*from).to_string(), (*to).to_string());
        }
        config
    }

    /// The header's text, generated from `abi_src/<module>.rs`. A cbindgen
    /// warning (an item it skipped, a type it cannot find) is an error: the
    /// header would lack the item. Types are found in the module itself, in
    /// the modules of the headers it includes, or in the system headers.
    pub fn generate(&self, abi_src: &Path) -> Result<Vec<u8>, Error> {
        let own = items::defined_names(&self.source(abi_src))?;
        let mut elsewhere = BTreeSet::new();
        for include in self.includes {
            let included =
                HEADERS
                    .iter()
                    .find(|h| h.file == *include)
                    .ok_or(Error::UnknownInclude {
                        header: self.file,
                        include,
                    })?;
            elsewhere.extend(items::defined_names(&included.source(abi_src))?);
        }
        elsewhere.extend(SYSTEM_TYPES.iter().map(|(name, _)| name.to_string()));

        warnings::take();
        let bindings = Builder::new()
            .with_config(self.config(&own))
            .with_src(self.source(abi_src))
            .generate()
            .map_err(|e| Error::Cbindgen {
                header: self.file,
                source: Box::new(e),
            })?;
        let skipped: Vec<String> = warnings::take()
            .into_iter()
            .filter(|w| {
                !w.missing_type()
                    .is_some_and(|name| elsewhere.contains(name))
            })
            .map(|w| w.to_string())
            .collect();
        if !skipped.is_empty() {
            return Err(Error::Skipped {
                header: self.file,
                messages: skipped,
            });
        }
        let mut text = Vec::new();
        bindings.write(&mut text);
        Ok(c89_comments(&String::from_utf8_lossy(&text)).into_bytes())
    }
}

/// cbindgen ends its `extern "C"` guards with `// __cplusplus` comments,
/// which C89 lacks (`gcc -ansi -pedantic` rejects them); openais's headers
/// were C89, so the trailing comments of preprocessor and brace lines become
/// block comments.
fn c89_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        match line.split_once("// ") {
            Some((code, comment)) if code.starts_with('#') || code.starts_with('}') => {
                out.push_str(code);
                out.push_str("/* ");
                out.push_str(comment);
                out.push_str(" */");
            }
            _ => out.push_str(line),
        }
        out.push('\n');
    }
    out
}
