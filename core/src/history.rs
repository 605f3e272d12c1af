//! The change history of a charter: who changed what, when, and which
//! sections each change touched.
//!
//! Every Automerge change is listed, in causal order. The sections a change
//! touched are found from its operations: each operation names the object it
//! writes to, and following the objects' creation links up to the root tells
//! whether it lies in the title, the preamble, a section (and which), or the
//! section order. This works for sections that were removed since, because it
//! reads the changes, not the current document.

use std::collections::{BTreeSet, HashMap};

use automerge::legacy::{Key, ObjectId, OpId, OpType};
use automerge::{Automerge, ChangeHash, ScalarValue};

use crate::charter::{self, SectionId};
use crate::i18n::Lang;
use crate::identity::PublicKey;
use crate::ids;

/// A part of a charter that a change touched.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(tag = "part", rename_all = "kebab-case")]
pub enum Touched {
    /// The title.
    Title,
    /// The preamble.
    Preamble,
    /// A section: its heading, text, articles, tags, level, or its place.
    Section {
        /// The section.
        id: SectionId,
    },
    /// The section order, without a known section.
    Order,
    /// The document's schema marker or other top-level data.
    Document,
}

/// One change in a charter's history.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HistoryEntry {
    /// The change hash (hex).
    pub hash: String,
    /// The device that made it, when its actor id is a device key.
    pub device: Option<PublicKey>,
    /// The raw actor id (hex), for changes not made by a Nous device.
    pub actor: String,
    /// The change's sequence number for its actor.
    pub seq: u64,
    /// When it was made, by the device's clock (ms since the Unix epoch).
    pub time_ms: i64,
    /// The message the device attached.
    pub message: Option<String>,
    /// The changes it builds on (hex).
    pub deps: Vec<String>,
    /// Number of operations.
    pub ops: usize,
    /// What it touched, in a stable order.
    pub touched: Vec<Touched>,
}

/// List every change of `doc` in causal order.
pub fn history(doc: &Automerge) -> Vec<HistoryEntry> {
    let mut objects = ObjectIndex::default();
    doc.get_changes(&[])
        .iter()
        .map(|change| {
            let expanded = change.decode();
            let mut touched = BTreeSet::new();
            for (index, op) in expanded.operations.iter().enumerate() {
                let id = OpId(
                    expanded.start_op.get() + index as u64,
                    expanded.actor_id.clone(),
                );
                if let OpType::Make(_) = op.action {
                    objects.created(id, op.obj.clone(), op.key.clone());
                }
                touched.insert(objects.locate(&op.obj, &op.key, &op.action));
            }
            let device = PublicKey::from_actor(change.actor_id());
            HistoryEntry {
                hash: ids::hash_hex(&change.hash()),
                device,
                actor: change.actor_id().to_hex_string(),
                seq: change.seq(),
                time_ms: time_ms(change.timestamp(), device.is_some()),
                message: change.message().map(str::to_owned),
                deps: change.deps().iter().map(ids::hash_hex).collect(),
                ops: change.len(),
                touched: touched.into_iter().collect(),
            }
        })
        .collect()
}

/// A message Nous writes in the changes it makes, known by its English
/// words (its `Display`). What is written stays English in every document:
/// other peers and older documents have these words; [`ChangeMessage::said`]
/// says one in the reader's language, and [`say_message`] any message.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ChangeMessage {
    /// `create charter`.
    CreateCharter,
    /// `edit title`.
    EditTitle,
    /// `edit preamble`.
    EditPreamble,
    /// `edit section ID`.
    EditSection(SectionId),
    /// `add section`.
    AddSection,
    /// `move section ID`.
    MoveSection(SectionId),
    /// `remove section ID`.
    RemoveSection(SectionId),
    /// `tag section ID`.
    TagSection(SectionId),
    /// `resolve conflict ID` (a conflict's 12 hex characters).
    ResolveConflict(String),
    /// `amend`: an amendment's draft edited.
    Amend,
}

impl std::fmt::Display for ChangeMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChangeMessage::CreateCharter => f.write_str("create charter"),
            ChangeMessage::EditTitle => f.write_str("edit title"),
            ChangeMessage::EditPreamble => f.write_str("edit preamble"),
            ChangeMessage::EditSection(id) => write!(f, "edit section {id}"),
            ChangeMessage::AddSection => f.write_str("add section"),
            ChangeMessage::MoveSection(id) => write!(f, "move section {id}"),
            ChangeMessage::RemoveSection(id) => write!(f, "remove section {id}"),
            ChangeMessage::TagSection(id) => write!(f, "tag section {id}"),
            ChangeMessage::ResolveConflict(id) => write!(f, "resolve conflict {id}"),
            ChangeMessage::Amend => f.write_str("amend"),
        }
    }
}

