//! An in-memory [`Storage`] for tests, with fault injection.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::sync::{Arc, Mutex};

use super::{Storage, StoreError, Table, WriteOp, lock};

/// A [`Storage`] held in memory. Clones share the same data, so a test can
/// keep a handle to inspect what the engine wrote.
#[derive(Debug, Clone, Default)]
pub struct MemoryStorage {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Debug, Default)]
struct Inner {
    data: BTreeMap<(Table, String), Vec<u8>>,
    commits: u64,
    /// Once `commits` reaches this, every commit fails.
    fail_at: Option<u64>,
}

impl MemoryStorage {
    /// How many commits succeeded.
    pub fn commits(&self) -> u64 {
        lock(&self.inner).commits
    }

    /// Let `n` more commits succeed, then fail every one, as a full disk would.
    pub fn fail_commits_after(&self, n: u64) {
        let mut inner = lock(&self.inner);
        inner.fail_at = Some(inner.commits.saturating_add(n));
    }
}

impl Storage for MemoryStorage {
    fn get(&self, table: Table, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(lock(&self.inner)
            .data
            .get(&(table, key.to_owned()))
            .cloned())
    }

    fn scan_prefix(
        &self,
        table: Table,
        prefix: &str,
    ) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let inner = lock(&self.inner);
        Ok(inner
            .data
            .range((table, prefix.to_owned())..)
            .take_while(|((t, key), _)| *t == table && key.starts_with(prefix))
            .map(|((_, key), value)| (key.clone(), value.clone()))
            .collect())
    }

    fn commit(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        let mut inner = lock(&self.inner);
        if inner.fail_at.is_some_and(|at| inner.commits >= at) {
            return Err(StoreError::Io("injected write failure".into()));
        }
        for op in ops {
            match op {
                WriteOp::Put { table, key, value } => {
                    let entry = inner.data.entry((table, key));
                    match entry {
                        // Records are immutable: the first write stays.
                        Entry::Occupied(_) if table == Table::Records => {}
                        Entry::Occupied(mut occupied) => {
                            occupied.insert(value);
                        }
                        Entry::Vacant(vacant) => {
                            vacant.insert(value);
                        }
                    }
                }
                WriteOp::Delete { table, key } => {
                    inner.data.remove(&(table, key));
                }
            }
        }
        inner.commits += 1;
        Ok(())
    }

    fn generation(&self) -> Result<Option<u64>, StoreError> {
        Ok(Some(lock(&self.inner).commits))
    }
}
