//! A strict RFC 8259 parser of one line into a flat, reusable document.
//!
//! Why our own parser and not serde_json: every line must get a verdict we chose, not
//! one a library chose for us. Here repeated keys are kept (the rules report repeated
//! contract fields), a lone surrogate escape is an error wherever it stands (read or
//! ignored field alike), numbers are only checked for their grammar until a rule reads
//! them (so a huge exponent in an extra field is valid JSON), nesting has a limit of
//! our own, and the nodes live in one vector that is reused for every line, so a clean
//! line costs no allocation.

/// The deepest nesting accepted; deeper lines are `too-deep`.
pub const MAX_DEPTH: usize = 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Null,
    Bool,
    Number,
    String,
    Array,
    Object,
}

impl Kind {
    /// The JSON name of the type, as messages say it.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Bool => "boolean",
            Kind::Number => "number",
            Kind::String => "string",
            Kind::Array => "array",
            Kind::Object => "object",
        }
    }
}

/// Text of a key or string value: a span of the line, or of the decoded-escapes buffer.
#[derive(Clone, Copy, Debug, Default)]
pub struct Span {
    pub start: u32,
    pub end: u32,
    pub decoded: bool,
}

/// One value. Containers link their children through `first` and `next` (u32::MAX: none).
#[derive(Clone, Copy, Debug)]
pub struct Node {
    pub kind: Kind,
    /// The member's key when the node is an object member.
    pub key: Span,
    /// String content, or the raw text of a number.
    pub text: Span,
    pub first: u32,
    pub next: u32,
    pub len: u32,
}

pub const NONE: u32 = u32::MAX;

/// Bytes that end a plain run inside a string: the quote, the backslash, controls.
const SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = true;
        b += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table
};

/// Why a line is not accepted as JSON.
#[derive(Debug, PartialEq, Eq)]
pub enum Error {
    /// Not RFC 8259 (or not UTF-8): the reason and the byte offset in the line.
    Syntax(String, usize),
    TooDeep,
}

/// A parsed line: nodes in document order, root first.
#[derive(Default)]
pub struct Doc<'a> {
    pub line: &'a [u8],
    pub nodes: Vec<Node>,
    pub decoded: String,
}

impl<'a> Doc<'a> {
    /// The text of a span (keys and strings are valid UTF-8: the line was checked).
    pub fn text(&self, span: Span) -> &str {
        if span.decoded {
            &self.decoded[span.start as usize..span.end as usize]
        } else {
            // SAFETY: the whole line was checked to be UTF-8 before parsing, and spans
            // start and end at ASCII quote characters.
            unsafe {
                std::str::from_utf8_unchecked(&self.line[span.start as usize..span.end as usize])
            }
        }
    }

    pub fn node(&self, index: u32) -> &Node {
        &self.nodes[index as usize]
    }

    /// The children of a container, in order.
    pub fn children(&self, index: u32) -> Children<'_, 'a> {
        Children {
            doc: self,
            next: self.nodes[index as usize].first,
        }
    }

    /// The first member called `key` of an object, and how many members have that key.
    pub fn member(&self, object: u32, key: &str) -> (Option<u32>, usize) {
        let mut found = None;
        let mut count = 0;
        for child in self.children(object) {
            let span = self.nodes[child as usize].key;
            // Most keys differ in length: compare that before the bytes.
            if (span.end - span.start) as usize == key.len() && self.text(span) == key {
                count += 1;
                if found.is_none() {
                    found = Some(child);
                }
            }
        }
        (found, count)
    }
}

pub struct Children<'d, 'a> {
    doc: &'d Doc<'a>,
    next: u32,
}

impl Iterator for Children<'_, '_> {
    type Item = u32;
    fn next(&mut self) -> Option<u32> {
        if self.next == NONE {
            return None;
        }
        let current = self.next;
        self.next = self.doc.nodes[current as usize].next;
        Some(current)
    }
}

/// Parse one line (without its newline) into `doc`, reusing its buffers.
pub fn parse<'a>(line: &'a [u8], doc: &mut Doc<'a>) -> Result<(), Error> {
    doc.line = line;
    doc.nodes.clear();
    doc.decoded.clear();
    if let Err(error) = std::str::from_utf8(line) {
        let at = error.valid_up_to();
        return Err(Error::Syntax(
            format!("bytes that are not UTF-8 at byte {at}"),
            at,
        ));
    }
    let mut parser = Parser { line, pos: 0, doc };
    parser.skip_ws();
    parser.value(Span::default(), 0)?;
    parser.skip_ws();
    if parser.pos < line.len() {
        return Err(parser.error("extra data after the value"));
    }
    Ok(())
}

