//! Any bytes as a shipped partial result: an error or a partial that writes itself back,
//! merges and compacts, never a panic (an overflow included: this profile checks them);
//! read as a state's tables, summed over periods, the same.
use _core::report::{Partial, Tables};

fn main() {
    afl::fuzz!(|data: &[u8]| {
        if let Ok(mut tables) = Tables::from_bytes(data) {
            // Summing over periods never adds rows (repeated keys of forged bytes merge).
            let (counts, views) = (tables.counts.len(), tables.views.len());
            assert!(tables.totals(false).counts.len() <= counts);
            assert!(tables.totals(true).views.len() <= views);
            tables.sum_periods();
            assert!(tables.counts.len() <= counts && tables.views.len() <= views);
        }
        if let Ok(partial) = Partial::from_bytes(data) {
            let again = Partial::from_bytes(&partial.to_bytes()).expect("its own bytes");
            let mut merged = partial.clone();
            merged.merge(&again);
            merged.compact();
            let back = Partial::from_bytes(&merged.to_bytes());
            // Runs are numbered below 2^32; a merge beyond that is refused, not wrapped.
            assert!(
                back.is_ok() || merged.runs > u32::MAX as u64,
                "{:?}",
                back.err()
            );
        }
    });
}
