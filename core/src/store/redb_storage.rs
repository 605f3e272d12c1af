//! The default [`Storage`]: one redb database file per home.
//!
//! Commits use `Durability::Immediate` with quick repair (redb then commits
//! in two phases and records its allocator state), so a process killed at
//! any instant leaves a file that reopens quickly with every committed write.
//! redb may panic on a file altered behind its back; every call into it is
//! wrapped so such a panic becomes [`StoreError::Corrupted`].

use std::path::{Path, PathBuf};

use redb::{
    Builder, Database, DatabaseError, ReadableDatabase as _, ReadableTable as _, TableDefinition,
    TableError,
};

use super::{Storage, StoreError, Table, WriteOp};

/// The store format this version writes and reads. The `records` table came
/// later without a format change: a store that lacks it has no records, and
/// the first commit creates it. Format 2 adds the `generation` every commit
/// moves ([`Storage::generation`]) and the `chunk_sizes` table (each
/// chunk's size, written with it, so [`Storage::scan_sizes`] reads no
/// chunk); a format-1 store is upgraded when it opens (a version that does
/// not keep both must not write to the store).
pub const FORMAT: &str = "nous-store/2";

/// The format before the generation.
const FORMAT_1: &str = "nous-store/1";

/// The `meta` key of the generation: 8 bytes, little-endian.
const GENERATION: &str = "generation";

fn generation_of(bytes: &[u8]) -> u64 {
    bytes.try_into().map(u64::from_le_bytes).unwrap_or(0)
}

const CHUNKS: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("chunks");
const DOCS: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("docs");
const META: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("meta");
const RECORDS: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("records");
/// The size of each entry of `chunks`, under the same key.
const CHUNK_SIZES: TableDefinition<'_, &str, u64> = TableDefinition::new("chunk_sizes");

fn definition(table: Table) -> TableDefinition<'static, &'static str, &'static [u8]> {
    match table {
        Table::Chunks => CHUNKS,
        Table::Docs => DOCS,
        Table::Meta => META,
        Table::Records => RECORDS,
    }
}

/// How to open a redb store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RedbOptions {
    /// Verify the checksum of every page when opening, so a file damaged
    /// behind redb's back is refused at once instead of failing later. Reads
    /// the whole file.
    pub verify_on_open: bool,
    /// Upper bound of redb's page cache.
    pub cache_bytes: usize,
}

impl Default for RedbOptions {
    fn default() -> Self {
        RedbOptions {
            verify_on_open: false,
            cache_bytes: 64 << 20,
        }
    }
}

/// A [`Storage`] in one redb file.
#[derive(Debug)]
pub struct RedbStorage {
    db: Database,
    path: PathBuf,
}

impl RedbStorage {
    /// Every entry whose key starts with `prefix`, in key order, each value
    /// read through `value`.
    fn scan<T>(
        &self,
        table: Table,
        prefix: &str,
        value: impl Fn(&[u8]) -> T,
    ) -> Result<Vec<(String, T)>, StoreError> {
        self.range(definition(table), prefix, value)
    }

