//! W3: verifying signatures — `record::verify_signatures` on 10,000 records
//! of realistic sizes from 20 devices, against raw ed25519-dalek
//! `verify_strict` one by one and raw `verify_batch` on the same messages;
//! and signing a `content.attest` record against raw `SigningKey::sign` of
//! the same message — in the same run.
//!
//! Run with: `cargo bench -p nous-core --bench w3_verify` (add `-- --json`
//! for a JSON line, `-- --rounds N` to alternate N times and keep the best).
//! Under `cargo test --benches` it runs 300 records once, checking that all
//! verify and that tampered records are caught.

mod common;

use std::time::{Duration, Instant};

use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::IsIdentity as _;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use nous_core::record::{
    self, Attest, Challenge, Heads, Payload, React, Record, RecordId, Stance, Submit, Tension,
    TensionPath, Unsigned,
};
use nous_core::{ChangeHash, DeviceKey, DocId};
use sha2::{Digest as _, Sha256};

const DEVICES: u8 = 20;
const START_MS: u64 = 1_767_225_600_000;

fn main() {
    let full = common::is_bench_run();
    let json = std::env::args().any(|a| a == "--json");
    let rounds: usize = std::env::args()
        .skip_while(|a| a != "--rounds")
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(if full { 3 } else { 1 });
    let count = if full { 10_000 } else { 300 };
    let signings = if full { 5_000 } else { 50 };

    let keys: Vec<DeviceKey> = (1..=DEVICES)
        .map(|n| DeviceKey::from_seed(&[n; 32]))
        .collect();
    let records = workload(&keys, count);
    let refs: Vec<&Record> = records.iter().collect();
    let raw: Vec<Raw> = records.iter().map(Raw::of).collect();
    let bytes: usize = records.iter().map(|r| r.bytes().len()).sum();

    // Correctness first, in both modes: every path says every record is
    // valid, and the engine's path catches tampering at the right index.
    assert!(raw.iter().all(Raw::strict), "raw verify_strict");
    assert!(raw_batches(&raw, 64), "raw verify_batch");
    assert!(record::verify_signatures(&refs).iter().all(|&v| v));
    tampering_is_caught(&records);

    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    // Other work on the machine takes the second core from the 2-thread
    // measurement: say how busy it was.
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load = load.split_whitespace().next().unwrap_or("?").to_owned();
    let mut best = [Duration::MAX; 7];
    for _ in 0..rounds.max(1) {
        let timings = [
            time(|| raw.iter().all(Raw::strict)),
            time(|| raw_batches(&raw, 64)),
            time(|| raw_batches(&raw, raw.len())),
            time(|| raw.iter().all(Raw::torsion_free_r) && raw_batches(&raw, 64)),
            time(|| records.iter().all(|r| r.verify_signature().is_ok())),
            time(|| record::verify_signatures_on(&refs, 1).iter().all(|&v| v)),
            time(|| record::verify_signatures(&refs).iter().all(|&v| v)),
        ];
        for (best, timing) in best.iter_mut().zip(timings) {
            *best = (*best).min(timing);
        }
    }
    let [
        raw_strict,
        raw_batch,
        raw_batch_all,
        screened_batch,
        one_by_one,
        ours_one_thread,
        ours,
    ] = best;
    let per_second = |d: Duration| count as f64 / d.as_secs_f64();
    let micros = |d: Duration| d.as_secs_f64() * 1e6 / count as f64;

    let signing = signing([1; 32], signings);

    let report = serde_json::json!({
        "workload": "W3",
        "records": count,
        "devices": DEVICES,
        "mean_record_bytes": bytes / count,
        "threads_available": threads,
        "load_average_1min_before": load,
        "raw_verify_strict_per_s": per_second(raw_strict),
        "raw_verify_batch_64_per_s": per_second(raw_batch),
        "raw_verify_batch_all_per_s": per_second(raw_batch_all),
        "screened_batch_per_s": per_second(screened_batch),
        "record_verify_signature_per_s": per_second(one_by_one),
        "verify_signatures_1_thread_per_s": per_second(ours_one_thread),
        "verify_signatures_per_s": per_second(ours),
        "ratio_1_thread_vs_raw_strict": raw_strict.as_secs_f64() / ours_one_thread.as_secs_f64(),
        "ratio_vs_raw_strict": raw_strict.as_secs_f64() / ours.as_secs_f64(),
        "ratio_vs_raw_batch_64": raw_batch.as_secs_f64() / ours.as_secs_f64(),
        "record_sign_us": signing.record_sign_us,
        "raw_sign_us": signing.raw_sign_us,
        "sign_ratio": signing.record_sign_us / signing.raw_sign_us,
    });
    if json {
        println!("{report}");
        return;
    }
    println!(
        "W3 verifying {count} records ({} bytes on average, {DEVICES} devices; {threads} threads available, load average {load} before), best of {rounds}",
        bytes / count
    );
    let row = |name: &str, d: Duration| {
        println!(
            "  {name:<62} {:>9.0} /s  {:>6.1} µs each",
            per_second(d),
            micros(d)
        );
    };
    row("raw verify_strict, one by one", raw_strict);
    row(
        "raw verify_batch, 64 at a time (accepts more than strict)",
        raw_batch,
    );
    row(
        "raw verify_batch, all in one call (accepts more than strict)",
        raw_batch_all,
    );
    row(
        "raw verify_batch, 64 at a time, after a torsion check of R",
        screened_batch,
    );
    row("Record::verify_signature, one by one", one_by_one);
    row("verify_signatures, 1 thread", ours_one_thread);
    row(
        &format!("verify_signatures ({} threads)", threads.min(2)),
        ours,
    );
    println!(
        "  ratio raw verify_strict / verify_signatures: {:.2} on 1 thread, {:.2} on {}; raw batch (64) / verify_signatures: {:.2} (target ≥ 50,000 /s)",
        raw_strict.as_secs_f64() / ours_one_thread.as_secs_f64(),
        raw_strict.as_secs_f64() / ours.as_secs_f64(),
        threads.min(2),
        raw_batch.as_secs_f64() / ours.as_secs_f64(),
    );
    println!(
        "W3 signing a content.attest record of 10 change hashes ({signings} times): Record::sign {:.1} µs, raw SigningKey::sign of the same message {:.1} µs, ratio {:.2} (target < 30 µs)",
        signing.record_sign_us,
        signing.raw_sign_us,
        signing.record_sign_us / signing.raw_sign_us,
    );
}

