//! The periods of --interval for the partial result: a period code per event, asked of a
//! calendar (zoneinfo, in Python) once per period a thread meets.

use super::NO_TIME;
use std::sync::Arc;

/// The periods of --interval (days, weeks or months in a time zone): the period
/// [start, end) holding a moment, in microseconds since the epoch. The zone rules live
/// in Python (zoneinfo); the kernel asks once per period a thread meets.
pub trait Calendar: Send + Sync {
    /// None when the moment has no period (its local date is outside years 1-9999).
    fn period(&self, moment: i64) -> Option<(i64, i64)>;
}

/// A thread's view of the calendar: the periods it met, sorted by start.
#[derive(Clone)]
pub struct Trend {
    calendar: Arc<dyn Calendar>,
    /// (start, end, code in `Partial::periods`)
    met: Vec<(i64, i64, u32)>,
    last: usize,
}

impl Trend {
    pub fn new(calendar: Arc<dyn Calendar>) -> Trend {
        Trend {
            calendar,
            met: Vec::new(),
            last: 0,
        }
    }

    /// The code of a moment's period (of the period `unknown` for no moment).
    pub(super) fn code(&mut self, moment: Option<i64>, periods: &mut Vec<i64>) -> u32 {
        let Some(m) = moment else {
            return code_of_start(NO_TIME, periods);
        };
        // Events mostly come in time order: the last period usually holds the next one.
        if let Some(&(start, end, code)) = self.met.get(self.last) {
            if start <= m && m < end {
                return code;
            }
        }
        let at = self.met.partition_point(|&(start, _, _)| start <= m);
        if at > 0 && m < self.met[at - 1].1 {
            self.last = at - 1;
            return self.met[at - 1].2;
        }
        let Some((start, end)) = self.calendar.period(m) else {
            return code_of_start(NO_TIME, periods);
        };
        assert!(
            start <= m && m < end,
            "the calendar's period holds the moment"
        );
        let code = code_of_start(start, periods);
        self.met.insert(at, (start, end, code));
        self.last = at;
        code
    }
}

/// The code of a period by its start (NO_TIME: `unknown`), added when new.
pub(super) fn code_of_start(start: i64, periods: &mut Vec<i64>) -> u32 {
    match periods.iter().position(|&p| p == start) {
        Some(code) => code as u32,
        None => {
            periods.push(start);
            (periods.len() - 1) as u32
        }
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
