//! Per-user sums for `compare`: views, clicks and add-to-carts per (row, user, period),
//! the unit its statistics resample. A scan for `compare` keeps only these (and the
//! counters): a row's counts are the sums over its users.

use super::*;

/// The rows of the table that `compare` counts per user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rows {
    Sets,
    Products,
    SetProducts,
}

/// What a scan for `compare` counts: the rows of a table, and (two time windows of the
/// inputs) the windows, each [start, end): an event in neither is `outside`, and one
/// without a time `untimed`; its period is its window's (coded by the window's start).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PerUser {
    pub rows: Rows,
    pub windows: Option<[(i64, i64); 2]>,
}

impl PerUser {
    /// compare's settings: its rows, and windows that are ranges apart (or none); an
    /// error for windows that are not (the kernel's callers are not trusted to check).
    pub fn new(rows: Rows, windows: Option<[(i64, i64); 2]>) -> Result<PerUser, String> {
        if let Some([a, b]) = windows {
            let apart = a.1 <= b.0 || b.1 <= a.0;
            if a.0 >= a.1 || b.0 >= b.1 || !apart {
                return Err(
                    "windows: give two ranges (start, end), each start before its end, apart"
                        .into(),
                );
            }
        }
        Ok(PerUser { rows, windows })
    }
}

impl Rows {
    /// The rows of a table by its name (sets, products, set_products).
    pub fn named(name: &str) -> Option<Rows> {
        match name {
            "sets" => Some(Rows::Sets),
            "products" => Some(Rows::Products),
            "set_products" => Some(Rows::SetProducts),
            _ => None,
        }
    }
}

/// The key of a per-user sum: (set or NONE, sku or NONE, user, period or NONE).
pub type UserKey = (u32, u32, u32, u32);

/// Per-user sums (views, clicks, carts) by key.
pub type UserSums = Map<UserKey, [u64; 3]>;

/// The slots of a per-user sum.
const VIEWS: usize = 0;
const CLICKS: usize = 1;
const CARTS: usize = 2;

impl Partial {
    /// A partial that counts views, clicks and carts per user of each row of `per`'s
    /// table, per window of `per` or per period of `calendar` (a test's), or neither.
    pub fn per_user(
        window: Option<Window>,
        per: PerUser,
        calendar: Option<Arc<dyn Calendar>>,
    ) -> Partial {
        Partial {
            window,
            trend: calendar.map(Trend::new),
            per_user: Some(per),
            ..Partial::default()
        }
    }

    /// The period code of an event's window, or None (counted `untimed` or `outside`).
    fn window_code(
        &mut self,
        facts: &Facts<'_>,
        windows: [(i64, i64); 2],
        known: Option<Option<i64>>,
    ) -> Option<u32> {
        let Some(moment) = known.unwrap_or_else(|| moment_of(facts.time)) else {
            self.counters.untimed += 1;
            return None;
        };
        let found = windows
            .iter()
            .find(|&&(start, end)| start <= moment && moment < end);
        match found {
            Some(&(start, _)) => Some(self.periods.code(start)),
            None => {
                self.counters.outside += 1;
                None
            }
        }
    }

    /// Count one event (inside the window) in the per-user sums of `per`'s rows.
    pub(super) fn add_per_user(
        &mut self,
        facts: &Facts<'_>,
        per: PerUser,
        mut known: Option<Option<i64>>,
    ) {
        let rows = per.rows;
        let window = match per.windows {
            Some(windows) => match self.window_code(facts, windows, known) {
                Some(code) => Some(code),
                None => return,
            },
            None => None,
        };
        self.counters.events[facts.kind as usize] += 1;
        let slot = match facts.kind {
            EventKind::View if rows == Rows::Sets => VIEWS,
            EventKind::Interact => {
                self.counters.unattributed += facts.set_id.is_none() as u64;
                let words = vocabulary();
                match facts.action {
                    Some(a) if a == words.click.as_str() => CLICKS,
                    Some(a) if a == words.add_to_cart.as_str() => CARTS,
                    _ => return,
                }
            }
            _ => return,
        };
        let set = match (rows, facts.set_id) {
            (Rows::Products, _) => NONE,
            (_, Some(set)) => self.sets.code(set),
            (_, None) => return, // a set's row needs a set
        };
        let sku = match rows {
            Rows::Sets => NONE,
            _ => self.skus.code(facts.sku.unwrap_or("")),
        };
        let user = self.users.code(facts.user);
        let period = match window {
            Some(code) => code,
            None => self.period(facts, &mut known),
        };
        let sums = self.user_sums.entry((set, sku, user, period)).or_default();
        sums[slot] += 1;
    }

    /// Add `other`'s per-user sums, its codes mapped to these.
    pub(super) fn combine_user_sums(
        &mut self,
        other: &UserSums,
        map: impl Fn(u32, u32, u32, u32) -> (u32, u32, u32, u32),
    ) {
        self.user_sums.reserve(other.len());
        for (&(set, sku, user, period), theirs) in other {
            let mine = self
                .user_sums
                .entry(map(set, sku, user, period))
                .or_default();
            for (a, b) in mine.iter_mut().zip(theirs) {
                // Saturating: honest sums stay far below 2^64, a crafted partial's need not.
                *a = a.saturating_add(*b);
            }
        }
    }
}
