//! The report's partial result: valid events reduced to counts, distinct pairs, first
//! add-to-carts and order lines, on integer codes with a dictionary per string column.
//!
//! A `Partial` is what one thread (or one cluster task) builds from its lines, and
//! `merge` combines two exactly: codes are re-mapped through the dictionaries, counts
//! added, pairs united, first carts kept at their minimum. Positions in file order
//! (`seq`) are `run << 32 | event index in the run`, runs numbered in input order, so
//! they compare correctly across threads; a merged later partial's runs are shifted
//! past the earlier one's.

use crate::catalogue::vocabulary;
use crate::rules::{micros_of, EventKind, Facts, Time};
use crate::scan::FactsSink;
use crate::times::{from_epoch, parse_iso};
use std::sync::Arc;

/// No set, no action: the code of an absent value.
pub const NONE: u32 = u32::MAX;

mod keys;
mod per_user;
mod periods;
mod tables;
mod wire;
pub use keys::*;
pub use per_user::{PerUser, Rows, UserKey, UserSums};
pub use periods::*;
pub use tables::Tables;

/// The --since/--until range in microseconds since the epoch (until excluded).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Window {
    pub since: Option<i64>,
    pub until: Option<i64>,
}

impl Window {
    fn contains(&self, moment: i64) -> bool {
        self.since.is_none_or(|s| moment >= s) && self.until.is_none_or(|u| moment < u)
    }
}

/// No usable time: kept as this, not as an Option (8 bytes less a row at 5M rows).
pub const NO_TIME: i64 = i64::MIN;

/// Counters of a partial result.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Counters {
    /// interact, view, order, api
    pub events: [u64; 4],
    pub unattributed: u64,
    pub untimed: u64,
    pub outside: u64,
    pub saw_time: bool,
}

/// The mergeable partial result of the report over some lines.
#[derive(Clone, Default)]
pub struct Partial {
    pub window: Option<Window>,
    pub sets: Dictionary,
    pub skus: Dictionary,
    pub users: Dictionary,
    pub actions: Dictionary,
    pub currencies: Dictionary,
    /// (set or NONE, sku, action or NONE, period or NONE) -> interactions
    pub counts: Map<(u32, u32, u32, u32), u64>,
    /// (set or NONE, period or NONE) -> views
    pub views: Map<(u32, u32), u64>,
    /// Period code -> the period's start (NO_TIME: `unknown`); empty without --interval.
    pub periods: Periods,
    pub trend: Option<Trend>,
    pub set_users: Pairs,
    pub sku_users: Pairs,
    /// (user, sku, set) -> the earliest add-to-cart (seq and time each at their minimum)
    pub first_carts: Map<(u32, u32, u32), FirstCart>,
    pub orders: Vec<OrderRow>,
    /// `compare`'s table: only it is kept when `per_user` is set (see per_user.rs).
    pub user_sums: UserSums,
    pub per_user: Option<PerUser>,
    pub counters: Counters,
    /// Runs seen (the next run's number), and events in the current run.
    pub runs: u64,
    index: u64,
}

/// A time value as microseconds, if it is a time.
pub fn moment_of(time: Time<'_>) -> Option<i64> {
    match time {
        Time::Text(text) => parse_iso(text),
        Time::Number(value) => from_epoch(value),
        Time::Absent | Time::Unusable => None,
    }
}

impl Partial {
    pub fn new(window: Option<Window>) -> Partial {
        Partial {
            window,
            ..Partial::default()
        }
    }

    /// A partial that also counts per period of `calendar` (--interval).
    pub fn with_trend(window: Option<Window>, calendar: Arc<dyn Calendar>) -> Partial {
        Partial {
            window,
            trend: Some(Trend::new(calendar)),
            ..Partial::default()
        }
    }

    /// The period code of an event (NONE without --interval).
    fn period(&mut self, facts: &Facts<'_>, known: &mut Option<Option<i64>>) -> u32 {
        let Some(trend) = self.trend.as_mut() else {
            return NONE;
        };
        let moment = *known.get_or_insert_with(|| moment_of(facts.time));
        trend.code(moment, &mut self.periods)
    }

    fn moment(&mut self, facts: &Facts<'_>, known: Option<Option<i64>>) -> Option<i64> {
        // With a window the time was parsed already; else only carts and orders need it.
        let moment = known.unwrap_or_else(|| moment_of(facts.time));
        self.counters.untimed += moment.is_none() as u64;
        moment
    }

