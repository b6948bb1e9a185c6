//! Scanning the plain bytes of a JSON string, shared by the parser and the fast path.

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The end of the run of plain string bytes from `pos`: the first quote, backslash or
/// control character (or the end). Eight bytes per step (SWAR): the first flagged byte is
/// exact, later flags may be false (borrows), and only the first is used.
#[inline(always)]
pub(crate) fn plain_run(line: &[u8], mut pos: usize) -> usize {
    while let Some(word) = line.get(pos..pos + 8) {
        let x = u64::from_le_bytes(word.try_into().expect("8 bytes"));
        let quote = x ^ (ONES * b'"' as u64);
        let backslash = x ^ (ONES * b'\\' as u64);
        let zero = |v: u64| v.wrapping_sub(ONES) & !v;
        let control = x.wrapping_sub(ONES * 0x20) & !x;
        let found = (zero(quote) | zero(backslash) | control) & HIGHS;
        if found != 0 {
            return pos + (found.trailing_zeros() / 8) as usize;
        }
        pos += 8;
    }
    while let Some(&b) = line.get(pos) {
        if SPECIAL[b as usize] {
            break;
        }
        pos += 1;
    }
    pos
}

/// Bytes that end a plain run inside a string: the quote, the backslash, controls.
const SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = true;
        b += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table
};
