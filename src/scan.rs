//! The per-line pass: byte blocks in any size -> physical lines -> verdicts, counted.
//!
//! A `Scanner` takes the bytes of one file after another, in pieces cut anywhere; it
//! keeps the incomplete last line of a piece for the next one, so results do not
//! depend on where the pieces were cut, nor on how many threads share a piece (lines
//! are split into runs per thread and the runs' results merged in input order).

use crate::catalogue::{Code, ALL_CODES};
use crate::json::{parse, Doc, Error};
use crate::rules::{check, Facts, Finding, Findings};
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
    /// The facts of the line numbered `line` within its run (from 1).
    fn take(&mut self, facts: &Facts<'_>, line: u64);
    /// Where a run's lines are, once the runs before it are counted: its file (an index
    /// into the files begun) and the number in that file of the line before its first.
    /// Runs are placed in input order, after they were scanned.
    fn place_run(&mut self, _run: u64, _file: usize, _before: u64) {}
}

/// A sink for validate, which needs no facts.
#[derive(Default, Clone)]
pub struct NoFacts;
impl FactsSink for NoFacts {
    fn begin_run(&mut self, _run: u64) {}
    fn take(&mut self, _facts: &Facts<'_>, _line: u64) {}
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

    /// Count `count` findings of a code, the first of them `finding` (its example when
    /// it is the code's first).
    fn count(&mut self, file: usize, line: u64, finding: &Finding, count: u64) {
        let stat = &mut self.stats[finding.code.index()];
        match stat {
            Some(stat) => stat.count += count,
            None => {
                *stat = Some(CodeStat {
                    count,
                    first_file: file,
                    first_line: line,
                    example: finding.message.clone(),
                })
            }
        }
    }

    fn record(&mut self, options: &Options, file: usize, line: u64, finding: Finding) {
        self.count(file, line, &finding, 1);
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
    findings: &mut Findings,
) -> Option<Facts<'a>> {
    // Clean events take the fast path; anything it declines gets the full rule walk.
    if let Some(facts) = crate::fast::check(body, time_fields) {
        return Some(facts);
    }
    match parse(body, doc) {
        Ok(()) => check(&*doc, time_fields, findings),
        Err(Error::Syntax(reason, _)) => {
            findings.add(Code::InvalidJson, || {
                (
                    String::new(),
                    Code::InvalidJson.message(&[("reason", &reason)]),
                )
            });
            None
        }
        Err(Error::TooDeep) => {
            let limit = crate::json::MAX_DEPTH.to_string();
            findings.add(Code::TooDeep, || {
                (String::new(), Code::TooDeep.message(&[("limit", &limit)]))
            });
            None
        }
        Err(Error::TooMany) => {
            let limit = crate::json::MAX_VALUES.to_string();
            findings.add(Code::TooManyValues, || {
                (
                    String::new(),
                    Code::TooManyValues.message(&[("limit", &limit)]),
                )
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
    let mut findings = Findings::default();
    let mut rest = data;
    let mut number = 0u64;
    let mut pending: Option<(Facts<'_>, u64)> = None;
    while !rest.is_empty() {
        let end = memchr(b'\n', rest).map_or(rest.len(), |i| i + 1);
        let mut raw = &rest[..end];
        rest = &rest[end..];
        number += 1;
        if number == 1 && strip_bom {
            raw = raw.strip_prefix(BOM).unwrap_or(raw);
        }
        let line = body(raw);
        // Over the limit, a line is too long even if it holds only spaces and tabs: one
        // arriving in pieces is skipped unseen, and must count the same (fuzz/scan).
        if line.len() <= options.max_line && line.first() != Some(&b'{') && is_blank(line) {
            run.tally.blank += 1;
            continue;
        }
        findings.clear();
        let valid = if line.len() > options.max_line {
            let (size, limit) = (line.len().to_string(), options.max_line.to_string());
            findings.add(Code::LineTooLong, || {
                let message = Code::LineTooLong.message(&[("size", &size), ("limit", &limit)]);
                (String::new(), message)
            });
            false
        } else if let Some(facts) = crate::fast::check(line, &options.time_fields) {
            // Facts of the fast path borrow only the data, so the sink takes them one
            // line late: what it will look up is fetched from memory meanwhile.
            sink.prepare(&facts);
            if let Some((previous, line)) = pending.replace((facts, number)) {
                sink.take(&previous, line);
            }
            true
        } else {
            if let Some((previous, line)) = pending.take() {
                sink.take(&previous, line);
            }
            match line_findings(line, &mut doc, &options.time_fields, &mut findings) {
                Some(facts) => {
                    sink.take(&facts, number);
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
        for finding in findings.kept.drain(..) {
            run.tally.warnings += finding.code.is_warning() as u64;
            run.record(options, file, number, finding);
        }
        for more in findings.more.drain(..) {
            // Beyond a line's kept findings: counted, never listed (the first of a code
            // may still be the code's first example).
            run.tally.warnings += more.count * more.first.code.is_warning() as u64;
            run.count(file, number, &more.first, more.count);
        }
    }
    if let Some((previous, line)) = pending.take() {
        sink.take(&previous, line);
    }
    run.tally.lines = number;
    run
}

mod scanner;
pub use scanner::Scanner;

#[cfg(test)]
mod tests;
