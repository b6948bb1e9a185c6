use super::*;

const TABLE: &str = include_str!("../../tests/fixtures/times.tsv");

#[test]
fn the_shared_table_holds() {
    let mut checked = 0;
    for row in TABLE.lines().skip(1).filter(|r| !r.starts_with('#')) {
        let cols: Vec<&str> = row.split('\t').collect();
        let (kind, input, expected) = (cols[0], cols[1], cols[2]);
        let got = match kind {
            "iso" => parse_iso(input),
            "epoch" => from_epoch(input.parse().unwrap()),
            other => panic!("unknown kind {other}"),
        };
        let want = if expected == "reject" {
            None
        } else {
            Some(expected.parse::<i64>().unwrap())
        };
        assert_eq!(got, want, "{kind} {input:?}");
        checked += 1;
    }
    assert!(checked > 90);
}

#[test]
fn civil_days() {
    assert_eq!(days_from_civil(1970, 1, 1), 0);
    assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    assert_eq!(weekday(days_from_civil(2026, 11, 27)), 5); // a Friday
}
