//! A partial result as bytes, to ship between machines (a cluster task returns one).
//!
//! Little-endian, versioned by a magic; every count is checked against the bytes left
//! when reading, so a truncated or foreign buffer is an error, never a crash.

use super::*;

const MAGIC: &[u8; 8] = b"ICPART03";

struct Writer(Vec<u8>);

impl Writer {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn i64(&mut self, v: i64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn len(&mut self, n: usize) {
        self.u64(n as u64);
    }
    fn dictionary(&mut self, d: &Dictionary) {
        let values = d.values();
        self.len(values.len());
        for value in values {
            self.u32(value.len() as u32);
            self.0.extend_from_slice(value.as_bytes());
        }
    }
    fn window(&mut self, w: Option<Window>) {
        let bound = |me: &mut Self, b: Option<i64>| {
            me.u8(b.is_some() as u8);
            me.i64(b.unwrap_or(0));
        };
        self.u8(w.is_some() as u8);
        let w = w.unwrap_or_default();
        bound(self, w.since);
        bound(self, w.until);
    }
}

struct Reader<'a> {
    data: &'a [u8],
}

type Read<T> = Result<T, String>;

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Read<&'a [u8]> {
        if self.data.len() < n {
            return Err("the partial result is truncated".into());
        }
        let (head, rest) = self.data.split_at(n);
        self.data = rest;
        Ok(head)
    }
    fn u8(&mut self) -> Read<u8> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Read<u32> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }
    fn u64(&mut self) -> Read<u64> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }
    fn i64(&mut self) -> Read<i64> {
        Ok(i64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }
    /// A count of items of at least `size` bytes each, checked against what is left.
    fn len(&mut self, size: usize) -> Read<usize> {
        let n = self.u64()? as usize;
        if n.saturating_mul(size) > self.data.len() {
            return Err("the partial result is truncated".into());
        }
        Ok(n)
    }
    fn dictionary(&mut self) -> Read<Dictionary> {
        let mut d = Dictionary::default();
        for expected in 0..self.len(4)? {
            let n = self.u32()? as usize;
            let text = std::str::from_utf8(self.take(n)?).map_err(|e| e.to_string())?;
            if d.code(text) as usize != expected {
                return Err("a dictionary holds a value twice".into());
            }
        }
        Ok(d)
    }
    fn code(&mut self, dictionary: &Dictionary, absent: bool) -> Read<u32> {
        let code = self.u32()?;
        if (code as usize) < dictionary.len() || (absent && code == NONE) {
            Ok(code)
        } else {
            Err("a code outside its dictionary".into())
        }
    }
    fn window(&mut self) -> Read<Option<Window>> {
        let present = self.u8()? == 1;
        let mut bound = || -> Read<Option<i64>> {
            let set = self.u8()? == 1;
            let value = self.i64()?;
            Ok(set.then_some(value))
        };
        let (since, until) = (bound()?, bound()?);
        Ok(present.then_some(Window { since, until }))
    }
}

impl Partial {
    /// The partial as bytes (pairs as held: the reader deduplicates them).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer(MAGIC.to_vec());
        w.window(self.window);
        for d in [
            &self.sets,
            &self.skus,
            &self.users,
            &self.actions,
            &self.currencies,
        ] {
            w.dictionary(d);
        }
        // Room for the rest at once: growing a buffer of 100 MB by doubling copied it
        // over and over.
        let pairs = self.set_users.len() + self.sku_users.len();
        w.0.reserve(
            128 + 8 * self.periods.len()
                + 24 * self.counts.len()
                + 16 * self.views.len()
                + 8 * pairs
                + 28 * self.first_carts.len()
                + 36 * self.orders.len()
                + 40 * self.user_sums.len(),
        );
        w.len(self.periods.len());
        for &start in self.periods.starts() {
            w.i64(start);
        }
        // Sorted by key: a reader sums the periods out in one pass (a state's report), and
        // the same partial always gives the same bytes.
        // (Rows copied, not borrowed: comparing through pointers missed the cache.)
        let mut counts: Vec<_> = self.counts.iter().map(|(&k, &n)| (k, n)).collect();
        counts.sort_unstable_by_key(|row| row.0);
        w.len(counts.len());
        for ((set, sku, action, period), n) in counts {
            w.u32(set);
            w.u32(sku);
            w.u32(action);
            w.u32(period);
            w.u64(n);
        }
        let mut views: Vec<_> = self.views.iter().map(|(&k, &n)| (k, n)).collect();
        views.sort_unstable_by_key(|row| row.0);
        w.len(views.len());
        for ((set, period), n) in views {
            w.u32(set);
            w.u32(period);
            w.u64(n);
        }
        for pairs in [&self.set_users, &self.sku_users] {
            w.len(pairs.len());
            for (key, user) in pairs.raw() {
                w.u32(key);
                w.u32(user);
            }
        }
        let mut carts: Vec<_> = self.first_carts.iter().map(|(&k, &c)| (k, c)).collect();
        carts.sort_unstable_by_key(|row| row.0);
        w.len(carts.len());
        for ((user, sku, set), cart) in carts {
            w.u32(user);
            w.u32(sku);
            w.u32(set);
            w.u64(cart.seq);
            w.i64(cart.time);
        }
        w.len(self.orders.len());
        for r in &self.orders {
            w.u32(r.user);
            w.u32(r.sku);
            w.u64(r.seq);
            w.i64(r.time);
            w.i64(r.micros);
            w.u32(r.currency);
        }
        let c = &self.counters;
        for n in c
            .events
            .iter()
            .chain(&[c.unattributed, c.untimed, c.outside])
        {
            w.u64(*n);
        }
        w.u8(c.saw_time as u8);
        w.u64(self.runs);
        // Last: compare's table (empty in a report's partial).
        let mut sums: Vec<_> = self.user_sums.iter().map(|(&k, &n)| (k, n)).collect();
        sums.sort_unstable_by_key(|row| row.0);
        w.len(sums.len());
        for ((set, sku, user, period), n) in sums {
            for code in [set, sku, user, period] {
                w.u32(code);
            }
            for count in n {
                w.u64(count);
            }
        }
        w.0
    }

    /// A partial from `to_bytes`; an error for anything else.
    pub fn from_bytes(data: &[u8]) -> Result<Partial, String> {
        Tables::from_bytes(data).map(Partial::from)
    }
}

