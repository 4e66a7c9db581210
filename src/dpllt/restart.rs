//! The Luby restart sequence 1, 1, 2, 1, 1, 2, 4, 1, … (Luby, Sinclair and Zuckerman, 1993),
//! as MiniSat schedules restarts: restart `i` waits `base · luby(i)` conflicts.

/// The `i`-th term (from 0) of the Luby sequence.
pub fn luby(i: u32) -> u64 {
    // Find the finite subsequence 1..2^k − 1 that contains index i, then recurse into it.
    let mut size = 1u64;
    let mut k = 0u32;
    let i = u64::from(i);
    while size < i + 1 {
        k += 1;
        size = 2 * size + 1;
    }
    let mut i = i;
    while size - 1 != i {
        size = (size - 1) / 2;
        k -= 1;
        i %= size;
    }
    1u64 << k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sequence_starts_as_published() {
        let first: Vec<u64> = (0..15).map(luby).collect();
        assert_eq!(first, vec![1, 1, 2, 1, 1, 2, 4, 1, 1, 2, 1, 1, 2, 4, 8]);
    }
}
