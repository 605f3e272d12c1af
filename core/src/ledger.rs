//! The ledger: a community's signed records in one Automerge document, so
//! they travel over automerge-repo sync like any other document.
//!
//! # Layout (`nous/ledger/1`)
//! ```text
//! root
//! ├── "schema":  "nous/ledger/1"
//! └── "records": map
//!     └── <record id, 64 lowercase hex>: bytes   the record, exactly
//! ```
//!
//! Entries are immutable and insert-only: a record's key is the SHA-256 of
//! its bytes, so two devices that insert the same record concurrently write
//! the same value (Automerge keeps both as a conflict; they are equal, which
//! is harmless). Anything else — an entry removed or changed, a second and
//! different value under a key, a key that is not the id of its bytes, bytes
//! that are not a well-signed record, another root key, another schema — is
//! refused by [`admit`], the gate for changes from other people.
//!
//! # Which document
//! A community's ledger is the automerge-repo document [`doc_id`]: the first
//! 16 bytes of SHA-256(`"nous/ledger/v1\0"` ‖ the 32-byte community id). Every
//! device and the relay compute it alike from the community id, so they
//! sync the same document without being told its id.
//!
//! # The base change
//! [`new_ledger`] starts every ledger with the same change: the root keys
//! written by the fixed actor [`BASE_ACTOR`] at time 0. Ledgers created
//! independently therefore share their `records` map and merge without a
//! conflict on the root. This is the one change in Nous whose actor is not a
//! device key (it is 13 bytes, so it cannot be mistaken for one); it carries
//! no record and needs no attestation.

use std::collections::{BTreeMap, BTreeSet};

use automerge::transaction::{CommitOptions, Transactable as _};
use automerge::{
    ActorId, Automerge, ChangeHash, ObjId, ObjType, ROOT, ReadDoc as _, ScalarValue, Value,
};

use sha2::{Digest as _, Sha256};

use crate::guard::{self, GuardError, Limits};
use crate::ids::DocId;
use crate::record::{self, CommunityId, Record, RecordError, RecordId};

/// The value of the root's `schema` key.
pub const SCHEMA: &str = "nous/ledger/1";
/// The actor of the base change every ledger starts with.
pub const BASE_ACTOR: &[u8] = b"nous/ledger/1";

/// The prefix of the hash that gives a community's ledger its document id.
pub const DOC_ID_DOMAIN: &[u8] = b"nous/ledger/v1\0";

const SCHEMA_KEY: &str = "schema";
const RECORDS_KEY: &str = "records";

/// Why a ledger, or changes to it, were refused. Whatever the reason, the
/// document the caller holds is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LedgerError {
    /// The guard refused the incoming bytes before or while decoding them.
    #[error("ledger changes refused by the guard: {0}")]
    Guard(#[from] GuardError),
    /// The root is not a ledger's: another schema, a missing or doubled
    /// `records` map, or a root key other than `schema` and `records`.
    #[error("not a ledger ({0})")]
    Shape(String),
    /// An entry that was there is gone.
    #[error("ledger entry {0} was removed; entries are immutable")]
    Removed(String),
    /// An entry that was there now holds other bytes.
    #[error("ledger entry {0} was overwritten; entries are immutable")]
    Changed(String),
    /// A key holds two different values.
    #[error("ledger entry {0} has conflicting values")]
    Conflict(String),
    /// An entry's value is not a byte string.
    #[error("ledger entry {0} is not bytes")]
    NotBytes(String),
    /// An entry's key is not the id of its bytes.
    #[error("ledger entry {key} holds record {}, not the record its key names", .id.short())]
    WrongKey {
        /// The key (abbreviated).
        key: String,
        /// The id of the bytes under it.
        id: RecordId,
    },
    /// An entry's bytes are not a record, or its signature does not verify.
    #[error("ledger entry {} is refused: {reason}", .id.short())]
    Record {
        /// The record.
        id: RecordId,
        /// Why.
        reason: RecordError,
    },
    /// A new entry is a record of another community ([`admit_for`]).
    #[error("ledger entry {} is a record of another community", .id.short())]
    ForeignRecord {
        /// The record.
        id: RecordId,
    },
    /// Automerge refused an operation on the document.
    #[error("ledger: {0}")]
    Automerge(String),
}

/// The automerge-repo document id of `community`'s ledger: the first 16
/// bytes of SHA-256([`DOC_ID_DOMAIN`] ‖ community id).
pub fn doc_id(community: &CommunityId) -> DocId {
    let digest = Sha256::new()
        .chain_update(DOC_ID_DOMAIN)
        .chain_update(community.0)
        .finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    DocId::from_bytes(bytes)
}

/// What [`admit`] produced.
#[derive(Debug)]
pub struct Admitted {
    /// The ledger with the incoming changes applied.
    pub doc: Automerge,
    /// The records that were not in the ledger before, in id order, decoded
    /// and with verified signatures.
    pub new_records: Vec<Record>,
    /// The changes that were new to the ledger.
    pub new_changes: Vec<ChangeHash>,
}

