//! Collections for a kept fold: as fast as a `Vec` or a `HashMap` while a
//! whole fold builds them, and copied in constant time when one more record
//! is judged from them ([`super::Folded::extend`]).
//!
//! Each is a base built once (behind an `Arc`, shared by every copy) and a
//! persistent tail (`imbl`) that holds what was added since.

use std::hash::Hash;
use std::sync::Arc;

/// A sequence: a shared base, then what was pushed onto copies of it.
#[derive(Clone)]
pub(crate) struct Seq<T: Clone> {
    base: Arc<Vec<T>>,
    tail: imbl::Vector<T>,
}

impl<T: Clone> Seq<T> {
    pub fn len(&self) -> usize {
        self.base.len() + self.tail.len()
    }

    /// Add at the end: in place in the base while nothing shares it (a
    /// whole fold), else in the tail.
    pub fn push(&mut self, value: T) {
        if self.tail.is_empty()
            && let Some(base) = Arc::get_mut(&mut self.base)
        {
            base.push(value);
        } else {
            self.tail.push_back(value);
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.base.iter().chain(self.tail.iter())
    }
}

impl<T: Clone> From<Vec<T>> for Seq<T> {
    fn from(base: Vec<T>) -> Self {
        Seq {
            base: Arc::new(base),
            tail: imbl::Vector::new(),
        }
    }
}

impl<T: Clone> std::ops::Index<usize> for Seq<T> {
    type Output = T;

    fn index(&self, i: usize) -> &T {
        match self.base.get(i) {
            Some(value) => value,
            None => &self.tail[i - self.base.len()],
        }
    }
}

impl<T: Clone> std::ops::IndexMut<usize> for Seq<T> {
    /// In place while nothing shares the base; an entry of a shared base is
    /// copied with it (a kept fold only writes what it added).
    fn index_mut(&mut self, i: usize) -> &mut T {
        let len = self.base.len();
        if i < len {
            &mut Arc::make_mut(&mut self.base)[i]
        } else {
            &mut self.tail[i - len]
        }
    }
}

/// A map: a shared base, then what was inserted into copies of it. Keys
/// are only ever added (an index of records by id).
#[derive(Clone)]
pub(crate) struct Index<K: Clone + Eq + Hash, V: Clone> {
    base: Arc<foldhash::HashMap<K, V>>,
    tail: imbl::HashMap<K, V>,
}

impl<K: Clone + Eq + Hash, V: Clone> Index<K, V> {
    pub fn get(&self, key: &K) -> Option<&V> {
        self.base.get(key).or_else(|| self.tail.get(key))
    }

    pub fn contains_key(&self, key: &K) -> bool {
        self.get(key).is_some()
    }

    /// Add `key` (not already there).
    pub fn insert(&mut self, key: K, value: V) {
        debug_assert!(!self.contains_key(&key), "keys are only added");
        match Arc::get_mut(&mut self.base) {
            Some(base) if self.tail.is_empty() => {
                base.insert(key, value);
            }
            _ => {
                self.tail.insert(key, value);
            }
        }
    }
}

impl<K: Clone + Eq + Hash, V: Clone> From<foldhash::HashMap<K, V>> for Index<K, V> {
    fn from(base: foldhash::HashMap<K, V>) -> Self {
        Index {
            base: Arc::new(base),
            tail: imbl::HashMap::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    proptest! {
        /// A copy pushed onto or written to never moves the original, and
        /// reads what a `Vec` would.
        #[test]
        fn a_seq_reads_as_a_vec_and_copies_do_not_share_writes(
            base in proptest::collection::vec(any::<u16>(), 0..40),
            steps in proptest::collection::vec((any::<bool>(), any::<u16>(), any::<usize>()), 0..60),
        ) {
            let mut seq = Seq::from(base.clone());
            let mut model = base;
            let mut copies: Vec<(Seq<u16>, Vec<u16>)> = Vec::new();
            for (push, value, at) in steps {
                if push || model.is_empty() {
                    seq.push(value);
                    model.push(value);
                } else {
                    let at = at % model.len();
                    seq[at] = value;
                    model[at] = value;
                }
                if value % 3 == 0 {
                    copies.push((seq.clone(), model.clone()));
                }
                prop_assert_eq!(seq.len(), model.len());
                prop_assert_eq!(seq.iter().copied().collect::<Vec<_>>(), model.clone());
            }
            for (copy, then) in copies {
                prop_assert_eq!(copy.iter().copied().collect::<Vec<_>>(), then.clone());
                for (i, value) in then.iter().enumerate() {
                    prop_assert_eq!(copy[i], *value);
                }
            }
        }

        /// An index reads what a `HashMap` would, copies apart.
        #[test]
        fn an_index_reads_as_a_map(keys in proptest::collection::vec(0u16..200, 0..80), split in 0usize..80) {
            let mut index: Index<u16, usize> = Index::from(foldhash::HashMap::default());
            let mut model = HashMap::new();
            let mut copy = None;
            for (n, key) in keys.into_iter().enumerate() {
                if n == split {
                    copy = Some((index.clone(), model.clone()));
                }
                if model.contains_key(&key) {
                    continue;
                }
                index.insert(key, n);
                model.insert(key, n);
            }
            for key in 0..200 {
                prop_assert_eq!(index.get(&key), model.get(&key));
                if let Some((copy, then)) = &copy {
                    prop_assert_eq!(copy.get(&key), then.get(&key));
                }
            }
        }
    }
}