    /// [`RedbStorage::scan`] over any table keyed by strings.
    fn range<V: redb::Value + 'static, T>(
        &self,
        table: TableDefinition<'_, &str, V>,
        prefix: &str,
        value: impl Fn(V::SelfType<'_>) -> T,
    ) -> Result<Vec<(String, T)>, StoreError> {
        guarded(&self.shown(), || {
            let read = self.db.begin_read().map_err(|e| self.error(e))?;
            let table = match read.open_table(table) {
                Ok(table) => table,
                Err(TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
                Err(error) => return Err(self.error(error)),
            };
            let mut found = Vec::new();
            for entry in table.range(prefix..).map_err(|e| self.error(e))? {
                let (key, stored) = entry.map_err(|e| self.error(e))?;
                if !key.value().starts_with(prefix) {
                    break;
                }
                found.push((key.value().to_owned(), value(stored.value())));
            }
            Ok(found)
        })?
    }

    /// Open the store at `path`, creating it if missing.
    pub fn open(path: &Path, options: RedbOptions) -> Result<Self, StoreError> {
        let shown = path.display().to_string();
        let db = guarded(&shown, || {
            let mut builder = Builder::new();
            builder
                .set_cache_size(options.cache_bytes)
                .set_check_integrity_on_open(options.verify_on_open);
            builder.create(path)
        })?
        .map_err(|error| match error {
            DatabaseError::DatabaseAlreadyOpen => StoreError::Locked(shown.clone()),
            DatabaseError::Storage(redb::StorageError::Corrupted(detail)) => {
                StoreError::Corrupted {
                    path: shown.clone(),
                    detail,
                }
            }
            other => StoreError::Corrupted {
                path: shown.clone(),
                detail: other.to_string(),
            },
        })?;
        let storage = RedbStorage {
            db,
            path: path.to_owned(),
        };
        storage.check_format()?;
        Ok(storage)
    }

    fn shown(&self) -> String {
        self.path.display().to_string()
    }

    fn check_format(&self) -> Result<(), StoreError> {
        match self.get(Table::Meta, "format")? {
            Some(found) if found == FORMAT.as_bytes() => Ok(()),
            Some(found) if found == FORMAT_1.as_bytes() => self.upgrade_from_1(),
            Some(found) => Err(StoreError::Format {
                path: self.shown(),
                found: String::from_utf8_lossy(&found).into_owned(),
                expected: FORMAT.to_owned(),
            }),
            None => {
                // A new store: create every table and record the format.
                self.commit(vec![WriteOp::Put {
                    table: Table::Meta,
                    key: "format".to_owned(),
                    value: FORMAT.as_bytes().to_vec(),
                }])
            }
        }
    }

    /// Format 1 to 2 in one transaction: every chunk's size, the format,
    /// a first generation.
    fn upgrade_from_1(&self) -> Result<(), StoreError> {
        let sizes = self.scan(Table::Chunks, "", |value| value.len() as u64)?;
        guarded(&self.shown(), || {
            let write = self.db.begin_write().map_err(|e| self.error(e))?;
            {
                let mut table = write.open_table(CHUNK_SIZES).map_err(|e| self.error(e))?;
                for (key, size) in &sizes {
                    table
                        .insert(key.as_str(), size)
                        .map_err(|e| self.error(e))?;
                }
                let mut meta = write.open_table(META).map_err(|e| self.error(e))?;
                meta.insert("format", FORMAT.as_bytes())
                    .map_err(|e| self.error(e))?;
                meta.insert(GENERATION, 1u64.to_le_bytes().as_slice())
                    .map_err(|e| self.error(e))?;
            }
            write.commit().map_err(|e| self.error(e))
        })?
    }

    fn error(&self, error: impl std::fmt::Display) -> StoreError {
        let detail = error.to_string();
        if detail.contains("orrupt") {
            StoreError::Corrupted {
                path: self.shown(),
                detail,
            }
        } else {
            StoreError::Io(format!("{}: {detail}", self.shown()))
        }
    }
}

/// Run a redb call, turning a panic into [`StoreError::Corrupted`].
fn guarded<T>(path: &str, f: impl FnOnce() -> T) -> Result<T, StoreError> {
    crate::contain::contain(f).map_err(|detail| StoreError::Corrupted {
        path: path.to_owned(),
        detail,
    })
}

impl Storage for RedbStorage {
    fn get(&self, table: Table, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        guarded(&self.shown(), || {
            let read = self.db.begin_read().map_err(|e| self.error(e))?;
            let table = match read.open_table(definition(table)) {
                Ok(table) => table,
                Err(TableError::TableDoesNotExist(_)) => return Ok(None),
                Err(error) => return Err(self.error(error)),
            };
            let value = table.get(key).map_err(|e| self.error(e))?;
            Ok(value.map(|v| v.value().to_vec()))
        })?
    }

    fn scan_prefix(
        &self,
        table: Table,
        prefix: &str,
    ) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        self.scan(table, prefix, <[u8]>::to_vec)
    }

