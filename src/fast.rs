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

mod context;
mod payloads;
use context::context;
use payloads::{api, interact, order, time_value, view};

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
        self.one_string(depth, "id")
    }

    /// An object's string member `name` (None when absent), its other members skipped.
    fn one_string(&mut self, depth: usize, name: &str) -> Option<Option<&'a str>> {
        let mut found = None;
        let mut seen = Seen::default();
        self.members(|p, key| {
            if key == name {
                seen.first(0)?;
                found = Some(p.string()?);
                Some(())
            } else {
                p.skip(depth)
            }
        })?;
        Some(found)
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
                // The time field read so far, again: the full walk makes it unusable.
                Some(rank) if rank == time_rank => return None,
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

#[cfg(test)]
mod tests;
