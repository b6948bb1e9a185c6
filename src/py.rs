//! The Python face of the kernel: a `Scan` fed byte blocks, its `Partial` result as
//! Arrow columns, `check_line` and `parse_time`.
//!
//! Blocks are scanned with the GIL released, on `threads` threads; Python code (the
//! progress bar, Ctrl-C) runs between blocks.

use crate::arrow::{Column, Values};
use crate::catalogue::{vocabulary, ALL_CODES};
use crate::export::EventRows;
use crate::json::{MAX_DEPTH, MAX_SPAN, MAX_VALUES};
use crate::report::{Calendar, Partial, PerUser, Rows, Window};
use crate::rules::EventKind;
use crate::scan::{NoFacts, Options, Scanner, Tally};
use pyo3::buffer::PyBuffer;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// The most threads a scan may have: more only compete for the cores, and a count from
/// Python must not reach an allocation unchecked (`Scan(threads=2**62)` panicked).
const MAX_THREADS: usize = 1024;

fn options(
    time_fields: Option<Vec<String>>,
    keep: usize,
    threads: usize,
    split: bool,
    max_line: usize,
) -> Options {
    Options {
        time_fields: time_fields.unwrap_or_else(|| vocabulary().time_fields.clone()),
        // Spans address a line with 31 bits (src/json.rs): longer lines are never parsed.
        max_line: max_line.min(MAX_SPAN),
        keep,
        threads,
        split,
    }
}

enum Inner {
    Validate(Scanner<NoFacts>),
    Report(Scanner<Partial>),
    Export(Scanner<EventRows>),
}

/// Run `$body` with `$s` bound to the scanner, whichever kind it is.
macro_rules! scanner {
    ($inner:expr, $s:ident => $body:expr) => {
        match $inner {
            Inner::Validate($s) => $body,
            Inner::Report($s) => $body,
            Inner::Export($s) => $body,
        }
    };
}

/// The single pass over the inputs: counts every line of the files fed to it, keeps
/// the first problems in full and, for a report, reduces the valid events to a
/// `Partial`.
#[pyclass(module = "interact_cli._core")]
pub struct Scan {
    inner: Inner,
    /// A file was begun and not yet ended.
    open: bool,
    /// The partial result was taken: the scan is over.
    taken: bool,
    /// Why the scan cannot go on (its --interval calendar failed), once it failed.
    failed: Option<String>,
    /// The bytes being scanned, copied out of a buffer that Python could change while
    /// the GIL is released (a bytearray written by another thread); reused.
    copy: Vec<u8>,
    /// The files' names as Python gave them (a name that is not UTF-8 holds surrogate
    /// escapes, which Rust strings cannot): results name files by these.
    names: Vec<Py<PyString>>,
}

