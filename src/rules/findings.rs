//! The findings of one line, kept in full up to a limit and counted beyond it.

use super::Finding;
use crate::catalogue::Code;

/// The most findings of one line kept in full; the rest are counted by code only, so
/// that a line's memory and time do not grow with its problems (a line of millions of
/// empty order lines once kept three findings per three bytes).
pub const MAX_FINDINGS: usize = 100;

/// Findings of one code beyond a line's kept ones: how many, and the first in full (a
/// code's first example may come past the limit; at most one a code is made).
#[derive(Debug)]
pub struct More {
    pub count: u64,
    pub first: Finding,
}

/// The findings of one line: the first MAX_FINDINGS in full, the others counted by code.
#[derive(Debug, Default)]
pub struct Findings {
    pub kept: Vec<Finding>,
    /// Beyond the kept ones, by code in first-found order.
    pub more: Vec<More>,
}

impl Findings {
    /// Add a finding; its path and message are only made when it is kept, or when it is
    /// the first of its code beyond the kept ones.
    pub fn add(&mut self, code: Code, found: impl FnOnce() -> (String, String)) {
        if self.kept.len() < MAX_FINDINGS {
            let (path, message) = found();
            self.kept.push(Finding {
                code,
                path,
                message,
            });
        } else if let Some(more) = self.more.iter_mut().find(|m| m.first.code == code) {
            more.count += 1;
        } else {
            let (path, message) = found();
            let first = Finding {
                code,
                path,
                message,
            };
            self.more.push(More { count: 1, first });
        }
    }

    pub fn clear(&mut self) {
        self.kept.clear();
        self.more.clear();
    }
}
