//! Valid events as rows (`export`): one row per valid line, placed at its file and line,
//! with the fields as `report` resolves them and the order's lines as a list.
//!
//! Each thread's sink keeps its runs' rows in segments; runs are placed (file, line
//! numbers) once the runs before them are counted, and `drain` hands every segment over
//! in input order as Arrow columns, so the rows never become Python objects.

use crate::arrow::{Array, Bitmap, Values};
use crate::report::moment_of;
use crate::rules::{EventKind, Facts, OrderLine};
use crate::scan::FactsSink;
use std::ops::Range;

/// Amounts are kept as decimals with this many digits after the point (every currency
/// has at most four); a written amount with more is rounded half to even, and counted.
pub const SCALE: u32 = 9;
pub const PRECISION: u8 = 38;

/// Strings that may be null, as Arrow's large UTF-8.
#[derive(Clone, Debug, PartialEq)]
struct Text {
    offsets: Vec<i64>,
    data: Vec<u8>,
    present: Bitmap,
}

impl Default for Text {
    fn default() -> Text {
        Text {
            offsets: vec![0],
            data: Vec::new(),
            present: Bitmap::default(),
        }
    }
}

impl Text {
    fn push(&mut self, value: Option<&str>) {
        self.push_bytes(value.map(str::as_bytes));
    }

    /// Bytes that were pushed as a whole `&str` (UTF-8 already).
    fn push_bytes(&mut self, value: Option<&[u8]>) {
        if let Some(value) = value {
            self.data.extend_from_slice(value);
        }
        self.offsets.push(self.data.len() as i64);
        self.present.push(value.is_some());
    }

    /// An empty column with room for as many values and bytes as this one, and an eighth.
    fn with_room_of(&self) -> Text {
        let values = self.offsets.len() + self.offsets.len() / 8;
        let mut offsets = Vec::with_capacity(values);
        offsets.push(0);
        Text {
            offsets,
            data: Vec::with_capacity(self.data.len() + self.data.len() / 8),
            present: Bitmap::default(),
        }
    }

    #[cfg(test)]
    fn get(&self, i: usize) -> Option<&[u8]> {
        let (start, end) = (self.offsets[i] as usize, self.offsets[i + 1] as usize);
        self.present.get(i).then(|| &self.data[start..end])
    }

    /// Append values `rows` of `other`: their bytes at once, offsets rebased.
    fn extend_from(&mut self, other: &Text, rows: Range<usize>) {
        let (first, last) = (other.offsets[rows.start], other.offsets[rows.end]);
        let shift = self.data.len() as i64 - first;
        self.data
            .extend_from_slice(&other.data[first as usize..last as usize]);
        self.offsets.extend(
            other.offsets[rows.start + 1..=rows.end]
                .iter()
                .map(|&o| o + shift),
        );
        self.present.extend_from(&other.present, rows);
    }

    fn into_array(self, name: &str) -> Array {
        Array::with_validity(name, Values::Text(self.offsets, self.data), self.present)
    }
}

/// The columns of some rows (events) and of their order lines.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Columns {
    file: Vec<u32>,
    line: Vec<u64>,
    kind: Vec<u8>,
    time: Vec<i64>,
    timed: Bitmap,
    set_id: Text,
    user_id: Text,
    sku: Text,
    action: Text,
    order_id: Text,
    /// Per row, where its order lines end in the columns below (starts at 0).
    items: Vec<i64>,
    item_sku: Text,
    quantity: Vec<f64>,
    amount: Vec<i128>,
    priced: Bitmap,
    currency: Text,
}

impl Columns {
    pub fn rows(&self) -> usize {
        self.kind.len()
    }

    /// Empty columns with room for as many rows as these, and an eighth: a sink fills
    /// about as many between two drains, without growing (and copying) its vectors.
    fn with_room_of(&self) -> Columns {
        let rows = self.rows() + self.rows() / 8;
        let items = self.quantity.len() + self.quantity.len() / 8;
        Columns {
            file: Vec::with_capacity(rows),
            line: Vec::with_capacity(rows),
            kind: Vec::with_capacity(rows),
            time: Vec::with_capacity(rows),
            timed: Bitmap::default(),
            set_id: self.set_id.with_room_of(),
            user_id: self.user_id.with_room_of(),
            sku: self.sku.with_room_of(),
            action: self.action.with_room_of(),
            order_id: self.order_id.with_room_of(),
            items: Vec::with_capacity(rows),
            item_sku: self.item_sku.with_room_of(),
            quantity: Vec::with_capacity(items),
            amount: Vec::with_capacity(items),
            priced: Bitmap::default(),
            currency: self.currency.with_room_of(),
        }
    }

