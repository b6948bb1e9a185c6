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

#[test]
fn a_blank_line_over_the_limit_is_too_long_however_it_arrives() {
    // Found by fuzzing: whole, it was blank; in pieces, skipped as too long.
    let mut data = vec![b'\t'; 100];
    data.extend_from_slice(b"\n \n");
    for cuts in [&[][..], &[10, 20, 60][..], &[1, 99][..]] {
        let scanner = scan(&data, cuts, options(1, true, 44));
        let t = scanner.total;
        assert_eq!((t.lines, t.invalid, t.blank), (2, 1, 1), "cuts {cuts:?}");
        assert_eq!(scanner.problems[0].code, Code::LineTooLong);
        let mut expected = vec![b'\t'; 100];
        expected.push(b'\n');
        assert_eq!(scanner.invalid_out, expected, "cuts {cuts:?}");
    }
}
