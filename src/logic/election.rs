//! Choosing one probing tab per site when Web Locks are missing (plain-http pages, older browsers).
//!
//! Tabs talk over BroadcastChannel. A leader sends a heartbeat every [`HEARTBEAT_MS`]; the tab
//! with the lowest id among those heard within [`LEASE_MS`] leads. A leader that closes, crashes or
//! goes to the background stops sending, its lease runs out, and the next tab takes over.

use super::text::parse_u64;
use crate::prelude::*;

/// How often a leading tab announces itself.
pub const HEARTBEAT_MS: u64 = 2_000;
/// How long a heartbeat keeps its sender the leader.
pub const LEASE_MS: u64 = 5_000;

#[derive(Clone, Debug)]
pub struct Election {
    id: u64,
    /// The lowest other id heard recently, and when.
    rival: Option<(u64, u64)>,
}

impl Election {
    pub fn new(id: u64) -> Election {
        Election { id, rival: None }
    }

    pub fn id(&self) -> u64 {
        self.id
    }

    /// Another tab says it leads.
    pub fn heard(&mut self, id: u64, now_ms: u64) {
        if id >= self.id {
            return;
        }
        match self.rival {
            Some((current, at)) if current < id && now_ms.saturating_sub(at) < LEASE_MS => {}
            _ => self.rival = Some((id, now_ms)),
        }
    }

    /// Leads unless a tab with a lower id was heard within the lease.
    pub fn is_leader(&self, now_ms: u64) -> bool {
        match self.rival {
            Some((_, at)) => now_ms.saturating_sub(at) >= LEASE_MS,
            None => true,
        }
    }
}

/// Parses a heartbeat message (`lead:<id>`).
pub fn parse_heartbeat(message: &str) -> Option<u64> {
    parse_u64(message.strip_prefix("lead:")?)
}

/// `back-at:<ms>`: the leading tab goes back to the site at that instant (epoch milliseconds).
pub const COMING_BACK_PREFIX: &str = "back-at:";

pub fn coming_back_message(at: u64) -> String {
    let mut message = String::from(COMING_BACK_PREFIX);
    super::text::push_decimal(&mut message, at);
    message
}

pub fn parse_coming_back(message: &str) -> Option<u64> {
    parse_u64(message.strip_prefix(COMING_BACK_PREFIX)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowest_live_id_leads_and_leadership_passes_on() {
        let mut a = Election::new(10);
        let mut b = Election::new(20);
        assert!(a.is_leader(0) && b.is_leader(0));
        b.heard(a.id(), 0);
        a.heard(b.id(), 0);
        assert!(a.is_leader(1_000));
        assert!(!b.is_leader(1_000));
        // a keeps beating: b keeps following.
        b.heard(10, 4_000);
        assert!(!b.is_leader(8_000));
        // a went silent (closed or hidden): b takes over once the lease runs out.
        assert!(b.is_leader(4_000 + LEASE_MS));
    }

    #[test]
    fn a_higher_rival_does_not_displace_a_lower_one() {
        let mut c = Election::new(30);
        c.heard(10, 0);
        c.heard(20, 1_000);
        c.heard(20, 6_000);
        // 10 has lapsed by 6 s, but 20 was heard at 6 s: still a follower.
        assert!(!c.is_leader(7_000));
        assert_eq!(parse_heartbeat("lead:42"), Some(42));
        assert_eq!(parse_heartbeat("recovered"), None);
        assert_eq!(
            parse_coming_back(&coming_back_message(1_700_000_000_123)),
            Some(1_700_000_000_123)
        );
        assert_eq!(parse_coming_back("lead:42"), None);
        assert_eq!(parse_coming_back("back-at:soon"), None);
    }
}
