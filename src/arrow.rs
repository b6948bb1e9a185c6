//! Columns handed to Polars through the Arrow PyCapsule interface, without arrow crates.
//!
//! Only what the report and export need: unsigned and signed integers, floats, UTC
//! timestamps, decimals, large UTF-8, large lists and structs, with nulls.
//! A column is exported once: its buffers move into the array, which Polars then owns
//! (and frees through `release`), so no row ever becomes a Python object.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyCapsule;
use std::ffi::{c_char, c_void, CString};
use std::ptr;

#[repr(C)]
pub struct ArrowSchema {
    format: *const c_char,
    name: *const c_char,
    metadata: *const c_char,
    flags: i64,
    n_children: i64,
    children: *mut *mut ArrowSchema,
    dictionary: *mut ArrowSchema,
    release: Option<unsafe extern "C" fn(*mut ArrowSchema)>,
    private_data: *mut c_void,
}

#[repr(C)]
pub struct ArrowArray {
    length: i64,
    null_count: i64,
    offset: i64,
    n_buffers: i64,
    n_children: i64,
    buffers: *mut *const c_void,
    children: *mut *mut ArrowArray,
    dictionary: *mut ArrowArray,
    release: Option<unsafe extern "C" fn(*mut ArrowArray)>,
    private_data: *mut c_void,
}

// SAFETY: the structs own what they point to (through private_data) and are handed over
// whole; nothing else holds their pointers.
unsafe impl Send for ArrowSchema {}
unsafe impl Send for ArrowArray {}

/// The values of one column.
pub enum Values {
    U8(Vec<u8>),
    U32(Vec<u32>),
    U64(Vec<u64>),
    I64(Vec<i64>),
    F64(Vec<f64>),
    /// Microseconds since the epoch, in UTC.
    Timestamp(Vec<i64>),
    /// 128-bit decimal: (unscaled values, precision, scale).
    Decimal(Vec<i128>, u8, u8),
    /// Large UTF-8: offsets (len + 1) and the bytes.
    Text(Vec<i64>, Vec<u8>),
    /// A large list: offsets (len + 1) into its one child.
    List(Vec<i64>, Box<Array>),
    /// A struct of named children of its length.
    Struct(Vec<Array>),
}

impl Values {
    /// Strings as a large UTF-8 column.
    pub fn text<'a>(strings: impl IntoIterator<Item = &'a str>) -> Values {
        let mut offsets = vec![0i64];
        let mut data = Vec::new();
        for s in strings {
            data.extend_from_slice(s.as_bytes());
            offsets.push(data.len() as i64);
        }
        Values::Text(offsets, data)
    }

    fn len(&self) -> usize {
        match self {
            Values::U8(v) => v.len(),
            Values::U32(v) => v.len(),
            Values::U64(v) => v.len(),
            Values::I64(v) | Values::Timestamp(v) => v.len(),
            Values::F64(v) => v.len(),
            Values::Decimal(v, ..) => v.len(),
            Values::Text(offsets, _) | Values::List(offsets, _) => offsets.len() - 1,
            Values::Struct(children) => children.first().map_or(0, |c| c.values.len()),
        }
    }

    fn format(&self) -> String {
        match self {
            Values::U8(_) => "C".into(),
            Values::U32(_) => "I".into(),
            Values::U64(_) => "L".into(),
            Values::I64(_) => "l".into(),
            Values::F64(_) => "g".into(),
            Values::Timestamp(_) => "tsu:UTC".into(),
            Values::Decimal(_, precision, scale) => format!("d:{precision},{scale}"),
            Values::Text(..) => "U".into(),
            Values::List(..) => "+L".into(),
            Values::Struct(_) => "+s".into(),
        }
    }

    /// The data buffers after the validity bitmap.
    fn buffers(&self) -> Vec<*const c_void> {
        fn at<T>(v: &[T]) -> *const c_void {
            v.as_ptr() as *const c_void
        }
        match self {
            Values::U8(v) => vec![at(v)],
            Values::U32(v) => vec![at(v)],
            Values::U64(v) => vec![at(v)],
            Values::I64(v) | Values::Timestamp(v) => vec![at(v)],
            Values::F64(v) => vec![at(v)],
            Values::Decimal(v, ..) => vec![at(v)],
            Values::Text(offsets, data) => vec![at(offsets), at(data)],
            Values::List(offsets, _) => vec![at(offsets)],
            Values::Struct(_) => vec![],
        }
    }
}

