//! A buffer owned by the kernel, which Python reads input into (`readinto`) and a scan
//! reads in place: while a scan reads it, it lends no view (BufferError). So the bytes
//! cannot change under the scan's checks (UTF-8) while the GIL is released, and need no
//! copy (a copy of every chunk cost `validate` 6%). Should a view lent before still be
//! alive (a stream that kept one), the scan copies the bytes instead.

use pyo3::buffer::PyBuffer;
use pyo3::exceptions::{PyBufferError, PyValueError};
use pyo3::ffi;
use pyo3::prelude::*;
use std::ffi::{c_int, c_void};

/// The largest buffer: more than a chunk ever needs, and never an allocation a caller
/// can make fail.
const MAX_SIZE: usize = 1 << 30;

#[pyclass(module = "interact_cli._core")]
pub struct Buffer {
    data: Vec<u8>,
    /// Views lent to Python and not yet released.
    views: usize,
    /// Scans reading the bytes now (the GIL is released meanwhile): two scans may read
    /// one buffer at once, and no view is lent until both are done.
    readers: usize,
}

#[pymethods]
impl Buffer {
    /// A zeroed buffer of `size` bytes (at most 1 GiB), for `readinto` and `Scan.feed`.
    #[new]
    fn new(size: usize) -> PyResult<Buffer> {
        if size > MAX_SIZE {
            return Err(PyValueError::new_err(format!(
                "a buffer holds at most {MAX_SIZE} bytes, not {size}"
            )));
        }
        Ok(Buffer {
            data: vec![0; size],
            views: 0,
            readers: 0,
        })
    }

    fn __len__(&self) -> usize {
        self.data.len()
    }

    /// Lend a writable view of the whole buffer (memoryview(buffer)).
    ///
    /// # Safety
    /// Called by Python with a valid `view` to fill; the data is never resized, and the
    /// view holds a reference to the buffer, so its pointer stays valid while it lives.
    unsafe fn __getbuffer__(
        slf: Bound<'_, Self>,
        view: *mut ffi::Py_buffer,
        flags: c_int,
    ) -> PyResult<()> {
        if view.is_null() {
            return Err(PyBufferError::new_err("no view to fill"));
        }
        let (pointer, len) = {
            let mut me = slf.try_borrow_mut()?;
            if me.readers > 0 {
                return Err(PyBufferError::new_err("the kernel is reading this buffer"));
            }
            me.views += 1;
            (me.data.as_mut_ptr(), me.data.len())
        };
        // SAFETY: `view` is not null and Python gives it to be filled in.
        unsafe {
            (*view).obj = slf.into_any().into_ptr();
            (*view).buf = pointer as *mut c_void;
            (*view).len = len as isize;
            (*view).readonly = 0;
            (*view).itemsize = 1;
            (*view).format = if flags & ffi::PyBUF_FORMAT == ffi::PyBUF_FORMAT {
                c"B".as_ptr() as *mut _
            } else {
                std::ptr::null_mut()
            };
            (*view).ndim = 1;
            (*view).shape = if flags & ffi::PyBUF_ND == ffi::PyBUF_ND {
                &mut (*view).len
            } else {
                std::ptr::null_mut()
            };
            (*view).strides = if flags & ffi::PyBUF_STRIDES == ffi::PyBUF_STRIDES {
                &mut (*view).itemsize
            } else {
                std::ptr::null_mut()
            };
            (*view).suboffsets = std::ptr::null_mut();
            (*view).internal = std::ptr::null_mut();
        }
        Ok(())
    }

    /// A view was released.
    ///
    /// # Safety
    /// Called by Python once for each view `__getbuffer__` lent.
    unsafe fn __releasebuffer__(&mut self, _view: *mut ffi::Py_buffer) {
        self.views = self.views.saturating_sub(1);
    }
}

impl Buffer {
    /// Mark the bytes as being read and hand them out, lending no view until the returned
    /// guard is dropped; None while a view lent before is alive (whoever holds it could
    /// write meanwhile: the caller copies the bytes).
    pub(super) fn lend<'a, 'py>(
        slf: &'a Bound<'py, Buffer>,
    ) -> PyResult<Option<(Reading<'a, 'py>, *const u8, usize)>> {
        let mut me = slf.try_borrow_mut()?;
        if me.views > 0 {
            return Ok(None);
        }
        me.readers += 1;
        Ok(Some((Reading(slf), me.data.as_ptr(), me.data.len())))
    }

    pub(super) fn bytes(&self) -> &[u8] {
        &self.data
    }
}

/// A scan reading a buffer: dropped when it is done, even by a panic, so the buffer lends
/// views again once no scan reads it.
pub(super) struct Reading<'a, 'py>(&'a Bound<'py, Buffer>);

impl Drop for Reading<'_, '_> {
    fn drop(&mut self) {
        if let Ok(mut me) = self.0.try_borrow_mut() {
            me.readers = me.readers.saturating_sub(1);
        }
    }
}

/// `bytes` copied into the scan's reused buffer (read while the GIL is held).
pub(super) fn copied<'a>(copy: &'a mut Vec<u8>, bytes: &[u8]) -> &'a [u8] {
    copy.clear();
    copy.extend_from_slice(bytes);
    copy
}

/// The first `size` bytes (all without a size); a size beyond them is an error.
pub(super) fn first(bytes: &[u8], size: Option<usize>) -> PyResult<&[u8]> {
    match size {
        None => Ok(bytes),
        Some(size) => bytes.get(..size).ok_or_else(|| {
            PyValueError::new_err(format!("{size} bytes of a buffer of {}", bytes.len()))
        }),
    }
}

/// The bytes of a C-contiguous buffer, read with the GIL held (so no Python code runs
/// meanwhile: they are copied before it is released).
pub(super) fn contiguous(data: &PyBuffer<u8>) -> PyResult<&[u8]> {
    if !data.is_c_contiguous() {
        return Err(pyo3::exceptions::PyValueError::new_err(
            "the buffer must be contiguous",
        ));
    }
    // SAFETY: a contiguous buffer of len_bytes() bytes, kept alive by `data`.
    Ok(unsafe { std::slice::from_raw_parts(data.buf_ptr() as *const u8, data.len_bytes()) })
}
