//! The report's partial result in Python: merge, counters, and tables as Arrow columns.

use super::*;
use crate::report::{Counters, Tables};

/// The report's mergeable partial result (see src/report.rs): columns for Polars.
#[pyclass(name = "Partial", module = "interact_cli._core")]
pub struct PyPartial {
    pub(super) inner: Partial,
    /// The tables taken out by `table` (each can be had once): a partial missing some
    /// can no longer be merged or written, whose codes would point nowhere.
    taken: Vec<String>,
}

impl PyPartial {
    pub(super) fn new(inner: Partial) -> PyPartial {
        PyPartial {
            inner,
            taken: Vec::new(),
        }
    }

    fn whole(&self, what: &str) -> PyResult<()> {
        match self.taken.first() {
            None => Ok(()),
            Some(name) => Err(PyValueError::new_err(format!(
                "cannot {what} a partial whose table '{name}' was taken"
            ))),
        }
    }
}

fn u32s(values: impl Iterator<Item = u32>) -> Column {
    Column::new(Values::U32(values.collect()))
}

fn u64s(values: impl Iterator<Item = u64>) -> Column {
    Column::new(Values::U64(values.collect()))
}

fn i64s(values: impl Iterator<Item = i64>) -> Column {
    Column::new(Values::I64(values.collect()))
}

#[pymethods]
impl PyPartial {
    /// Add a later partial (of the inputs after these) to this one, exactly.
    fn merge(&mut self, py: Python<'_>, other: PyRef<'_, PyPartial>) -> PyResult<()> {
        self.whole("merge into")?;
        other.whole("merge")?;
        let other = &other.inner;
        let inner = &mut self.inner;
        // Not compacted here: pairs compact themselves as they grow, and `table` compacts
        // what is left (a merge of many partials sorted everything after each one).
        py.detach(|| inner.merge(other));
        Ok(())
    }

    /// Deduplicate the user pairs now (before `to_bytes`, to ship less).
    fn compact(&mut self, py: Python<'_>) {
        let inner = &mut self.inner;
        py.detach(|| inner.compact());
    }

    /// The partial as bytes, to ship to another process or machine.
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        self.whole("write")?;
        let inner = &self.inner;
        let data = py.detach(|| inner.to_bytes());
        Ok(PyBytes::new(py, &data))
    }

    /// A partial from `to_bytes` (or from `data[start:end]`, not copied: a state file
    /// holds one between its header and its checksum); ValueError for anything else.
    #[staticmethod]
    #[pyo3(signature = (data, start=0, end=None))]
    fn from_bytes(
        py: Python<'_>,
        data: &[u8],
        start: usize,
        end: Option<usize>,
    ) -> PyResult<PyPartial> {
        let data = data
            .get(start..end.unwrap_or(data.len()))
            .ok_or_else(|| PyValueError::new_err("start or end outside the bytes"))?;
        let inner = py
            .detach(|| Partial::from_bytes(data))
            .map_err(PyValueError::new_err)?;
        Ok(PyPartial::new(inner))
    }

    /// Pickling goes through the bytes (Dask and multiprocessing ship partials so).
    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
        let py = slf.py();
        let data = slf.borrow().to_bytes(py)?;
        let from_bytes = py.get_type::<PyPartial>().getattr("from_bytes")?;
        Ok((from_bytes, (data,)))
    }

    /// Counters: events by type, unattributed, untimed, outside, saw_time; distinct users,
    /// set ids and skus (every one met, with or without a row in the tables).
    fn counters<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let p = &self.inner;
        counters(py, &p.counters, [p.users.len(), p.sets.len(), p.skus.len()])
    }

    /// One table of the partial as {column: Column}; codes index the dictionaries
    /// (`sets`, `skus`, `actions`, `currencies`: one `value` column each; `periods`: a
    /// `start` column). An absent set, action or period (no --interval) is code
    /// 4294967295, an absent time (and the period `unknown`'s start) -2**63.
    ///
    /// Each table is taken out of the partial (Polars then owns the columns, and the peak
    /// memory is not the partial plus its frames): it can be had once.
    fn table<'py>(&mut self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyDict>> {
        self.inner.compact();
        table_of(py, &mut self.taken, name, |want| match want {
            Want::Take(name) => self.inner.take(name).map(Tables::from),
            Want::Total(views) => Some(self.inner.totals(views)),
        })
    }
}