/// A column: its values, a name (for a struct's fields) and which values are null.
pub struct Array {
    pub name: String,
    pub values: Values,
    /// Arrow's validity bitmap (bit i of byte i / 8 set: value i is there), when some
    /// value is null.
    pub validity: Option<Vec<u8>>,
    pub nulls: usize,
}

impl Array {
    /// A column without nulls.
    pub fn new(name: &str, values: Values) -> Array {
        Array {
            name: name.to_string(),
            values,
            validity: None,
            nulls: 0,
        }
    }

    /// A column whose value i is null where `present` has bit i clear.
    pub fn with_validity(name: &str, values: Values, present: Bitmap) -> Array {
        let nulls = present.nulls;
        Array {
            name: name.to_string(),
            values,
            validity: (nulls > 0).then_some(present.bits),
            nulls,
        }
    }
}

/// A validity bitmap built a value at a time.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Bitmap {
    bits: Vec<u8>,
    len: usize,
    nulls: usize,
}

impl Bitmap {
    pub fn push(&mut self, present: bool) {
        if self.len.is_multiple_of(8) {
            self.bits.push(0);
        }
        if present {
            if let Some(last) = self.bits.last_mut() {
                *last |= 1 << (self.len % 8);
            }
        } else {
            self.nulls += 1;
        }
        self.len += 1;
    }

    /// Append bits `rows` of `other`.
    pub fn extend_from(&mut self, other: &Bitmap, rows: std::ops::Range<usize>) {
        for i in rows {
            self.push(other.get(i));
        }
    }

    pub fn get(&self, i: usize) -> bool {
        self.bits
            .get(i / 8)
            .is_some_and(|b| b & (1 << (i % 8)) != 0)
    }
}

struct SchemaData {
    _format: CString,
    _name: CString,
    children: Vec<*mut ArrowSchema>,
}

struct ArrayData {
    _values: Values,
    _validity: Option<Vec<u8>>,
    buffers: Box<[*const c_void]>,
    children: Vec<*mut ArrowArray>,
}

unsafe extern "C" fn release_schema(schema: *mut ArrowSchema) {
    if let Some(schema) = schema.as_mut() {
        let data = Box::from_raw(schema.private_data as *mut SchemaData);
        for &child in &data.children {
            if let Some(release) = (*child).release {
                release(child);
            }
            drop(Box::from_raw(child));
        }
        drop(data);
        schema.release = None;
    }
}

unsafe extern "C" fn release_array(array: *mut ArrowArray) {
    if let Some(array) = array.as_mut() {
        let data = Box::from_raw(array.private_data as *mut ArrayData);
        for &child in &data.children {
            if let Some(release) = (*child).release {
                release(child);
            }
            drop(Box::from_raw(child));
        }
        drop(data);
        array.release = None;
    }
}

/// Text for a C string: a NUL (which a name from the data could hold) would cut it.
fn c_string(text: &str) -> CString {
    CString::new(text.replace('\0', "\u{fffd}")).unwrap_or_default()
}

/// The children of a column, in the order of its format.
fn children(values: &Values) -> Vec<&Array> {
    match values {
        Values::List(_, child) => vec![child],
        Values::Struct(children) => children.iter().collect(),
        _ => Vec::new(),
    }
}

