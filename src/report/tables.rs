//! A partial result's tables as rows: what a report reads, without the hash maps that a
//! merge needs. Reading a state of 5M events into maps was mostly random inserts (1.5M
//! count rows); a report needs the rows only, and without periods their sum over days.

use super::*;

/// The tables of a partial: from its bytes, rows sorted by key and each key once (the
/// reader refuses others); from a `Partial`, rows in its maps' order.
#[derive(Default)]
pub struct Tables {
    pub window: Option<Window>,
    pub sets: Dictionary,
    pub skus: Dictionary,
    pub users: Dictionary,
    pub actions: Dictionary,
    pub currencies: Dictionary,
    pub periods: Vec<i64>,
    pub counts: Vec<((u32, u32, u32, u32), u64)>,
    pub views: Vec<((u32, u32), u64)>,
    pub set_users: Pairs,
    pub sku_users: Pairs,
    pub first_carts: Vec<((u32, u32, u32), FirstCart)>,
    pub orders: Vec<OrderRow>,
    pub user_sums: Vec<(UserKey, [u64; 3])>,
    pub counters: Counters,
    pub runs: u64,
}

impl Tables {
    /// The counts and views summed over periods (as a partial without --interval holds
    /// them): one row per key, the period absent.
    pub fn sum_periods(&mut self) {
        if self.periods.is_empty() {
            return;
        }
        self.counts = summed(&self.counts, |(set, sku, action, _)| {
            (set, sku, action, NONE)
        });
        self.views = summed(&self.views, |(set, _)| (set, NONE));
        self.periods = Vec::new();
    }

    /// Take one table out (the rest stay), by name; None for an unknown name.
    pub fn take(&mut self, name: &str) -> Option<Tables> {
        let mut out = Tables::default();
        match name {
            "counts" => out.counts = std::mem::take(&mut self.counts),
            "views" => out.views = std::mem::take(&mut self.views),
            "periods" => out.periods = std::mem::take(&mut self.periods),
            "set_users" => out.set_users = std::mem::take(&mut self.set_users),
            "sku_users" => out.sku_users = std::mem::take(&mut self.sku_users),
            "first_carts" => out.first_carts = std::mem::take(&mut self.first_carts),
            "orders" => out.orders = std::mem::take(&mut self.orders),
            "user_sums" => out.user_sums = std::mem::take(&mut self.user_sums),
            "sets" => out.sets = std::mem::take(&mut self.sets),
            "skus" => out.skus = std::mem::take(&mut self.skus),
            "actions" => out.actions = std::mem::take(&mut self.actions),
            "currencies" => out.currencies = std::mem::take(&mut self.currencies),
            _ => return None,
        }
        Some(out)
    }
}

impl From<Tables> for Partial {
    /// The mergeable partial of the tables (rows into hash maps, pairs deduplicated).
    fn from(t: Tables) -> Partial {
        let mut p = Partial::new(t.window);
        (p.sets, p.skus, p.users) = (t.sets, t.skus, t.users);
        (p.actions, p.currencies) = (t.actions, t.currencies);
        for start in t.periods {
            p.periods.code(start);
        }
        p.counts.reserve(t.counts.len());
        p.counts.extend(t.counts);
        p.views.reserve(t.views.len());
        p.views.extend(t.views);
        (p.set_users, p.sku_users) = (t.set_users, t.sku_users);
        p.first_carts.reserve(t.first_carts.len());
        p.first_carts.extend(t.first_carts);
        p.orders = t.orders;
        p.user_sums.reserve(t.user_sums.len());
        p.user_sums.extend(t.user_sums);
        p.counters = t.counters;
        p.runs = t.runs;
        p
    }
}

impl From<Partial> for Tables {
    /// The partial's tables as rows (in its maps' order).
    fn from(p: Partial) -> Tables {
        Tables {
            window: p.window,
            periods: p.periods.starts().to_vec(),
            counts: p.counts.into_iter().collect(),
            views: p.views.into_iter().collect(),
            first_carts: p.first_carts.into_iter().collect(),
            sets: p.sets,
            skus: p.skus,
            users: p.users,
            actions: p.actions,
            currencies: p.currencies,
            set_users: p.set_users,
            sku_users: p.sku_users,
            orders: p.orders,
            user_sums: p.user_sums.into_iter().collect(),
            counters: p.counters,
            runs: p.runs,
        }
    }
}

/// The rows with the same key after `key` summed into one. Rows sorted by their key (as
/// `to_bytes` writes them) are summed in one pass; others (bytes from elsewhere) through
/// a hash map.
fn summed<K: Copy + Ord + std::hash::Hash>(
    rows: &[(K, u64)],
    key: impl Fn(K) -> K,
) -> Vec<(K, u64)> {
    if !rows.windows(2).all(|pair| pair[0].0 <= pair[1].0) {
        return hashed(rows.iter().copied(), key);
    }
    let mut out: Vec<(K, u64)> = Vec::new();
    for &(k, n) in rows {
        let k = key(k);
        match out.last_mut() {
            Some(last) if last.0 == k => last.1 = last.1.saturating_add(n),
            _ => out.push((k, n)),
        }
    }
    out
}

/// The rows with the same key after `key` summed into one, in any order.
pub fn hashed<K: Copy + Eq + std::hash::Hash>(
    rows: impl Iterator<Item = (K, u64)>,
    key: impl Fn(K) -> K,
) -> Vec<(K, u64)> {
    let mut out: Vec<(K, u64)> = Vec::new();
    let mut at: Map<K, usize> = Map::default();
    for (k, n) in rows {
        let k = key(k);
        let index = *at.entry(k).or_insert(out.len());
        if index == out.len() {
            out.push((k, 0));
        }
        out[index].1 = out[index].1.saturating_add(n);
    }
    out
}

impl Partial {
    /// Its counts (`views`: its views) summed over periods, as rows; it keeps its own.
    pub fn totals(&self, views: bool) -> Tables {
        let mut out = Tables::default();
        if views {
            out.views = hashed(self.views.iter().map(|(&k, &n)| (k, n)), |(s, _)| (s, NONE));
        } else {
            let rows = self.counts.iter().map(|(&k, &n)| (k, n));
            out.counts = hashed(rows, |(s, k, a, _)| (s, k, a, NONE));
        }
        out
    }
}

impl Tables {
    /// Its counts (`views`: its views) summed over periods, as rows; it keeps its own.
    pub fn totals(&self, views: bool) -> Tables {
        let mut out = Tables::default();
        if views {
            out.views = summed(&self.views, |(s, _)| (s, NONE));
        } else {
            out.counts = summed(&self.counts, |(s, k, a, _)| (s, k, a, NONE));
        }
        out
    }
}
