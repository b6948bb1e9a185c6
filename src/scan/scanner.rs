//! The state of a scan over many files: the carry between pieces, long lines, threads.

use super::*;

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
    pub(crate) carry: Vec<u8>,
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
        self.begin_part(name, false);
    }

    /// Start a file, or a part of one from the start of a line inside it (a cluster
    /// task's byte range): only a file's start can hold a BOM to drop.
    pub fn begin_part(&mut self, name: &str, continued: bool) {
        self.files.push((name.to_string(), Tally::default()));
        self.file_tally = Tally::default();
        self.carry.clear();
        self.skipping = None;
        self.at_file_start = !continued;
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
        // Runs keep only the problems that still have room: once the first ones are
        // kept, the rest are counted, not copied (a third of lines invalid cost 20% more).
        let options = &Options {
            keep: self.options.keep.saturating_sub(self.problems.len()),
            ..self.options.clone()
        };
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
                    // A thread's panic goes on here with its own message.
                    .map(|h| {
                        h.join()
                            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                    })
                    .collect()
            })
        };
        for (i, run) in runs.into_iter().enumerate() {
            self.sinks[i].place_run(first_run + i as u64, file, self.file_tally.lines);
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
