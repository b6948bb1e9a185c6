//! A 128-bit content fingerprint (XXH3-128) of a stream fed in pieces: the identity of
//! an ingested input, and the checksum of a state file. Not a cryptographic hash: it
//! tells the same bytes from different ones, it does not resist a forger (who could
//! write any state anyway).
//!
//! With a block size, the fingerprint is a two-level tree: XXH3-128 of the 16-byte
//! (big-endian) XXH3-128 digests of each block of `block` bytes (the last one may be
//! shorter), followed by the byte count as a little-endian u64. Tasks of a cluster hash
//! their block-aligned ranges of a file apart, and the client combines their digests into
//! the fingerprint one pass over the whole file gives.

use super::{contiguous, first};
use pyo3::buffer::PyBuffer;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use xxhash_rust::xxh3::Xxh3;

const DIGEST: usize = 16;

#[pyclass(module = "interact_cli._core")]
pub struct Fingerprint {
    hasher: Xxh3,
    bytes: u64,
    /// The tree's block size (None: one XXH3-128 over all the bytes).
    block: Option<u64>,
    /// Bytes of the current block so far (tree mode).
    in_block: u64,
    /// The digests of the finished blocks, in order (tree mode).
    digests: Vec<u8>,
}

fn combined(digests: &[u8], last: Option<u128>, bytes: u64) -> String {
    let mut outer = Xxh3::new();
    outer.update(digests);
    if let Some(last) = last {
        outer.update(&last.to_be_bytes());
    }
    outer.update(&bytes.to_le_bytes());
    format!("{:032x}", outer.digest128())
}

impl Fingerprint {
    fn add(&mut self, mut bytes: &[u8]) {
        self.bytes += bytes.len() as u64;
        let Some(block) = self.block else {
            self.hasher.update(bytes);
            return;
        };
        while !bytes.is_empty() {
            let room = usize::try_from(block - self.in_block).unwrap_or(usize::MAX);
            let (now, rest) = bytes.split_at(room.min(bytes.len()));
            self.hasher.update(now);
            self.in_block += now.len() as u64;
            if self.in_block == block {
                self.digests
                    .extend_from_slice(&self.hasher.digest128().to_be_bytes());
                self.hasher.reset();
                self.in_block = 0;
            }
            bytes = rest;
        }
    }

    fn pending(&self) -> Option<u128> {
        (self.in_block > 0).then(|| self.hasher.digest128())
    }
}

#[pymethods]
impl Fingerprint {
    /// A fingerprint of one XXH3-128, or (with `block`) of a tree of blocks of that size.
    #[new]
    #[pyo3(signature = (block=None))]
    fn new(block: Option<u64>) -> PyResult<Fingerprint> {
        if block == Some(0) {
            return Err(PyValueError::new_err("block: a positive number of bytes"));
        }
        Ok(Fingerprint {
            hasher: Xxh3::new(),
            bytes: 0,
            block,
            in_block: 0,
            digests: Vec::new(),
        })
    }

    /// Add the first `size` bytes of `data` (all without a size). The GIL is held: at
    /// >10 GB/s a chunk takes about a millisecond, and nothing can change the bytes.
    #[pyo3(signature = (data, size=None))]
    fn update(&mut self, data: &Bound<'_, PyAny>, size: Option<usize>) -> PyResult<()> {
        let view; // a buffer's view, released when the bytes are hashed
        let bytes = match data.cast::<PyBytes>() {
            Ok(bytes) => first(bytes.as_bytes(), size)?,
            Err(_) => {
                view = PyBuffer::<u8>::get(data)?;
                first(contiguous(&view)?, size)?
            }
        };
        self.add(bytes);
        Ok(())
    }

    /// The fingerprint of the bytes so far, as 32 hex digits.
    fn hexdigest(&self) -> String {
        match self.block {
            None => format!("{:032x}", self.hasher.digest128()),
            Some(_) => combined(&self.digests, self.pending(), self.bytes),
        }
    }

    /// The digests of the blocks so far (a last, shorter block included), 16 bytes each:
    /// what a task that hashed a range sends to be combined (tree mode only).
    fn digests<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        if self.block.is_none() {
            return Err(PyValueError::new_err(
                "digests: a fingerprint without blocks",
            ));
        }
        let mut out = self.digests.clone();
        if let Some(last) = self.pending() {
            out.extend_from_slice(&last.to_be_bytes());
        }
        Ok(PyBytes::new(py, &out))
    }

    /// The tree fingerprint of `size` bytes whose blocks' digests are `digests`, in order.
    #[staticmethod]
    fn combine(digests: &[u8], size: u64) -> PyResult<String> {
        if !digests.len().is_multiple_of(DIGEST) {
            return Err(PyValueError::new_err("digests: whole 16-byte digests"));
        }
        Ok(combined(digests, None, size))
    }

    /// How many bytes were added.
    #[getter]
    fn size(&self) -> u64 {
        self.bytes
    }
}