fn schema(array: &Array) -> ArrowSchema {
    let children: Vec<*mut ArrowSchema> = children(&array.values)
        .into_iter()
        .map(|child| Box::into_raw(Box::new(schema(child))))
        .collect();
    let data = Box::new(SchemaData {
        _format: c_string(&array.values.format()),
        _name: c_string(&array.name),
        children,
    });
    const NULLABLE: i64 = 2; // ARROW_FLAG_NULLABLE
    ArrowSchema {
        format: data._format.as_ptr(),
        name: data._name.as_ptr(),
        metadata: ptr::null(),
        flags: NULLABLE,
        n_children: data.children.len() as i64,
        children: data.children.as_ptr() as *mut *mut ArrowSchema,
        dictionary: ptr::null_mut(),
        release: Some(release_schema),
        private_data: Box::into_raw(data) as *mut c_void,
    }
}

fn array(column: Array) -> ArrowArray {
    let Array {
        values,
        validity,
        nulls,
        ..
    } = column;
    let length = values.len() as i64;
    let mut buffers = vec![validity
        .as_ref()
        .map_or(ptr::null(), |v| v.as_ptr() as *const c_void)];
    buffers.extend(values.buffers());
    // The children's buffers move with them (a Vec's heap data stays where it is).
    let (values, children) = match values {
        Values::List(offsets, child) => (
            Values::List(offsets, Box::new(Array::new("", Values::U8(Vec::new())))),
            vec![*child],
        ),
        Values::Struct(children) => (Values::Struct(Vec::new()), children),
        other => (other, Vec::new()),
    };
    let children: Vec<*mut ArrowArray> = children
        .into_iter()
        .map(|child| Box::into_raw(Box::new(array(child))))
        .collect();
    let mut data = Box::new(ArrayData {
        _values: values,
        _validity: validity,
        buffers: buffers.into_boxed_slice(),
        children,
    });
    ArrowArray {
        length,
        null_count: nulls as i64,
        offset: 0,
        n_buffers: data.buffers.len() as i64,
        n_children: data.children.len() as i64,
        buffers: data.buffers.as_mut_ptr(),
        children: data.children.as_mut_ptr(),
        dictionary: ptr::null_mut(),
        release: Some(release_array),
        private_data: Box::into_raw(data) as *mut c_void,
    }
}

/// One column for `polars.Series(column)`; it can be exported once.
#[pyclass(module = "interact_cli._core")]
pub struct Column {
    values: Option<Array>,
}

impl Column {
    pub fn new(values: Values) -> Column {
        Column::of(Array::new("", values))
    }

    /// A column of any type, nulls and children included.
    pub fn of(array: Array) -> Column {
        Column {
            values: Some(array),
        }
    }
}

#[pymethods]
impl Column {
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_array__<'py>(
        &mut self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<(Bound<'py, PyCapsule>, Bound<'py, PyCapsule>)> {
        let _ = requested_schema; // we export our own types; callers cast if they want
        let values = self
            .values
            .take()
            .ok_or_else(|| PyValueError::new_err("this column was exported already"))?;
        let schema = PyCapsule::new_with_destructor(
            py,
            schema(&values),
            Some(CString::new("arrow_schema").expect("no NUL")),
            |mut s: ArrowSchema, _| {
                if let Some(release) = s.release {
                    // SAFETY: not moved out by a consumer (release is still set).
                    unsafe { release(&mut s) }
                }
            },
        )?;
        let array = PyCapsule::new_with_destructor(
            py,
            array(values),
            Some(CString::new("arrow_array").expect("no NUL")),
            |mut a: ArrowArray, _| {
                if let Some(release) = a.release {
                    // SAFETY: as above.
                    unsafe { release(&mut a) }
                }
            },
        )?;
        Ok((schema, array))
    }

    fn __len__(&self) -> usize {
        self.values.as_ref().map_or(0, |a| a.values.len())
    }
}