fn time(run: impl FnOnce() -> bool) -> Duration {
    let start = Instant::now();
    assert!(run(), "every signature verifies");
    start.elapsed()
}

/// Deterministic pseudo-random numbers.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

fn hash(label: &str, n: u64) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(label.as_bytes());
    hash.update(n.to_le_bytes());
    hash.finalize().into()
}

fn text(random: &mut Lcg, min: usize, max: usize) -> String {
    const WORDS: [&str; 12] = [
        "the", "charter", "section", "members", "vote", "should", "clarify", "who", "decides",
        "budget", "each", "année",
    ];
    let len = min + random.next() as usize % (max - min);
    let mut out = String::new();
    while out.len() < len {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(WORDS[random.next() as usize % WORDS.len()]);
    }
    out
}

/// A content.attest record of 10 change hashes.
fn attest(n: u64) -> Payload {
    Payload::Attest(Attest {
        doc: DocId::from_bytes(hash("doc", n % 5)[..16].try_into().expect("16 bytes")),
        changes: Heads::new(
            (0..10)
                .map(|c| ChangeHash(hash("change", n * 10 + c)))
                .collect(),
        ),
    })
}

/// `count` records of one community: mostly attestations (one per commit of
/// a document), with reactions, submissions, tensions and challenges; each
/// cites the one or two records before it.
fn workload(keys: &[DeviceKey], count: usize) -> Vec<Record> {
    let mut random = Lcg(7);
    let community = RecordId(hash("community", 0));
    let mut records: Vec<Record> = Vec::with_capacity(count);
    for n in 0..count as u64 {
        let payload = match random.next() % 20 {
            0..=13 => attest(n),
            14..=16 => Payload::React(React {
                subject: RecordId(hash("proposal", n % 7)),
                submission: Some(RecordId(hash("submission", n % 7))),
                stance: [Stance::Consent, Stance::Concern, Stance::Question][n as usize % 3],
                criteria: Default::default(),
                argument: text(&mut random, 40, 240),
                objection: None,
            }),
            17 => Payload::Submit(Submit {
                amendment: RecordId(hash("proposal", n % 7)),
                heads: Heads::new(
                    (0..3)
                        .map(|c| ChangeHash(hash("draft", n * 3 + c)))
                        .collect(),
                ),
                note: text(&mut random, 80, 300),
                sections: vec!["budget".into()],
                integrates: vec![RecordId(hash("objection", n))],
                tension_addressed: true,
            }),
            18 => Payload::Tension(Tension {
                path: TensionPath::Governance,
                summary: text(&mut random, 60, 200),
                section: Some("adhesion".into()),
            }),
            _ => Payload::Challenge(Challenge {
                section: "budget".into(),
                tension: text(&mut random, 60, 200),
                example: text(&mut random, 60, 200),
                tension_record: None,
                promoted_from: None,
            }),
        };
        let parents = records
            .iter()
            .rev()
            .take(1 + (n % 2) as usize)
            .map(Record::id)
            .collect();
        let key = &keys[random.next() as usize % keys.len()];
        let unsigned = Unsigned {
            community,
            timestamp: START_MS + n * 1_000,
            parents,
            payload,
        };
        records.push(Record::sign(key, unsigned).expect("sign"));
    }
    records
}

/// What the raw anchors get: the signed message, the signature and the
/// decoded key, rebuilt from the record's bytes as `docs/records.md` says.
struct Raw {
    message: Vec<u8>,
    signature: ed25519_dalek::Signature,
    key: VerifyingKey,
}