/// A new, empty ledger that writes as `actor` (this device's key). It holds
/// only the base change, the same in every ledger.
pub fn new_ledger(actor: ActorId) -> Automerge {
    let mut doc = Automerge::new().with_actor(ActorId::from(BASE_ACTOR));
    let mut tx = doc.transaction();
    // Writing two keys at the root of an empty document cannot fail.
    let written = tx
        .put(ROOT, SCHEMA_KEY, SCHEMA)
        .and_then(|()| tx.put_object(ROOT, RECORDS_KEY, ObjType::Map));
    debug_assert!(written.is_ok(), "{written:?}");
    tx.commit_with(CommitOptions::default().with_time(0));
    doc.set_actor(actor);
    doc
}

/// Insert the records the ledger does not hold yet, in one change (none if
/// every record is there). Signatures are verified first (in a batch): a
/// badly signed record would make every peer refuse this change and all that
/// follow it, so nothing is inserted if one fails. Returns how many were
/// inserted. The change's time is the latest record timestamp (no clock is
/// read).
pub fn insert(doc: &mut Automerge, records: &[Record]) -> Result<usize, LedgerError> {
    let map = records_map(doc)?;
    let mut missing = BTreeMap::new();
    for record in records {
        let key = record.id().to_string();
        let present = doc
            .get(&map, key.as_str())
            .map_err(automerge_error)?
            .is_some();
        if !present {
            missing.insert(key, record);
        }
    }
    if missing.is_empty() {
        return Ok(0);
    }
    verify(missing.values().copied())?;
    let time = missing.values().map(|r| r.timestamp()).max().unwrap_or(0);
    let mut tx = doc.transaction();
    for (key, record) in &missing {
        if let Err(error) = tx.put(
            &map,
            key.as_str(),
            ScalarValue::Bytes(record.bytes().to_vec()),
        ) {
            tx.rollback();
            return Err(automerge_error(error));
        }
    }
    tx.commit_with(CommitOptions::default().with_time(i64::try_from(time).unwrap_or(i64::MAX)));
    Ok(missing.len())
}

/// Every record in the ledger, in id order, decoded (structure checked, and
/// each key checked against the id of its bytes). Signatures are not checked
/// here: [`admit`] checked them on the way in.
pub fn records(doc: &Automerge) -> Result<Vec<Record>, LedgerError> {
    check_root(doc)?;
    let map = records_map(doc)?;
    doc.keys(&map)
        .map(|key| {
            let bytes = entry_bytes(doc, &map, &key)?;
            decode_entry(&key, &bytes)
        })
        .collect()
}

/// How many records the ledger held at `heads` (all of them with `None`),
/// without decoding any; 0 for a document that is not a ledger.
pub fn record_count_at(doc: &Automerge, heads: Option<&[ChangeHash]>) -> usize {
    let Ok(map) = records_map(doc) else {
        return 0;
    };
    match heads {
        None => doc.length(&map),
        Some(heads) => doc.length_at(&map, heads),
    }
}

/// Apply changes received from another peer (raw change chunks, or a saved
/// ledger) to `current`, through the guard, and check that the result is
/// still a ledger whose entries only grew: every entry of `current` is there
/// with the same bytes, no key holds two different values, and every new
/// entry is a record whose id is its key and whose signature verifies. On
/// any refusal `current` is untouched; the caller keeps it.
///
/// This does not look at which community the new records belong to; a
/// community's ledger is admitted with [`admit_for`].
pub fn admit(
    current: &Automerge,
    incoming_changes: &[u8],
    limits: &Limits,
) -> Result<Admitted, LedgerError> {
    admit_checked(None, current, incoming_changes, limits)
}

/// [`admit`] for the ledger of `community`: also refuses the delivery if a
/// new entry is a record of another community
/// ([`LedgerError::ForeignRecord`]). The genesis record of `community` is
/// its own.
pub fn admit_for(
    community: &CommunityId,
    current: &Automerge,
    incoming: &[u8],
    limits: &Limits,
) -> Result<Admitted, LedgerError> {
    admit_checked(Some(community), current, incoming, limits)
}

/// What [`admit_fresh_in_place`] took in.
#[derive(Debug)]
pub struct Fresh {
    /// The records that were not in the ledger before, in id order, decoded
    /// and with verified signatures.
    pub new_records: Vec<Record>,
    /// The changes that were new to the ledger.
    pub new_changes: Vec<ChangeHash>,
}

/// [`admit_for`] for what a live sync brings, without the copy of the
/// whole ledger that `admit_for` applies the changes to: when `incoming` is
/// change chunks only, each of whose operations puts a record's bytes
/// under a new key of the records map (what [`insert`] writes; the same
/// check `admit_for` makes of the changes it applied, made here before
/// anything is applied), they are applied to `doc` itself through the
/// guard's caps and containment. A community's records taken in one by
/// one then cost the same in a ledger of ten and of ten thousand.
///
/// `Ok(None)`: not that case; `doc` is untouched (use [`admit_for`]).
/// **After an error, `doc` may hold part of the input: the caller must
/// drop it** (a home's replica is read again from its store).
pub fn admit_fresh_in_place(
    community: &CommunityId,
    doc: &mut Automerge,
    incoming: &[u8],
    limits: &Limits,
) -> Result<Option<Fresh>, LedgerError> {
    let Some(chunks) = guard::chunks(incoming) else {
        return Ok(None);
    };
    let mut changes = Vec::with_capacity(chunks.len());
    for chunk in chunks {
        if guard::change_header(chunk, limits).is_none() {
            return Ok(None);
        }
        changes.push(guard::decode_change(chunk, limits)?);
    }
    let Some(new_records) = fresh_puts(Some(community), doc, &changes)? else {
        return Ok(None);
    };
    let applied = guard::apply_in_place(doc, incoming, limits)?;
    if applied.waiting {
        // What `admit_for`'s guard refuses too.
        return Err(GuardError::MissingDependencies(doc.get_missing_deps(&[]).len()).into());
    }
    check_root(doc)?;
    Ok(Some(Fresh {
        new_records,
        new_changes: applied.new_changes,
    }))
}

