//! The Python face of the kernel: a `Validator` fed byte blocks, and `check_line`.
//!
//! Blocks are scanned with the GIL released, on `threads` threads; Python code (the
//! progress bar, Ctrl-C) runs between blocks.

use crate::catalogue::{vocabulary, ALL_CODES};
use crate::json::{Doc, MAX_DEPTH};
use crate::rules::Finding;
use crate::scan::{line_findings, NoFacts, Options, Scanner, Tally};
use pyo3::buffer::PyBuffer;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};

fn tally_dict<'py>(py: Python<'py>, tally: &Tally) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("lines", tally.lines)?;
    dict.set_item("valid", tally.valid)?;
    dict.set_item("invalid", tally.invalid)?;
    dict.set_item("blank", tally.blank)?;
    dict.set_item("warnings", tally.warnings)?;
    Ok(dict)
}

fn severity(is_warning: bool) -> &'static str {
    if is_warning {
        "warning"
    } else {
        "error"
    }
}

fn options(
    time_fields: Option<Vec<String>>,
    keep: usize,
    threads: usize,
    split: bool,
    max_line: usize,
) -> Options {
    Options {
        time_fields: time_fields.unwrap_or_else(|| vocabulary().time_fields.clone()),
        max_line,
        keep,
        threads: threads.max(1),
        split,
    }
}

/// Counts every line of the files fed to it and keeps the first problems in full.
#[pyclass(module = "interact_cli._core")]
pub struct Validator {
    scanner: Scanner<NoFacts>,
}

#[pymethods]
impl Validator {
    #[new]
    #[pyo3(signature = (keep, threads=1, split=false, max_line=64 * 1024 * 1024, time_fields=None))]
    fn new(
        keep: usize,
        threads: usize,
        split: bool,
        max_line: usize,
        time_fields: Option<Vec<String>>,
    ) -> Self {
        Validator {
            scanner: Scanner::new(options(time_fields, keep, threads, split, max_line)),
        }
    }

    /// Start the next file (line numbers start again at 1; a leading BOM is dropped).
    fn begin_file(&mut self, name: &str) {
        self.scanner.begin_file(name);
    }

    /// Scan the next bytes of the current file, cut anywhere: any buffer (bytes, or a
    /// reused bytearray or memoryview, which saves the kernel zeroing fresh pages). With
    /// `split`, returns the valid and the invalid lines completed so far, byte for byte.
    fn feed<'py>(
        &mut self,
        py: Python<'py>,
        data: PyBuffer<u8>,
    ) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyBytes>)> {
        let bytes = contiguous(&data)?;
        let scanner = &mut self.scanner;
        py.detach(|| scanner.feed(bytes));
        Ok(self.outputs(py))
    }

    /// End the current file: its last line, if it had no newline, is scanned now.
    fn end_file<'py>(&mut self, py: Python<'py>) -> (Bound<'py, PyBytes>, Bound<'py, PyBytes>) {
        let scanner = &mut self.scanner;
        py.detach(|| scanner.end_file());
        self.outputs(py)
    }

    /// Everything found: summary, files, by_code and the kept problems, as plain data.
    fn result<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = &self.scanner;
        let out = PyDict::new(py);
        out.set_item("summary", tally_dict(py, &s.total)?)?;
        let files = PyList::empty(py);
        for (name, tally) in &s.files {
            let dict = PyDict::new(py);
            dict.set_item("path", name)?;
            for (k, v) in tally_dict(py, tally)?.iter() {
                dict.set_item(k, v)?;
            }
            files.append(dict)?;
        }
        out.set_item("files", files)?;
        let mut stats: Vec<_> = ALL_CODES
            .iter()
            .zip(&s.stats)
            .filter_map(|(code, stat)| stat.as_ref().map(|stat| (code, stat)))
            .collect();
        stats.sort_by(|a, b| b.1.count.cmp(&a.1.count).then(a.0.slug().cmp(b.0.slug())));
        let by_code = PyList::empty(py);
        for (code, stat) in stats {
            let dict = PyDict::new(py);
            dict.set_item("code", code.slug())?;
            dict.set_item("severity", severity(code.is_warning()))?;
            dict.set_item("count", stat.count)?;
            dict.set_item("first_file", &s.files[stat.first_file].0)?;
            dict.set_item("first_line", stat.first_line)?;
            dict.set_item("example", &stat.example)?;
            by_code.append(dict)?;
        }
        out.set_item("by_code", by_code)?;
        let problems = PyList::empty(py);
        for p in &s.problems {
            let dict = PyDict::new(py);
            dict.set_item("file", &s.files[p.file].0)?;
            dict.set_item("line", p.line)?;
            dict.set_item("severity", severity(p.code.is_warning()))?;
            dict.set_item("code", p.code.slug())?;
            dict.set_item("path", &p.path)?;
            dict.set_item("message", &p.message)?;
            problems.append(dict)?;
        }
        out.set_item("problems", problems)?;
        Ok(out)
    }
}

/// The bytes of a C-contiguous buffer, which must not change while they are read:
/// callers hand a buffer over and wait for the call to return.
fn contiguous(data: &PyBuffer<u8>) -> PyResult<&[u8]> {
    if !data.is_c_contiguous() {
        return Err(pyo3::exceptions::PyValueError::new_err(
            "the buffer must be contiguous",
        ));
    }
    // SAFETY: a contiguous buffer of len_bytes() bytes, kept alive by `data`.
    Ok(unsafe { std::slice::from_raw_parts(data.buf_ptr() as *const u8, data.len_bytes()) })
}

impl Validator {
    fn outputs<'py>(&mut self, py: Python<'py>) -> (Bound<'py, PyBytes>, Bound<'py, PyBytes>) {
        let (valid, invalid) = self.scanner.take_outputs();
        (PyBytes::new(py, &valid), PyBytes::new(py, &invalid))
    }
}

/// The verdict on one line's body: (valid, [(code, path, message), ...]).
#[pyfunction]
#[pyo3(signature = (line, time_fields=None))]
fn check_line(
    line: &[u8],
    time_fields: Option<Vec<String>>,
) -> (bool, Vec<(String, String, String)>) {
    let fields = time_fields.unwrap_or_else(|| vocabulary().time_fields.clone());
    let mut doc = Doc::default();
    let mut findings: Vec<Finding> = Vec::new();
    let valid = line_findings(line, &mut doc, &fields, &mut findings).is_some();
    let listed = findings
        .into_iter()
        .map(|f| (f.code.slug().to_string(), f.path, f.message))
        .collect();
    (valid, listed)
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Validator>()?;
    m.add_function(wrap_pyfunction!(check_line, m)?)?;
    m.add("MAX_DEPTH", MAX_DEPTH)?;
    Ok(())
}
