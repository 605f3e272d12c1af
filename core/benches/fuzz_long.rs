//! A seeded mutation fuzzer over every untrusted input nous-core decodes:
//! the guard (documents, changes, sync messages), bundles (decode, verify,
//! import), signed records (decode, then governance) and Markdown import
//! (then a charter made from it). Stable Rust, no libFuzzer: each target
//! starts from valid inputs built here, in memory, and mutates them (bit
//! flips, byte inserts and deletes, repeats, splices of two inputs, LEB128
//! and length fields set to edge values), recomputing the SHA-256 chunk
//! checksum of Automerge chunks, the digest of bundles and the signature of
//! records, so that mutations reach the code behind those checks.
//!
//! The oracle: no panic escapes (each input runs inside `catch_unwind`; a
//! panic the guard contains is an `Err`), no input takes longer than the
//! hang threshold, and what the guard accepts saves and loads again.
//! Crashing and hanging inputs are kept as hex files.
//!
//! Run with `cargo bench -p nous-core --bench fuzz_long -- --seconds 3600
//! --seed 1` (`--keep DIR` for the kept inputs, `--hang-ms N` for the hang
//! threshold, `--replay TARGET FILE.hex` to run one kept input again).
//! Without arguments (and under `cargo test`) it runs for 2 seconds; that
//! smoke run fails only on a panic that escaped, a benchmark run on any
//! finding. See
//! docs/security.md, "Fuzzing".

mod common;

use std::cell::RefCell;
use std::io::Read as _;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use automerge::marks::{ExpandMark, Mark};
use automerge::sync::SyncDoc as _;
use automerge::transaction::Transactable as _;
use automerge::{ActorId, Automerge, ObjType, ROOT, ReadDoc as _};
use nous_core::bundle::Bundle;
use nous_core::guard::{self, GuardError, Limits};
use nous_core::record::{
    Access, College, DocumentShare, Founder, Kind, Method, Payload, Record, RecordId, Rule, Rules,
    Unsigned,
};
use nous_core::store::MemoryStorage;
use nous_core::{DeviceKey, Engine, EngineOptions, governance, markdown, verify};
use sha2::{Digest as _, Sha256};

/// No input grows beyond this (the caps are far above it; this keeps
/// repeats from making every input slow).
const MAX_INPUT: usize = 256 << 10;
const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];

// ---- randomness -----------------------------------------------------------------