fn admit_checked(
    community: Option<&CommunityId>,
    current: &Automerge,
    incoming_changes: &[u8],
    limits: &Limits,
) -> Result<Admitted, LedgerError> {
    admit_with(community, current, incoming_changes, limits, true)
}

fn admit_with(
    community: Option<&CommunityId>,
    current: &Automerge,
    incoming_changes: &[u8],
    limits: &Limits,
    by_changes: bool,
) -> Result<Admitted, LedgerError> {
    let applied = guard::apply(current, incoming_changes, limits)?;
    if applied.new_changes.is_empty() {
        return Ok(Admitted {
            doc: applied.doc,
            new_records: Vec::new(),
            new_changes: Vec::new(),
        });
    }
    let doc = applied.doc;
    check_root(&doc)?;
    if by_changes && let Some(new_records) = fresh_puts(community, current, &applied.changes)? {
        return Ok(Admitted {
            doc,
            new_records,
            new_changes: applied.new_changes,
        });
    }
    let map = records_map(&doc)?;
    let old_map = records_map(current).ok();
    if old_map.as_ref().is_some_and(|old| *old != map) {
        return Err(LedgerError::Shape("the records map was replaced".into()));
    }

    // What was there is still there, unchanged.
    let mut old_keys = BTreeSet::new();
    if let Some(old_map) = &old_map {
        for key in current.keys(old_map) {
            let before = current
                .get_all(old_map, key.as_str())
                .map_err(automerge_error)?;
            let after = doc.get_all(&map, key.as_str()).map_err(automerge_error)?;
            if after.is_empty() {
                return Err(LedgerError::Removed(short(&key)));
            }
            let same_ops = before.len() == after.len()
                && before.iter().zip(&after).all(|((_, a), (_, b))| a == b);
            if !same_ops {
                let expected = match before.first() {
                    Some((Value::Scalar(value), _)) => match value.as_ref() {
                        ScalarValue::Bytes(bytes) => bytes.clone(),
                        _ => return Err(LedgerError::NotBytes(short(&key))),
                    },
                    _ => return Err(LedgerError::NotBytes(short(&key))),
                };
                let kept = after
                    .iter()
                    .any(|(_, op)| before.iter().any(|(_, old)| old == op));
                for (value, _) in &after {
                    if scalar_bytes(value) != Some(expected.as_slice()) {
                        return Err(if kept {
                            LedgerError::Conflict(short(&key))
                        } else {
                            LedgerError::Changed(short(&key))
                        });
                    }
                }
            }
            old_keys.insert(key);
        }
    }

    // What is new is a well-formed record under its own id.
    let mut new_records = Vec::new();
    for key in doc.keys(&map) {
        if old_keys.contains(&key) {
            continue;
        }
        let bytes = entry_bytes(&doc, &map, &key)?;
        let record = decode_entry(&key, &bytes)?;
        if community.is_some_and(|c| record.community() != *c) {
            return Err(LedgerError::ForeignRecord { id: record.id() });
        }
        new_records.push(record);
    }
    verify(new_records.iter())?;
    Ok(Admitted {
        doc,
        new_records,
        new_changes: applied.new_changes,
    })
}

/// What the slower check of [`admit_checked`] finds, from the new changes
/// alone, when every operation in them puts bytes under a key of the
/// records map with no predecessor (what [`insert`] writes): such changes
/// replace or remove nothing, so every entry that was there is there with
/// its bytes, unless a key put again holds other bytes. The new records,
/// as that check gives them (decoded, of `community`, signed); `None` when
/// an operation is anything else, or a key is put with other bytes than
/// it holds (the whole check then says what is wrong). A change's
/// operations are read, not the ledger's every entry: taking in one record
/// costs the same in a community of ten and of ten thousand.
fn fresh_puts(
    community: Option<&CommunityId>,
    current: &Automerge,
    changes: &[automerge::Change],
) -> Result<Option<Vec<Record>>, LedgerError> {
    use automerge::legacy::{Key, ObjectId, OpType};
    let Ok(map) = records_map(current) else {
        return Ok(None);
    };
    let map_name = map.to_string();
    let mut put: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for change in changes {
        let expanded = crate::contain::contain(|| change.decode())
            .map_err(|message| LedgerError::from(GuardError::Panicked(message)))?;
        for op in expanded.operations {
            let ObjectId::Id(obj) = &op.obj else {
                return Ok(None);
            };
            let Key::Map(key) = &op.key else {
                return Ok(None);
            };
            let OpType::Put(ScalarValue::Bytes(bytes)) = op.action else {
                return Ok(None);
            };
            if op.insert || !op.pred.is_empty() || format!("{}@{}", obj.0, obj.1) != map_name {
                return Ok(None);
            }
            let there = current
                .get_all(&map, key.as_str())
                .map_err(automerge_error)?;
            if !there.is_empty() {
                if there
                    .iter()
                    .any(|(value, _)| scalar_bytes(value) != Some(bytes.as_slice()))
                {
                    return Ok(None);
                }
                continue;
            }
            match put.get(key.as_str()) {
                Some(earlier) if *earlier != bytes => return Ok(None),
                Some(_) => {}
                None => {
                    put.insert(key.to_string(), bytes);
                }
            }
        }
    }
    let mut new_records = Vec::with_capacity(put.len());
    for (key, bytes) in &put {
        let record = decode_entry(key, bytes)?;
        if community.is_some_and(|c| record.community() != *c) {
            return Err(LedgerError::ForeignRecord { id: record.id() });
        }
        new_records.push(record);
    }
    verify(new_records.iter())?;
    Ok(Some(new_records))
}