    fn scan_sizes(&self, table: Table, prefix: &str) -> Result<Vec<(String, u64)>, StoreError> {
        if table != Table::Chunks {
            return self.scan(table, prefix, |value| value.len() as u64);
        }
        // The sizes kept beside the chunks: a long document's snapshot is
        // not read to be measured.
        self.range(CHUNK_SIZES, prefix, |size| size)
    }

    fn generation(&self) -> Result<Option<u64>, StoreError> {
        Ok(Some(
            self.get(Table::Meta, GENERATION)?
                .map_or(0, |g| generation_of(&g)),
        ))
    }

    fn commit(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        guarded(&self.shown(), || {
            let mut write = self.db.begin_write().map_err(|e| self.error(e))?;
            write.set_quick_repair(true);
            {
                let mut chunks = write.open_table(CHUNKS).map_err(|e| self.error(e))?;
                let mut docs = write.open_table(DOCS).map_err(|e| self.error(e))?;
                let mut meta = write.open_table(META).map_err(|e| self.error(e))?;
                let mut records = write.open_table(RECORDS).map_err(|e| self.error(e))?;
                let mut sizes = write.open_table(CHUNK_SIZES).map_err(|e| self.error(e))?;
                for op in &ops {
                    match op {
                        WriteOp::Put {
                            table: Table::Chunks,
                            key,
                            value,
                        } => {
                            sizes
                                .insert(key.as_str(), value.len() as u64)
                                .map_err(|e| self.error(e))?;
                        }
                        WriteOp::Delete {
                            table: Table::Chunks,
                            key,
                        } => {
                            sizes.remove(key.as_str()).map_err(|e| self.error(e))?;
                        }
                        _ => {}
                    }
                    let (table, key) = match op {
                        WriteOp::Put { table, key, .. } | WriteOp::Delete { table, key } => {
                            (*table, key.as_str())
                        }
                    };
                    let target = match table {
                        Table::Chunks => &mut chunks,
                        Table::Docs => &mut docs,
                        Table::Meta => &mut meta,
                        Table::Records => &mut records,
                    };
                    match op {
                        WriteOp::Put { .. }
                            if table == Table::Records
                                && target.get(key).map_err(|e| self.error(e))?.is_some() =>
                        {
                            // Records are immutable: the first write stays.
                        }
                        WriteOp::Put { value, .. } => {
                            target
                                .insert(key, value.as_slice())
                                .map_err(|e| self.error(e))?;
                        }
                        WriteOp::Delete { .. } => {
                            target.remove(key).map_err(|e| self.error(e))?;
                        }
                    }
                }
                // In the same transaction: whoever reads the generation
                // unmoved knows this commit did not happen in between.
                let generation = meta
                    .get(GENERATION)
                    .map_err(|e| self.error(e))?
                    .map_or(0, |g| generation_of(g.value()));
                meta.insert(
                    GENERATION,
                    generation.wrapping_add(1).to_le_bytes().as_slice(),
                )
                .map_err(|e| self.error(e))?;
            }
            write.commit().map_err(|e| self.error(e))
        })?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(key: &str, value: &[u8]) -> WriteOp {
        WriteOp::Put {
            table: Table::Chunks,
            key: key.to_owned(),
            value: value.to_vec(),
        }
    }

    #[test]
    fn writes_survive_reopening() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("nous.redb");
        {
            let store = RedbStorage::open(&path, RedbOptions::default()).expect("open");
            store
                .commit(vec![put("d/a", b"1"), put("d/b", b"2"), put("e/a", b"3")])
                .expect("commit");
            store
                .commit(vec![WriteOp::Delete {
                    table: Table::Chunks,
                    key: "d/a".into(),
                }])
                .expect("commit");
        }
        let store = RedbStorage::open(&path, RedbOptions::default()).expect("reopen");
        let found = store.scan_prefix(Table::Chunks, "d/").expect("scan");
        assert_eq!(found, vec![("d/b".to_owned(), b"2".to_vec())]);
        assert_eq!(store.get(Table::Docs, "x").expect("get"), None);
    }

