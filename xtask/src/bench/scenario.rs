//! The cases of RECOVERY.md ("The benchmark") and the population of waiting tabs each one starts with.
//!
//! Time is simulated in integer milliseconds from the start of the outage; the site first comes back
//! at [`Scenario::recovery_at`].

use gateway_doctor::logic::rng::Rng;

pub const SECOND_MS: u64 = 1_000;
/// Tabs arrive on the error page uniformly over this window, which ends at recovery.
pub const OUTAGE_MS: u64 = 600_000;
/// 1.3 tabs per visitor, as 13 tabs per 10 visitors so the arithmetic stays in integers.
const TABS_PER_TEN_VISITORS: usize = 13;
/// Share of tabs that are hidden (another tab in front, window minimised) when the site recovers.
const HIDDEN_PERCENT: usize = 30;
/// A hidden tab is brought back to the front this long after recovery, on average (exponential).
/// Five minutes: people who switched away from an error page come back to it, but not on cue.
pub const HIDDEN_RETURN_MEAN_MS: f64 = 300_000.0;

#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: &'static str,
    pub tabs: usize,
    /// Requests per second the origin serves once it is back (C).
    pub capacity_rps: u32,
    /// New visitors' requests per second after recovery (λ), served before the waiting tabs' share.
    pub new_traffic_rps: u32,
    pub ramp: Option<Ramp>,
    pub flaps: Option<Flaps>,
    /// Set for a planned outage: every answer during it is a 503 carrying this `Retry-After`.
    pub retry_after: Option<&'static str>,
}

/// Capacity starts at `from_percent` of C at recovery and grows linearly to C over `over_ms`.
#[derive(Clone, Copy, Debug)]
pub struct Ramp {
    pub from_percent: u32,
    pub over_ms: u64,
}

/// After first coming back the origin goes `up_ms` up, `down_ms` down, `count` times, then stays up.
#[derive(Clone, Copy, Debug)]
pub struct Flaps {
    pub up_ms: u64,
    pub down_ms: u64,
    pub count: u32,
}

impl Scenario {
    /// Every case, in report order. `quick` divides the crowd, C and λ by ten (the same admission floor,
    /// a tenth of the work) for smoke tests; the small crowd is already cheap and stays as it is.
    pub fn all(quick: bool) -> Vec<Scenario> {
        let scale = if quick { 10 } else { 1 };
        let base = Scenario {
            name: "base",
            tabs: 10_000 / scale,
            capacity_rps: 500 / scale as u32,
            new_traffic_rps: 100 / scale as u32,
            ramp: None,
            flaps: None,
            retry_after: None,
        };
        vec![
            base.clone(),
            Scenario {
                name: "capacity-ramp",
                ramp: Some(Ramp {
                    from_percent: 20,
                    over_ms: 60_000,
                }),
                ..base.clone()
            },
            Scenario {
                name: "flapping",
                flaps: Some(Flaps {
                    up_ms: 20_000,
                    down_ms: 40_000,
                    count: 3,
                }),
                ..base.clone()
            },
            Scenario {
                name: "planned-503",
                retry_after: Some("300"),
                ..base
            },
            Scenario {
                name: "small-crowd",
                tabs: 100,
                capacity_rps: 500,
                new_traffic_rps: 100,
                ramp: None,
                flaps: None,
                retry_after: None,
            },
        ]
    }

    pub fn recovery_at(&self) -> u64 {
        OUTAGE_MS
    }

    /// Whether the application answers at `t` (before recovery and in flapping's down windows it does
    /// not: the gateway answers at once with the error page).
    pub fn origin_up(&self, t: u64) -> bool {
        let recovery = self.recovery_at();
        if t < recovery {
            return false;
        }
        match self.flaps {
            None => true,
            Some(f) => {
                let cycle = f.up_ms + f.down_ms;
                let since = t - recovery;
                since >= cycle * u64::from(f.count) || since % cycle < f.up_ms
            }
        }
    }

    /// The HTTP status of an answer while the application is down.
    pub fn outage_status(&self) -> u16 {
        if self.retry_after.is_some() {
            503
        } else {
            502
        }
    }

    /// Requests per second left for the waiting tabs in the second that starts at `second * 1000`:
    /// C (ramped) minus λ. New visitors are not ours to schedule, so they take their share first.
    pub fn spare_rps(&self, second: u64) -> u32 {
        let start = second * SECOND_MS;
        if !self.origin_up(start) {
            return 0;
        }
        let capacity = match self.ramp {
            None => u64::from(self.capacity_rps),
            Some(r) => {
                let elapsed = (start - self.recovery_at()).min(r.over_ms);
                let percent = u64::from(r.from_percent) * r.over_ms
                    + (100 - u64::from(r.from_percent)) * elapsed;
                u64::from(self.capacity_rps) * percent / (100 * r.over_ms)
            }
        };
        capacity.saturating_sub(u64::from(self.new_traffic_rps)) as u32
    }

    /// The least time after recovery in which the spare capacity can admit `requests` requests: no
    /// strategy can bring everyone back sooner. N / (C − λ) for the base case, longer when capacity
    /// ramps up or the origin flaps.
    pub fn admission_floor_ms(&self, requests: u64) -> u64 {
        let mut admitted = 0u64;
        let mut second = self.recovery_at() / SECOND_MS;
        loop {
            let spare = u64::from(self.spare_rps(second));
            if admitted + spare >= requests {
                let into_second = (requests - admitted) * SECOND_MS / spare.max(1);
                return second * SECOND_MS + into_second - self.recovery_at();
            }
            admitted += spare;
            second += 1;
        }
    }