/// splitmix64: each input has its own generator, seeded from the run's
/// seed, the target and the input's number, so any input can be made again.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed)
    }

    fn for_input(seed: u64, target: usize, index: u64) -> Self {
        let mut mix = Rng(seed ^ (target as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let base = mix.next();
        Rng(base ^ index.wrapping_mul(0xd1b5_4a32_d192_ed03))
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

// ---- generic mutations ----------------------------------------------------------

fn leb(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn read_leb(bytes: &[u8], at: &mut usize) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *bytes.get(*at)?;
        *at += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

fn interesting(rng: &mut Rng) -> u64 {
    const VALUES: [u64; 16] = [
        0,
        1,
        2,
        0x7f,
        0x80,
        0xff,
        0x100,
        0x3fff,
        0x4000,
        0xffff,
        0x1_0000,
        0x7fff_ffff,
        0xffff_ffff,
        0x1_0000_0000,
        1 << 62,
        u64::MAX,
    ];
    match rng.below(4) {
        0 => rng.below(64) as u64,
        1 => rng.next(),
        _ => *rng.pick(&VALUES),
    }
}

/// One to four stacked byte-level mutations; `pool` is for splices.
fn mutate_bytes(rng: &mut Rng, data: &mut Vec<u8>, pool: &[Vec<u8>]) {
    for _ in 0..=rng.below(4) {
        let len = data.len();
        match rng.below(11) {
            // Flip a bit.
            0 | 1 => {
                if len > 0 {
                    let at = rng.below(len);
                    data[at] ^= 1 << rng.below(8);
                }
            }
            // An edge value in a byte.
            2 => {
                if len > 0 {
                    let at = rng.below(len);
                    data[at] = {
                        let random = rng.next() as u8;
                        *rng.pick(&[0u8, 1, 0x7f, 0x80, 0xff, 0xfe, random])
                    };
                }
            }
            // Add or subtract a little.
            3 => {
                if len > 0 {
                    let at = rng.below(len);
                    let delta = rng.below(16) as u8 + 1;
                    data[at] = if rng.chance(50) {
                        data[at].wrapping_add(delta)
                    } else {
                        data[at].wrapping_sub(delta)
                    };
                }
            }
            // Insert random bytes.
            4 => {
                let at = rng.below(len + 1);
                let n = rng.below(8) + 1;
                let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                data.splice(at..at, bytes);
            }
            // Delete a range.
            5 => {
                if len > 0 {
                    let at = rng.below(len);
                    let n = (rng.below(16) + 1).min(len - at);
                    data.drain(at..at + n);
                }
            }
            // Repeat a range.
            6 => {
                if len > 0 {
                    let at = rng.below(len);
                    let n = (rng.below(32) + 1).min(len - at);
                    let times = rng.below(64) + 1;
                    let piece = data[at..at + n].to_vec();
                    let repeated: Vec<u8> = piece.iter().copied().cycle().take(n * times).collect();
                    data.splice(at..at, repeated);
                }
            }
            // Splice: our head, another input's tail.
            7 => {
                let other = rng.pick(pool);
                let at = rng.below(len + 1);
                let from = rng.below(other.len() + 1);
                data.truncate(at);
                data.extend_from_slice(&other[from..]);
            }
            // A LEB128 field (or any byte run read as one) set to an edge value.
            8 => {
                if len > 0 {
                    let at = rng.below(len);
                    let mut end = at;
                    if read_leb(data, &mut end).is_none() {
                        end = (at + 1).min(len);
                    }
                    let mut value = Vec::new();
                    leb(&mut value, interesting(rng));
                    data.splice(at..end, value);
                }
            }
            // A little-endian or big-endian length field set to an edge value.
            9 => {
                if len > 0 {
                    let at = rng.below(len);
                    let width = *rng.pick(&[2usize, 4, 8]);
                    let value = interesting(rng).to_le_bytes();
                    let mut field = value[..width].to_vec();
                    if rng.chance(50) {
                        field.reverse();
                    }
                    let end = (at + width).min(len);
                    data.splice(at..end, field);
                }
            }
            // Copy a range of the input over another place.
            _ => {
                if len > 1 {
                    let from = rng.below(len);
                    let n = (rng.below(32) + 1).min(len - from);
                    let to = rng.below(len);
                    let piece = data[from..from + n].to_vec();
                    let end = (to + n).min(len);
                    data.splice(to..end, piece);
                }
            }
        }
    }
    data.truncate(MAX_INPUT);
}

// ---- Automerge chunks -----------------------------------------------------------

/// A chunk with a checksum made for `body`: the first four bytes of
/// SHA-256 over the type, the LEB128 length and the body.
fn rechunk(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut header = vec![kind];
    leb(&mut header, body.len() as u64);
    let digest = Sha256::new()
        .chain_update(&header)
        .chain_update(body)
        .finalize();
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&digest[..4]);
    out.extend_from_slice(&header);
    out.extend_from_slice(body);
    out
}

/// The chunks of a well-formed input: type and body.
fn chunks(bytes: &[u8]) -> Option<Vec<(u8, Vec<u8>)>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        if bytes.get(at..at + 4)? != MAGIC {
            return None;
        }
        let kind = *bytes.get(at + 8)?;
        let mut cursor = at + 9;
        let len = usize::try_from(read_leb(bytes, &mut cursor)?).ok()?;
        let end = cursor.checked_add(len)?;
        out.push((kind, bytes.get(cursor..end)?.to_vec()));
        at = end;
    }
    Some(out)
}

fn inflate(body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    flate2::read::DeflateDecoder::new(body)
        .take(4 << 20)
        .read_to_end(&mut out)
        .ok()?;
    Some(out)
}

fn deflate(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let _ =
        flate2::read::DeflateEncoder::new(body, flate2::Compression::fast()).read_to_end(&mut out);
    out
}

/// A mutation of Automerge bytes (a document, changes, or both), nearly
/// always with the checksums made right again.
fn mutate_automerge(rng: &mut Rng, input: &[u8], pool: &[Vec<u8>]) -> Vec<u8> {
    let Some(mut parts) = chunks(input).filter(|p| !p.is_empty()) else {
        let mut data = input.to_vec();
        mutate_bytes(rng, &mut data, pool);
        return data;
    };
    match rng.below(20) {
        // Raw bytes, checksums left wrong: the scanner's first check.
        0 => {
            let mut data = input.to_vec();
            mutate_bytes(rng, &mut data, pool);
            return data;
        }
        // Chunk level: drop, repeat, swap, or add another input's chunk.
        1 | 2 => match rng.below(4) {
            0 if parts.len() > 1 => {
                let at = rng.below(parts.len());
                parts.remove(at);
            }
            1 => {
                let at = rng.below(parts.len());
                let copy = parts[at].clone();
                for _ in 0..=rng.below(3) {
                    parts.insert(at, copy.clone());
                }
            }
            2 if parts.len() > 1 => {
                let a = rng.below(parts.len());
                let b = rng.below(parts.len());
                parts.swap(a, b);
            }
            _ => {
                if let Some(other) = chunks(rng_pick(rng, pool)).filter(|p| !p.is_empty()) {
                    let chunk = rng.pick(&other).clone();
                    let at = rng.below(parts.len() + 1);
                    parts.insert(at, chunk);
                }
            }
        },
        // One chunk's body (inflated first when it is a compressed change).
        _ => {
            let at = rng.below(parts.len());
            let (kind, body) = &mut parts[at];
            let mut recompress = false;
            if *kind == 2
                && let Some(plain) = inflate(body)
            {
                *body = plain;
                *kind = 1;
                recompress = rng.chance(50);
            }
            let bodies: Vec<Vec<u8>> = pool
                .iter()
                .filter_map(|p| chunks(p))
                .flatten()
                .map(|(_, b)| b)
                .take(16)
                .collect();
            let bodies = if bodies.is_empty() {
                pool.to_vec()
            } else {
                bodies
            };
            mutate_bytes(rng, body, &bodies);
            if rng.chance(3) {
                *kind = rng.below(8) as u8;
            }
            if recompress {
                *body = deflate(body);
                *kind = 2;
            }
        }
    }
    let mut out = Vec::new();
    for (kind, body) in &parts {
        out.extend_from_slice(&rechunk(*kind, body));
    }
    out.truncate(MAX_INPUT);
    out
}

// ---- seeds ----------------------------------------------------------------------

fn options(seed: u64) -> EngineOptions {
    let mut rng = Rng::new(seed);
    EngineOptions::new(
        Box::new(common::now_ms),
        Box::new(move |buf: &mut [u8]| {
            for chunk in buf.chunks_mut(8) {
                let bytes = rng.next().to_le_bytes();
                chunk.copy_from_slice(&bytes[..chunk.len()]);
            }
        }),
    )
}

fn fresh_engine(seed: u64) -> Engine {
    Engine::with_storage(
        DeviceKey::from_seed(&[0x5a; 32]),
        Box::new(MemoryStorage::default()),
        options(seed),
    )
}

const CHARTER: &str = "# Charte de l'atelier\n\nPréambule : nous, membres, \
    décidons ensemble.\n\n## Adhésion\n<!-- nous:section id=adhesion tags=membres -->\n\n\
    Toute personne peut adhérer.\n\n1. Article premier : la demande est écrite.\n\
    2. Article deux : le collège répond sous un mois.\n\n## Décisions\n\n\
    > Les décisions se prennent par consentement.\n> - sauf **objection** motivée\n\n\
    ```\n## pas un titre\n```\n\n### Quorum\n\nLa moitié des membres 🌍.\n";

/// Valid documents, changes, sync messages, bundles, records and Markdown.
struct Seeds {
    /// Saved documents (compressed, uncompressed, with incremental chunks).
    docs: Vec<Vec<u8>>,
    /// A base document and changes that apply on top of it.
    bases: Vec<Automerge>,
    /// For each base, inputs that apply to it (change chunks, documents).
    applies: Vec<(u8, Vec<u8>)>,
    /// Single change chunks.
    changes: Vec<Vec<u8>>,
    /// Encoded sync messages, each for the base it was sent to.
    syncs: Vec<(u8, Vec<u8>)>,
    bundles: Vec<Vec<u8>>,
    /// The community's records, decoded, and its id.
    records: Vec<Record>,
    community: RecordId,
    keys: Vec<DeviceKey>,
    markdown: Vec<Vec<u8>>,
}

fn raw_docs() -> Vec<Automerge> {
    let a = ActorId::from(&[1u8; 16][..]);
    let b = ActorId::from(&[2u8; 16][..]);
    let mut docs = Vec::new();

    // Maps, lists, text with marks, counters, deletes.
    let mut doc = Automerge::new().with_actor(a.clone());
    doc.transact(|tx| {
        let text = tx.put_object(ROOT, "text", ObjType::Text)?;
        tx.splice_text(&text, 0, 0, "Nous écrivons ensemble 🌍 une charte.")?;
        tx.mark(
            &text,
            Mark::new("bold".into(), true, 0, 4),
            ExpandMark::After,
        )?;
        let list = tx.put_object(ROOT, "list", ObjType::List)?;
        for i in 0..50i64 {
            tx.insert(&list, i as usize, i * 3)?;
        }
        tx.put(ROOT, "counter", automerge::ScalarValue::counter(5))?;
        let map = tx.put_object(ROOT, "map", ObjType::Map)?;
        tx.put(&map, "f", 1.5f64)?;
        tx.put(&map, "bytes", automerge::ScalarValue::Bytes(vec![1, 2, 3]))?;
        tx.put(&map, "null", automerge::ScalarValue::Null)?;
        tx.put(
            &map,
            "ts",
            automerge::ScalarValue::Timestamp(1_700_000_000_000),
        )?;
        Ok::<_, automerge::AutomergeError>(())
    })
    .expect("edit");
    doc.transact(|tx| {
        let text = tx.get(ROOT, "text")?.expect("text").1;
        tx.splice_text(&text, 5, 3, "rédigeons")?;
        tx.increment(ROOT, "counter", 3)?;
        let list = tx.get(ROOT, "list")?.expect("list").1;
        tx.delete(&list, 10)?;
        tx.delete(ROOT, "map")?;
        Ok::<_, automerge::AutomergeError>(())
    })
    .expect("edit");
    docs.push(doc.clone());

    // Two actors, concurrent edits, merged (conflicts).
    let mut other = doc.fork().with_actor(b);
    doc.transact(|tx| {
        tx.put(ROOT, "title", "A")?;
        let text = tx.get(ROOT, "text")?.expect("text").1;
        tx.splice_text(&text, 0, 0, "« ")?;
        Ok::<_, automerge::AutomergeError>(())
    })
    .expect("edit");
    other
        .transact(|tx| {
            tx.put(ROOT, "title", "B")?;
            let text = tx.get(ROOT, "text")?.expect("text").1;
            tx.splice_text(&text, 3, 0, " »")?;
            tx.increment(ROOT, "counter", -1)?;
            Ok::<_, automerge::AutomergeError>(())
        })
        .expect("edit");
    doc.merge(&mut other).expect("merge");
    docs.push(doc);

    // Nested maps and lists, a few levels deep.
    let mut deep = Automerge::new().with_actor(a.clone());
    deep.transact(|tx| {
        let mut obj = ROOT;
        for level in 0..12 {
            obj = if level % 2 == 0 {
                tx.put_object(&obj, "m", ObjType::Map)?
            } else {
                let list = tx.put_object(&obj, "l", ObjType::List)?;
                tx.insert_object(&list, 0, ObjType::Map)?
            };
        }
        tx.put(&obj, "leaf", "feuille")?;
        Ok::<_, automerge::AutomergeError>(())
    })
    .expect("edit");
    docs.push(deep);

    // Many small changes (run-length columns, many sequence numbers).
    let mut many = Automerge::new().with_actor(a);
    many.transact(|tx| tx.put_object(ROOT, "t", ObjType::Text).map(|_| ()))
        .expect("edit");
    for i in 0..40 {
        many.transact(|tx| {
            let text = tx.get(ROOT, "t")?.expect("t").1;
            tx.splice_text(&text, i, 0, "x")?;
            Ok::<_, automerge::AutomergeError>(())
        })
        .expect("edit");
    }
    docs.push(many);
    docs
}

fn build_seeds() -> Seeds {
    // A community founded in memory: two founders, two documents, shares.
    let keys = vec![
        DeviceKey::from_seed(&[1; 32]),
        DeviceKey::from_seed(&[2; 32]),
    ];
    let mut engine = Engine::with_storage(
        DeviceKey::from_seed(&[1; 32]),
        Box::new(MemoryStorage::default()),
        options(1),
    );
    let charter = engine
        .create_charter("Charte", &markdown::parse(CHARTER))
        .expect("charter")
        .value;
    let section = engine.charter(&charter, None).expect("charter").sections[0]
        .id
        .clone();
    engine
        .edit(&charter, "préciser", |c| {
            c.set_body(&section, "Toute personne majeure peut adhérer.")
        })
        .expect("edit");
    let second = engine
        .create_charter("Règlement", &markdown::parse("## Un\n\nDeux.\n"))
        .expect("charter")
        .value;
    let founded = engine
        .found_community(nous_core::community::Founding {
            name: "Atelier".into(),
            charter,
            colleges: vec![College {
                id: "staff".into(),
                name: "Staff".into(),
                weight: 1,
            }],
            founders: vec![
                Founder {
                    member: keys[0].public(),
                    name: "Alice".into(),
                    college: "staff".into(),
                },
                Founder {
                    member: keys[1].public(),
                    name: "Bob".into(),
                    college: "staff".into(),
                },
            ],
            rules: Rules::all(Rule::new(Method::Consent)),
            facilitators: Vec::new(),
        })
        .expect("found");
    engine.wait(founded.ticket).expect("stored");
    let community = founded.community.id;
    let mut records: Vec<Record> = founded.community.records.iter().cloned().collect();
    let mut heads = founded.community.state.heads.clone();
    let time = records.iter().map(Record::timestamp).max().unwrap_or(0);
    for (i, doc) in [second, charter].iter().enumerate() {
        let record = engine
            .sign_record(Unsigned {
                community,
                timestamp: time + 1 + i as u64,
                parents: heads.clone(),
                payload: Payload::DocumentShare(DocumentShare {
                    doc: *doc,
                    title: format!("document {i}"),
                    access: Access::Members,
                }),
            })
            .expect("sign");
        heads = vec![record.id()];
        records.push(record);
    }
    let record_bytes: Vec<Vec<u8>> = records.iter().map(|r| r.bytes().to_vec()).collect();
    let full = engine
        .export_bundle_with(&[charter, second], &[community])
        .expect("bundle");
    let mut with_shares = Bundle::decode(&full).expect("our bundle decodes");
    for bytes in &record_bytes {
        if !with_shares.records.contains(bytes) {
            with_shares.records.push(bytes.clone());
        }
    }
    let bundles = vec![
        full.clone(),
        with_shares.encode(),
        engine.export_bundle(&[second]).expect("bundle"),
        engine
            .export_bundle_with(&[], &[community])
            .expect("bundle"),
    ];
    let engine_docs: Vec<Vec<u8>> = Bundle::decode(&full)
        .expect("our bundle decodes")
        .documents
        .into_iter()
        .map(|(_, bytes)| bytes)
        .collect();

    // Documents and changes.
    let mut all: Vec<Automerge> = raw_docs();
    for bytes in &engine_docs {
        all.push(Automerge::load(bytes).expect("our document loads"));
    }
    let mut docs = engine_docs.clone();
    let mut bases = vec![Automerge::new()];
    let mut applies = Vec::new();
    let mut changes = Vec::new();
    let mut syncs = Vec::new();
    for doc in &all {
        docs.push(doc.save());
        docs.push(doc.save_nocompress());
        let history = doc.get_changes(&[]);
        let half = history.len() / 2;
        let mut incremental = Automerge::new();
        incremental
            .apply_changes(history[..half].iter().cloned())
            .expect("apply");
        let mut saved = incremental.save();
        for change in &history[half..] {
            saved.extend_from_slice(change.raw_bytes());
        }
        docs.push(saved);
        applies.push((0, doc.save_nocompress()));
        let base_index = bases.len() as u8;
        let rest: Vec<u8> = history[half..]
            .iter()
            .flat_map(|c| c.raw_bytes().to_vec())
            .collect();
        applies.push((base_index, rest));
        if let Some(last) = history.last() {
            applies.push((base_index, last.raw_bytes().to_vec()));
        }
        for change in history.iter().take(8) {
            changes.push(change.raw_bytes().to_vec());
        }
        // A sync exchange from `doc` to the base: every message, both ways.
        let mut to = incremental.clone();
        let (mut from_state, mut to_state) =
            (automerge::sync::State::new(), automerge::sync::State::new());
        let mut from = doc.clone();
        for _ in 0..6 {
            if let Some(message) = to.generate_sync_message(&mut to_state) {
                syncs.push((base_index, message.clone().encode()));
                from.receive_sync_message(&mut from_state, message)
                    .expect("sync");
            }
            if let Some(message) = from.generate_sync_message(&mut from_state) {
                syncs.push((base_index, message.clone().encode()));
                to.receive_sync_message(&mut to_state, message)
                    .expect("sync");
            }
        }
        bases.push(incremental);
    }

    let markdown = vec![
        CHARTER.as_bytes().to_vec(),
        markdown::render(
            &engine.charter(&charter, None).expect("charter"),
            markdown::RenderOptions::default(),
        )
        .into_bytes(),
        b"## A\r\n\r\n- un\r\n  - deux\r\n    > trois\r\n\r\n## B\n\n1. x\n2. y\n".to_vec(),
        b"Pas de titre.\n\n<!-- nous:section id=x tags=a,b -->\n\n# T\n\n## S\n<!-- nous:section -->\n"
            .to_vec(),
        "# Titre\n\n".repeat(3).into_bytes(),
    ];
    Seeds {
        docs,
        bases,
        applies,
        changes,
        syncs,
        bundles,
        records,
        community,
        keys,
        markdown,
    }
}

// ---- targets ----------------------------------------------------------------------

/// What one input did.
enum Outcome {
    /// Accepted; `deep` when it went through the second stage too (imported,
    /// resolved, made into a charter).
    Ok { deep: bool },
    /// Refused with an error.
    Err,
    /// Refused because Automerge panicked inside the guard's containment.
    Contained,
    /// The oracle failed without a panic (accepted but does not reload).
    Broken(String),
}

const TARGETS: [&str; 9] = [
    "guard.load",
    "guard.apply",
    "guard.apply_in_place",
    "guard.decode_change",
    "guard.sync_message",
    "bundle",
    "record",
    "markdown",
    "guard.queued",
];

fn guard_outcome<T>(result: &Result<T, GuardError>) -> Option<Outcome> {
    match result {
        Ok(_) => None,
        Err(GuardError::Panicked(_)) => Some(Outcome::Contained),
        Err(_) => Some(Outcome::Err),
    }
}

fn actor() -> ActorId {
    ActorId::from(&[9u8; 16][..])
}

/// A document the guard accepted must save and load again, with the
/// same heads.
fn reloads(doc: &Automerge) -> Result<(), String> {
    let saved = doc.save();
    let again = guard::load(&saved, &Limits::default(), actor())
        .map_err(|e| format!("accepted, but its save does not load: {e}"))?;
    if again.get_heads() != doc.get_heads() {
        return Err("accepted, but its save loads with other heads".into());
    }
    Ok(())
}

/// The first byte chooses the base document; the rest is the input.
fn split_base<'a>(seeds: &'a Seeds, input: &'a [u8]) -> (&'a Automerge, &'a [u8]) {
    match input.split_first() {
        Some((&base, rest)) => (&seeds.bases[usize::from(base) % seeds.bases.len()], rest),
        None => (&seeds.bases[0], input),
    }
}