    fn add(&mut self, facts: &Facts<'_>) {
        if facts.time != Time::Absent {
            self.counters.saw_time = true;
        }
        let mut known = None;
        if let Some(window) = self.window {
            let moment = moment_of(facts.time);
            match moment {
                None => {
                    self.counters.untimed += 1;
                    return;
                }
                Some(m) if !window.contains(m) => {
                    self.counters.outside += 1;
                    return;
                }
                Some(_) => known = Some(moment),
            }
        }
        if let Some(per) = self.per_user {
            return self.add_per_user(facts, per, known);
        }
        let seq = (self.runs.saturating_sub(1) << 32) | self.index;
        self.index += 1;
        let user_hash = hash_str(facts.user);
        let sku_hash = facts.sku.map(hash_str);
        let user = self.users.code_hashed(facts.user, user_hash);
        match facts.kind {
            EventKind::View => {
                self.counters.events[EventKind::View as usize] += 1;
                let set = facts.set_id.map_or(NONE, |s| self.sets.code(s));
                let period = self.period(facts, &mut known);
                *self.views.entry((set, period)).or_default() += 1;
            }
            EventKind::Interact => {
                self.counters.events[EventKind::Interact as usize] += 1;
                let sku = match (facts.sku, sku_hash) {
                    (Some(sku), Some(hash)) => self.skus.code_hashed(sku, hash),
                    _ => self.skus.code(""),
                };
                let set = facts.set_id.map_or(NONE, |s| self.sets.code(s));
                let action = facts.action.map_or(NONE, |a| self.actions.code(a));
                let period = self.period(facts, &mut known);
                *self.counts.entry((set, sku, action, period)).or_default() += 1;
                self.sku_users.push(sku, user);
                if set == NONE {
                    self.counters.unattributed += 1;
                } else {
                    self.set_users.push(set, user);
                    if facts.action == Some(vocabulary().add_to_cart.as_str()) {
                        let time = self.moment(facts, known).unwrap_or(NO_TIME);
                        let cart = FirstCart { seq, time };
                        self.first_carts
                            .entry((user, sku, set))
                            .and_modify(|first| *first = first.min_with(cart))
                            .or_insert(cart);
                    }
                }
            }
            EventKind::Order => {
                self.counters.events[EventKind::Order as usize] += 1;
                let time = self.moment(facts, known).unwrap_or(NO_TIME);
                for line in &facts.lines {
                    let row = OrderRow {
                        user,
                        sku: self.skus.code(line.sku),
                        seq,
                        time,
                        // Valid lines fit (a rule): 0 is never used.
                        micros: micros_of(line.quantity, line.amount).unwrap_or(0),
                        currency: self.currencies.code(line.currency),
                    };
                    self.orders.push(row);
                }
            }
            EventKind::Api => self.counters.events[EventKind::Api as usize] += 1,
        }
    }

    /// Add a later partial (of lines after these) to this one, exactly: its runs are
    /// shifted past these (the merge of units in input order).
    pub fn merge(&mut self, other: &Partial) {
        let codes = self.absorb(other);
        // A partial from bytes has fewer than 2^32 runs (checked): an honest merge stays
        // far below that, and a crafted one saturates instead of overflowing.
        self.combine(other, &codes, self.runs.min(u32::MAX as u64) << 32);
        self.runs = self.runs.saturating_add(other.runs);
    }

    /// Add the partial of another thread of the same scan (runs are numbered alike),
    /// dropping each of its tables once added, so that both threads' tables are not all
    /// held at once with the merged ones.
    pub fn merge_thread(&mut self, mut other: Partial) {
        let codes = self.absorb(&other);
        // Re-coded: only `codes` is needed of its dictionaries now (users are the largest).
        other.users = Dictionary::default();
        other.skus = Dictionary::default();
        for name in TABLES {
            if let Some(table) = other.take(name) {
                self.combine(&table, &codes, 0);
            }
        }
        self.combine(&other, &codes, 0); // the counters
        self.runs = self.runs.max(other.runs);
    }

