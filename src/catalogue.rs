//! The problem catalogue and the contract's vocabulary, read from the JSON files that
//! Python reads too (`interact_cli/problems.json`, `interact_cli/vocabulary.json`), so
//! that every code, message template and word of the contract is written down once.

use crate::json::{parse, Doc, Kind};
use std::collections::HashSet;
use std::sync::OnceLock;

pub const PROBLEMS: &str = include_str!("../interact_cli/problems.json");
const VOCABULARY: &str = include_str!("../interact_cli/vocabulary.json");

/// Problem codes, in the catalogue's order (a test holds the two to the same order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Code {
    InvalidJson,
    TooDeep,
    TooManyValues,
    LineTooLong,
    NotAnObject,
    MissingField,
    DuplicateField,
    WrongType,
    InvalidValue,
    OutOfRange,
    EmptyString,
    NotPositive,
    UnknownCurrency,
    UnknownEventType,
    MissingUser,
    AmbiguousUser,
    AmbiguousSet,
    UserMismatch,
    NoSetContext,
    NullSet,
    ActionNearMiss,
    UnknownContextType,
}

pub const ALL_CODES: [Code; 22] = [
    Code::InvalidJson,
    Code::TooDeep,
    Code::TooManyValues,
    Code::LineTooLong,
    Code::NotAnObject,
    Code::MissingField,
    Code::DuplicateField,
    Code::WrongType,
    Code::InvalidValue,
    Code::OutOfRange,
    Code::EmptyString,
    Code::NotPositive,
    Code::UnknownCurrency,
    Code::UnknownEventType,
    Code::MissingUser,
    Code::AmbiguousUser,
    Code::AmbiguousSet,
    Code::UserMismatch,
    Code::NoSetContext,
    Code::NullSet,
    Code::ActionNearMiss,
    Code::UnknownContextType,
];

/// One catalogue entry.
pub struct Entry {
    pub code: String,
    pub is_warning: bool,
    pub message: String,
}

pub struct Vocabulary {
    pub event_types: Vec<String>,
    pub context_types: Vec<String>,
    pub click: String,
    pub add_to_cart: String,
    pub currencies: HashSet<String>,
    pub time_fields: Vec<String>,
}

fn field<'d>(doc: &'d Doc, object: u32, key: &str) -> &'d str {
    let (node, _) = doc.member(object, key);
    let node = node.unwrap_or_else(|| panic!("catalogue: no '{key}'"));
    doc.text(doc.node(node).text)
}

fn strings(doc: &Doc, object: u32, key: &str) -> Vec<String> {
    let (node, _) = doc.member(object, key);
    let node = node.unwrap_or_else(|| panic!("vocabulary: no '{key}'"));
    doc.children(node)
        .map(|c| doc.text(doc.node(c).text).to_string())
        .collect()
}

/// The catalogue entries, in file order (parsed once).
pub fn entries() -> &'static [Entry] {
    static ENTRIES: OnceLock<Vec<Entry>> = OnceLock::new();
    ENTRIES.get_or_init(|| {
        let mut doc = Doc::default();
        parse(PROBLEMS.as_bytes(), &mut doc).expect("problems.json is JSON");
        let (list, _) = doc.member(0, "problems");
        let list = list.expect("problems.json has 'problems'");
        assert_eq!(doc.node(list).kind, Kind::Array);
        doc.children(list)
            .map(|item| Entry {
                code: field(&doc, item, "code").to_string(),
                is_warning: field(&doc, item, "severity") == "warning",
                message: field(&doc, item, "message").to_string(),
            })
            .collect()
    })
}

/// The contract's vocabulary (parsed once).
pub fn vocabulary() -> &'static Vocabulary {
    static VOCAB: OnceLock<Vocabulary> = OnceLock::new();
    VOCAB.get_or_init(|| {
        let mut doc = Doc::default();
        parse(VOCABULARY.as_bytes(), &mut doc).expect("vocabulary.json is JSON");
        let (actions, _) = doc.member(0, "actions");
        let actions = actions.expect("vocabulary has 'actions'");
        let currencies = format!(
            "{} {}",
            field(&doc, 0, "currencies_iso_4217"),
            field(&doc, 0, "currencies_vendor_extra")
        );
        Vocabulary {
            event_types: strings(&doc, 0, "event_types"),
            context_types: strings(&doc, 0, "context_types"),
            click: field(&doc, actions, "click").to_string(),
            add_to_cart: field(&doc, actions, "add_to_cart").to_string(),
            currencies: currencies.split_whitespace().map(String::from).collect(),
            time_fields: strings(&doc, 0, "time_field_candidates"),
        }
    })
}

impl Code {
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn entry(self) -> &'static Entry {
        &entries()[self.index()]
    }

    pub fn slug(self) -> &'static str {
        &self.entry().code
    }

    pub fn is_warning(self) -> bool {
        self.entry().is_warning
    }

    /// The message with each {name} of the template replaced by its value.
    pub fn message(self, values: &[(&str, &str)]) -> String {
        let template = &self.entry().message;
        let mut out = String::with_capacity(template.len() + 32);
        let mut rest = template.as_str();
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let close = rest[open..].find('}').expect("template braces") + open;
            let name = &rest[open + 1..close];
            let value = values
                .iter()
                .find(|(n, _)| *n == name)
                .unwrap_or_else(|| panic!("no value for {{{name}}} in {}", self.slug()));
            push_shortened(&mut out, value.1);
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        out
    }
}

/// The most characters of one value a message shows: values come from the data, and a
/// kept problem must not hold a line's megabytes (20 lines of an 8 MB `type` took 514 MB).
pub const MAX_VALUE_CHARS: usize = 200;

/// `value` into `out`, cut to MAX_VALUE_CHARS characters with "…" when longer.
fn push_shortened(out: &mut String, value: &str) {
    match value.char_indices().nth(MAX_VALUE_CHARS) {
        None => out.push_str(value),
        Some((at, _)) => {
            out.push_str(&value[..at]);
            out.push('…');
        }
    }
}

#[cfg(test)]
mod tests;
