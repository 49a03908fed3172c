//! `GET /metrics`: Prometheus text exposition (version 0.0.4).
//!
//! | metric | labels | what |
//! |---|---|---|
//! | `zatca_http_requests_total` | `route` (method and route template, or `unmatched`), `status` | requests answered since the start |
//! | `zatca_activities` | `state` (`IN_PROGRESS`, `SUCCEEDED`, `FAILED`) | `IN_PROGRESS`: every activity still running or interrupted; the others: the latest activity of each device |
//! | `zatca_activities_queued` | — | activities waiting for or running on a worker |
//! | `zatca_pcsids_expiring_within_30_days` | — | production CSIDs not yet expired that expire within 30 days |

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;

/// Request counts by route and status.
#[derive(Debug, Default)]
pub(crate) struct RequestCounts(Mutex<BTreeMap<(String, u16), u64>>);

impl RequestCounts {
    pub(crate) fn count(&self, route: &str, status: u16) {
        if let Ok(mut map) = self.0.lock() {
            *map.entry((route.to_owned(), status)).or_insert(0) += 1;
        }
    }

    fn snapshot(&self) -> Vec<((String, u16), u64)> {
        self.0
            .lock()
            .map(|map| map.iter().map(|(k, v)| (k.clone(), *v)).collect())
            .unwrap_or_default()
    }
}

/// What the store says, read at each scrape.
#[derive(Debug, Default)]
pub(crate) struct StoreFigures {
    pub(crate) in_progress: u64,
    pub(crate) succeeded: u64,
    pub(crate) failed: u64,
    pub(crate) expiring: u64,
    pub(crate) queued: u64,
}

fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The exposition text.
pub(crate) fn render(requests: &RequestCounts, figures: &StoreFigures) -> String {
    let mut out = String::new();
    out.push_str("# HELP zatca_http_requests_total Requests answered, by route and status.\n");
    out.push_str("# TYPE zatca_http_requests_total counter\n");
    for ((route, status), n) in requests.snapshot() {
        let _ = writeln!(
            out,
            "zatca_http_requests_total{{route=\"{}\",status=\"{status}\"}} {n}",
            label(&route)
        );
    }
    out.push_str("# HELP zatca_activities PCSID activities by state (SUCCEEDED and FAILED: the latest activity of each device).\n");
    out.push_str("# TYPE zatca_activities gauge\n");
    for (state, n) in [
        ("IN_PROGRESS", figures.in_progress),
        ("SUCCEEDED", figures.succeeded),
        ("FAILED", figures.failed),
    ] {
        let _ = writeln!(out, "zatca_activities{{state=\"{state}\"}} {n}");
    }
    out.push_str("# HELP zatca_activities_queued Activities waiting for or running on a worker.\n");
    out.push_str("# TYPE zatca_activities_queued gauge\n");
    let _ = writeln!(out, "zatca_activities_queued {}", figures.queued);
    out.push_str("# HELP zatca_pcsids_expiring_within_30_days Production CSIDs that expire within 30 days.\n");
    out.push_str("# TYPE zatca_pcsids_expiring_within_30_days gauge\n");
    let _ = writeln!(
        out,
        "zatca_pcsids_expiring_within_30_days {}",
        figures.expiring
    );
    out
}
