//! Round trips of the wire format, and periods merged across partials.

use super::*;
use crate::scan::{Options, Scanner};

fn partial() -> Partial {
    scan(
        Partial::new(None),
        include_bytes!("../../../sample_data/events.ndjson"),
    )
}

/// UTC hours (the sample spans three).
struct Hours;
impl Calendar for Hours {
    fn period(&self, moment: i64) -> Result<Option<(i64, i64)>, String> {
        let day = 3_600_000_000;
        let start = moment.div_euclid(day) * day;
        Ok(Some((start, start + day)))
    }
}

fn scan(base: Partial, data: &[u8]) -> Partial {
    let options = Options {
        time_fields: vec!["timestamp".into()],
        max_line: 1 << 20,
        keep: 0,
        threads: 1,
        split: false,
    };
    let mut scanner = Scanner::new(options, base);
    scanner.begin_file("f");
    scanner.feed(data);
    scanner.end_file();
    scanner.sinks.pop().expect("one thread")
}

/// A count keyed by set, sku, action and the period's start.
type Dated = ((u32, u32, u32, i64), u64);

/// Counts with their period codes replaced by the period's start.
fn by_start(p: &Partial) -> Vec<Dated> {
    let mut out: Vec<_> = p
        .counts
        .iter()
        .map(|(&(a, b, c, d), &n)| ((a, b, c, p.periods.starts()[d as usize]), n))
        .collect();
    out.sort();
    out
}

#[test]
fn periods_split_the_counts_and_merge_exactly() {
    let data: &[u8] = include_bytes!("../../../sample_data/events.ndjson");
    let plain = scan(Partial::new(None), data);
    let whole = scan(Partial::with_trend(None, Arc::new(Hours)), data);
    assert!(whole.periods.len() > 1, "the sample spans several hours");
    let mut summed: Map<(u32, u32, u32), u64> = Map::default();
    for (&(set, sku, action, period), &n) in &whole.counts {
        assert_ne!(period, NONE);
        *summed.entry((set, sku, action)).or_default() += n;
    }
    let plain_counts: Map<_, _> = plain
        .counts
        .iter()
        .map(|(k, &n)| ((k.0, k.1, k.2), n))
        .collect();
    assert_eq!(summed, plain_counts);
    // Two halves, the later one first: period codes differ, the merge maps them.
    let cut = data.len() / 2
        + data[data.len() / 2..]
            .iter()
            .position(|&b| b == b'\n')
            .unwrap()
        + 1;
    let mut first = scan(Partial::with_trend(None, Arc::new(Hours)), &data[..cut]);
    let second = scan(Partial::with_trend(None, Arc::new(Hours)), &data[cut..]);
    let second = Partial::from_bytes(&second.to_bytes()).expect("round trip");
    first.merge(&second);
    let (mut a, mut b) = (by_start(&first), by_start(&whole));
    // Dictionaries may number sets and skus differently: compare through values.
    let named = |p: &Partial, rows: &mut Vec<Dated>| {
        let (sets, skus, actions) = (p.sets.values(), p.skus.values(), p.actions.values());
        let mut out: Vec<_> = rows
            .drain(..)
            .map(|((set, sku, action, start), n)| {
                let name =
                    |values: &[&str], code: u32| values.get(code as usize).map(|v| v.to_string());
                (
                    (
                        name(&sets, set),
                        name(&skus, sku),
                        name(&actions, action),
                        start,
                    ),
                    n,
                )
            })
            .collect();
        out.sort();
        out
    };
    assert_eq!(named(&first, &mut a), named(&whole, &mut b));
}

#[test]
fn bytes_round_trip_and_every_truncation_is_an_error() {
    let mut original = partial();
    let data = original.to_bytes();
    original.compact(); // as the reader does
    let back = Partial::from_bytes(&data).expect("round trip");
    // Maps iterate in another order after a round trip: compare contents.
    assert_eq!(back.counters, original.counters);
    assert_eq!(
        (back.counts.clone(), back.views.clone()),
        (original.counts, original.views)
    );
    assert_eq!(back.first_carts, original.first_carts);
    assert_eq!(back.orders, original.orders);
    assert_eq!(back.users.values(), original.users.values());
    assert_eq!(back.sets.values(), original.sets.values());
    assert!(back.set_users.iter().eq(original.set_users.iter()));
    assert_eq!(back.runs, original.runs);
    for cut in (0..data.len()).step_by(97) {
        assert!(Partial::from_bytes(&data[..cut]).is_err(), "cut at {cut}");
    }
}

#[test]
fn tables_summed_over_periods_are_the_counts_without_periods_in_any_row_order() {
    let data: &[u8] = include_bytes!("../../../sample_data/events.ndjson");
    let plain = scan(Partial::new(None), data);
    let dated = scan(Partial::with_trend(None, Arc::new(Hours)), data);
    fn sorted<T: Ord>(mut rows: Vec<T>) -> Vec<T> {
        rows.sort();
        rows
    }
    let expected_counts = sorted(plain.counts.iter().map(|(&k, &n)| (k, n)).collect());
    let expected_views = sorted(plain.views.iter().map(|(&k, &n)| (k, n)).collect());
    let mut tables = Tables::from_bytes(&dated.to_bytes()).expect("its own bytes");
    assert!(
        tables.counts.is_sorted(),
        "to_bytes writes counts sorted by key"
    );
    let mut shuffled = Tables::from_bytes(&dated.to_bytes()).expect("its own bytes");
    shuffled.counts.reverse(); // as from a writer that did not sort: the other path
    shuffled.views.reverse();
    let totals = dated.totals(false);
    assert_eq!(sorted(totals.counts), expected_counts);
    assert_eq!(sorted(dated.totals(true).views), expected_views);
    assert_eq!(sorted(tables.totals(false).counts), expected_counts);
    assert_eq!(sorted(shuffled.totals(true).views), expected_views);
    for t in [&mut tables, &mut shuffled] {
        assert!(t.counts.iter().any(|row| row.0 .3 != NONE));
        t.sum_periods();
        assert!(t.periods.is_empty());
        assert_eq!(sorted(std::mem::take(&mut t.counts)), expected_counts);
        assert_eq!(sorted(std::mem::take(&mut t.views)), expected_views);
    }
}

