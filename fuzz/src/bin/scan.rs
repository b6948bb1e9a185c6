//! Bytes through a report scan cut into random pieces on 1-3 threads, with a small line
//! limit: the counts, the problems, the counts by code and the partial result never
//! depend on the cuts or the threads (a report's partial, or compare's per-user sums), every line is valid, invalid or blank, and nothing
//! panics.
use _core::report::{Calendar, Partial, PerUser, Rows, Window};
use _core::scan::{Options, Scanner};
use std::sync::Arc;

/// Days in UTC, as the --interval calendar gives them.
struct Days;

impl Calendar for Days {
    fn period(&self, moment: i64) -> Result<Option<(i64, i64)>, String> {
        let day = 86_400_000_000;
        let start = moment.div_euclid(day) * day;
        Ok(start.checked_add(day).map(|end| (start, end)))
    }
}

fn scan(
    data: &[u8],
    step: usize,
    threads: usize,
    max_line: usize,
    rows: Option<Rows>,
    windows: bool,
) -> Scanner<Partial> {
    let options = Options {
        time_fields: vec!["timestamp".into(), "time".into()],
        max_line,
        keep: 50,
        threads,
        split: true,
    };
    let window = Window {
        since: Some(0),
        until: None,
    };
    let partial = match rows {
        // compare's two windows (found by the kernel), or its per-user sums per day.
        Some(rows) if windows => {
            let cut = 1_790_000_000_000_000;
            let windows = Some([(0, cut), (cut, i64::MAX)]);
            Partial::per_user(None, PerUser { rows, windows }, None)
        }
        Some(rows) => {
            let per = PerUser {
                rows,
                windows: None,
            };
            Partial::per_user(Some(window), per, Some(Arc::new(Days)))
        }
        None => Partial::with_trend(Some(window), Arc::new(Days)),
    };
    let mut scanner = Scanner::new(options, partial);
    scanner.begin_file("fuzz");
    for piece in data.chunks(step.max(1)) {
        scanner.feed(piece);
    }
    scanner.end_file();
    scanner
}

fn merged(scanner: &mut Scanner<Partial>) -> Partial {
    let mut parts = std::mem::take(&mut scanner.sinks).into_iter();
    let mut merged = parts.next().unwrap_or_default();
    for part in parts {
        merged.merge_thread(part);
    }
    merged.compact();
    merged
}

fn main() {
    afl::fuzz!(|input: &[u8]| {
        if input.len() < 3 {
            return;
        }
        let (control, data) = input.split_at(3);
        let threads = 1 + control[0] as usize % 3;
        let step = 1 + control[1] as usize;
        let max_line = 8 + 4 * control[2] as usize;
        // A report's partial, or compare's per-user sums of one table.
        let rows = [
            None,
            Some(Rows::Sets),
            Some(Rows::Products),
            Some(Rows::SetProducts),
        ][control[0] as usize / 3 % 4];
        let windows = control[0] >= 128;
        let mut whole = scan(data, data.len(), 1, max_line, rows, windows);
        let mut cut = scan(data, step, threads, max_line, rows, windows);
        let t = whole.total;
        assert_eq!(t.lines, t.valid + t.invalid + t.blank);
        assert_eq!(t, cut.total);
        assert_eq!(whole.problems, cut.problems);
        assert_eq!(whole.stats, cut.stats); // counts and first examples by code
        assert_eq!(whole.take_outputs(), cut.take_outputs());
        let (a, b) = (merged(&mut whole), merged(&mut cut));
        assert_eq!(a.counters, b.counters);
        assert_eq!(a.users.len(), b.users.len());
        assert_eq!(a.periods.len(), b.periods.len());
        let back = Partial::from_bytes(&a.to_bytes()).expect("its own bytes");
        assert_eq!(back.counters, a.counters);
        // Per-user sums: as many rows, and the same totals, however the lines were cut.
        let total = |p: &Partial| {
            p.user_sums
                .values()
                .fold([0u64; 3], |t, v| [t[0] + v[0], t[1] + v[1], t[2] + v[2]])
        };
        assert_eq!(a.user_sums.len(), b.user_sums.len());
        assert_eq!(total(&a), total(&b));
        assert_eq!(back.user_sums, a.user_sums);
    });
}