/// The `records` map, if the root has exactly one.
fn records_map(doc: &Automerge) -> Result<ObjId, LedgerError> {
    let values = doc.get_all(ROOT, RECORDS_KEY).map_err(automerge_error)?;
    match values.as_slice() {
        [(Value::Object(ObjType::Map), id)] => Ok(id.clone()),
        [] => Err(LedgerError::Shape("no `records` map".into())),
        [_] => Err(LedgerError::Shape("`records` is not a map".into())),
        _ => Err(LedgerError::Shape(
            "`records` has conflicting values".into(),
        )),
    }
}

/// The root holds `schema` (every value `nous/ledger/1`) and `records`,
/// nothing else.
fn check_root(doc: &Automerge) -> Result<(), LedgerError> {
    for key in doc.keys(ROOT) {
        if key != SCHEMA_KEY && key != RECORDS_KEY {
            return Err(LedgerError::Shape(format!(
                "unexpected root key `{}`",
                key.chars().take(40).collect::<String>()
            )));
        }
    }
    let schema = doc.get_all(ROOT, SCHEMA_KEY).map_err(automerge_error)?;
    let is_ledger = !schema.is_empty()
        && schema.iter().all(|(value, _)| match value {
            Value::Scalar(scalar) => matches!(scalar.as_ref(), ScalarValue::Str(s) if s == SCHEMA),
            Value::Object(_) => false,
        });
    if !is_ledger {
        return Err(LedgerError::Shape(format!("schema is not `{SCHEMA}`")));
    }
    Ok(())
}

/// The bytes under a key: every value (concurrent inserts of one record
/// leave several) must be the same byte string.
fn entry_bytes(doc: &Automerge, map: &ObjId, key: &str) -> Result<Vec<u8>, LedgerError> {
    let values = doc.get_all(map, key).map_err(automerge_error)?;
    let mut found: Option<&[u8]> = None;
    for (value, _) in &values {
        let bytes = scalar_bytes(value).ok_or_else(|| LedgerError::NotBytes(short(key)))?;
        match found {
            Some(first) if first != bytes => return Err(LedgerError::Conflict(short(key))),
            _ => found = Some(bytes),
        }
    }
    found
        .map(<[u8]>::to_vec)
        .ok_or_else(|| LedgerError::Removed(short(key)))
}

fn decode_entry(key: &str, bytes: &[u8]) -> Result<Record, LedgerError> {
    let id = RecordId::of(bytes);
    if id.to_string() != key {
        return Err(LedgerError::WrongKey {
            key: short(key),
            id,
        });
    }
    Record::decode(bytes).map_err(|reason| LedgerError::Record { id, reason })
}

fn verify<'a>(records: impl Iterator<Item = &'a Record>) -> Result<(), LedgerError> {
    let records: Vec<&Record> = records.collect();
    let valid = record::verify_signatures(&records);
    match records.iter().zip(valid).find(|(_, ok)| !ok) {
        Some((record, _)) => Err(LedgerError::Record {
            id: record.id(),
            reason: RecordError::Signature,
        }),
        None => Ok(()),
    }
}

fn scalar_bytes<'a>(value: &'a Value<'_>) -> Option<&'a [u8]> {
    match value {
        Value::Scalar(scalar) => match scalar.as_ref() {
            ScalarValue::Bytes(bytes) => Some(bytes),
            _ => None,
        },
        Value::Object(_) => None,
    }
}

/// A key as shown in errors: its first 12 characters (a record id's short
/// form), whatever its length.
fn short(key: &str) -> String {
    key.chars().take(12).collect()
}

fn automerge_error(error: automerge::AutomergeError) -> LedgerError {
    LedgerError::Automerge(error.to_string())
}

/// Records to test with, shared by the tests of the modules that store and
/// carry records.
#[cfg(test)]
pub(crate) mod fixtures {
    use crate::identity::DeviceKey;
    use crate::ids::DocId;
    use crate::record::*;

    /// A genesis record founded by `key`.
    pub(crate) fn genesis(key: &DeviceKey, name: &str) -> Record {
        Record::sign(
            key,
            Unsigned {
                community: RecordId::ZERO,
                timestamp: 1_700_000_000_000,
                parents: vec![],
                payload: Payload::Genesis(Genesis {
                    name: name.into(),
                    charter: Version {
                        doc: DocId::from_bytes([7; 16]),
                        heads: Heads::default(),
                    },
                    colleges: vec![College {
                        id: "staff".into(),
                        name: "Staff".into(),
                        weight: 1,
                    }],
                    founders: vec![Founder {
                        member: key.public(),
                        name: "Alice".into(),
                        college: "staff".into(),
                    }],
                    rules: Rules {
                        amend: Rule::new(Method::Consent),
                        admit: Rule::new(Method::Consent),
                        exclude: Rule::new(Method::Qualified),
                        rules: Rule::new(Method::Consensus),
                    },
                    facilitators: vec![],
                }),
            },
        )
        .expect("sign genesis")
    }

