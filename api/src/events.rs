//! Events: what changed in a home, delivered as it happens, so that a live
//! front end re-renders without polling.
//!
//! [`Home::subscribe`] returns a receiver; every operation of the facade
//! that changes something sends one event per change to every receiver
//! still open, in the order the changes were made: a document edited here,
//! documents merged from a bundle (or, later, a sync), a record stored.
//! A receiver that is dropped stops receiving; nothing waits for a slow
//! one (the channel is unbounded: read it, or drop it).

use std::sync::mpsc;

use nous_core::record::{CommunityId, Kind, RecordId};
use nous_core::{DocId, ImportOutcome};
use serde::Serialize;

use crate::Home;

/// Something that changed in a home.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Event {
    /// A document was changed here (an edit through the facade).
    Edited {
        /// The document.
        doc: DocId,
        /// The change (hex).
        change: String,
    },
    /// A document came from elsewhere, or took in changes from elsewhere.
    Merged {
        /// The document.
        doc: DocId,
        /// What the merge did.
        outcome: ImportOutcome,
    },
    /// A signed record was stored: made by an act of the facade, or taken
    /// in from a bundle (attestations the engine makes on its own, at
    /// founding or closing, are not announced).
    Recorded {
        /// Its community.
        community: CommunityId,
        /// The record.
        record: RecordId,
        /// Its kind.
        kind: Kind,
    },
}

impl Home {
    /// Receive every [`Event`] from now on.
    pub fn subscribe(&mut self) -> mpsc::Receiver<Event> {
        let (tx, rx) = mpsc::channel();
        self.subscribers.push(tx);
        rx
    }

    /// Send `event` to every receiver still open.
    pub(crate) fn emit(&mut self, event: Event) {
        if self.subscribers.is_empty() {
            return;
        }
        self.subscribers.retain(|tx| tx.send(event.clone()).is_ok());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Env;
    use crate::documents::Part;
    use crate::governance::NewCommunity;

    #[test]
    fn edits_records_and_merges_reach_every_open_receiver_in_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        Home::init_with_seed(&a, &[1; 32]).expect("init");
        Home::init_with_seed(&b, &[2; 32]).expect("init");
        let mut alice = Home::open(&a, Env::system()).expect("open");
        let mut bob = Home::open(&b, Env::system()).expect("open");
        let events = alice.subscribe();
        let dropped = alice.subscribe();
        drop(dropped);
        let draft = crate::Documents::import_markdown("# Charte\n\n## Adhésion\n\nOn adhère.\n")
            .expect("markdown");
        let created = alice.documents().create("Charte", &draft).expect("create");
        let target = alice
            .documents()
            .target(&created.id, "Adhésion")
            .expect("target");
        assert!(matches!(target.part, Part::Section { .. }));
        let edited = alice
            .documents()
            .edit(&created.id, &target.part, "On adhère en écrivant.")
            .expect("edit");
        // The same text again changes nothing, and says nothing.
        alice
            .documents()
            .edit(&created.id, &target.part, "On adhère en écrivant.")
            .expect("same");
        let founded = alice
            .governance()
            .found(NewCommunity {
                name: "Coop",
                charter: &created.id.to_string(),
                ..NewCommunity::default()
            })
            .expect("found");
        let got: Vec<Event> = events.try_iter().collect();
        assert_eq!(
            got,
            vec![
                Event::Edited {
                    doc: created.id,
                    change: created.change.clone().expect("a change"),
                },
                Event::Edited {
                    doc: created.id,
                    change: edited.change.clone().expect("a change"),
                },
                Event::Recorded {
                    community: founded.community,
                    record: founded.record,
                    kind: Kind::Genesis,
                },
            ]
        );

        let bundle = alice
            .bundles()
            .export(&[], &[founded.community.to_string()])
            .expect("export");
        let merges = bob.subscribe();
        bob.bundles().import(&bundle.bytes).expect("import");
        let got: Vec<Event> = merges.try_iter().collect();
        // Every record the bundle brought (the genesis, and the founder's
        // attestation of the charter), then the charter.
        let genesis = Event::Recorded {
            community: founded.community,
            record: founded.record,
            kind: Kind::Genesis,
        };
        assert!(got.contains(&genesis), "{got:?}");
        let records = got
            .iter()
            .filter(|e| matches!(e, Event::Recorded { .. }))
            .count();
        assert_eq!(records, bundle.records);
        assert_eq!(
            got.last(),
            Some(&Event::Merged {
                doc: created.id,
                outcome: ImportOutcome::Added,
            })
        );
        let json = serde_json::to_value(got.last().expect("an event")).expect("json");
        assert_eq!(json["event"], "merged");
    }
}