#[pymethods]
impl Scan {
    #[new]
    #[pyo3(signature = (keep, threads=1, split=false, max_line=64 * 1024 * 1024,
                        time_fields=None, report=false, since=None, until=None,
                        calendar=None, rows=None, windows=None, export=false))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        keep: usize,
        threads: usize,
        split: bool,
        max_line: usize,
        time_fields: Option<Vec<String>>,
        report: bool,
        since: Option<i64>,
        until: Option<i64>,
        calendar: Option<Py<PyAny>>,
        rows: Option<&str>,
        windows: Option<[(i64, i64); 2]>,
        export: bool,
    ) -> PyResult<Self> {
        if !(1..=MAX_THREADS).contains(&threads) {
            return Err(PyValueError::new_err(format!(
                "threads must be between 1 and {MAX_THREADS}, not {threads}"
            )));
        }
        let options = options(time_fields, keep, threads, split, max_line);
        // The fast path and the rule book must read the same time: never a contract field.
        let contract = ["type", "context", "userId"];
        let reserved =
            |f: &String| contract.contains(&f.as_str()) || vocabulary().event_types.contains(f);
        if let Some(field) = options.time_fields.iter().find(|f| reserved(f)) {
            return Err(PyValueError::new_err(format!(
                "'{field}' is a field of the contract, not a time field"
            )));
        }
        let inner = if export {
            Inner::Export(Scanner::new(options, EventRows::default()))
        } else if report {
            let window = (since.is_some() || until.is_some()).then_some(Window { since, until });
            let calendar = calendar.map(|c| Arc::new(PyCalendar(c)) as Arc<dyn Calendar>);
            let partial = match (rows, calendar) {
                (Some(name), calendar) => {
                    let rows = Rows::named(name)
                        .ok_or_else(|| PyValueError::new_err(format!("rows: no table {name:?}")))?;
                    Partial::per_user(
                        window,
                        PerUser::new(rows, windows).map_err(PyValueError::new_err)?,
                        calendar,
                    )
                }
                (None, Some(calendar)) => Partial::with_trend(window, calendar),
                (None, None) => Partial::new(window),
            };
            Inner::Report(Scanner::new(options, partial))
        } else {
            Inner::Validate(Scanner::new(options, NoFacts))
        };
        Ok(Scan {
            inner,
            open: false,
            taken: false,
            failed: None,
            copy: Vec::new(),
            names: Vec::new(),
        })
    }

    /// Start the next file (line numbers start again at 1; a leading BOM is dropped).
    /// `continued`: the bytes start at a line inside the file (no BOM to drop there).
    #[pyo3(signature = (name, continued=false))]
    fn begin_file(&mut self, name: &Bound<'_, PyString>, continued: bool) -> PyResult<()> {
        self.usable()?;
        if self.open {
            // Its unfinished last line would be dropped, uncounted.
            return Err(PyValueError::new_err(
                "end_file() the current file before beginning another",
            ));
        }
        self.open = true;
        self.names.push(name.clone().unbind());
        let text = name.to_string_lossy();
        scanner!(&mut self.inner, s => s.begin_part(&text, continued));
        Ok(())
    }

    /// Scan the next bytes of the current file, cut anywhere: any buffer (bytes, or a
    /// reused bytearray or memoryview, which saves the kernel zeroing fresh pages). With
    /// `split`, returns the valid and the invalid lines completed so far, byte for byte.
    ///
    /// The GIL is released while the bytes are scanned, so another thread could change
    /// a mutable buffer meanwhile, under checks the scan relies on (UTF-8): `bytes` and
    /// the first `size` bytes of a kernel `Buffer` (which lends no view meanwhile) are
    /// read in place; any other buffer is copied first.
    #[pyo3(signature = (data, size=None))]
    fn feed<'py>(
        &mut self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
        size: Option<usize>,
    ) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyBytes>)> {
        self.in_file()?;
        let (inner, copy) = (&mut self.inner, &mut self.copy);
        let mut reading = None; // while it lives, the buffer lends no view
        let bytes: &[u8] = match data.cast::<Buffer>() {
            Ok(buffer) => match Buffer::lend(buffer)? {
                Some((lent, pointer, len)) => {
                    reading = Some(lent);
                    // SAFETY: the buffer's own pointer and length; it is never resized,
                    // `data` keeps it alive, and it lends no view while `reading` lives.
                    first(unsafe { std::slice::from_raw_parts(pointer, len) }, size)?
                }
                None => copied(copy, first(buffer.try_borrow()?.bytes(), size)?),
            },
            Err(_) => match data.cast::<PyBytes>() {
                Ok(bytes) => first(bytes.as_bytes(), size)?,
                Err(_) => copied(copy, first(contiguous(&PyBuffer::<u8>::get(data)?)?, size)?),
            },
        };
        py.detach(|| scanner!(inner, s => s.feed(bytes)));
        drop(reading);
        self.check_calendar()?;
        Ok(self.outputs(py))
    }

    /// End the current file: its last line, if it had no newline, is scanned now.
    fn end_file<'py>(
        &mut self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyBytes>)> {
        self.in_file()?;
        self.open = false;
        let inner = &mut self.inner;
        py.detach(|| scanner!(inner, s => s.end_file()));
        self.check_calendar()?;
        Ok(self.outputs(py))
    }

    /// Everything found: summary, files, by_code and the kept problems, as plain data.
    fn result<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        scanner!(&self.inner, s => found(py, s, &self.names))
    }

    /// An export scan's rows of the lines scanned since the last call, in input order, as
    /// Arrow columns (name -> column; src/export.rs), or None while fewer than `at_least`
    /// are held (larger batches cost Polars less); and how many order-line amounts so far
    /// were rounded to fit the decimal or left null.
    #[pyo3(signature = (at_least=0))]
    fn rows<'py>(
        &mut self,
        py: Python<'py>,
        at_least: usize,
    ) -> PyResult<(Option<Bound<'py, PyDict>>, u64)> {
        self.usable()?;
        let Inner::Export(scanner) = &mut self.inner else {
            return Err(PyValueError::new_err("not an export scan"));
        };
        let rounded = scanner.sinks.iter().map(|s| s.rounded).sum();
        let held: usize = scanner.sinks.iter().map(EventRows::held).sum();
        if held < at_least.max(1) {
            return Ok((None, rounded));
        }
        let sinks = &mut scanner.sinks;
        let arrays = py.detach(|| crate::export::drain(sinks));
        let columns = PyDict::new(py);
        for array in arrays {
            let name = array.name.clone();
            columns.set_item(name, Column::of(array))?;
        }
        Ok((Some(columns), rounded))
    }

    /// The report's partial result of all lines (the threads' parts merged). It is taken
    /// out of the scan (without a copy), so it can be had once, after the last file.
    fn partial(&mut self, py: Python<'_>) -> PyResult<PyPartial> {
        self.usable()?;
        if self.open {
            return Err(PyValueError::new_err(
                "end the file before taking the partial",
            ));
        }
        let Inner::Report(scanner) = &mut self.inner else {
            return Err(PyValueError::new_err("not a report scan"));
        };
        self.taken = true;
        let parts = std::mem::take(&mut scanner.sinks);
        let merged = py.detach(move || {
            let mut parts = parts.into_iter();
            let mut merged = parts.next().unwrap_or_default();
            for part in parts {
                merged.merge_thread(part);
            }
            merged.compact();
            merged
        });
        Ok(PyPartial::new(merged))
    }
}

