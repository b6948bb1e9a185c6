//! The kernel's functions for Python: one line's verdict, and an event time as the
//! report reads it.

use crate::catalogue::vocabulary;
use crate::json::Doc;
use crate::rules::Findings;
use crate::scan::line_findings;
use pyo3::prelude::*;

/// The verdict on one line's body: (valid, [(code, path, message), ...]).
#[pyfunction]
#[pyo3(signature = (line, time_fields=None))]
pub(super) fn check_line(
    line: &[u8],
    time_fields: Option<Vec<String>>,
) -> (bool, Vec<(String, String, String)>) {
    let fields = time_fields.unwrap_or_else(|| vocabulary().time_fields.clone());
    let mut doc = Doc::default();
    let mut findings = Findings::default();
    let valid = line_findings(line, &mut doc, &fields, &mut findings).is_some();
    // The first MAX_FINDINGS (src/rules.rs); the scan counts the rest by code.
    let listed = findings
        .kept
        .into_iter()
        .map(|f| (f.code.slug().to_string(), f.path, f.message))
        .collect();
    (valid, listed)
}

/// Microseconds since the epoch of an event time (ISO 8601 text or epoch number), as the
/// report reads it (the grammar in src/times.rs), or None when it is not a time.
#[pyfunction]
pub(super) fn parse_time(value: &Bound<'_, PyAny>) -> Option<i64> {
    if let Ok(text) = value.extract::<&str>() {
        return crate::times::parse_iso(text);
    }
    value
        .extract::<f64>()
        .ok()
        .and_then(crate::times::from_epoch)
}
