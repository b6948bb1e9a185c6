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
    /// A partial that counts views, clicks and carts per user of each row of `rows`.
    pub fn per_user(
        window: Option<Window>,
        rows: Rows,
        calendar: Option<Arc<dyn Calendar>>,
    ) -> Partial {
        Partial {
            window,
            trend: calendar.map(Trend::new),
            rows: Some(rows),
            ..Partial::default()
        }
    }

    /// Count one event (inside the window) in the per-user sums of `rows`.
    pub(super) fn add_per_user(
        &mut self,
        facts: &Facts<'_>,
        rows: Rows,
        mut known: Option<Option<i64>>,
    ) {
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
        let period = self.period(facts, &mut known);
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
