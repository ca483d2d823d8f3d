//! The one retry module: decorrelated-jitter backoff with caps on attempts and total time,
//! honouring the server's own wait (Notion `Retry-After`, ClickUp `X-RateLimit-Reset`).
//!
//! A step drives it like this: try; on failure ask [`Retrier::wait`] whether to try again (it
//! sleeps, or hands the error back when retrying cannot help or the budget is spent); when
//! the failure says the server *may* have applied the request, look at the task before
//! repeating it.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;

use crate::error::{Error, Failure, Service};

/// Caps and pacing for retries.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// First backoff and the floor of every later one.
    pub base: Duration,
    /// No single backoff is longer than this.
    pub cap: Duration,
    /// Attempts per request, the first included.
    pub max_attempts: u32,
    /// Total time spent retrying one request before giving up (the job stays queued).
    pub max_total: Duration,
    /// A server-requested wait longer than this leaves the job queued instead of sleeping.
    pub max_server_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            base: Duration::from_millis(250),
            cap: Duration::from_secs(20),
            max_attempts: 8,
            max_total: Duration::from_secs(120),
            max_server_wait: Duration::from_secs(65),
        }
    }
}

impl RetryPolicy {
    /// A fast policy for tests against local fakes: same logic, shorter sleeps.
    pub fn fast() -> Self {
        RetryPolicy {
            base: Duration::from_millis(5),
            cap: Duration::from_millis(50),
            max_attempts: 12,
            max_total: Duration::from_secs(30),
            max_server_wait: Duration::from_secs(5),
        }
    }
}

/// The state of retrying one request.
#[derive(Debug)]
pub struct Retrier<'a> {
    policy: &'a RetryPolicy,
    what: &'static str,
    attempt: u32,
    started: Instant,
    last_sleep: Duration,
    rng: u64,
}

impl<'a> Retrier<'a> {
    pub fn new(policy: &'a RetryPolicy, what: &'static str) -> Self {
        let seed = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0x9e37_79b9, |d| d.as_nanos() as u64)
            ^ (what.as_ptr() as u64);
        Retrier {
            policy,
            what,
            attempt: 1,
            started: Instant::now(),
            last_sleep: policy.base,
            rng: seed | 1,
        }
    }

    /// Decides about a failed attempt: sleeps and returns `Ok(())` to try again, or returns the
    /// error when it cannot help (not retryable, attempts or time spent, server wait too long).
    pub(crate) async fn wait(&mut self, failure: Failure) -> Result<(), Error> {
        let Failure { error, wait, .. } = failure;
        if !error.is_retryable() {
            return Err(error);
        }
        if self.attempt >= self.policy.max_attempts {
            tracing::debug!(
                what = self.what,
                attempts = self.attempt,
                "giving up after the last attempt"
            );
            return Err(error);
        }
        let sleep = match wait {
            Some(server_wait) if server_wait > self.policy.max_server_wait => {
                tracing::debug!(
                    what = self.what,
                    wait_secs = server_wait.as_secs(),
                    "server asks to wait longer than we retry for"
                );
                return Err(match error {
                    Error::RateLimited { service, .. } => Error::RateLimited {
                        service,
                        retry_after: server_wait,
                    },
                    other => other,
                });
            }
            Some(server_wait) => server_wait,
            None => self.next_backoff(),
        };
        if self.started.elapsed() + sleep > self.policy.max_total {
            tracing::debug!(
                what = self.what,
                attempts = self.attempt,
                "giving up: retry time budget spent"
            );
            return Err(error);
        }
        tracing::info!(what = self.what, attempt = self.attempt, sleep_ms = sleep.as_millis() as u64, error = %error, "retrying");
        tokio::time::sleep(sleep).await;
        self.attempt += 1;
        Ok(())
    }

    /// Decorrelated jitter: `min(cap, random(base, last * 3))`.
    fn next_backoff(&mut self) -> Duration {
        let lo = self.policy.base.as_millis() as u64;
        let hi = (self.last_sleep.as_millis() as u64)
            .saturating_mul(3)
            .max(lo + 1);
        let pick = lo + self.next_random() % (hi - lo);
        let sleep = Duration::from_millis(pick).min(self.policy.cap);
        self.last_sleep = sleep;
        sleep
    }

    fn next_random(&mut self) -> u64 {
        // xorshift64*: plenty for jitter, no dependency.
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Attempts made so far (the first attempt is 1).
    pub fn attempts(&self) -> u32 {
        self.attempt
    }
}

