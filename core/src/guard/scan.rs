//! Pre-decode scanner for Automerge binary data.
//!
//! Walks untrusted bytes (a saved document, change chunks, or both
//! concatenated) before Automerge sees them and enforces the caps of
//! [`ScanLimits`]: input size, inflated size, number of chunks, changes and
//! ops, and object nesting depth. It parses just enough of the storage format
//! (<https://alexjg.github.io/automerge-storage-docs/>, checked against the
//! automerge 0.12 sources) to do that:
//!
//! * chunk headers and checksums (SHA-256 of `type || uleb(len) || body`; a
//!   compressed change chunk is hashed as the type-1 chunk it inflates to);
//! * change and document chunk headers and their column metadata;
//! * row counts of the run-length, delta and boolean columns, computed from
//!   the run headers without materialising rows, and stopped as soon as a
//!   count passes its cap. A change chunk is one change; a document declares
//!   as many changes and ops as its change and op columns have rows. (A
//!   document does not store deletions as ops, so it declares fewer ops than
//!   its changes hold.) Grouped columns (preds, succs, deps) may hold at most
//!   `max_ops` entries each;
//! * the `action`, `obj` and `id` op columns, decoded a run at a time and only
//!   where ops create objects, to find the parent of each object. Objects are
//!   kept as runs (consecutive ids under one parent), so memory follows the
//!   size of the input, not the number of ops it declares.
//!
//! Every read is bounds-checked, every length is checked against the bytes
//! actually present, nothing is allocated from a declared count, and inflation
//! stops as soon as it would exceed what is left of `max_inflated_bytes`.
//! Depth is computed without recursion and a cycle of parent links is an error.
//!
//! Passing the scan does not mean Automerge will accept the data (values,
//! keys, preds and the like are not checked); it means decoding it stays
//! within the caps.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use flate2::{Decompress, FlushDecompress, Status};
use sha2::{Digest, Sha256};

/// Caps checked while scanning. (The guard in mod.rs builds this from its public `Limits`.)
#[derive(Debug, Clone, Copy)]
pub(crate) struct ScanLimits {
    /// Total length of the input.
    pub max_input_bytes: usize,
    /// Sum over chunks of the body size once compressed chunks/columns are inflated.
    pub max_inflated_bytes: u64,
    pub max_chunks: usize,
    /// Changes declared: one per change chunk, the rows of a document's change columns.
    pub max_changes: u64,
    /// Ops declared: the rows of the op columns. Each grouped column (preds, succs,
    /// deps) may also hold at most this many entries.
    pub max_ops: u64,
    /// Object nesting depth; the root's direct children are at depth 1.
    pub max_depth: u32,
}

/// An object id: the id of the op that created the object.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct ObjRef {
    pub actor: Vec<u8>,
    pub counter: u64,
}

#[derive(Debug, Default)]
pub(crate) struct ScanReport {
    pub chunks: usize,
    pub document_chunks: usize,
    /// Including compressed change chunks.
    pub change_chunks: usize,
    pub changes: u64,
    pub ops: u64,
    /// Sum over chunks of the body size after inflating compressed chunks/columns.
    pub inflated_bytes: u64,
    /// Max nesting depth among objects created in the scanned bytes, computed from the
    /// make-ops' parent links; an object whose parent is root has depth 1. An object whose
    /// parent is NOT created in the scanned bytes counts as if that parent were root.
    #[allow(dead_code)] // for logs and tests
    pub max_depth: u32,
    /// Objects created in the scanned bytes under an object that is neither root nor
    /// created in the scanned bytes: that parent, with the depth of the deepest chain
    /// hanging below it within the scan (1 = just the object). One entry per parent,
    /// sorted. The caller checks these against the base document after decoding.
    pub dangling: Vec<(ObjRef, u32)>,
    /// What the header of each change chunk says, in input order (changes inside a
    /// document chunk are not listed).
    pub headers: Vec<Header>,
}