    /// One table (or dictionary) moved out into a partial of its own, to be exported.
    pub fn take(&mut self, name: &str) -> Option<Partial> {
        let mut out = Partial::default();
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

    /// Deduplicate the pairs: a partial is read (or sent) only after this.
    pub fn compact(&mut self) {
        self.set_users.compact();
        self.sku_users.compact();
    }

    /// For each code of `other`'s dictionaries (and periods), the code of the same value
    /// here, added when new.
    fn absorb(&mut self, other: &Partial) -> Codes {
        Codes {
            sets: self.sets.absorb(&other.sets),
            skus: self.skus.absorb(&other.skus),
            users: self.users.absorb(&other.users),
            actions: self.actions.absorb(&other.actions),
            currencies: self.currencies.absorb(&other.currencies),
            periods: other
                .periods
                .starts()
                .iter()
                .map(|&start| self.periods.code(start))
                .collect(),
        }
    }

    /// Add `other`'s tables and counters, its codes mapped through `codes`.
    fn combine(&mut self, other: &Partial, codes: &Codes, shift: u64) {
        let (sets, skus, users) = (&codes.sets, &codes.skus, &codes.users);
        let opt = |map: &Vec<u32>, code: u32| {
            if code == NONE {
                NONE
            } else {
                map[code as usize]
            }
        };
        for (&(set, sku, action, period), &n) in &other.counts {
            let set = opt(sets, set);
            let key = (set, skus[sku as usize], opt(&codes.actions, action));
            let key = (key.0, key.1, key.2, opt(&codes.periods, period));
            // Saturating: honest counts stay far below 2^64, a crafted partial's need not.
            let count = self.counts.entry(key).or_default();
            *count = count.saturating_add(n);
        }
        for (&(set, period), &n) in &other.views {
            let key = (opt(sets, set), opt(&codes.periods, period));
            let count = self.views.entry(key).or_default();
            *count = count.saturating_add(n);
        }
        self.set_users.extend(
            other
                .set_users
                .raw()
                .map(|(set, user)| (sets[set as usize], users[user as usize])),
        );
        self.sku_users.extend(
            other
                .sku_users
                .raw()
                .map(|(sku, user)| (skus[sku as usize], users[user as usize])),
        );
        for (&(user, sku, set), cart) in &other.first_carts {
            let key = (users[user as usize], skus[sku as usize], sets[set as usize]);
            let cart = FirstCart {
                seq: cart.seq.saturating_add(shift),
                time: cart.time,
            };
            self.first_carts
                .entry(key)
                .and_modify(|first| *first = first.min_with(cart))
                .or_insert(cart);
        }
        self.orders.extend(other.orders.iter().map(|row| OrderRow {
            user: users[row.user as usize],
            sku: skus[row.sku as usize],
            seq: row.seq.saturating_add(shift),
            time: row.time,
            micros: row.micros,
            currency: codes.currencies[row.currency as usize],
        }));
        self.combine_user_sums(&other.user_sums, |set, sku, user, period| {
            let period = opt(&codes.periods, period);
            (opt(sets, set), opt(skus, sku), users[user as usize], period)
        });
        let (mine, theirs) = (&mut self.counters, &other.counters);
        for (a, b) in mine.events.iter_mut().zip(theirs.events) {
            *a = a.saturating_add(b);
        }
        mine.unattributed = mine.unattributed.saturating_add(theirs.unattributed);
        mine.untimed = mine.untimed.saturating_add(theirs.untimed);
        mine.outside = mine.outside.saturating_add(theirs.outside);
        mine.saw_time |= theirs.saw_time;
    }
}

/// The tables of a partial (its dictionaries apart), as `take` names them.
const TABLES: [&str; 7] = [
    "counts",
    "views",
    "set_users",
    "sku_users",
    "first_carts",
    "orders",
    "user_sums",
];

/// Codes of one partial's dictionaries (and periods) in another's.
struct Codes {
    sets: Vec<u32>,
    skus: Vec<u32>,
    users: Vec<u32>,
    actions: Vec<u32>,
    currencies: Vec<u32>,
    periods: Vec<u32>,
}

impl FirstCart {
    fn min_with(self, other: FirstCart) -> FirstCart {
        let time = match (self.time, other.time) {
            (NO_TIME, b) => b,
            (a, NO_TIME) => a,
            (a, b) => a.min(b),
        };
        FirstCart {
            seq: self.seq.min(other.seq),
            time,
        }
    }
}

impl FactsSink for Partial {
    fn prepare(&mut self, facts: &Facts<'_>) {
        self.users.prefetch(hash_str(facts.user));
        if let Some(sku) = facts.sku {
            self.skus.prefetch(hash_str(sku));
        }
    }

    fn begin_run(&mut self, run: u64) {
        // Runs are numbered from 1 so that `runs` counts them; seq uses run - 1.
        self.runs = run + 1;
        self.index = 0;
    }

    fn take(&mut self, facts: &Facts<'_>, _line: u64) {
        self.add(facts);
    }
}
