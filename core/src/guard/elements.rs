//! The text elements [`super::typing::Typing`] knows, kept as runs.
//!
//! A change that inserts a string into a text inserts one element per
//! character, with consecutive op counters of one actor; a typist's
//! keystrokes do the same, one change after another. Kept one entry per
//! element, a relay's typing knowledge of a 2,000-character document took
//! about 135 KB of heap (300 such documents, 40 MB: the W7 regression in
//! `docs/benchmarks.md`). Kept as runs — the ops `start..end` of one actor,
//! every one an element of the same text — it takes one entry per change,
//! fewer when consecutive changes continue a run.

use std::collections::BTreeMap;

/// An op id: its counter, and its actor's number (interned).
pub(super) type Id = (u64, u32);

/// Elements by runs of consecutive counters of one actor, each run in one
/// text.
#[derive(Debug, Default, Clone)]
pub(super) struct Elements {
    /// `(actor, start)` → `(end, text)`: the ops `start..end` of `actor`
    /// are elements of `text`. Runs never overlap; two runs that touch
    /// and share a text are one.
    runs: BTreeMap<(u32, u64), (u64, Id)>,
}

impl Elements {
    /// The text `element` belongs to, if known.
    pub(super) fn get(&self, element: &Id) -> Option<Id> {
        let (counter, actor) = *element;
        let (&(by, start), &(end, text)) = self.runs.range(..=(actor, counter)).next_back()?;
        (by == actor && start <= counter && counter < end).then_some(text)
    }

    /// How many runs are kept (what the memory grows with).
    pub(super) fn runs(&self) -> usize {
        self.runs.len()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    /// `element` is an element of `text` (replacing what was known of it).
    pub(super) fn insert(&mut self, element: Id, text: Id) {
        if self.get(&element) == Some(text) {
            return;
        }
        self.remove(&element);
        let (counter, actor) = element;
        let Some(next) = counter.checked_add(1) else {
            return;
        };
        let mut start = counter;
        let mut end = next;
        // The run just before, if it ends here in the same text.
        if let Some((&(by, before), &(until, in_text))) =
            self.runs.range(..(actor, counter)).next_back()
            && by == actor
            && until == counter
            && in_text == text
        {
            self.runs.remove(&(by, before));
            start = before;
        }
        // The run just after, if it starts right after in the same text.
        if let Some(&(until, in_text)) = self.runs.get(&(actor, next))
            && in_text == text
        {
            self.runs.remove(&(actor, next));
            end = until;
        }
        self.runs.insert((actor, start), (end, text));
    }

    /// Forget `element` (the rest of its run stays known).
    pub(super) fn remove(&mut self, element: &Id) {
        let (counter, actor) = *element;
        let Some((&(by, start), &(end, text))) = self.runs.range(..=(actor, counter)).next_back()
        else {
            return;
        };
        if by != actor || counter >= end {
            return;
        }
        self.runs.remove(&(by, start));
        if start < counter {
            self.runs.insert((by, start), (counter, text));
        }
        if counter + 1 < end {
            self.runs.insert((by, counter + 1), (end, text));
        }
    }

    pub(super) fn extend(&mut self, elements: impl IntoIterator<Item = (Id, Id)>) {
        for (element, text) in elements {
            self.insert(element, text);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use proptest::prelude::*;

    use super::*;

    #[derive(Debug, Clone)]
    enum Step {
        Insert(Id, Id),
        Remove(Id),
    }

    /// Ids from a small space, so that runs touch, merge and split.
    fn id() -> impl Strategy<Value = Id> {
        (
            prop_oneof![0u64..40, Just(u64::MAX - 1), Just(u64::MAX)],
            0u32..3,
        )
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            4 => (id(), (0u64..3, 0u32..2)).prop_map(|(e, t)| Step::Insert(e, t)),
            1 => id().prop_map(Step::Remove),
        ]
    }

    proptest! {
        /// The runs answer as a map of every element would, after any
        /// inserts and removals; touching runs of one text are merged.
        #[test]
        fn runs_answer_as_a_map(steps in proptest::collection::vec(step(), 0..200)) {
            let mut runs = Elements::default();
            let mut map: HashMap<Id, Id> = HashMap::new();
            for step in &steps {
                match *step {
                    Step::Insert(element, text) => {
                        runs.insert(element, text);
                        // The one counter that cannot start a run is not kept.
                        if element.0 != u64::MAX {
                            map.insert(element, text);
                        }
                    }
                    Step::Remove(element) => {
                        runs.remove(&element);
                        map.remove(&element);
                    }
                }
                for counter in (0..42).chain([u64::MAX - 1, u64::MAX]) {
                    for actor in 0..3 {
                        let element = (counter, actor);
                        prop_assert_eq!(runs.get(&element), map.get(&element).copied(), "{:?}", element);
                    }
                }
                prop_assert_eq!(runs.is_empty(), map.is_empty());
                let mut last: Option<((u32, u64), (u64, Id))> = None;
                for (&key, &value) in &runs.runs {
                    prop_assert!(key.1 < value.0, "an empty run");
                    if let Some((k, v)) = last
                        && k.0 == key.0
                    {
                        prop_assert!(v.0 <= key.1, "runs overlap");
                        prop_assert!(v.0 < key.1 || v.1 != value.1, "touching runs of one text not merged");
                    }
                    last = Some((key, value));
                }
            }
        }
    }

    #[test]
    fn a_typed_string_is_one_run() {
        let mut runs = Elements::default();
        // A 2,000-character insert, then a typist continuing it.
        runs.extend((100..2_100).map(|c| ((c, 1), (7, 0))));
        for c in 2_100..2_150 {
            runs.insert((c, 1), (7, 0));
        }
        assert_eq!(runs.runs(), 1);
        assert_eq!(runs.get(&(1_000, 1)), Some((7, 0)));
        assert_eq!(runs.get(&(2_150, 1)), None);
        assert_eq!(runs.get(&(1_000, 0)), None);
        runs.remove(&(1_000, 1));
        assert_eq!(runs.runs(), 2);
        assert_eq!(runs.get(&(1_000, 1)), None);
        assert_eq!(runs.get(&(999, 1)), Some((7, 0)));
        assert_eq!(runs.get(&(1_001, 1)), Some((7, 0)));
    }
}
