use super::*;
use crate::catalogue::{ALL_CODES, PROBLEMS};
use crate::json::parse;

fn findings(line: &str) -> (bool, Vec<Finding>) {
    let mut doc = Doc::default();
    parse(line.as_bytes(), &mut doc).expect("JSON");
    let mut found = Findings::default();
    let valid = check(&doc, &[], &mut found).is_some();
    assert!(found.more.is_empty());
    (valid, found.kept)
}

#[test]
fn each_catalogue_example_yields_its_code() {
    let mut doc = Doc::default();
    parse(PROBLEMS.as_bytes(), &mut doc).unwrap();
    let list = doc.member(0, "problems").0.unwrap();
    for (code, item) in ALL_CODES.iter().zip(doc.children(list)) {
        if doc.member(item, "example_is_sketch").0.is_some() {
            continue;
        }
        let example = doc.text(doc.node(doc.member(item, "example").0.unwrap()).text);
        let mut line_doc = Doc::default();
        let mut found = Findings::default();
        crate::scan::line_findings(example.as_bytes(), &mut line_doc, &[], &mut found);
        assert!(
            found.kept.iter().any(|f| f.code == *code),
            "{code:?}: {example} gave {found:?}"
        );
    }
}

#[test]
fn the_three_dialects_give_set_and_user() {
    let seed = r#"{"type":"interact","interact":{"type":"product","action":"click","product":{"sku":"k"}},"context":[{"type":"setCompose","setCompose":{"id":"s"}},{"type":"user","user":{"id":"u"}}]}"#;
    let oldest = r#"{"type":"interact","userId":"u","interact":{"type":"product","product":{"sku":"k"}},"context":[{"type":"setCompose","setCompose":{"id":"s"}},{"type":"api"}]}"#;
    let newest = r#"{"type":"interact","interact":{"type":"product","product":{"sku":"k"}},"context":[{"type":"content","content":{"type":"setCompose","setCompose":{"id":"s"}}},{"type":"user","user":{"id":"u"}}]}"#;
    for line in [seed, oldest, newest] {
        let mut doc = Doc::default();
        parse(line.as_bytes(), &mut doc).unwrap();
        let mut found = Findings::default();
        let facts = check(&doc, &[], &mut found).expect("valid");
        assert!(found.kept.is_empty(), "{found:?}");
        assert_eq!(
            (facts.set_id, facts.user, facts.sku),
            (Some("s"), "u", Some("k"))
        );
    }
}

#[test]
fn a_repeated_contract_field_is_an_error_but_a_repeated_extra_is_not() {
    let (valid, found) = findings(
        r#"{"type":"api","api":{"type":"setCompose","action":"query","action":"query"},"userId":"u","context":[],"x":1,"x":2}"#,
    );
    assert!(!valid);
    assert_eq!(found.len(), 1);
    assert_eq!(
        (found[0].code, found[0].path.as_str()),
        (Code::DuplicateField, "/api/action")
    );
}

#[test]
fn paths_name_items_by_index() {
    let (_, found) = findings(
        r#"{"type":"order","userId":"u","context":[],"order":{"id":"o","lines":[{"sku":"k","quantity":1,"grossPrice":{"amount":1,"currency":"EUR"}},{"sku":"k","quantity":-2,"grossPrice":{"amount":1e999,"currency":"X"}}]}}"#,
    );
    let got: Vec<_> = found.iter().map(|f| (f.code, f.path.as_str())).collect();
    assert_eq!(
        got,
        vec![
            (Code::NotPositive, "/order/lines/1/quantity"),
            (Code::OutOfRange, "/order/lines/1/grossPrice/amount"),
            (Code::UnknownCurrency, "/order/lines/1/grossPrice/currency"),
        ]
    );
    assert_eq!(found[0].message, "'quantity' must be > 0, not -2.0.");
}

#[test]
fn floats_print_as_python_does() {
    assert_eq!(float_repr(0.0), "0.0");
    assert_eq!(float_repr(-1.5), "-1.5");
    assert_eq!(float_repr(1e-5), "1e-05");
    assert_eq!(float_repr(1e16), "1e+16");
    assert_eq!(float_repr(1.5e300), "1.5e+300");
    assert_eq!(float_repr(123456.0), "123456.0");
}

#[test]
fn near_misses() {
    assert_eq!(near_miss("Click"), Some("click"));
    assert_eq!(near_miss("add_to_cart"), Some("addToCart"));
    assert_eq!(near_miss("addToCart"), None);
    assert_eq!(near_miss("navigateTo"), None);
}
