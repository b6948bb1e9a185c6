//! The per-line pass: byte blocks in any size -> physical lines -> verdicts, counted.
//!
//! A `Scanner` takes the bytes of one file after another, in pieces cut anywhere; it
//! keeps the incomplete last line of a piece for the next one, so results do not
//! depend on where the pieces were cut, nor on how many threads share a piece (lines
//! are split into runs per thread and the runs' results merged in input order).

use crate::catalogue::{Code, ALL_CODES};
use crate::json::{parse, Doc, Error};
use crate::rules::{check, Facts, Finding};
use memchr::{memchr, memrchr};

const BOM: &[u8] = b"\xef\xbb\xbf";

/// What a scan keeps and how it works.
#[derive(Clone, Debug)]
pub struct Options {
    pub time_fields: Vec<String>,
    /// Longer lines are `line-too-long`, skipped without being held in memory.
    pub max_line: usize,
    /// Problems kept in full (all are counted).
    pub keep: usize,
    pub threads: usize,
    /// Copy valid and invalid lines to the split outputs.
    pub split: bool,
}

/// Line counts of a file, or of all files.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub lines: u64,
    pub valid: u64,
    pub invalid: u64,
    pub blank: u64,
    pub warnings: u64,
}

impl Tally {
    fn add(&mut self, other: &Tally) {
        self.lines += other.lines;
        self.valid += other.valid;
        self.invalid += other.invalid;
        self.blank += other.blank;
        self.warnings += other.warnings;
    }
}

/// One problem, placed at a file (index into the files seen) and a 1-based line.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    pub file: usize,
    pub line: u64,
    pub code: Code,
    pub path: String,
    pub message: String,
}

/// How often a code occurred, and its first occurrence.
#[derive(Clone, Debug, PartialEq)]
pub struct CodeStat {
    pub count: u64,
    pub first_file: usize,
    pub first_line: u64,
    pub example: String,
}

