//! Keys of the partial result: keyed hashing, dictionaries of ids, sets of pairs.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::OnceLock;

/// The process's hashing keys: foldhash seeded from the operating system's randomness
/// (std's `RandomState` draws its keys from it). Every table keyed by input hashes with
/// these, so that nobody can compute colliding ids in advance: the unkeyed hash this
/// replaced was inverted to make 262,144 user ids share one slot (`report` 540× slower).
/// foldhash's own random seed mixes addresses and the clock only.
struct Keys {
    strings: foldhash::quality::SeedableRandomState,
    tables: foldhash::fast::SeedableRandomState,
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    static SHARED: OnceLock<foldhash::SharedSeed> = OnceLock::new();
    KEYS.get_or_init(|| {
        let os = std::hash::RandomState::new();
        let shared = SHARED.get_or_init(|| foldhash::SharedSeed::from_u64(os.hash_one(1u64)));
        Keys {
            strings: foldhash::quality::SeedableRandomState::with_seed(os.hash_one(2u64), shared),
            tables: foldhash::fast::SeedableRandomState::with_seed(os.hash_one(3u64), shared),
        }
    })
}

/// The hasher of the hash maps keyed by codes (which input chooses in combination).
#[derive(Clone, Copy, Default)]
pub struct Keyed;

impl BuildHasher for Keyed {
    type Hasher = foldhash::fast::FoldHasher<'static>;

    #[inline(always)]
    fn build_hasher(&self) -> Self::Hasher {
        keys().tables.build_hasher()
    }
}

pub type Map<K, V> = HashMap<K, V, Keyed>;

/// The keyed hash of a string; never 0, which marks an empty slot (0 becomes 1).
#[inline]
pub fn hash_str(value: &str) -> u64 {
    let mut hasher = keys().strings.build_hasher();
    hasher.write(value.as_bytes());
    hasher.finish().max(1)
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

    /// The code of a value whose `hash_str` is known, if it is here.
    fn find_hashed(&self, value: &[u8], hash: u64) -> Option<u32> {
        let mask = self.slots.len() - 1;
        let mut index = hash as usize & mask;
        loop {
            let slot = &self.slots[index];
            if slot.hash == 0 {
                return None;
            }
            if slot.hash == hash && self.text(slot) == value {
                return Some(slot.code);
            }
            index = (index + 1) & mask;
        }
    }

    /// For each code of `other`, the code of the same value here (added if new, in
    /// `other`'s code order, so that codes never depend on the hashing keys).
    ///
    /// The client merges a partial per cluster unit, and looking up its ids was most of
    /// the merge: a cache miss each, in a table far larger than the cache. `other` is of
    /// this process (decoded or scanned here), so its slots hold hashes with the same
    /// keys: they are read in table order, not re-hashed, and the slot of the value a
    /// few ahead is prefetched meanwhile.
    pub(super) fn absorb(&mut self, other: &Dictionary) -> Vec<u32> {
        const AHEAD: usize = 8;
        let filled: Vec<&Slot> = other.slots.iter().filter(|s| s.hash != 0).collect();
        let mut codes = vec![u32::MAX; other.count];
        let mut new: Vec<&Slot> = Vec::new();
        for (i, &slot) in filled.iter().enumerate() {
            if let Some(ahead) = filled.get(i + AHEAD) {
                self.prefetch(ahead.hash);
            }
            match self.find_hashed(other.text(slot), slot.hash) {
                Some(code) => codes[slot.code as usize] = code,
                None => new.push(slot),
            }
        }
        new.sort_unstable_by_key(|slot| slot.code);
        for (i, &slot) in new.iter().enumerate() {
            if let Some(ahead) = new.get(i + AHEAD) {
                self.prefetch(ahead.hash);
            }
            // SAFETY: only whole &str values are stored.
            let value = unsafe { std::str::from_utf8_unchecked(other.text(slot)) };
            codes[slot.code as usize] = self.code_hashed(value, slot.hash);
        }
        codes
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
        if self.sorted == self.values.len() {
            return;
        }
        // Sort the new tail only, then merge it into the sorted head: a merge of many
        // partials compacts often, and re-sorting all each time was most of its cost.
        let head = self.sorted;
        self.values[head..].sort_unstable();
        if head > 0 {
            self.merge_tail(head);
        }
        self.values.dedup();
        self.sorted = self.values.len();
        // Room for the next batch only, not the doubling slack of the growth so far.
        self.values
            .shrink_to(self.sorted + (self.sorted / 2).max(1 << 20));
    }

    /// Merge the sorted values from `head` on into the sorted ones before, from the back
    /// and in place: only the tail is held twice (a merged copy of both held everything
    /// twice while the threads' partials were merged).
    fn merge_tail(&mut self, head: usize) {
        let mut tail = self.values.split_off(head);
        tail.dedup();
        let (mut i, mut j) = (head, tail.len());
        self.values.resize(head + tail.len(), 0);
        let mut at = self.values.len();
        while j > 0 {
            at -= 1;
            if i > 0 && self.values[i - 1] > tail[j - 1] {
                self.values[at] = self.values[i - 1];
                i -= 1;
            } else {
                self.values[at] = tail[j - 1];
                j -= 1;
            }
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn absorbing_maps_every_code_and_adds_new_values_in_the_other_code_order() {
        let long = "x".repeat(INLINE + 5);
        let mut here = Dictionary::default();
        for value in ["a", "b", long.as_str()] {
            here.code(value);
        }
        let mut other = Dictionary::default();
        let values: Vec<String> = (0..300).map(|i| format!("v{i}")).collect();
        let mut order: Vec<&str> = values.iter().map(String::as_str).collect();
        order.insert(100, "b");
        order.insert(200, long.as_str());
        order.push(&long[1..]); // a long value that is new here
        for value in &order {
            other.code(value);
        }
        let codes = here.absorb(&other);
        assert_eq!(codes.len(), order.len());
        let merged = here.values();
        for (code, value) in order.iter().enumerate() {
            assert_eq!(merged[codes[code] as usize], *value);
        }
        // New values get codes in `other`'s order, after the values already here.
        let added: Vec<&str> = merged[3..].to_vec();
        let expected: Vec<&str> = order
            .iter()
            .copied()
            .filter(|v| *v != "b" && *v != long)
            .collect();
        assert_eq!(added, expected);
    }

    #[test]
    fn pairs_hold_each_distinct_pair_once_in_order_whenever_compacted() {
        let mut pairs = Pairs::default();
        let mut expected = BTreeSet::new();
        let mut state = 7u64;
        for round in 0..40 {
            for _ in 0..(round * 37 % 500) {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let (key, user) = ((state >> 60) as u32, (state >> 40 & 0xff) as u32);
                pairs.push(key, user);
                expected.insert((key, user));
            }
            pairs.compact();
            assert!(pairs.iter().eq(expected.iter().copied()), "round {round}");
        }
    }
}
