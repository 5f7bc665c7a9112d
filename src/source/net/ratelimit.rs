//! A per-platform request rate limit: requests are spaced at least
//! `1 / rate` apart, in the order they asked.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Spaces requests `interval` apart across every task that shares it.
/// Cost: one uncontended mutex lock per request and a sleep when ahead of
/// schedule; no background task.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Option<Duration>,
    next: Mutex<Option<Instant>>,
}

impl RateLimiter {
    /// A limiter allowing `per_second` requests per second; `0`, negative,
    /// NaN or infinite means unlimited.
    pub fn new(per_second: f64) -> RateLimiter {
        let interval = (per_second.is_finite() && per_second > 0.0)
            .then(|| Duration::from_secs_f64(1.0 / per_second));
        RateLimiter {
            interval,
            next: Mutex::new(None),
        }
    }

    /// Waits for this caller's slot.
    pub async fn acquire(&self) {
        let Some(interval) = self.interval else {
            return;
        };
        let slot = {
            let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            let slot = next.map_or(now, |n| n.max(now));
            *next = Some(slot + interval);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}
