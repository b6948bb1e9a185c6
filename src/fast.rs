//! The fast path: one pass over a line that reads an event straight into its facts.
//!
//! It recognises only events on which the rule book (`rules.rs`) would report nothing at
//! all, and returns None for anything else, which then takes the full path (a parsed
//! document and the rule walk). So it may decline anything unusual (an escape in any
//! string, a repeated field, a warning, an error) but must never accept a line the rule
//! book would find a problem in, and must read the same facts. Differential tests hold it
//! to that: the kernel's verdicts against the test oracle (tests/test_kernel_parity.py),
//! the report against an independent one, and `agrees_with_the_rule_book` below.
//!
//! Why: building the document and walking it cost two thirds of the pass.

use crate::catalogue::vocabulary;
use crate::json::{plain_run, MAX_DEPTH};
use crate::rules::{micros_of, near_miss, EventKind, Facts, OrderLine, Time};

struct P<'a> {
    s: &'a [u8],
    pos: usize,
}

/// Keys of one object seen so far, to decline a repeated field.
#[derive(Default)]
struct Seen(u32);

impl Seen {
    fn first(&mut self, bit: u32) -> Option<()> {
        let mask = 1 << bit;
        if self.0 & mask != 0 {
            return None;
        }
        self.0 |= mask;
        Some(())
    }
}

#[derive(Default)]
struct Item<'a> {
    kind: Option<&'a str>,
    user: Option<Option<&'a str>>,
    set: Option<Option<&'a str>>,
    /// content: (type, setCompose id)
    content: Option<(Option<&'a str>, Option<Option<&'a str>>)>,
    api: Option<bool>,
    page: Option<bool>,
    session: Option<Option<&'a str>>,
    widget: Option<bool>,
}

fn text(value: Option<&str>) -> Option<&str> {
    value.filter(|v| !v.is_empty())
}

