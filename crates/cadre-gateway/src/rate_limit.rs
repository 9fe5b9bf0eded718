//! A keyed token-bucket limiter with bounded memory.
//!
//! Buckets live in a few mutex-guarded shards so that concurrent calls rarely wait on each other. A bucket
//! that has refilled to its burst is the same as no bucket, so sweeps drop those; a shard that is full even
//! after a sweep sends new keys to one shared overflow bucket. Memory therefore stays bounded when an
//! attacker cycles through addresses, and the cost of that attack falls on the attacker's own new keys.

use std::{
    collections::HashMap,
    hash::{BuildHasher, Hash, RandomState},
    sync::{Mutex, PoisonError},
    time::{Duration, Instant},
};

use crate::options::RateLimit;

/// Keys kept per limiter before new ones share the overflow bucket.
const MAX_KEYS: usize = 100_000;
/// Shards: enough that concurrent calls rarely contend, few enough that sweeping stays cheap.
const SHARDS: usize = 16;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

#[derive(Debug)]
struct Shard<K> {
    buckets: HashMap<K, Bucket>,
    overflow: Bucket,
}

/// Token buckets by key.
#[derive(Debug)]
pub(crate) struct KeyedLimiter<K> {
    rate: f64,
    burst: f64,
    per_shard: usize,
    hasher: RandomState,
    shards: Box<[Mutex<Shard<K>>]>,
}

impl Bucket {
    fn full(burst: f64, now: Instant) -> Self {
        Self { tokens: burst, updated: now }
    }

    /// Refills for the time passed, then takes a token or says how long until one is there.
    fn take(&mut self, rate: f64, burst: f64, now: Instant) -> Result<(), Duration> {
        self.refill(rate, burst, now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            // Round up to whole milliseconds so a client that waits exactly this long succeeds.
            let wait = ((1.0 - self.tokens) / rate * 1000.0).ceil();
            Err(Duration::from_millis(wait as u64))
        }
    }

    fn refill(&mut self, rate: f64, burst: f64, now: Instant) {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.tokens = (self.tokens + elapsed * rate).min(burst);
        self.updated = now;
    }

    fn is_full(&self, rate: f64, burst: f64, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.tokens + elapsed * rate >= burst
    }
}

impl<K: Hash + Eq + Clone> KeyedLimiter<K> {
    /// A limiter for `limit`, or `None` when the limit is off.
    pub(crate) fn new(limit: RateLimit) -> Option<Self> {
        Self::with_capacity(limit, MAX_KEYS)
    }

    fn with_capacity(limit: RateLimit, max_keys: usize) -> Option<Self> {
        if !limit.is_on() {
            return None;
        }
        let burst = f64::from(limit.burst.max(1));
        let now = Instant::now();
        let shards = (0..SHARDS)
            .map(|_| Mutex::new(Shard { buckets: HashMap::new(), overflow: Bucket::full(burst, now) }))
            .collect();
        Some(Self {
            rate: f64::from(limit.per_second),
            burst,
            per_shard: max_keys.div_ceil(SHARDS).max(1),
            hasher: RandomState::new(),
            shards,
        })
    }

    /// Takes a token for `key`, or says how long to wait for one.
    pub(crate) fn check(&self, key: &K, now: Instant) -> Result<(), Duration> {
        let index = (self.hasher.hash_one(key) as usize) % self.shards.len();
        // A poisoned shard only means another call panicked mid-update of plain numbers; keep going.
        let mut shard = self.shards[index].lock().unwrap_or_else(PoisonError::into_inner);
        let (rate, burst) = (self.rate, self.burst);
        if let Some(bucket) = shard.buckets.get_mut(key) {
            return bucket.take(rate, burst, now);
        }
        if shard.buckets.len() >= self.per_shard {
            shard.buckets.retain(|_, b| !b.is_full(rate, burst, now));
        }
        if shard.buckets.len() >= self.per_shard {
            return shard.overflow.take(rate, burst, now);
        }
        let mut bucket = Bucket::full(burst, now);
        let taken = bucket.take(rate, burst, now);
        shard.buckets.insert(key.clone(), bucket);
        taken
    }

    /// Drops every bucket that has refilled to its burst: forgetting it changes nothing.
    pub(crate) fn sweep(&self, now: Instant) {
        let (rate, burst) = (self.rate, self.burst);
        for shard in &*self.shards {
            let mut shard = shard.lock().unwrap_or_else(PoisonError::into_inner);
            shard.buckets.retain(|_, b| !b.is_full(rate, burst, now));
        }
    }

    /// Keys currently tracked.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.shards.iter().map(|s| s.lock().unwrap_or_else(PoisonError::into_inner).buckets.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_the_rate() {
        let limiter = KeyedLimiter::new(RateLimit { per_second: 2, burst: 3 }).unwrap();
        let t0 = Instant::now();
        for _ in 0..3 {
            limiter.check(&"a", t0).unwrap();
        }
        let wait = limiter.check(&"a", t0).unwrap_err();
        assert_eq!(wait, Duration::from_millis(500));
        limiter.check(&"b", t0).unwrap();
        limiter.check(&"a", t0 + Duration::from_millis(500)).unwrap();
        assert!(limiter.check(&"a", t0 + Duration::from_millis(500)).is_err());
    }

    #[test]
    fn memory_stays_bounded_and_refilled_buckets_are_forgotten() {
        let limiter = KeyedLimiter::with_capacity(RateLimit { per_second: 1, burst: 1 }, SHARDS).unwrap();
        let t0 = Instant::now();
        for key in 0..1000 {
            let _ = limiter.check(&key, t0);
        }
        assert!(limiter.len() <= SHARDS, "{}", limiter.len());
        limiter.sweep(t0 + Duration::from_secs(2));
        assert_eq!(limiter.len(), 0);
    }

    #[test]
    fn an_off_limit_builds_no_limiter() {
        assert!(KeyedLimiter::<u8>::new(RateLimit::OFF).is_none());
    }
}
