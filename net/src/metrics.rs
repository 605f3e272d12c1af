//! Counters for `/metrics`, in the Prometheus text format.
//!
//! A handful of atomics, written by hand: the exposition format is a few
//! lines of text and a metrics crate would bring more than it saves.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

/// Everything the relay counts.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Open WebSocket connections (authenticated).
    pub connections: AtomicI64,
    /// Connections accepted since start.
    pub connections_total: AtomicU64,
    /// Documents the relay holds in memory.
    pub documents_loaded: AtomicI64,
    /// Frames received from clients.
    pub messages_in: AtomicU64,
    /// Frames sent to clients.
    pub messages_out: AtomicU64,
    /// Bytes received from clients.
    pub bytes_in: AtomicU64,
    /// Bytes sent to clients.
    pub bytes_out: AtomicU64,
    /// Changes admitted by the guard.
    pub changes_admitted: AtomicU64,
    /// Changes admitted as typing: kept, forwarded and saved before they
    /// are applied, in batches (counted in `changes_admitted` too).
    pub changes_typed: AtomicU64,
    /// Batches of such changes applied.
    pub typing_batches: AtomicU64,
    /// Records admitted from ledgers.
    pub records_admitted: AtomicU64,
    /// Failed store commits.
    pub store_write_errors: AtomicU64,
    /// Equivocations refused and kept as evidence.
    pub equivocations: AtomicU64,
    /// Documents loaded again from the store after a refusal that came
    /// once the changes were applied, or a break.
    pub documents_reloaded: AtomicU64,
    /// Bytes queued for clients, not yet written to their sockets.
    pub queued_bytes: AtomicI64,
    /// Bytes of frames read from clients and not yet handled.
    pub inflight_bytes: AtomicI64,
    /// Bytes of changes held in documents while they wait for a dependency.
    pub waiting_bytes: AtomicI64,
    /// For each frame that carries a writer's changes to another client:
    /// the time from the writer's frame read off its socket to this one
    /// written to the reader's (the relay's share of an edit's latency).
    pub fanout: Histogram,
    rejections: Mutex<BTreeMap<&'static str, u64>>,
}

impl Metrics {
    /// Count a refused connection or message, by reason (a stable label).
    pub fn reject(&self, reason: &'static str) {
        let mut map = self
            .rejections
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *map.entry(reason).or_default() += 1;
    }

    /// How many refusals were counted for `reason`.
    pub fn rejections(&self, reason: &str) -> u64 {
        let map = self
            .rejections
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.get(reason).copied().unwrap_or(0)
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let gauge = |out: &mut String, name: &str, help: &str, value: i64| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
            );
        };
        let counter = |out: &mut String, name: &str, help: &str, value: u64| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}"
            );
        };
        let load_i = |a: &AtomicI64| a.load(Ordering::Relaxed);
        let load_u = |a: &AtomicU64| a.load(Ordering::Relaxed);
        gauge(
            &mut out,
            "nous_relay_connections",
            "Open client connections.",
            load_i(&self.connections),
        );
        counter(
            &mut out,
            "nous_relay_connections_total",
            "Client connections accepted.",
            load_u(&self.connections_total),
        );
        gauge(
            &mut out,
            "nous_relay_documents_loaded",
            "Documents held in memory by the sync engine.",
            load_i(&self.documents_loaded),
        );
        counter(
            &mut out,
            "nous_relay_messages_in_total",
            "Messages received from clients.",
            load_u(&self.messages_in),
        );
        counter(
            &mut out,
            "nous_relay_messages_out_total",
            "Messages sent to clients.",
            load_u(&self.messages_out),
        );
        counter(
            &mut out,
            "nous_relay_bytes_in_total",
            "Bytes received from clients.",
            load_u(&self.bytes_in),
        );
        counter(
            &mut out,
            "nous_relay_bytes_out_total",
            "Bytes sent to clients.",
            load_u(&self.bytes_out),
        );
        counter(
            &mut out,
            "nous_relay_changes_admitted_total",
            "Document changes admitted by the guard.",
            load_u(&self.changes_admitted),
        );
        counter(
            &mut out,
            "nous_relay_changes_typed_total",
            "Document changes admitted as typing, applied later in batches.",
            load_u(&self.changes_typed),
        );
        counter(
            &mut out,
            "nous_relay_typing_batches_total",
            "Batches of changes admitted as typing, applied.",
            load_u(&self.typing_batches),
        );
        counter(
            &mut out,
            "nous_relay_records_admitted_total",
            "Signed records admitted from ledgers.",
            load_u(&self.records_admitted),
        );
        counter(
            &mut out,
            "nous_relay_documents_reloaded_total",
            "Documents loaded again from the store after a late refusal or a break.",
            load_u(&self.documents_reloaded),
        );
        counter(
            &mut out,
            "nous_relay_store_write_errors_total",
            "Failed store commits.",
            load_u(&self.store_write_errors),
        );
        counter(
            &mut out,
            "nous_relay_evidence_kept_total",
            "Equivocations refused and kept as evidence.",
            load_u(&self.equivocations),
        );
        gauge(
            &mut out,
            "nous_relay_queued_bytes",
            "Bytes queued for clients' sockets.",
            load_i(&self.queued_bytes),
        );
        gauge(
            &mut out,
            "nous_relay_inflight_bytes",
            "Bytes read from clients and not yet handled.",
            load_i(&self.inflight_bytes),
        );
        gauge(
            &mut out,
            "nous_relay_waiting_bytes",
            "Bytes of changes waiting in documents for a missing dependency.",
            load_i(&self.waiting_bytes),
        );
        self.fanout.render(
            &mut out,
            "nous_relay_fanout_seconds",
            "From a writer's changes read to each other client's frame written.",
        );
        let _ = writeln!(
            out,
            "# HELP nous_relay_rejections_total Connections and messages refused, by reason.\n# TYPE nous_relay_rejections_total counter"
        );
        let map = self
            .rejections
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for (reason, count) in map.iter() {
            let _ = writeln!(
                out,
                "nous_relay_rejections_total{{reason=\"{reason}\"}} {count}"
            );
        }
        out
    }
}

