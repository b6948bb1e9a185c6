//! One line's bytes through the kernel's verdict: the fast path and the rule book must
//! agree on every line the fast path takes, a line's kept findings and its document stay
//! within their limits, and nothing panics.
use _core::json::{parse, Doc, MAX_VALUES};
use _core::rules::{check, Findings, MAX_FINDINGS};
use _core::scan::line_findings;

fn main() {
    let fields: Vec<String> = ["timestamp", "receivedAt", "time"]
        .map(String::from)
        .to_vec();
    afl::fuzz!(|data: &[u8]| {
        let mut doc = Doc::default();
        let mut findings = Findings::default();
        let valid = line_findings(data, &mut doc, &fields, &mut findings).is_some();
        assert!(findings.kept.len() <= MAX_FINDINGS);
        assert!(doc.nodes.len() <= MAX_VALUES);
        assert!(!valid || findings.kept.iter().all(|f| f.code.is_warning()));
        if let Some(fast) = _core::fast::check(data, &fields) {
            let mut doc = Doc::default();
            let mut found = Findings::default();
            parse(data, &mut doc).expect("the fast path took JSON");
            let slow = check(&doc, &fields, &mut found);
            assert!(found.kept.is_empty(), "{found:?}");
            assert_eq!(Some(fast), slow);
        }
        if let Ok(text) = std::str::from_utf8(data) {
            let _ = _core::times::parse_iso(text);
        }
    });
}