/// The header of one change chunk: its hash (SHA-256 of the uncompressed chunk, as
/// Automerge names it), its actor and its sequence number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Header {
    pub hash: [u8; 32],
    pub actor: Vec<u8>,
    pub seq: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ScanError {
    #[error("input is empty")]
    Empty,
    #[error("input of {len} bytes is larger than the limit of {max}")]
    TooLarge { len: usize, max: usize },
    #[error("input ends early at offset {offset}")]
    Truncated { offset: usize },
    #[error("no chunk magic bytes at offset {offset}")]
    BadMagic { offset: usize },
    #[error("bad checksum for the chunk at offset {offset}")]
    BadChecksum { offset: usize },
    #[error("unknown chunk type {kind} at offset {offset}")]
    UnknownChunkType { offset: usize, kind: u8 },
    #[error("unsupported {kind} chunk")]
    UnsupportedChunk { kind: &'static str },
    #[error("more than {max} chunks")]
    TooManyChunks { max: usize },
    #[error("inflates to more than {max} bytes")]
    InflatedTooLarge { max: u64 },
    #[error("more than {max} changes")]
    TooManyChanges { max: u64 },
    #[error("more than {max} ops")]
    TooManyOps { max: u64 },
    #[error("objects nest at least {depth} deep, more than the limit of {max}")]
    TooDeep { depth: u32, max: u32 },
    #[error("malformed data at offset {offset}: {what}")]
    Malformed { offset: usize, what: &'static str },
    #[error("bad deflate data at offset {offset}")]
    BadDeflate { offset: usize },
}

/// Scan `bytes` (one or more chunks) against `limits`. See the module docs.
pub(crate) fn scan(bytes: &[u8], limits: &ScanLimits) -> Result<ScanReport, ScanError> {
    if bytes.len() > limits.max_input_bytes {
        return Err(ScanError::TooLarge {
            len: bytes.len(),
            max: limits.max_input_bytes,
        });
    }
    if bytes.is_empty() {
        return Err(ScanError::Empty);
    }
    let mut scanner = Scanner {
        limits,
        report: ScanReport::default(),
        objects: Objects::default(),
    };
    let mut input = Cursor::new(bytes, 0);
    while !input.is_empty() {
        if scanner.report.chunks >= limits.max_chunks {
            return Err(ScanError::TooManyChunks {
                max: limits.max_chunks,
            });
        }
        scanner.report.chunks += 1;
        scanner.chunk(&mut input)?;
    }
    let (max_depth, dangling) = scanner.objects.depths(limits.max_depth)?;
    Ok(ScanReport {
        max_depth,
        dangling,
        ..scanner.report
    })
}

const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
const DEFLATE_BIT: u32 = 0x08;

/// The op column specs (`id << 4 | type`) needed to find the objects created, as in
/// storage/change/change_op_columns.rs and op_set2/columns.rs.
const OBJ_ACTOR: u32 = 0x01;
const OBJ_CTR: u32 = 0x02;
const ID_ACTOR: u32 = 0x21;
const ID_CTR: u32 = 0x23;
const ACTION: u32 = 0x42;

// Column types: the low three bits of a spec.
const TYPE_GROUP: u32 = 0;
const TYPE_DELTA: u32 = 3;
const TYPE_BOOLEAN: u32 = 4;
const TYPE_STRING: u32 = 5;
const TYPE_VALUE: u32 = 7;

/// Actions that create an object: makeMap, makeList, makeText, makeTable (op_set2/types.rs).
/// The type and whole length (header included) of the chunk at the start of
/// `bytes`, from its header alone (None when there is no chunk there).
pub(crate) fn chunk_header(bytes: &[u8]) -> Option<(u8, usize)> {
    if bytes.get(..4)? != MAGIC {
        return None;
    }
    let kind = *bytes.get(8)?;
    let mut at = 9;
    let mut len: u64 = 0;
    for shift in (0..64).step_by(7) {
        let byte = *bytes.get(at)?;
        at += 1;
        len |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            let total = at.checked_add(usize::try_from(len).ok()?)?;
            return (total <= bytes.len()).then_some((kind, total));
        }
    }
    None
}

fn is_make(action: u64) -> bool {
    matches!(action, 0 | 2 | 4 | 6)
}

fn malformed(offset: usize, what: &'static str) -> ScanError {
    ScanError::Malformed { offset, what }
}

// ---------------------------------------------------------------------------
// Cursor

/// A checked reader over a byte slice. `base` is the offset of `data[0]` in the
/// input, for error messages (inside inflated data: the start of the compressed data).
#[derive(Clone)]
struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Cursor<'a> {
    fn new(data: &'a [u8], base: usize) -> Self {
        Cursor { data, pos: 0, base }
    }

    fn offset(&self) -> usize {
        self.base.saturating_add(self.pos)
    }

    fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    fn truncated(&self) -> ScanError {
        ScanError::Truncated {
            offset: self.offset(),
        }
    }

    fn byte(&mut self) -> Result<u8, ScanError> {
        let byte = *self.data.get(self.pos).ok_or_else(|| self.truncated())?;
        self.pos += 1;
        Ok(byte)
    }

    fn take(&mut self, len: u64) -> Result<&'a [u8], ScanError> {
        let end = usize::try_from(len)
            .ok()
            .and_then(|len| self.pos.checked_add(len));
        let slice = end
            .and_then(|end| self.data.get(self.pos..end))
            .ok_or_else(|| self.truncated())?;
        self.pos += slice.len();
        Ok(slice)
    }

    /// Up to `len` bytes, without consuming them.
    fn peek(&self, len: usize) -> &'a [u8] {
        let rest = self.data.get(self.pos..).unwrap_or_default();
        rest.get(..len).unwrap_or(rest)
    }

    /// Skip `count` LEB128 values without decoding them (each ends with a byte < 0x80).
    fn skip_lebs(&mut self, count: u64) -> Result<(), ScanError> {
        let mut left = count;
        if left == 0 {
            return Ok(());
        }
        let rest = self.data.get(self.pos..).unwrap_or_default();
        for (i, byte) in rest.iter().enumerate() {
            if byte & 0x80 == 0 {
                left -= 1;
                if left == 0 {
                    self.pos += i + 1;
                    return Ok(());
                }
            }
        }
        self.pos = self.data.len();
        if left == 0 {
            Ok(())
        } else {
            Err(self.truncated())
        }
    }

    /// A length-prefixed byte string.
    fn bytes(&mut self) -> Result<&'a [u8], ScanError> {
        let len = self.uleb()?;
        self.take(len)
    }

    /// ULEB128 as automerge parses chunk headers (storage/parse/leb128.rs): at most
    /// 64 bits and no overlong encodings.
    fn uleb(&mut self) -> Result<u64, ScanError> {
        self.read_uleb(true)
    }

    /// ULEB128 in column data, which automerge reads with the `leb128` crate:
    /// overlong encodings are accepted.
    fn uleb_col(&mut self) -> Result<u64, ScanError> {
        self.read_uleb(false)
    }

    fn read_uleb(&mut self, strict: bool) -> Result<u64, ScanError> {
        // Fast path: most values in columns fit in one byte.
        if let Some(&byte) = self.data.get(self.pos)
            && byte < 0x80
        {
            self.pos += 1;
            return Ok(u64::from(byte));
        }
        let start = self.offset();
        let mut value = 0u64;
        let mut shift = 0u32;
        loop {
            let byte = self.byte()?;
            let low = u64::from(byte & 0x7f);
            if shift == 63 && low > 1 {
                return Err(malformed(start, "leb128 overflows 64 bits"));
            }
            value |= low << shift;
            if byte & 0x80 == 0 {
                if strict && shift > 0 && byte == 0 {
                    return Err(malformed(start, "overlong leb128"));
                }
                return Ok(value);
            }
            shift += 7;
            if shift > 63 {
                return Err(malformed(start, "leb128 overflows 64 bits"));
            }
        }
    }

    fn sleb(&mut self) -> Result<i64, ScanError> {
        self.read_sleb(true)
    }

    fn sleb_col(&mut self) -> Result<i64, ScanError> {
        self.read_sleb(false)
    }

    fn read_sleb(&mut self, strict: bool) -> Result<i64, ScanError> {
        if let Some(&byte) = self.data.get(self.pos)
            && byte < 0x80
        {
            self.pos += 1;
            // Sign-extend from bit 6.
            return Ok(i64::from((byte << 1) as i8 >> 1));
        }
        let start = self.offset();
        let mut value = 0i64;
        let mut shift = 0u32;
        let mut prev = 0u8;
        loop {
            let byte = self.byte()?;
            // The tenth byte may only carry the sign.
            if shift == 63 && byte != 0 && byte != 0x7f {
                return Err(malformed(start, "leb128 overflows 64 bits"));
            }
            value |= i64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                let redundant =
                    (byte == 0 && prev & 0x40 == 0) || (byte == 0x7f && prev & 0x40 != 0);
                if strict && shift > 0 && redundant {
                    return Err(malformed(start, "overlong leb128"));
                }
                shift += 7;
                if shift < 64 && byte & 0x40 != 0 {
                    value |= -1i64 << shift;
                }
                return Ok(value);
            }
            prev = byte;
            shift += 7;
            if shift > 63 {
                return Err(malformed(start, "leb128 overflows 64 bits"));
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Chunks

struct Scanner<'l> {
    limits: &'l ScanLimits,
    report: ScanReport,
    objects: Objects,
}

/// A column of a change or document chunk, inflated if it was compressed.
struct Column<'a> {
    /// The spec with the deflate bit cleared.
    spec: u32,
    data: Cow<'a, [u8]>,
    offset: usize,
}