/// Upper bounds of [`Histogram`]'s buckets, in microseconds: every quarter
/// of a millisecond up to 10 ms (where latencies of a live edit lie, fine
/// enough to tell a p99 on either side of 5 ms), then coarser up to 1 s.
const BOUNDS_US: [u64; 49] = {
    let mut bounds = [0; 49];
    let mut i = 0;
    while i < 40 {
        bounds[i] = (i as u64 + 1) * 250;
        i += 1;
    }
    let coarse = [
        12_500, 15_000, 20_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000,
    ];
    let mut j = 0;
    while j < coarse.len() {
        bounds[40 + j] = coarse[j];
        j += 1;
    }
    bounds
};

/// Durations counted in fixed buckets, rendered as a Prometheus histogram.
#[derive(Debug)]
pub struct Histogram {
    /// One per bound, then one past the last (`+Inf`); not cumulative.
    counts: [AtomicU64; BOUNDS_US.len() + 1],
    sum_us: AtomicU64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            counts: std::array::from_fn(|_| AtomicU64::new(0)),
            sum_us: AtomicU64::new(0),
        }
    }
}

impl Histogram {
    /// Count one duration.
    pub fn observe(&self, elapsed: std::time::Duration) {
        let us = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        let bucket = BOUNDS_US.partition_point(|&bound| bound < us);
        self.counts[bucket].fetch_add(1, Ordering::Relaxed);
        self.sum_us.fetch_add(us, Ordering::Relaxed);
    }

    /// How many durations were counted.
    pub fn count(&self) -> u64 {
        self.counts.iter().map(|c| c.load(Ordering::Relaxed)).sum()
    }

    fn render(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        let mut cumulative = 0;
        for (i, count) in self.counts.iter().enumerate() {
            cumulative += count.load(Ordering::Relaxed);
            match BOUNDS_US.get(i) {
                Some(&bound) => {
                    let le = bound as f64 / 1e6;
                    let _ = writeln!(out, "{name}_bucket{{le=\"{le}\"}} {cumulative}");
                }
                None => {
                    let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {cumulative}");
                }
            }
        }
        let sum = self.sum_us.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum {sum}\n{name}_count {cumulative}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::time::Duration;

    /// The count a cumulative bucket line of `text` gives.
    fn bucket_count(text: &str, name: &str, le: &str) -> u64 {
        let prefix = format!("{name}_bucket{{le=\"{le}\"}} ");
        text.lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no bucket {le} in {text}"))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Whatever durations are counted, each cumulative bucket holds
        /// exactly those at or under its bound, `+Inf` all of them, and the
        /// sum is theirs (in microseconds).
        #[test]
        fn every_bucket_holds_the_durations_at_or_under_its_bound(
            micros in proptest::collection::vec(
                prop_oneof![0u64..12_000, 0u64..2_000_000, Just(5_000u64)],
                0..200,
            )
        ) {
            let h = Histogram::default();
            for &us in &micros {
                h.observe(Duration::from_micros(us));
            }
            let mut text = String::new();
            h.render(&mut text, "t", "test");
            for bound in BOUNDS_US {
                let le = (bound as f64 / 1e6).to_string();
                let expected = micros.iter().filter(|&&us| us <= bound).count() as u64;
                prop_assert_eq!(bucket_count(&text, "t", &le), expected, "le {}", le);
            }
            prop_assert_eq!(bucket_count(&text, "t", "+Inf"), micros.len() as u64);
            prop_assert_eq!(h.count(), micros.len() as u64);
            prop_assert_eq!(
                h.sum_us.load(Ordering::Relaxed),
                micros.iter().sum::<u64>()
            );
        }
    }

    /// Each duration lands in the first bucket whose bound it does not
    /// exceed; the exposition's buckets are cumulative and end with `+Inf`.
    #[test]
    fn a_histogram_counts_each_duration_once_in_its_bucket() {
        let h = Histogram::default();
        for us in [0, 250, 251, 4_990, 5_000, 5_001, 10_000, 10_001, 2_000_000] {
            h.observe(Duration::from_micros(us));
        }
        assert_eq!(h.count(), 9);
        let mut text = String::new();
        h.render(&mut text, "t", "test");
        let bucket = |le: &str| bucket_count(&text, "t", le);
        assert_eq!(bucket("0.00025"), 2);
        assert_eq!(bucket("0.0005"), 3);
        assert_eq!(bucket("0.005"), 5);
        assert_eq!(bucket("0.00525"), 6);
        assert_eq!(bucket("0.01"), 7);
        assert_eq!(bucket("0.0125"), 8);
        assert_eq!(bucket("1"), 8);
        assert_eq!(bucket("+Inf"), 9);
        assert!(text.contains("t_count 9\n"));
        assert!(text.contains("t_sum 2.035493\n"), "{text}");
    }
}