    /// A tension opened in `community` by `key`.
    pub(crate) fn tension(key: &DeviceKey, community: &Record, summary: &str) -> Record {
        Record::sign(
            key,
            Unsigned {
                community: community.id(),
                timestamp: 1_700_000_100_000,
                parents: vec![community.id()],
                payload: Payload::Tension(Tension {
                    path: TensionPath::Governance,
                    summary: summary.into(),
                    section: None,
                }),
            },
        )
        .expect("sign tension")
    }

    /// The bytes of `record` with one bit of its signature flipped: still a
    /// well-formed record, no longer a valid signature.
    pub(crate) fn forged(record: &Record) -> Vec<u8> {
        let mut bytes = record.bytes().to_vec();
        let last = bytes.len() - 1;
        bytes[last] ^= 0x01;
        bytes
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::{forged, genesis, tension};
    use super::*;
    use crate::identity::DeviceKey;

    fn actor(seed: u8) -> ActorId {
        DeviceKey::from_seed(&[seed; 32]).public().actor_id()
    }

    fn sample() -> Vec<Record> {
        let key = DeviceKey::from_seed(&[1; 32]);
        let community = genesis(&key, "Coop");
        vec![
            tension(&key, &community, "one"),
            tension(&key, &community, "two"),
            community,
        ]
    }

    fn sorted(mut records: Vec<Record>) -> Vec<RecordId> {
        records.sort_by_key(Record::id);
        records.iter().map(Record::id).collect()
    }

    fn ledger_with(seed: u8, records: &[Record]) -> Automerge {
        let mut doc = new_ledger(actor(seed));
        insert(&mut doc, records).expect("insert");
        doc
    }

    /// What `edit` does to a copy of `base`, as change bytes to admit.
    fn changes_by(
        base: &Automerge,
        edit: impl FnOnce(&mut automerge::transaction::Transaction<'_>, &ObjId),
    ) -> Vec<u8> {
        let mut fork = base.fork().with_actor(actor(9));
        let map = records_map(&fork).expect("map");
        let mut tx = fork.transaction();
        edit(&mut tx, &map);
        tx.commit();
        fork.save_after(&base.get_heads())
    }

    fn refused(base: &Automerge, changes: &[u8]) -> LedgerError {
        let heads = base.get_heads();
        let error = admit(base, changes, &Limits::default()).expect_err("refused");
        assert_eq!(base.get_heads(), heads, "the current ledger is untouched");
        error
    }

    #[test]
    fn inserted_records_read_back_and_reinserting_adds_nothing() {
        let records = sample();
        let mut doc = new_ledger(actor(1));
        assert_eq!(insert(&mut doc, &records), Ok(3));
        assert_eq!(sorted(ledger_records(&doc)), sorted(records.clone()));
        let heads = doc.get_heads();
        assert_eq!(insert(&mut doc, &records), Ok(0));
        assert_eq!(doc.get_heads(), heads, "no empty change");
        let reloaded = Automerge::load(&doc.save()).expect("load");
        assert_eq!(sorted(ledger_records(&reloaded)), sorted(records));
    }

    fn ledger_records(doc: &Automerge) -> Vec<Record> {
        records(doc).expect("records")
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(crate::engine::tests::case_count(64)))]

        /// Taking in changes by their operations (a fresh put of bytes per
        /// new record, nothing else) decides as checking every entry of the
        /// ledger does: the same records, or the same refusal — for another
        /// device's honest ledger (whose records may overlap this one's)
        /// and for edits that overwrite, delete, put elsewhere, put other
        /// bytes, forged or foreign records.
        #[test]
        fn taking_in_by_changes_decides_as_checking_every_entry(
            here in proptest::collection::vec(0usize..8, 0..6),
            theirs in proptest::collection::vec(0usize..10, 0..6),
            edits in proptest::collection::vec((0u8..8, 0usize..10, 0usize..10), 0..4),
            swapped in proptest::option::of((0usize..10, 0usize..10)),
        ) {
            let key = DeviceKey::from_seed(&[1; 32]);
            let community = genesis(&key, "Coop");
            let mut pool: Vec<Record> = (0..8)
                .map(|n| tension(&key, &community, &format!("tension {n}")))
                .collect();
            let stranger = genesis(&DeviceKey::from_seed(&[2; 32]), "Autre");
            pool.push(tension(&DeviceKey::from_seed(&[2; 32]), &stranger, "ailleurs"));
            pool.push(stranger);
            let pick = |indices: &[usize]| -> Vec<Record> {
                let mut picked = vec![community.clone()];
                picked.extend(indices.iter().map(|&i| pool[i].clone()));
                picked
            };
            let base = ledger_with(1, &pick(&here));
            // Another device's ledger: the foreign records are theirs to put.
            let mut other = new_ledger(actor(2));
            let mut put = pick(&theirs);
            put.retain(|r| r.verify_signature().is_ok());
            let map = records_map(&other).expect("map");
            {
                let mut tx = other.transaction();
                for record in &put {
                    tx.put(&map, record.id().to_string().as_str(), ScalarValue::Bytes(record.bytes().to_vec()))
                        .expect("put");
                }
                // A device that puts a record's bytes under another's id,
                // perhaps one this ledger holds.
                if let Some((i, j)) = swapped {
                    tx.put(&map, pool[i].id().to_string().as_str(), ScalarValue::Bytes(pool[j].bytes().to_vec()))
                        .expect("put");
                }
                tx.commit();
            }
            let mut incoming = other.save();
            if !edits.is_empty() {
                incoming.extend(changes_by(&base, |tx, map| {
                    for (kind, i, j) in &edits {
                        let (a, b) = (&pool[*i % pool.len()], &pool[*j % pool.len()]);
                        let key = a.id().to_string();
                        let _ = match kind {
                            0 => tx.put(map, key.as_str(), ScalarValue::Bytes(a.bytes().to_vec())),
                            1 => tx.put(map, key.as_str(), ScalarValue::Bytes(b.bytes().to_vec())),
                            2 => tx.delete(map, key.as_str()),
                            3 => tx.put(ROOT, "autre", "valeur"),
                            4 => tx.put(map, key.as_str(), "pas des octets"),
                            5 => tx.put(map, key.as_str(), ScalarValue::Bytes(forged(a))),
                            6 => tx.put_object(map, key.as_str(), ObjType::Map).map(|_| ()),
                            _ => tx.put(map, community.id().to_string().as_str(), ScalarValue::Bytes(a.bytes().to_vec())),
                        };
                    }
                }));
            }
            let limits = Limits::default();
            let fast = admit_with(Some(&community.id()), &base, &incoming, &limits, true);
            let whole = admit_with(Some(&community.id()), &base, &incoming, &limits, false);
            // As a live sync brings them: the change chunks after the base's
            // heads, taken in by the replica itself when they are fresh
            // puts, with the same outcome as checking every entry.
            let mut scratch = base.clone();
            if scratch.load_incremental(&incoming).is_ok() {
                let after = scratch.save_after(&base.get_heads());
                let whole = admit_with(Some(&community.id()), &base, &after, &limits, false);
                let mut replica = base.clone();
                match (admit_fresh_in_place(&community.id(), &mut replica, &after, &limits), whole) {
                    (Ok(Some(fresh)), Ok(whole)) => {
                        proptest::prop_assert_eq!(sorted(fresh.new_records), sorted(whole.new_records));
                        proptest::prop_assert_eq!(replica.get_heads(), whole.doc.get_heads());
                        proptest::prop_assert_eq!(fresh.new_changes, whole.new_changes);
                    }
                    (Ok(None), _) => {
                        proptest::prop_assert_eq!(replica.get_heads(), base.get_heads(), "untouched");
                    }
                    (Err(fresh), Err(whole)) => {
                        proptest::prop_assert_eq!(fresh.to_string(), whole.to_string());
                    }
                    (fresh, whole) => {
                        proptest::prop_assert!(false, "in place {:?}, whole {:?}", fresh.map(|f| f.map(|f| f.new_records.len())), whole.map(|a| a.new_records.len()));
                    }
                }
            }
            match (fast, whole) {
                (Ok(fast), Ok(whole)) => {
                    proptest::prop_assert_eq!(sorted(fast.new_records), sorted(whole.new_records));
                    proptest::prop_assert_eq!(fast.doc.get_heads(), whole.doc.get_heads());
                    proptest::prop_assert_eq!(fast.new_changes, whole.new_changes);
                }
                (Err(fast), Err(whole)) => {
                    proptest::prop_assert_eq!(fast.to_string(), whole.to_string());
                }
                (fast, whole) => {
                    proptest::prop_assert!(false, "by changes {:?}, whole {:?}", fast.map(|a| a.new_records.len()), whole.map(|a| a.new_records.len()));
                }
            }
        }
    }

