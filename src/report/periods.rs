//! The periods of --interval for the partial result: a period code per event, asked of a
//! calendar (zoneinfo, in Python) once per period a thread meets.

use super::{Map, NO_TIME};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// The periods of --interval (days, weeks or months in a time zone): the period
/// [start, end) holding a moment, in microseconds since the epoch. The zone rules live
/// in Python (zoneinfo); the kernel asks once per period a thread meets.
pub trait Calendar: Send + Sync {
    /// None when the moment has no period (its local date is outside years 1-9999:
    /// every moment below one moment, or above another, and no other); an error when the
    /// calendar itself failed.
    fn period(&self, moment: i64) -> Result<Option<(i64, i64)>, String>;
}

/// A thread's view of the calendar: the periods it met, by start. A calendar that fails,
/// or answers a period that does not hold the moment or overlaps one met before, is an
/// error of the scan (`failure`), never a panic: its events count as `unknown` meanwhile.
#[derive(Clone)]
pub struct Trend {
    calendar: Arc<dyn Calendar>,
    /// start -> (end, code in `Partial::periods`); a tree, so that a new period costs
    /// O(log n) (a sorted list's insert made 200,000 days quadratic).
    met: BTreeMap<i64, (i64, u32)>,
    /// The period met last: events mostly come in time order.
    last: Option<(i64, i64, u32)>,
    /// Moments known to have no period: at or below the first, at or above the second
    /// (asked once: hostile times before year 1 called Python for every event, 21×).
    none_below: i64,
    none_above: i64,
    failure: Arc<Mutex<Option<String>>>,
}

impl Trend {
    pub fn new(calendar: Arc<dyn Calendar>) -> Trend {
        Trend {
            calendar,
            met: BTreeMap::new(),
            last: None,
            none_below: i64::MIN,
            none_above: i64::MAX,
            failure: Arc::default(),
        }
    }

    /// The first failure of the calendar, if any (shared by the threads' copies).
    pub fn failure(&self) -> Option<String> {
        self.failure.lock().ok().and_then(|f| f.clone())
    }

    fn fail(&self, why: String) {
        if let Ok(mut failure) = self.failure.lock() {
            failure.get_or_insert(why);
        }
    }

    /// The code of a moment's period (of the period `unknown` for no moment).
    pub(super) fn code(&mut self, moment: Option<i64>, periods: &mut Periods) -> u32 {
        let Some(m) = moment else {
            return periods.code(NO_TIME);
        };
        if let Some((start, end, code)) = self.last {
            if start <= m && m < end {
                return code;
            }
        }
        if let Some((&start, &(end, code))) = self.met.range(..=m).next_back() {
            if m < end {
                self.last = Some((start, end, code));
                return code;
            }
        }
        if m <= self.none_below || m >= self.none_above {
            return periods.code(NO_TIME);
        }
        let (start, end) = match self.calendar.period(m) {
            Ok(Some(period)) => period,
            Ok(None) => {
                if m < 0 {
                    self.none_below = self.none_below.max(m);
                } else {
                    self.none_above = self.none_above.min(m);
                }
                return periods.code(NO_TIME);
            }
            Err(why) => {
                self.fail(why);
                return periods.code(NO_TIME);
            }
        };
        let before = self
            .met
            .range(..start)
            .next_back()
            .map(|(_, &(end, _))| end);
        let after = self.met.range(start..).next().map(|(&next, _)| next);
        if !(start <= m && m < end)
            || before.is_some_and(|e| e > start)
            || after.is_some_and(|n| n < end)
        {
            self.fail(format!(
                "the --interval calendar gave the period [{start}, {end}) for the moment {m}, \
                 which it does not hold or which overlaps another period"
            ));
            return periods.code(NO_TIME);
        }
        let code = periods.code(start);
        self.met.insert(start, (end, code));
        self.last = Some((start, end, code));
        code
    }
}

/// Period codes by start (NO_TIME: `unknown`), in first-met order, with a keyed map
/// from start to code so that finding one is O(1) in the scan, the merge and the wire.
#[derive(Clone, Default)]
pub struct Periods {
    starts: Vec<i64>,
    codes: Map<i64, u32>,
}

impl Periods {
    /// The code of a period by its start, added when new.
    pub fn code(&mut self, start: i64) -> u32 {
        let next = self.starts.len() as u32;
        let code = *self.codes.entry(start).or_insert(next);
        if code == next {
            self.starts.push(start);
        }
        code
    }

    pub fn contains(&self, start: i64) -> bool {
        self.codes.contains_key(&start)
    }

    /// The starts in code order.
    pub fn starts(&self) -> &[i64] {
        &self.starts
    }

    pub fn len(&self) -> usize {
        self.starts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }
}

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
