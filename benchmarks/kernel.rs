//! The kernel's pass over a file on one thread, without Python, to profile the Rust code
//! alone (perf, callgrind): `cargo run --release --example kernel -- FILE [report]`.
use _core::report::Partial;
use _core::scan::{FactsSink, NoFacts, Options, Scanner};
use std::time::Instant;

fn run<S: FactsSink>(data: &[u8], options: Options, sink: S) -> Scanner<S> {
    let mut scanner = Scanner::new(options, sink);
    scanner.begin_file("input");
    for chunk in data.chunks(4 << 20) {
        scanner.feed(chunk);
    }
    scanner.end_file();
    scanner
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let data = std::fs::read(args.get(1).expect("usage: kernel FILE [report]")).expect("a file");
    let options = Options {
        time_fields: vec!["timestamp".into(), "receivedAt".into(), "time".into()],
        max_line: 64 << 20,
        keep: 1000,
        threads: std::env::var("THREADS")
            .ok()
            .and_then(|t| t.parse().ok())
            .unwrap_or(1),
        split: false,
    };
    let start = Instant::now();
    let total = if args.get(2).map(String::as_str) == Some("report") {
        run(&data, options, Partial::new(None)).total
    } else {
        run(&data, options, NoFacts).total
    };
    let seconds = start.elapsed().as_secs_f64();
    let mb = data.len() as f64 / 1e6;
    println!("{seconds:.3} s, {:.0} MB/s, {total:?}", mb / seconds);
}