/// Something that takes the facts of each valid line (the report's partial result).
/// Lines come in runs numbered in input order; within a run, in order.
pub trait FactsSink: Send + Clone {
    fn begin_run(&mut self, run: u64);
    /// The facts of a line to be taken soon: a chance to start fetching what they need.
    fn prepare(&mut self, _facts: &Facts<'_>) {}
    fn take(&mut self, facts: &Facts<'_>);
}

/// A sink for validate, which needs no facts.
#[derive(Default, Clone)]
pub struct NoFacts;
impl FactsSink for NoFacts {
    fn begin_run(&mut self, _run: u64) {}
    fn take(&mut self, _facts: &Facts<'_>) {}
}

/// The results of a run of complete lines (local line numbers).
struct Run {
    tally: Tally,
    problems: Vec<Problem>,
    stats: Vec<Option<CodeStat>>,
    valid_out: Vec<u8>,
    invalid_out: Vec<u8>,
}

impl Run {
    fn new() -> Run {
        Run {
            tally: Tally::default(),
            problems: Vec::new(),
            stats: vec![None; ALL_CODES.len()],
            valid_out: Vec::new(),
            invalid_out: Vec::new(),
        }
    }

    fn record(&mut self, options: &Options, file: usize, line: u64, finding: Finding) {
        let stat = &mut self.stats[finding.code.index()];
        match stat {
            Some(stat) => stat.count += 1,
            None => {
                *stat = Some(CodeStat {
                    count: 1,
                    first_file: file,
                    first_line: line,
                    example: finding.message.clone(),
                })
            }
        }
        if self.problems.len() < options.keep {
            self.problems.push(Problem {
                file,
                line,
                code: finding.code,
                path: finding.path,
                message: finding.message,
            });
        }
    }
}

/// A physical line without its '\n' and one '\r' before it.
fn body(raw: &[u8]) -> &[u8] {
    let raw = raw.strip_suffix(b"\n").unwrap_or(raw);
    raw.strip_suffix(b"\r").unwrap_or(raw)
}

fn is_blank(body: &[u8]) -> bool {
    body.iter().all(|&b| b == b' ' || b == b'\t')
}

fn copy_line(out: &mut Vec<u8>, raw: &[u8]) {
    out.extend_from_slice(raw);
    if !raw.ends_with(b"\n") {
        out.push(b'\n');
    }
}

/// The findings of one line's body.
pub fn line_findings<'a, 'd: 'a>(
    body: &'d [u8],
    doc: &'a mut Doc<'d>,
    time_fields: &[String],
    findings: &mut Vec<Finding>,
) -> Option<Facts<'a>> {
    // Clean events take the fast path; anything it declines gets the full rule walk.
    if let Some(facts) = crate::fast::check(body, time_fields) {
        return Some(facts);
    }
    match parse(body, doc) {
        Ok(()) => check(&*doc, time_fields, findings),
        Err(Error::Syntax(reason, _)) => {
            let message = Code::InvalidJson.message(&[("reason", &reason)]);
            findings.push(Finding {
                code: Code::InvalidJson,
                path: String::new(),
                message,
            });
            None
        }
        Err(Error::TooDeep) => {
            let limit = crate::json::MAX_DEPTH.to_string();
            let message = Code::TooDeep.message(&[("limit", &limit)]);
            findings.push(Finding {
                code: Code::TooDeep,
                path: String::new(),
                message,
            });
            None
        }
    }
}

/// Scan complete lines (each ending in '\n', but the last may not), numbered from 1.
fn scan_lines<S: FactsSink>(
    data: &[u8],
    options: &Options,
    file: usize,
    strip_bom: bool,
    sink: &mut S,
) -> Run {
    let mut run = Run::new();
    let mut doc = Doc::default();
    let mut findings = Vec::new();
    let mut rest = data;
    let mut number = 0u64;
    let mut pending: Option<Facts<'_>> = None;
    while !rest.is_empty() {
        let end = memchr(b'\n', rest).map_or(rest.len(), |i| i + 1);
        let mut raw = &rest[..end];
        rest = &rest[end..];
        number += 1;
        if number == 1 && strip_bom {
            raw = raw.strip_prefix(BOM).unwrap_or(raw);
        }
        let line = body(raw);
        if line.first() != Some(&b'{') && is_blank(line) {
            run.tally.blank += 1;
            continue;
        }
        findings.clear();
        let valid = if line.len() > options.max_line {
            let (size, limit) = (line.len().to_string(), options.max_line.to_string());
            findings.push(Finding {
                code: Code::LineTooLong,
                path: String::new(),
                message: Code::LineTooLong.message(&[("size", &size), ("limit", &limit)]),
            });
            false
        } else if let Some(facts) = crate::fast::check(line, &options.time_fields) {
            // Facts of the fast path borrow only the data, so the sink takes them one
            // line late: what it will look up is fetched from memory meanwhile.
            sink.prepare(&facts);
            if let Some(previous) = pending.replace(facts) {
                sink.take(&previous);
            }
            true
        } else {
            if let Some(previous) = pending.take() {
                sink.take(&previous);
            }
            match line_findings(line, &mut doc, &options.time_fields, &mut findings) {
                Some(facts) => {
                    sink.take(&facts);
                    true
                }
                None => false,
            }
        };
        if valid {
            run.tally.valid += 1;
        } else {
            run.tally.invalid += 1;
        }
        if options.split {
            copy_line(
                if valid {
                    &mut run.valid_out
                } else {
                    &mut run.invalid_out
                },
                raw,
            );
        }
        for finding in findings.drain(..) {
            run.tally.warnings += finding.code.is_warning() as u64;
            run.record(options, file, number, finding);
        }
    }
    if let Some(previous) = pending.take() {
        sink.take(&previous);
    }
    run.tally.lines = number;
    run
}

/// Cut `data` (complete lines) into about `parts` runs at line ends.
fn cut(data: &[u8], parts: usize) -> Vec<&[u8]> {
    let mut pieces = Vec::with_capacity(parts);
    let mut rest = data;
    for left in (1..=parts).rev() {
        if left == 1 || rest.len() < 64 * 1024 {
            pieces.push(rest);
            break;
        }
        let target = rest.len() / left;
        let end = memchr(b'\n', &rest[target..]).map_or(rest.len(), |i| target + i + 1);
        pieces.push(&rest[..end]);
        rest = &rest[end..];
    }
    pieces
}

/// A line over the limit being skipped: its bytes so far (without a BOM at the file's
/// start) and its last two, so that its size is the size of its body, as for a line
/// that arrives whole: without the newline and one CR before it.
#[derive(Clone, Copy, Debug)]
struct Skipped {
    seen: usize,
    tail: [u8; 2],
}

impl Skipped {
    fn new(start: &[u8]) -> Skipped {
        let mut skipped = Skipped {
            seen: 0,
            tail: [0; 2],
        };
        skipped.take(start);
        skipped
    }

