use super::*;
use crate::json::{parse, Doc};
use crate::rules::check as rule_book;

/// Every line the fast path accepts, the rule book accepts with no finding and the
/// same facts; and the fast path takes the clean lines of the sample export.
fn agrees(line: &str) -> bool {
    let fields = vec!["timestamp".to_string(), "time".to_string()];
    let fast = check(line.as_bytes(), &fields);
    let mut doc = Doc::default();
    let mut findings = crate::rules::Findings::default();
    let slow = match parse(line.as_bytes(), &mut doc) {
        Ok(()) => rule_book(&doc, &fields, &mut findings),
        Err(_) => None,
    };
    if let Some(fast) = &fast {
        assert!(
            findings.kept.is_empty(),
            "fast accepted {line}: {findings:?}"
        );
        assert_eq!(Some(fast), slow.as_ref(), "{line}");
    }
    fast.is_some()
}

#[test]
fn agrees_with_the_rule_book() {
    let sample = include_str!("../../sample_data/events.ndjson");
    let taken = sample.lines().filter(|line| agrees(line)).count();
    assert!(
        taken > 4_800,
        "only {taken} of 5000 clean lines took the fast path"
    );
    let broken = include_bytes!("../../sample_data/broken.ndjson");
    for line in broken.split(|&b| b == b'\n') {
        if let Ok(line) = std::str::from_utf8(line) {
            agrees(line);
        }
    }
    let base = sample.lines().next().unwrap();
    // Cut a clean line at every byte and splice bytes in: never a wrong acceptance.
    for i in 0..base.len() {
        if base.is_char_boundary(i) {
            agrees(&base[..i]);
            for insert in [
                "\"",
                ",",
                "}",
                "]",
                "1",
                " ",
                "{\"a\":1}",
                "\\u0041",
                "null",
            ] {
                agrees(&format!("{}{insert}{}", &base[..i], &base[i..]));
            }
        }
    }
}

#[test]
fn declines_what_only_the_rule_book_reports() {
    let good = r#"{"type":"view","view":{"type":"setCompose","setCompose":{"id":"s"}},"context":[{"type":"user","user":{"id":"u"}}]}"#;
    assert!(agrees(good));
    for line in [
        good.replace(r#""type":"view","#, r#""type":"view","type":"view","#),
        good.replace(r#"{"id":"s"}"#, "null"),
        good.replace(r#""context":["#, r#""userId":"v","context":["#),
        good.replace(r#"{"id":"u"}"#, r#"{"id":"u","id":"u"}"#),
        good.replace(r#""s""#, r#""\u0073""#),
        good.replace(r#""type":"user""#, r#""type":"experiment""#),
        good.replace("}]}", r#"}],"interact":{}}"#),
    ] {
        assert!(!agrees(&line), "{line}");
    }
    let with_time = good.replace("}]}", r#"}],"time":1,"timestamp":"2026-10-01"}"#);
    let fields = vec!["timestamp".to_string(), "time".to_string()];
    let facts = check(with_time.as_bytes(), &fields).expect("clean");
    assert_eq!(facts.time, Time::Text("2026-10-01"));
    // The time field written twice is no time (either could be meant), on both paths;
    // a repeat of a field outranked by another is of no matter.
    let twice = good.replace(
        "}]}",
        r#"}],"timestamp":1,"time":2,"timestamp":"2026-10-01"}"#,
    );
    assert!(!agrees(&twice), "declined to the rule book");
    let mut doc = Doc::default();
    parse(twice.as_bytes(), &mut doc).expect("JSON");
    let facts = rule_book(&doc, &fields, &mut Default::default()).expect("valid");
    assert_eq!(facts.time, Time::Unusable);
    let outranked = good.replace("}]}", r#"}],"time":1,"timestamp":"2026-10-01","time":2}"#);
    let facts = check(outranked.as_bytes(), &fields).expect("clean");
    assert_eq!(facts.time, Time::Text("2026-10-01"));
}

/// A small deterministic generator (xorshift), for mutations without a crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn random_mutations_never_make_the_paths_disagree() {
    let sample = include_str!("../../sample_data/events.ndjson");
    let lines: Vec<&str> = sample.lines().collect();
    let pieces = [
        "\"",
        ",",
        ":",
        "{",
        "}",
        "[",
        "]",
        "null",
        "true",
        "0",
        "-1",
        "1e999",
        "\"\"",
        "\"type\":\"view\"",
        "\"userId\":\"u\"",
        "\"context\":[]",
        "\"action\":\"Click\"",
        "{\"type\":\"user\",\"user\":{\"id\":\"x\"}}",
        "\\u0041",
        "\u{7f}",
        "\u{e9}",
        " ",
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut taken = 0;
    for _ in 0..200_000 {
        let mut line = lines[rng.below(lines.len())].as_bytes().to_vec();
        for _ in 0..1 + rng.below(3) {
            let at = rng.below(line.len() + 1);
            match rng.below(3) {
                0 => {
                    let end = (at + 1 + rng.below(8)).min(line.len());
                    line.drain(at..end);
                }
                1 => {
                    let piece = pieces[rng.below(pieces.len())].as_bytes();
                    line.splice(at..at, piece.iter().copied());
                }
                _ => {
                    if at < line.len() {
                        line[at] = rng.next() as u8;
                    }
                }
            }
        }
        if let Ok(text) = std::str::from_utf8(&line) {
            taken += agrees(text) as usize;
        }
    }
    assert!(
        taken > 10_000,
        "too few mutated lines stayed clean ({taken}) to test much"
    );
}
