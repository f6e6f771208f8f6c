//! The strategies compared: ours (the real state machine, driven in `sim.rs`) and the baselines, which
//! are plain reload schedules simple enough to implement here.

use gateway_doctor::logic::rng::Rng;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// `gateway_doctor::logic::machine::Recovery`, one prober per visitor, probes before reloading.
    GatewayDoctor,
    /// A schedule of blind full-page reloads: every "probe" is a reload of the page.
    Baseline(Baseline),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Baseline {
    /// `setTimeout(() => location.reload(), 5000)`: what most error-page projects ship.
    Fixed5s,
    /// `<meta http-equiv="refresh" content="30">`.
    MetaRefresh30s,
    /// Chromium's net-error auto-reload schedule, applied as if it covered 5xx pages.
    Chromium,
    /// gRPC connection backoff: 1 s × 1.6 per attempt, ±20 % jitter, 120 s cap.
    Grpc,
    /// AWS "full jitter": U(0, min(60 s, 1 s · 2^n)).
    FullJitter,
}

impl Strategy {
    pub const ALL: [Strategy; 6] = [
        Strategy::GatewayDoctor,
        Strategy::Baseline(Baseline::Fixed5s),
        Strategy::Baseline(Baseline::MetaRefresh30s),
        Strategy::Baseline(Baseline::Chromium),
        Strategy::Baseline(Baseline::Grpc),
        Strategy::Baseline(Baseline::FullJitter),
    ];

    pub fn name(self) -> &'static str {
        match self {
            Strategy::GatewayDoctor => "gateway-doctor",
            Strategy::Baseline(Baseline::Fixed5s) => "fixed-5s",
            Strategy::Baseline(Baseline::MetaRefresh30s) => "meta-refresh-30s",
            Strategy::Baseline(Baseline::Chromium) => "chromium",
            Strategy::Baseline(Baseline::Grpc) => "grpc-backoff",
            Strategy::Baseline(Baseline::FullJitter) => "full-jitter",
        }
    }
}

/// Chromium's `kAutoReloadDelays` (net_error_auto_reloader.cc); the last one repeats forever.
const CHROMIUM_DELAYS_MS: [u64; 7] = [1_000, 5_000, 30_000, 60_000, 300_000, 600_000, 1_800_000];

const GRPC_INITIAL_MS: f64 = 1_000.0;
const GRPC_MULTIPLIER: f64 = 1.6;
const GRPC_MAX_MS: f64 = 120_000.0;
/// ±20 %, in per-mille so the jitter stays in integers.
const GRPC_JITTER_PER_MILLE: (u64, u64) = (800, 1_200);

const FULL_JITTER_BASE_MS: u64 = 1_000;
const FULL_JITTER_CAP_MS: u64 = 60_000;

impl Baseline {
    /// How long the error page waits before its next reload, after `reloads_so_far` failed ones.
    pub fn delay_ms(self, reloads_so_far: u32, rng: &mut Rng) -> u64 {
        match self {
            Baseline::Fixed5s => 5_000,
            Baseline::MetaRefresh30s => 30_000,
            Baseline::Chromium => {
                let step = (reloads_so_far as usize).min(CHROMIUM_DELAYS_MS.len() - 1);
                CHROMIUM_DELAYS_MS[step]
            }
            Baseline::Grpc => {
                // Past 11 attempts the cap has long been reached; bounding the exponent keeps the f64 sane.
                let exponent = reloads_so_far.min(32) as i32;
                let backoff = (GRPC_INITIAL_MS * GRPC_MULTIPLIER.powi(exponent)).min(GRPC_MAX_MS);
                let (low, high) = GRPC_JITTER_PER_MILLE;
                backoff as u64 * rng.between(low, high) / 1_000
            }
            Baseline::FullJitter => {
                let ceiling = FULL_JITTER_BASE_MS
                    .saturating_mul(1 << reloads_so_far.min(20))
                    .min(FULL_JITTER_CAP_MS);
                rng.between(0, ceiling)
            }
        }
    }

    /// Chromium stops its auto-reload timer while the tab is hidden and restarts it, at the current
    /// step, when the tab is shown. Page scripts and meta refresh keep firing in hidden tabs: browsers
    /// clamp their timers to ≥ 1 s (irrelevant at these periods) and every reload starts a fresh
    /// document, so Chrome's intensive throttling of long timer chains never applies.
    pub fn pauses_while_hidden(self) -> bool {
        self == Baseline::Chromium
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chromium_follows_its_table_then_stays_at_thirty_minutes() {
        let mut rng = Rng::new(1);
        let delays: Vec<u64> = (0..9)
            .map(|n| Baseline::Chromium.delay_ms(n, &mut rng) / 1_000)
            .collect();
        assert_eq!(delays, [1, 5, 30, 60, 300, 600, 1800, 1800, 1800]);
    }

    #[test]
    fn grpc_grows_by_1_6_within_20_percent_and_caps_at_120_s() {
        let mut rng = Rng::new(2);
        for n in 0..40 {
            let expected = (1_000.0 * 1.6f64.powi(n as i32)).min(120_000.0);
            let d = Baseline::Grpc.delay_ms(n, &mut rng) as f64;
            assert!(d >= expected * 0.8 - 1.0 && d <= expected * 1.2, "{n}: {d}");
        }
    }

    #[test]
    fn full_jitter_stays_under_its_ceiling_and_cap() {
        let mut rng = Rng::new(3);
        for n in 0..40 {
            let ceiling = (1_000u64 << n.min(20)).min(60_000);
            assert!(Baseline::FullJitter.delay_ms(n, &mut rng) <= ceiling);
        }
    }
}
