//! Event times as microseconds since the epoch (UTC), parsed natively.
//!
//! Grammar (what Python 3.11's `datetime.fromisoformat` accepted before the kernel; the
//! shared table tests/fixtures/times.tsv holds both sides to it):
//!
//! ```text
//! time     = date [ SEP clock [ zone ] ]      SEP: any one character
//! date     = YYYY "-" MM "-" DD | YYYYMMDD | YYYY "-W" ww [ "-" d ] | YYYY "W" ww [ d ]
//! clock    = hh [ ":" mm [ ":" ss [ frac ] ] ] | hh [ mm [ ss [ frac ] ] ]
//! frac     = ( "." | "," ) digit+             digits past the sixth are dropped
//! zone     = "Z" | ( "+" | "-" ) hh [ [":"] mm [ [":"] ss [ frac ] ] ]   (under 24 h)
//! ```
//!
//! A time without a zone is UTC. Epoch numbers are seconds, or milliseconds above 1e11
//! (1e11 seconds is the year 5138); a time must lie in the years 1 to 9999.

/// Epoch numbers above this are milliseconds.
pub const MILLIS_ABOVE: f64 = 1e11;
const MAX_SECONDS: f64 = 253_402_300_800.0; // 10000-01-01T00:00:00Z
const MIN_SECONDS: f64 = -62_135_596_800.0; // 0001-01-01T00:00:00Z
const MICROS_PER_DAY: i64 = 86_400_000_000;

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// ISO weekday, Monday = 1.
fn weekday(days: i64) -> i64 {
    (days + 3).rem_euclid(7) + 1 // 1970-01-01 was a Thursday
}

struct Cursor<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn digits(&mut self, n: usize) -> Option<i64> {
        let part = self.s.get(self.pos..self.pos + n)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.pos += n;
        Some(part.iter().fold(0, |acc, d| acc * 10 + (d - b'0') as i64))
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn done(&self) -> bool {
        self.pos == self.s.len()
    }

    /// hh [[:]mm [[:]ss [frac]]] as microseconds; `colons` is decided by the first one.
    fn clock(&mut self, frac_allowed: bool) -> Option<i64> {
        let hour = self.digits(2)?;
        let mut minute = 0;
        let mut second = 0;
        let mut micros = 0;
        let colons = self.peek() == Some(b':');
        let more = |c: &mut Self| {
            if colons {
                c.eat(b':')
            } else {
                c.peek().is_some_and(|b| b.is_ascii_digit())
            }
        };
        if more(self) {
            minute = self.digits(2)?;
            if more(self) {
                second = self.digits(2)?;
                if frac_allowed && matches!(self.peek(), Some(b'.' | b',')) {
                    self.pos += 1;
                    let start = self.pos;
                    while self.peek().is_some_and(|b| b.is_ascii_digit()) {
                        self.pos += 1;
                    }
                    let digits = &self.s[start..self.pos];
                    if digits.is_empty() {
                        return None;
                    }
                    for i in 0..6 {
                        micros = micros * 10 + digits.get(i).map_or(0, |d| (d - b'0') as i64);
                    }
                }
            }
        }
        if hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        Some(((hour * 60 + minute) * 60 + second) * 1_000_000 + micros)
    }

    /// Days since the epoch of the date at the start.
    fn date(&mut self) -> Option<i64> {
        let year = self.digits(4)?;
        if year < 1 {
            return None;
        }
        let extended = self.eat(b'-');
        if self.eat(b'W') {
            let week = self.digits(2)?;
            let day = if (extended && self.eat(b'-'))
                || (!extended && self.peek().is_some_and(|b| b.is_ascii_digit()))
            {
                self.digits(1)?
            } else {
                1
            };
            let first_weekday = weekday(days_from_civil(year, 1, 1));
            let weeks = if first_weekday == 4 || (first_weekday == 3 && is_leap(year)) {
                53
            } else {
                52
            };
            if week < 1 || week > weeks || !(1..=7).contains(&day) {
                return None;
            }
            let jan4 = days_from_civil(year, 1, 4);
            let monday = jan4 - (weekday(jan4) - 1);
            return Some(monday + (week - 1) * 7 + day - 1);
        }
        let month = self.digits(2)?;
        if extended && !self.eat(b'-') {
            return None;
        }
        let day = self.digits(2)?;
        if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
            return None;
        }
        Some(days_from_civil(year, month, day))
    }
}

/// Microseconds since the epoch of an ISO 8601 text, or None.
pub fn parse_iso(text: &str) -> Option<i64> {
    let mut c = Cursor {
        s: text.as_bytes(),
        pos: 0,
    };
    let days = c.date()?;
    let mut micros = days * MICROS_PER_DAY;
    if c.done() {
        return Some(micros);
    }
    // One separator character of any kind (Python takes any), then the clock.
    let sep = text[c.pos..].chars().next()?;
    c.pos += sep.len_utf8();
    micros += c.clock(true)?;
    // Python takes one space before the zone too ("12:00:00 Z").
    if c.peek() == Some(b' ') && matches!(c.s.get(c.pos + 1), Some(b'Z' | b'+' | b'-')) {
        c.pos += 1;
    }
    match c.peek() {
        None => {}
        Some(b'Z') => {
            c.pos += 1;
        }
        Some(sign @ (b'+' | b'-')) => {
            c.pos += 1;
            let offset = c.clock(true)?;
            micros += if sign == b'+' { -offset } else { offset };
        }
        Some(_) => return None,
    }
    c.done().then_some(micros)
}

/// Microseconds since the epoch of an epoch number (seconds, or milliseconds above 1e11).
pub fn from_epoch(value: f64) -> Option<i64> {
    if !value.is_finite() {
        return None;
    }
    let seconds = if value.abs() > MILLIS_ABOVE {
        value / 1000.0
    } else {
        value
    };
    if !(MIN_SECONDS..MAX_SECONDS).contains(&seconds) {
        return None; // outside the years 1 to 9999, as for a text time
    }
    Some((seconds * 1_000_000.0).round_ties_even() as i64)
}

#[cfg(test)]
mod tests;
