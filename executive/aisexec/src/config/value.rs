//! Turning the text of one `key: value` line into a typed value.

use std::net::IpAddr;

use super::error::ConfigErrorKind;
use super::syntax::Entry;

fn bad(entry: &Entry, expected: &'static str) -> ConfigErrorKind {
    ConfigErrorKind::BadValue {
        key: entry.key.clone(),
        value: entry.value.clone(),
        expected,
    }
}

/// `on`/`off` or `yes`/`no` (openais used both pairs, depending on the key;
/// either is accepted everywhere), in any case.
pub(crate) fn boolean(entry: &Entry) -> Result<bool, ConfigErrorKind> {
    match entry.value.to_ascii_lowercase().as_str() {
        "on" | "yes" => Ok(true),
        "off" | "no" => Ok(false),
        _ => Err(bad(entry, "on/off or yes/no")),
    }
}

/// A decimal number in `min..=max`.
pub(crate) fn number(entry: &Entry, min: u64, max: u64) -> Result<u64, ConfigErrorKind> {
    if entry.value.is_empty() || !entry.value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad(entry, "a decimal number"));
    }
    let out_of_range = || ConfigErrorKind::OutOfRange {
        key: entry.key.clone(),
        value: entry.value.clone(),
        min,
        max,
    };
    // Only digits: parsing fails only on overflow, which is out of range.
    let value = entry.value.parse::<u64>().map_err(|_| out_of_range())?;
    if value < min || value > max {
        return Err(out_of_range());
    }
    Ok(value)
}

/// [`number`] for values that fit a `u32` by construction of `max`.
pub(crate) fn number_u32(entry: &Entry, min: u32, max: u32) -> Result<u32, ConfigErrorKind> {
    let value = number(entry, u64::from(min), u64::from(max))?;
    // In range, hence fits.
    Ok(u32::try_from(value).unwrap_or(max))
}

/// An IPv4 address in dotted form or an IPv6 address in its textual form.
pub(crate) fn address(entry: &Entry) -> Result<IpAddr, ConfigErrorKind> {
    entry
        .value
        .parse::<IpAddr>()
        .map_err(|_| bad(entry, "an IPv4 or IPv6 address"))
}

/// One of a fixed set of words, compared without regard to case.
pub(crate) fn choice<T: Copy>(
    entry: &Entry,
    choices: &[(&str, T)],
    expected: &'static str,
) -> Result<T, ConfigErrorKind> {
    choices
        .iter()
        .find(|(word, _)| word.eq_ignore_ascii_case(&entry.value))
        .map(|&(_, value)| value)
        .ok_or_else(|| bad(entry, expected))
}
