//! A parsed line as a flat document: nodes in document order, children contiguous.

/// The deepest nesting accepted; deeper lines are `too-deep`.
pub const MAX_DEPTH: usize = 1000;

/// The most values (nodes) one line may hold; more are `too-many-values`. It bounds a
/// document's memory (~48 bytes a value: ~48 MB) whatever the line holds: a line of
/// millions of `{}` once made a node per three bytes (a 64 MiB line needed ~13 GB).
pub const MAX_VALUES: usize = 1_000_000;

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

/// Text of a key or string value: a range of the line, or of the decoded-escapes buffer.
/// One u64 (start, end and the buffer flag packed): built in registers and stored whole,
/// where a struct of two u32 fields was stored in halves and read back whole, which
/// stalled the CPU's store forwarding on every string (a fifth of the parser's time).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Span(u64);

const DECODED: u64 = 1 << 63;

/// The longest line a span can address.
pub const MAX_SPAN: usize = (1 << 31) - 1;

impl Span {
    #[inline(always)]
    pub fn new(start: usize, end: usize, decoded: bool) -> Span {
        Span(start as u64 | (end as u64) << 31 | if decoded { DECODED } else { 0 })
    }

    #[inline(always)]
    pub fn start(self) -> usize {
        (self.0 & 0x7fff_ffff) as usize
    }

    #[inline(always)]
    pub fn end(self) -> usize {
        ((self.0 >> 31) & 0xffff_ffff) as usize
    }

    #[inline(always)]
    pub fn decoded(self) -> bool {
        self.0 & DECODED != 0
    }

    #[inline(always)]
    pub fn len(self) -> usize {
        self.end() - self.start()
    }

    pub fn is_empty(self) -> bool {
        self.len() == 0
    }
}

/// One value. A container's children are `len` indices from `first` in `Doc::kids`.
#[derive(Clone, Copy, Debug)]
pub struct Node {
    pub kind: Kind,
    /// The member's key when the node is an object member.
    pub key: Span,
    /// The key's first 8 bytes and its length, to reject most keys without a compare.
    pub key_tag: u64,
    /// String content, or the raw text of a number.
    pub text: Span,
    pub first: u32,
    pub len: u32,
}

pub const NONE: u32 = u32::MAX;

/// A key's first 8 bytes, zero-padded: with the length, it settles keys up to 8 bytes.
#[inline(always)]
pub(super) fn tag(key: &[u8]) -> u64 {
    // A loop, not copy_from_slice: a variable-length copy became a call to memcpy.
    let mut word = 0u64;
    for (i, &b) in key.iter().take(8).enumerate() {
        word |= (b as u64) << (8 * i);
    }
    word
}

/// Why a line is not accepted as JSON.
#[derive(Debug, PartialEq, Eq)]
pub enum Error {
    /// Not RFC 8259 (or not UTF-8): the reason and the byte offset in the line.
    Syntax(String, usize),
    TooDeep,
    /// More than MAX_VALUES values.
    TooMany,
}

/// A parsed line: nodes in document order, root first.
#[derive(Default)]
pub struct Doc<'a> {
    pub line: &'a [u8],
    pub nodes: Vec<Node>,
    /// Children of containers, each container's contiguous (so lookups scan an array).
    pub kids: Vec<u32>,
    /// Children of the containers still open while parsing.
    pub(super) open: Vec<u32>,
    pub decoded: String,
}

impl<'a> Doc<'a> {
    /// The text of a span (keys and strings are valid UTF-8: the line was checked).
    pub fn text(&self, span: Span) -> &str {
        if span.decoded() {
            &self.decoded[span.start()..span.end()]
        } else {
            // SAFETY: the whole line was checked to be UTF-8 before parsing, and spans
            // start and end at ASCII quote characters.
            unsafe { std::str::from_utf8_unchecked(&self.line[span.start()..span.end()]) }
        }
    }

    pub fn node(&self, index: u32) -> &Node {
        &self.nodes[index as usize]
    }

    /// The children of a container, in order.
    pub fn children(&self, index: u32) -> impl Iterator<Item = u32> + '_ {
        let node = &self.nodes[index as usize];
        self.kids[node.first as usize..(node.first + node.len) as usize]
            .iter()
            .copied()
    }

    /// The first member called `key` of an object, and how many members have that key.
    pub fn member(&self, object: u32, key: &str) -> (Option<u32>, usize) {
        let mut found = None;
        let mut count = 0;
        let wanted = tag(key.as_bytes());
        for child in self.children(object) {
            let node = &self.nodes[child as usize];
            // Length and tag settle keys up to 8 bytes and reject almost all others.
            let len = node.key.len();
            if len == key.len()
                && node.key_tag == wanted
                && (len <= 8 || self.text(node.key) == key)
            {
                count += 1;
                if found.is_none() {
                    found = Some(child);
                }
            }
        }
        (found, count)
    }
}
