//! Records: signed records (`crate::record`) are the source of truth for
//! governance. They are stored as their exact bytes in the store's
//! `records` table, keyed by community and record id, immutable. Every
//! record reaches the store through here: its signature is verified (in
//! batches) first, and a call with one bad record writes nothing.

use super::*;

/// At most this many new records of one community are judged one by one
/// from the kept fold ([`Engine::add_records`]); more are folded whole.
const MAX_EXTENDED: usize = 32;

/// A bundle's new records whose signatures are checked in one call,
/// between two words to the progress callback (enough for
/// [`record::verify_signatures`] to use its two threads).
const SIGNATURES_AT_ONCE: usize = 1_024;

impl Engine {
    /// Store signed records. Every signature is verified first (in a batch);
    /// if one fails, the call is refused with [`Error::RecordRefused`] and
    /// nothing is written. Records already here (stored or staged) are
    /// skipped; the new ones are staged with the next group commit. Returns
    /// how many were new, and the ticket after which they are durable.
    pub fn add_records(&mut self, records: &[Record]) -> Result<Staged<usize>> {
        self.add_records_judged(records, None)
    }

    /// [`Engine::add_records`], with `judged`: the community that the
    /// records make, already judged by the caller (an act of this device,
    /// judged on the community this engine kept current).
    pub(crate) fn add_records_judged(
        &mut self,
        records: &[Record],
        judged: Option<&crate::community::Community>,
    ) -> Result<Staged<usize>> {
        self.forget_durable_records();
        let fresh = self.unknown_records(records.iter())?;
        verify_all(&fresh)?;
        let before = self.records_staged();
        let extended = match judged {
            Some(community) => vec![community.clone()],
            None => self.extended(before, &fresh)?,
        };
        let ticket = self.store.stage_records(fresh.iter().copied());
        for record in &fresh {
            self.pending_records.insert(
                (record.community(), record.id()),
                (ticket, (*record).clone()),
            );
        }
        let now = self.records_staged();
        let touched: BTreeSet<CommunityId> = fresh.iter().map(|r| r.community()).collect();
        self.remember_extended(before, now, &touched, extended);
        Ok(Staged {
            value: fresh.len(),
            ticket,
        })
    }

    /// The communities this engine keeps, current after `before` stagings,
    /// with `fresh` records: each judged as the fold's next step when it
    /// builds on every head, as an act of this device is
    /// ([`governance::Folded::extend`]), in whatever order makes each one
    /// so. A community one of whose new records cannot be judged so is
    /// left out (folded whole when next asked for).
    fn extended(&self, before: u64, fresh: &[&Record]) -> Result<Vec<crate::community::Community>> {
        let mut by_community: BTreeMap<CommunityId, Vec<&Record>> = BTreeMap::new();
        for record in fresh {
            by_community
                .entry(record.community())
                .or_default()
                .push(record);
        }
        let mut extended = Vec::new();
        for (id, mut waiting) in by_community {
            // Each step copies the fold (0.4 µs per record of the
            // community), and a whole fold costs about twenty times that:
            // many records at once (a first sync, a catch-up) are folded.
            if waiting.len() > MAX_EXTENDED {
                continue;
            }
            let Some(mut community) = self.resolved_community(before, &id) else {
                continue;
            };
            while !waiting.is_empty() {
                let Some((index, next)) = waiting
                    .iter()
                    .enumerate()
                    .find_map(|(index, record)| community.extend(record).map(|next| (index, next)))
                else {
                    break;
                };
                waiting.remove(index);
                community = next;
            }
            if waiting.is_empty() {
                if cfg!(debug_assertions) {
                    let again =
                        self.fold_records(id, community.records.iter().cloned().collect())?;
                    assert_eq!(
                        serde_json::to_string(&community.state).ok(),
                        serde_json::to_string(&again.state).ok(),
                        "records judged one by one are judged as folding everything judges them"
                    );
                }
                extended.push(community);
            }
        }
        Ok(extended)
    }