    #[test]
    fn a_badly_signed_record_is_never_inserted() {
        let records = sample();
        let bad = Record::decode(&forged(&records[0])).expect("well-formed");
        let mut doc = new_ledger(actor(1));
        let heads = doc.get_heads();
        assert!(matches!(
            insert(&mut doc, &[records[1].clone(), bad]),
            Err(LedgerError::Record {
                reason: RecordError::Signature,
                ..
            })
        ));
        assert_eq!(doc.get_heads(), heads);
    }

    #[test]
    fn ledgers_built_independently_merge_into_one() {
        let records = sample();
        let alice = ledger_with(1, &records[..2]);
        let bob = ledger_with(2, &records[1..]);
        let admitted = admit(&alice, &bob.save(), &Limits::default()).expect("admit");
        assert_eq!(sorted(admitted.new_records), vec![records[2].id()]);
        let merged = admitted.doc;
        assert_eq!(sorted(ledger_records(&merged)), sorted(records.clone()));
        // And the other way round, from the changes only.
        let admitted = admit(
            &bob,
            &alice.save_after(&bob.get_heads()),
            &Limits::default(),
        )
        .expect("admit");
        assert_eq!(sorted(admitted.new_records), vec![records[0].id()]);
        assert_eq!(sorted(ledger_records(&admitted.doc)), sorted(records));
        let mut heads = admitted.doc.get_heads();
        let mut expected = merged.get_heads();
        heads.sort();
        expected.sort();
        assert_eq!(heads, expected);
    }