struct Parser<'p, 'a> {
    line: &'a [u8],
    pos: usize,
    doc: &'p mut Doc<'a>,
}

impl Parser<'_, '_> {
    fn error(&self, what: &str) -> Error {
        if self.pos >= self.line.len() {
            Error::Syntax("the line ends inside a value (truncated?)".into(), self.pos)
        } else {
            Error::Syntax(format!("{what} at byte {}", self.pos), self.pos)
        }
    }

    fn skip_ws(&mut self) {
        while let Some(&b) = self.line.get(self.pos) {
            if b == b' ' || b == b'\t' || b == b'\n' || b == b'\r' {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    fn push(&mut self, kind: Kind, key: Span) -> u32 {
        let index = self.doc.nodes.len() as u32;
        self.doc.nodes.push(Node {
            kind,
            key,
            text: Span::default(),
            first: NONE,
            next: NONE,
            len: 0,
        });
        index
    }

    fn value(&mut self, key: Span, depth: usize) -> Result<u32, Error> {
        match self.line.get(self.pos) {
            None => Err(self.error("no value")),
            Some(b'{') => self.object(key, depth + 1),
            Some(b'[') => self.array(key, depth + 1),
            Some(b'"') => {
                let text = self.string()?;
                let index = self.push(Kind::String, key);
                self.doc.nodes[index as usize].text = text;
                Ok(index)
            }
            Some(b't') => self.literal(b"true", Kind::Bool, key),
            Some(b'f') => self.literal(b"false", Kind::Bool, key),
            Some(b'n') => self.literal(b"null", Kind::Null, key),
            Some(b'-' | b'0'..=b'9') => self.number(key),
            Some(_) => Err(self.error("unexpected character")),
        }
    }

    fn literal(&mut self, word: &[u8], kind: Kind, key: Span) -> Result<u32, Error> {
        let end = self.pos + word.len();
        if self.line.get(self.pos..end) != Some(word) {
            return Err(
                if end > self.line.len() && word.starts_with(&self.line[self.pos..]) {
                    Error::Syntax("the line ends inside a value (truncated?)".into(), self.pos)
                } else {
                    self.error("unexpected character")
                },
            );
        }
        self.pos = end;
        Ok(self.push(kind, key))
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.line.get(self.pos), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self, key: Span) -> Result<u32, Error> {
        let start = self.pos;
        if self.line[self.pos] == b'-' {
            self.pos += 1;
        }
        match self.line.get(self.pos) {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.error("a number needs a digit")),
        }
        if self.line.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.error("a number needs a digit after '.'"));
            }
        }
        if matches!(self.line.get(self.pos), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.line.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.error("a number needs a digit in its exponent"));
            }
        }
        let index = self.push(Kind::Number, key);
        self.doc.nodes[index as usize].text = Span {
            start: start as u32,
            end: self.pos as u32,
            decoded: false,
        };
        Ok(index)
    }

    fn hex4(&mut self) -> Result<u32, Error> {
        let digits = self
            .line
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| self.error("a \\u escape needs four hex digits"))?;
        let mut value = 0u32;
        for &d in digits {
            let v = (d as char)
                .to_digit(16)
                .ok_or_else(|| self.error("a \\u escape needs four hex digits"))?;
            value = value * 16 + v;
        }
        self.pos += 4;
        Ok(value)
    }

    /// A string starting at the opening quote; its content as a span.
    fn string(&mut self) -> Result<Span, Error> {
        self.pos += 1;
        let start = self.pos;
        // Plain bytes are most of every line: skip them by table, then decide.
        while let Some(&b) = self.line.get(self.pos) {
            if SPECIAL[b as usize] {
                break;
            }
            self.pos += 1;
        }
        loop {
            match self.line.get(self.pos) {
                None => return Err(self.error("unterminated string")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(Span {
                        start: start as u32,
                        end: (self.pos - 1) as u32,
                        decoded: false,
                    });
                }
                Some(b'\\') => return self.escaped_string(start),
                Some(&b) if b < 0x20 => {
                    return Err(self.error("a control character must be escaped in a string"))
                }
                Some(_) => self.pos += 1,
            }
        }
    }

    /// The rest of a string that has escapes, decoded into the side buffer.
    fn escaped_string(&mut self, start: usize) -> Result<Span, Error> {
        let out_start = self.doc.decoded.len();
        let line = self.line;
        // SAFETY: the line is valid UTF-8 and `start..pos` ends before a backslash.
        self.doc
            .decoded
            .push_str(unsafe { std::str::from_utf8_unchecked(&line[start..self.pos]) });
        loop {
            match line.get(self.pos) {
                None => return Err(self.error("unterminated string")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(Span {
                        start: out_start as u32,
                        end: self.doc.decoded.len() as u32,
                        decoded: true,
                    });
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let escape = *line
                        .get(self.pos)
                        .ok_or_else(|| self.error("unterminated string"))?;
                    self.pos += 1;
                    let ch = match escape {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => {
                            self.pos -= 1;
                            return Err(self.error("invalid escape"));
                        }
                    };
                    self.doc.decoded.push(ch);
                }
                Some(&b) if b < 0x20 => {
                    return Err(self.error("a control character must be escaped in a string"))
                }
                Some(_) => {
                    let run = self.pos;
                    while let Some(&b) = line.get(self.pos) {
                        if b == b'"' || b == b'\\' || b < 0x20 {
                            break;
                        }
                        self.pos += 1;
                    }
                    // SAFETY: valid UTF-8, cut at ASCII bytes only.
                    self.doc
                        .decoded
                        .push_str(unsafe { std::str::from_utf8_unchecked(&line[run..self.pos]) });
                }
            }
        }
    }

    /// The character of a \u escape (after "\u"), pairing surrogates; a lone one is an error.
    fn unicode_escape(&mut self) -> Result<char, Error> {
        let at = self.pos - 2;
        let lone =
            |pos: usize| Error::Syntax(format!("a lone surrogate escape at byte {pos}"), pos);
        let first = self.hex4()?;
        if (0xDC00..0xE000).contains(&first) {
            return Err(lone(at));
        }
        if !(0xD800..0xDC00).contains(&first) {
            return Ok(char::from_u32(first).expect("not a surrogate"));
        }
        if self.line.get(self.pos..self.pos + 2) != Some(b"\\u") {
            return Err(lone(at));
        }
        self.pos += 2;
        let second = self.hex4()?;
        if !(0xDC00..0xE000).contains(&second) {
            return Err(lone(at));
        }
        let code = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
        Ok(char::from_u32(code).expect("a valid pair"))
    }

    fn link(&mut self, parent: u32, last: &mut u32, child: u32) {
        if *last == NONE {
            self.doc.nodes[parent as usize].first = child;
        } else {
            self.doc.nodes[*last as usize].next = child;
        }
        *last = child;
        self.doc.nodes[parent as usize].len += 1;
    }

    fn array(&mut self, key: Span, depth: usize) -> Result<u32, Error> {
        if depth > MAX_DEPTH {
            return Err(Error::TooDeep);
        }
        let index = self.push(Kind::Array, key);
        self.pos += 1;
        self.skip_ws();
        if self.line.get(self.pos) == Some(&b']') {
            self.pos += 1;
            return Ok(index);
        }
        let mut last = NONE;
        loop {
            let child = self.value(Span::default(), depth)?;
            self.link(index, &mut last, child);
            self.skip_ws();
            match self.line.get(self.pos) {
                Some(b',') => {
                    self.pos += 1;
                    self.skip_ws();
                    if self.line.get(self.pos) == Some(&b']') {
                        return Err(self.error("trailing comma in an array"));
                    }
                }
                Some(b']') => {
                    self.pos += 1;
                    return Ok(index);
                }
                _ => return Err(self.error("expected ',' or ']'")),
            }
        }
    }

    fn object(&mut self, key: Span, depth: usize) -> Result<u32, Error> {
        if depth > MAX_DEPTH {
            return Err(Error::TooDeep);
        }
        let index = self.push(Kind::Object, key);
        self.pos += 1;
        self.skip_ws();
        if self.line.get(self.pos) == Some(&b'}') {
            self.pos += 1;
            return Ok(index);
        }
        let mut last = NONE;
        loop {
            if self.line.get(self.pos) != Some(&b'"') {
                return Err(self.error("expected a key in double quotes"));
            }
            let member_key = self.string()?;
            self.skip_ws();
            if self.line.get(self.pos) != Some(&b':') {
                return Err(self.error("expected ':' after a key"));
            }
            self.pos += 1;
            self.skip_ws();
            let child = self.value(member_key, depth)?;
            self.link(index, &mut last, child);
            self.skip_ws();
            match self.line.get(self.pos) {
                Some(b',') => {
                    self.pos += 1;
                    self.skip_ws();
                    if self.line.get(self.pos) == Some(&b'}') {
                        return Err(self.error("trailing comma in an object"));
                    }
                }
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(index);
                }
                _ => return Err(self.error("expected ',' or '}'")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
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
}