    /// The reload p99 target of RECOVERY.md: 1.1 × the admission floor for every tab, plus 5 s.
    pub fn reload_p99_target_ms(&self) -> u64 {
        self.admission_floor_ms(self.tabs as u64) * 11 / 10 + 5_000
    }
}

/// One error-page tab, as planned before the run (the same for every strategy of a case).
#[derive(Clone, Copy, Debug)]
pub struct TabPlan {
    pub visitor: u32,
    /// When the error page is shown (the visitor's own failed request is not counted as load).
    pub arrive_at: u64,
    /// `(hide_at, show_at)` for the tabs hidden at recovery: switched away at a uniform moment of
    /// their wait, brought back an exponential time after recovery.
    pub hidden: Option<(u64, u64)>,
}

#[derive(Clone, Debug)]
pub struct Population {
    pub tabs: Vec<TabPlan>,
    pub visitors: usize,
}

impl Population {
    pub fn new(scenario: &Scenario, seed: u64) -> Population {
        let mut rng = Rng::new(seed);
        let n = scenario.tabs;
        let visitors = ((n * 10 + TABS_PER_TEN_VISITORS / 2) / TABS_PER_TEN_VISITORS).max(1);
        let recovery = scenario.recovery_at();
        let mut tabs: Vec<TabPlan> = (0..n)
            .map(|i| TabPlan {
                // Every visitor has a first tab; the extra tabs go to visitors at random.
                visitor: if i < visitors {
                    i as u32
                } else {
                    rng.between(0, visitors as u64 - 1) as u32
                },
                arrive_at: rng.between(0, recovery - 1),
                hidden: None,
            })
            .collect();
        // Exactly 30 % hidden (a partial Fisher–Yates shuffle picks which), so small crowds match too.
        let hidden_count = (n * HIDDEN_PERCENT + 50) / 100;
        let mut order: Vec<usize> = (0..n).collect();
        for k in 0..hidden_count {
            let pick = rng.between(k as u64, n as u64 - 1) as usize;
            order.swap(k, pick);
            let tab = &mut tabs[order[k]];
            let hide_at = rng.between(tab.arrive_at, recovery - 1);
            let show_at = recovery + exponential_ms(&mut rng, HIDDEN_RETURN_MEAN_MS).max(1);
            tab.hidden = Some((hide_at, show_at));
        }
        Population { tabs, visitors }
    }
}

/// A uniform float in [0, 1) from the top 53 bits.
pub fn unit_interval(rng: &mut Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

pub fn exponential_ms(rng: &mut Rng, mean_ms: f64) -> u64 {
    (-mean_ms * (1.0 - unit_interval(rng)).ln()) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Scenario {
        Scenario::all(false).remove(0)
    }

    #[test]
    fn the_base_floor_is_n_over_spare_capacity() {
        // 10,000 tabs through 400 spare req/s: 25 s, as RECOVERY.md says.
        assert_eq!(base().admission_floor_ms(10_000), 25_000);
        assert_eq!(base().reload_p99_target_ms(), 32_500);
    }

    #[test]
    fn the_ramp_starts_at_20_percent_and_reaches_full_capacity() {
        let ramp = &Scenario::all(false)[1];
        let r = ramp.recovery_at() / SECOND_MS;
        // 20 % of 500 is 100, all taken by new traffic.
        assert_eq!(ramp.spare_rps(r), 0);
        assert_eq!(ramp.spare_rps(r + 30), 200);
        assert_eq!(ramp.spare_rps(r + 60), 400);
        assert_eq!(ramp.spare_rps(r + 600), 400);
        assert!(ramp.admission_floor_ms(10_000) > 25_000);
    }

    #[test]
    fn flapping_is_up_20_s_down_40_s_three_times_then_up() {
        let flap = &Scenario::all(false)[2];
        let r = flap.recovery_at();
        let up: Vec<bool> = [0, 19, 20, 59, 60, 80, 120, 179, 180, 10_000]
            .iter()
            .map(|s| flap.origin_up(r + s * SECOND_MS))
            .collect();
        assert_eq!(
            up,
            [true, true, false, false, true, false, true, false, true, true]
        );
        assert!(!flap.origin_up(r - 1));
        assert_eq!(flap.spare_rps(r / SECOND_MS + 30), 0);
    }

    #[test]
    fn population_has_1_3_tabs_per_visitor_and_30_percent_hidden() {
        let p = Population::new(&base(), 5);
        assert_eq!(p.tabs.len(), 10_000);
        assert_eq!(p.visitors, 7_692);
        assert_eq!(p.tabs.iter().filter(|t| t.hidden.is_some()).count(), 3_000);
        let r = base().recovery_at();
        for t in &p.tabs {
            assert!(t.arrive_at < r);
            assert!((t.visitor as usize) < p.visitors);
            if let Some((hide, show)) = t.hidden {
                assert!(hide >= t.arrive_at && hide < r && show > r);
            }
        }
        let mean_return = p
            .tabs
            .iter()
            .filter_map(|t| t.hidden.map(|(_, show)| (show - r) as f64))
            .sum::<f64>()
            / 3_000.0;
        assert!(
            (270_000.0..330_000.0).contains(&mean_return),
            "{mean_return}"
        );
    }
}