impl Raw {
    fn of(record: &Record) -> Raw {
        let bytes = record.bytes();
        let kind_end = 6 + usize::from(bytes[5]);
        let split = bytes.len() - 64;
        let mut message = record::DOMAIN.to_vec();
        message.extend_from_slice(&bytes[6..kind_end]);
        message.push(0);
        message.extend_from_slice(&bytes[kind_end..kind_end + 32]);
        message.extend_from_slice(&bytes[..split]);
        let signature =
            ed25519_dalek::Signature::from_bytes(bytes[split..].try_into().expect("64 bytes"));
        let key = VerifyingKey::from_bytes(record.author().as_bytes()).expect("a key");
        Raw {
            message,
            signature,
            key,
        }
    }

    fn strict(&self) -> bool {
        self.key
            .verify_strict(&self.message, &self.signature)
            .is_ok()
    }

    /// The check a batch would need per signature to agree with strict
    /// verification: R canonical, not of small order, torsion-free (here
    /// `[ℓ-1]R + R = 0`, the cheaper variable-time form).
    fn torsion_free_r(&self) -> bool {
        let bytes = *self.signature.r_bytes();
        CompressedEdwardsY(bytes).decompress().is_some_and(|r| {
            r.compress().0 == bytes
                && !r.is_small_order()
                && (EdwardsPoint::vartime_double_scalar_mul_basepoint(
                    &-Scalar::ONE,
                    &r,
                    &Scalar::ZERO,
                ) + r)
                    .is_identity()
                && !self.key.is_weak()
        })
    }
}

fn raw_batches(raw: &[Raw], size: usize) -> bool {
    raw.chunks(size).all(|chunk| {
        let messages: Vec<&[u8]> = chunk.iter().map(|r| r.message.as_slice()).collect();
        let signatures: Vec<_> = chunk.iter().map(|r| r.signature).collect();
        let keys: Vec<_> = chunk.iter().map(|r| r.key).collect();
        ed25519_dalek::verify_batch(&messages, &signatures, &keys).is_ok()
    })
}

fn tampering_is_caught(records: &[Record]) {
    let mut tampered = records.to_vec();
    let timestamp_at = |r: &Record| 6 + usize::from(r.bytes()[5]) + 64;
    for (index, flip) in [
        (0, timestamp_at(&records[0]) + 7),
        (
            records.len() / 2,
            records[records.len() / 2].bytes().len() - 1,
        ),
        (
            records.len() - 1,
            records[records.len() - 1].bytes().len() - 40,
        ),
    ] {
        let mut bytes = records[index].bytes().to_vec();
        bytes[flip] ^= 0x01;
        tampered[index] = Record::decode(&bytes).expect("still well-formed");
    }
    let refs: Vec<&Record> = tampered.iter().collect();
    let valid = record::verify_signatures(&refs);
    let refused: Vec<usize> = (0..valid.len()).filter(|&i| !valid[i]).collect();
    assert_eq!(
        refused,
        [0, records.len() / 2, records.len() - 1],
        "exactly the tampered records are refused"
    );
}

struct Signing {
    record_sign_us: f64,
    raw_sign_us: f64,
}

/// `Record::sign` of a content.attest of 10 change hashes (encode, sign,
/// decode back: what a commit pays) against raw `SigningKey::sign` of the
/// same signed message.
fn signing(seed: [u8; 32], times: usize) -> Signing {
    let key = &DeviceKey::from_seed(&seed);
    let raw_key = SigningKey::from_bytes(&seed);
    let unsigned = |n: u64| Unsigned {
        community: RecordId(hash("community", 0)),
        timestamp: START_MS + n,
        parents: vec![RecordId(hash("parent", n))],
        payload: attest(n),
    };
    let messages: Vec<Vec<u8>> = (0..times as u64)
        .map(|n| Raw::of(&Record::sign(key, unsigned(n)).expect("sign")).message)
        .collect();
    let mut record_sign = Duration::ZERO;
    let mut raw_sign = Duration::ZERO;
    // Alternate in rounds of 100 so that drift hits both alike; the fields
    // are built before the clock starts.
    for (round, messages) in messages.chunks(100).enumerate() {
        let first = (round * 100) as u64;
        let fields: Vec<Unsigned> = (first..first + messages.len() as u64)
            .map(unsigned)
            .collect();
        let start = Instant::now();
        for fields in fields {
            std::hint::black_box(Record::sign(key, fields).expect("sign"));
        }
        record_sign += start.elapsed();
        let start = Instant::now();
        for message in messages {
            std::hint::black_box(raw_key.sign(message));
        }
        raw_sign += start.elapsed();
    }
    Signing {
        record_sign_us: record_sign.as_secs_f64() * 1e6 / times as f64,
        raw_sign_us: raw_sign.as_secs_f64() * 1e6 / times as f64,
    }
}
