//! Conflicts: concurrent rewrites of the same words, found in a document's
//! history (`nous_core::conflicts`), with the names of their authors, and
//! resolved by an edit.

use std::collections::{BTreeSet, HashMap};

use nous_core::charter::TextPart;
use nous_core::conflicts::{Conflict, SideChange};
use nous_core::history::ChangeMessage;
use nous_core::{ChangeHash, DocId, Engine, PublicKey, ids};
use serde::Serialize;

use crate::documents::Documents;
use crate::{Invalid, Result};

/// A conflict as a front end shows it: the core's fields, the document,
/// and each side's authors by name.
#[derive(Debug, Clone, Serialize)]
pub struct ConflictView {
    /// The document.
    pub doc: DocId,
    /// A stable id (12 hex characters), the same on every peer.
    pub id: String,
    /// Which text of the charter.
    #[serde(flatten)]
    pub part: TextPart,
    /// The change that merged the two sides, if any yet.
    pub merged_by: Option<String>,
    /// The words before either side changed them.
    pub ancestor: String,
    /// The two sides.
    pub sides: [SideView; 2],
    /// The words as the merge left them.
    pub merged: String,
    /// Whether the merged words still stand.
    pub open: bool,
    /// The heading of the section it is in, if it is in one.
    #[serde(skip)]
    pub heading: Option<String>,
    /// The document's title.
    #[serde(skip)]
    pub title: String,
    #[serde(skip)]
    conflict: Conflict,
}

/// One side of a conflict.
#[derive(Debug, Clone, Serialize)]
pub struct SideView {
    /// `a` or `b`.
    pub side: &'static str,
    /// Who wrote it: members' names, else `device …`, else `another peer`.
    pub authors: String,
    /// The words as this side left them.
    pub text: String,
    /// Its changes that edited those words.
    pub changes: Vec<SideChange>,
}

/// The conflicts of one or every charter.
#[derive(Debug, Clone, Serialize)]
pub struct ConflictList {
    /// The conflicts (the open ones, or all).
    pub conflicts: Vec<ConflictView>,
    /// How many are open.
    pub open: usize,
}

/// How to resolve a conflict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// Keep side `a`'s words.
    A,
    /// Keep side `b`'s words.
    B,
    /// Write these words.
    Text(String),
}

/// A conflict resolved.
#[derive(Debug, Clone, Serialize)]
pub struct ConflictResolved {
    /// The conflict.
    pub id: String,
    /// The document.
    pub doc: DocId,
    /// The words now.
    pub text: String,
    /// The change (hex), or none when they already read that.
    pub change: Option<String>,
}

impl Documents<'_> {
    /// The conflicts of the charter named (or of every charter): the open
    /// ones, or with `all` the resolved ones too.
    pub fn conflicts(&mut self, doc: Option<&str>, all: bool) -> Result<ConflictList> {
        let docs = self.charters(doc)?;
        let names = device_names(self.home)?;
        let mut conflicts = Vec::new();
        for (id, title) in docs {
            let found = self.home.conflicts(&id)?;
            let headings = headings(self.home, &id);
            conflicts.extend(
                found
                    .into_iter()
                    .filter(|c| all || c.open)
                    .map(|c| view(id, &title, c, &names, &headings)),
            );
        }
        let open = conflicts.iter().filter(|c| c.open).count();
        Ok(ConflictList { conflicts, open })
    }

    /// The conflict whose id starts with `id`, in the charter named or in
    /// any charter, open or not.
    pub fn conflict(&mut self, doc: Option<&str>, id: &str) -> Result<ConflictView> {
        let wanted = id.trim().to_lowercase();
        if wanted.is_empty() {
            return Err(Invalid::NoConflictId.into());
        }
        let mut matches: Vec<ConflictView> = self
            .conflicts(doc, true)?
            .conflicts
            .into_iter()
            .filter(|c| c.id.starts_with(&wanted))
            .collect();
        match matches.len() {
            0 => Err(nous_core::Error::NoMatch {
                what: "conflict",
                query: id.trim().to_owned(),
            }
            .into()),
            1 => Ok(matches.remove(0)),
            _ => Err(nous_core::Error::AmbiguousRef {
                what: "conflicts",
                query: id.trim().to_owned(),
                candidates: matches.into_iter().map(|c| c.id).collect(),
            }
            .into()),
        }
    }

    /// Resolve a conflict: its merged words are replaced. A conflict no
    /// longer open (its words were edited since the merge) is refused.
    pub fn resolve_conflict(
        &mut self,
        doc: Option<&str>,
        id: &str,
        resolution: Resolution,
    ) -> Result<ConflictResolved> {
        let found = self.conflict(doc, id)?;
        if !found.open {
            return Err(Invalid::ConflictResolved(found.id).into());
        }
        let text = match resolution {
            Resolution::A => found.sides[0].text.clone(),
            Resolution::B => found.sides[1].text.clone(),
            Resolution::Text(text) => text,
        };
        let message = ChangeMessage::ResolveConflict(found.id.clone()).to_string();
        let edited = self.home.edit(&found.doc, &message, |c| {
            c.resolve_conflict(&found.conflict, &text)
        })?;
        let change = edited.change.as_ref().map(ids::hash_hex);
        self.home.edited(found.doc, change.as_deref());
        Ok(ConflictResolved {
            id: found.id,
            doc: found.doc,
            text,
            change,
        })
    }

    /// The open conflicts of a document.
    pub fn open_conflicts(&mut self, doc: &DocId) -> Result<Vec<ConflictView>> {
        open_conflicts(self.home, doc)
    }

    /// The charters to look in: the one named, or every charter.
    fn charters(&mut self, doc: Option<&str>) -> Result<Vec<(DocId, String)>> {
        let listed = self.home.list()?;
        Ok(match doc {
            Some(name) => {
                let id = self.home.resolve(name)?;
                let title = listed
                    .iter()
                    .find(|d| d.id == id)
                    .map(|d| d.meta.title.clone())
                    .unwrap_or_default();
                vec![(id, title)]
            }
            None => {
                // Archived documents are left out of every list.
                let archived = self.home.archived()?;
                listed
                    .into_iter()
                    .filter(|d| d.meta.kind == "charter" && !archived.contains(&d.id))
                    .map(|d| (d.id, d.meta.title))
                    .collect()
            }
        })
    }
}

