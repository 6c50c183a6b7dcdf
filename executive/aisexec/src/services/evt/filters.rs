//! Subscription filters matched against event patterns (B.01.01 3.3).
//!
//! An event matches a subscription when every filter matches the pattern
//! of the same index: filter 0 against pattern 0, filter 1 against
//! pattern 1, and so on, as far as both go (min(filters, patterns)
//! pairs). Patterns beyond the last filter are not looked at, and
//! neither are filters beyond the last pattern: an event with fewer
//! patterns than the subscription has filters matches when its pairs
//! do, and an event without patterns matches every subscription. That is
//! openais's rule (its programs publish such events and expect them
//! delivered); B.01.01 does not say what the filters past the last
//! pattern match (ARCHITECTURE.md, "EVT filters").
//! Comparisons are bytewise: patterns are not text, case matters.

use sa_ipc::proto::evt::{Filter, FilterKind};

/// Whether one filter accepts one pattern.
pub fn filter_matches(filter: &Filter, pattern: &[u8]) -> bool {
    match filter.kind {
        FilterKind::Prefix => pattern.starts_with(&filter.pattern),
        FilterKind::Suffix => pattern.ends_with(&filter.pattern),
        FilterKind::Exact => pattern == filter.pattern.as_slice(),
        FilterKind::PassAll => true,
    }
}

/// Whether an event with `patterns` matches a subscription with `filters`.
pub fn event_matches(filters: &[Filter], patterns: &[Vec<u8>]) -> bool {
    filters
        .iter()
        .zip(patterns)
        .all(|(f, p)| filter_matches(f, p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(kind: FilterKind, pattern: &str) -> Filter {
        Filter {
            kind,
            pattern: pattern.as_bytes().to_vec(),
        }
    }

    fn pats(p: &[&str]) -> Vec<Vec<u8>> {
        p.iter().map(|s| s.as_bytes().to_vec()).collect()
    }

    #[test]
    fn prefix() {
        let ab = f(FilterKind::Prefix, "ab");
        assert!(filter_matches(&ab, b"abc"));
        assert!(filter_matches(&ab, b"ab"));
        assert!(!filter_matches(&ab, b"xab"));
        assert!(!filter_matches(&ab, b"a"));
        assert!(!filter_matches(&ab, b"ABc"), "case matters");
        assert!(filter_matches(&f(FilterKind::Prefix, ""), b"anything"));
        assert!(filter_matches(&f(FilterKind::Prefix, ""), b""));
    }

    #[test]
    fn suffix() {
        let yz = f(FilterKind::Suffix, "yz");
        assert!(filter_matches(&yz, b"xyz"));
        assert!(filter_matches(&yz, b"yz"));
        assert!(!filter_matches(&yz, b"yza"));
        assert!(!filter_matches(&yz, b"z"));
    }

    #[test]
    fn exact() {
        let key = f(FilterKind::Exact, "key");
        assert!(filter_matches(&key, b"key"));
        for other in [&b"keys"[..], b"ke", b"KEY", b"xkey", b""] {
            assert!(!filter_matches(&key, other));
        }
        assert!(filter_matches(&f(FilterKind::Exact, ""), b""));
        assert!(!filter_matches(&f(FilterKind::Exact, ""), b"x"));
    }

    #[test]
    fn pass_all_ignores_its_pattern() {
        let all = f(FilterKind::PassAll, "ignored");
        for p in [&b"anything"[..], b"", b"ignored", &[0, 255]] {
            assert!(filter_matches(&all, p));
        }
    }

    #[test]
    fn binary_patterns_compare_bytewise() {
        let nul = Filter {
            kind: FilterKind::Prefix,
            pattern: vec![0, 1],
        };
        assert!(filter_matches(&nul, &[0, 1, 2]));
        assert!(!filter_matches(&nul, &[0, 2]));
    }

    #[test]
    fn every_filter_must_match_its_own_pattern() {
        let filters = [f(FilterKind::Exact, "a"), f(FilterKind::Prefix, "b")];
        assert!(event_matches(&filters, &pats(&["a", "bc"])));
        assert!(event_matches(&filters, &pats(&["a", "b"])));
        assert!(!event_matches(&filters, &pats(&["a", "cb"])));
        assert!(!event_matches(&filters, &pats(&["x", "bc"])));
        assert!(
            !event_matches(&filters, &pats(&["bc", "a"])),
            "by index, not anywhere"
        );
        // patterns past the last filter are not looked at
        assert!(event_matches(&filters, &pats(&["a", "b", "zzz"])));
    }

    #[test]
    fn filter_applies_to_the_pattern_of_its_index() {
        let filters = [f(FilterKind::PassAll, ""), f(FilterKind::Exact, "two")];
        assert!(event_matches(&filters, &pats(&["whatever", "two"])));
        assert!(!event_matches(&filters, &pats(&["two", "whatever"])));
    }

    #[test]
    fn filters_past_the_last_pattern_are_not_looked_at() {
        let filters = [f(FilterKind::Exact, "one"), f(FilterKind::Exact, "two")];
        assert!(event_matches(&filters, &pats(&["one"])));
        assert!(!event_matches(&filters, &pats(&["other"])));
        assert!(!event_matches(&filters, &pats(&["one", "other"])));
    }

    #[test]
    fn an_event_without_patterns_matches_every_subscription() {
        assert!(event_matches(&[f(FilterKind::Exact, "x")], &[]));
        assert!(event_matches(
            &[f(FilterKind::Prefix, "a"), f(FilterKind::Suffix, "z")],
            &[]
        ));
    }

    #[test]
    fn no_filters_match_every_event() {
        assert!(event_matches(&[], &[]));
        assert!(event_matches(&[], &pats(&["x"])));
    }
}