    /// Each row's (file, line).
    pub fn places(&self) -> impl Iterator<Item = (u32, u64)> + '_ {
        self.file.iter().copied().zip(self.line.iter().copied())
    }

    fn push(&mut self, facts: &Facts<'_>, line: u64, rounded: &mut u64) {
        self.file.push(0);
        self.line.push(line);
        self.kind.push(facts.kind as u8);
        let moment = moment_of(facts.time);
        self.time.push(moment.unwrap_or(0));
        self.timed.push(moment.is_some());
        self.set_id.push(facts.set_id);
        self.user_id
            .push(Some(facts.user).filter(|u| !u.is_empty()));
        self.sku.push(facts.sku);
        self.action.push(facts.action);
        self.order_id.push(facts.order_id);
        for item in &facts.lines {
            self.push_item(item, rounded);
        }
        self.items.push(self.quantity.len() as i64);
    }

    fn push_item(&mut self, item: &OrderLine<'_>, rounded: &mut u64) {
        self.item_sku.push(Some(item.sku));
        self.quantity.push(item.quantity);
        let (amount, exact) = decimal(item.amount);
        *rounded += !exact as u64;
        self.amount.push(amount.unwrap_or(0));
        self.priced.push(amount.is_some());
        self.currency.push(Some(item.currency));
    }

    /// Append rows `rows` of `other` (in its numbering), with their order lines: whole
    /// slices, offsets rebased (row by row, the copy cost a third of the kernel's time).
    fn extend(&mut self, other: &Columns, rows: Range<usize>) {
        self.file.extend_from_slice(&other.file[rows.clone()]);
        self.line.extend_from_slice(&other.line[rows.clone()]);
        self.kind.extend_from_slice(&other.kind[rows.clone()]);
        self.time.extend_from_slice(&other.time[rows.clone()]);
        self.timed.extend_from(&other.timed, rows.clone());
        for (mine, theirs) in [
            (&mut self.set_id, &other.set_id),
            (&mut self.user_id, &other.user_id),
            (&mut self.sku, &other.sku),
            (&mut self.action, &other.action),
            (&mut self.order_id, &other.order_id),
        ] {
            mine.extend_from(theirs, rows.clone());
        }
        let end_of = |row: usize| {
            if row == 0 {
                0
            } else {
                other.items[row - 1] as usize
            }
        };
        let items = end_of(rows.start)..end_of(rows.end);
        self.item_sku.extend_from(&other.item_sku, items.clone());
        self.quantity
            .extend_from_slice(&other.quantity[items.clone()]);
        self.amount.extend_from_slice(&other.amount[items.clone()]);
        self.priced.extend_from(&other.priced, items.clone());
        self.currency.extend_from(&other.currency, items.clone());
        // Their item indices, moved to where the items now are.
        let shift = self.quantity.len() as i64 - items.end as i64;
        self.items
            .extend(other.items[rows].iter().map(|&end| end + shift));
    }

    fn into_arrays(self) -> Vec<Array> {
        let kinds = EventKind::ALL.len() as u8;
        debug_assert!(self.kind.iter().all(|&k| k < kinds));
        let mut offsets = Vec::with_capacity(self.items.len() + 1);
        offsets.push(0);
        offsets.extend(self.items);
        let item = Values::Struct(vec![
            self.item_sku.into_array("sku"),
            Array::new("quantity", Values::F64(self.quantity)),
            Array::with_validity(
                "amount",
                Values::Decimal(self.amount, PRECISION, SCALE as u8),
                self.priced,
            ),
            self.currency.into_array("currency"),
        ]);
        vec![
            Array::new("file", Values::U32(self.file)),
            Array::new("line", Values::U64(self.line)),
            Array::new("event_type", Values::U8(self.kind)),
            Array::with_validity("time", Values::Timestamp(self.time), self.timed),
            self.set_id.into_array("set_id"),
            self.user_id.into_array("user_id"),
            self.sku.into_array("sku"),
            self.action.into_array("action"),
            self.order_id.into_array("order_id"),
            Array::new(
                "order_lines",
                Values::List(offsets, Box::new(Array::new("item", item))),
            ),
        ]
    }
}

/// The rows of one run: where they start in the sink's columns.
#[derive(Clone, Copy)]
struct Segment {
    run: u64,
    start: usize,
}

/// The export's facts sink (one per thread).
#[derive(Clone, Default)]
pub struct EventRows {
    columns: Columns,
    segments: Vec<Segment>,
    /// Amounts written with more than SCALE decimals (or too large): rounded, or null.
    pub rounded: u64,
}

impl EventRows {
    /// Rows held, not yet drained.
    pub fn held(&self) -> usize {
        self.columns.rows()
    }
}