impl ChangeMessage {
    /// The known message `text` is, if it is one: exactly what
    /// [`Display`](std::fmt::Display) writes.
    pub fn parse(text: &str) -> Option<ChangeMessage> {
        let section = |rest: &str| rest.parse::<SectionId>().ok();
        Some(match text {
            "create charter" => ChangeMessage::CreateCharter,
            "edit title" => ChangeMessage::EditTitle,
            "edit preamble" => ChangeMessage::EditPreamble,
            "add section" => ChangeMessage::AddSection,
            "amend" => ChangeMessage::Amend,
            _ => {
                if let Some(rest) = text.strip_prefix("edit section ") {
                    ChangeMessage::EditSection(section(rest)?)
                } else if let Some(rest) = text.strip_prefix("move section ") {
                    ChangeMessage::MoveSection(section(rest)?)
                } else if let Some(rest) = text.strip_prefix("remove section ") {
                    ChangeMessage::RemoveSection(section(rest)?)
                } else if let Some(rest) = text.strip_prefix("tag section ") {
                    ChangeMessage::TagSection(section(rest)?)
                } else if let Some(rest) = text.strip_prefix("resolve conflict ") {
                    let conflict = !rest.is_empty()
                        && rest.len() <= 64
                        && rest.bytes().all(|b| b.is_ascii_alphanumeric());
                    if !conflict {
                        return None;
                    }
                    ChangeMessage::ResolveConflict(rest.to_owned())
                } else {
                    return None;
                }
            }
        })
    }

    /// Its catalogue message (`commands.ftl`) and the section or conflict
    /// it names, if any.
    fn message(&self) -> (&'static str, Option<&str>) {
        match self {
            ChangeMessage::CreateCharter => ("history-message-create-charter", None),
            ChangeMessage::EditTitle => ("history-message-edit-title", None),
            ChangeMessage::EditPreamble => ("history-message-edit-preamble", None),
            ChangeMessage::EditSection(id) => ("history-message-edit-section", Some(id.as_str())),
            ChangeMessage::AddSection => ("history-message-add-section", None),
            ChangeMessage::MoveSection(id) => ("history-message-move-section", Some(id.as_str())),
            ChangeMessage::RemoveSection(id) => {
                ("history-message-remove-section", Some(id.as_str()))
            }
            ChangeMessage::TagSection(id) => ("history-message-tag-section", Some(id.as_str())),
            ChangeMessage::ResolveConflict(id) => {
                ("history-message-resolve-conflict", Some(id.as_str()))
            }
            ChangeMessage::Amend => ("history-message-amend", None),
        }
    }

    /// The message in `lang` (in English, as written).
    pub fn said(&self, lang: Lang) -> String {
        let (id, named) = self.message();
        match named {
            Some(named) => lang.tr(id, &[("id", named.into())]),
            None => lang.tr(id, &[]),
        }
    }
}

/// A change's message for people: one Nous writes in `lang`, any other as
/// it was written.
pub fn say_message(message: &str, lang: Lang) -> String {
    match ChangeMessage::parse(message) {
        Some(known) => known.said(lang),
        None => message.to_owned(),
    }
}

/// A change's time in milliseconds. Nous devices write milliseconds; stock
/// Automerge clients (JavaScript) write seconds, and their actors are not
/// device keys. A value below 10^11 from such an actor is seconds (as
/// milliseconds it would be before March 1973).
fn time_ms(stamp: i64, by_a_device: bool) -> i64 {
    if !by_a_device && (0..100_000_000_000).contains(&stamp) {
        stamp.saturating_mul(1000)
    } else {
        stamp
    }
}

/// The heading of every section that ever existed, as last seen: current
/// sections from the current document, removed ones from the document just
/// before the change that last touched them.
pub fn section_headings(doc: &Automerge, entries: &[HistoryEntry]) -> HashMap<SectionId, String> {
    let mut headings: HashMap<SectionId, String> = charter::read(doc, None)
        .map(|c| c.sections.into_iter().map(|s| (s.id, s.heading)).collect())
        .unwrap_or_default();
    let mut last_touch: HashMap<&SectionId, &HistoryEntry> = HashMap::new();
    for entry in entries {
        for touched in &entry.touched {
            if let Touched::Section { id } = touched {
                last_touch.insert(id, entry);
            }
        }
    }
    for (id, entry) in last_touch {
        if headings.contains_key(id) {
            continue;
        }
        let deps: Vec<ChangeHash> = entry.deps.iter().filter_map(|d| d.parse().ok()).collect();
        if let Ok(before) = charter::read(doc, Some(&deps))
            && let Some(section) = before.sections.into_iter().find(|s| &s.id == id)
        {
            headings.insert(id.clone(), section.heading);
        }
    }
    headings
}