impl Scanner<'_> {
    fn chunk(&mut self, input: &mut Cursor<'_>) -> Result<(), ScanError> {
        let start = input.offset();
        let magic = input.peek(4);
        if magic.iter().zip(MAGIC).any(|(a, b)| *a != b) {
            return Err(ScanError::BadMagic { offset: start });
        }
        input.take(4)?;
        let checksum = input.take(4)?;
        let kind = input.byte()?;
        match kind {
            0..=2 => {}
            3 => return Err(ScanError::UnsupportedChunk { kind: "bundle" }),
            kind => {
                return Err(ScanError::UnknownChunkType {
                    offset: start,
                    kind,
                });
            }
        }
        let len = input.uleb()?;
        let body_offset = input.offset();
        let body = input.take(len)?;
        if kind == 2 {
            // The checksum is that of the type-1 chunk this inflates to.
            let inflated = self.inflate(body, body_offset)?;
            let hash = verify_checksum(1, &inflated, checksum, start)?;
            self.report.change_chunks += 1;
            return self.change(&inflated, body_offset, hash);
        }
        let hash = verify_checksum(kind, body, checksum, start)?;
        self.add_inflated(body.len())?;
        if kind == 0 {
            self.report.document_chunks += 1;
            self.document(body, body_offset)
        } else {
            self.report.change_chunks += 1;
            self.change(body, body_offset, hash)
        }
    }

    fn add_inflated(&mut self, len: usize) -> Result<(), ScanError> {
        let total = u64::try_from(len)
            .ok()
            .and_then(|len| self.report.inflated_bytes.checked_add(len));
        match total {
            Some(total) if total <= self.limits.max_inflated_bytes => {
                self.report.inflated_bytes = total;
                Ok(())
            }
            _ => Err(ScanError::InflatedTooLarge {
                max: self.limits.max_inflated_bytes,
            }),
        }
    }

    /// Inflate raw deflate data and count its size, allocating at most what is left of
    /// `max_inflated_bytes` (plus one byte) and failing as soon as the output would
    /// exceed it. Trailing bytes after the deflate stream are an error.
    fn inflate(&mut self, data: &[u8], offset: usize) -> Result<Vec<u8>, ScanError> {
        let too_large = ScanError::InflatedTooLarge {
            max: self.limits.max_inflated_bytes,
        };
        let bad = ScanError::BadDeflate { offset };
        let budget = self
            .limits
            .max_inflated_bytes
            .saturating_sub(self.report.inflated_bytes);
        let cap = usize::try_from(budget)
            .unwrap_or(usize::MAX)
            .saturating_add(1);
        let mut out: Vec<u8> = Vec::new();
        let mut inflater = Decompress::new(false);
        loop {
            if out.len() == out.capacity() {
                if out.len() >= cap {
                    return Err(too_large);
                }
                out.reserve_exact(out.len().max(32 << 10).min(cap - out.len()));
            }
            let consumed = usize::try_from(inflater.total_in()).map_err(|_| bad.clone())?;
            let input = data.get(consumed..).ok_or_else(|| bad.clone())?;
            let produced = out.len();
            match inflater.decompress_vec(input, &mut out, FlushDecompress::Finish) {
                Ok(Status::StreamEnd) => break,
                Ok(_) if out.len() > produced || inflater.total_in() > consumed as u64 => {}
                _ => return Err(bad),
            }
        }
        if inflater.total_in() != data.len() as u64 {
            return Err(bad);
        }
        self.add_inflated(out.len())?;
        Ok(out)
    }

    /// A change chunk body (storage/change.rs): deps, actor, seq, start op, time,
    /// message, other actors, op column metadata, op columns, then opaque extra bytes.
    fn change(&mut self, body: &[u8], base: usize, hash: [u8; 32]) -> Result<(), ScanError> {
        let mut c = Cursor::new(body, base);
        let deps = c.uleb()?;
        c.take(deps.checked_mul(32).ok_or_else(|| c.truncated())?)?;
        let actor_bytes = c.bytes()?;
        let actor = self.objects.intern(actor_bytes);
        let mut actors = vec![actor];
        let seq = c.uleb()?;
        self.report.headers.push(Header {
            hash,
            actor: actor_bytes.to_vec(),
            seq,
        });
        let start_at = c.offset();
        let start_op = c.uleb()?;
        if start_op == 0 {
            return Err(malformed(start_at, "change start op is zero"));
        }
        let _time = c.sleb()?;
        let message_at = c.offset();
        if std::str::from_utf8(c.bytes()?).is_err() {
            return Err(malformed(message_at, "change message is not UTF-8"));
        }
        let others = c.uleb()?;
        for _ in 0..others {
            // Each actor takes at least one byte, so a huge count runs out of input.
            actors.push(self.objects.intern(c.bytes()?));
        }
        let meta = column_meta(&mut c)?;
        let columns = self.column_data(&mut c, &meta, false)?;
        // Whatever follows the columns is the change's opaque "extra bytes".

        if self.report.changes >= self.limits.max_changes {
            return Err(ScanError::TooManyChanges {
                max: self.limits.max_changes,
            });
        }
        self.report.changes += 1;
        let ops = self.count_ops(&columns)?;
        if ops > 0
            && start_op
                .checked_add(ops - 1)
                .is_none_or(|last| last > u64::from(u32::MAX))
        {
            return Err(malformed(start_at, "op counters do not fit in 32 bits"));
        }

        // Op ids are implicit: the i-th op is (start_op + i, the change's actor).
        let mut ops = MakeOps::new(&columns, false);
        while let Some(make) = ops.next()? {
            let counter = start_op
                .checked_add(make.row)
                .ok_or_else(|| malformed(base, "op counter overflows"))?;
            let parent = obj_key(make.obj, &actors, base)?;
            self.objects.add((actor, counter), make.len, parent, base)?;
        }
        Ok(())
    }

    /// A document chunk body (storage/document.rs): actors, heads, change and op column
    /// metadata, change columns, op columns, then optionally one index per head.
    fn document(&mut self, body: &[u8], base: usize) -> Result<(), ScanError> {
        let mut c = Cursor::new(body, base);
        let count = c.uleb()?;
        let mut actors = Vec::new();
        for _ in 0..count {
            actors.push(self.objects.intern(c.bytes()?));
        }
        let heads = c.uleb()?;
        c.take(heads.checked_mul(32).ok_or_else(|| c.truncated())?)?;
        let change_meta = column_meta(&mut c)?;
        let op_meta = column_meta(&mut c)?;
        let change_columns = self.column_data(&mut c, &change_meta, true)?;
        let op_columns = self.column_data(&mut c, &op_meta, true)?;
        if !c.is_empty() {
            for _ in 0..heads {
                c.uleb()?;
            }
        }
        if !c.is_empty() {
            return Err(malformed(c.offset(), "trailing bytes in a document chunk"));
        }

        let max = self.limits.max_changes;
        let cap = max.saturating_sub(self.report.changes);
        let too_many = ScanError::TooManyChanges { max };
        self.report.changes += count_table(&change_columns, cap, &too_many, self.limits.max_ops)?;
        self.count_ops(&op_columns)?;

        let mut ops = MakeOps::new(&op_columns, true);
        while let Some(make) = ops.next()? {
            let id = obj_key(make.id, &actors, base)?
                .ok_or_else(|| malformed(base, "object created with a null id"))?;
            let parent = obj_key(make.obj, &actors, base)?;
            self.objects.add(id, make.len, parent, base)?;
        }
        Ok(())
    }

    /// Slice (and inflate, if allowed) the columns described by `meta`.
    fn column_data<'a>(
        &mut self,
        c: &mut Cursor<'a>,
        meta: &[(u32, u64)],
        allow_deflate: bool,
    ) -> Result<Vec<Column<'a>>, ScanError> {
        let mut columns = Vec::with_capacity(meta.len());
        for &(spec, len) in meta {
            let offset = c.offset();
            let raw = c.take(len)?;
            let data = if spec & DEFLATE_BIT == 0 {
                Cow::Borrowed(raw)
            } else if allow_deflate {
                // The raw bytes were counted with the chunk body; count the inflated ones instead.
                self.report.inflated_bytes = self.report.inflated_bytes.saturating_sub(len);
                Cow::Owned(self.inflate(raw, offset)?)
            } else {
                return Err(malformed(offset, "compressed column in a change chunk"));
            };
            columns.push(Column {
                spec: spec & !DEFLATE_BIT,
                data,
                offset,
            });
        }
        Ok(columns)
    }

    /// Count the ops of an op table, failing as soon as the running count passes the cap.
    fn count_ops(&mut self, columns: &[Column<'_>]) -> Result<u64, ScanError> {
        let max = self.limits.max_ops;
        let cap = max.saturating_sub(self.report.ops);
        let ops = count_table(columns, cap, &ScanError::TooManyOps { max }, max)?;
        self.report.ops += ops;
        Ok(ops)
    }
}

/// The number of items (ops or changes) in a table: the largest row count of its
/// columns, each of which should hold one row per item, except raw value columns
/// (bytes, not rows) and the columns grouped under a group column (the preds, succs or
/// deps of each item), which are only bounded by `max_ops`.
fn count_table(
    columns: &[Column<'_>],
    cap: u64,
    too_many: &ScanError,
    max_ops: u64,
) -> Result<u64, ScanError> {
    let mut rows = 0;
    let mut group = None;
    for column in columns {
        let (id, kind) = (column.spec >> 4, column.spec & 7);
        if kind == TYPE_GROUP {
            group = Some(id);
        }
        if kind == TYPE_VALUE {
            continue;
        } else if kind != TYPE_GROUP && group == Some(id) {
            count_rows(column, max_ops, &ScanError::TooManyOps { max: max_ops })?;
        } else {
            rows = rows.max(count_rows(column, cap, too_many)?);
        }
    }
    Ok(rows)
}

fn write_uleb(mut value: u64, out: &mut Vec<u8>) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            return out.push(byte);
        }
        out.push(byte | 0x80);
    }
}

/// SHA-256 over `type || uleb(len) || body` (storage/chunk.rs): a change's hash; its
/// first 4 bytes are the chunk's checksum.
fn chunk_hash(kind: u8, body: &[u8]) -> [u8; 32] {
    let mut header = vec![kind];
    write_uleb(body.len() as u64, &mut header);
    Sha256::new()
        .chain_update(&header)
        .chain_update(body)
        .finalize()
        .into()
}

/// The chunk's hash, when its first 4 bytes are the checksum `expected`.
fn verify_checksum(
    kind: u8,
    body: &[u8],
    expected: &[u8],
    offset: usize,
) -> Result<[u8; 32], ScanError> {
    let hash = chunk_hash(kind, body);
    if hash.get(..4) == Some(expected) {
        Ok(hash)
    } else {
        Err(ScanError::BadChecksum { offset })
    }
}

/// Column metadata: a count, then (spec, length) pairs in ascending spec order.
fn column_meta(c: &mut Cursor<'_>) -> Result<Vec<(u32, u64)>, ScanError> {
    let count = c.uleb()?;
    let mut meta = Vec::new();
    let mut last = None;
    // Each pair takes at least two bytes, so a huge count runs out of input.
    for _ in 0..count {
        let at = c.offset();
        let spec =
            u32::try_from(c.uleb()?).map_err(|_| malformed(at, "column spec overflows 32 bits"))?;
        let len = c.uleb()?;
        let normal = spec & !DEFLATE_BIT;
        // automerge rejects unsorted columns; we also reject duplicates, which it would
        // resolve arbitrarily.
        if last.is_some_and(|last| normal <= last) {
            return Err(malformed(at, "columns out of order"));
        }
        last = Some(normal);
        meta.push((spec, len));
    }
    Ok(meta)
}

// ---------------------------------------------------------------------------
// Columns