    fn take(&mut self, data: &[u8]) {
        self.seen += data.len();
        for &b in &data[data.len().saturating_sub(2)..] {
            self.tail = [self.tail[1], b];
        }
    }

    fn body_size(&self) -> usize {
        let (mut size, mut tail) = (self.seen, self.tail);
        if tail[1] == b'\n' {
            size -= 1;
            tail = [0, tail[0]];
        }
        if tail[1] == b'\r' {
            size -= 1;
        }
        size
    }
}

/// The state of a scan over many files: counts, problems, and the split outputs.
pub struct Scanner<S> {
    pub options: Options,
    pub files: Vec<(String, Tally)>,
    pub total: Tally,
    pub problems: Vec<Problem>,
    pub stats: Vec<Option<CodeStat>>,
    /// One facts sink per thread; each sees runs in input order.
    pub sinks: Vec<S>,
    runs: u64,
    file_tally: Tally,
    carry: Vec<u8>,
    /// A line over the limit, seen so far; it is skipped, not held.
    skipping: Option<Skipped>,
    at_file_start: bool,
    pub valid_out: Vec<u8>,
    pub invalid_out: Vec<u8>,
}

impl<S: FactsSink> Scanner<S> {
    pub fn new(options: Options, sink: S) -> Scanner<S> {
        let threads = options.threads.max(1);
        Scanner {
            options,
            files: Vec::new(),
            total: Tally::default(),
            problems: Vec::new(),
            stats: vec![None; ALL_CODES.len()],
            sinks: vec![sink; threads],
            runs: 0,
            file_tally: Tally::default(),
            carry: Vec::new(),
            skipping: None,
            at_file_start: true,
            valid_out: Vec::new(),
            invalid_out: Vec::new(),
        }
    }

    pub fn begin_file(&mut self, name: &str) {
        self.files.push((name.to_string(), Tally::default()));
        self.file_tally = Tally::default();
        self.carry.clear();
        self.skipping = None;
        self.at_file_start = true;
    }

    fn file(&self) -> usize {
        self.files.len().saturating_sub(1)
    }

    /// Take the next bytes of the current file.
    pub fn feed(&mut self, mut data: &[u8]) {
        if self.skipping.is_some() {
            match memchr(b'\n', data) {
                None => {
                    self.skip(data);
                    return;
                }
                Some(i) => {
                    self.skip(&data[..=i]);
                    self.end_skipping();
                    data = &data[i + 1..];
                }
            }
        }
        if !self.carry.is_empty() {
            match memchr(b'\n', data) {
                None => {
                    self.carry.extend_from_slice(data);
                    self.check_carry();
                    return;
                }
                Some(i) => {
                    let mut line = std::mem::take(&mut self.carry);
                    line.extend_from_slice(&data[..=i]);
                    self.lines(&line);
                    line.clear();
                    self.carry = line; // keep the capacity
                    data = &data[i + 1..];
                }
            }
        }
        let complete = memrchr(b'\n', data).map_or(0, |i| i + 1);
        self.lines(&data[..complete]);
        self.carry.extend_from_slice(&data[complete..]);
        self.check_carry();
    }

    fn check_carry(&mut self) {
        // The limit is on the body: +5 leaves room for a BOM, a CR and the newline.
        if self.carry.len() > self.options.max_line + 5 {
            let bom = if self.at_file_start && self.carry.starts_with(BOM) {
                BOM.len()
            } else {
                0
            };
            if self.options.split {
                // As for a whole line, the file-start BOM is not copied.
                self.invalid_out.extend_from_slice(&self.carry[bom..]);
            }
            self.skipping = Some(Skipped::new(&self.carry[bom..]));
            self.carry.clear();
        }
    }

    fn skip(&mut self, data: &[u8]) {
        if self.options.split {
            self.invalid_out.extend_from_slice(data);
        }
        if let Some(skipped) = &mut self.skipping {
            skipped.take(data);
        }
    }

