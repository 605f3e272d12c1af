//! Verification: a pure function from a bundle's bytes to a report.
//!
//! `verify` replays everything a bundle carries, offline, trusting nothing:
//! the bundle's checksum; every record's structure and signature; the record
//! DAG and the authority of each record at its place in it (through
//! [`governance::resolve`]); every content change against the attestations
//! (a change counts only if the device whose actor id it carries signed it);
//! and every ratified version against the amendment it ratifies: its heads
//! must be exactly the version before it merged with the adopted wording, the
//! sections each wording declares must be the sections it really changes,
//! and the text of the version is hashed into the report.
//!
//! It also checks that each document is the one its id names: every
//! community's charter must be in the bundle and hold every version of it;
//! every payload must hold only changes written in it, or belonging to a
//! signed version of the charter it derives from ([`Claims`]); and two
//! different changes with one actor and number (equivocation) are reported
//! with the device, the document, the number and both hashes.
//!
//! The report is canonical JSON; its SHA-256 is the report hash. Anyone who
//! verifies the same bundle gets the same bytes, whatever order its entries
//! came in.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use automerge::{Automerge, Change, ChangeHash, ChangeMetadata, ReadDoc as _};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::bundle::{Bundle, Claims, actor_document};
use crate::governance::{self, ResolveOptions, State, Verdict};
use crate::guard::{self, Limits};
use crate::identity::PublicKey;
use crate::ids::{DocId, hash_hex};
use crate::progress::{Progress, Tally};
use crate::record::{self, CommunityId, Record, RecordId};
use crate::{charter, diff, markdown};

/// The format of the report.
pub const REPORT_FORMAT: &str = "nous-verify/3";

/// The verdict on a bundle.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// [`REPORT_FORMAT`].
    pub format: &'static str,
    /// True when the history is intact: every signature holds, every cited
    /// record is there, every change is attested, every version holds its
    /// text and every document is the one its id names. Acts rejected
    /// under the rules (listed in `rejected`) do not make it false.
    pub ok: bool,
    /// Each community in the bundle, by id.
    pub communities: Vec<CommunityReport>,
    /// Each document in the bundle, by id.
    pub documents: Vec<DocumentReport>,
    /// Everything that breaks the history's integrity (tampering or loss),
    /// in a stable order.
    pub problems: Vec<Problem>,
    /// Signed acts the rules reject (a member's act after their exclusion,
    /// a decision the count does not support, …), with the reason, in a
    /// stable order: a normal community has some, and its history is still
    /// intact.
    pub rejected: Vec<Problem>,
    /// Two or more different changes with one actor and sequence number,
    /// by actor and number. Left out of the report when there is none (so
    /// reports of bundles without any keep their bytes and hash).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub equivocations: Vec<Equivocation>,
    /// Each record rejected or pending, by id (as `problems` and
    /// `rejected` name it): its kind and verdict, whose reason a front end
    /// says in its reader's language. Not in the report's JSON (which says
    /// the reasons in English), so not in its hash.
    #[serde(skip)]
    pub verdicts: BTreeMap<String, (crate::record::Kind, Verdict)>,
}

/// Different changes that claim the same place in one actor's history:
/// Automerge numbers each actor's changes, and an honest device never
/// writes two with one number (it keeps what it sends). If the device
/// signed them all (`content.attest`), this is evidence against it; if not,
/// anyone could have made them with its actor id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Equivocation {
    /// The actor id, in hex.
    pub actor: String,
    /// The device whose actor id it is (the key it starts with), if any.
    pub device: Option<PublicKey>,
    /// The document the actor id names (where the changes were written),
    /// if it names one.
    pub document: Option<DocId>,
    /// The sequence number the changes share.
    pub seq: u64,
    /// The change hashes, sorted.
    pub changes: Vec<String>,
    /// The bundle's documents they were found in.
    pub found_in: Vec<DocId>,
    /// Whether the device signed every one of them in an attestation that
    /// holds: only then is this evidence against the device.
    pub signed: bool,
}

/// Something that does not hold.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Problem {
    /// `record`, `change`, `version`, `wording`, `document`, `community`,
    /// `equivocation` or `synthesis`.
    pub what: String,
    /// The record id, change hash, document id or version number; for an
    /// equivocation, the device key (or the actor id, if it is not a
    /// device's).
    pub id: String,
    /// Why.
    pub reason: String,
}

/// A community, as verified.
#[derive(Debug, Clone, Serialize)]
pub struct CommunityReport {
    /// Its id.
    pub id: CommunityId,
    /// Its name.
    pub name: String,
    /// The charter document.
    pub charter: DocId,
    /// Records accepted, rejected and pending.
    pub accepted: usize,
    /// Rejected records.
    pub rejected: usize,
    /// Records waiting for missing ones.
    pub pending: usize,
    /// Members: id, name, college, status.
    pub members: Vec<(PublicKey, String, String, String)>,
    /// Ratified versions.
    pub versions: Vec<VersionReport>,
    /// Amendments: id, title, phase (in JSON as everywhere else:
    /// `objection-round`, not the words of the text output).
    pub amendments: Vec<(RecordId, String, governance::Phase)>,
    /// Every record's verdict, in canonical order.
    pub records: Vec<governance::RecordOutcome>,
    /// Each accepted `synthesis.publish`, recomputed from the records it
    /// builds on and the text in the bundle. Left out of the report when
    /// there is none (so reports of bundles without any keep their bytes
    /// and hash).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub syntheses: Vec<SynthesisCheck>,
}

/// A published synthesis, recomputed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SynthesisCheck {
    /// The `synthesis.publish` record.
    pub record: RecordId,
    /// The participation.
    pub participation: RecordId,
    /// The hash of the report recomputed (empty if it cannot be).
    pub hash: String,
    /// Whether the record publishes exactly that report (method, hash and
    /// figures).
    pub reproduced: bool,
}