    /// Every record of a community (stored, or staged by this engine), in
    /// record id order. Signatures were verified when the records were
    /// added; a record that no longer decodes, or whose bytes do not match
    /// its key, is reported as [`Error::RecordDamaged`].
    pub fn records(&self, community: &CommunityId) -> Result<Vec<Record>> {
        let entries = self.store.record_bytes(community)?;
        // A command's first act reads them all: on two threads when there
        // are many (scoped, joined here).
        let threads = if entries.len() >= 2 * crate::record::PARALLEL_MIN {
            std::thread::available_parallelism()
                .map_or(1, usize::from)
                .min(2)
        } else {
            1
        };
        let mut found = BTreeMap::new();
        if threads == 1 {
            found.extend(stored_records(community, &entries)?);
        } else {
            let half = entries.len().div_ceil(2);
            let (first, second) = entries.split_at(half);
            let (first, second) = std::thread::scope(|scope| {
                let worker = std::thread::Builder::new()
                    .spawn_scoped(scope, || stored_records(community, second));
                let first = stored_records(community, first);
                let second = match worker {
                    Ok(worker) => worker
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                    // No thread to be had: this half here too.
                    Err(_) => stored_records(community, second),
                };
                (first, second)
            });
            found.extend(first?);
            found.extend(second?);
        }
        let range = (*community, RecordId::ZERO)..=(*community, RecordId([0xff; 32]));
        for ((_, id), (_, record)) in self.pending_records.range(range) {
            found.entry(*id).or_insert_with(|| record.clone());
        }
        Ok(found.into_values().collect())
    }

    /// Every community that has records here (stored, or staged by this
    /// engine), in id order. Reads the community index, no record.
    pub fn communities(&self) -> Result<Vec<CommunityId>> {
        let mut communities: BTreeSet<CommunityId> =
            self.store.communities()?.into_iter().collect();
        communities.extend(self.pending_records.keys().map(|(community, _)| *community));
        Ok(communities.into_iter().collect())
    }

    /// Drop from `pending_records` what the store has committed since.
    fn forget_durable_records(&mut self) {
        let store = &self.store;
        self.pending_records
            .retain(|_, (ticket, _)| !store.is_durable(*ticket));
    }

    /// The records of `records` that are neither stored nor staged, each
    /// once.
    fn unknown_records<'a>(
        &self,
        records: impl Iterator<Item = &'a Record>,
    ) -> Result<Vec<&'a Record>> {
        let mut seen = HashSet::new();
        let mut unknown = Vec::new();
        for record in records {
            let key = (record.community(), record.id());
            if !seen.insert(key) || self.pending_records.contains_key(&key) {
                continue;
            }
            if !self.store.has_record(&key.0, &key.1)? {
                unknown.push(record);
            }
        }
        Ok(unknown)
    }

    /// Whether the genesis record of `community` is here (stored, or staged
    /// by this engine).
    pub(crate) fn has_genesis(&self, community: &CommunityId) -> Result<bool> {
        Ok(self.pending_records.contains_key(&(*community, *community))
            || self.store.has_record(community, community)?)
    }

    /// Check the communities of a bundle's new records, and gather what the
    /// communities this home knows (with those records) say about documents.
    ///
    /// Every new record must belong to a community whose genesis record is
    /// here or among the new records (wherever it stands in the bundle), and
    /// the community, with the new records, must resolve: records of a
    /// community that does not exist would be stored for ever and resolve
    /// to nothing. The first failing community in id order is the error.
    /// The claims of the other communities are gathered by
    /// [`Engine::other_claims`], when a document needs them.
    pub(super) fn bundle_claims(&self, new_records: &[Record]) -> Result<Claims> {
        let mut by_community: BTreeMap<CommunityId, Vec<Record>> = BTreeMap::new();
        for record in new_records {
            by_community
                .entry(record.community())
                .or_default()
                .push(record.clone());
        }
        let mut claims = Claims::default();
        for (community, fresh) in &by_community {
            let mut records = self.records(community)?;
            records.extend(fresh.iter().cloned());
            if !records.iter().any(|r| r.id() == *community) {
                let record = fresh.iter().map(Record::id).min().unwrap_or(RecordId::ZERO);
                return Err(BundleError::UnknownCommunity {
                    record,
                    community: *community,
                }
                .into());
            }
            let state = governance::resolve(
                *community,
                &records,
                ResolveOptions {
                    check_signatures: false,
                    ..ResolveOptions::default()
                },
            )
            .map_err(|error| BundleError::Unresolvable {
                community: *community,
                reason: error.to_string(),
            })?;
            claims.add(&state, &records);
        }
        Ok(claims)
    }

    /// Add to `claims` what the communities known here that have none of
    /// `new_records` say (each reads all its records: gathered only when a
    /// document holds a change written elsewhere, or arrives whole); a
    /// community this home cannot resolve names nothing.
    pub(super) fn other_claims(&self, claims: &mut Claims, new_records: &[Record]) -> Result<()> {
        let with_new: BTreeSet<CommunityId> = new_records.iter().map(Record::community).collect();
        for community in self.communities()? {
            if with_new.contains(&community) {
                continue;
            }
            match self.community(&community) {
                Ok(known) => claims.add(&known.state, &known.records),
                Err(Error::Governance(_)) => {}
                Err(error) => return Err(error),
            }
        }
        Ok(())
    }

    /// Decode a bundle's records and return those that are new here, with
    /// verified signatures; the first malformed or badly signed one refuses
    /// the whole bundle. Each entry is counted in `tally` once done with
    /// (known here, or its signature checked).
    pub(super) fn new_records_from_bundle(
        &mut self,
        entries: &[Vec<u8>],
        tally: &mut crate::progress::Tally<'_>,
    ) -> Result<Vec<Record>> {
        self.forget_durable_records();
        let mut decoded = Vec::with_capacity(entries.len());
        for bytes in entries {
            let record = Record::decode(bytes).map_err(|reason| Error::RecordRefused {
                id: RecordId::of(bytes),
                reason,
            })?;
            decoded.push(record);
        }
        let fresh = self.unknown_records(decoded.iter())?;
        tally.add(entries.len() - fresh.len());
        // A share at a time, in order: the first bad one is the same.
        for share in fresh.chunks(SIGNATURES_AT_ONCE) {
            verify_all(share)?;
            tally.add(share.len());
        }
        Ok(fresh.into_iter().cloned().collect())
    }
}