    #[test]
    fn records_survive_reopening_and_stay_as_first_written() {
        use crate::identity::DeviceKey;
        use crate::ledger::fixtures::{genesis, tension};
        use crate::store::{Store, record_key};

        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("nous.redb");
        let key = DeviceKey::from_seed(&[1; 32]);
        let community = genesis(&key, "Coop");
        let opened = tension(&key, &community, "one");
        {
            let storage = RedbStorage::open(&path, RedbOptions::default()).expect("open");
            let store = Store::new(Box::new(storage));
            store
                .wait(store.stage_records([&community, &opened]))
                .expect("durable");
            let overwrite = WriteOp::Put {
                table: Table::Records,
                key: record_key(&community.id(), &opened.id()),
                value: b"other".to_vec(),
            };
            store
                .wait(store.stage(vec![overwrite], None))
                .expect("durable");
        }
        let store = Store::new(Box::new(
            RedbStorage::open(&path, RedbOptions::default()).expect("reopen"),
        ));
        let mut expected = vec![
            (community.id().to_string(), community.bytes().to_vec()),
            (opened.id().to_string(), opened.bytes().to_vec()),
        ];
        expected.sort();
        assert_eq!(store.record_bytes(&community.id()), Ok(expected));
        assert_eq!(store.communities(), Ok(vec![community.id()]));
    }

    /// A store as format 1 wrote it (no records table), holding `chunks`.
    fn format_1_store(path: &Path, chunks: &[(&str, &[u8])]) {
        let db = Database::create(path).expect("create");
        let write = db.begin_write().expect("write");
        {
            let mut table = write.open_table(CHUNKS).expect("chunks");
            for (key, value) in chunks {
                table.insert(*key, *value).expect("chunk");
            }
            write.open_table(DOCS).expect("docs");
            let mut meta = write.open_table(META).expect("meta");
            meta.insert("format", FORMAT_1.as_bytes()).expect("format");
        }
        write.commit().expect("commit");
    }