/// A ratified version, as verified.
#[derive(Debug, Clone, Serialize)]
pub struct VersionReport {
    /// 1 for the founding version.
    pub number: usize,
    /// Its heads.
    pub heads: Vec<String>,
    /// The version hash members sign.
    pub hash: String,
    /// The amendment ratified.
    pub amendment: Option<RecordId>,
    /// SHA-256 of the version's text (Markdown with section annotations);
    /// empty if the content is missing.
    pub text_sha256: String,
}

/// A document, as verified.
#[derive(Debug, Clone, Serialize)]
pub struct DocumentReport {
    /// Its id.
    pub id: DocId,
    /// The community it belongs to, if any.
    pub community: Option<CommunityId>,
    /// Changes in it.
    pub changes: usize,
    /// Changes signed by the device whose actor id they carry.
    pub attested: usize,
    /// Heads of the verified document (attested changes only).
    pub verified_heads: Vec<String>,
}

/// Why a bundle could not be verified at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The bundle itself is unusable.
    #[error(transparent)]
    Bundle(#[from] crate::bundle::BundleError),
}

impl Report {
    /// The canonical bytes of the report.
    pub fn canonical(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// SHA-256 of [`Report::canonical`], in hex.
    pub fn hash(&self) -> String {
        hex::encode(Sha256::digest(self.canonical()))
    }
}

/// Verify a bundle.
pub fn verify(bytes: &[u8]) -> Result<Report, VerifyError> {
    verify_with(bytes, ResolveOptions::default())
}

/// [`verify`], telling `progress` how far it is: `(done, total)`, where
/// the total is the bundle's records and documents, a document done once
/// the guard has read it and a record once its signature is checked. The
/// report is the same.
pub fn verify_with_progress(bytes: &[u8], progress: Progress<'_>) -> Result<Report, VerifyError> {
    verify_counting(bytes, ResolveOptions::default(), progress)
}

/// [`verify`], resolving each community with `options` (tests resolve with
/// a salted tie-break: the report must not change).
pub(crate) fn verify_with(bytes: &[u8], options: ResolveOptions) -> Result<Report, VerifyError> {
    verify_counting(bytes, options, &mut crate::progress::none)
}

/// Records whose signatures are checked in one call, between two words to
/// the progress callback (enough for [`record::verify_signatures`] to use
/// its two threads).
const SIGNATURES_AT_ONCE: usize = 1_024;

/// Check the signatures of `records` (one community's) ahead of
/// [`governance::resolve`], a share at a time, counting them in `tally`:
/// whether every one holds. When one does not, the rest are not checked
/// here: `resolve` checks them all and says which.
fn signatures_hold(records: &[Record], tally: &mut Tally<'_>) -> bool {
    let mut hold = true;
    for share in records.chunks(SIGNATURES_AT_ONCE) {
        if hold {
            let share: Vec<&Record> = share.iter().collect();
            hold = record::verify_signatures(&share).into_iter().all(|ok| ok);
        }
        tally.add(share.len());
    }
    hold
}

fn verify_counting(
    bytes: &[u8],
    options: ResolveOptions,
    progress: Progress<'_>,
) -> Result<Report, VerifyError> {
    let bundle = Bundle::decode(bytes)?;
    let mut tally = Tally::new(bundle.records.len() + bundle.documents.len(), progress);
    let mut problems = Vec::new();
    let mut rejected = Vec::new();
    let mut verdicts = BTreeMap::new();

    // Records: decode, and group by community.
    let mut records: Vec<Record> = Vec::with_capacity(bundle.records.len());
    for bytes in &bundle.records {
        match Record::decode(bytes) {
            Ok(record) => records.push(record),
            Err(error) => problems.push(Problem {
                what: "record".into(),
                id: RecordId::of(bytes).to_string(),
                reason: error.to_string(),
            }),
        }
    }
    let genesis_ids: BTreeSet<CommunityId> = records
        .iter()
        .filter(|r| r.kind() == crate::record::Kind::Genesis)
        .map(Record::id)
        .collect();
    let mut by_community: BTreeMap<CommunityId, Vec<Record>> = BTreeMap::new();
    for record in records {
        let community = record.community();
        if genesis_ids.contains(&community) {
            by_community.entry(community).or_default().push(record);
        } else {
            problems.push(Problem {
                what: "record".into(),
                id: record.id().to_string(),
                reason: format!(
                    "its community {} has no genesis in the bundle",
                    community.short()
                ),
            });
        }
    }
    // Records that reach no community (undecodable, or without genesis)
    // are done with.
    tally.add(bundle.records.len() - by_community.values().map(Vec::len).sum::<usize>());

    // Documents: through the guard, as untrusted bytes.
    let scratch_actor = automerge::ActorId::from(&[0u8; 16][..]);
    let mut docs: BTreeMap<DocId, Automerge> = BTreeMap::new();
    for (id, bytes) in &bundle.documents {
        match guard::load(bytes, &Limits::default(), scratch_actor.clone()) {
            Ok(doc) => {
                docs.insert(*id, doc);
            }
            Err(error) => problems.push(Problem {
                what: "document".into(),
                id: id.to_string(),
                reason: format!("refused by the guard: {error}"),
            }),
        }
        tally.add(1);
    }

    let mut communities = Vec::new();
    let mut doc_community: HashMap<DocId, CommunityId> = HashMap::new();
    let mut attested_counts: HashMap<DocId, (usize, Vec<String>)> = HashMap::new();
    let mut change_counts: HashMap<DocId, usize> = HashMap::new();
    let mut claims = Claims::default();
    let mut signed: HashSet<(PublicKey, ChangeHash)> = HashSet::new();
    let carried: BTreeSet<DocId> = bundle.documents.iter().map(|(id, _)| *id).collect();
    for (id, records) in &by_community {
        // Signatures checked here, to count them as they go; `resolve`
        // checks them again only when one fails (and then says which), so
        // the report is the same either way.
        let checked = options.check_signatures && signatures_hold(records, &mut tally);
        if !options.check_signatures {
            tally.add(records.len());
        }
        let options = ResolveOptions {
            check_signatures: options.check_signatures && !checked,
            ..options
        };
        let state = match governance::resolve(*id, records, options) {
            Ok(state) => state,
            Err(error) => {
                problems.push(Problem {
                    what: "community".into(),
                    id: id.to_string(),
                    reason: error.to_string(),
                });
                continue;
            }
        };
        claims.add(&state, records);
        signed.extend(
            state
                .attested_changes()
                .map(|(device, _, hash)| (*device, *hash)),
        );
        check_charter(&state, &carried, &docs, &mut problems);
        for outcome in state.problems() {
            let (reason, broken) = match &outcome.verdict {
                Verdict::Rejected(reason) => (
                    format!("rejected: {reason}"),
                    reason.code() == governance::Code::SignatureFails,
                ),
                // A record it cites is missing: loss.
                Verdict::Pending(reason) => (format!("pending: {reason}"), true),
                Verdict::Accepted => continue,
            };
            verdicts.insert(
                outcome.id.to_string(),
                (outcome.kind, outcome.verdict.clone()),
            );
            let problem = Problem {
                what: "record".into(),
                id: outcome.id.to_string(),
                reason: format!("{} {reason}", outcome.kind),
            };
            if broken {
                problems.push(problem);
            } else {
                rejected.push(problem);
            }
        }
        let content = Content::build(&state, &docs, &mut problems);
        for (doc, counts) in &content.per_doc {
            doc_community.insert(*doc, *id);
            attested_counts.insert(*doc, counts.clone());
        }
        change_counts.extend(&content.changes);
        let versions = content.check_versions(&state, &mut problems);
        content.check_wordings(&state, &mut problems);
        let count =
            |f: fn(&Verdict) -> bool| state.records.iter().filter(|r| f(&r.verdict)).count();
        communities.push(CommunityReport {
            id: *id,
            name: state.name.clone(),
            charter: state.charter,
            accepted: count(|v| matches!(v, Verdict::Accepted)),
            rejected: count(|v| matches!(v, Verdict::Rejected(_))),
            pending: count(|v| matches!(v, Verdict::Pending(_))),
            members: state
                .members
                .values()
                .map(|m| {
                    (
                        m.id,
                        m.name.clone(),
                        m.college.clone(),
                        status_name(&m.status),
                    )
                })
                .collect(),
            versions,
            amendments: state
                .amendments
                .values()
                .map(|a| (a.record, a.title.clone(), a.phase))
                .collect(),
            records: state.records.iter().cloned().collect(),
            syntheses: check_syntheses(&state, records, &docs, options, &mut problems),
        });
    }

    for (id, doc) in &docs {
        if let Err(mismatch) = claims.check(id, doc, None) {
            problems.push(Problem {
                what: "document".into(),
                id: id.to_string(),
                reason: mismatch.to_string(),
            });
        }
    }
    let equivocations = equivocations(&docs, &signed);
    problems.extend(equivocations.iter().map(Equivocation::problem));

    let documents = docs
        .iter()
        .map(|(id, doc)| {
            let changes = change_counts
                .get(id)
                .copied()
                .unwrap_or_else(|| doc.get_changes_meta(&[]).len());
            let (attested, verified_heads) = attested_counts.get(id).cloned().unwrap_or_default();
            DocumentReport {
                id: *id,
                community: doc_community.get(id).copied(),
                changes,
                attested,
                verified_heads,
            }
        })
        .collect();
    problems.sort();
    problems.dedup();
    rejected.sort();
    rejected.dedup();
    tally.finish();
    Ok(Report {
        format: REPORT_FORMAT,
        ok: problems.is_empty(),
        communities,
        documents,
        problems,
        rejected,
        equivocations,
        verdicts,
    })
}

/// Recompute every accepted `synthesis.publish` of a community from the
/// records it builds on (resolved as the community was) and its text in
/// the bundle; one that does not reproduce is a problem.
fn check_syntheses(
    state: &State,
    records: &[Record],
    docs: &BTreeMap<DocId, Automerge>,
    options: ResolveOptions,
    problems: &mut Vec<Problem>,
) -> Vec<SynthesisCheck> {
    let mut out = Vec::new();
    for (participation, p) in state.participations.iter() {
        for entry in &p.syntheses {
            let Some(record) = records.iter().find(|r| r.id() == entry.record) else {
                continue;
            };
            let recomputed = match docs.get(&entry.text.doc) {
                Some(doc) => {
                    crate::synthesis::recompute(state.community, records, record, doc, options)
                        .map_err(|e| e.to_string())
                }
                None => Err(format!(
                    "its text, document {}, is not in the bundle",
                    entry.text.doc
                )),
            };
            let verdict = match (&recomputed, record.payload()) {
                (Ok(report), record::Payload::SynthesisPublish(published)) => {
                    report.matches(published)
                }
                (Ok(_), _) => Err("it is not a synthesis".to_owned()),
                (Err(error), _) => Err(format!("it cannot be recomputed: {error}")),
            };
            if let Err(why) = &verdict {
                problems.push(Problem {
                    what: "synthesis".into(),
                    id: entry.record.to_string(),
                    reason: format!(
                        "the synthesis of participation {} does not reproduce from the bundle: {why}",
                        participation.short()
                    ),
                });
            }
            out.push(SynthesisCheck {
                record: entry.record,
                participation: *participation,
                hash: recomputed.map(|r| r.hash()).unwrap_or_default(),
                reproduced: verdict.is_ok(),
            });
        }
    }
    out
}

/// A community's charter must be in the bundle, and hold every version of
/// it (a payload that lacks a version is not that charter, or not all of
/// it). Drafts may be left out: a missing wording is reported with it.
fn check_charter(
    state: &State,
    carried: &BTreeSet<DocId>,
    docs: &BTreeMap<DocId, Automerge>,
    problems: &mut Vec<Problem>,
) {
    let charter = state.charter;
    if !carried.contains(&charter) {
        problems.push(Problem {
            what: "document".into(),
            id: charter.to_string(),
            reason: format!(
                "the charter of community {} is not in the bundle",
                state.community.short()
            ),
        });
        return;
    }
    // Refused by the guard: already a problem.
    let Some(doc) = docs.get(&charter) else {
        return;
    };
    let lacking: Vec<String> = state
        .versions
        .iter()
        .filter(|v| {
            parse_heads(&v.heads)
                .iter()
                .any(|h| doc.get_change_meta_by_hash(h).is_none())
        })
        .map(|v| v.number.to_string())
        .collect();
    if !lacking.is_empty() {
        problems.push(Problem {
            what: "document".into(),
            id: charter.to_string(),
            reason: format!(
                "it does not hold version {} of the charter of community {}: it is not that charter, or not all of it",
                lacking.join(", "),
                state.community.short()
            ),
        });
    }
}

/// Every (actor, sequence number) that two or more different changes of the
/// bundle's documents claim.
fn equivocations(
    docs: &BTreeMap<DocId, Automerge>,
    signed: &HashSet<(PublicKey, ChangeHash)>,
) -> Vec<Equivocation> {
    type Seen = BTreeMap<ChangeHash, BTreeSet<DocId>>;
    let mut by_place: BTreeMap<(Vec<u8>, u64), Seen> = BTreeMap::new();
    for (id, doc) in docs {
        for change in doc.get_changes_meta(&[]) {
            by_place
                .entry((change.actor.to_bytes().to_vec(), change.seq))
                .or_default()
                .entry(change.hash)
                .or_default()
                .insert(*id);
        }
    }
    by_place
        .into_iter()
        .filter(|(_, changes)| changes.len() > 1)
        .map(|((actor_bytes, seq), changes)| {
            let actor = automerge::ActorId::from(actor_bytes.as_slice());
            let device = PublicKey::from_actor(&actor);
            let hashes: Vec<String> = changes.keys().map(hash_hex).collect();
            let found_in: BTreeSet<DocId> = changes.values().flatten().copied().collect();
            Equivocation {
                actor: actor.to_hex_string(),
                device,
                document: actor_document(&actor),
                seq,
                signed: device.is_some_and(|d| changes.keys().all(|h| signed.contains(&(d, *h)))),
                changes: hashes,
                found_in: found_in.into_iter().collect(),
            }
        })
        .collect()
}

impl Equivocation {
    fn problem(&self) -> Problem {
        let who = match &self.device {
            Some(device) => format!("device {}", device.short()),
            None => format!("actor {}", self.actor),
        };
        let place = match &self.document {
            Some(doc) => format!("document {doc}"),
            None => format!(
                "document {}",
                self.found_in
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let count = match self.changes.len() {
            2 => "two".to_owned(),
            n => n.to_string(),
        };
        let verdict = if self.signed {
            format!("{who} signed them all: evidence against it")
        } else {
            format!("not all signed by {who}, so not evidence against it")
        };
        Problem {
            what: "equivocation".into(),
            id: self
                .device
                .map_or_else(|| self.actor.clone(), |d| d.to_string()),
            reason: format!(
                "{count} different changes numbered {} in {place} carry the actor id of {who}: {} ({verdict})",
                self.seq,
                self.changes.join(" and "),
            ),
        }
    }
}

fn status_name(status: &governance::MemberStatus) -> String {
    match status {
        governance::MemberStatus::Active => "active".into(),
        governance::MemberStatus::Suspended { until } => format!("suspended until {until}"),
        governance::MemberStatus::Left => "left".into(),
        governance::MemberStatus::Excluded => "excluded".into(),
    }
}

/// A community's content: every change of its charter and drafts that the
/// device whose actor id it carries attested, in one document.
struct Content {
    /// The verified pool (attested changes whose ancestors are attested).
    pool: Automerge,
    /// Per document: attested changes and verified heads.
    per_doc: BTreeMap<DocId, (usize, Vec<String>)>,
    /// Per document: all its changes.
    changes: BTreeMap<DocId, usize>,
}

impl Content {
    fn build(
        state: &State,
        docs: &BTreeMap<DocId, Automerge>,
        problems: &mut Vec<Problem>,
    ) -> Content {
        let attested: HashSet<(PublicKey, ChangeHash)> = state
            .attestations
            .iter()
            .flat_map(|a| a.changes.iter().map(move |c| (a.device, *c)))
            .collect();
        let mut ids: Vec<DocId> = vec![state.charter];
        ids.extend(state.amendments.values().map(|a| a.draft));
        ids.sort();
        ids.dedup();
        let mut seen: HashSet<ChangeHash> = HashSet::new();
        let mut admitted_set: HashSet<ChangeHash> = HashSet::new();
        let mut per_doc = BTreeMap::new();
        let mut counts = BTreeMap::new();
        // The largest document whose every change was admitted, and its
        // changes.
        let mut whole: Option<(DocId, HashSet<ChangeHash>)> = None;
        for id in ids {
            let Some(doc) = docs.get(&id) else { continue };
            let mut doc_admitted = HashSet::new();
            // Changes come in causal order, so a change's deps are judged
            // before it. Only their metadata is read: materialising every
            // change is needed only when some must be applied (below).
            let changes = doc.get_changes_meta(&[]);
            for change in &changes {
                let hash = change.hash;
                let key = PublicKey::from_actor(&change.actor);
                let signed = key.is_some_and(|k| attested.contains(&(k, hash)));
                let deps_ok = change.deps.iter().all(|d| admitted_set.contains(d));
                if signed && deps_ok {
                    doc_admitted.insert(hash);
                    admitted_set.insert(hash);
                } else if seen.insert(hash) {
                    let reason = match (key, signed) {
                        (None, _) => "its actor id is not a device key".to_owned(),
                        (Some(k), false) => {
                            format!(
                                "not signed by device {}, whose actor id it carries",
                                k.short()
                            )
                        }
                        (Some(_), true) => "builds on a change that is not verified".to_owned(),
                    };
                    problems.push(Problem {
                        what: "change".into(),
                        id: hash_hex(&hash),
                        reason: format!("in document {id}: {reason}"),
                    });
                }
                seen.insert(hash);
            }
            counts.insert(id, changes.len());
            let heads = heads_of(&doc_admitted, &changes);
            per_doc.insert(
                id,
                (doc_admitted.len(), heads.iter().map(hash_hex).collect()),
            );
            let larger = whole.as_ref().is_none_or(|(_, w)| w.len() < changes.len());
            if doc_admitted.len() == changes.len() && larger {
                whole = Some((id, doc_admitted));
            }
        }
        // The pool holds exactly the admitted changes. When a document was
        // admitted whole (the usual case), the pool starts as a copy of it,
        // which costs far less than applying all its changes again to an
        // empty document (about three times the cost of loading it); only
        // the admitted changes it lacks are then materialised and applied.
        let (mut pool, mut missing) = match whole.and_then(|(id, w)| Some((docs.get(&id)?, w))) {
            Some((base, in_base)) => (
                base.clone(),
                admitted_set.difference(&in_base).copied().collect(),
            ),
            None => (Automerge::new(), admitted_set),
        };
        let mut admitted: Vec<Change> = Vec::new();
        for doc in per_doc.keys().filter_map(|id| docs.get(id)) {
            if missing.is_empty() {
                break;
            }
            admitted.extend(
                doc.get_changes(&[])
                    .into_iter()
                    .filter(|change| missing.remove(&change.hash())),
            );
        }
        // These changes were decoded by the guard above; applying them is
        // contained all the same.
        let applied = crate::contain::contain(|| pool.apply_changes(admitted));
        if !matches!(applied, Ok(Ok(()))) {
            problems.push(Problem {
                what: "community".into(),
                id: state.community.to_string(),
                reason: "its content could not be assembled".into(),
            });
            pool = Automerge::new();
        }
        Content {
            pool,
            per_doc,
            changes: counts,
        }
    }

    fn has(&self, heads: &[ChangeHash]) -> bool {
        heads
            .iter()
            .all(|h| self.pool.get_change_by_hash(h).is_some())
    }

    fn merged(&self, a: &[ChangeHash], b: &[ChangeHash]) -> Option<Vec<ChangeHash>> {
        let mut both: Vec<ChangeHash> = a.iter().chain(b).copied().collect();
        both.sort();
        both.dedup();
        let mut heads = self.pool.fork_at(&both).ok()?.get_heads();
        heads.sort();
        Some(heads)
    }

    fn text(&self, heads: &[ChangeHash]) -> Option<String> {
        let charter = charter::read(&self.pool, Some(heads)).ok()?;
        let text = markdown::render(&charter, markdown::RenderOptions::default());
        Some(hex::encode(Sha256::digest(text.as_bytes())))
    }

    fn check_versions(&self, state: &State, problems: &mut Vec<Problem>) -> Vec<VersionReport> {
        let mut out = Vec::new();
        let mut previous: Option<Vec<ChangeHash>> = None;
        for version in &state.versions {
            let heads = parse_heads(&version.heads);
            let mut problem = |reason: String| {
                problems.push(Problem {
                    what: "version".into(),
                    id: version.number.to_string(),
                    reason,
                })
            };
            let present = self.has(&heads);
            if !present {
                problem(
                    "its heads are not among the verified changes (missing or unsigned content)"
                        .into(),
                );
            }
            if let (Some(prev), Some(amendment)) = (&previous, version.amendment) {
                let wording = state
                    .amendments
                    .get(&amendment)
                    .and_then(|a| a.submissions.last())
                    .map(|s| parse_heads(&s.heads))
                    .unwrap_or_default();
                if present && self.has(&wording) {
                    match self.merged(prev, &wording) {
                        Some(expected) if expected == sorted(&heads) => {}
                        _ => problem(format!(
                            "is not the version before it merged with the adopted wording of amendment {}",
                            amendment.short()
                        )),
                    }
                } else if present {
                    problem(format!(
                        "the adopted wording of amendment {} is missing",
                        amendment.short()
                    ));
                }
            }
            let text_sha256 = if present {
                self.text(&heads).unwrap_or_default()
            } else {
                String::new()
            };
            out.push(VersionReport {
                number: version.number,
                heads: version.heads.clone(),
                hash: version.hash.clone(),
                amendment: version.amendment,
                text_sha256,
            });
            previous = Some(heads);
        }
        out
    }

    /// Each wording must change exactly the sections it declares, relative
    /// to the version in force when it was submitted (staleness and rebasing
    /// rely on the declaration).
    fn check_wordings(&self, state: &State, problems: &mut Vec<Problem>) {
        for amendment in state.amendments.values() {
            for submission in &amendment.submissions {
                let Some(version) = state
                    .versions
                    .iter()
                    .find(|v| v.number == submission.version)
                else {
                    continue;
                };
                let base = parse_heads(&version.heads);
                let heads = parse_heads(&submission.heads);
                let mut problem = |reason: String| {
                    problems.push(Problem {
                        what: "wording".into(),
                        id: submission.record.to_string(),
                        reason,
                    })
                };
                if !self.has(&heads) {
                    problem("its heads are not among the verified changes".into());
                    continue;
                }
                let (Some(merged), true) = (self.merged(&base, &heads), self.has(&base)) else {
                    continue;
                };
                let (Ok(before), Ok(after)) = (
                    charter::read(&self.pool, Some(&base)),
                    charter::read(&self.pool, Some(&merged)),
                ) else {
                    problem("its text cannot be read as a charter".into());
                    continue;
                };
                let actual = diff::diff(&before, &after).section_ids();
                let mut declared = submission.sections.clone();
                declared.sort();
                declared.dedup();
                if actual != declared {
                    problem(format!(
                        "declares sections [{}] but changes [{}]",
                        declared.join(", "),
                        actual.join(", ")
                    ));
                }
            }
        }
    }
}

fn heads_of(set: &HashSet<ChangeHash>, changes: &[ChangeMetadata<'_>]) -> Vec<ChangeHash> {
    let mut covered: HashSet<ChangeHash> = HashSet::new();
    for change in changes {
        if set.contains(&change.hash) {
            covered.extend(change.deps.iter().copied());
        }
    }
    let mut heads: Vec<ChangeHash> = set
        .iter()
        .filter(|h| !covered.contains(h))
        .copied()
        .collect();
    heads.sort();
    heads
}

fn parse_heads(texts: &[String]) -> Vec<ChangeHash> {
    let mut heads: Vec<ChangeHash> = texts.iter().filter_map(|t| t.parse().ok()).collect();
    heads.sort();
    heads
}

fn sorted(heads: &[ChangeHash]) -> Vec<ChangeHash> {
    let mut heads = heads.to_vec();
    heads.sort();
    heads
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::community::{Community, Founding};
    use crate::record::{
        Attest, College, Founder, Heads, Method, Payload, Rule, Rules, Tension, TensionPath,
        Unsigned,
    };
    use crate::store::MemoryStorage;
    use crate::{DeviceKey, Engine, EngineOptions, markdown};

    fn engine(seed: u8) -> Engine {
        let mut counter = 0u8;
        let options = EngineOptions::new(
            Box::new(|| 1_700_000_000_000),
            Box::new(move |buf: &mut [u8]| {
                counter = counter.wrapping_add(1);
                buf.fill(counter ^ seed.rotate_left(4));
            }),
        );
        Engine::with_storage(
            DeviceKey::from_seed(&[seed; 32]),
            Box::new(MemoryStorage::default()),
            options,
        )
    }

    /// Alice's home: a charter, a community founded on it (genesis and the
    /// attestation of the charter's changes), a tension, and a second
    /// document that belongs to no community.
    struct Home {
        engine: Engine,
        charter: DocId,
        notes: DocId,
        community: Community,
    }

    fn home() -> Home {
        let mut engine = engine(1);
        let draft = markdown::parse(
            "# Charte\n\n## Adhésion\n\nToute personne peut adhérer.\n\n## Tensions\n\nOn en parle.\n",
        );
        let charter = engine
            .create_charter("Charte", &draft)
            .expect("charter")
            .value;
        let notes = engine
            .create_charter("Notes", &markdown::parse("# Notes\n\n## Idées\n\nRien.\n"))
            .expect("notes")
            .value;
        let me = engine.device();
        let founded = engine
            .found_community(Founding {
                name: "Coop".into(),
                charter,
                colleges: vec![College {
                    id: "staff".into(),
                    name: "Staff".into(),
                    weight: 1,
                }],
                founders: vec![Founder {
                    member: me,
                    name: "Alice".into(),
                    college: "staff".into(),
                }],
                rules: Rules::all(Rule::new(Method::Consent)),
                facilitators: Vec::new(),
            })
            .expect("found");
        let acted = engine
            .act(
                &founded.community,
                Payload::Tension(Tension {
                    path: TensionPath::Governance,
                    summary: "who decides?".into(),
                    section: None,
                }),
            )
            .expect("act");
        Home {
            engine,
            charter,
            notes,
            community: acted.community,
        }
    }

    impl Home {
        fn bundle(&mut self) -> Vec<u8> {
            self.engine
                .export_bundle_with(&[self.charter, self.notes], &[self.community.id])
                .expect("export")
        }
    }

    fn edit_charter(engine: &mut Engine, charter: &DocId, text: &str) -> ChangeHash {
        let section = engine.charter(charter, None).expect("read").sections[0]
            .id
            .clone();
        engine
            .edit(charter, "edit", |c| c.set_body(&section, text))
            .expect("edit")
            .change
            .expect("a change")
    }

    fn document<'r>(report: &'r Report, id: &DocId) -> &'r DocumentReport {
        report
            .documents
            .iter()
            .find(|d| d.id == *id)
            .expect("the document is reported")
    }

    #[test]
    fn an_honest_bundle_verifies_and_its_hash_ignores_the_order_of_entries() {
        let mut home = home();
        let bytes = home.bundle();
        let report = verify(&bytes).expect("verify");
        assert!(report.ok, "{:?}", report.problems);
        assert!(report.problems.is_empty());
        let community = &report.communities[0];
        assert_eq!(community.id, home.community.id);
        assert_eq!(
            (community.accepted, community.rejected, community.pending),
            (3, 0, 0)
        );
        assert_eq!(community.versions.len(), 1);
        assert_eq!(community.versions[0].text_sha256.len(), 64);
        let charter = document(&report, &home.charter);
        assert_eq!(charter.community, Some(home.community.id));
        assert_eq!(charter.attested, charter.changes);
        let heads: Vec<String> = home
            .engine
            .heads(&home.charter)
            .expect("heads")
            .iter()
            .map(hash_hex)
            .collect();
        assert_eq!(charter.verified_heads, heads);
        assert_eq!(document(&report, &home.notes).community, None);

        // The same entries in another order: other bytes, the same report.
        let mut bundle = Bundle::decode(&bytes).expect("decode");
        bundle.records.reverse();
        bundle.documents.reverse();
        let reordered = bundle.encode();
        assert_ne!(reordered, bytes);
        let again = verify(&reordered).expect("verify");
        assert_eq!(again.canonical(), report.canonical());
        assert_eq!(again.hash(), report.hash());
    }

    /// The progress callback counts the bundle's documents and records,
    /// from nothing up to all of them, and the report is the one `verify`
    /// makes; a bad signature (checked again by `resolve`, which names it)
    /// is counted the same way.
    #[test]
    fn progress_counts_documents_and_records_up_to_the_total() {
        let mut home = home();
        let extra = home
            .engine
            .create_charter("Annexe", &markdown::parse("# Annexe\n\n## Un\n\nDeux.\n"))
            .expect("annexe")
            .value;
        for summary in ["a", "b", "c"] {
            home.community = home
                .engine
                .act(
                    &home.community,
                    Payload::Tension(Tension {
                        path: TensionPath::Governance,
                        summary: summary.into(),
                        section: None,
                    }),
                )
                .expect("act")
                .community;
        }
        let bytes = home
            .engine
            .export_bundle_with(&[home.charter, home.notes, extra], &[home.community.id])
            .expect("export");
        let bundle = Bundle::decode(&bytes).expect("decode");
        let total = bundle.records.len() + bundle.documents.len();
        assert_eq!(total, 6 + 3);

        let counted = |bytes: &[u8]| {
            let mut calls = Vec::new();
            let report = verify_with_progress(bytes, &mut |done, total| calls.push((done, total)))
                .expect("verify");
            (report, calls)
        };
        let (report, calls) = counted(&bytes);
        assert!(report.ok, "{:?}", report.problems);
        assert_eq!(
            report.canonical(),
            verify(&bytes).expect("verify").canonical()
        );
        assert_eq!(calls.first(), Some(&(0, total)), "{calls:?}");
        assert_eq!(calls.last(), Some(&(total, total)), "{calls:?}");
        assert!(
            calls.windows(2).all(|w| w[1].0 > w[0].0 && w[1].1 == total),
            "increasing: {calls:?}"
        );
        // Each document on its own, then the records.
        assert_eq!(
            &calls[..4],
            &[(0, total), (1, total), (2, total), (3, total)]
        );

        // A forged signature: counted all the same, and named.
        let mut forged = bundle.clone();
        let last = forged.records[1].len() - 1;
        forged.records[1][last] ^= 0x01;
        let forged = forged.encode();
        let (report, calls) = counted(&forged);
        assert_eq!(calls.last(), Some(&(total, total)), "{calls:?}");
        assert!(
            report
                .problems
                .iter()
                .any(|p| p.reason.contains("signature does not verify")),
            "{:?}",
            report.problems
        );
        assert_eq!(
            report.canonical(),
            verify(&forged).expect("verify").canonical()
        );
    }

    #[test]
    fn a_flipped_byte_anywhere_fails_the_bundle() {
        let mut home = home();
        let bytes = home.bundle();
        for at in 0..bytes.len() {
            let mut flipped = bytes.clone();
            flipped[at] ^= 0x01;
            let error = verify(&flipped).expect_err("a flipped byte");
            let VerifyError::Bundle(error) = &error;
            if at >= 9 {
                assert_eq!(*error, crate::bundle::BundleError::Damaged, "flip at {at}");
                assert!(error.to_string().contains("checksum"));
            }
        }
        let error = verify(&bytes[..bytes.len() - 1]).expect_err("truncated");
        assert!(error.to_string().contains("checksum"), "{error}");
    }

    /// A bundle re-checksummed around a tampered record: the bundle decodes,
    /// the record does not hold.
    #[test]
    fn a_tampered_record_in_a_rechecksummed_bundle_is_a_problem() {
        let mut home = home();
        let bundle = Bundle::decode(&home.bundle()).expect("decode");
        let tension = home
            .community
            .records
            .iter()
            .find(|r| r.kind() == crate::record::Kind::Tension)
            .expect("the tension")
            .bytes()
            .to_vec();
        let index = bundle
            .records
            .iter()
            .position(|r| *r == tension)
            .expect("in the bundle");

        // A bit of the signature.
        let mut forged = bundle.clone();
        let last = forged.records[index].len() - 1;
        forged.records[index][last] ^= 0x01;
        let report = verify(&forged.encode()).expect("verify");
        assert!(!report.ok);
        let id = RecordId::of(&forged.records[index]).to_string();
        assert!(
            report.problems.iter().any(|p| p.what == "record"
                && p.id == id
                && p.reason.contains("signature does not verify")),
            "{:?}",
            report.problems
        );

        // Cut short.
        let mut cut = bundle.clone();
        cut.records[index].pop();
        let report = verify(&cut.encode()).expect("verify");
        assert!(
            report
                .problems
                .iter()
                .any(|p| p.what == "record" && p.reason.contains("truncated")),
            "{:?}",
            report.problems
        );
    }

    /// Removing a record that others build on fails verification. Removing
    /// the newest record cannot be seen from the bundle alone: the bundle is
    /// then an honest older state (withholding is caught by head
    /// attestations and checkpoints, not by replay).
    #[test]
    fn a_removed_record_fails_verification_unless_it_is_the_newest() {
        let mut home = home();
        let bundle = Bundle::decode(&home.bundle()).expect("decode");
        let records: Vec<Record> = bundle
            .records
            .iter()
            .map(|b| Record::decode(b).expect("decode"))
            .collect();
        for (index, removed) in records.iter().enumerate() {
            let mut less = bundle.clone();
            less.records.remove(index);
            let report = verify(&less.encode()).expect("verify");
            let has_child = records.iter().any(|r| r.parents().contains(&removed.id()));
            if !has_child {
                assert!(report.ok, "{:?}", report.problems);
                continue;
            }
            assert!(!report.ok, "removing {:?} went unnoticed", removed.kind());
            let expected = match removed.kind() {
                crate::record::Kind::Genesis => "has no genesis in the bundle".to_owned(),
                _ => format!("pending: waits for record {}", removed.id().short()),
            };
            assert!(
                report
                    .problems
                    .iter()
                    .any(|p| p.what == "record" && p.reason.contains(&expected)),
                "{expected}: {:?}",
                report.problems
            );
            if removed.kind() == crate::record::Kind::Attest {
                // Its changes are no longer signed, so neither is version 1.
                assert!(report.problems.iter().any(|p| p.what == "change"));
                assert!(report.problems.iter().any(|p| p.what == "version"));
            }
        }
    }

    /// A change made after the last attestation and never attested is a
    /// problem, and the verified heads stop before it.
    #[test]
    fn an_unattested_change_is_reported_and_left_out_of_the_verified_heads() {
        let mut home = home();
        let attested = home.engine.heads(&home.charter).expect("heads");
        let change = edit_charter(&mut home.engine, &home.charter, "Toute personne majeure.");
        let report = verify(&home.bundle()).expect("verify");
        assert!(!report.ok);
        let device = home.engine.device();
        assert!(
            report.problems.contains(&Problem {
                what: "change".into(),
                id: hash_hex(&change),
                reason: format!(
                    "in document {}: not signed by device {}, whose actor id it carries",
                    home.charter,
                    device.short()
                ),
            }),
            "{:?}",
            report.problems
        );
        let charter = document(&report, &home.charter);
        assert_eq!(charter.attested + 1, charter.changes);
        let attested: Vec<String> = attested.iter().map(hash_hex).collect();
        assert_eq!(charter.verified_heads, attested);

        // Attested, it verifies.
        let community = home
            .engine
            .community(&home.community.id)
            .expect("community");
        home.engine
            .attest(&community, &home.charter)
            .expect("attest")
            .expect("something to attest");
        home.community = home
            .engine
            .community(&home.community.id)
            .expect("community");
        let report = verify(&home.bundle()).expect("verify");
        assert!(report.ok, "{:?}", report.problems);
        assert_eq!(
            document(&report, &home.charter).verified_heads,
            vec![hash_hex(&change)]
        );
    }

    /// Mallory, who is not a member, edits the charter and signs an
    /// attestation of her change herself: the attestation is rejected, so
    /// the change is a problem and not part of the verified heads.
    #[test]
    fn a_change_by_a_non_member_device_is_reported() {
        let mut home = home();
        let bytes = home.bundle();
        let mut mallory = engine(2);
        mallory.import_bundle(&bytes).expect("import");
        let change = edit_charter(&mut mallory, &home.charter, "Seule Mallory décide.");
        let community = mallory.community(&home.community.id).expect("community");
        let refused = mallory.attest(&community, &home.charter);
        assert!(
            refused.is_err(),
            "a non-member cannot attest through the engine"
        );
        let attest = mallory
            .sign_record(Unsigned {
                community: home.community.id,
                timestamp: 1_700_000_000_000,
                parents: community.state.heads.clone(),
                payload: Payload::Attest(Attest {
                    doc: home.charter,
                    changes: Heads::new(vec![change]),
                }),
            })
            .expect("sign");
        let mut bundle = Bundle::decode(
            &mallory
                .export_bundle_with(&[home.charter], &[home.community.id])
                .expect("export"),
        )
        .expect("decode");
        bundle.records.push(attest.bytes().to_vec());
        let report = verify(&bundle.encode()).expect("verify");
        assert!(!report.ok, "the unattested change breaks integrity");
        // Her attestation is an act the rules reject, listed apart.
        assert!(
            report.rejected.iter().any(|p| p.what == "record"
                && p.id == attest.id().to_string()
                && p.reason.contains("not a member's certified device")),
            "{:?}",
            report.rejected
        );
        assert!(
            report.problems.iter().any(|p| p.what == "change"
                && p.id == hash_hex(&change)
                && p.reason.contains(&format!(
                    "not signed by device {}",
                    mallory.device().short()
                ))),
            "{:?}",
            report.problems
        );
        let verified = &document(&report, &home.charter).verified_heads;
        assert!(!verified.contains(&hash_hex(&change)));
        let honest: Vec<String> = home
            .engine
            .heads(&home.charter)
            .expect("heads")
            .iter()
            .map(hash_hex)
            .collect();
        assert_eq!(*verified, honest);
    }

    /// A record of a community whose genesis is not in the bundle.
    #[test]
    fn a_record_without_its_community_is_a_problem() {
        let mut home = home();
        let other = engine(3);
        let mut bundle = Bundle::decode(&home.bundle()).expect("decode");
        let stray = other
            .sign_record(Unsigned {
                community: RecordId([9; 32]),
                timestamp: 1_700_000_000_000,
                parents: vec![RecordId([9; 32])],
                payload: Payload::Tension(Tension {
                    path: TensionPath::Request,
                    summary: "hello".into(),
                    section: None,
                }),
            })
            .expect("sign");
        bundle.records.push(stray.bytes().to_vec());
        let report = verify(&bundle.encode()).expect("verify");
        assert!(!report.ok);
        assert!(
            report
                .problems
                .iter()
                .any(|p| p.id == stray.id().to_string()
                    && p.reason.contains("has no genesis in the bundle"))
        );
    }
}