/// Count the rows of a column without materialising them; fails with `too_many` as
/// soon as the count passes `cap`.
///
/// RLE (actor, integer, delta, string, group and value-metadata columns): signed LEB run
/// `n`; n > 0: one value repeated n times; n < 0: |n| literal values; n == 0: ULEB count
/// of nulls. Boolean: alternating ULEB run lengths, starting with false.
fn count_rows(column: &Column<'_>, cap: u64, too_many: &ScanError) -> Result<u64, ScanError> {
    let kind = column.spec & 7;
    let mut c = Cursor::new(&column.data, column.offset);
    let mut rows = 0u64;
    let mut add = |n: u64| match rows.checked_add(n) {
        Some(total) if total <= cap => {
            rows = total;
            Ok(())
        }
        _ => Err(too_many.clone()),
    };
    while !c.is_empty() {
        if kind == TYPE_BOOLEAN {
            add(c.uleb_col()?)?;
            continue;
        }
        let run = c.sleb_col()?;
        if run > 0 {
            add(run.unsigned_abs())?;
            skip_value(&mut c, kind)?;
        } else if run < 0 && kind == TYPE_STRING {
            add(run.unsigned_abs())?;
            // Each literal takes at least one byte, so this ends with the input.
            for _ in 0..run.unsigned_abs() {
                skip_value(&mut c, kind)?;
            }
        } else if run < 0 {
            add(run.unsigned_abs())?;
            c.skip_lebs(run.unsigned_abs())?;
        } else {
            add(c.uleb_col()?)?;
        }
    }
    Ok(rows)
}

fn skip_value(c: &mut Cursor<'_>, kind: u32) -> Result<(), ScanError> {
    match kind {
        TYPE_DELTA => c.sleb_col().map(drop),
        TYPE_STRING => {
            let len = c.uleb_col()?;
            c.take(len).map(drop)
        }
        _ => c.uleb_col().map(drop),
    }
}

#[derive(Clone, Copy)]
enum Run {
    Null,
    Repeat(u64),
    Literal,
}

/// Row-by-row reader of an RLE column of ULEB (or, if `signed`, SLEB) values.
/// SLEB values are returned as their two's complement bits.
struct Rle<'a> {
    cur: Cursor<'a>,
    signed: bool,
    left: u64,
    run: Run,
}

impl<'a> Rle<'a> {
    fn new(columns: &'a [Column<'_>], spec: u32, signed: bool) -> Self {
        let column = columns.iter().find(|c| c.spec == spec);
        let data = column.map_or(&[][..], |c| &c.data[..]);
        Rle {
            cur: Cursor::new(data, column.map_or(0, |c| c.offset)),
            signed,
            left: 0,
            run: Run::Null,
        }
    }

    fn value(&mut self) -> Result<u64, ScanError> {
        if self.signed {
            self.cur.sleb_col().map(|v| v as u64)
        } else {
            self.cur.uleb_col()
        }
    }

    /// Start the next run if the current one is used up; false at the end of the column.
    fn refill(&mut self) -> Result<bool, ScanError> {
        while self.left == 0 {
            if self.cur.is_empty() {
                return Ok(false);
            }
            let run = self.cur.sleb_col()?;
            self.left = run.unsigned_abs();
            self.run = match run {
                1.. => Run::Repeat(self.value()?),
                ..0 => Run::Literal,
                0 => {
                    self.left = self.cur.uleb_col()?;
                    Run::Null
                }
            };
        }
        Ok(true)
    }

    /// The next row: `None` past the end of the column, `Some(None)` for a null.
    fn next(&mut self) -> Result<Option<Option<u64>>, ScanError> {
        if !self.refill()? {
            return Ok(None);
        }
        self.left -= 1;
        Ok(Some(match self.run {
            Run::Null => None,
            Run::Repeat(value) => Some(value),
            Run::Literal => Some(self.value()?),
        }))
    }

    /// Skip `n` rows, calling `f(value, times)` for the non-null ones.
    fn skip(
        &mut self,
        mut n: u64,
        mut f: impl FnMut(u64, u64) -> Result<(), ScanError>,
    ) -> Result<(), ScanError> {
        while n > 0 && self.refill()? {
            let k = n.min(self.left);
            match self.run {
                Run::Null => {}
                Run::Repeat(value) => f(value, k)?,
                Run::Literal => {
                    for _ in 0..k {
                        let value = self.value()?;
                        f(value, 1)?;
                    }
                }
            }
            self.left -= k;
            n -= k;
        }
        Ok(())
    }

    /// How many rows from here share one value: 1 in a literal run, unbounded past
    /// the end of the column.
    fn run_len(&mut self) -> Result<u64, ScanError> {
        Ok(match (self.refill()?, self.run) {
            (false, _) => u64::MAX,
            (true, Run::Literal) => 1,
            (true, _) => self.left,
        })
    }

    /// Take `n` rows sharing one value (`n <= run_len()`): that value, or null.
    fn take(&mut self, n: u64) -> Result<Option<u64>, ScanError> {
        let value = self.next()?.flatten();
        self.skip(n.saturating_sub(1), |_, _| Ok(()))?;
        Ok(value)
    }
}

/// A delta column: an RLE column of signed differences from the previous value.
struct Delta<'a> {
    rle: Rle<'a>,
    value: i64,
}

impl Delta<'_> {
    fn skip(&mut self, n: u64) -> Result<(), ScanError> {
        let (value, offset) = (&mut self.value, self.rle.cur.offset());
        self.rle
            .skip(n, |delta, times| add_delta(value, delta, times, offset))
    }

    /// How many rows from here hold consecutive values (a run of delta 1) or nulls.
    fn run_len(&mut self) -> Result<u64, ScanError> {
        let len = self.rle.run_len()?;
        let consecutive = len == u64::MAX || matches!(self.rle.run, Run::Repeat(1) | Run::Null);
        Ok(if consecutive { len } else { 1 })
    }

    /// Take `n` rows (`n <= run_len()`), returning the first value.
    fn take(&mut self, n: u64) -> Result<Option<i64>, ScanError> {
        let Some(delta) = self.rle.next()?.flatten() else {
            self.skip(n.saturating_sub(1))?;
            return Ok(None);
        };
        add_delta(&mut self.value, delta, 1, self.rle.cur.offset())?;
        let first = self.value;
        self.skip(n.saturating_sub(1))?;
        Ok(Some(first))
    }
}

/// Add `times` deltas (two's complement bits of an SLEB value) to `value`.
fn add_delta(value: &mut i64, delta: u64, times: u64, offset: usize) -> Result<(), ScanError> {
    let step = i128::from(delta as i64).checked_mul(i128::from(times));
    let total = step.and_then(|step| step.checked_add(i128::from(*value)));
    *value = total
        .and_then(|total| i64::try_from(total).ok())
        .ok_or_else(|| malformed(offset, "delta column overflows"))?;
    Ok(())
}

/// Consecutive ops creating objects with consecutive ids under one parent: the row
/// of the first, how many, their `obj` (actor index, counter) and, in a document, the
/// `id` (actor index, counter) of the first.
struct MakeRun {
    row: u64,
    len: u64,
    obj: (Option<u64>, Option<u64>),
    id: (Option<u64>, Option<u64>),
}

/// Finds the object-creating ops of an op table, decoding the `obj` and `id` columns
/// only at those rows, and a run at a time (so a run-length-encoded run of a million
/// makeMap ops costs what one does).
struct MakeOps<'a> {
    action: Rle<'a>,
    obj_actor: Rle<'a>,
    obj_ctr: Rle<'a>,
    ids: Option<(Rle<'a>, Delta<'a>)>,
    row: u64,
    synced: u64,
}