/// The calendar of --interval, in Python: `calendar(moment)` returns the (start, end)
/// microseconds of the period holding a moment, or None.
struct PyCalendar(Py<PyAny>);

impl Calendar for PyCalendar {
    fn period(&self, moment: i64) -> Result<Option<(i64, i64)>, String> {
        // Called once per period a thread meets, from the scan's threads (the GIL is free).
        Python::attach(|py| {
            let found = self.0.call1(py, (moment,));
            found
                .and_then(|value| value.extract::<Option<(i64, i64)>>(py))
                .map_err(|error| format!("the --interval calendar failed at {moment}: {error}"))
        })
    }
}

impl Scan {
    fn usable(&self) -> PyResult<()> {
        if let Some(why) = &self.failed {
            return Err(PyRuntimeError::new_err(format!("the scan failed: {why}")));
        }
        if self.taken {
            return Err(PyValueError::new_err(
                "the scan is over: its partial was taken",
            ));
        }
        Ok(())
    }

    fn in_file(&self) -> PyResult<()> {
        self.usable()?;
        if !self.open {
            return Err(PyValueError::new_err("begin_file() first"));
        }
        Ok(())
    }

    /// A failure of the --interval calendar on any thread ends the scan with an error.
    fn check_calendar(&mut self) -> PyResult<()> {
        if let Inner::Report(scanner) = &self.inner {
            let failure = scanner
                .sinks
                .iter()
                .find_map(|sink| sink.trend.as_ref().and_then(|t| t.failure()));
            if let Some(why) = failure {
                self.failed = Some(why.clone());
                return Err(PyRuntimeError::new_err(why));
            }
        }
        Ok(())
    }

    fn outputs<'py>(&mut self, py: Python<'py>) -> (Bound<'py, PyBytes>, Bound<'py, PyBytes>) {
        let (valid, invalid) = scanner!(&mut self.inner, s => s.take_outputs());
        (PyBytes::new(py, &valid), PyBytes::new(py, &invalid))
    }
}

mod buffer;
mod fingerprint;
mod found;
mod functions;
mod partial;
use buffer::{contiguous, copied, first, Buffer};
use fingerprint::Fingerprint;
use found::found;
use functions::{check_line, parse_time};
use partial::{PyPartial, PyTables};

/// Whether a panic prints Rust's message and backtrace (`--debug`); it is silent
/// otherwise, and reaches Python as a `PanicException` that the CLI shows in one line.
static DEBUG: AtomicBool = AtomicBool::new(false);

/// Show (True) or hide (False, the default) the Rust message of a panic on stderr.
#[pyfunction]
fn set_debug(on: bool) {
    DEBUG.store(on, Ordering::Relaxed);
}

/// Panic with `message`: the tests' way to the panic path, which no input reaches.
#[pyfunction]
fn _panic(message: &str) {
    panic!("{message}");
}

/// Replace the panic hook once with one that is silent unless `set_debug(True)`.
fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if DEBUG.load(Ordering::Relaxed) {
                previous(info);
            }
        }));
    });
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Scan>()?;
    m.add_class::<PyPartial>()?;
    m.add_class::<PyTables>()?;
    m.add_class::<Buffer>()?;
    m.add_class::<Fingerprint>()?;
    m.add_class::<Column>()?;
    m.add_function(wrap_pyfunction!(check_line, m)?)?;
    m.add_function(wrap_pyfunction!(parse_time, m)?)?;
    m.add_function(wrap_pyfunction!(set_debug, m)?)?;
    m.add_function(wrap_pyfunction!(_panic, m)?)?;
    install_panic_hook();
    m.add("MAX_DEPTH", MAX_DEPTH)?;
    m.add("MAX_VALUES", MAX_VALUES)?;
    m.add("MAX_FINDINGS", crate::rules::MAX_FINDINGS)?;
    Ok(())
}
