//! The retry schedule: jittered exponential backoff as a plain iterator of delays.
//!
//! Without jitter, every visitor who saw the outage at the same moment retries at the same moment
//! (a stampede on a server that is trying to come back). Full jitter spreads them uniformly and does
//! the least total work; decorrelated jitter grows more smoothly. Both come from the AWS
//! "Exponential Backoff and Jitter" analysis.

use super::rng::Rng;

/// No probe is ever scheduled sooner than this after the previous one: a floor against hot loops
/// when the server answers errors instantly.
pub const MIN_DELAY_MS: u64 = 250;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Jitter {
    /// `U(0, min(cap, initial · 2^attempt))`.
    Full,
    /// `min(cap, U(initial, 3 · previous))`.
    Decorrelated,
}

/// The shape of the schedule, as validated from config.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    pub initial_delay_ms: u64,
    pub max_delay_ms: u64,
    pub jitter: Jitter,
}

impl Backoff {
    /// The ceiling for attempt `n` (0-based) before jitter: `initial · 2^n`, capped.
    pub fn ceiling_ms(&self, attempt: u32) -> u64 {
        let doubled = self
            .initial_delay_ms
            .saturating_mul(1u64 << attempt.min(40));
        doubled.min(self.max_delay_ms).max(MIN_DELAY_MS)
    }
}

/// An endless iterator of jittered delays (milliseconds). Bounding the total is the caller's job.
#[derive(Clone, Debug)]
pub struct RetrySchedule {
    backoff: Backoff,
    rng: Rng,
    attempt: u32,
    previous_ms: u64,
}

impl RetrySchedule {
    pub fn new(backoff: Backoff, seed: u64) -> Self {
        RetrySchedule {
            backoff,
            rng: Rng::new(seed),
            attempt: 0,
            previous_ms: backoff.initial_delay_ms,
        }
    }

    /// Never cap delays below `min_cap_ms` from now on (the probes became more expensive).
    pub fn raise_cap(&mut self, min_cap_ms: u64) {
        self.backoff.max_delay_ms = self.backoff.max_delay_ms.max(min_cap_ms);
    }

    /// Start again from the smallest delays (the visitor asked for a check, or we came back online).
    pub fn restart(&mut self) {
        self.attempt = 0;
        self.previous_ms = self.backoff.initial_delay_ms;
    }

    pub fn attempt(&self) -> u32 {
        self.attempt
    }
}

impl Iterator for RetrySchedule {
    type Item = u64;

    fn next(&mut self) -> Option<u64> {
        let b = &self.backoff;
        let delay = match b.jitter {
            Jitter::Full => self.rng.between(MIN_DELAY_MS, b.ceiling_ms(self.attempt)),
            Jitter::Decorrelated => {
                let high = self.previous_ms.saturating_mul(3).min(b.max_delay_ms);
                let low = b.initial_delay_ms.min(high);
                self.rng
                    .between(low, high)
                    .clamp(MIN_DELAY_MS, b.max_delay_ms.max(MIN_DELAY_MS))
            }
        };
        self.attempt = self.attempt.saturating_add(1);
        self.previous_ms = delay;
        Some(delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: Backoff = Backoff {
        initial_delay_ms: 1_000,
        max_delay_ms: 10_000,
        jitter: Jitter::Full,
    };

    #[test]
    fn full_jitter_stays_under_the_growing_ceiling_and_the_cap() {
        for seed in 0..200 {
            for (n, d) in RetrySchedule::new(FULL, seed).take(30).enumerate() {
                assert!(d >= MIN_DELAY_MS, "seed {seed} attempt {n}: {d}");
                assert!(
                    d <= FULL.ceiling_ms(n as u32),
                    "seed {seed} attempt {n}: {d}"
                );
                assert!(d <= 10_000);
            }
        }
    }

    #[test]
    fn decorrelated_jitter_stays_within_bounds() {
        let b = Backoff {
            jitter: Jitter::Decorrelated,
            ..FULL
        };
        for seed in 0..200 {
            for d in RetrySchedule::new(b, seed).take(50) {
                assert!((MIN_DELAY_MS..=10_000).contains(&d), "seed {seed}: {d}");
            }
        }
    }

    #[test]
    fn different_seeds_do_not_retry_in_lock_step() {
        // 1,000 visitors who failed at the same instant: their 5th retries must be spread out.
        let mut fifth: Vec<u64> = (0..1000u64)
            .map(|seed| RetrySchedule::new(FULL, seed).take(5).sum())
            .collect();
        fifth.sort_unstable();
        fifth.dedup();
        assert!(fifth.len() > 900, "only {} distinct instants", fifth.len());
    }

    #[test]
    fn restart_returns_to_short_delays() {
        let mut s = RetrySchedule::new(FULL, 3);
        s.by_ref().take(10).for_each(drop);
        assert_eq!(s.attempt(), 10);
        s.restart();
        assert!(s.next().unwrap() <= 1_000);
    }
}