impl<'a> MakeOps<'a> {
    fn new(columns: &'a [Column<'_>], with_ids: bool) -> Self {
        let ids = with_ids.then(|| {
            let ctr = Rle::new(columns, ID_CTR, true);
            (
                Rle::new(columns, ID_ACTOR, false),
                Delta { rle: ctr, value: 0 },
            )
        });
        MakeOps {
            action: Rle::new(columns, ACTION, false),
            obj_actor: Rle::new(columns, OBJ_ACTOR, false),
            obj_ctr: Rle::new(columns, OBJ_CTR, false),
            ids,
            row: 0,
            synced: 0,
        }
    }

    fn next(&mut self) -> Result<Option<MakeRun>, ScanError> {
        while self.action.refill()? {
            let (row, literal) = (self.row, matches!(self.action.run, Run::Literal));
            // How many rows from `row` create objects, as far as the action column says.
            let mut len = match self.action.run {
                Run::Repeat(action) if is_make(action) => self.action.left,
                Run::Null | Run::Repeat(_) => {
                    self.row += self.action.left;
                    self.action.left = 0;
                    continue;
                }
                Run::Literal => {
                    self.row += 1;
                    if !self.action.next()?.flatten().is_some_and(is_make) {
                        continue;
                    }
                    1
                }
            };
            let gap = row - self.synced;
            self.obj_actor.skip(gap, |_, _| Ok(()))?;
            self.obj_ctr.skip(gap, |_, _| Ok(()))?;
            len = len
                .min(self.obj_actor.run_len()?)
                .min(self.obj_ctr.run_len()?);
            if let Some((actor, ctr)) = &mut self.ids {
                actor.skip(gap, |_, _| Ok(()))?;
                ctr.skip(gap)?;
                len = len.min(actor.run_len()?).min(ctr.run_len()?);
            }
            if !literal {
                self.action.skip(len, |_, _| Ok(()))?;
                self.row += len;
            }
            self.synced = row + len;
            let obj = (self.obj_actor.take(len)?, self.obj_ctr.take(len)?);
            let id = match &mut self.ids {
                // Counters must be positive; a bad one becomes a null and is rejected.
                Some((actor, ctr)) => {
                    let counter = ctr.take(len)?.and_then(|c| u64::try_from(c).ok());
                    (actor.take(len)?, counter.filter(|c| *c > 0))
                }
                None => (None, None),
            };
            return Ok(Some(MakeRun { row, len, obj, id }));
        }
        Ok(None)
    }
}

/// Resolve an (actor index, counter) pair: `Ok(None)` is root (both null, or
/// counter 0, as in columnar/column_range/obj_id.rs).
fn obj_key(
    pair: (Option<u64>, Option<u64>),
    actors: &[usize],
    offset: usize,
) -> Result<Option<Key>, ScanError> {
    match pair {
        (None, None) | (_, Some(0)) => Ok(None),
        (Some(actor), Some(counter)) => {
            let actor = usize::try_from(actor).ok().and_then(|a| actors.get(a));
            let actor = actor.ok_or_else(|| malformed(offset, "actor index out of range"))?;
            Ok(Some((*actor, counter)))
        }
        _ => Err(malformed(offset, "object id with a null actor or counter")),
    }
}

// ---------------------------------------------------------------------------
// Objects and depth

/// An object id: (index into `Objects::actors`, counter).
type Key = (usize, u64);

/// Objects created with consecutive counters by one actor under one parent.
#[derive(Clone, Copy)]
struct Made {
    last: u64,
    parent: Option<Key>,
    offset: usize,
}

/// The objects created in the scanned bytes and their parents.
#[derive(Default)]
struct Objects {
    actors: Vec<Vec<u8>>,
    actor_index: HashMap<Vec<u8>, usize>,
    /// Non-overlapping runs of created objects by (actor, first counter). Memory is
    /// bounded by the number of runs in the input, not by the number of objects.
    made: BTreeMap<Key, Made>,
}

impl Objects {
    fn intern(&mut self, actor: &[u8]) -> usize {
        if let Some(index) = self.actor_index.get(actor) {
            return *index;
        }
        let index = self.actors.len();
        self.actors.push(actor.to_vec());
        self.actor_index.insert(actor.to_vec(), index);
        index
    }

    /// Record `len` objects (actor, first..) created under `parent` (None = root),
    /// merging with the runs they overlap. The same change may legitimately appear
    /// twice (or in a document and as a change), but the same id cannot have two parents.
    fn add(
        &mut self,
        (actor, first): Key,
        len: u64,
        parent: Option<Key>,
        offset: usize,
    ) -> Result<(), ScanError> {
        let Some(last) = len.checked_sub(1).and_then(|n| first.checked_add(n)) else {
            return Err(malformed(offset, "object counter overflows"));
        };
        let before = self.made.range(..(actor, first)).next_back();
        let before = before
            .filter(|(k, m)| k.0 == actor && m.last >= first)
            .map(|(k, _)| *k);
        let within = self
            .made
            .range((actor, first)..=(actor, last))
            .map(|(k, _)| *k);
        let overlapping: Vec<Key> = before.into_iter().chain(within).collect();
        let (mut lo, mut hi) = (first, last);
        for key in overlapping {
            if let Some(made) = self.made.remove(&key) {
                if made.parent != parent {
                    return Err(malformed(offset, "one object id created under two parents"));
                }
                (lo, hi) = (lo.min(key.1), hi.max(made.last));
            }
        }
        self.made.insert(
            (actor, lo),
            Made {
                last: hi,
                parent,
                offset,
            },
        );
        Ok(())
    }

    fn obj_ref(&self, (actor, counter): Key) -> ObjRef {
        let actor = self.actors.get(actor).cloned().unwrap_or_default();
        ObjRef { actor, counter }
    }

    /// The deepest nesting, and the dangling parents with the height below each.
    /// Iterative: walks each parent chain up to a run of known depth, then fills it in.
    fn depths(&self, max: u32) -> Result<(u32, Vec<(ObjRef, u32)>), ScanError> {
        const UNKNOWN: u32 = 0;
        const BUSY: u32 = u32::MAX;
        let runs: Vec<(Key, Made)> = self.made.iter().map(|(k, m)| (*k, *m)).collect();
        // The run holding an object, if it was created in the scan.
        let find = |(actor, counter): Key| {
            let i = runs
                .partition_point(|(k, _)| *k <= (actor, counter))
                .checked_sub(1)?;
            let (key, made) = runs.get(i)?;
            (key.0 == actor && made.last >= counter).then_some(i)
        };
        let mut depth = vec![UNKNOWN; runs.len()];
        // The topmost in-scan ancestor of each run.
        let mut top = vec![0usize; runs.len()];
        let mut heights: HashMap<Key, u32> = HashMap::new();
        let mut deepest = 0;
        let mut chain = Vec::new();
        for start in 0..runs.len() {
            if depth.get(start) != Some(&UNKNOWN) {
                continue;
            }
            chain.clear();
            let mut at = start;
            let (base, chain_top) = loop {
                match depth.get(at).copied() {
                    Some(UNKNOWN) => {}
                    Some(BUSY) | None => {
                        let offset = runs.get(at).map_or(0, |r| r.1.offset);
                        return Err(malformed(offset, "object parents form a cycle"));
                    }
                    Some(known) => break (known, top.get(at).copied().unwrap_or(at)),
                }
                if let Some(d) = depth.get_mut(at) {
                    *d = BUSY;
                }
                chain.push(at);
                if chain.len() > max as usize {
                    let depth = u32::try_from(chain.len()).unwrap_or(u32::MAX);
                    return Err(ScanError::TooDeep { depth, max });
                }
                match runs.get(at).and_then(|r| r.1.parent).and_then(find) {
                    Some(parent) => at = parent,
                    None => break (0, at),
                }
            };
            let total = u64::from(base) + chain.len() as u64;
            if total > u64::from(max) {
                let depth = u32::try_from(total).unwrap_or(u32::MAX);
                return Err(ScanError::TooDeep { depth, max });
            }
            let total = total as u32;
            for (i, &run) in chain.iter().enumerate() {
                if let (Some(d), Some(t)) = (depth.get_mut(run), top.get_mut(run)) {
                    (*d, *t) = (total - i as u32, chain_top);
                }
            }
            deepest = deepest.max(total);
            // A top whose parent is neither root nor created in the scan dangles.
            if let Some(parent) = runs.get(chain_top).and_then(|r| r.1.parent)
                && find(parent).is_none()
            {
                let height = heights.entry(parent).or_default();
                *height = (*height).max(total);
            }
        }
        let mut dangling: Vec<_> = heights
            .into_iter()
            .map(|(k, h)| (self.obj_ref(k), h))
            .collect();
        dangling.sort();
        Ok((deepest, dangling))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::io::Write as _;

    use automerge::marks::{ExpandMark, Mark};
    use automerge::transaction::Transactable as _;
    use automerge::{AutoCommit, Change, ObjType, ROOT};
    use proptest::prelude::*;

    use super::*;

    fn limits() -> ScanLimits {
        ScanLimits {
            max_input_bytes: 1 << 30,
            max_inflated_bytes: 1 << 32,
            max_chunks: 1 << 20,
            max_changes: 1 << 40,
            max_ops: 1 << 40,
            max_depth: 100_000,
        }
    }

    fn with(f: impl FnOnce(&mut ScanLimits)) -> ScanLimits {
        let mut limits = limits();
        f(&mut limits);
        limits
    }

    fn err(bytes: &[u8]) -> ScanError {
        scan(bytes, &limits()).unwrap_err()
    }

    /// (changes, ops, max depth) of a scan.
    fn counts(bytes: &[u8], limits: &ScanLimits) -> (u64, u64, u32) {
        let report = scan(bytes, limits).unwrap();
        (report.changes, report.ops, report.max_depth)
    }

    /// Maps, a list, text and a mark, nested 4 deep, with a text long enough for `save()`
    /// to compress columns. No deletions, so the document keeps every op of its changes.
    fn sample() -> AutoCommit {
        let mut doc = AutoCommit::new();
        let map = doc.put_object(ROOT, "map", ObjType::Map).unwrap();
        doc.put(&map, "n", 1).unwrap();
        let list = doc.put_object(&map, "list", ObjType::List).unwrap();
        doc.insert(&list, 0, "x").unwrap();
        let inner = doc.insert_object(&list, 1, ObjType::Map).unwrap();
        let text = doc.put_object(&inner, "text", ObjType::Text).unwrap();
        doc.commit();
        doc.splice_text(&text, 0, 0, &"lorem ipsum ".repeat(60))
            .unwrap();
        doc.put(ROOT, "title", "charter").unwrap();
        doc.commit();
        let bold = Mark::new("bold".into(), true, 0, 5);
        doc.mark(&text, bold, ExpandMark::After).unwrap();
        doc.commit();
        doc
    }

    /// The changes, op count and concatenated raw change chunks of a document.
    fn changes(doc: &mut AutoCommit) -> (Vec<Change>, u64, Vec<u8>) {
        let changes = doc.get_changes(&[]);
        let ops = changes.iter().map(|c| c.len() as u64).sum();
        let bytes = changes
            .iter()
            .flat_map(|c| c.raw_bytes().to_vec())
            .collect();
        (changes, ops, bytes)
    }

    fn nested(depth: usize) -> AutoCommit {
        let mut doc = AutoCommit::new();
        let mut obj = ROOT;
        for _ in 0..depth {
            obj = doc.put_object(&obj, "m", ObjType::Map).unwrap();
        }
        doc.commit();
        doc
    }

    fn small_change() -> Vec<u8> {
        let mut doc = AutoCommit::new();
        let map = doc.put_object(ROOT, "m", ObjType::Map).unwrap();
        doc.put(&map, "k", "v").unwrap();
        doc.get_last_local_change().unwrap().raw_bytes().to_vec()
    }

    fn sleb(mut value: i64, out: &mut Vec<u8>) {
        loop {
            let byte = (value & 0x7f) as u8;
            value >>= 7;
            if (value == 0 && byte & 0x40 == 0) || (value == -1 && byte & 0x40 != 0) {
                return out.push(byte);
            }
            out.push(byte | 0x80);
        }
    }

    /// A chunk with a valid checksum (for type 2, that of an empty change).
    fn chunk(kind: u8, body: &[u8]) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        let hash = if kind == 2 {
            chunk_hash(1, b"")
        } else {
            chunk_hash(kind, body)
        };
        out.extend(&hash[..4]);
        out.push(kind);
        write_uleb(body.len() as u64, &mut out);
        out.extend(body);
        out
    }