/// A row's key after the one before it: sorted, and no key twice.
fn increasing<K: Ord>(before: Option<K>, key: K) -> Read<()> {
    match before {
        Some(before) if before >= key => Err("rows out of order or repeated".into()),
        _ => Ok(()),
    }
}

impl Tables {
    /// The tables of a partial's bytes (`Partial::to_bytes`), every code and length
    /// checked; an error for anything else.
    pub fn from_bytes(data: &[u8]) -> Result<Tables, String> {
        let mut r = Reader { data };
        if r.take(MAGIC.len())? != MAGIC {
            return Err("not a partial result of this version of interact-cli".into());
        }
        let mut t = Tables {
            window: r.window()?,
            ..Tables::default()
        };
        t.sets = r.dictionary()?;
        t.skus = r.dictionary()?;
        t.users = r.dictionary()?;
        t.actions = r.dictionary()?;
        t.currencies = r.dictionary()?;
        let mut periods = Periods::default();
        for _ in 0..r.len(8)? {
            let start = r.i64()?;
            if periods.contains(start) {
                return Err("a period appears twice".into());
            }
            periods.code(start);
        }
        t.periods = periods.starts().to_vec();
        let periods = t.periods.len();
        let period = |r: &mut Reader| -> Read<u32> {
            let code = r.u32()?;
            if (code as usize) < periods || code == NONE {
                Ok(code)
            } else {
                Err("a period code outside the periods".into())
            }
        };
        // The lengths are checked against the bytes there are before anything is reserved.
        // Rows come sorted by key, each key once (`to_bytes`): a repeated key would count
        // twice here and once in a merge, so it is refused.
        let rows = r.len(24)?;
        t.counts.reserve(rows);
        for _ in 0..rows {
            let set = r.code(&t.sets, true)?;
            let sku = r.code(&t.skus, false)?;
            let action = r.code(&t.actions, true)?;
            let key = (set, sku, action, period(&mut r)?);
            increasing(t.counts.last().map(|row| row.0), key)?;
            t.counts.push((key, r.u64()?));
        }
        let rows = r.len(16)?;
        t.views.reserve(rows);
        for _ in 0..rows {
            let set = r.code(&t.sets, true)?;
            let key = (set, period(&mut r)?);
            increasing(t.views.last().map(|row| row.0), key)?;
            t.views.push((key, r.u64()?));
        }
        for keys in [&t.sets, &t.skus] {
            let mut pairs = Pairs::default();
            for _ in 0..r.len(8)? {
                let key = r.code(keys, false)?;
                pairs.push(key, r.code(&t.users, false)?);
            }
            pairs.compact();
            if std::ptr::eq(keys, &t.sets) {
                t.set_users = pairs;
            } else {
                t.sku_users = pairs;
            }
        }
        let rows = r.len(28)?;
        t.first_carts.reserve(rows);
        for _ in 0..rows {
            let user = r.code(&t.users, false)?;
            let sku = r.code(&t.skus, false)?;
            let set = r.code(&t.sets, false)?;
            let cart = FirstCart {
                seq: r.u64()?,
                time: r.i64()?,
            };
            increasing(t.first_carts.last().map(|row| row.0), (user, sku, set))?;
            t.first_carts.push(((user, sku, set), cart));
        }
        let rows = r.len(36)?;
        t.orders.reserve(rows);
        for _ in 0..rows {
            let user = r.code(&t.users, false)?;
            let sku = r.code(&t.skus, false)?;
            let (seq, time, micros) = (r.u64()?, r.i64()?, r.i64()?);
            let currency = r.code(&t.currencies, false)?;
            t.orders.push(OrderRow {
                user,
                sku,
                seq,
                time,
                micros,
                currency,
            });
        }
        let c = &mut t.counters;
        for n in c.events.iter_mut() {
            *n = r.u64()?;
        }
        (c.unattributed, c.untimed, c.outside) = (r.u64()?, r.u64()?, r.u64()?);
        c.saw_time = r.u8()? == 1;
        t.runs = r.u64()?;
        let rows = r.len(40)?;
        t.user_sums.reserve(rows);
        for _ in 0..rows {
            let set = r.code(&t.sets, true)?;
            let sku = r.code(&t.skus, true)?;
            let user = r.code(&t.users, false)?;
            let key = (set, sku, user, period(&mut r)?);
            increasing(t.user_sums.last().map(|row| row.0), key)?;
            t.user_sums.push((key, [r.u64()?, r.u64()?, r.u64()?]));
        }
        if !r.data.is_empty() {
            return Err("extra bytes after the partial result".into());
        }
        // Positions are `run << 32 | index` with a run below `runs`.
        let in_runs = |seq: u64| (seq >> 32) < t.runs;
        if t.runs > u32::MAX as u64
            || !t.first_carts.iter().all(|(_, c)| in_runs(c.seq))
            || !t.orders.iter().all(|o| in_runs(o.seq))
        {
            return Err("a position outside the partial's runs".into());
        }
        Ok(t)
    }
}

#[cfg(test)]
mod tests;