    #[test]
    fn a_store_from_before_the_records_table_has_no_records() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("nous.redb");
        // What a store written before records existed holds.
        format_1_store(&path, &[]);
        let store = RedbStorage::open(&path, RedbOptions::default()).expect("open");
        assert_eq!(
            store.get(Table::Meta, "format"),
            Ok(Some(FORMAT.as_bytes().to_vec())),
            "upgraded on opening"
        );
        assert_eq!(store.scan_prefix(Table::Records, ""), Ok(vec![]));
        assert_eq!(store.get(Table::Records, "x"), Ok(None));
        store
            .commit(vec![WriteOp::Put {
                table: Table::Records,
                key: "x".into(),
                value: b"1".to_vec(),
            }])
            .expect("the first commit creates the table");
        assert_eq!(store.get(Table::Records, "x"), Ok(Some(b"1".to_vec())));
    }

    fn sizes_by_reading(store: &RedbStorage, prefix: &str) -> Vec<(String, u64)> {
        store
            .scan_prefix(Table::Chunks, prefix)
            .expect("scan")
            .into_iter()
            .map(|(key, value)| (key, value.len() as u64))
            .collect()
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(
            crate::engine::tests::case_count(32)
        ))]

        /// The sizes kept beside the chunks are the chunks' sizes, after
        /// any puts, replacements and deletions, in one commit or several,
        /// across reopening; other tables do not enter them.
        #[test]
        fn kept_sizes_are_the_chunks_sizes(
            commits in proptest::collection::vec(
                proptest::collection::vec(
                    (0..3u8, 0..6u8, proptest::option::of(0..5000usize)),
                    0..6,
                ),
                1..6,
            )
        ) {
            let dir = tempfile::tempdir().expect("tempdir");
            let path = dir.path().join("nous.redb");
            for (i, ops) in commits.iter().enumerate() {
                let store = RedbStorage::open(&path, RedbOptions::default()).expect("open");
                let ops = ops
                    .iter()
                    .map(|&(table, key, len)| {
                        let table = [Table::Chunks, Table::Docs, Table::Meta][usize::from(table)];
                        let key = format!("{}/{key}", key % 2);
                        match len {
                            Some(len) => WriteOp::Put { table, key, value: vec![7; len] },
                            None => WriteOp::Delete { table, key },
                        }
                    })
                    .collect();
                store.commit(ops).expect("commit");
                for prefix in ["", "0/", "1/"] {
                    proptest::prop_assert_eq!(
                        store.scan_sizes(Table::Chunks, prefix).expect("sizes"),
                        sizes_by_reading(&store, prefix),
                        "after commit {}", i
                    );
                }
            }
        }
    }

    /// A format-1 store's chunks are measured once, when it is upgraded.
    #[test]
    fn a_format_1_store_is_upgraded_with_its_chunks_measured() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("nous.redb");
        format_1_store(
            &path,
            &[("d/snapshot/a", &[1; 300]), ("d/incremental/b", &[2; 40])],
        );
        let store = RedbStorage::open(&path, RedbOptions::default()).expect("open");
        assert_eq!(
            store.get(Table::Meta, "format"),
            Ok(Some(FORMAT.as_bytes().to_vec()))
        );
        assert_eq!(
            store.scan_sizes(Table::Chunks, "d/"),
            Ok(vec![
                ("d/incremental/b".to_owned(), 40),
                ("d/snapshot/a".to_owned(), 300)
            ])
        );
        assert!(store.generation().expect("read").is_some());
    }

    /// Every commit moves the generation, whoever makes it, and it is
    /// kept on disk: a process that finds it unmoved knows nobody wrote.
    #[test]
    fn every_commit_moves_the_generation_across_processes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("nous.redb");
        let seen = {
            let store = RedbStorage::open(&path, RedbOptions::default()).expect("open");
            let first = store.generation().expect("read").expect("kept");
            store.commit(vec![put("d/a", b"1")]).expect("commit");
            let second = store.generation().expect("read").expect("kept");
            assert_ne!(first, second, "a commit moves it");
            assert_eq!(store.generation(), Ok(Some(second)), "reading does not");
            second
        };
        // Another process opens the store: unmoved until it writes.
        let store = RedbStorage::open(&path, RedbOptions::default()).expect("reopen");
        assert_eq!(store.generation(), Ok(Some(seen)));
        store
            .commit(vec![WriteOp::Delete {
                table: Table::Chunks,
                key: "d/a".to_owned(),
            }])
            .expect("commit");
        assert_ne!(
            store.generation(),
            Ok(Some(seen)),
            "a deletion moves it too"
        );
        // An empty commit is a commit.
        let before = store.generation().expect("read");
        store.commit(Vec::new()).expect("commit");
        assert_ne!(store.generation().expect("read"), before);
    }

    #[test]
    fn a_second_open_of_the_same_store_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("nous.redb");
        let _first = RedbStorage::open(&path, RedbOptions::default()).expect("open");
        assert!(matches!(
            RedbStorage::open(&path, RedbOptions::default()),
            Err(StoreError::Locked(_))
        ));
    }

    #[test]
    fn a_store_of_another_format_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("nous.redb");
        {
            let store = RedbStorage::open(&path, RedbOptions::default()).expect("open");
            store
                .commit(vec![WriteOp::Put {
                    table: Table::Meta,
                    key: "format".into(),
                    value: b"nous-store/9".to_vec(),
                }])
                .expect("commit");
        }
        assert!(matches!(
            RedbStorage::open(&path, RedbOptions::default()),
            Err(StoreError::Format { found, .. }) if found == "nous-store/9"
        ));
    }

    #[test]
    fn a_file_that_is_not_a_store_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("nous.redb");
        std::fs::write(&path, b"this is not a redb file at all, just some text").expect("write");
        assert!(RedbStorage::open(&path, RedbOptions::default()).is_err());
    }
}
