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
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// No set, no action: the code of an absent value.
pub const NONE: u32 = u32::MAX;

/// A fast, non-cryptographic hasher (FxHash): keys here are our own codes and ids.
#[derive(Default, Clone, Copy)]
pub struct Fx(u64);

impl Hasher for Fx {
    fn finish(&self) -> u64 {
        // The multiply leaves the low bits weak, and hashbrown indexes by them: mix
        // (murmur3's fmix64) so that similar ids do not collide.
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.write_u64(n as u64);
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}

pub type FxBuild = BuildHasherDefault<Fx>;
pub type Map<K, V> = HashMap<K, V, FxBuild>;

/// The hash of a string: 8 bytes at a time, multiplied and mixed (FxHash's step with
/// murmur3's finaliser); never 0, which marks an empty slot (0 becomes 1: forcing a
/// bit on every hash would leave half the slots unused as home positions).
pub fn hash_str(value: &str) -> u64 {
    let mut h = Fx::default();
    let bytes = value.as_bytes();
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        h.write_u64(u64::from_le_bytes(word.try_into().expect("8 bytes")));
    }
    let mut tail = [0u8; 8];
    tail[..words.remainder().len()].copy_from_slice(words.remainder());
    h.write_u64(u64::from_le_bytes(tail) ^ ((bytes.len() as u64) << 56));
    h.finish().max(1)
}

/// Strings longer than this live in the dictionary's arena; shorter ones in their slot.
const INLINE: usize = 48;

/// One slot of the table: one cache line holding the string itself, so that finding an
/// id costs one memory access (100k user ids fit in no cache; with the strings apart,
/// on the heap or in an arena, a lookup cost two, measured 8% slower overall).
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Slot {
    hash: u64,
    code: u32,
    len: u32,
    /// The string itself, or (when longer than INLINE) its offset in the arena.
    bytes: [u8; INLINE],
}

const EMPTY: Slot = Slot {
    hash: 0,
    code: 0,
    len: 0,
    bytes: [0; INLINE],
};

/// Strings to dense codes (0, 1, 2, ... in first-seen order): an open-addressing table
/// of cache-line slots, with an arena for the rare long string.
#[derive(Clone)]
pub struct Dictionary {
    slots: Vec<Slot>,
    count: usize,
    arena: Vec<u8>,
}

impl Default for Dictionary {
    fn default() -> Self {
        Dictionary {
            slots: vec![EMPTY; 16],
            count: 0,
            arena: Vec::new(),
        }
    }
}

impl Dictionary {
    fn text<'a>(&'a self, slot: &'a Slot) -> &'a [u8] {
        let len = slot.len as usize;
        if len <= INLINE {
            &slot.bytes[..len]
        } else {
            let at = u64::from_le_bytes(slot.bytes[..8].try_into().expect("8 bytes")) as usize;
            &self.arena[at..at + len]
        }
    }

    /// The code of a value, adding it if it is new.
    pub fn code(&mut self, value: &str) -> u32 {
        self.code_hashed(value, hash_str(value))
    }

    /// Start loading the slot of a value's hash into the cache: looking up a user and a
    /// product after prefetching both waits for memory once, not twice.
    #[inline(always)]
    pub fn prefetch(&self, hash: u64) {
        #[cfg(target_arch = "x86_64")]
        {
            let index = hash as usize & (self.slots.len() - 1);
            // SAFETY: a prefetch of an address inside the table; it reads nothing.
            unsafe {
                use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
                _mm_prefetch::<_MM_HINT_T0>(self.slots.as_ptr().add(index) as *const i8);
            }
        }
        let _ = hash;
    }

    /// The code of a value whose `hash_str` is known.
    pub fn code_hashed(&mut self, value: &str, hash: u64) -> u32 {
        let mask = self.slots.len() - 1;
        let mut index = hash as usize & mask;
        loop {
            let slot = &self.slots[index];
            if slot.hash == 0 {
                break;
            }
            if slot.hash == hash && self.text(slot) == value.as_bytes() {
                return slot.code;
            }
            index = (index + 1) & mask;
        }
        let code = self.count as u32;
        let mut slot = Slot {
            hash,
            code,
            len: value.len() as u32,
            bytes: [0; INLINE],
        };
        if value.len() <= INLINE {
            slot.bytes[..value.len()].copy_from_slice(value.as_bytes());
        } else {
            slot.bytes[..8].copy_from_slice(&(self.arena.len() as u64).to_le_bytes());
            self.arena.extend_from_slice(value.as_bytes());
        }
        self.slots[index] = slot;
        self.count += 1;
        if self.count * 2 > self.slots.len() {
            self.grow();
        }
        code
    }