    fn with_columns(mut out: Vec<u8>, tables: &[&[(u32, Vec<u8>)]]) -> Vec<u8> {
        for columns in tables {
            write_uleb(columns.len() as u64, &mut out);
            for (spec, data) in *columns {
                write_uleb(u64::from(*spec), &mut out);
                write_uleb(data.len() as u64, &mut out);
            }
        }
        tables
            .iter()
            .flat_map(|t| t.iter())
            .for_each(|(_, data)| out.extend(data));
        out
    }

    /// A change chunk by actor aabb, seq 1, start op 1, with these op columns.
    fn change_chunk(columns: &[(u32, Vec<u8>)]) -> Vec<u8> {
        // No deps, actor, seq, start op, time, empty message, no other actors.
        chunk(
            1,
            &with_columns(vec![0, 2, 0xaa, 0xbb, 1, 1, 0, 0, 0], &[columns]),
        )
    }

    /// A document chunk with actor aabb, no heads, and these change and op columns.
    fn doc_chunk(changes: &[(u32, Vec<u8>)], ops: &[(u32, Vec<u8>)]) -> Vec<u8> {
        chunk(0, &with_columns(vec![1, 2, 0xaa, 0xbb, 0], &[changes, ops]))
    }

    /// An RLE column of literal values.
    fn literals(values: &[u64]) -> Vec<u8> {
        let mut out = Vec::new();
        sleb(-(values.len() as i64), &mut out);
        values.iter().for_each(|v| write_uleb(*v, &mut out));
        out
    }

    /// An RLE column of (count, value) runs: count > 0 repeats the value, -1 is a
    /// literal, 0 is a run of `value` nulls.
    fn rle(runs: &[(i64, u64)]) -> Vec<u8> {
        let mut out = Vec::new();
        for &(count, value) in runs {
            sleb(count, &mut out);
            write_uleb(value, &mut out);
        }
        out
    }

    /// Op columns creating objects: (obj actor, obj counter, action) per op.
    fn make_ops(ops: &[(u64, u64, u64)]) -> Vec<(u32, Vec<u8>)> {
        let column =
            |f: fn(&(u64, u64, u64)) -> u64| literals(&ops.iter().map(f).collect::<Vec<_>>());
        vec![
            (OBJ_ACTOR, column(|o| o.0)),
            (OBJ_CTR, column(|o| o.1)),
            (ACTION, column(|o| o.2)),
        ]
    }

