//! The kernel's pass over a file on one thread, without Python, to profile the Rust code
//! alone (perf, callgrind): `cargo run --release --example kernel -- FILE [report]`.
use _core::report::Partial;
use _core::scan::{FactsSink, NoFacts, Options, Scanner};
use std::io::Read;
use std::time::Instant;

fn run<S: FactsSink>(path: &str, options: Options, sink: S) -> Scanner<S> {
    let mut scanner = Scanner::new(options, sink);
    scanner.begin_file("input");
    // Read as the CLI does, in 4 MiB chunks into one buffer: memory stays that of the scan.
    let mut file = std::fs::File::open(path).expect("a file");
    let mut buffer = vec![0u8; 4 << 20];
    loop {
        let size = file.read(&mut buffer).expect("readable");
        if size == 0 {
            break;
        }
        scanner.feed(&buffer[..size]);
    }
    scanner.end_file();
    scanner
}

/// The peak resident memory so far (Linux), to see what each step adds.
fn peak() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let line = status.lines().find(|l| l.starts_with("VmHWM:"));
    line.unwrap_or("VmHWM: ?")
        .split_whitespace()
        .skip(1)
        .collect::<Vec<_>>()
        .join(" ")
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = args.get(1).expect("usage: kernel FILE [report]");
    let bytes = std::fs::metadata(path).expect("a file").len();
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
        let scanner = run(path, options, Partial::new(None));
        let scanned = start.elapsed().as_secs_f64();
        println!("scanned; peak {}", peak());
        // What `Scan.partial()` does after the last file: the threads' parts merged.
        let mut parts = scanner.sinks.into_iter();
        let mut merged = parts.next().unwrap_or_default();
        for part in parts {
            merged.merge_thread(part);
        }
        let joined = start.elapsed().as_secs_f64();
        merged.compact();
        let compacted = start.elapsed().as_secs_f64();
        println!(
            "scan {scanned:.3} s, merge {:.3} s, compact {:.3} s; peak {}",
            joined - scanned,
            compacted - joined,
            peak()
        );
        scanner.total
    } else {
        run(path, options, NoFacts).total
    };
    let seconds = start.elapsed().as_secs_f64();
    let mb = bytes as f64 / 1e6;
    println!("{seconds:.3} s, {:.0} MB/s, {total:?}", mb / seconds);
}