    fn grow(&mut self) {
        let size = self.slots.len() * 2;
        let old = std::mem::replace(&mut self.slots, vec![EMPTY; size]);
        let mask = self.slots.len() - 1;
        for slot in old.into_iter().filter(|s| s.hash != 0) {
            let mut index = slot.hash as usize & mask;
            while self.slots[index].hash != 0 {
                index = (index + 1) & mask;
            }
            self.slots[index] = slot;
        }
    }

    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The values in code order.
    pub fn values(&self) -> Vec<&str> {
        let mut values = vec![""; self.count];
        for slot in self.slots.iter().filter(|s| s.hash != 0) {
            // SAFETY: only whole &str values are stored.
            values[slot.code as usize] = unsafe { std::str::from_utf8_unchecked(self.text(slot)) };
        }
        values
    }

    /// For each code of `other`, the code of the same value here (added if new).
    fn absorb(&mut self, other: &Dictionary) -> Vec<u32> {
        other
            .values()
            .into_iter()
            .map(|value| self.code(value))
            .collect()
    }
}

/// Distinct (key, user) pairs as `key << 32 | user`, appended and deduplicated by sorting
/// now and then: a hash set cost a random memory access per interaction.
#[derive(Clone, Default)]
pub struct Pairs {
    values: Vec<u64>,
    /// How many values at the front are sorted and distinct.
    sorted: usize,
}

impl Pairs {
    pub fn push(&mut self, key: u32, user: u32) {
        self.values.push((key as u64) << 32 | user as u64);
        // Bound the memory: deduplicate once the unsorted tail is half the sorted head
        // (at least 1M pairs, so that small runs are not sorted over and over).
        if self.values.len() >= self.sorted + (self.sorted / 2).max(1 << 20) {
            self.compact();
        }
    }

    pub fn compact(&mut self) {
        if self.sorted != self.values.len() {
            self.values.sort_unstable();
            self.values.dedup();
            self.sorted = self.values.len();
            // Room for the next batch only, not the doubling slack of the growth so far.
            self.values
                .shrink_to(self.sorted + (self.sorted / 2).max(1 << 20));
        }
    }

    pub fn extend(&mut self, pairs: impl Iterator<Item = (u32, u32)>) {
        for (key, user) in pairs {
            self.push(key, user);
        }
    }

    /// Every pair held, repeats included when not compacted (for a merge, which dedups).
    pub fn raw(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.values.iter().map(|&v| ((v >> 32) as u32, v as u32))
    }