/// Whether a payload merged into `base` shares history with it: some of
/// its changes were already there. Documents have one beginning, so any
/// copy of a document shares its first change with every other copy; bytes
/// that share nothing with a non-empty copy are another document.
pub(super) fn shares_history(
    base: &Automerge,
    applied: &guard::Applied,
    payload: &[u8],
    limits: &Limits,
) -> std::result::Result<bool, guard::GuardError> {
    let before = base.get_heads();
    if before.is_empty() {
        return Ok(true);
    }
    // The usual case: a new change builds on one that was there.
    let new: HashSet<ChangeHash> = applied.new_changes.iter().copied().collect();
    let builds_on_base = applied
        .doc
        .get_changes_meta(&before)
        .iter()
        .any(|change| change.deps.iter().any(|dep| !new.contains(dep)));
    if builds_on_base {
        return Ok(true);
    }
    // The new changes stand apart: the payload shares history only if it
    // also held changes that were already here.
    let declared = guard::check_caps(payload, limits)?.changes;
    Ok(declared > applied.new_changes.len() as u64)
}

/// Verify every signature, in batches; the first bad one is the error.
fn verify_all(records: &[&Record]) -> Result<()> {
    let valid = record::verify_signatures(records);
    match records.iter().zip(valid).find(|(_, ok)| !ok) {
        Some((record, _)) => Err(Error::RecordRefused {
            id: record.id(),
            reason: RecordError::Signature,
        }),
        None => Ok(()),
    }
}

/// `community`'s records from their stored bytes (`(key, bytes)`): each
/// hashed against its key (a damaged store is an error, never a wrong
/// record) and decoded.
pub(super) fn stored_records(
    community: &CommunityId,
    entries: &[(String, Vec<u8>)],
) -> Result<Vec<(RecordId, Record)>> {
    let mut found = Vec::with_capacity(entries.len());
    for (key, bytes) in entries {
        let actual = RecordId::of(bytes);
        let damaged = |id: RecordId, detail: String| Error::RecordDamaged {
            community: *community,
            id,
            detail,
        };
        let Ok(id) = key.parse::<RecordId>() else {
            return Err(damaged(actual, "its key is not a record id".into()));
        };
        if id != actual {
            return Err(damaged(
                id,
                "its bytes are not the record its key names".into(),
            ));
        }
        let record =
            Record::decode_stored(bytes, actual).map_err(|error| damaged(id, error.to_string()))?;
        if record.community() != *community {
            return Err(damaged(id, "it belongs to another community".into()));
        }
        found.push((id, record));
    }
    Ok(found)
}