/// What `table_of` asks of a partial or its tables.
enum Want<'a> {
    /// Take this table out.
    Take(&'a str),
    /// The counts (false) or views (true) summed over periods.
    Total(bool),
}

/// The table `name` (once; `counts_total` and `views_total` any number of times before
/// the counts or views are taken) as {column: Column}, from `get`.
fn table_of<'py>(
    py: Python<'py>,
    taken: &mut Vec<String>,
    name: &str,
    get: impl FnOnce(Want<'_>) -> Option<Tables>,
) -> PyResult<Bound<'py, PyDict>> {
    let no_table = || PyValueError::new_err(format!("no table {name}"));
    if taken.iter().any(|taken| taken == name) {
        return Err(PyValueError::new_err(format!(
            "the table '{name}' was taken already: each table can be had once"
        )));
    }
    if let Some(base) = name.strip_suffix("_total") {
        if base != "counts" && base != "views" {
            return Err(no_table());
        }
        if taken.iter().any(|taken| taken == base) {
            return Err(PyValueError::new_err(format!(
                "the table '{base}' was taken already: ask for its total before it"
            )));
        }
        let total = get(Want::Total(base == "views")).ok_or_else(no_table)?;
        return table(py, total, base);
    }
    let piece = get(Want::Take(name)).ok_or_else(no_table)?;
    taken.push(name.to_string());
    table(py, piece, name)
}

/// Counters as a dict; `sizes`: distinct users, sets and skus.
fn counters<'py>(py: Python<'py>, c: &Counters, sizes: [usize; 3]) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    let events = PyDict::new(py);
    for kind in EventKind::ALL {
        events.set_item(kind.name(), c.events[kind as usize])?;
    }
    out.set_item("events", events)?;
    out.set_item("unattributed", c.unattributed)?;
    out.set_item("untimed", c.untimed)?;
    out.set_item("outside", c.outside)?;
    out.set_item("saw_time", c.saw_time)?;
    for (name, size) in ["users", "sets", "skus"].into_iter().zip(sizes) {
        out.set_item(name, size)?;
    }
    Ok(out)
}

