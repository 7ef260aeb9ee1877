//! The request log: every request sent, for the application to show as proof that only GETs
//! were sent. It holds method, path, query, status, duration and attempt — never the token,
//! which travels only in a header.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

/// One HTTP request attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    /// When the request was sent.
    pub started_at: SystemTime,
    /// Always `"GET"`: the client has no other method.
    pub method: &'static str,
    /// Path relative to the base URL, e.g. `/Invoice`.
    pub path: String,
    /// The query string as sent (it carries no secret), e.g. `limit=1000&offset=0&countAll=true`.
    pub query: String,
    /// HTTP status, `None` if no answer arrived (timeout, connection failure).
    pub status: Option<u16>,
    pub duration: Duration,
    /// 1 for the first try, 2 for the first retry, …
    pub attempt: u32,
    /// Short outcome: `ok`, `retrying: HTTP 503`, `timeout`, `failed: …`.
    pub outcome: String,
}

/// Shared, cloneable handle on the request log of one [`crate::Client`].
#[derive(Debug, Clone)]
pub struct RequestLog {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Debug)]
struct Inner {
    records: Vec<RequestRecord>,
    capacity: usize,
    total: u64,
    dropped: u64,
}

impl RequestLog {
    /// A log that keeps the newest `capacity` records (the count of all requests is kept too).
    pub fn with_capacity(capacity: usize) -> Self {
        RequestLog {
            inner: Arc::new(Mutex::new(Inner {
                records: Vec::new(),
                capacity: capacity.max(1),
                total: 0,
                dropped: 0,
            })),
        }
    }

    pub(crate) fn push(&self, record: RequestRecord) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        inner.total += 1;
        if inner.records.len() >= inner.capacity {
            // Oldest first out; dropping one at a time keeps this O(n) only on overflow.
            inner.records.remove(0);
            inner.dropped += 1;
        }
        inner.records.push(record);
    }

    /// The kept records, oldest first.
    pub fn records(&self) -> Vec<RequestRecord> {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .records
            .clone()
    }

    /// Number of requests sent since the client was made (including dropped records).
    pub fn total(&self) -> u64 {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .total
    }

    /// Records dropped because the log was full.
    pub fn dropped(&self) -> u64 {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .dropped
    }

    /// Number of kept records whose method is not GET (always zero; for display as proof).
    pub fn non_get_count(&self) -> usize {
        self.records().iter().filter(|r| r.method != "GET").count()
    }

    /// Forgets all records (the total is kept).
    pub fn clear(&self) {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .records
            .clear();
    }
}

impl Default for RequestLog {
    fn default() -> Self {
        RequestLog::with_capacity(10_000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(n: u32) -> RequestRecord {
        RequestRecord {
            started_at: SystemTime::UNIX_EPOCH,
            method: "GET",
            path: "/Invoice".into(),
            query: String::new(),
            status: Some(200),
            duration: Duration::from_millis(1),
            attempt: n,
            outcome: "ok".into(),
        }
    }

    #[test]
    fn keeps_the_newest_records_and_counts_all() {
        let log = RequestLog::with_capacity(2);
        for n in 1..=3 {
            log.push(record(n));
        }
        let kept: Vec<u32> = log.records().iter().map(|r| r.attempt).collect();
        assert_eq!(kept, vec![2, 3]);
        assert_eq!(log.total(), 3);
        assert_eq!(log.dropped(), 1);
        assert_eq!(log.non_get_count(), 0);
    }
}
