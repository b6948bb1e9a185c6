//! Columns handed to Polars through the Arrow PyCapsule interface, without arrow crates.
//!
//! Only what the report needs: non-null uint32, uint64, int64 and large UTF-8 arrays.
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
    U32(Vec<u32>),
    U64(Vec<u64>),
    I64(Vec<i64>),
    /// Large UTF-8: offsets (len + 1) and the bytes.
    Text(Vec<i64>, Vec<u8>),
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
            Values::U32(v) => v.len(),
            Values::U64(v) => v.len(),
            Values::I64(v) => v.len(),
            Values::Text(offsets, _) => offsets.len() - 1,
        }
    }

    fn format(&self) -> &'static str {
        match self {
            Values::U32(_) => "I",
            Values::U64(_) => "L",
            Values::I64(_) => "l",
            Values::Text(..) => "U",
        }
    }
}

struct SchemaData {
    _format: CString,
    _name: CString,
}

struct ArrayData {
    _values: Values,
    buffers: Box<[*const c_void]>,
}

unsafe extern "C" fn release_schema(schema: *mut ArrowSchema) {
    if let Some(schema) = schema.as_mut() {
        drop(Box::from_raw(schema.private_data as *mut SchemaData));
        schema.release = None;
    }
}

unsafe extern "C" fn release_array(array: *mut ArrowArray) {
    if let Some(array) = array.as_mut() {
        drop(Box::from_raw(array.private_data as *mut ArrayData));
        array.release = None;
    }
}

fn schema(format: &str) -> ArrowSchema {
    let data = Box::new(SchemaData {
        _format: CString::new(format).expect("no NUL"),
        _name: CString::new("").expect("no NUL"),
    });
    ArrowSchema {
        format: data._format.as_ptr(),
        name: data._name.as_ptr(),
        metadata: ptr::null(),
        flags: 0,
        n_children: 0,
        children: ptr::null_mut(),
        dictionary: ptr::null_mut(),
        release: Some(release_schema),
        private_data: Box::into_raw(data) as *mut c_void,
    }
}

fn array(values: Values) -> ArrowArray {
    let length = values.len() as i64;
    let buffers: Box<[*const c_void]> = match &values {
        Values::U32(v) => Box::new([ptr::null(), v.as_ptr() as *const c_void]),
        Values::U64(v) => Box::new([ptr::null(), v.as_ptr() as *const c_void]),
        Values::I64(v) => Box::new([ptr::null(), v.as_ptr() as *const c_void]),
        Values::Text(offsets, data) => Box::new([
            ptr::null(),
            offsets.as_ptr() as *const c_void,
            data.as_ptr() as *const c_void,
        ]),
    };
    let mut data = Box::new(ArrayData {
        _values: values,
        buffers,
    });
    ArrowArray {
        length,
        null_count: 0,
        offset: 0,
        n_buffers: data.buffers.len() as i64,
        n_children: 0,
        buffers: data.buffers.as_mut_ptr(),
        children: ptr::null_mut(),
        dictionary: ptr::null_mut(),
        release: Some(release_array),
        private_data: Box::into_raw(data) as *mut c_void,
    }
}

/// One column for `polars.Series(column)`; it can be exported once.
#[pyclass(module = "interact_cli._core")]
pub struct Column {
    values: Option<Values>,
}

impl Column {
    pub fn new(values: Values) -> Column {
        Column {
            values: Some(values),
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
            schema(values.format()),
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
        self.values.as_ref().map_or(0, Values::len)
    }
}
