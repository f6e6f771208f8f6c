//! The gateway (nginx) and the origin behind it, as the waiting tabs see them.
//!
//! - While the origin is down the gateway answers at once with the error page (502, or 503 +
//!   `Retry-After` in a planned outage). A down origin costs nothing, but every request that would
//!   reach it is counted: that is the load a recovering server meets.
//! - The health endpoint is micro-cached by the gateway (1 s validity, `proxy_cache_lock`, any status):
//!   at most one health request per second reaches the origin, whatever the number of probers. The
//!   origin's answer is taken as instantaneous next to that second, so the cache lock reduces to "one
//!   fetch per validity period". The page itself is never cached (errors are `no-store`).
//! - Once up, each second the origin admits the spare capacity C − λ of the waiting tabs' requests and
//!   rejects the rest with a 503 (our error page, no `Retry-After` by default).

use super::scenario::{Scenario, SECOND_MS};

/// Every answer reaches the browser this long after the request leaves it.
pub const ROUND_TRIP_MS: u64 = 50;
/// `proxy_cache_valid any 1s` on the health location.
pub const HEALTH_CACHE_MS: u64 = 1_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Answer {
    /// The application answered: 200.
    Up,
    /// The application is down: the gateway's error page (502, or 503 in a planned outage).
    Down,
    /// Up, but over capacity this second: 503 with our error page.
    Rejected,
}

impl Answer {
    pub fn status(self, scenario: &Scenario) -> u16 {
        match self {
            Answer::Up => 200,
            Answer::Down => scenario.outage_status(),
            Answer::Rejected => 503,
        }
    }

    pub fn retry_after(self, scenario: &Scenario) -> Option<&'static str> {
        match self {
            Answer::Down => scenario.retry_after,
            Answer::Up | Answer::Rejected => None,
        }
    }

    /// Seconds of `Retry-After` as delay-seconds (the only form the scenarios use).
    pub fn retry_after_ms(self, scenario: &Scenario) -> Option<u64> {
        self.retry_after(scenario)
            .and_then(|v| v.parse::<u64>().ok())
            .map(|s| s * SECOND_MS)
    }
}

pub struct World<'a> {
    scenario: &'a Scenario,
    /// Requests that reached the origin, per second (after the gateway's health cache).
    pub origin_per_second: Vec<u32>,
    /// Every request the waiting tabs sent, per second (what nginx itself handles).
    pub gateway_per_second: Vec<u32>,
    admitted_per_second: Vec<u32>,
    /// The cached health answer and the instant it goes stale.
    health_cache: Option<(Answer, u64)>,
}

impl<'a> World<'a> {
    pub fn new(scenario: &'a Scenario, horizon_ms: u64) -> World<'a> {
        let seconds = (horizon_ms / SECOND_MS + 1) as usize;
        World {
            scenario,
            origin_per_second: vec![0; seconds],
            gateway_per_second: vec![0; seconds],
            admitted_per_second: vec![0; seconds],
            health_cache: None,
        }
    }

    /// A request for the page (a reload, or our verification probe): never cached.
    pub fn page(&mut self, t: u64) -> Answer {
        self.gateway_per_second[second(t)] += 1;
        self.origin(t)
    }

    /// A request for the health endpoint, through the gateway's micro-cache.
    pub fn health(&mut self, t: u64) -> Answer {
        self.gateway_per_second[second(t)] += 1;
        match self.health_cache {
            Some((answer, stale_at)) if t < stale_at => answer,
            _ => {
                let answer = self.origin(t);
                self.health_cache = Some((answer, t + HEALTH_CACHE_MS));
                answer
            }
        }
    }

    fn origin(&mut self, t: u64) -> Answer {
        let s = second(t);
        self.origin_per_second[s] += 1;
        if !self.scenario.origin_up(t) {
            return Answer::Down;
        }
        if self.admitted_per_second[s] < self.scenario.spare_rps(s as u64) {
            self.admitted_per_second[s] += 1;
            Answer::Up
        } else {
            Answer::Rejected
        }
    }
}

fn second(t: u64) -> usize {
    (t / SECOND_MS) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Scenario {
        Scenario::all(false).remove(0)
    }

    #[test]
    fn the_origin_admits_the_spare_capacity_and_rejects_the_rest() {
        let scenario = base();
        let mut world = World::new(&scenario, 700_000);
        let r = scenario.recovery_at();
        // 500 reloads within one second after recovery: C − λ = 400 get in, 100 get a 503.
        let answers: Vec<Answer> = (0..500).map(|i| world.page(r + 1_000 + i)).collect();
        assert_eq!(answers.iter().filter(|a| **a == Answer::Up).count(), 400);
        assert_eq!(answers[399], Answer::Up);
        assert!(answers[400..].iter().all(|a| *a == Answer::Rejected));
        // The next second has its own budget.
        assert_eq!(world.page(r + 2_000), Answer::Up);
        assert_eq!(world.origin_per_second[(r / 1_000 + 1) as usize], 500);
    }

    #[test]
    fn the_health_cache_lets_one_request_per_second_through() {
        let scenario = base();
        let mut world = World::new(&scenario, 700_000);
        // 2,000 health probes per second for 10 s during the outage.
        for i in 0..20_000u64 {
            assert_eq!(world.health(100_000 + i / 2), Answer::Down);
        }
        let origin: u32 = world.origin_per_second.iter().sum();
        let gateway: u32 = world.gateway_per_second.iter().sum();
        assert_eq!((origin, gateway), (10, 20_000));
        // A stale cached "down" is served for up to a second after recovery.
        let r = scenario.recovery_at();
        assert_eq!(world.health(r - 10), Answer::Down);
        assert_eq!(world.health(r + 500), Answer::Down);
        assert_eq!(world.health(r + 980), Answer::Down);
        assert_eq!(world.health(r + 1_000), Answer::Up);
    }

    #[test]
    fn a_planned_outage_answers_503_with_retry_after() {
        let planned = &Scenario::all(false)[3];
        let mut world = World::new(planned, 700_000);
        let answer = world.page(1_000);
        assert_eq!(answer.status(planned), 503);
        assert_eq!(answer.retry_after_ms(planned), Some(300_000));
        assert_eq!(Answer::Rejected.retry_after(planned), None);
    }
}