#[test]
fn a_partial_through_tables_is_the_same_partial() {
    let mut p = partial();
    p.compact(); // pairs as a reader holds them
    let again = Partial::from(Tables::from(
        Partial::from_bytes(&p.to_bytes()).expect("bytes"),
    ));
    assert_eq!(again.to_bytes(), p.to_bytes());
}

/// A row as `to_bytes` writes it: its four codes, then its counts.
fn row_bytes(codes: [u32; 4], counts: &[u64]) -> Vec<u8> {
    let mut out = Vec::new();
    for code in codes {
        out.extend_from_slice(&code.to_le_bytes());
    }
    for count in counts {
        out.extend_from_slice(&count.to_le_bytes());
    }
    out
}

/// `data` with two adjacent rows, `first` then `second`, written over with `rows`.
fn rewritten(data: &[u8], first: &[u8], second: &[u8], rows: [&[u8]; 2]) -> Vec<u8> {
    let both = [first, second].concat();
    let at = data
        .windows(both.len())
        .position(|w| w == both.as_slice())
        .expect("the two rows, in order");
    let mut bad = data.to_vec();
    bad[at..at + both.len()].copy_from_slice(&rows.concat());
    bad
}

#[test]
fn rows_out_of_order_or_repeated_are_refused() {
    let data = partial().to_bytes();
    let t = Tables::from_bytes(&data).expect("its own bytes");
    let row = |i: usize| {
        let ((set, sku, action, period), n) = t.counts[i];
        row_bytes([set, sku, action, period], &[n])
    };
    let (first, second) = (row(0), row(1));
    for swapped in [[&second, &first], [&first, &first]] {
        let bad = rewritten(&data, &first, &second, [swapped[0], swapped[1]]);
        let error = Tables::from_bytes(&bad).err().expect("refused");
        assert_eq!(error, "rows out of order or repeated");
        assert!(Partial::from_bytes(&bad).is_err());
    }
}

/// Per-user sums keyed by names (set, sku, user) and the period's start.
type Named = Vec<((Option<String>, Option<String>, String, i64), [u64; 3])>;

fn named_sums(p: &Partial) -> Named {
    let (sets, skus, users) = (p.sets.values(), p.skus.values(), p.users.values());
    let name = |values: &[&str], code: u32| values.get(code as usize).map(|v| v.to_string());
    let mut out: Named = p
        .user_sums
        .iter()
        .map(|(&(set, sku, user, period), &n)| {
            let start = p.periods.starts()[period as usize];
            let user = name(&users, user).expect("a user");
            ((name(&sets, set), name(&skus, sku), user, start), n)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn per_user_sums_merge_exactly_and_sum_to_the_counts() {
    let data: &[u8] = include_bytes!("../../../sample_data/events.ndjson");
    let cut = data.len() / 3
        + data[data.len() / 3..]
            .iter()
            .position(|&b| b == b'\n')
            .unwrap()
        + 1;
    let report = scan(Partial::new(None), data);
    let clicks: u64 = report
        .counts
        .iter()
        .filter(|(k, _)| k.0 != NONE && report.actions.values().get(k.2 as usize) == Some(&"click"))
        .map(|(_, &n)| n)
        .sum();
    for rows in [Rows::Sets, Rows::Products, Rows::SetProducts] {
        let fresh = || {
            Partial::per_user(
                None,
                PerUser {
                    rows,
                    windows: None,
                },
                Some(Arc::new(Hours) as Arc<dyn Calendar>),
            )
        };
        let whole = scan(fresh(), data);
        let mut first = scan(fresh(), &data[..cut]);
        let second = Partial::from_bytes(&scan(fresh(), &data[cut..]).to_bytes()).expect("bytes");
        first.merge(&second);
        assert_eq!(named_sums(&first), named_sums(&whole), "{rows:?}");
        assert!(whole.counts.is_empty() && whole.first_carts.is_empty() && whole.orders.is_empty());
        let summed: u64 = whole.user_sums.values().map(|n| n[1]).sum();
        if rows == Rows::Products {
            assert!(summed > clicks, "products count unattributed clicks too");
        } else {
            assert_eq!(summed, clicks, "{rows:?}");
        }
        let back = Partial::from_bytes(&whole.to_bytes()).expect("round trip");
        assert_eq!(back.to_bytes(), whole.to_bytes());
    }
}

#[test]
fn per_user_rows_out_of_order_are_refused() {
    let data: &[u8] = include_bytes!("../../../sample_data/events.ndjson");
    let p = scan(
        Partial::per_user(
            None,
            PerUser {
                rows: Rows::Sets,
                windows: None,
            },
            None,
        ),
        data,
    );
    let bytes = p.to_bytes();
    let t = Tables::from_bytes(&bytes).expect("its own bytes");
    let row = |i: usize| {
        let (codes, n) = t.user_sums[i];
        row_bytes([codes.0, codes.1, codes.2, codes.3], &n)
    };
    let (first, second) = (row(0), row(1));
    let bad = rewritten(&bytes, &first, &second, [&second, &first]);
    assert_eq!(
        Tables::from_bytes(&bad).err().as_deref(),
        Some("rows out of order or repeated")
    );
}
