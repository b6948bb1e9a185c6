use super::*;

fn ok(text: &str) -> bool {
    let mut doc = Doc::default();
    parse(text.as_bytes(), &mut doc).is_ok()
}

#[test]
fn accepts_rfc_8259_values() {
    for text in [
        "{}",
        "[]",
        " {\"a\" : [1, -2.5e+3, true, false, null, \"x\"]}\r",
        "\"\\ud83d\\ude00\"",
        "1e400",
        "-0",
        "\"\\u0000\"",
    ] {
        assert!(ok(text), "{text}");
    }
}

#[test]
fn rejects_what_rfc_8259_does_not_allow() {
    for text in [
        "",
        "{",
        "{\"a\":1,}",
        "[1,]",
        "NaN",
        "01",
        "1.",
        "1e",
        "+1",
        "'a'",
        "{\"a\" 1}",
        "\"\\ud800\"",
        "\"\\udc00\"",
        "\"\\ud800\\u0041\"",
        "\"a\u{1}\"",
        "\"\\x\"",
        "{} {}",
        "\u{feff}{}",
        "tru",
    ] {
        assert!(!ok(text), "{text:?}");
    }
}

#[test]
fn rejects_invalid_utf8_anywhere() {
    let mut doc = Doc::default();
    let line = b"{\"pad\":\"\xff\"}";
    assert!(matches!(parse(line, &mut doc), Err(Error::Syntax(_, 8))));
}

#[test]
fn nesting_is_limited() {
    let deep = |n: usize| "[".repeat(n) + &"]".repeat(n);
    assert!(ok(&deep(MAX_DEPTH)));
    let mut doc = Doc::default();
    let too = deep(MAX_DEPTH + 1);
    assert_eq!(parse(too.as_bytes(), &mut doc), Err(Error::TooDeep));
}

#[test]
fn keys_are_decoded_and_repeats_counted() {
    let mut doc = Doc::default();
    parse(br#"{"t\u0079pe":1,"type":2,"x":3}"#, &mut doc).unwrap();
    let (first, count) = doc.member(0, "type");
    assert_eq!(count, 2);
    assert_eq!(doc.text(doc.node(first.unwrap()).text), "1");
}