impl FactsSink for EventRows {
    fn begin_run(&mut self, run: u64) {
        let start = self.columns.rows();
        self.segments.push(Segment { run, start });
    }

    fn take(&mut self, facts: &Facts<'_>, line: u64) {
        self.columns.push(facts, line, &mut self.rounded);
    }

    fn place_run(&mut self, run: u64, file: usize, before: u64) {
        let Some(at) = self.segments.iter().rposition(|s| s.run == run) else {
            return;
        };
        let start = self.segments[at].start;
        let end = self
            .segments
            .get(at + 1)
            .map_or(self.columns.rows(), |s| s.start);
        let file = u32::try_from(file).unwrap_or(u32::MAX);
        for i in start..end {
            self.columns.file[i] = file;
            self.columns.line[i] += before;
        }
    }
}

/// Every row the sinks hold, in input order (their runs sorted), as columns; the sinks
/// are left empty. Columns: file (index of the file begun), line, event_type (the index
/// of `EventKind`), time (UTC microseconds), set_id, user_id, sku, action, order_id,
/// order_lines (a list of structs: sku, quantity, amount, currency).
pub fn drain(sinks: &mut [EventRows]) -> Vec<Array> {
    drain_columns(sinks).into_arrays()
}

/// The sinks' rows in input order, as `drain` hands them over before they are Arrow's.
pub fn drain_columns(sinks: &mut [EventRows]) -> Columns {
    let mut out = Columns::default();
    drain_into(sinks, &mut out);
    out
}

/// The sinks' rows in input order into `out` (empty); true when they were all one
/// sink's, handed over without a copy.
fn drain_into(sinks: &mut [EventRows], out: &mut Columns) -> bool {
    let mut runs: Vec<(u64, usize, usize, usize)> = Vec::new();
    for (index, sink) in sinks.iter().enumerate() {
        for (at, segment) in sink.segments.iter().enumerate() {
            let end = sink
                .segments
                .get(at + 1)
                .map_or(sink.columns.rows(), |s| s.start);
            runs.push((segment.run, index, segment.start, end));
        }
    }
    runs.sort_unstable_by_key(|r| r.0);
    let rooms: Vec<Columns> = sinks.iter().map(|s| s.columns.with_room_of()).collect();
    let owner = runs.first().map_or(0, |r| r.1);
    let single = runs.iter().all(|r| r.1 == owner || r.2 == r.3);
    if single {
        // One sink holds every row, in order: its columns are handed over whole.
        if let Some(sink) = sinks.get_mut(owner) {
            *out = std::mem::take(&mut sink.columns);
        }
    } else {
        for &(_, index, start, end) in &runs {
            out.extend(&sinks[index].columns, start..end);
        }
    }
    for (sink, room) in sinks.iter_mut().zip(rooms) {
        sink.columns = room;
        sink.segments.clear();
    }
    single
}

/// An amount as a decimal of SCALE digits after the point, from its shortest decimal
/// form (the digits it was written with, for any amount written with up to 15 digits);
/// and whether it is exact. None when it does not fit 38 digits.
pub fn decimal(amount: f64) -> (Option<i128>, bool) {
    if !amount.is_finite() {
        return (None, false);
    }
    // Display writes the shortest digits that read back as the same f64, never with an
    // exponent: "19.99", "0.000001", "1000000000000000000000".
    let text = format!("{}", amount.abs());
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let digits = |s: &str| -> Option<i128> {
        s.bytes().try_fold(0i128, |n, b| {
            n.checked_mul(10)?
                .checked_add(i128::from(b.checked_sub(b'0')?))
        })
    };
    let kept = &fraction[..fraction.len().min(SCALE as usize)];
    let dropped = &fraction[kept.len()..];
    let scale = 10i128.pow(SCALE - kept.len() as u32);
    let Some(mut value) = digits(whole)
        .and_then(|w| w.checked_mul(10i128.pow(SCALE)))
        .and_then(|w| Some(w + digits(kept)?.checked_mul(scale)?))
    else {
        return (None, false);
    };
    let exact = dropped.bytes().all(|b| b == b'0');
    if !exact {
        // Half to even on the dropped digits.
        let first = dropped.as_bytes()[0];
        let rest_zero = dropped[1..].bytes().all(|b| b == b'0');
        if first > b'5' || (first == b'5' && (!rest_zero || value % 2 == 1)) {
            value += 1;
        }
    }
    // 38 digits: the most a Parquet decimal of 16 bytes is declared to hold.
    if value >= 10i128.pow(u32::from(PRECISION)) {
        return (None, false);
    }
    (Some(if amount < 0.0 { -value } else { value }), exact)
}

#[cfg(test)]
mod tests;
