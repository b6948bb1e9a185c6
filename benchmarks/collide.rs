//! Ids that all share one hash under the kernel's former, unkeyed string hash (FxHash's
//! step with murmur3's finaliser, 0.3.1 and before), for benchmarks/hostile.py:
//! `cargo run --release --example collide -- COUNT` prints COUNT ids of 16 printable
//! bytes, one a line. Every step of that hash could be inverted: the second word of
//! each id is solved for from the first, so that the state after both is one constant.

const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;

/// The former hash of a string, to check the ids made here.
fn old_hash(bytes: &[u8]) -> u64 {
    let step = |h: u64, word: u64| (h.rotate_left(5) ^ word).wrapping_mul(K);
    let mut h = 0u64;
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        h = step(h, u64::from_le_bytes(word.try_into().expect("8 bytes")));
    }
    let mut tail = [0u8; 8];
    tail[..words.remainder().len()].copy_from_slice(words.remainder());
    h = step(h, u64::from_le_bytes(tail) ^ ((bytes.len() as u64) << 56));
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    (h ^ (h >> 33)).max(1)
}

/// The multiplicative inverse of an odd number modulo 2^64 (Newton's iteration).
fn inverse(k: u64) -> u64 {
    let mut x = k;
    for _ in 0..6 {
        x = x.wrapping_mul(2u64.wrapping_sub(k.wrapping_mul(x)));
    }
    x
}

fn printable(word: u64) -> bool {
    word.to_le_bytes()
        .iter()
        .all(|&b| (0x21..0x7f).contains(&b) && b != b'"' && b != b'\\')
}

fn main() {
    let count: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(262_144);
    let target = 0x0123_4567_89ab_cdefu64.wrapping_mul(inverse(K));
    let (mut state, mut found, mut first) = (0x9e37_79b9_7f4a_7c15u64, 0, None);
    let mut out = String::with_capacity(count * 17);
    while found < count {
        // xorshift64*: a printable first word, eight bytes from 0x21..0x7e.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let mut w1 = [0u8; 8];
        for (i, byte) in w1.iter_mut().enumerate() {
            *byte = 0x21 + ((state >> (8 * i)) % 94) as u8;
        }
        let w1 = u64::from_le_bytes(w1);
        if !printable(w1) {
            continue;
        }
        let w2 = w1.wrapping_mul(K).rotate_left(5) ^ target;
        if !printable(w2) {
            continue;
        }
        let mut id = w1.to_le_bytes().to_vec();
        id.extend_from_slice(&w2.to_le_bytes());
        let hash = old_hash(&id);
        assert_eq!(
            *first.get_or_insert(hash),
            hash,
            "every id has the same hash"
        );
        out.push_str(std::str::from_utf8(&id).expect("ASCII"));
        out.push('\n');
        found += 1;
    }
    print!("{out}");
}