fn generate(seeds: &Seeds, target: usize, rng: &mut Rng) -> Vec<u8> {
    match TARGETS[target] {
        "guard.load" => {
            let seed = rng_pick(rng, &seeds.docs);
            mutate_automerge(rng, seed, &seeds.docs)
        }
        "guard.apply" | "guard.apply_in_place" | "guard.queued" => {
            let (base, bytes) = &seeds.applies[rng.below(seeds.applies.len())];
            let pool: Vec<Vec<u8>> = seeds.applies.iter().map(|(_, b)| b.clone()).collect();
            let mut out = vec![*base];
            out.extend(mutate_automerge(rng, bytes, &pool));
            out
        }
        "guard.decode_change" => {
            let seed = rng_pick(rng, &seeds.changes);
            mutate_automerge(rng, seed, &seeds.changes)
        }
        "guard.sync_message" => {
            let (base, bytes) = &seeds.syncs[rng.below(seeds.syncs.len())];
            let pool: Vec<Vec<u8>> = seeds.syncs.iter().map(|(_, b)| b.clone()).collect();
            let mut out = vec![*base];
            out.extend(mutate_sync(rng, bytes, &pool, &seeds.changes));
            out
        }
        "bundle" => mutate_bundle(rng, seeds),
        "record" => mutate_record(rng, seeds),
        _ => mutate_markdown(rng, seeds),
    }
}

