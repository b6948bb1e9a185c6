//! A strict RFC 8259 parser of one line into a flat, reusable document.
//!
//! Why our own parser and not serde_json: every line must get a verdict we chose, not
//! one a library chose for us. Here repeated keys are kept (the rules report repeated
//! contract fields), a lone surrogate escape is an error wherever it stands (read or
//! ignored field alike), numbers are only checked for their grammar until a rule reads
//! them (so a huge exponent in an extra field is valid JSON), nesting has a limit of
//! our own, and the nodes live in one vector that is reused for every line, so a clean
//! line costs no allocation.

mod doc;
#[cfg(test)]
mod tests;
mod text;

use doc::tag;
pub use doc::*;
pub(crate) use text::plain_run;

/// Parse one line (without its newline) into `doc`, reusing its buffers.
pub fn parse<'a>(line: &'a [u8], doc: &mut Doc<'a>) -> Result<(), Error> {
    doc.line = line;
    doc.nodes.clear();
    doc.kids.clear();
    doc.open.clear();
    doc.decoded.clear();
    if line.len() > MAX_SPAN {
        // Spans address 31 bits; the scanner never hands such a line over (line-too-long).
        return Err(Error::Syntax(
            "the line is too long to parse".into(),
            MAX_SPAN,
        ));
    }
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

    #[inline(always)]
    fn push(&mut self, kind: Kind, key: Span) -> Result<u32, Error> {
        if self.doc.nodes.len() >= MAX_VALUES {
            return Err(Error::TooMany);
        }
        let index = self.doc.nodes.len() as u32;
        let key_tag = if key.is_empty() {
            0
        } else {
            tag(self.doc.text(key).as_bytes())
        };
        self.doc.nodes.push(Node {
            kind,
            key,
            key_tag,
            text: Span::default(),
            first: 0,
            len: 0,
        });
        Ok(index)
    }

    fn value(&mut self, key: Span, depth: usize) -> Result<u32, Error> {
        match self.line.get(self.pos) {
            None => Err(self.error("no value")),
            Some(b'{') => self.object(key, depth + 1),
            Some(b'[') => self.array(key, depth + 1),
            Some(b'"') => {
                let text = self.string()?;
                let index = self.push(Kind::String, key)?;
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
        self.push(kind, key)
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
        let index = self.push(Kind::Number, key)?;
        self.doc.nodes[index as usize].text = Span::new(start, self.pos, false);
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

    /// A string starting at the opening quote; its content as a span. Inlined: returned
    /// through memory, its span was read back in a way that stalled store forwarding.
    #[inline(always)]
    fn string(&mut self) -> Result<Span, Error> {
        self.pos += 1;
        let start = self.pos;
        // Plain bytes are most of every line: skip them 8 at a time, then decide.
        self.pos = plain_run(self.line, self.pos);
        loop {
            match self.line.get(self.pos) {
                None => return Err(self.error("unterminated string")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(Span::new(start, self.pos - 1, false));
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
                    return Ok(Span::new(out_start, self.doc.decoded.len(), true));
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

    /// Move the children parsed since `mark` from the open stack to the container.
    fn close(&mut self, index: u32, mark: usize) {
        let first = self.doc.kids.len() as u32;
        let len = (self.doc.open.len() - mark) as u32;
        let doc = &mut *self.doc;
        doc.kids.extend(doc.open.drain(mark..));
        let node = &mut doc.nodes[index as usize];
        node.first = first;
        node.len = len;
    }

    /// The node of a container whose opening bracket is at `pos`, and whether it is
    /// already closed (empty).
    fn open(
        &mut self,
        kind: Kind,
        key: Span,
        depth: usize,
        closer: u8,
    ) -> Result<(u32, bool), Error> {
        if depth > MAX_DEPTH {
            return Err(Error::TooDeep);
        }
        let index = self.push(kind, key)?;
        self.pos += 1;
        self.skip_ws();
        let empty = self.line.get(self.pos) == Some(&closer);
        self.pos += empty as usize;
        Ok((index, empty))
    }

    /// After a member of a container (`what`: "array" or "object"): a comma, never
    /// followed by the closer, or the closer, which closes the node (true).
    fn after_member(
        &mut self,
        index: u32,
        mark: usize,
        closer: u8,
        what: &str,
    ) -> Result<bool, Error> {
        self.skip_ws();
        match self.line.get(self.pos) {
            Some(b',') => {
                self.pos += 1;
                self.skip_ws();
                if self.line.get(self.pos) == Some(&closer) {
                    return Err(self.error(&format!("trailing comma in an {what}")));
                }
                Ok(false)
            }
            Some(&c) if c == closer => {
                self.pos += 1;
                self.close(index, mark);
                Ok(true)
            }
            _ => Err(self.error(&format!("expected ',' or '{}'", closer as char))),
        }
    }

    fn array(&mut self, key: Span, depth: usize) -> Result<u32, Error> {
        let (index, mut closed) = self.open(Kind::Array, key, depth, b']')?;
        let mark = self.doc.open.len();
        while !closed {
            let child = self.value(Span::default(), depth)?;
            self.doc.open.push(child);
            closed = self.after_member(index, mark, b']', "array")?;
        }
        Ok(index)
    }

    fn object(&mut self, key: Span, depth: usize) -> Result<u32, Error> {
        let (index, mut closed) = self.open(Kind::Object, key, depth, b'}')?;
        let mark = self.doc.open.len();
        while !closed {
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
            self.doc.open.push(child);
            closed = self.after_member(index, mark, b'}', "object")?;
        }
        Ok(index)
    }
}
