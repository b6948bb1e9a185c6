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
    findings: &'f mut Vec<Finding>,
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
    fn add(&mut self, code: Code, path: String, message: String) {
        if !code.is_warning() {
            self.errors += 1;
        }
        self.findings.push(Finding {
            code,
            path,
            message,
        });
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
                let message = Code::MissingField.message(&[("key", key)]);
                self.add(Code::MissingField, path.key(key), message);
            }
            return None;
        };
        if count > 1 {
            let count = count.to_string();
            let message = Code::DuplicateField.message(&[("key", key), ("count", &count)]);
            self.add(Code::DuplicateField, path.key(key), message);
            return None;
        }
        let kind = self.doc.node(node).kind;
        if kind != expected {
            let subject = format!("'{key}'");
            self.wrong_type(path.key(key), &subject, expected, kind);
            return None;
        }
        Some(node)
    }

    fn wrong_type(&mut self, path: String, subject: &str, expected: Kind, actual: Kind) {
        let message = Code::WrongType.message(&[
            ("subject", subject),
            ("expected", article(expected)),
            ("actual", actual.name()),
        ]);
        self.add(Code::WrongType, path, message);
    }

    /// A non-empty string field.
    fn text(&mut self, obj: u32, key: &str, path: Path, required: bool) -> Option<&'w str> {
        let node = self.field(obj, key, path, Kind::String, required)?;
        let value = self.text_of(node);
        if value.is_empty() {
            let message = Code::EmptyString.message(&[("key", key)]);
            self.add(Code::EmptyString, path.key(key), message);
            return None;
        }
        Some(value)
    }

    /// A number field that fits a 64-bit float.
    fn number(&mut self, obj: u32, key: &str, path: Path) -> Option<f64> {
        let node = self.field(obj, key, path, Kind::Number, true)?;
        let value: f64 = self.text_of(node).parse().expect("grammar checked");
        if value.is_infinite() {
            let message = Code::OutOfRange.message(&[("key", key), ("why", NOT_A_FLOAT)]);
            self.add(Code::OutOfRange, path.key(key), message);
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
            let message = Code::InvalidValue.message(&[
                ("key", key),
                ("expected", expected),
                ("value", value),
            ]);
            self.add(Code::InvalidValue, path.key(key), message);
            return false;
        }
        true
    }

    /// The id of a {key: {id: string}} payload.
    fn ref_id(&mut self, obj: u32, key: &'static str, path: Path) -> Option<&'w str> {
        let payload = self.field(obj, key, path, Kind::Object, true)?;
        self.text(payload, "id", path.sub(key), true)
    }

    fn context_item(&mut self, item: u32, path: Path, ctx: &mut Context<'w>) {
        let kind = self.doc.node(item).kind;
        if kind != Kind::Object {
            self.wrong_type(path.render(), "A context item", Kind::Object, kind);
            return;
        }
        let Some(node) = self.field(item, "type", path, Kind::String, true) else {
            return;
        };
        match self.text_of(node) {
            "user" => {
                ctx.has_user_item = true;
                if let Some(user) = self.ref_id(item, "user", path) {
                    ctx.users.push(user);
                }
            }
            "setCompose" => {
                if let Some(set_id) = self.ref_id(item, "setCompose", path) {
                    ctx.sets.push(set_id);
                }
            }
            "content" => self.content_item(item, path, ctx),
            "api" => {
                if let Some(api) = self.field(item, "api", path, Kind::Object, false) {
                    let inner = path.sub("api");
                    self.text(api, "id", inner, true);
                    self.field(api, "sourceIp", inner, Kind::String, false);
                    self.field(api, "userAgent", inner, Kind::String, false);
                }
            }
            "page" => {
                if let Some(page) = self.field(item, "page", path, Kind::Object, true) {
                    self.text(page, "url", path.sub("page"), true);
                }
            }
            "session" => {
                self.ref_id(item, "session", path);
            }
            "widget" => {
                if let Some(widget) = self.field(item, "widget", path, Kind::Object, true) {
                    self.text(widget, "id", path.sub("widget"), true);
                    self.text(widget, "type", path.sub("widget"), true);
                }
            }
            other => {
                let known = vocabulary().context_types.join(", ");
                let message = Code::UnknownContextType.message(&[
                    ("what", "Context item"),
                    ("kind", other),
                    ("known", &known),
                ]);
                self.add(Code::UnknownContextType, path.key("type"), message);
            }
        }
    }

    fn content_item(&mut self, item: u32, path: Path, ctx: &mut Context<'w>) {
        let Some(content) = self.field(item, "content", path, Kind::Object, true) else {
            return;
        };
        let inner = path.sub("content");
        let Some(node) = self.field(content, "type", inner, Kind::String, true) else {
            return;
        };
        let kind = self.text_of(node);
        if kind == "setCompose" {
            if let Some(set_id) = self.ref_id(content, "setCompose", inner) {
                ctx.sets.push(set_id);
            }
        } else {
            let message = Code::UnknownContextType.message(&[
                ("what", "Content"),
                ("kind", kind),
                ("known", "setCompose"),
            ]);
            self.add(Code::UnknownContextType, inner.key("type"), message);
        }
    }

    fn resolve_user(&mut self, event: u32, ctx: &Context<'w>) -> Option<&'w str> {
        let user_id = self.text(event, "userId", ROOT, false);
        let mut distinct = ctx.users.clone();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() > 1 {
            let count = distinct.len().to_string();
            let ids = distinct.join(", ");
            let message = Code::AmbiguousUser.message(&[("count", &count), ("ids", &ids)]);
            self.add(Code::AmbiguousUser, "/context".into(), message);
            return None;
        }
        if let Some(&user) = distinct.first() {
            if let Some(top) = user_id {
                if top != user {
                    let message = Code::UserMismatch.message(&[("top", top), ("context", user)]);
                    self.add(Code::UserMismatch, "/userId".into(), message);
                }
            }
            return Some(user);
        }
        let has_top = self.doc.member(event, "userId").0.is_some();
        if ctx.readable && !ctx.has_user_item && !has_top {
            let message = Code::MissingUser.message(&[]);
            self.add(Code::MissingUser, "/context".into(), message);
        }
        user_id
    }
}

impl<'w> Walk<'w, '_> {
    fn distinct_sets(ctx: &Context<'w>) -> Vec<&'w str> {
        let mut sets = ctx.sets.clone();
        sets.sort_unstable();
        sets.dedup();
        sets
    }

    fn interact(
        &mut self,
        event: u32,
        ctx: &Context<'w>,
        user: Option<&'w str>,
    ) -> Option<Facts<'w>> {
        let payload = self.field(event, "interact", ROOT, Kind::Object, true);
        let sets = Self::distinct_sets(ctx);
        if sets.len() > 1 {
            let count = sets.len().to_string();
            let ids = sets.join(", ");
            let message = Code::AmbiguousSet.message(&[("count", &count), ("ids", &ids)]);
            self.add(Code::AmbiguousSet, "/context".into(), message);
        } else if ctx.sets.is_empty() && ctx.readable {
            let message = Code::NoSetContext.message(&[]);
            self.add(Code::NoSetContext, "/context".into(), message);
        }
        let payload = payload?;
        let path = ROOT.sub("interact");
        self.constant(payload, "type", path, "product");
        let product = self.field(payload, "product", path, Kind::Object, true);
        let sku = product.and_then(|p| self.text(p, "sku", path.sub("product"), true));
        let action = self.text(payload, "action", path, false);
        if let Some(action) = action {
            if let Some(canonical) = near_miss(action) {
                let message =
                    Code::ActionNearMiss.message(&[("action", action), ("canonical", canonical)]);
                self.add(Code::ActionNearMiss, "/interact/action".into(), message);
            }
        }
        Some(Facts {
            set_id: if sets.len() == 1 { Some(sets[0]) } else { None },
            sku,
            action,
            ..Facts::new(EventKind::Interact, user)
        })
    }

    fn view(&mut self, event: u32, user: Option<&'w str>) -> Option<Facts<'w>> {
        let payload = self.field(event, "view", ROOT, Kind::Object, true)?;
        let path = ROOT.sub("view");
        self.constant(payload, "type", path, "setCompose");
        let (set, count) = self.doc.member(payload, "setCompose");
        if count == 1 && self.doc.node(set.expect("counted")).kind == Kind::Null {
            let message = Code::NullSet.message(&[]);
            self.add(Code::NullSet, "/view/setCompose".into(), message);
            return Some(Facts::new(EventKind::View, user));
        }
        let set_id = self.ref_id(payload, "setCompose", path);
        Some(Facts {
            set_id,
            ..Facts::new(EventKind::View, user)
        })
    }

    fn order_line(&mut self, line: u32, path: Path) -> Option<OrderLine<'w>> {
        let kind = self.doc.node(line).kind;
        if kind != Kind::Object {
            self.wrong_type(path.render(), "An order line", Kind::Object, kind);
            return None;
        }
        let sku = self.text(line, "sku", path, true);
        let quantity = self.number(line, "quantity", path);
        if let Some(q) = quantity {
            if q <= 0.0 {
                let value = float_repr(q);
                let message = Code::NotPositive.message(&[("key", "quantity"), ("value", &value)]);
                self.add(Code::NotPositive, path.key("quantity"), message);
            }
        }
        let price = self.field(line, "grossPrice", path, Kind::Object, true)?;
        let inner = path.sub("grossPrice");
        let amount = self.number(price, "amount", inner);
        let currency = self
            .field(price, "currency", inner, Kind::String, true)
            .map(|node| self.text_of(node));
        if let Some(code) = currency {
            if !vocabulary().currencies.contains(code) {
                let message = Code::UnknownCurrency.message(&[("value", code)]);
                self.add(Code::UnknownCurrency, inner.key("currency"), message);
                return None;
            }
        }
        let quantity = quantity.filter(|q| *q > 0.0)?;
        if let Some(amount) = amount {
            if micros_of(quantity, amount).is_none() {
                let message = Code::OutOfRange.message(&[("key", "amount"), ("why", TOO_MUCH)]);
                self.add(Code::OutOfRange, inner.key("amount"), message);
                return None;
            }
        }
        Some(OrderLine {
            sku: sku?,
            quantity,
            amount: amount?,
            currency: currency?,
        })
    }

    fn order(&mut self, event: u32, user: Option<&'w str>) -> Option<Facts<'w>> {
        let payload = self.field(event, "order", ROOT, Kind::Object, true)?;
        let path = ROOT.sub("order");
        let order_id = self.text(payload, "id", path, true);
        let lines = self.field(payload, "lines", path, Kind::Array, true);
        let mut parsed = Vec::new();
        if let Some(lines) = lines {
            for (index, line) in self.doc.children(lines).enumerate() {
                if let Some(found) = self.order_line(line, path.sub("lines").item(index)) {
                    parsed.push(found);
                }
            }
        }
        Some(Facts {
            order_id,
            lines: parsed,
            ..Facts::new(EventKind::Order, user)
        })
    }

    fn api(&mut self, event: u32, user: Option<&'w str>) -> Option<Facts<'w>> {
        let payload = self.field(event, "api", ROOT, Kind::Object, true)?;
        let path = ROOT.sub("api");
        self.constant(payload, "type", path, "setCompose");
        self.constant(payload, "action", path, "query");
        self.field(payload, "arguments", path, Kind::Object, false);
        Some(Facts::new(EventKind::Api, user))
    }

    fn event_type(&mut self, event: u32) -> Option<EventKind> {
        let node = self.field(event, "type", ROOT, Kind::String, true)?;
        match self.text_of(node) {
            "interact" => Some(EventKind::Interact),
            "view" => Some(EventKind::View),
            "order" => Some(EventKind::Order),
            "api" => Some(EventKind::Api),
            other => {
                let message = Code::UnknownEventType.message(&[("value", other)]);
                self.add(Code::UnknownEventType, "/type".into(), message);
                None
            }
        }
    }

    /// The value of the first of the time fields the event has (its first occurrence).
    fn time(&self, event: u32, time_fields: &[String]) -> Time<'w> {
        for name in time_fields {
            if let (Some(node), _) = self.doc.member(event, name) {
                let node = self.doc.node(node);
                return match node.kind {
                    Kind::Null => Time::Absent,
                    Kind::String => Time::Text(self.doc.text(node.text)),
                    Kind::Number => {
                        Time::Number(self.doc.text(node.text).parse().expect("grammar"))
                    }
                    _ => Time::Unusable,
                };
            }
        }
        Time::Absent
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
    findings: &mut Vec<Finding>,
) -> Option<Facts<'w>> {
    let mut walk = Walk {
        doc,
        findings,
        errors: 0,
    };
    let root = 0;
    let kind = doc.node(root).kind;
    if kind != Kind::Object {
        let message = Code::NotAnObject.message(&[("actual", kind.name())]);
        walk.add(Code::NotAnObject, String::new(), message);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{ALL_CODES, PROBLEMS};
    use crate::json::parse;

    fn findings(line: &str) -> (bool, Vec<Finding>) {
        let mut doc = Doc::default();
        parse(line.as_bytes(), &mut doc).expect("JSON");
        let mut found = Vec::new();
        let valid = check(&doc, &[], &mut found).is_some();
        (valid, found)
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
            let mut found = Vec::new();
            crate::scan::line_findings(example.as_bytes(), &mut line_doc, &[], &mut found);
            assert!(
                found.iter().any(|f| f.code == *code),
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
            let mut found = Vec::new();
            let facts = check(&doc, &[], &mut found).expect("valid");
            assert!(found.is_empty(), "{found:?}");
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
}