impl<'a> P<'a> {
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.pos) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        self.ws();
        if self.s.get(self.pos) == Some(&byte) {
            self.pos += 1;
            Some(())
        } else {
            None
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.s.get(self.pos).copied()
    }

    /// A string without escapes or control characters (anything else declines).
    fn string(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.pos;
        let end = plain_run(self.s, start);
        if self.s.get(end) != Some(&b'"') {
            return None; // an escape, a control character or the end of the line
        }
        let body = &self.s[start..end];
        self.pos = end + 1;
        // SAFETY: the line was checked to be UTF-8 and the cut is at ASCII quotes.
        Some(unsafe { std::str::from_utf8_unchecked(body) })
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.s.get(self.pos), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.pos - start
    }

    /// The text of a number (its grammar checked).
    fn number(&mut self) -> Option<&'a str> {
        self.ws();
        let start = self.pos;
        if self.s.get(self.pos) == Some(&b'-') {
            self.pos += 1;
        }
        match self.s.get(self.pos) {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return None,
        }
        if self.s.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return None;
            }
        }
        if matches!(self.s.get(self.pos), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.s.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return None;
            }
        }
        // SAFETY: ASCII digits and signs only.
        Some(unsafe { std::str::from_utf8_unchecked(&self.s[start..self.pos]) })
    }

    /// A finite number that fits a 64-bit float.
    fn finite(&mut self) -> Option<f64> {
        let value: f64 = self.number()?.parse().ok()?;
        value.is_finite().then_some(value)
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        if self.s.get(self.pos..self.pos + word.len()) == Some(word) {
            self.pos += word.len();
            Some(())
        } else {
            None
        }
    }

    /// Any value, checked but not kept; `depth` counts the containers around it.
    fn skip(&mut self, depth: usize) -> Option<()> {
        match self.peek()? {
            b'"' => self.string().map(drop),
            b'{' => {
                if depth >= MAX_DEPTH {
                    return None;
                }
                self.members(|p, _| p.skip(depth + 1))
            }
            b'[' => {
                if depth >= MAX_DEPTH {
                    return None;
                }
                self.elements(|p| p.skip(depth + 1))
            }
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => self.number().map(drop),
        }
    }

    /// An object, calling `member(p, key)` with the position at each value.
    fn members(&mut self, mut member: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        self.eat(b'{')?;
        if self.peek()? == b'}' {
            self.pos += 1;
            return Some(());
        }
        loop {
            let key = self.string()?;
            self.eat(b':')?;
            member(self, key)?;
            match self.peek()? {
                b',' => self.pos += 1,
                b'}' => {
                    self.pos += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// An array, calling `element(p)` at each element.
    fn elements(&mut self, mut element: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.eat(b'[')?;
        if self.peek()? == b']' {
            self.pos += 1;
            return Some(());
        }
        loop {
            element(self)?;
            match self.peek()? {
                b',' => self.pos += 1,
                b']' => {
                    self.pos += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// {id: string, ...}: the id, None when absent. `depth` counts the containers around
    /// its members, this object included (as for every `depth` here).
    fn id_object(&mut self, depth: usize) -> Option<Option<&'a str>> {
        let mut id = None;
        let mut seen = Seen::default();
        self.members(|p, key| match key {
            "id" => {
                seen.first(0)?;
                id = Some(p.string()?);
                Some(())
            }
            _ => p.skip(depth),
        })?;
        Some(id)
    }

    /// An object whose listed string fields must be non-empty when `required`, or
    /// strings when optional; true when every required one is there.
    fn fields(&mut self, depth: usize, required: &[&str], optional: &[&str]) -> Option<bool> {
        let mut found = 0usize;
        let mut seen = Seen::default();
        self.members(|p, key| {
            if let Some(i) = required.iter().position(|k| *k == key) {
                seen.first(i as u32)?;
                text(Some(p.string()?))?;
                found += 1;
                Some(())
            } else if let Some(i) = optional.iter().position(|k| *k == key) {
                seen.first((required.len() + i) as u32)?;
                p.string().map(drop)
            } else {
                p.skip(depth)
            }
        })?;
        Some(found == required.len())
    }

    fn item(&mut self) -> Option<Item<'a>> {
        let mut item = Item::default();
        let mut seen = Seen::default();
        self.members(|p, key| {
            match key {
                "type" => {
                    seen.first(0)?;
                    item.kind = Some(p.string()?);
                }
                "user" => {
                    seen.first(1)?;
                    item.user = Some(p.id_object(4)?);
                }
                "setCompose" => {
                    seen.first(2)?;
                    item.set = Some(p.id_object(4)?);
                }
                "content" => {
                    seen.first(3)?;
                    let (mut kind, mut set) = (None, None);
                    let mut inner = Seen::default();
                    p.members(|p, key| match key {
                        "type" => {
                            inner.first(0)?;
                            kind = Some(p.string()?);
                            Some(())
                        }
                        "setCompose" => {
                            inner.first(1)?;
                            set = Some(p.id_object(5)?);
                            Some(())
                        }
                        _ => p.skip(4),
                    })?;
                    item.content = Some((kind, set));
                }
                "api" => {
                    seen.first(4)?;
                    item.api = Some(p.fields(4, &["id"], &["sourceIp", "userAgent"])?);
                }
                "page" => {
                    seen.first(5)?;
                    item.page = Some(p.fields(4, &["url"], &[])?);
                }
                "session" => {
                    seen.first(6)?;
                    item.session = Some(p.id_object(4)?);
                }
                "widget" => {
                    seen.first(7)?;
                    item.widget = Some(p.fields(4, &["id", "type"], &[])?);
                }
                _ => p.skip(3)?,
            }
            Some(())
        })?;
        Some(item)
    }
}

/// The context's users and sets, when every item is clean.
fn context<'a>(p: &mut P<'a>, users: &mut Vec<&'a str>, sets: &mut Vec<&'a str>) -> Option<()> {
    p.elements(|p| {
        let item = p.item()?;
        match item.kind? {
            "user" => users.push(text(item.user?)?),
            "setCompose" => sets.push(text(item.set?)?),
            "content" => {
                let (kind, set) = item.content?;
                if kind? != "setCompose" {
                    return None; // a warning: the rule book reports it
                }
                sets.push(text(set?)?);
            }
            "api" => {
                if item.api == Some(false) {
                    return None;
                }
            }
            "page" => {
                item.page.filter(|ok| *ok)?;
            }
            "session" => {
                text(item.session?)?;
            }
            "widget" => {
                item.widget.filter(|ok| *ok)?;
            }
            _ => return None,
        }
        Some(())
    })
}

/// The one distinct value, if there is exactly one.
fn single<'a>(values: &[&'a str]) -> Result<Option<&'a str>, ()> {
    match values.split_first() {
        None => Ok(None),
        Some((first, rest)) if rest.iter().all(|v| v == first) => Ok(Some(first)),
        Some(_) => Err(()),
    }
}

/// The facts of a line on which the rule book would report nothing, else None.
pub fn check<'a>(line: &'a [u8], time_fields: &[String]) -> Option<Facts<'a>> {
    if line.len() > crate::json::MAX_SPAN {
        return None;
    }
    std::str::from_utf8(line).ok()?;
    let mut p = P { s: line, pos: 0 };
    let mut seen = Seen::default();
    let (mut kind, mut user_id, mut time, mut time_rank) = (None, None, Time::Absent, usize::MAX);
    let (mut users, mut sets) = (Vec::new(), Vec::new());
    let mut has_context = false;
    let mut payload: Option<Facts<'a>> = None;
    p.members(|p, key| {
        match key {
            "type" => {
                seen.first(0)?;
                kind = Some(p.string()?);
            }
            "context" => {
                seen.first(1)?;
                has_context = true;
                context(p, &mut users, &mut sets)?;
            }
            "userId" => {
                seen.first(2)?;
                user_id = Some(text(Some(p.string()?))?);
            }
            "interact" => {
                seen.first(3)?;
                payload = Some(interact(p)?);
            }
            "view" => {
                seen.first(4)?;
                payload = Some(view(p)?);
            }
            "order" => {
                seen.first(5)?;
                payload = Some(order(p)?);
            }
            "api" => {
                seen.first(6)?;
                payload = Some(api(p)?);
            }
            _ => match time_fields.iter().position(|f| f == key) {
                Some(rank) => {
                    let value = time_value(p)?;
                    if rank < time_rank {
                        (time, time_rank) = (value, rank);
                    }
                }
                None => p.skip(1)?,
            },
        }
        Some(())
    })?;
    p.ws();
    if p.pos != line.len() || !has_context {
        return None;
    }
    let mut facts = payload?;
    let expected = match kind? {
        "interact" => EventKind::Interact,
        "view" => EventKind::View,
        "order" => EventKind::Order,
        "api" => EventKind::Api,
        _ => return None,
    };
    // Only the payload named by the type may be there: another one is left to the rule book.
    if facts.kind != expected || seen.0.count_ones() != 3 + user_id.is_some() as u32 {
        return None;
    }
    facts.user = match (single(&users).ok()?, user_id) {
        (Some(user), Some(top)) if top != user => return None, // user-mismatch: a warning
        (Some(user), _) => user,
        (None, Some(top)) => top,
        (None, None) => return None,
    };
    if facts.kind == EventKind::Interact {
        facts.set_id = Some(single(&sets).ok()??); // no set is a warning, two an error
    }
    facts.time = time;
    Some(facts)
}