fn rng_pick<'a>(rng: &mut Rng, items: &'a [Vec<u8>]) -> &'a [u8] {
    &items[rng.below(items.len())]
}

fn mutate_sync(rng: &mut Rng, input: &[u8], pool: &[Vec<u8>], changes: &[Vec<u8>]) -> Vec<u8> {
    let decoded = automerge::sync::Message::decode(input).ok();
    match decoded {
        Some(mut message) if rng.chance(60) => {
            match rng.below(4) {
                // Mutate (or add) one change, checksum made right.
                0 | 1 => {
                    let mut list: Vec<Vec<u8>> =
                        message.changes.iter().map(<[u8]>::to_vec).collect();
                    if list.is_empty() || rng.chance(20) {
                        list.push(rng_pick(rng, changes).to_vec());
                    }
                    let at = rng.below(list.len());
                    list[at] = mutate_automerge(rng, &list[at], changes);
                    message.changes = list.into();
                }
                // Heads and needs: drop, repeat, or take from elsewhere.
                2 => {
                    if let Some(h) = message.heads.first().copied() {
                        for _ in 0..rng.below(4) {
                            message.need.push(h);
                        }
                    }
                    if rng.chance(50) {
                        message.heads.clear();
                    }
                }
                _ => {
                    message.have.clear();
                }
            }
            message.encode()
        }
        _ => {
            let mut data = input.to_vec();
            mutate_bytes(rng, &mut data, pool);
            data
        }
    }
}

