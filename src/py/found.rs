//! What a scan found, as plain Python data: summary, files, counts by code, problems.

use super::*;

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

pub(super) fn found<'py, S: crate::scan::FactsSink>(
    py: Python<'py>,
    s: &Scanner<S>,
    names: &[Py<PyString>],
) -> PyResult<Bound<'py, PyDict>> {
    // A file by its index: the name Python gave (the scanner's is lossy for non-UTF-8).
    let name = |index: usize| -> PyResult<Bound<'py, PyAny>> {
        match names.get(index) {
            Some(name) => Ok(name.bind(py).clone().into_any()),
            None => Ok(PyString::new(py, &s.files[index].0).into_any()),
        }
    };
    let out = PyDict::new(py);
    out.set_item("summary", tally_dict(py, &s.total)?)?;
    let files = PyList::empty(py);
    for (index, (_, tally)) in s.files.iter().enumerate() {
        let dict = PyDict::new(py);
        dict.set_item("path", name(index)?)?;
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
        dict.set_item("first_file", name(stat.first_file)?)?;
        dict.set_item("first_line", stat.first_line)?;
        dict.set_item("example", &stat.example)?;
        by_code.append(dict)?;
    }
    out.set_item("by_code", by_code)?;
    let problems = PyList::empty(py);
    for p in &s.problems {
        let dict = PyDict::new(py);
        dict.set_item("file", name(p.file)?)?;
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