    fn deflate(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), Default::default());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    fn from_hex(hex: &str) -> Vec<u8> {
        let digit = |i| u8::from_str_radix(hex.get(i..i + 2).unwrap(), 16).unwrap();
        (0..hex.len()).step_by(2).map(digit).collect()
    }

    #[test]
    fn real_data_scans_with_exact_counts() {
        let mut doc = sample();
        let (changes, ops, concatenated) = changes(&mut doc);
        let n = changes.len() as u64;
        for (bytes, compressed) in [(doc.save(), true), (doc.save_nocompress(), false)] {
            let report = scan(&bytes, &limits()).unwrap();
            assert_eq!((report.chunks, report.document_chunks), (1, 1));
            assert_eq!((report.changes, report.ops, report.max_depth), (n, ops, 4));
            // Compressed columns inflate to more than the chunk holds.
            assert_eq!(report.inflated_bytes > bytes.len() as u64, compressed);
        }
        let report = scan(&concatenated, &limits()).unwrap();
        assert_eq!(
            (report.chunks, report.change_chunks),
            (changes.len(), changes.len())
        );
        assert_eq!((report.changes, report.ops, report.max_depth), (n, ops, 4));
        assert!(report.dangling.is_empty());
        // A document followed by an incremental save.
        let mut bytes = doc.save();
        doc.put(ROOT, "more", 1).unwrap();
        bytes.extend(doc.save_incremental());
        assert_eq!(counts(&bytes, &limits()), (n + 1, ops + 1, 4));
    }

    #[test]
    fn compressed_change_chunk() {
        let mut doc = AutoCommit::new();
        let text = doc.put_object(ROOT, "text", ObjType::Text).unwrap();
        doc.splice_text(&text, 0, 0, &"all members agree ".repeat(40))
            .unwrap();
        let mut change = doc.get_last_local_change().unwrap();
        let bytes = change.bytes().into_owned();
        assert_eq!(bytes[8], 2, "automerge compresses large changes");
        let report = scan(&bytes, &limits()).unwrap();
        assert_eq!(report.change_chunks, 1);
        assert_eq!(counts(&bytes, &limits()), (1, change.len() as u64, 1));
        // The inflated body: the raw chunk less magic, checksum, type and 2-byte length.
        assert_eq!(
            report.inflated_bytes as usize,
            change.raw_bytes().len() - 11
        );
        let small = with(|l| l.max_inflated_bytes = 100);
        assert_eq!(
            scan(&bytes, &small).unwrap_err(),
            ScanError::InflatedTooLarge { max: 100 }
        );
    }

    #[test]
    fn depth_of_documents_and_changes() {
        let mut doc = nested(300);
        let change = doc.get_last_local_change().unwrap().raw_bytes().to_vec();
        for bytes in [doc.save(), doc.save_nocompress(), change] {
            let err = scan(&bytes, &with(|l| l.max_depth = 64)).unwrap_err();
            assert!(matches!(err, ScanError::TooDeep { depth, max: 64 } if depth > 64));
            assert_eq!(counts(&bytes, &with(|l| l.max_depth = 1000)).2, 300);
            assert_eq!(counts(&bytes, &with(|l| l.max_depth = 300)).2, 300);
        }
        // A chain of 100,000 nested maps does not overflow the stack.
        assert_eq!(counts(&nested(100_000).save(), &limits()).2, 100_000);
    }

    #[test]
    fn runs_of_objects() {
        // 1000 maps in a list, a text in the 500th: one run of makes, and a lookup inside it.
        let mut doc = AutoCommit::new();
        let list = doc.put_object(ROOT, "rows", ObjType::List).unwrap();
        let rows: Vec<_> = (0..1000)
            .map(|i| doc.insert_object(&list, i, ObjType::Map).unwrap())
            .collect();
        doc.commit();
        let row = &rows[499];
        doc.put_object(row, "text", ObjType::Text).unwrap();
        let (_, ops, bytes) = changes(&mut doc);
        for bytes in [bytes.clone(), doc.save(), doc.save_nocompress()] {
            assert_eq!(counts(&bytes, &limits()), (2, ops, 3));
        }
        // The same objects in a document and in changes: runs that overlap.
        let both = [doc.save(), bytes].concat();
        assert_eq!(counts(&both, &limits()), (4, 2 * ops, 3));
        // A million makeMap ops at the root, declared in a few bytes, stay cheap.
        let mut run = Vec::new();
        sleb(1_000_000, &mut run);
        run.push(0);
        assert_eq!(
            counts(&change_chunk(&[(ACTION, run)]), &limits()),
            (1, 1_000_000, 1)
        );
        // Runs nest: 1 at the root, 2..=5 in 1, 6 in 3 (inside that run), 7 in 6.
        let obj_actor = rle(&[(0, 1), (6, 0)]);
        let obj_ctr = rle(&[(0, 1), (4, 1), (-1, 3), (-1, 6)]);
        let ops = [
            (OBJ_ACTOR, obj_actor),
            (OBJ_CTR, obj_ctr),
            (ACTION, rle(&[(7, 0)])),
        ];
        assert_eq!(counts(&change_chunk(&ops), &limits()), (1, 7, 4));
    }

    #[test]
    fn objects_under_unknown_parents_dangle() {
        let mut doc = AutoCommit::new();
        let outer = doc.put_object(ROOT, "outer", ObjType::Map).unwrap();
        let heads = doc.get_heads();
        let inner = doc.put_object(&outer, "inner", ObjType::List).unwrap();
        doc.insert_object(&inner, 0, ObjType::Map).unwrap();
        doc.put_object(&outer, "other", ObjType::Text).unwrap();
        doc.put_object(ROOT, "top", ObjType::Map).unwrap();
        let bytes: Vec<u8> = doc
            .get_changes(&heads)
            .iter()
            .flat_map(|c| c.raw_bytes().to_vec())
            .collect();
        let report = scan(&bytes, &limits()).unwrap();
        assert_eq!(report.max_depth, 2);
        let outer = outer.to_string();
        let (counter, actor) = outer.split_once('@').unwrap();
        let outer = ObjRef {
            actor: from_hex(actor),
            counter: counter.parse().unwrap(),
        };
        assert_eq!(report.dangling, vec![(outer, 2)]);
    }

    #[test]
    fn each_cap_has_its_own_error() {
        let mut doc = sample();
        let (changes, ops, bytes) = changes(&mut doc);
        let (saved, n) = (doc.save(), changes.len() as u64);
        let cases = [
            (
                &bytes,
                with(|l| l.max_input_bytes = 10),
                ScanError::TooLarge {
                    len: bytes.len(),
                    max: 10,
                },
            ),
            (
                &bytes,
                with(|l| l.max_chunks = 2),
                ScanError::TooManyChunks { max: 2 },
            ),
            (
                &bytes,
                with(|l| l.max_changes = n - 1),
                ScanError::TooManyChanges { max: n - 1 },
            ),
            (
                &saved,
                with(|l| l.max_changes = n - 1),
                ScanError::TooManyChanges { max: n - 1 },
            ),
            (
                &bytes,
                with(|l| l.max_ops = ops - 1),
                ScanError::TooManyOps { max: ops - 1 },
            ),
            (
                &saved,
                with(|l| l.max_ops = ops - 1),
                ScanError::TooManyOps { max: ops - 1 },
            ),
            (
                &saved,
                with(|l| l.max_inflated_bytes = 300),
                ScanError::InflatedTooLarge { max: 300 },
            ),
            (
                &saved,
                with(|l| l.max_depth = 3),
                ScanError::TooDeep { depth: 4, max: 3 },
            ),
        ];
        for (input, limits, expected) in cases {
            assert_eq!(scan(input, &limits).unwrap_err(), expected);
        }
        let exact = with(|l| {
            (l.max_changes, l.max_ops, l.max_depth, l.max_chunks) = (n, ops, 4, changes.len());
        });
        assert_eq!(counts(&bytes, &exact), counts(&saved, &exact));
    }

    #[test]
    fn deflate_bombs_fail_fast() {
        let bomb = deflate(&vec![b'a'; 200 << 20]);
        assert!(bomb.len() < 300 << 10);
        let small = with(|l| l.max_inflated_bytes = 1 << 20);
        let as_column = doc_chunk(&[], &[(ACTION | DEFLATE_BIT, bomb.clone())]);
        for bytes in [chunk(2, &bomb), as_column] {
            let err = scan(&bytes, &small).unwrap_err();
            assert_eq!(err, ScanError::InflatedTooLarge { max: 1 << 20 });
        }
    }

    #[test]
    fn huge_declared_counts_fail_fast() {
        let mut run = Vec::new();
        sleb(1 << 60, &mut run);
        run.push(1);
        let too_many_ops = ScanError::TooManyOps { max: 1 << 40 };
        assert_eq!(err(&change_chunk(&[(ACTION, run.clone())])), too_many_ops);
        assert_eq!(err(&doc_chunk(&[], &[(ACTION, run.clone())])), too_many_ops);
        // Change actor column of a document; succ actor column (grouped under succ count).
        let changes = ScanError::TooManyChanges { max: 1 << 40 };
        assert_eq!(err(&doc_chunk(&[(0x01, run.clone())], &[])), changes);
        assert_eq!(
            err(&doc_chunk(&[], &[(0x80, vec![]), (0x81, run)])),
            too_many_ops
        );
        // Counts of actors, deps or columns, and literal runs, that the input cannot hold.
        for body in [
            vec![0xff, 0xff, 0xff, 0xff, 0x0f],
            vec![0, 0x80, 0x80, 0x80, 0x80, 0x10],
        ] {
            assert!(matches!(err(&chunk(0, &body)), ScanError::Truncated { .. }));
            assert!(matches!(err(&chunk(1, &body)), ScanError::Truncated { .. }));
        }
        let mut literal = Vec::new();
        sleb(-(1 << 40), &mut literal);
        assert!(matches!(
            err(&change_chunk(&[(ACTION, literal)])),
            ScanError::Truncated { .. }
        ));
    }

    #[test]
    fn parent_cycles_are_malformed() {
        // Object 1@aabb created in itself; 1@aabb in 2@aabb and 2@aabb in 1@aabb.
        for ops in [&[(0, 1, 0)][..], &[(0, 2, 0), (0, 1, 2)]] {
            assert!(matches!(
                err(&change_chunk(&make_ops(ops))),
                ScanError::Malformed { .. }
            ));
        }
        // The same object id with two parents, but the same change twice is fine.
        let map = change_chunk(&make_ops(&[(0, 0, 0)]));
        let moved = change_chunk(&make_ops(&[(0, 9, 0)]));
        assert!(matches!(
            err(&[&map[..], &moved].concat()),
            ScanError::Malformed { .. }
        ));
        assert_eq!(counts(&[&map[..], &map].concat(), &limits()), (2, 2, 1));
    }

    #[test]
    fn framing_errors() {
        let change = small_change();
        let at = change.len();
        assert_eq!(err(b""), ScanError::Empty);
        assert_eq!(err(b"hello"), ScanError::BadMagic { offset: 0 });
        assert_eq!(
            err(&[&change[..], b"x"].concat()),
            ScanError::BadMagic { offset: at }
        );
        assert_eq!(
            err(&[&change, &MAGIC[..2]].concat()),
            ScanError::Truncated { offset: at }
        );
        let mut unknown = change.clone();
        unknown[8] = 7;
        assert_eq!(
            err(&unknown),
            ScanError::UnknownChunkType { offset: 0, kind: 7 }
        );
        let mut flipped = change.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert_eq!(err(&flipped), ScanError::BadChecksum { offset: 0 });
        let mut doc = sample();
        let heads = doc.get_heads();
        let bundle = doc.bundle(heads).unwrap();
        assert_eq!(
            err(bundle.bytes()),
            ScanError::UnsupportedChunk { kind: "bundle" }
        );
        // A compressed column in a change chunk is refused, as automerge does.
        let compressed = change_chunk(&[(ACTION | DEFLATE_BIT, deflate(&literals(&[1])))]);
        assert!(matches!(err(&compressed), ScanError::Malformed { .. }));
    }

    /// Scans of every single-bit flip and every truncation that succeed.
    fn corruptions_that_scan(bytes: &[u8]) -> usize {
        let flips = (0..bytes.len() * 8).map(|i| {
            let mut flipped = bytes.to_vec();
            flipped[i / 8] ^= 1 << (i % 8);
            flipped
        });
        let truncations = (0..bytes.len()).map(|len| bytes[..len].to_vec());
        flips
            .chain(truncations)
            .filter(|b| scan(b, &limits()).is_ok())
            .count()
    }

    #[test]
    fn corruption_is_detected() {
        let mut doc = AutoCommit::new();
        let map = doc.put_object(ROOT, "m", ObjType::Map).unwrap();
        doc.put(&map, "k", "v").unwrap();
        assert_eq!(corruptions_that_scan(&doc.save()), 0);
        assert_eq!(corruptions_that_scan(&small_change()), 0);
        // A compressed change is checksummed as inflated, so only the padding bits after
        // the end of the deflate stream could flip unnoticed (it inflates the same).
        let text = doc.put_object(ROOT, "text", ObjType::Text).unwrap();
        doc.splice_text(&text, 0, 0, &"abcdefghij".repeat(30))
            .unwrap();
        let compressed = doc.get_last_local_change().unwrap().bytes().into_owned();
        assert_eq!(compressed[8], 2);
        assert!(corruptions_that_scan(&compressed) < 8);
    }

    #[test]
    fn regression_fixture_is_structurally_valid() {
        // A change chunk with a valid checksum that panics automerge 0.12's apply_changes:
        // a text and a list at the root, 20 characters put into an object 17@actor that
        // does not exist, 10 list elements and a deletion. Nothing the scanner checks is
        // wrong with it; the guard's catch_unwind handles it.
        let bytes = from_hex(concat!(
            "856f4a83d45f802e01b40100104a7143ae65df36676b81d0df08a5e959010100000",
            "00c010802081108131015133405420a560a57287004710273020001140000010b000001",
            "141100010b160002130000020a0000017e0002120100017e6c1708017f7a7f047465787",
            "400147f07636c6175736573000b0114010a017f0414017f020a017f037f0014167f000a",
            "267f00576520746865206d656d6265727320616772656563306331633263336334633563",
            "3663376338633920007f017f007f19",
        ));
        let report = scan(&bytes, &limits()).unwrap();
        assert_eq!(
            (report.change_chunks, report.changes, report.ops),
            (1, 1, 33)
        );
        assert_eq!((report.max_depth, report.dangling.len()), (1, 0));
    }

    #[test]
    fn leb128_edge_cases() {
        let uleb = |bytes: &[u8]| Cursor::new(bytes, 0).uleb();
        let max = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
        assert_eq!(uleb(&max), Ok(u64::MAX));
        assert!(uleb(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02]).is_err());
        assert!(uleb(&[0x80, 0x00]).is_err(), "overlong in a header");
        assert_eq!(
            Cursor::new(&[0x80, 0x00], 0).uleb_col(),
            Ok(0),
            "overlong in a column"
        );
        for value in [0, 1, -1, 63, 64, -64, -65, i64::MAX, i64::MIN] {
            let mut out = Vec::new();
            sleb(value, &mut out);
            assert_eq!(Cursor::new(&out, 0).sleb(), Ok(value));
            assert_eq!(Cursor::new(&out, 0).sleb_col(), Ok(value));
        }
        assert!(Cursor::new(&[0xff, 0x7f], 0).sleb().is_err());
    }

    /// (type, body) of a small change chunk and of a compressed and an uncompressed document.
    fn valid_chunks() -> &'static [(u8, Vec<u8>)] {
        static CHUNKS: std::sync::LazyLock<Vec<(u8, Vec<u8>)>> = std::sync::LazyLock::new(|| {
            let split = |bytes: Vec<u8>| {
                let mut c = Cursor::new(&bytes[9..], 9);
                let len = c.uleb().unwrap();
                (bytes[8], c.take(len).unwrap().to_vec())
            };
            let mut doc = sample();
            vec![
                split(small_change()),
                split(doc.save()),
                split(doc.save_nocompress()),
            ]
        });
        &CHUNKS
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = scan(&bytes, &limits());
            let _ = scan(&[&MAGIC[..], &bytes].concat(), &limits());
        }

        /// Mutations of valid chunks with the checksum recomputed, so that the parser,
        /// not the checksum, rejects them.
        #[test]
        fn mutated_chunks_never_panic(
            which in 0..3usize,
            edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0..4u8), 1..8),
        ) {
            let (kind, mut body) = valid_chunks()[which].clone();
            for (at, byte, how) in edits {
                let i = at.index(body.len() + 1);
                match how {
                    0 if i < body.len() => body[i] = byte,
                    1 => body.insert(i, byte),
                    2 if i < body.len() => drop(body.remove(i)),
                    _ => body.truncate(i),
                }
            }
            let bytes = chunk(kind, &body);
            let _ = scan(&bytes, &limits());
            let _ = scan(&bytes, &with(|l| (l.max_ops, l.max_depth) = (1000, 3)));
        }

        /// Small well-formed RLE obj, id and action columns, to exercise ids and depths.
        #[test]
        fn random_op_columns_never_panic(
            columns in proptest::collection::vec(proptest::collection::vec((-3i64..4, 0u64..5), 0..6), 5),
            in_doc in any::<bool>(),
        ) {
            let specs = [OBJ_ACTOR, OBJ_CTR, ID_ACTOR, ID_CTR, ACTION];
            let columns: Vec<(u32, Vec<u8>)> = specs.iter().zip(&columns).map(|(spec, runs)| {
                let mut data = Vec::new();
                for &(run, value) in runs {
                    sleb(run, &mut data);
                    let values = if run > 0 { 1 } else { run.unsigned_abs() };
                    (0..values).for_each(|i| write_uleb(value + i, &mut data));
                    if run == 0 { write_uleb(value, &mut data) }
                }
                (*spec, data)
            }).collect();
            let bytes = if in_doc { doc_chunk(&[], &columns) } else { change_chunk(&columns) };
            let _ = scan(&bytes, &limits());
            let _ = scan(&bytes, &with(|l| l.max_depth = 2));
        }

        /// Random nestings built by automerge scan with exact counts and depth.
        #[test]
        fn random_documents_match_automerge(
            steps in proptest::collection::vec((any::<prop::sample::Index>(), 0..3usize, 0..4usize, any::<bool>()), 1..80),
        ) {
            let mut doc = AutoCommit::new();
            // Containers: (object, its length if a list, depth); the root first.
            let mut containers: Vec<(automerge::ObjId, Option<usize>, u32)> = vec![(ROOT, None, 0)];
            let mut deepest = 0;
            for (at, kind, key, commit) in steps {
                let kind = [ObjType::Map, ObjType::List, ObjType::Text][kind];
                let parent = at.index(containers.len());
                let (obj, len, depth) = containers[parent].clone();
                let child = match len {
                    Some(len) => {
                        containers[parent].1 = Some(len + 1);
                        doc.insert_object(&obj, key % (len + 1), kind).unwrap()
                    }
                    None => doc.put_object(&obj, format!("k{key}"), kind).unwrap(),
                };
                deepest = deepest.max(depth + 1);
                if kind != ObjType::Text {
                    containers.push((child, (kind == ObjType::List).then_some(0), depth + 1));
                }
                if commit {
                    doc.commit();
                }
            }
            let (changes, ops, bytes) = changes(&mut doc);
            let expected = (changes.len() as u64, ops, deepest);
            for bytes in [bytes, doc.save(), doc.save_nocompress()] {
                prop_assert_eq!(counts(&bytes, &limits()), expected);
            }
        }
    }
}
