//! Bytes through an export scan cut into random pieces on 1-3 threads, with a small line
//! limit: the rows (every field, their files and line numbers, the order lines) never
//! depend on the cuts or the threads; there is one row per valid line, placed at lines
//! in order; and nothing panics.
use _core::export::{drain_columns, EventRows};
use _core::scan::{Options, Scanner};

fn scan(data: &[u8], step: usize, threads: usize, max_line: usize) -> Scanner<EventRows> {
    let options = Options {
        time_fields: vec!["timestamp".into(), "time".into()],
        max_line,
        keep: 10,
        threads,
        split: false,
    };
    let mut scanner = Scanner::new(options, EventRows::default());
    // Two files: line numbers start again in the second.
    let half = data.len() / 2;
    for part in [&data[..half], &data[half..]] {
        scanner.begin_file("fuzz");
        for piece in part.chunks(step.max(1)) {
            scanner.feed(piece);
        }
        scanner.end_file();
    }
    scanner
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
        let mut whole = scan(data, data.len(), 1, max_line);
        let mut cut = scan(data, step, threads, max_line);
        assert_eq!(whole.total, cut.total);
        let rows = drain_columns(&mut whole.sinks);
        assert_eq!(rows, drain_columns(&mut cut.sinks));
        assert_eq!(rows.rows() as u64, whole.total.valid);
        let places: Vec<(u32, u64)> = rows.places().collect();
        assert!(places.windows(2).all(|w| w[0] < w[1]));
        for (file, line) in places {
            let lines = whole.files[file as usize].1.lines;
            assert!(line >= 1 && line <= lines);
        }
    });
}
