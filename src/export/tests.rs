use super::*;
use crate::rules::{OrderLine, Time};

fn facts(kind: EventKind, user: &str) -> Facts<'_> {
    Facts {
        kind,
        user,
        set_id: Some("s"),
        sku: None,
        action: None,
        order_id: None,
        lines: Vec::new(),
        time: Time::Absent,
    }
}

#[test]
fn decimals_keep_the_written_digits() {
    let scale = 10i128.pow(SCALE);
    assert_eq!(decimal(19.99), (Some(1999 * scale / 100), true));
    assert_eq!(decimal(-0.1), (Some(-scale / 10), true));
    assert_eq!(decimal(0.0), (Some(0), true));
    // 15 significant digits come back as written.
    assert_eq!(decimal(123456789.123456), (Some(123456789123456000), true));
    assert_eq!(decimal(1e-9), (Some(1), true));
    // More digits than the scale: rounded half to even, and said so.
    assert_eq!(decimal(0.0000000015), (Some(2), false));
    assert_eq!(decimal(0.0000000025), (Some(2), false));
    assert_eq!(decimal(0.00000000251), (Some(3), false));
    assert_eq!(decimal(1e-300), (Some(0), false));
    // Beyond 38 digits, or not a number: no decimal.
    assert_eq!(decimal(1e30), (None, false));
    assert_eq!(decimal(f64::NAN), (None, false));
    assert_eq!(decimal(1e28).0, Some(10i128.pow(28) * scale));
}

#[test]
fn rows_come_out_in_input_order_whichever_thread_held_them() {
    let mut sinks = vec![EventRows::default(), EventRows::default()];
    // Runs 0 and 2 on the first thread, 1 on the second, placed in order.
    sinks[0].begin_run(0);
    sinks[0].take(&facts(EventKind::View, "a"), 1);
    sinks[1].begin_run(1);
    sinks[1].take(&facts(EventKind::View, "b"), 2);
    sinks[0].begin_run(2);
    sinks[0].take(&facts(EventKind::Interact, ""), 1);
    let mut order = facts(EventKind::Order, "c");
    order.lines = vec![
        OrderLine {
            sku: "x",
            quantity: 1.0,
            amount: 2.5,
            currency: "EUR",
        },
        OrderLine {
            sku: "y",
            quantity: 3.0,
            amount: 0.1,
            currency: "USD",
        },
    ];
    sinks[0].take(&order, 2);
    sinks[0].place_run(0, 0, 0);
    sinks[1].place_run(1, 0, 1);
    sinks[0].place_run(2, 1, 7);
    let mut out = Columns::default();
    let single = drain_into(&mut sinks, &mut out);
    assert!(!single);
    assert_eq!(out.line, vec![1, 3, 8, 9]);
    assert_eq!(out.file, vec![0, 0, 1, 1]);
    // The order's two lines, after the rows without any, end at 2.
    assert_eq!(out.items, vec![0, 0, 0, 2]);
    assert_eq!(out.item_sku.get(1), Some(&b"y"[..]));
    assert_eq!(out.currency.get(0), Some(&b"EUR"[..]));
    assert_eq!(out.user_id.get(0), Some(&b"a"[..]));
    assert_eq!(out.user_id.get(1), Some(&b"b"[..]));
    assert_eq!(out.user_id.get(2), None); // no user: null, not ""
    assert_eq!(sinks[0].columns.rows() + sinks[1].columns.rows(), 0);
}