/// A mutated bundle: raw bytes (with or without the digest made right), or
/// entries mutated and the bundle encoded again.
fn mutate_bundle(rng: &mut Rng, seeds: &Seeds) -> Vec<u8> {
    let seed = rng_pick(rng, &seeds.bundles);
    match rng.below(10) {
        0 => {
            let mut data = seed.to_vec();
            mutate_bytes(rng, &mut data, &seeds.bundles);
            data
        }
        1..=3 => {
            let mut data = seed.to_vec();
            mutate_bytes(rng, &mut data, &seeds.bundles);
            if data.len() >= 32 {
                let body = data.len() - 32;
                let digest = Sha256::digest(&data[..body]);
                data[body..].copy_from_slice(&digest);
            }
            data
        }
        _ => {
            let mut bundle = Bundle::decode(seed).expect("our bundle decodes");
            for _ in 0..=rng.below(2) {
                match rng.below(8) {
                    0..=2 if !bundle.documents.is_empty() => {
                        let at = rng.below(bundle.documents.len());
                        bundle.documents[at].1 =
                            mutate_automerge(rng, &bundle.documents[at].1, &seeds.docs);
                    }
                    3 | 4 if !bundle.records.is_empty() => {
                        let at = rng.below(bundle.records.len());
                        bundle.records[at] = mutate_record(rng, seeds);
                    }
                    5 => {
                        // Another document under an id of this bundle (or a new id).
                        let doc = rng_pick(rng, &seeds.docs).to_vec();
                        let id = if !bundle.documents.is_empty() && rng.chance(50) {
                            bundle.documents[rng.below(bundle.documents.len())].0
                        } else {
                            let mut id = [0u8; 16];
                            id.iter_mut().for_each(|b| *b = rng.next() as u8);
                            nous_core::DocId::from_bytes(id)
                        };
                        bundle.documents.retain(|(d, _)| *d != id);
                        bundle.documents.push((id, doc));
                    }
                    6 => {
                        if !bundle.records.is_empty() {
                            let at = rng.below(bundle.records.len());
                            bundle.records.remove(at);
                        }
                        if !bundle.documents.is_empty() && rng.chance(50) {
                            let at = rng.below(bundle.documents.len());
                            bundle.documents.remove(at);
                        }
                    }
                    _ => {
                        let n = bundle.records.len();
                        if n > 1 {
                            bundle.records.swap(rng.below(n), rng.below(n));
                        }
                    }
                }
            }
            bundle.encode()
        }
    }
}

const JSON_TOKENS: [&[u8]; 14] = [
    b"\"",
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b"null",
    b"0",
    b"-1",
    b"1e309",
    b"18446744073709551616",
    b"\"\\u0000\"",
    b"true",
];

/// A mutated record: its bytes, or a changed act signed again (so that
/// governance, not the signature check, is what sees it).
fn mutate_record(rng: &mut Rng, seeds: &Seeds) -> Vec<u8> {
    let seed = rng.pick(&seeds.records);
    let pool: Vec<Vec<u8>> = seeds.records.iter().map(|r| r.bytes().to_vec()).collect();
    if rng.chance(35) {
        let mut data = seed.bytes().to_vec();
        mutate_bytes(rng, &mut data, &pool);
        return data;
    }
    let mut payload = seed.payload().clone();
    let mut kind = seed.kind();
    if rng.chance(70) {
        let mut json = seed.payload().to_json();
        if rng.chance(30) {
            let at = rng.below(json.len() + 1);
            json.splice(at..at, rng.pick(&JSON_TOKENS).iter().copied());
        } else {
            let jsons: Vec<Vec<u8>> = seeds
                .records
                .iter()
                .map(|r| r.payload().to_json())
                .collect();
            mutate_bytes(rng, &mut json, &jsons);
        }
        if rng.chance(10) {
            kind = *rng.pick(Kind::ALL);
        }
        if let Ok(p) = Payload::from_json(kind, &json) {
            payload = p;
        }
    }
    let mut parents = seed.parents().to_vec();
    let mut timestamp = seed.timestamp();
    let mut community = seed.community();
    match rng.below(6) {
        0 => parents.clear(),
        1 => parents.push(rng.pick(&seeds.records).id()),
        2 => timestamp = interesting(rng),
        3 => community = rng.pick(&seeds.records).id(),
        _ => {}
    }
    parents.sort();
    parents.dedup();
    let key = match rng.below(4) {
        0 => DeviceKey::from_seed(&[rng.next() as u8; 32]),
        1 => DeviceKey::from_seed(&[2; 32]),
        _ => DeviceKey::from_seed(&[1; 32]),
    };
    let _ = &seeds.keys;
    match Record::sign(
        &key,
        Unsigned {
            community,
            timestamp,
            parents,
            payload,
        },
    ) {
        Ok(record) => record.bytes().to_vec(),
        Err(_) => seed.bytes().to_vec(),
    }
}

const MD_TOKENS: [&str; 18] = [
    "#",
    "## ",
    "\n",
    "\r\n",
    "```",
    "> ",
    "- ",
    "* ",
    "1. ",
    "  ",
    "\t",
    "<!-- nous:section",
    " id=",
    " tags=",
    "-->",
    "**Article 1.**",
    "\u{feff}",
    "\u{0}",
];

fn mutate_markdown(rng: &mut Rng, seeds: &Seeds) -> Vec<u8> {
    let mut data = rng_pick(rng, &seeds.markdown).to_vec();
    for _ in 0..=rng.below(3) {
        match rng.below(4) {
            0 => mutate_bytes(rng, &mut data, &seeds.markdown),
            1 => {
                // Insert a token at a line start or anywhere.
                let token = rng.pick(&MD_TOKENS).as_bytes();
                let at = rng.below(data.len() + 1);
                data.splice(at..at, token.iter().copied());
            }
            2 => {
                // Nesting: a prefix repeated many times on one line.
                let token = rng.pick(&["> ", "- ", "  ", "1. ", "> - "]).as_bytes();
                let times = rng.below(400) + 1;
                let at = rng.below(data.len() + 1);
                let block: Vec<u8> = token
                    .iter()
                    .copied()
                    .cycle()
                    .take(token.len() * times)
                    .collect();
                data.splice(at..at, block);
            }
            _ => {
                // Many lines: a line repeated.
                let lines: [&[u8]; 5] = [
                    b"## S\n",
                    b"1. a\n",
                    b"<!-- nous:section id=x -->\n",
                    b"```\n",
                    b"\n",
                ];
                let line = *rng.pick(&lines);
                let times = rng.below(3000) + 1;
                let at = rng.below(data.len() + 1);
                let block: Vec<u8> = line
                    .iter()
                    .copied()
                    .cycle()
                    .take(line.len() * times)
                    .collect();
                data.splice(at..at, block);
            }
        }
    }
    data.truncate(MAX_INPUT);
    data
}

