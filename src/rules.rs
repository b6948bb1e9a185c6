//! The rule book: every problem of one parsed event, with JSON Pointer paths, and the
//! facts of the event when it has no error. This is the product's one definition of
//! what is valid; the Python oracle in the tests is held to it by a property test.
//!
//! The walk allocates nothing for a clean event: paths and messages are only built
//! when a problem is found.

use crate::catalogue::{vocabulary, Code};
use crate::json::{Doc, Kind};

/// A problem inside one event, before it is placed in a file and line.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub code: Code,
    pub path: String,
    pub message: String,
}

mod findings;
pub use findings::{Findings, More, MAX_FINDINGS};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    Interact,
    View,
    Order,
    Api,
}

impl EventKind {
    pub const ALL: [EventKind; 4] = [
        EventKind::Interact,
        EventKind::View,
        EventKind::Order,
        EventKind::Api,
    ];

    /// The event's `type`, as the vocabulary spells it.
    pub fn name(self) -> &'static str {
        &vocabulary().event_types[self as usize]
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct OrderLine<'d> {
    pub sku: &'d str,
    pub quantity: f64,
    pub amount: f64,
    pub currency: &'d str,
}

/// The value of the event's time field, as found.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Time<'d> {
    Absent,
    Text(&'d str),
    Number(f64),
    /// An object, array or boolean: present but never a time.
    Unusable,
}

/// A valid event reduced to the fields the report aggregates.
#[derive(Clone, Debug, PartialEq)]
pub struct Facts<'d> {
    pub kind: EventKind,
    pub user: &'d str,
    pub set_id: Option<&'d str>,
    pub sku: Option<&'d str>,
    pub action: Option<&'d str>,
    pub order_id: Option<&'d str>,
    pub lines: Vec<OrderLine<'d>>,
    pub time: Time<'d>,
}

/// Where a value stands, built into a JSON Pointer only when a problem is reported:
/// up to four static names, with an array index after one of them.
#[derive(Clone, Copy)]
struct Path {
    parts: [&'static str; 4],
    len: usize,
    /// (after how many parts, index)
    index: Option<(usize, usize)>,
}

const ROOT: Path = Path {
    parts: [""; 4],
    len: 0,
    index: None,
};

impl Path {
    fn sub(self, name: &'static str) -> Path {
        let mut next = self;
        next.parts[self.len] = name;
        next.len += 1;
        next
    }

    fn item(self, index: usize) -> Path {
        Path {
            index: Some((self.len, index)),
            ..self
        }
    }

    fn render(self) -> String {
        let mut out = String::new();
        for i in 0..=self.len {
            if let Some((after, index)) = self.index {
                if after == i {
                    out.push('/');
                    out.push_str(&index.to_string());
                }
            }
            if i < self.len {
                out.push('/');
                out.push_str(self.parts[i]);
            }
        }
        out
    }

    fn key(self, key: &str) -> String {
        format!("{}/{key}", self.render())
    }
}

const NOT_A_FLOAT: &str = "it does not fit a 64-bit float";
const TOO_MUCH: &str = "quantity × amount must stay below 9.2e12, to be summed exactly";

/// Revenue of an order line in integer millionths (quantity × amount × 10^6, rounded half
/// to even), so that sums are exact; None when it does not fit 64 bits (a rule: see
/// `out-of-range`). The one place of the money rule.
pub fn micros_of(quantity: f64, amount: f64) -> Option<i64> {
    let micros = (quantity * amount * 1_000_000.0).round_ties_even();
    // 2^63 is exact in f64; everything strictly inside fits an i64.
    (micros.abs() < 9_223_372_036_854_775_808.0).then_some(micros as i64)
}

/// The JSON type names messages use after "must be".
fn article(kind: Kind) -> &'static str {
    match kind {
        Kind::Object => "an object",
        Kind::Array => "an array",
        Kind::String => "a string",
        Kind::Number => "a number",
        Kind::Bool => "a boolean",
        Kind::Null => "null",
    }
}

/// Python's repr of a float, as messages have always shown numbers ("0.0", "1e-05").
pub fn float_repr(value: f64) -> String {
    let text = format!("{value:?}");
    match text.find('e') {
        None => text,
        Some(e) => {
            let (mantissa, exponent) = (&text[..e], &text[e + 1..]);
            let (sign, digits) = match exponent.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', exponent),
            };
            let mantissa = mantissa.strip_suffix(".0").unwrap_or(mantissa);
            format!("{mantissa}e{sign}{digits:0>2}")
        }
    }
}

/// The canonical action an action misspells by case or separators, if any.
pub fn near_miss(action: &str) -> Option<&'static str> {
    let vocab = vocabulary();
    if action == vocab.click || action == vocab.add_to_cart {
        return None;
    }
    let mut squashed = String::with_capacity(action.len());
    for ch in action.chars() {
        if matches!(ch, ' ' | '_' | '-' | '.') {
            continue;
        }
        squashed.extend(ch.to_lowercase());
        if squashed.len() > 9 {
            return None; // longer than "addtocart": no near miss
        }
    }
    [vocab.click.as_str(), vocab.add_to_cart.as_str()]
        .into_iter()
        .find(|canonical| canonical.to_lowercase() == squashed)
}

struct Walk<'w, 'f> {
    doc: &'w Doc<'w>,
    findings: &'f mut Findings,
    errors: usize,
}

/// What the context array says about the user and the set.
#[derive(Default)]
struct Context<'w> {
    users: Vec<&'w str>,
    sets: Vec<&'w str>,
    has_user_item: bool,
    readable: bool,
}