    #[test]
    fn duplicate_delivery_is_harmless() {
        let records = sample();
        let base = new_ledger(actor(1));
        let other = ledger_with(2, &records);
        let changes = other.save_after(&base.get_heads());
        let first = admit(&base, &changes, &Limits::default()).expect("admit");
        assert_eq!(first.new_records.len(), 3);
        let again = admit(&first.doc, &changes, &Limits::default()).expect("again");
        assert!(again.new_records.is_empty());
        assert!(again.new_changes.is_empty());
        assert_eq!(again.doc.get_heads(), first.doc.get_heads());
        // A whole saved ledger, delivered again, is harmless too.
        let whole = admit(&first.doc, &other.save(), &Limits::default()).expect("whole");
        assert!(whole.new_records.is_empty());
    }

    #[test]
    fn a_change_that_deletes_an_entry_is_refused() {
        let records = sample();
        let base = ledger_with(1, &records);
        let key = records[0].id().to_string();
        let changes = changes_by(&base, |tx, map| {
            tx.delete(map, key.as_str()).expect("delete")
        });
        assert_eq!(
            refused(&base, &changes),
            LedgerError::Removed(records[0].id().short())
        );
    }

    #[test]
    fn a_change_that_overwrites_an_entry_is_refused() {
        let records = sample();
        let base = ledger_with(1, &records);
        let key = records[0].id().to_string();
        let other = records[1].bytes().to_vec();
        let changes = changes_by(&base, |tx, map| {
            tx.put(map, key.as_str(), ScalarValue::Bytes(other))
                .expect("put")
        });
        assert_eq!(
            refused(&base, &changes),
            LedgerError::Changed(records[0].id().short())
        );
    }

    #[test]
    fn a_concurrent_second_value_under_a_key_is_refused() {
        let records = sample();
        let empty = new_ledger(actor(1));
        let base = ledger_with(1, &records[..1]);
        let key = records[0].id().to_string();
        let other = records[1].bytes().to_vec();
        // Written without seeing the entry: Automerge keeps both values.
        let changes = changes_by(&empty, |tx, map| {
            tx.put(map, key.as_str(), ScalarValue::Bytes(other))
                .expect("put")
        });
        assert_eq!(
            refused(&base, &changes),
            LedgerError::Conflict(records[0].id().short())
        );
    }

    #[test]
    fn an_entry_under_the_wrong_key_is_refused() {
        let records = sample();
        let base = ledger_with(1, &records[..1]);
        let key = records[2].id().to_string();
        let bytes = records[1].bytes().to_vec();
        let changes = changes_by(&base, |tx, map| {
            tx.put(map, key.as_str(), ScalarValue::Bytes(bytes))
                .expect("put")
        });
        assert_eq!(
            refused(&base, &changes),
            LedgerError::WrongKey {
                key: records[2].id().short(),
                id: records[1].id(),
            }
        );
    }

    #[test]
    fn a_record_with_a_forged_signature_is_refused() {
        let records = sample();
        let base = ledger_with(1, &records[..1]);
        let bytes = forged(&records[1]);
        let id = RecordId::of(&bytes);
        let changes = changes_by(&base, |tx, map| {
            tx.put(map, id.to_string().as_str(), ScalarValue::Bytes(bytes))
                .expect("put")
        });
        assert_eq!(
            refused(&base, &changes),
            LedgerError::Record {
                id,
                reason: RecordError::Signature,
            }
        );
    }

    #[test]
    fn bytes_that_are_not_a_record_are_refused() {
        let base = ledger_with(1, &sample());
        let bytes = b"not a record".to_vec();
        let id = RecordId::of(&bytes);
        let changes = changes_by(&base, |tx, map| {
            tx.put(map, id.to_string().as_str(), ScalarValue::Bytes(bytes))
                .expect("put")
        });
        assert!(matches!(
            refused(&base, &changes),
            LedgerError::Record {
                reason: RecordError::Magic,
                ..
            }
        ));
        let changes = changes_by(&base, |tx, map| tx.put(map, "x", "text").expect("put"));
        assert_eq!(refused(&base, &changes), LedgerError::NotBytes("x".into()));
    }

    #[test]
    fn an_extra_root_key_or_another_schema_is_refused() {
        let base = ledger_with(1, &sample());
        let changes = changes_by(&base, |tx, _| tx.put(ROOT, "extra", 1).expect("put"));
        assert_eq!(
            refused(&base, &changes),
            LedgerError::Shape("unexpected root key `extra`".into())
        );
        let changes = changes_by(&base, |tx, _| {
            tx.put(ROOT, SCHEMA_KEY, "nous/ledger/2").expect("put")
        });
        assert!(
            matches!(refused(&base, &changes), LedgerError::Shape(reason) if reason.contains("schema"))
        );
        let changes = changes_by(&base, |tx, _| {
            tx.put_object(ROOT, RECORDS_KEY, ObjType::Map).expect("put");
        });
        assert!(matches!(refused(&base, &changes), LedgerError::Shape(_)));
    }