/// The open conflicts of a document.
pub fn open_conflicts(engine: &mut Engine, doc: &DocId) -> Result<Vec<ConflictView>> {
    let open: Vec<Conflict> = engine
        .conflicts(doc)?
        .into_iter()
        .filter(|c| c.open)
        .collect();
    views(engine, doc, open)
}

/// The heads of these documents now, to tell afterwards which conflicts
/// an import or a sync created ([`new_conflicts`]).
pub fn heads_before(
    engine: &mut Engine,
    docs: impl IntoIterator<Item = DocId>,
) -> HashMap<DocId, Vec<ChangeHash>> {
    docs.into_iter()
        .filter_map(|id| engine.heads(&id).ok().map(|heads| (id, heads)))
        .collect()
}

/// The open conflicts a merge into `doc` created (`before`: its heads
/// before, if it was here).
pub fn new_conflicts(
    engine: &mut Engine,
    doc: &DocId,
    before: Option<&[ChangeHash]>,
) -> Result<Vec<ConflictView>> {
    let created = engine.new_conflicts(doc, before.unwrap_or(&[]))?;
    views(engine, doc, created)
}

fn views(engine: &mut Engine, doc: &DocId, found: Vec<Conflict>) -> Result<Vec<ConflictView>> {
    if found.is_empty() {
        return Ok(Vec::new());
    }
    let names = device_names(engine)?;
    let headings = headings(engine, doc);
    let title = engine
        .list()
        .ok()
        .and_then(|list| list.into_iter().find(|d| d.id == *doc))
        .map(|d| d.meta.title)
        .unwrap_or_default();
    Ok(found
        .into_iter()
        .map(|c| view(*doc, &title, c, &names, &headings))
        .collect())
}

fn headings(engine: &mut Engine, doc: &DocId) -> HashMap<String, String> {
    engine
        .charter(doc, None)
        .map(|c| {
            c.sections
                .into_iter()
                .map(|s| (s.id.to_string(), s.heading))
                .collect()
        })
        .unwrap_or_default()
}

/// Members' names by device, over every community of the home.
fn device_names(engine: &Engine) -> Result<HashMap<PublicKey, String>> {
    let mut names = HashMap::new();
    for community in engine.resolved_communities()?.0 {
        for device in community.state.devices.keys() {
            if let Some(member) = community.state.member_of(device) {
                names.entry(*device).or_insert_with(|| member.name.clone());
            }
        }
    }
    Ok(names)
}

fn view(
    doc: DocId,
    title: &str,
    conflict: Conflict,
    names: &HashMap<PublicKey, String>,
    headings: &HashMap<String, String>,
) -> ConflictView {
    let side = |n: usize, label: &'static str| {
        let authors: BTreeSet<String> = conflict.sides[n]
            .changes
            .iter()
            .map(|c| match &c.device {
                Some(device) => names
                    .get(device)
                    .cloned()
                    .unwrap_or_else(|| format!("device {}", device.short())),
                None => "another peer".to_owned(),
            })
            .collect();
        SideView {
            side: label,
            authors: authors.into_iter().collect::<Vec<_>>().join(", "),
            text: conflict.sides[n].text.clone(),
            changes: conflict.sides[n].changes.clone(),
        }
    };
    let section = match &conflict.part {
        TextPart::Title | TextPart::Preamble => None,
        TextPart::Heading { section }
        | TextPart::SectionText { section }
        | TextPart::Article { section, .. } => Some(section),
    };
    ConflictView {
        doc,
        id: conflict.id.clone(),
        part: conflict.part.clone(),
        merged_by: conflict.merged_by.clone(),
        ancestor: conflict.ancestor.clone(),
        sides: [side(0, "a"), side(1, "b")],
        merged: conflict.merged.clone(),
        open: conflict.open,
        heading: section.map(|s| {
            headings
                .get(s.as_str())
                .cloned()
                .unwrap_or_else(|| s.to_string())
        }),
        title: title.to_owned(),
        conflict,
    }
}