    /// The distinct pairs (compact first).
    pub fn iter(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        debug_assert_eq!(self.sorted, self.values.len(), "compact before reading");
        self.values.iter().map(|&v| ((v >> 32) as u32, v as u32))
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Distinct users per key (compact first): the pairs are sorted by key, then user.
    pub fn users_per_key(&self) -> (Vec<u32>, Vec<u64>) {
        let (mut keys, mut users) = (Vec::new(), Vec::new());
        for (key, _) in self.iter() {
            if keys.last() == Some(&key) {
                *users.last_mut().expect("a count per key") += 1;
            } else {
                keys.push(key);
                users.push(1);
            }
        }
        (keys, users)
    }
}

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

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FirstCart {
    pub seq: u64,
    /// Microseconds since the epoch, or NO_TIME.
    pub time: i64,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OrderRow {
    pub user: u32,
    pub sku: u32,
    pub seq: u64,
    /// Microseconds since the epoch, or NO_TIME.
    pub time: i64,
    pub micros: i64,
    pub currency: u32,
}

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
    /// (set or NONE, sku, action or NONE) -> interactions
    pub counts: Map<(u32, u32, u32), u64>,
    /// set -> views naming it
    pub views: Map<u32, u64>,
    pub set_users: Pairs,
    pub sku_users: Pairs,
    /// (user, sku, set) -> the earliest add-to-cart (seq and time each at their minimum)
    pub first_carts: Map<(u32, u32, u32), FirstCart>,
    pub orders: Vec<OrderRow>,
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

    fn moment(&mut self, facts: &Facts<'_>, known: Option<Option<i64>>) -> Option<i64> {
        // With a window the time was parsed already; else only carts and orders need it.
        known.unwrap_or_else(|| {
            let moment = moment_of(facts.time);
            self.counters.untimed += moment.is_none() as u64;
            moment
        })
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
        let seq = (self.runs.saturating_sub(1) << 32) | self.index;
        self.index += 1;
        let user_hash = hash_str(facts.user);
        let sku_hash = facts.sku.map(hash_str);
        let user = self.users.code_hashed(facts.user, user_hash);
        match facts.kind {
            EventKind::View => {
                self.counters.events[EventKind::View as usize] += 1;
                if let Some(set_id) = facts.set_id {
                    *self.views.entry(self.sets.code(set_id)).or_default() += 1;
                }
            }
            EventKind::Interact => {
                self.counters.events[EventKind::Interact as usize] += 1;
                let sku = match (facts.sku, sku_hash) {
                    (Some(sku), Some(hash)) => self.skus.code_hashed(sku, hash),
                    _ => self.skus.code(""),
                };
                let set = facts.set_id.map_or(NONE, |s| self.sets.code(s));
                let action = facts.action.map_or(NONE, |a| self.actions.code(a));
                *self.counts.entry((set, sku, action)).or_default() += 1;
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
        self.combine(other, self.runs << 32);
        self.runs += other.runs;
    }

    /// Add the partial of another thread of the same scan: runs are numbered alike.
    pub fn merge_thread(&mut self, other: &Partial) {
        self.combine(other, 0);
        self.runs = self.runs.max(other.runs);
    }

    /// One table (or dictionary) moved out into a partial of its own, to be exported.
    pub fn take(&mut self, name: &str) -> Option<Partial> {
        let mut out = Partial::default();
        match name {
            "counts" => out.counts = std::mem::take(&mut self.counts),
            "views" => out.views = std::mem::take(&mut self.views),
            "set_users" => out.set_users = std::mem::take(&mut self.set_users),
            "sku_users" => out.sku_users = std::mem::take(&mut self.sku_users),
            "first_carts" => out.first_carts = std::mem::take(&mut self.first_carts),
            "orders" => out.orders = std::mem::take(&mut self.orders),
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

    fn combine(&mut self, other: &Partial, shift: u64) {
        let sets = self.sets.absorb(&other.sets);
        let skus = self.skus.absorb(&other.skus);
        let users = self.users.absorb(&other.users);
        let actions = self.actions.absorb(&other.actions);
        let currencies = self.currencies.absorb(&other.currencies);
        let opt = |map: &Vec<u32>, code: u32| {
            if code == NONE {
                NONE
            } else {
                map[code as usize]
            }
        };
        for (&(set, sku, action), &n) in &other.counts {
            let key = (opt(&sets, set), skus[sku as usize], opt(&actions, action));
            *self.counts.entry(key).or_default() += n;
        }
        for (&set, &n) in &other.views {
            *self.views.entry(sets[set as usize]).or_default() += n;
        }
        self.set_users.extend(
            other
                .set_users
                .iter()
                .map(|(set, user)| (sets[set as usize], users[user as usize])),
        );
        self.sku_users.extend(
            other
                .sku_users
                .iter()
                .map(|(sku, user)| (skus[sku as usize], users[user as usize])),
        );
        for (&(user, sku, set), cart) in &other.first_carts {
            let key = (users[user as usize], skus[sku as usize], sets[set as usize]);
            let cart = FirstCart {
                seq: cart.seq + shift,
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
            seq: row.seq + shift,
            time: row.time,
            micros: row.micros,
            currency: currencies[row.currency as usize],
        }));
        let (mine, theirs) = (&mut self.counters, &other.counters);
        for (a, b) in mine.events.iter_mut().zip(theirs.events) {
            *a += b;
        }
        mine.unattributed += theirs.unattributed;
        mine.untimed += theirs.untimed;
        mine.outside += theirs.outside;
        mine.saw_time |= theirs.saw_time;
    }
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

    fn take(&mut self, facts: &Facts<'_>) {
        self.add(facts);
    }
}
