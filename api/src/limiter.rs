//! Rate limits and budgets, counted in this process's memory (governor's GCRA: one counter per
//! key, no background task). Used for anonymous tips and `tipStatus` (per client address), the
//! publication check's refusals (per user) and the cost budget of GraphQL requests (per user,
//! per address for anonymous callers).
//!
//! Why in memory and not in the database: several limits are keyed by the sender's network
//! address, and a tipster's address must never be persisted — a table of "who sent tips when"
//! is exactly what someone hunting an informant would want. Here an address lives only while it
//! still counts against a limit (keys whose allowance has fully recovered are swept at most a
//! minute later) and vanishes with the process. The cost: with several API instances behind a
//! load balancer, each enforces its own limit, so a client may reach N × the rate across N
//! instances; that is accepted (the limits stop floods from one client, they are not quotas).

use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// What a client is told when its cost budget for the minute is spent.
pub const BUDGET_SPENT: &str =
    "this client has used its query budget for the minute; please try again shortly";

/// How often forgotten keys are swept out of a limiter.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// Who a request is counted against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ClientKey {
    /// An anonymous client, by address. IPv6 addresses are cut to their /64, which one
    /// subscriber usually holds whole (counting single addresses would let it rotate freely).
    Address(IpAddr),
    /// A signed-in user, by token subject: staff often share an office address, and one
    /// colleague should not use up another's allowance.
    User(String),
    /// An anonymous client whose address the server could not see (all share one allowance).
    Unknown,
    /// An agency as a whole, by row id: what one of its users does shows only to another
    /// (a drafting agency's texts refused at the standing office's approval).
    Agency(i64),
}

impl ClientKey {
    /// A signed-in user by subject, anyone else by address.
    pub fn of(viewer: Option<&crate::domain::access::Viewer>, ip: Option<IpAddr>) -> ClientKey {
        match viewer {
            Some(v) => ClientKey::User(v.sub.clone()),
            None => ClientKey::address(ip),
        }
    }

    /// The key of a client address, whether or not the request carries a token.
    pub fn address(ip: Option<IpAddr>) -> ClientKey {
        match ip.map(|ip| ip.to_canonical()) {
            Some(IpAddr::V6(v6)) => {
                let s = v6.segments();
                ClientKey::Address(IpAddr::V6(Ipv6Addr::new(
                    s[0], s[1], s[2], s[3], 0, 0, 0, 0,
                )))
            }
            Some(v4) => ClientKey::Address(v4),
            None => ClientKey::Unknown,
        }
    }
}

/// The load balancers and reverse proxies in front of the server (`HUB389_TRUSTED_PROXIES`:
/// addresses or CIDR ranges). Behind them every request comes from a proxy's address, so the
/// per-address limits would be one limit for the whole province; the client is then the
/// rightmost address of `X-Forwarded-For` that is not a trusted proxy. Without trusted
/// proxies the header is ignored (anyone can write it).
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<ipnet::IpNet>);

impl TrustedProxies {
    /// `10.0.0.0/8, 192.168.1.10` (a bare address is a single host).
    pub fn parse(s: &str) -> anyhow::Result<TrustedProxies> {
        let mut nets = vec![];
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let net = match part.parse::<ipnet::IpNet>() {
                Ok(n) => n,
                Err(_) => ipnet::IpNet::from(part.parse::<IpAddr>().map_err(|_| {
                    anyhow::anyhow!(
                        "HUB389_TRUSTED_PROXIES: {part} is not an address or CIDR range"
                    )
                })?),
            };
            nets.push(net);
        }
        Ok(TrustedProxies(nets))
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|n| n.contains(&ip))
    }

    /// The client's address: the peer, or — when the peer is a trusted proxy — the rightmost
    /// `X-Forwarded-For` hop that is not one (the hops left of it are the client's to forge).
    pub fn client(&self, peer: IpAddr, headers: &axum::http::HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let hops: Vec<IpAddr> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|h| h.trim().parse::<IpAddr>().ok())
            .collect();
        hops.into_iter()
            .rev()
            .find(|ip| !self.trusts(*ip))
            .unwrap_or(peer)
    }
}

/// A number of units per key per period, refilled continuously.
pub struct KeyedLimiter {
    /// `None` when the configured rate is 0: no limit.
    limiter: Option<DefaultKeyedRateLimiter<ClientKey>>,
    last_sweep: Mutex<Instant>,
}

impl KeyedLimiter {
    /// `per_minute` units per minute, all of them usable at once.
    pub fn per_minute(per_minute: u32) -> KeyedLimiter {
        KeyedLimiter::new(NonZeroU32::new(per_minute).map(Quota::per_minute))
    }

    /// `per_hour` units per hour, all of them usable at once.
    pub fn per_hour(per_hour: u32) -> KeyedLimiter {
        KeyedLimiter::new(NonZeroU32::new(per_hour).map(Quota::per_hour))
    }