impl<'w> Walk<'w, '_> {
    /// Record a finding; `found` makes its path and message, only if it is kept.
    fn add(&mut self, code: Code, found: impl FnOnce() -> (String, String)) {
        if !code.is_warning() {
            self.errors += 1;
        }
        self.findings.add(code, found);
    }

    fn text_of(&self, node: u32) -> &'w str {
        self.doc.text(self.doc.node(node).text)
    }

    /// obj[key] if present once and of the expected type; reports what is wrong.
    fn field(
        &mut self,
        obj: u32,
        key: &str,
        path: Path,
        expected: Kind,
        required: bool,
    ) -> Option<u32> {
        let (node, count) = self.doc.member(obj, key);
        let Some(node) = node else {
            if required {
                self.add(Code::MissingField, || {
                    (path.key(key), Code::MissingField.message(&[("key", key)]))
                });
            }
            return None;
        };
        if count > 1 {
            let count = count.to_string();
            self.add(Code::DuplicateField, || {
                (
                    path.key(key),
                    Code::DuplicateField.message(&[("key", key), ("count", &count)]),
                )
            });
            return None;
        }
        let kind = self.doc.node(node).kind;
        if kind != expected {
            self.wrong_type(|| (path.key(key), format!("'{key}'")), expected, kind);
            return None;
        }
        Some(node)
    }

    /// `place` gives the path and the subject of the message, made only if kept.
    fn wrong_type(
        &mut self,
        place: impl FnOnce() -> (String, String),
        expected: Kind,
        actual: Kind,
    ) {
        self.add(Code::WrongType, || {
            let (path, subject) = place();
            let message = Code::WrongType.message(&[
                ("subject", &subject),
                ("expected", article(expected)),
                ("actual", actual.name()),
            ]);
            (path, message)
        });
    }

    /// A non-empty string field.
    fn text(&mut self, obj: u32, key: &str, path: Path, required: bool) -> Option<&'w str> {
        let node = self.field(obj, key, path, Kind::String, required)?;
        let value = self.text_of(node);
        if value.is_empty() {
            self.add(Code::EmptyString, || {
                (path.key(key), Code::EmptyString.message(&[("key", key)]))
            });
            return None;
        }
        Some(value)
    }

    /// A number field that fits a 64-bit float.
    fn number(&mut self, obj: u32, key: &str, path: Path) -> Option<f64> {
        let node = self.field(obj, key, path, Kind::Number, true)?;
        let value: f64 = self.text_of(node).parse().expect("grammar checked");
        if value.is_infinite() {
            self.add(Code::OutOfRange, || {
                (
                    path.key(key),
                    Code::OutOfRange.message(&[("key", key), ("why", NOT_A_FLOAT)]),
                )
            });
            return None;
        }
        Some(value)
    }

    /// True if obj[key] is the expected constant string.
    fn constant(&mut self, obj: u32, key: &str, path: Path, expected: &str) -> bool {
        let Some(node) = self.field(obj, key, path, Kind::String, true) else {
            return false;
        };
        let value = self.text_of(node);
        if value != expected {
            self.add(Code::InvalidValue, || {
                (
                    path.key(key),
                    Code::InvalidValue.message(&[
                        ("key", key),
                        ("expected", expected),
                        ("value", value),
                    ]),
                )
            });
            return false;
        }
        true
    }

    /// The id of a {key: {id: string}} payload.
    fn ref_id(&mut self, obj: u32, key: &'static str, path: Path) -> Option<&'w str> {
        let payload = self.field(obj, key, path, Kind::Object, true)?;
        self.text(payload, "id", path.sub(key), true)
    }
}

impl<'d> Facts<'d> {
    pub(crate) fn new(kind: EventKind, user: Option<&'d str>) -> Facts<'d> {
        Facts {
            kind,
            user: user.unwrap_or(""),
            set_id: None,
            sku: None,
            action: None,
            order_id: None,
            lines: Vec::new(),
            time: Time::Absent,
        }
    }
}

/// Every finding of one parsed line (appended to `findings`), and its facts when it has
/// no error. `time_fields` are looked up in order; the first present one is the time.
pub fn check<'w>(
    doc: &'w Doc<'w>,
    time_fields: &[String],
    findings: &mut Findings,
) -> Option<Facts<'w>> {
    let mut walk = Walk {
        doc,
        findings,
        errors: 0,
    };
    let root = 0;
    let kind = doc.node(root).kind;
    if kind != Kind::Object {
        walk.add(Code::NotAnObject, || {
            let message = Code::NotAnObject.message(&[("actual", kind.name())]);
            (String::new(), message)
        });
        return None;
    }
    let event_kind = walk.event_type(root);
    let mut ctx = Context::default();
    let items = walk.field(root, "context", ROOT, Kind::Array, true);
    ctx.readable = items.is_some();
    if let Some(items) = items {
        for (index, item) in doc.children(items).enumerate() {
            walk.context_item(item, ROOT.sub("context").item(index), &mut ctx);
        }
    }
    let user = walk.resolve_user(root, &ctx);
    let facts = match event_kind? {
        EventKind::Interact => walk.interact(root, &ctx, user),
        EventKind::View => walk.view(root, user),
        EventKind::Order => walk.order(root, user),
        EventKind::Api => walk.api(root, user),
    };
    let mut facts = facts?;
    if walk.errors > 0 {
        return None;
    }
    facts.time = walk.time(root, time_fields);
    Some(facts)
}

mod context;
mod payloads;
#[cfg(test)]
mod tests;