    fn end_skipping(&mut self) {
        let seen = self.skipping.take().map_or(0, |s| s.body_size());
        if self.options.split && !self.invalid_out.ends_with(b"\n") {
            self.invalid_out.push(b'\n');
        }
        let mut run = Run::new();
        let (size, limit) = (seen.to_string(), self.options.max_line.to_string());
        let finding = Finding {
            code: Code::LineTooLong,
            path: String::new(),
            message: Code::LineTooLong.message(&[("size", &size), ("limit", &limit)]),
        };
        run.tally.lines = 1;
        run.tally.invalid = 1;
        run.record(&self.options, self.file(), 1, finding);
        self.at_file_start = false;
        self.merge(run.tally, run.problems, run.stats, Vec::new(), Vec::new());
    }

    /// The file's last line (if it had no newline) and its counts.
    pub fn end_file(&mut self) {
        if self.skipping.is_some() {
            self.end_skipping();
        }
        let last = std::mem::take(&mut self.carry);
        self.lines(&last);
        let index = self.file();
        if let Some(entry) = self.files.get_mut(index) {
            entry.1 = self.file_tally;
        }
    }

    /// Scan complete lines on the threads and merge their results in order.
    fn lines(&mut self, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        let strip = std::mem::replace(&mut self.at_file_start, false);
        let file = self.file();
        let options = &self.options;
        let pieces = cut(data, options.threads.max(1));
        let first_run = self.runs;
        self.runs += pieces.len() as u64;
        let sinks = &mut self.sinks[..pieces.len()];
        let runs: Vec<Run> = if pieces.len() == 1 {
            sinks[0].begin_run(first_run);
            vec![scan_lines(pieces[0], options, file, strip, &mut sinks[0])]
        } else {
            std::thread::scope(|scope| {
                let handles: Vec<_> = pieces
                    .iter()
                    .zip(sinks.iter_mut())
                    .enumerate()
                    .map(|(i, (piece, sink))| {
                        scope.spawn(move || {
                            sink.begin_run(first_run + i as u64);
                            scan_lines(piece, options, file, strip && i == 0, sink)
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().expect("a scan thread panicked"))
                    .collect()
            })
        };
        for run in runs {
            self.merge(
                run.tally,
                run.problems,
                run.stats,
                run.valid_out,
                run.invalid_out,
            );
        }
    }

    fn merge(
        &mut self,
        tally: Tally,
        problems: Vec<Problem>,
        stats: Vec<Option<CodeStat>>,
        valid_out: Vec<u8>,
        invalid_out: Vec<u8>,
    ) {
        let offset = self.file_tally.lines;
        for (mine, theirs) in self.stats.iter_mut().zip(stats) {
            if let Some(mut theirs) = theirs {
                match mine {
                    Some(mine) => mine.count += theirs.count,
                    None => {
                        theirs.first_line += offset;
                        *mine = Some(theirs);
                    }
                }
            }
        }
        let room = self.options.keep.saturating_sub(self.problems.len());
        self.problems
            .extend(problems.into_iter().take(room).map(|mut p| {
                p.line += offset;
                p
            }));
        self.file_tally.add(&tally);
        self.total.add(&tally);
        if self.valid_out.is_empty() {
            self.valid_out = valid_out;
        } else {
            self.valid_out.extend_from_slice(&valid_out);
        }
        if self.invalid_out.is_empty() {
            self.invalid_out = invalid_out;
        } else {
            self.invalid_out.extend_from_slice(&invalid_out);
        }
    }

    /// The split outputs gathered since the last call.
    pub fn take_outputs(&mut self) -> (Vec<u8>, Vec<u8>) {
        (
            std::mem::take(&mut self.valid_out),
            std::mem::take(&mut self.invalid_out),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"type":"view","view":{"type":"setCompose","setCompose":{"id":"s"}},"context":[{"type":"user","user":{"id":"u"}}]}"#;

    fn options(threads: usize, split: bool, max_line: usize) -> Options {
        Options {
            time_fields: Vec::new(),
            max_line,
            keep: 100,
            threads,
            split,
        }
    }

    fn sample() -> Vec<u8> {
        let mut data = Vec::new();
        data.extend_from_slice(BOM);
        for i in 0..40 {
            match i % 5 {
                0 => data.extend_from_slice(GOOD.as_bytes()),
                1 => data.extend_from_slice(b"{\"type\":"),
                2 => data.extend_from_slice(b" \t"),
                3 => data.extend_from_slice(format!("{GOOD}\r").as_bytes()),
                _ => data.extend_from_slice(b"[1]"),
            }
            data.push(b'\n');
        }
        data.extend_from_slice(GOOD.as_bytes()); // no final newline
        data
    }

    fn scan(data: &[u8], cuts: &[usize], options: Options) -> Scanner<NoFacts> {
        let mut scanner = Scanner::new(options, NoFacts);
        scanner.begin_file("f");
        let mut last = 0;
        for &cut in cuts.iter().chain(std::iter::once(&data.len())) {
            scanner.feed(&data[last..cut]);
            last = cut;
        }
        scanner.end_file();
        scanner
    }

    #[test]
    fn results_do_not_depend_on_cuts_or_threads() {
        let data = sample();
        let whole = scan(&data, &[], options(1, true, 1 << 20));
        assert_eq!(
            whole.total,
            Tally {
                lines: 41,
                valid: 17,
                invalid: 16,
                blank: 8,
                warnings: 0
            }
        );
        for cut in 0..data.len() {
            for threads in [1, 2, 7] {
                let other = scan(&data, &[cut], options(threads, true, 1 << 20));
                assert_eq!(other.total, whole.total, "cut {cut}");
                assert_eq!(other.problems, whole.problems, "cut {cut}");
                assert_eq!(other.stats, whole.stats);
            }
        }
    }

    #[test]
    fn split_outputs_keep_every_non_blank_line_byte_for_byte() {
        let data = sample();
        let mut scanner = scan(&data, &[10, 500], options(2, true, 1 << 20));
        let (valid, invalid) = scanner.take_outputs();
        let non_blank: usize = data[BOM.len()..]
            .split(|&b| b == b'\n')
            .filter(|l| !is_blank(body(l)))
            .map(|l| l.len() + 1)
            .sum();
        assert_eq!(valid.len() + invalid.len(), non_blank);
        assert!(valid.starts_with(GOOD.as_bytes()) && invalid.starts_with(b"{\"type\":\n"));
    }

    #[test]
    fn a_skipped_first_line_is_copied_without_the_files_bom() {
        let mut data = BOM.to_vec();
        data.extend(std::iter::repeat_n(b'x', 40));
        data.push(b'\n');
        for cut in 1..data.len() {
            let mut scanner = scan(&data, &[cut], options(1, true, 10));
            let (_, invalid) = scanner.take_outputs();
            assert_eq!(invalid, &data[BOM.len()..], "cut at {cut}");
        }
    }

    #[test]
    fn a_line_over_the_limit_is_skipped_not_held() {
        let mut data = GOOD.as_bytes().to_vec();
        data.push(b'\n');
        data.extend(std::iter::repeat_n(b'x', 10_000));
        data.push(b'\n');
        data.extend_from_slice(GOOD.as_bytes());
        let cuts: Vec<usize> = (1..data.len()).step_by(1000).collect();
        let mut scanner = scan(&data, &cuts, options(1, true, 500));
        assert_eq!((scanner.total.valid, scanner.total.invalid), (2, 1));
        assert_eq!(scanner.problems[0].code, Code::LineTooLong);
        assert_eq!(scanner.problems[0].line, 2);
        assert!(scanner.carry.capacity() < 5_000);
        let size = "The line is 10000 bytes";
        assert!(scanner.problems[0].message.starts_with(size));
        let (valid, invalid) = scanner.take_outputs();
        assert_eq!(invalid.len(), 10_001);
        assert_eq!(valid.len(), 2 * (GOOD.len() + 1));
    }

    #[test]
    fn a_skipped_line_is_measured_like_a_whole_one() {
        // The size in the message is the body's (no BOM, CR or newline), however the
        // line was cut into pieces.
        let mut data = BOM.to_vec();
        data.extend(std::iter::repeat_n(b'x', 600));
        data.extend_from_slice(b"\r\n");
        data.extend(std::iter::repeat_n(b'y', 700));
        data.push(b'\r');
        for cuts in [vec![], vec![100, 605, 700], vec![1, 2, 603, 604, 1000]] {
            let scanner = scan(&data, &cuts, options(1, false, 500));
            let messages: Vec<_> = scanner
                .problems
                .iter()
                .map(|p| p.message.as_str())
                .collect();
            let want = |size: &str| Code::LineTooLong.message(&[("size", size), ("limit", "500")]);
            assert_eq!(messages, [want("600"), want("700")], "cuts {cuts:?}");
        }
    }
}