/// Where each object was created: its parent object and the key under it.
#[derive(Default)]
struct ObjectIndex {
    parents: HashMap<OpId, (ObjectId, Key)>,
}

impl ObjectIndex {
    fn created(&mut self, id: OpId, parent: ObjectId, key: Key) {
        self.parents.insert(id, (parent, key));
    }

    /// The path from the root to `obj`, as the keys taken at each level
    /// (map keys; `None` for list elements), outermost first.
    fn path(&self, obj: &ObjectId) -> Vec<Option<String>> {
        let mut path = Vec::new();
        let mut current = obj.clone();
        // Charters are a few levels deep; the guard caps any document at 64.
        for _ in 0..128 {
            let ObjectId::Id(id) = &current else {
                break;
            };
            let Some((parent, key)) = self.parents.get(id) else {
                break;
            };
            path.push(match key {
                Key::Map(name) => Some(name.to_string()),
                Key::Seq(_) => None,
            });
            current = parent.clone();
        }
        path.reverse();
        path
    }

    fn locate(&self, obj: &ObjectId, key: &Key, action: &OpType) -> Touched {
        let mut path = self.path(obj);
        if let Key::Map(name) = key {
            path.push(Some(name.to_string()));
        }
        match path.first().and_then(Option::as_deref) {
            Some("title") => Touched::Title,
            Some("preamble") => Touched::Preamble,
            Some("sections") => match path.get(1).and_then(|k| k.as_deref()?.parse().ok()) {
                Some(id) => Touched::Section { id },
                None => Touched::Document,
            },
            Some("order") => match action {
                OpType::Put(ScalarValue::Str(id)) => match id.parse() {
                    Ok(id) => Touched::Section { id },
                    Err(_) => Touched::Order,
                },
                _ => Touched::Order,
            },
            _ => Touched::Document,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charter::{CharterTx, Position, SectionDraft};
    use crate::markdown;
    use automerge::ActorId;
    use automerge::transaction::CommitOptions;

    fn doc_with_two_sections() -> (Automerge, Vec<SectionId>) {
        let mut doc = Automerge::new().with_actor(ActorId::from(&[7u8; 32][..]));
        let draft = markdown::parse("# T\n\n## A\n\na\n\n## B\n\nb\n");
        let mut n = 0u8;
        let mut tx = doc.transaction();
        CharterTx::create(&mut tx, "T", &draft, || {
            n += 1;
            SectionId::from_random([n; 5])
        })
        .expect("create");
        tx.commit_with(
            CommitOptions::default()
                .with_message("create")
                .with_time(1000),
        );
        let ids = charter::read(&doc, None)
            .expect("read")
            .sections
            .into_iter()
            .map(|s| s.id)
            .collect();
        (doc, ids)
    }

    fn edit(doc: &mut Automerge, f: impl FnOnce(&mut CharterTx<'_, '_>)) {
        let mut tx = doc.transaction();
        f(&mut CharterTx::new(&mut tx).expect("charter"));
        tx.commit_with(CommitOptions::default().with_time(2000));
    }

    #[test]
    fn each_change_names_the_sections_it_touched() {
        let (mut doc, ids) = doc_with_two_sections();
        edit(&mut doc, |c| c.set_body(&ids[1], "bb").expect("edit"));
        edit(&mut doc, |c| c.set_title("T2").expect("edit"));
        edit(&mut doc, |c| {
            c.move_section(&ids[1], &Position::Start).expect("move")
        });
        let entries = history(&doc);
        assert_eq!(entries.len(), 4);
        assert_eq!(entries[0].message.as_deref(), Some("create"));
        assert_eq!(entries[0].time_ms, 1000);
        // Stock clients write seconds under actors that are not keys.
        assert_eq!(time_ms(1_795_962_920, false), 1_795_962_920_000);
        assert_eq!(time_ms(1_795_962_920_000, false), 1_795_962_920_000);
        assert_eq!(time_ms(1000, true), 1000);
        assert_eq!(
            entries[0].device,
            PublicKey::from_actor(&ActorId::from(&[7u8; 32][..]))
        );
        assert!(
            entries[0]
                .touched
                .contains(&Touched::Section { id: ids[0].clone() })
        );
        assert_eq!(
            entries[1].touched,
            vec![Touched::Section { id: ids[1].clone() }]
        );
        assert_eq!(entries[2].touched, vec![Touched::Title]);
        assert!(
            entries[3]
                .touched
                .contains(&Touched::Section { id: ids[1].clone() })
        );
    }

    #[test]
    fn removed_sections_keep_their_heading_in_history() {
        let (mut doc, ids) = doc_with_two_sections();
        edit(&mut doc, |c| {
            c.add_section(
                &SectionDraft {
                    heading: "C".into(),
                    level: 2,
                    ..SectionDraft::default()
                },
                &Position::End,
                || SectionId::from_random([9; 5]),
            )
            .expect("add");
        });
        edit(&mut doc, |c| c.remove_section(&ids[0]).expect("remove"));
        let entries = history(&doc);
        let removal = entries.last().expect("entries");
        assert!(
            removal
                .touched
                .contains(&Touched::Section { id: ids[0].clone() })
        );
        let headings = section_headings(&doc, &entries);
        assert_eq!(headings.get(&ids[0]).map(String::as_str), Some("A"));
        assert_eq!(
            headings
                .get(&SectionId::from_random([9; 5]))
                .map(String::as_str),
            Some("C")
        );
    }

    fn every_message() -> Vec<ChangeMessage> {
        let id: SectionId = "3fa9k2mx".parse().expect("id");
        let all = vec![
            ChangeMessage::CreateCharter,
            ChangeMessage::EditTitle,
            ChangeMessage::EditPreamble,
            ChangeMessage::EditSection(id.clone()),
            ChangeMessage::AddSection,
            ChangeMessage::MoveSection(id.clone()),
            ChangeMessage::RemoveSection(id.clone()),
            ChangeMessage::TagSection(id),
            ChangeMessage::ResolveConflict("0123456789ab".into()),
            ChangeMessage::Amend,
        ];
        // A new message fails to compile here until it is in the list.
        for message in &all {
            match message {
                ChangeMessage::CreateCharter
                | ChangeMessage::EditTitle
                | ChangeMessage::EditPreamble
                | ChangeMessage::EditSection(_)
                | ChangeMessage::AddSection
                | ChangeMessage::MoveSection(_)
                | ChangeMessage::RemoveSection(_)
                | ChangeMessage::TagSection(_)
                | ChangeMessage::ResolveConflict(_)
                | ChangeMessage::Amend => {}
            }
        }
        all
    }

    /// Every message Nous writes is read back, said as written in English,
    /// and otherwise in French, with the section or conflict kept.
    #[test]
    fn known_messages_are_said_in_each_language() {
        for message in every_message() {
            let written = message.to_string();
            assert_eq!(ChangeMessage::parse(&written), Some(message.clone()));
            assert_eq!(message.said(Lang::En), written);
            let french = message.said(Lang::Fr);
            assert_ne!(french, written, "not said in French: {written}");
            assert!(!french.starts_with("history-message-"), "{french}");
            if let Some(named) = message.message().1 {
                assert!(french.contains(named), "{french}");
            }
        }
        assert_eq!(
            say_message("move section 3fa9k2mx", Lang::Fr),
            "déplacer la section 3fa9k2mx"
        );
        assert_eq!(say_message("create charter", Lang::Fr), "créer la charte");
        // Unknown messages, and near misses, are shown as written.
        for other in [
            "préciser",
            "create",
            "edit section ",
            "edit section Bad Id",
            "resolve conflict x y",
            "Create charter",
        ] {
            assert_eq!(ChangeMessage::parse(other), None, "{other}");
            assert_eq!(say_message(other, Lang::Fr), other);
        }
    }

    proptest::proptest! {
        /// Whatever a change says: in English it is shown as written, and
        /// a message read as known is exactly the one written.
        #[test]
        fn messages_are_shown_as_written_in_english(text in "(edit|move|tag|remove|resolve|create|add)? ?(section|conflict|charter|title)? ?[a-z0-9 ._-]{0,12}") {
            proptest::prop_assert_eq!(say_message(&text, Lang::En), text.clone());
            if let Some(known) = ChangeMessage::parse(&text) {
                proptest::prop_assert_eq!(known.to_string(), text);
            }
        }
    }
}