fn run(seeds: &Seeds, target: usize, input: &[u8]) -> Outcome {
    let limits = Limits::default();
    match TARGETS[target] {
        "guard.load" => match guard::load(input, &limits, actor()) {
            Ok(doc) => match reloads(&doc) {
                Ok(()) => Outcome::Ok { deep: false },
                Err(e) => Outcome::Broken(e),
            },
            Err(e) => guard_outcome::<()>(&Err(e)).unwrap_or(Outcome::Err),
        },
        "guard.apply" => {
            let (base, bytes) = split_base(seeds, input);
            match guard::apply(base, bytes, &limits) {
                Ok(applied) => match reloads(&applied.doc) {
                    Ok(()) => Outcome::Ok {
                        deep: !applied.new_changes.is_empty(),
                    },
                    Err(e) => Outcome::Broken(e),
                },
                Err(e) => guard_outcome::<()>(&Err(e)).unwrap_or(Outcome::Err),
            }
        }
        "guard.apply_in_place" | "guard.queued" => {
            let (base, bytes) = split_base(seeds, input);
            let mut doc = base.clone();
            match guard::apply_in_place(&mut doc, bytes, &limits) {
                Ok(incoming) => {
                    if TARGETS[target] == "guard.queued" || incoming.waiting {
                        match guard::queued_changes(&doc, &limits) {
                            Ok(queued) => {
                                if incoming.waiting && queued.is_empty() {
                                    return Outcome::Broken(
                                        "changes wait, but none is queued".into(),
                                    );
                                }
                            }
                            Err(e) => {
                                return Outcome::Broken(format!(
                                    "queued changes of an accepted input do not decode: {e}"
                                ));
                            }
                        }
                    }
                    Outcome::Ok {
                        deep: incoming.waiting,
                    }
                }
                Err(e) => guard_outcome::<()>(&Err(e)).unwrap_or(Outcome::Err),
            }
        }
        "guard.decode_change" => match guard::decode_change(input, &limits) {
            Ok(change) => {
                // What was decoded goes on to the guarded apply.
                let deep = guard::apply(&seeds.bases[0], change.raw_bytes(), &limits).is_ok();
                Outcome::Ok { deep }
            }
            Err(e) => guard_outcome::<()>(&Err(e)).unwrap_or(Outcome::Err),
        },
        "guard.sync_message" => {
            let (base, bytes) = split_base(seeds, input);
            match guard::sync_message(bytes, &limits) {
                Ok(mut message) => {
                    // Changes through the guard, the rest of the message to
                    // Automerge (as the relay forwards it), then an answer,
                    // which queries the message's bloom filters.
                    let mut doc = base.clone();
                    let mut deep = false;
                    for change in message.changes.iter() {
                        match guard::apply_in_place(&mut doc, change, &limits) {
                            Ok(_) => deep = true,
                            Err(_) => {
                                doc = base.clone();
                                break;
                            }
                        }
                    }
                    message.changes = Vec::<Vec<u8>>::new().into();
                    // Not the guard's call: a panic here means the guard let
                    // through a message (or changes) that Automerge cannot
                    // answer.
                    let answered = panic::catch_unwind(AssertUnwindSafe(|| {
                        let mut state = automerge::sync::State::new();
                        if doc.receive_sync_message(&mut state, message).is_ok() {
                            let _ = doc.generate_sync_message(&mut state);
                        }
                    }));
                    match answered {
                        Ok(()) => Outcome::Ok { deep },
                        Err(_) => Outcome::Broken(format!(
                            "a message the guard accepted makes Automerge panic when the document answers it: {}",
                            LAST_PANIC.with(|p| p.borrow().lines().next().unwrap_or("").to_owned())
                        )),
                    }
                }
                Err(e) => guard_outcome::<()>(&Err(e)).unwrap_or(Outcome::Err),
            }
        }
        "bundle" => match Bundle::decode(input) {
            Ok(_) => {
                let _ = verify::verify(input).map(|r| r.hash());
                let storage = MemoryStorage::default();
                let mut engine = Engine::with_storage(
                    DeviceKey::from_seed(&[0x5a; 32]),
                    Box::new(storage.clone()),
                    options(7),
                );
                match engine.import_bundle(input) {
                    Ok(report) => {
                        // Read back what was imported: the schema reader on
                        // documents that passed the guard.
                        for imported in &report.documents {
                            let _ = engine
                                .charter(&imported.id, None)
                                .map(|c| markdown::render(&c, markdown::RenderOptions::default()));
                        }
                        // And the home opens again: every imported document
                        // loads from the store.
                        if let Err(e) = engine.flush() {
                            return Outcome::Broken(format!("an import does not flush: {e}"));
                        }
                        let mut reopened = Engine::with_storage(
                            DeviceKey::from_seed(&[0x5a; 32]),
                            Box::new(storage),
                            options(7),
                        );
                        for imported in &report.documents {
                            if let Err(e) = reopened.document(&imported.id) {
                                return Outcome::Broken(format!(
                                    "an imported document does not open again: {e}"
                                ));
                            }
                        }
                        Outcome::Ok { deep: true }
                    }
                    Err(_) => Outcome::Ok { deep: false },
                }
            }
            Err(_) => Outcome::Err,
        },
        "record" => match Record::decode(input) {
            Ok(record) => {
                let _ = record.verify_signature();
                let mut set = seeds.records.clone();
                set.push(record.clone());
                let resolved = governance::resolve(
                    seeds.community,
                    &set,
                    governance::ResolveOptions::default(),
                );
                if record.kind() == Kind::Genesis {
                    let _ = governance::resolve(
                        record.id(),
                        std::slice::from_ref(&record),
                        governance::ResolveOptions::default(),
                    );
                }
                // Order must not matter.
                set.reverse();
                let reversed = governance::resolve(
                    seeds.community,
                    &set,
                    governance::ResolveOptions::default(),
                );
                match (&resolved, &reversed) {
                    (Ok(a), Ok(b)) if a.heads != b.heads => {
                        Outcome::Broken("resolve depends on the order of the records".into())
                    }
                    (Ok(_), Err(_)) | (Err(_), Ok(_)) => Outcome::Broken(
                        "resolve succeeds in one order and fails in the other".into(),
                    ),
                    _ => Outcome::Ok {
                        deep: resolved.is_ok(),
                    },
                }
            }
            Err(_) => Outcome::Err,
        },
        _ => {
            let text = String::from_utf8_lossy(input);
            match markdown::import(&text, &markdown::Limits::default()) {
                Ok(draft) => {
                    let mut engine = fresh_engine(8);
                    match engine.create_charter("fuzz", &draft) {
                        Ok(created) => {
                            let rendered = engine
                                .charter(&created.value, None)
                                .map(|c| markdown::render(&c, markdown::RenderOptions::default()));
                            if let Ok(rendered) = rendered
                                && let Err(e) =
                                    markdown::import(&rendered, &markdown::Limits::default())
                            {
                                return Outcome::Broken(format!(
                                    "a charter's own Markdown does not import again: {e}"
                                ));
                            }
                            Outcome::Ok { deep: true }
                        }
                        Err(_) => Outcome::Ok { deep: false },
                    }
                }
                Err(_) => Outcome::Err,
            }
        }
    }
}