/// Runs `op` with retries. When a failure says the server may have applied the request,
/// `check` looks at the task first and returns what it finds, so the request is not repeated.
/// [`run`] for a request that is safe to repeat as it is (a read, or a write whose repeat is
/// harmless): nothing to look for before trying again.
pub(crate) async fn repeatable<T, F, Fut>(
    policy: &RetryPolicy,
    what: &'static str,
    op: F,
) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, Failure>>,
{
    run(policy, what, op, || async { Ok(None) }).await
}

pub(crate) async fn run<T, F, Fut, C, CFut>(
    policy: &RetryPolicy,
    what: &'static str,
    mut op: F,
    mut check: C,
) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, Failure>>,
    C: FnMut() -> CFut,
    CFut: std::future::Future<Output = Result<Option<T>, Failure>>,
{
    let mut retrier = Retrier::new(policy, what);
    // Once a failure may have been applied, every later attempt looks first, until a look succeeds.
    let mut must_check = false;
    loop {
        if must_check {
            match check().await {
                Ok(Some(found)) => {
                    tracing::info!(
                        what,
                        "the earlier attempt had been applied; not repeating it"
                    );
                    return Ok(found);
                }
                Ok(None) => must_check = false,
                Err(f) => {
                    retrier.wait(f).await?;
                    continue;
                }
            }
        }
        match op().await {
            Ok(v) => return Ok(v),
            Err(f) => {
                must_check |= f.applied == crate::error::Applied::Maybe;
                retrier.wait(f).await?;
            }
        }
    }
}

/// The wait a response asks for: `Retry-After` (seconds or an HTTP date) or, on a 429, ClickUp's
/// `X-RateLimit-Reset` (Unix seconds; ClickUp sends it on every response, so only a 429 means it).
pub fn server_wait(service: Service, headers: &HeaderMap, rate_limited: bool) -> Option<Duration> {
    if let Some(v) = headers.get("retry-after").and_then(|v| v.to_str().ok()) {
        let v = v.trim();
        if let Ok(secs) = v.parse::<u64>() {
            return Some(Duration::from_secs(secs));
        }
        if let Ok(at) =
            time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc2822)
        {
            let now = time::OffsetDateTime::now_utc();
            return Some(Duration::from_secs((at - now).whole_seconds().max(0) as u64));
        }
    }
    if service == Service::ClickUp
        && rate_limited
        && let Some(reset) = headers
            .get("x-ratelimit-reset")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
    {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        // Reset is a whole second; wait until it has passed.
        return Some(Duration::from_secs(reset.saturating_sub(now)) + Duration::from_millis(100));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_stays_between_base_and_cap() {
        let policy = RetryPolicy {
            base: Duration::from_millis(100),
            cap: Duration::from_secs(2),
            ..RetryPolicy::default()
        };
        let mut r = Retrier::new(&policy, "test");
        let mut seen_growth = false;
        for _ in 0..200 {
            let d = r.next_backoff();
            assert!(d >= policy.base && d <= policy.cap, "{d:?}");
            seen_growth |= d > Duration::from_millis(300);
        }
        assert!(seen_growth, "decorrelated jitter should grow past 3× base");
    }

    #[test]
    fn retry_after_and_rate_limit_reset_are_read() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", "3".parse().unwrap());
        assert_eq!(
            server_wait(Service::Notion, &h, true),
            Some(Duration::from_secs(3))
        );
        let mut h = HeaderMap::new();
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        h.insert("x-ratelimit-reset", (now + 2).to_string().parse().unwrap());
        let w = server_wait(Service::ClickUp, &h, true).unwrap();
        assert!(
            w >= Duration::from_secs(1) && w <= Duration::from_secs(3),
            "{w:?}"
        );
        assert_eq!(
            server_wait(Service::Notion, &h, true),
            None,
            "Notion does not send the ClickUp header"
        );
    }

    #[tokio::test]
    async fn non_retryable_errors_come_back_at_once_and_budget_caps_attempts() {
        let policy = RetryPolicy {
            max_attempts: 3,
            ..RetryPolicy::fast()
        };
        let mut r = Retrier::new(&policy, "test");
        let fatal = Failure::fatal(Error::StorageFull);
        assert!(matches!(r.wait(fatal).await, Err(Error::StorageFull)));
        let transient = || Failure {
            error: Error::Transient {
                service: Service::Notion,
                detail: "500".into(),
            },
            applied: crate::error::Applied::Maybe,
            wait: None,
        };
        assert!(r.wait(transient()).await.is_ok());
        assert!(r.wait(transient()).await.is_ok());
        assert!(
            r.wait(transient()).await.is_err(),
            "third attempt was the last"
        );
    }
}