    #[test]
    fn the_ledger_doc_id_is_fixed_per_community() {
        let coop = sample()[2].id();
        let other = genesis(&DeviceKey::from_seed(&[2; 32]), "Other").id();
        assert_eq!(doc_id(&coop), doc_id(&coop));
        assert_ne!(doc_id(&coop), doc_id(&other));
        let digest = Sha256::digest([DOC_ID_DOMAIN, &coop.0[..]].concat());
        assert_eq!(doc_id(&coop).as_bytes()[..], digest[..16]);
        // The vector of docs/formats.md: the community of records.md (a).
        let vector: CommunityId =
            "4166de349e34f41db5caf566de5257e692aeaa7ba13d20086dd01a786213de93"
                .parse()
                .expect("id");
        let documented = include_str!("../../docs/formats.md")
            .split("ledger document id: `")
            .nth(1)
            .and_then(|rest| rest.split('`').next())
            .expect("docs/formats.md gives the ledger document id of the vector");
        assert_eq!(doc_id(&vector).to_string(), documented);
    }

    #[test]
    fn admit_for_refuses_records_of_another_community() {
        let records = sample();
        let coop = records[2].id();
        let key = DeviceKey::from_seed(&[2; 32]);
        let other = genesis(&key, "Other");
        let foreign = tension(&key, &other, "elsewhere");
        let base = ledger_with(1, &records[2..]);
        let limits = Limits::default();

        // The community's own records, its genesis included, are admitted.
        let own = ledger_with(2, &records);
        let admitted = admit_for(&coop, &base, &own.save(), &limits).expect("admit");
        assert_eq!(admitted.new_records.len(), 2);
        let fresh = new_ledger(actor(3));
        let whole = admit_for(&coop, &fresh, &own.save(), &limits).expect("admit");
        assert_eq!(whole.new_records.len(), 3);

        // Another community's record, or its genesis, is refused whole.
        for stranger in [&foreign, &other] {
            let mixed = ledger_with(2, &[records[0].clone(), stranger.clone()]);
            let heads = base.get_heads();
            assert_eq!(
                admit_for(&coop, &base, &mixed.save(), &limits).expect_err("refused"),
                LedgerError::ForeignRecord { id: stranger.id() }
            );
            assert_eq!(base.get_heads(), heads);
            // `admit` does not look.
            assert!(admit(&base, &mixed.save(), &limits).is_ok());
        }
    }

    /// What a live sync brings is taken in by the replica itself when it
    /// only puts new records; anything else is left to `admit_for`, and a
    /// record of another community is refused.
    #[test]
    fn fresh_records_are_taken_in_by_the_replica_itself() {
        let records = sample();
        let coop = records[2].id();
        let key = DeviceKey::from_seed(&[1; 32]);
        let limits = Limits::default();
        let base = ledger_with(1, &records[2..]);
        let mut theirs = base.fork().with_actor(actor(2));
        insert(&mut theirs, &records).expect("insert");
        let after = theirs.save_after(&base.get_heads());

        let mut replica = base.clone();
        let fresh = admit_fresh_in_place(&coop, &mut replica, &after, &limits)
            .expect("admitted")
            .expect("fresh puts");
        assert_eq!(sorted(fresh.new_records), sorted(records[..2].to_vec()));
        assert_eq!(replica.get_heads(), theirs.get_heads());
        // Again: nothing new.
        let again = admit_fresh_in_place(&coop, &mut replica, &after, &limits)
            .expect("admitted")
            .expect("fresh puts");
        assert!(again.new_changes.is_empty() && again.new_records.is_empty());

        // A whole save, or an overwrite, is not for this path: untouched.
        let mut replica = base.clone();
        assert!(
            admit_fresh_in_place(&coop, &mut replica, &theirs.save(), &limits)
                .expect("ok")
                .is_none()
        );
        let overwrite = changes_by(&base, |tx, map| {
            tx.put(
                map,
                coop.to_string().as_str(),
                ScalarValue::Bytes(records[0].bytes().to_vec()),
            )
            .expect("put");
        });
        assert!(
            admit_fresh_in_place(&coop, &mut replica, &overwrite, &limits)
                .expect("ok")
                .is_none()
        );
        assert_eq!(replica.get_heads(), base.get_heads());

        // A change whose dependency is not sent is refused as `admit_for`
        // refuses it (the replica that took it in part is the caller's to
        // drop).
        let mut first = base.fork().with_actor(actor(4));
        insert(&mut first, &records[..1]).expect("insert");
        let mut second = first.fork().with_actor(actor(5));
        insert(&mut second, &records[1..2]).expect("insert");
        let orphan = second.save_after(&first.get_heads());
        let mut replica = base.clone();
        let in_place = admit_fresh_in_place(&coop, &mut replica, &orphan, &limits)
            .expect_err("refused")
            .to_string();
        let whole = admit_for(&coop, &base, &orphan, &limits)
            .expect_err("refused")
            .to_string();
        assert_eq!(in_place, whole);

        // Another community's record is refused, as `admit_for` refuses it.
        let other = genesis(&key, "Other");
        let stranger = tension(&key, &other, "elsewhere");
        let mut theirs = base.fork().with_actor(actor(3));
        insert(&mut theirs, std::slice::from_ref(&stranger)).expect("insert");
        let after = theirs.save_after(&base.get_heads());
        let mut replica = base.clone();
        assert_eq!(
            admit_fresh_in_place(&coop, &mut replica, &after, &limits).expect_err("refused"),
            LedgerError::ForeignRecord { id: stranger.id() }
        );
    }

    #[test]
    fn garbage_is_refused_by_the_guard() {
        let base = ledger_with(1, &sample());
        assert!(matches!(
            refused(&base, b"\x85\x6f\x4a\x83garbage"),
            LedgerError::Guard(_)
        ));
    }
}
