//! A tiny seeded random number generator (SplitMix64).
//!
//! The logic never asks the platform for randomness: the shell passes a seed in, so every schedule is
//! reproducible in tests and in the recovery simulation.

/// SplitMix64: fast, small, and good enough to spread retries; not for cryptography.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rng {
    state: u64,
}

impl Rng {
    pub const fn new(seed: u64) -> Self {
        Rng { state: seed }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform integer in `low..=high` (returns `low` when `high <= low`).
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        if high <= low {
            return low;
        }
        let span = high - low;
        if span == u64::MAX {
            return self.next_u64();
        }
        // Multiply-shift maps 64 random bits onto the span without the bias of `%`.
        low + ((u128::from(self.next_u64()) * u128::from(span + 1)) >> 64) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence_and_bounds_hold() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        for _ in 0..1000 {
            let x = a.between(10, 20);
            assert_eq!(x, b.between(10, 20));
            assert!((10..=20).contains(&x));
        }
        assert_eq!(Rng::new(1).between(5, 5), 5);
        assert_eq!(Rng::new(1).between(9, 3), 9);
    }

    #[test]
    fn values_cover_the_range() {
        let mut rng = Rng::new(42);
        let mut seen = [false; 4];
        for _ in 0..200 {
            seen[rng.between(0, 3) as usize] = true;
        }
        assert_eq!(seen, [true; 4]);
    }
}