    fn new(quota: Option<Quota>) -> KeyedLimiter {
        KeyedLimiter {
            limiter: quota.map(RateLimiter::keyed),
            last_sweep: Mutex::new(Instant::now()),
        }
    }

    /// Takes one unit; `false` once the key has used up its allowance.
    pub fn check(&self, key: &ClientKey) -> bool {
        self.check_n(key, 1)
    }

    /// Takes `n` units at once; `false` (and nothing taken) when they are not all there, or
    /// when `n` is more than the whole allowance.
    pub fn check_n(&self, key: &ClientKey, n: u32) -> bool {
        let Some(limiter) = &self.limiter else {
            return true;
        };
        self.sweep(limiter);
        let Some(n) = NonZeroU32::new(n) else {
            return true;
        };
        matches!(limiter.check_key_n(key, n), Ok(Ok(())))
    }

    /// Drops keys indistinguishable from fresh ones, so addresses do not linger in memory.
    fn sweep(&self, limiter: &DefaultKeyedRateLimiter<ClientKey>) {
        if let Ok(mut last) = self.last_sweep.lock()
            && last.elapsed() >= SWEEP_EVERY
        {
            *last = Instant::now();
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

impl std::fmt::Debug for KeyedLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the keys: they may be client addresses.
        f.write_str("KeyedLimiter")
    }
}

/// Every limit of the process.
#[derive(Debug)]
pub struct Limiters {
    /// Tips submitted per client per minute.
    pub tips: KeyedLimiter,
    /// `tipStatus` lookups per client address per minute.
    pub tip_status: KeyedLimiter,
    /// Publication texts refused by the restricted-data check, per user per hour.
    pub refusals: KeyedLimiter,
    /// Query cost per user (or address) per minute.
    pub cost: KeyedLimiter,
}

impl Limiters {
    pub fn new(
        limits: &crate::config::Limits,
        workflow: &crate::config::WorkflowSettings,
    ) -> Limiters {
        Limiters {
            tips: KeyedLimiter::per_minute(workflow.tip_rate_per_minute),
            tip_status: KeyedLimiter::per_minute(workflow.tip_status_rate_per_minute),
            refusals: KeyedLimiter::per_hour(workflow.publication_refusals_per_hour),
            cost: KeyedLimiter::per_minute(limits.cost_budget_per_minute),
        }
    }
}

/// Things held at once per key, bounded: the live sockets of each client address and each
/// user ([`crate::http::live`]). Kept in the server's state, so instances (and test servers)
/// count their own.
#[derive(Clone, Default)]
pub struct Holders(std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, usize>>>);

impl Holders {
    /// Counts one more socket against `key` (`address:…`, `user:…`), unless it holds `max`.
    pub fn take(&self, key: String, max: usize) -> Option<Held> {
        let mut held = self.0.lock().ok()?;
        let n = held.entry(key.clone()).or_default();
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(Held(self.clone(), key))
    }
}

/// One thing counted against a key while it lives.
pub struct Held(Holders, String);

impl Drop for Held {
    fn drop(&mut self) {
        if let Ok(mut held) = (self.0).0.lock()
            && let Some(n) = held.get_mut(&self.1)
        {
            *n -= 1;
            if *n == 0 {
                held.remove(&self.1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_key_and_in_units() {
        let l = KeyedLimiter::per_minute(3);
        let a = ClientKey::User("a".into());
        let b = ClientKey::User("b".into());
        assert!(l.check(&a) && l.check(&a) && l.check(&a));
        assert!(!l.check(&a));
        assert!(l.check(&b));
        let budget = KeyedLimiter::per_minute(100);
        assert!(budget.check_n(&a, 60));
        assert!(!budget.check_n(&a, 60), "only 40 left");
        assert!(budget.check_n(&a, 40));
        assert!(!budget.check_n(&b, 101), "more than the whole allowance");
        assert!(
            KeyedLimiter::per_minute(0).check_n(&a, 1_000_000),
            "0 means no limit"
        );
    }

    #[test]
    fn the_client_behind_trusted_proxies() {
        let proxies = TrustedProxies::parse("10.0.0.0/8, 192.168.1.10").unwrap();
        let mut h = axum::http::HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            "6.6.6.6, 203.0.113.7, 10.1.2.3".parse().unwrap(),
        );
        let lb: IpAddr = "10.0.0.1".parse().unwrap();
        assert_eq!(
            proxies.client(lb, &h),
            "203.0.113.7".parse::<IpAddr>().unwrap()
        );
        // Not from a proxy: the header is the client's to write, and ignored.
        let direct: IpAddr = "198.51.100.9".parse().unwrap();
        assert_eq!(proxies.client(direct, &h), direct);
        // No proxies configured: ignored too.
        assert_eq!(TrustedProxies::default().client(lb, &h), lb);
        assert!(TrustedProxies::parse("not-an-ip").is_err());
    }

    #[test]
    fn ipv6_is_counted_per_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        assert_eq!(ClientKey::address(Some(a)), ClientKey::address(Some(b)));
    }
}