/// The table `name` of `p` (which holds it: taken out of a partial) as {column: Column}.
fn table<'py>(py: Python<'py>, p: Tables, name: &str) -> PyResult<Bound<'py, PyDict>> {
    let columns: Vec<(&str, Column)> = match name {
        "counts" => vec![
            ("set", u32s(p.counts.iter().map(|r| r.0 .0))),
            ("sku", u32s(p.counts.iter().map(|r| r.0 .1))),
            ("action", u32s(p.counts.iter().map(|r| r.0 .2))),
            ("period", u32s(p.counts.iter().map(|r| r.0 .3))),
            ("n", u64s(p.counts.iter().map(|r| r.1))),
        ],
        "views" => vec![
            ("set", u32s(p.views.iter().map(|r| r.0 .0))),
            ("period", u32s(p.views.iter().map(|r| r.0 .1))),
            ("n", u64s(p.views.iter().map(|r| r.1))),
        ],
        "periods" => vec![("start", i64s(p.periods.iter().copied()))],
        "set_users" => {
            let (keys, users) = p.set_users.users_per_key();
            vec![
                ("set", u32s(keys.into_iter())),
                ("users", u64s(users.into_iter())),
            ]
        }
        "sku_users" => {
            let (keys, users) = p.sku_users.users_per_key();
            vec![
                ("sku", u32s(keys.into_iter())),
                ("users", u64s(users.into_iter())),
            ]
        }
        "first_carts" => vec![
            ("user", u32s(p.first_carts.iter().map(|r| r.0 .0))),
            ("sku", u32s(p.first_carts.iter().map(|r| r.0 .1))),
            ("set", u32s(p.first_carts.iter().map(|r| r.0 .2))),
            ("seq", u64s(p.first_carts.iter().map(|r| r.1.seq))),
            ("time", i64s(p.first_carts.iter().map(|r| r.1.time))),
        ],
        "orders" => vec![
            ("user", u32s(p.orders.iter().map(|r| r.user))),
            ("sku", u32s(p.orders.iter().map(|r| r.sku))),
            ("seq", u64s(p.orders.iter().map(|r| r.seq))),
            ("time", i64s(p.orders.iter().map(|r| r.time))),
            ("micros", i64s(p.orders.iter().map(|r| r.micros))),
            ("currency", u32s(p.orders.iter().map(|r| r.currency))),
        ],
        "user_sums" => {
            let rows = &p.user_sums;
            let count = |slot: usize| u64s(rows.iter().map(move |r| r.1[slot]));
            vec![
                ("set", u32s(rows.iter().map(|r| r.0 .0))),
                ("sku", u32s(rows.iter().map(|r| r.0 .1))),
                ("user", u32s(rows.iter().map(|r| r.0 .2))),
                ("period", u32s(rows.iter().map(|r| r.0 .3))),
                ("views", count(0)),
                ("clicks", count(1)),
                ("carts", count(2)),
            ]
        }
        "sets" => vec![("value", Column::new(Values::text(p.sets.values())))],
        "skus" => vec![("value", Column::new(Values::text(p.skus.values())))],
        "actions" => vec![("value", Column::new(Values::text(p.actions.values())))],
        "currencies" => vec![("value", Column::new(Values::text(p.currencies.values())))],
        _ => return Err(PyValueError::new_err(format!("no table {name}"))),
    };
    let out = PyDict::new(py);
    for (column, values) in columns {
        out.set_item(column, Py::new(py, values)?)?;
    }
    Ok(out)
}

/// A partial's tables read from its bytes for a report: `table` and `counters` as a
/// `Partial` has them, without the hash maps of a merge (it cannot merge or be written).
#[pyclass(name = "Tables", module = "interact_cli._core")]
pub struct PyTables {
    inner: Tables,
    taken: Vec<String>,
}

#[pymethods]
impl PyTables {
    /// The tables of `data[start:end]` (`Partial.to_bytes`); with `periods` False, the
    /// counts and views summed over periods. ValueError for anything but a partial.
    #[staticmethod]
    #[pyo3(signature = (data, start=0, end=None, periods=true))]
    fn from_bytes(
        py: Python<'_>,
        data: &[u8],
        start: usize,
        end: Option<usize>,
        periods: bool,
    ) -> PyResult<PyTables> {
        let data = data
            .get(start..end.unwrap_or(data.len()))
            .ok_or_else(|| PyValueError::new_err("start or end outside the bytes"))?;
        let inner = py
            .detach(|| {
                let mut tables = Tables::from_bytes(data)?;
                if !periods {
                    tables.sum_periods();
                }
                Ok::<Tables, String>(tables)
            })
            .map_err(PyValueError::new_err)?;
        Ok(PyTables {
            inner,
            taken: Vec::new(),
        })
    }

    /// As `Partial.counters`.
    fn counters<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let t = &self.inner;
        counters(py, &t.counters, [t.users.len(), t.sets.len(), t.skus.len()])
    }

    /// As `Partial.table`: each table can be had once.
    fn table<'py>(&mut self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyDict>> {
        table_of(py, &mut self.taken, name, |want| match want {
            Want::Take(name) => self.inner.take(name),
            Want::Total(views) => Some(self.inner.totals(views)),
        })
    }
}