fn blank<'a>(kind: EventKind) -> Facts<'a> {
    Facts::new(kind, None)
}

fn time_value<'a>(p: &mut P<'a>) -> Option<Time<'a>> {
    Some(match p.peek()? {
        b'"' => Time::Text(p.string()?),
        b'n' => {
            p.literal(b"null")?;
            Time::Absent
        }
        b'-' | b'0'..=b'9' => Time::Number(p.number()?.parse().ok()?),
        _ => {
            p.skip(1)?;
            Time::Unusable
        }
    })
}

fn interact<'a>(p: &mut P<'a>) -> Option<Facts<'a>> {
    let mut facts = blank(EventKind::Interact);
    let mut seen = Seen::default();
    let mut kind = None;
    p.members(|p, key| {
        match key {
            "type" => {
                seen.first(0)?;
                kind = Some(p.string()?);
            }
            "product" => {
                seen.first(1)?;
                let mut inner = Seen::default();
                p.members(|p, key| match key {
                    "sku" => {
                        inner.first(0)?;
                        facts.sku = Some(text(Some(p.string()?))?);
                        Some(())
                    }
                    _ => p.skip(3),
                })?;
            }
            "action" => {
                seen.first(2)?;
                let action = text(Some(p.string()?))?;
                if near_miss(action).is_some() {
                    return None; // a warning
                }
                facts.action = Some(action);
            }
            _ => p.skip(2)?,
        }
        Some(())
    })?;
    (kind? == "product" && facts.sku.is_some()).then_some(facts)
}