// ---- the loop ---------------------------------------------------------------------

#[derive(Default, Clone)]
struct Stats {
    inputs: u64,
    ok: u64,
    deep: u64,
    err: u64,
    contained: u64,
    panics: u64,
    hangs: u64,
    broken: u64,
    busy: Duration,
    slowest: Duration,
    bytes: u64,
}

thread_local! {
    static LAST_PANIC: RefCell<String> = const { RefCell::new(String::new()) };
}

struct Args {
    seconds: f64,
    seed: u64,
    keep: PathBuf,
    hang: Duration,
    replay: Option<(String, PathBuf)>,
}

fn flag(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn args() -> Args {
    let seed = flag("--seed").and_then(|s| s.parse().ok()).unwrap_or(1);
    let replay = flag("--replay").map(|target| {
        let args: Vec<String> = std::env::args().collect();
        let file = args
            .iter()
            .position(|a| a == "--replay")
            .and_then(|i| args.get(i + 2))
            .expect("--replay TARGET FILE.hex");
        (target, PathBuf::from(file))
    });
    Args {
        seconds: flag("--seconds")
            .and_then(|s| s.parse().ok())
            .unwrap_or(2.0),
        seed,
        // The smoke run reuses one directory, so `cargo test` does not
        // leave a new one behind each time.
        keep: flag("--keep").map_or_else(
            || {
                std::env::temp_dir().join(if common::is_bench_run() {
                    format!("nous-fuzz-{}-{seed}", std::process::id())
                } else {
                    "nous-fuzz-smoke".to_owned()
                })
            },
            PathBuf::from,
        ),
        hang: Duration::from_millis(
            flag("--hang-ms")
                .and_then(|s| s.parse().ok())
                .unwrap_or(2000),
        ),
        replay,
    }
}

fn keep(dir: &Path, name: &str, input: &[u8], note: &str) -> PathBuf {
    std::fs::create_dir_all(dir).expect("the --keep directory can be made");
    let path = dir.join(format!("{name}.hex"));
    std::fs::write(&path, hex::encode(input)).expect("a kept input can be written");
    std::fs::write(dir.join(format!("{name}.txt")), note).expect("a note can be written");
    path
}

/// User and system CPU time of this process, in seconds (Linux).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(Vec::new(), |(_, rest)| rest.split_whitespace().collect());
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // Fields 14 and 15 of the line; 11 and 12 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

fn table(stats: &[Stats], elapsed: Duration) -> String {
    let mut out = format!(
        "{:<22} {:>10} {:>9} {:>9} {:>9} {:>9} {:>6} {:>6} {:>6} {:>9} {:>8}\n",
        "target",
        "inputs",
        "ok",
        "ok+deep",
        "err",
        "contained",
        "panic",
        "hang",
        "broken",
        "slowest",
        "share"
    );
    let mut total = Stats::default();
    for (name, s) in TARGETS.iter().zip(stats) {
        out.push_str(&format!(
            "{:<22} {:>10} {:>9} {:>9} {:>9} {:>9} {:>6} {:>6} {:>6} {:>7}ms {:>7.1}%\n",
            name,
            s.inputs,
            s.ok,
            s.deep,
            s.err,
            s.contained,
            s.panics,
            s.hangs,
            s.broken,
            s.slowest.as_millis(),
            100.0 * s.busy.as_secs_f64() / elapsed.as_secs_f64().max(1e-9)
        ));
        total.inputs += s.inputs;
        total.ok += s.ok;
        total.deep += s.deep;
        total.err += s.err;
        total.contained += s.contained;
        total.panics += s.panics;
        total.hangs += s.hangs;
        total.broken += s.broken;
        total.slowest = total.slowest.max(s.slowest);
        total.busy += s.busy;
    }
    out.push_str(&format!(
        "{:<22} {:>10} {:>9} {:>9} {:>9} {:>9} {:>6} {:>6} {:>6} {:>7}ms {:>7.1}%\n",
        "total",
        total.inputs,
        total.ok,
        total.deep,
        total.err,
        total.contained,
        total.panics,
        total.hangs,
        total.broken,
        total.slowest.as_millis(),
        100.0 * total.busy.as_secs_f64() / elapsed.as_secs_f64().max(1e-9)
    ));
    out
}

fn main() {
    // Nothing from outside: `cargo test -- --ignored` (only what needs
    // something) skips it.
    if std::env::args().any(|a| a == "--ignored") {
        return;
    }
    let args = args();
    panic::set_hook(Box::new(|info| {
        let mut message = format!("{info}");
        if std::env::var_os("NOUS_FUZZ_BACKTRACE").is_some() {
            message.push_str(&format!("\n{}", std::backtrace::Backtrace::force_capture()));
        }
        LAST_PANIC.with(|p| *p.borrow_mut() = message);
    }));
    // 2 MiB is a tokio worker's stack, where the relay decodes; the smoke
    // run is an unoptimised build, whose frames are larger.
    let stack = if common::is_bench_run() {
        2 << 20
    } else {
        8 << 20
    };
    let worker = std::thread::Builder::new()
        .name("fuzz".into())
        .stack_size(stack)
        .spawn(move || fuzz(&args))
        .expect("the fuzz thread starts");
    let clean = worker.join().unwrap_or(false);
    if !clean {
        std::process::exit(1);
    }
}

/// The loop; whether it passed. A benchmark run fails on any finding; the
/// smoke run of `cargo test` (an unoptimised build, where the hang threshold
/// means little) fails only on a panic that escaped.
fn fuzz(args: &Args) -> bool {
    let started = Instant::now();
    let seeds = build_seeds();
    let seeded = started.elapsed();

    if let Some((target, file)) = &args.replay {
        let index = TARGETS
            .iter()
            .position(|t| t == target)
            .expect("--replay: a target name from the table");
        let text = std::fs::read_to_string(file).expect("--replay: the hex file");
        let input = hex::decode(text.trim()).expect("--replay: hex");
        let at = Instant::now();
        let result = panic::catch_unwind(AssertUnwindSafe(|| run(&seeds, index, &input)));
        let verdict = match result {
            Ok(Outcome::Ok { deep }) => format!("ok (deep: {deep})"),
            Ok(Outcome::Err) => "err".into(),
            Ok(Outcome::Contained) => "err (contained panic)".into(),
            Ok(Outcome::Broken(why)) => format!("broken: {why}"),
            Err(_) => format!("PANIC: {}", LAST_PANIC.with(|p| p.borrow().clone())),
        };
        println!("{target}: {verdict} in {:?}", at.elapsed());
        return true;
    }

    // A watchdog for inputs that never finish: it keeps the input and
    // stops the process (a hang counted after the fact needs the call to
    // return).
    let current: Arc<Mutex<(usize, Vec<u8>)>> = Arc::new(Mutex::new((0, Vec::new())));
    // When the current input began, in ms since `origin` plus one (0: none).
    let began = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let origin = Instant::now();
    {
        let (current, began, done) = (current.clone(), began.clone(), done.clone());
        let keep_dir = args.keep.clone();
        let limit = (args.hang * 30).max(Duration::from_secs(60));
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(500));
                let start = began.load(Ordering::Relaxed);
                if start == 0 {
                    continue;
                }
                let now = origin.elapsed().as_millis() as u64 + 1;
                if now.saturating_sub(start) > limit.as_millis() as u64 {
                    let guard = current.lock().expect("the current input");
                    let path = keep(
                        &keep_dir,
                        &format!("{}-stuck", TARGETS[guard.0]),
                        &guard.1,
                        "did not finish; the process was stopped",
                    );
                    eprintln!(
                        "fuzz: an input of {} has run for over {limit:?}; kept at {}",
                        TARGETS[guard.0],
                        path.display()
                    );
                    std::process::exit(2);
                }
            }
        });
    }

    let mut stats = vec![Stats::default(); TARGETS.len()];
    let mut kept = 0usize;
    // At most 40 kept inputs per target and kind of finding.
    let mut kept_by = std::collections::HashMap::new();
    let deadline = Duration::from_secs_f64(args.seconds);
    let mut next_progress = Duration::from_secs(60);
    let run_start = Instant::now();
    println!(
        "fuzz_long: seed {}, {} s, hang threshold {:?}, seeds built in {:?} ({} documents, {} apply inputs, {} changes, {} sync messages, {} bundles, {} records, {} Markdown texts); kept inputs go to {}",
        args.seed,
        args.seconds,
        args.hang,
        seeded,
        seeds.docs.len(),
        seeds.applies.len(),
        seeds.changes.len(),
        seeds.syncs.len(),
        seeds.bundles.len(),
        seeds.records.len(),
        seeds.markdown.len(),
        args.keep.display()
    );
    while run_start.elapsed() < deadline {
        // The target that has had the least time so far: each gets an
        // equal share of the run.
        let target = (0..TARGETS.len())
            .min_by_key(|&t| stats[t].busy)
            .expect("there are targets");
        let index = stats[target].inputs;
        let mut rng = Rng::for_input(args.seed, target, index);
        let input = generate(&seeds, target, &mut rng);
        {
            let mut slot = current.lock().expect("the current input");
            slot.0 = target;
            slot.1.clear();
            slot.1.extend_from_slice(&input);
        }
        began.store(origin.elapsed().as_millis() as u64 + 1, Ordering::Relaxed);
        let at = Instant::now();
        let result = panic::catch_unwind(AssertUnwindSafe(|| run(&seeds, target, &input)));
        let took = at.elapsed();
        began.store(0, Ordering::Relaxed);

        let s = &mut stats[target];
        s.inputs += 1;
        s.busy += took;
        s.slowest = s.slowest.max(took);
        s.bytes += input.len() as u64;
        let mut finding = None;
        match result {
            Ok(Outcome::Ok { deep }) => {
                s.ok += 1;
                s.deep += u64::from(deep);
            }
            Ok(Outcome::Err) => s.err += 1,
            Ok(Outcome::Contained) => {
                s.err += 1;
                s.contained += 1;
            }
            Ok(Outcome::Broken(why)) => {
                s.broken += 1;
                finding = Some(("broken", why));
            }
            Err(_) => {
                s.panics += 1;
                finding = Some(("panic", LAST_PANIC.with(|p| p.borrow().clone())));
            }
        }
        if took > args.hang {
            s.hangs += 1;
            finding.get_or_insert(("hang", format!("took {took:?}")));
        }
        if let Some((kind, why)) = finding {
            let count = kept_by.entry((target, kind)).or_insert(0u32);
            *count += 1;
            kept += 1;
            if *count <= 40 {
                let path = keep(
                    &args.keep,
                    &format!("{}-{kind}-{index}", TARGETS[target]),
                    &input,
                    &format!(
                        "target {}, seed {}, input {index}, {kind}: {why}\n",
                        TARGETS[target], args.seed
                    ),
                );
                eprintln!(
                    "fuzz: {kind} in {} (input {index}): {why}; kept at {}",
                    TARGETS[target],
                    path.display()
                );
            }
        }
        if run_start.elapsed() >= next_progress {
            next_progress += Duration::from_secs(60);
            let total: u64 = stats.iter().map(|s| s.inputs).sum();
            let panics: u64 = stats.iter().map(|s| s.panics).sum();
            let hangs: u64 = stats.iter().map(|s| s.hangs).sum();
            let broken: u64 = stats.iter().map(|s| s.broken).sum();
            let per: Vec<String> = TARGETS
                .iter()
                .zip(&stats)
                .map(|(n, s)| format!("{n}={}", s.inputs))
                .collect();
            eprintln!(
                "fuzz: {:>5.0} s, {total} inputs, {panics} panics, {hangs} hangs, {broken} broken, cpu {:.0} s [{}]",
                run_start.elapsed().as_secs_f64(),
                cpu_seconds(),
                per.join(" ")
            );
        }
    }
    done.store(true, Ordering::Relaxed);
    let elapsed = run_start.elapsed();
    println!("{}", table(&stats, elapsed));
    let found: u64 = stats.iter().map(|s| s.panics + s.hangs + s.broken).sum();
    println!(
        "fuzz_long: seed {}, {:.1} s of fuzzing, {:.1} s CPU (process), {} inputs, {} findings{}",
        args.seed,
        elapsed.as_secs_f64(),
        cpu_seconds(),
        stats.iter().map(|s| s.inputs).sum::<u64>(),
        found,
        if kept > 0 {
            format!(", kept in {}", args.keep.display())
        } else {
            format!(" (nothing kept; --keep {})", args.keep.display())
        }
    );
    if common::is_bench_run() {
        found == 0
    } else {
        stats.iter().all(|s| s.panics == 0)
    }
}