fn view<'a>(p: &mut P<'a>) -> Option<Facts<'a>> {
    let mut facts = blank(EventKind::View);
    let mut seen = Seen::default();
    let mut kind = None;
    p.members(|p, key| {
        match key {
            "type" => {
                seen.first(0)?;
                kind = Some(p.string()?);
            }
            "setCompose" => {
                seen.first(1)?;
                // null is a warning (null-set): declined by id_object
                facts.set_id = Some(text(p.id_object(3)?)?);
            }
            _ => p.skip(2)?,
        }
        Some(())
    })?;
    (kind? == "setCompose" && facts.set_id.is_some()).then_some(facts)
}

fn order<'a>(p: &mut P<'a>) -> Option<Facts<'a>> {
    let mut facts = blank(EventKind::Order);
    let mut seen = Seen::default();
    let mut has_lines = false;
    let currencies = &vocabulary().currencies;
    p.members(|p, key| {
        match key {
            "id" => {
                seen.first(0)?;
                facts.order_id = Some(text(Some(p.string()?))?);
            }
            "lines" => {
                seen.first(1)?;
                has_lines = true;
                p.elements(|p| {
                    let (mut sku, mut quantity, mut amount, mut currency) =
                        (None, None, None, None);
                    let mut line_seen = Seen::default();
                    p.members(|p, key| {
                        match key {
                            "sku" => {
                                line_seen.first(0)?;
                                sku = Some(text(Some(p.string()?))?);
                            }
                            "quantity" => {
                                line_seen.first(1)?;
                                quantity = Some(p.finite()?).filter(|q| *q > 0.0);
                                quantity?;
                            }
                            "grossPrice" => {
                                line_seen.first(2)?;
                                let mut price_seen = Seen::default();
                                p.members(|p, key| {
                                    match key {
                                        "amount" => {
                                            price_seen.first(0)?;
                                            amount = Some(p.finite()?);
                                        }
                                        "currency" => {
                                            price_seen.first(1)?;
                                            let code = p.string()?;
                                            currencies.contains(code).then_some(())?;
                                            currency = Some(code);
                                        }
                                        _ => p.skip(5)?,
                                    }
                                    Some(())
                                })?;
                            }
                            _ => p.skip(4)?,
                        }
                        Some(())
                    })?;
                    let (quantity, amount) = (quantity?, amount?);
                    micros_of(quantity, amount)?; // its revenue must fit: the rule book says
                    facts.lines.push(OrderLine {
                        sku: sku?,
                        quantity,
                        amount,
                        currency: currency?,
                    });
                    Some(())
                })?;
            }
            _ => p.skip(2)?,
        }
        Some(())
    })?;
    (facts.order_id.is_some() && has_lines).then_some(facts)
}

fn api<'a>(p: &mut P<'a>) -> Option<Facts<'a>> {
    let mut seen = Seen::default();
    let (mut kind, mut action) = (None, None);
    p.members(|p, key| {
        match key {
            "type" => {
                seen.first(0)?;
                kind = Some(p.string()?);
            }
            "action" => {
                seen.first(1)?;
                action = Some(p.string()?);
            }
            "arguments" => {
                seen.first(2)?;
                if p.peek()? != b'{' {
                    return None;
                }
                p.skip(2)?;
            }
            _ => p.skip(2)?,
        }
        Some(())
    })?;
    (kind? == "setCompose" && action? == "query").then_some(blank(EventKind::Api))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::{parse, Doc};
    use crate::rules::check as rule_book;

    /// Every line the fast path accepts, the rule book accepts with no finding and the
    /// same facts; and the fast path takes the clean lines of the sample export.
    fn agrees(line: &str) -> bool {
        let fields = vec!["timestamp".to_string(), "time".to_string()];
        let fast = check(line.as_bytes(), &fields);
        let mut doc = Doc::default();
        let mut findings = Vec::new();
        let slow = match parse(line.as_bytes(), &mut doc) {
            Ok(()) => rule_book(&doc, &fields, &mut findings),
            Err(_) => None,
        };
        if let Some(fast) = &fast {
            assert!(findings.is_empty(), "fast accepted {line}: {findings:?}");
            assert_eq!(Some(fast), slow.as_ref(), "{line}");
        }
        fast.is_some()
    }

    #[test]
    fn agrees_with_the_rule_book() {
        let sample = include_str!("../sample_data/events.ndjson");
        let taken = sample.lines().filter(|line| agrees(line)).count();
        assert!(
            taken > 4_800,
            "only {taken} of 5000 clean lines took the fast path"
        );
        let broken = include_bytes!("../sample_data/broken.ndjson");
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
    }
}
