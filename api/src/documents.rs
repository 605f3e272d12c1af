//! Documents: create, list, read and edit charters.
//!
//! Documents are named by id, id prefix or title (`Engine::resolve`),
//! sections by id or heading. Every result is the serde shape of the
//! matching `nous charter … --json` output (`docs/api.md`). An edit is
//! durable once [`Home::flush`] or [`Home::close`] returned.

use std::collections::HashMap;

use nous_core::charter::{Charter, CharterDraft, LintWarning, Position, SectionDraft, SectionId};
use nous_core::diff::CharterDiff;
use nous_core::engine::DocSummary;
use nous_core::history::{ChangeMessage, HistoryEntry, Touched};
use nous_core::markdown;
use nous_core::{ChangeHash, DocId, HeadsRef, PublicKey, Section, ids};
use serde::Serialize;

use crate::conflicts::ConflictView;
use crate::{Event, Home, Invalid, Result};

/// The documents of a home ([`Home::documents`]).
#[derive(Debug)]
pub struct Documents<'h> {
    pub(crate) home: &'h mut Home,
}

/// A charter just created.
#[derive(Debug, Clone, Serialize)]
pub struct Created {
    /// Its id.
    pub id: DocId,
    /// Its automerge-repo URL.
    pub url: String,
    /// Its title.
    pub title: String,
    /// How many sections it has.
    pub sections: usize,
    /// The change that created it (hex).
    pub change: Option<String>,
}

/// Which text of a charter to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading<'a> {
    /// The version in force if a community has the charter, else the latest.
    InForce,
    /// The latest text, ratified or not.
    Latest,
    /// The text at a point in its history (hash prefixes, `HeadsRef`).
    At(&'a str),
}

/// A charter as read.
#[derive(Debug, Clone, Serialize)]
pub struct Shown {
    /// Its id.
    pub id: DocId,
    /// The heads read at (hex).
    pub heads: Vec<String>,
    /// The charter.
    pub charter: Charter,
    /// The number of the version in force, when that is what was read.
    pub version: Option<usize>,
    /// Changes made since the version in force (0 when none is in force).
    pub unratified_changes: usize,
    /// The open conflicts of the latest text.
    pub conflicts: Vec<ConflictView>,
    /// Whether what was read is the latest text.
    #[serde(skip)]
    pub latest: bool,
}

/// The part of a charter an edit replaces: `@title`, `@preamble`, or a
/// section by id or heading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// The title.
    Title,
    /// The preamble.
    Preamble,
    /// A section's text and articles.
    Section {
        /// Its id.
        id: SectionId,
        /// Its heading.
        heading: String,
    },
}

/// What an edit would replace: the part and its text now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The part.
    pub part: Part,
    /// Its text now (a section's body as Markdown).
    pub text: String,
}

/// A part of a charter replaced by an edit.
#[derive(Debug, Clone, Serialize)]
pub struct Edited {
    /// The document.
    pub id: DocId,
    /// The change (hex), or none when the text was already that.
    pub change: Option<String>,
    /// Why the edit will not count in a community, if it will not.
    pub warnings: Vec<String>,
}

/// Where a section goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement<'a> {
    /// First.
    Start,
    /// Last.
    End,
    /// After the section named.
    After(&'a str),
    /// Before the section named.
    Before(&'a str),
}

/// A section to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSection<'a> {
    /// Its heading.
    pub heading: &'a str,
    /// Its heading level (2 for `##`).
    pub level: u8,
    /// Its body as Markdown: prose, then numbered articles.
    pub body: &'a str,
    /// Its tags.
    pub tags: &'a [String],
}

/// A section added, moved or removed.
#[derive(Debug, Clone, Serialize)]
pub struct SectionChanged {
    /// The document.
    pub id: DocId,
    /// The section.
    pub section: SectionId,
    /// The change (hex), or none when nothing changed.
    pub change: Option<String>,
    /// Its heading.
    #[serde(skip)]
    pub heading: String,
}

/// A section's tags after a change.
#[derive(Debug, Clone, Serialize)]
pub struct Tagged {
    /// The document.
    pub id: DocId,
    /// The section.
    pub section: SectionId,
    /// Its tags now.
    pub tags: Vec<String>,
    /// The change (hex), or none when nothing changed.
    pub change: Option<String>,
}

fn hex(change: Option<&ChangeHash>) -> Option<String> {
    change.map(ids::hash_hex)
}

impl Home {
    /// Tell subscribers that `doc` was edited here, if it was.
    pub(crate) fn edited(&mut self, doc: DocId, change: Option<&str>) {
        if let Some(change) = change {
            self.emit(Event::Edited {
                doc,
                change: change.to_owned(),
            });
        }
    }
}

impl Home {
    /// The documents of this home.
    pub fn documents(&mut self) -> Documents<'_> {
        Documents { home: self }
    }
}

impl Documents<'_> {
    /// Every document, with its index entry.
    pub fn list(&self) -> Result<Vec<DocSummary>> {
        Ok(self.home.list()?)
    }

    /// Every document, with what it is to this home's communities: a
    /// community's charter, an amendment's draft, a document shared with a
    /// community, or none of these.
    pub fn list_with_roles(&self) -> Result<Vec<Listing>> {
        let docs = self.home.list()?;
        let (communities, _) = self.home.resolved_communities()?;
        // Every document a community names, once (the first community to
        // name it, and for it charter before draft before shared).
        let mut roles: HashMap<DocId, Role> = HashMap::new();
        for c in &communities {
            let role = |kind, amendment| Role {
                kind,
                community: c.id,
                community_name: c.state.name.clone(),
                amendment,
            };
            let state = &c.state;
            let named = std::iter::once((state.charter, role(RoleKind::Charter, None)))
                .chain(
                    state
                        .amendments
                        .values()
                        .map(|a| (a.draft, role(RoleKind::Draft, Some(a.record)))),
                )
                .chain(
                    state
                        .documents
                        .keys()
                        .map(|doc| (*doc, role(RoleKind::Shared, None))),
                );
            for (doc, role) in named {
                roles.entry(doc).or_insert(role);
            }
        }
        let archived = self.home.archived()?;
        Ok(docs
            .into_iter()
            .map(|summary| Listing {
                role: roles.get(&summary.id).cloned(),
                archived: archived.contains(&summary.id),
                summary,
            })
            .collect())
    }

    /// Archive the document named by id, id prefix or title in this home:
    /// hidden from lists (`Listing::archived`), kept whole — its history,
    /// its reading by id, its sync. Archiving is this home's: other homes
    /// and the communities are not told. Archiving it again changes
    /// nothing (`changed` false).
    pub fn archive(&mut self, name: &str) -> Result<Archived> {
        self.set_archived(name, true)
    }

    /// Restore an archived document to this home's lists.
    pub fn restore(&mut self, name: &str) -> Result<Archived> {
        self.set_archived(name, false)
    }

    fn set_archived(&mut self, name: &str, archived: bool) -> Result<Archived> {
        let id = self.home.resolve(name)?;
        let title = self
            .home
            .list()?
            .into_iter()
            .find(|d| d.id == id)
            .map(|d| d.meta.title)
            .unwrap_or_default();
        let changed = self.home.archived()?.contains(&id) != archived;
        if changed {
            let ticket = self.home.set_archived(&id, archived)?;
            self.home.wait(ticket)?;
        }
        Ok(Archived {
            id,
            title,
            archived,
            changed,
        })
    }

    /// The id of the document named by id, id prefix or title.
    pub fn resolve(&self, name: &str) -> Result<DocId> {
        Ok(self.home.resolve(name)?)
    }

    /// A Markdown text as a charter to create (within the import caps).
    pub fn import_markdown(text: &str) -> Result<CharterDraft> {
        markdown::import(text, &markdown::Limits::default())
            .map_err(|error| Invalid::Markdown(error).into())
    }

    /// Create a charter titled `title` from `draft`.
    pub fn create(&mut self, title: &str, draft: &CharterDraft) -> Result<Created> {
        let created = self.home.create_charter(title, draft)?;
        let id = created.value;
        let sections = self.home.charter(&id, None)?.sections.len();
        let change = hex(created.change.as_ref());
        self.home.edited(id, change.as_deref());
        Ok(Created {
            id,
            url: id.url(),
            title: title.to_owned(),
            sections,
            change,
        })
    }

    /// The sections of a charter, now or at `at`.
    pub fn sections(&mut self, doc: &str, at: Option<&str>) -> Result<Vec<Section>> {
        let id = self.resolve(doc)?;
        let at = at.map(parse_ref).transpose()?;
        Ok(self.home.charter(&id, at.as_ref())?.sections)
    }

    /// A charter as `reading` says, with its open conflicts.
    pub fn show(&mut self, doc: &str, reading: Reading<'_>) -> Result<Shown> {
        let id = self.resolve(doc)?;
        let home = &mut *self.home;
        let latest = home.heads(&id)?;
        let in_force = match reading {
            Reading::InForce => home.version_in_force(&id)?,
            Reading::Latest | Reading::At(_) => None,
        };
        let heads = match (reading, &in_force) {
            (Reading::At(at), _) => home.resolve_heads(&id, &parse_ref(at)?)?,
            (_, Some((_, heads))) => heads.clone(),
            (_, None) => latest.clone(),
        };
        let charter = home.charter_at(&id, Some(&heads))?;
        let unratified = match &in_force {
            Some((_, heads)) => home.document(&id)?.get_changes_meta(heads).len(),
            None => 0,
        };
        let conflicts = self.open_conflicts(&id)?;
        Ok(Shown {
            id,
            heads: heads.iter().map(ids::hash_hex).collect(),
            charter,
            version: in_force.as_ref().map(|(number, _)| *number),
            unratified_changes: unratified,
            conflicts,
            latest: heads == latest,
        })
    }

    /// What editing `name` (`@title`, `@preamble`, or a section by id or
    /// heading) of `doc` would replace.
    pub fn target(&mut self, doc: &DocId, name: &str) -> Result<Target> {
        let charter = self.home.charter(doc, None)?;
        Ok(match name {
            "@title" => Target {
                part: Part::Title,
                text: charter.title.clone(),
            },
            "@preamble" => Target {
                part: Part::Preamble,
                text: charter.preamble.clone(),
            },
            name => {
                let section = charter.find_section(name).map_err(nous_core::Error::from)?;
                Target {
                    part: Part::Section {
                        id: section.id.clone(),
                        heading: section.heading.clone(),
                    },
                    text: section.body(),
                }
            }
        })
    }

    /// Replace a part of a charter with `text` (trailing line breaks
    /// dropped): afterwards it reads exactly that.
    pub fn edit(&mut self, doc: &DocId, part: &Part, text: &str) -> Result<Edited> {
        let text = text.trim_end_matches(['\n', '\r']);
        let message = match part {
            Part::Title => ChangeMessage::EditTitle,
            Part::Preamble => ChangeMessage::EditPreamble,
            Part::Section { id, .. } => ChangeMessage::EditSection(id.clone()),
        }
        .to_string();
        let edited = self.home.edit(doc, &message, |c| match part {
            Part::Title => c.set_title(text),
            Part::Preamble => c.set_preamble(text),
            Part::Section { id, .. } => c.set_body(id, text),
        })?;
        let warnings = if edited.change.is_some() {
            self.home
                .edit_not_counted(doc)?
                .iter()
                .map(ToString::to_string)
                .collect()
        } else {
            Vec::new()
        };
        let change = hex(edited.change.as_ref());
        self.home.edited(*doc, change.as_deref());
        Ok(Edited {
            id: *doc,
            change,
            warnings,
        })
    }

    /// Add a section.
    pub fn add_section(
        &mut self,
        doc: &str,
        section: &NewSection<'_>,
        placement: Placement<'_>,
    ) -> Result<SectionChanged> {
        let id = self.resolve(doc)?;
        let charter = self.home.charter(&id, None)?;
        let place = position(&charter, placement)?;
        let (text, articles) = markdown::parse_body(section.body.trim_end());
        let draft = SectionDraft {
            id: None,
            heading: section.heading.to_owned(),
            level: section.level,
            text,
            articles,
            tags: section.tags.to_vec(),
        };
        let env = self.home.env().clone();
        let fresh = move || {
            let mut bytes = [0u8; 5];
            env.fill(&mut bytes);
            SectionId::from_random(bytes)
        };
        let edited = self
            .home
            .edit(&id, &ChangeMessage::AddSection.to_string(), |c| {
                c.add_section(&draft, &place, fresh)
            })?;
        let change = hex(edited.change.as_ref());
        self.home.edited(id, change.as_deref());
        Ok(SectionChanged {
            id,
            section: edited.value,
            change,
            heading: section.heading.to_owned(),
        })
    }

    /// Move a section.
    pub fn move_section(
        &mut self,
        doc: &str,
        section: &str,
        placement: Placement<'_>,
    ) -> Result<SectionChanged> {
        let id = self.resolve(doc)?;
        let charter = self.home.charter(&id, None)?;
        let found = charter
            .find_section(section)
            .map_err(nous_core::Error::from)?;
        let (section, heading) = (found.id.clone(), found.heading.clone());
        let place = position(&charter, placement)?;
        let edited = self.home.edit(
            &id,
            &ChangeMessage::MoveSection(section.clone()).to_string(),
            |c| c.move_section(&section, &place),
        )?;
        let change = hex(edited.change.as_ref());
        self.home.edited(id, change.as_deref());
        Ok(SectionChanged {
            id,
            section,
            change,
            heading,
        })
    }

    /// Remove a section (it stays in the history).
    pub fn remove_section(&mut self, doc: &str, section: &str) -> Result<SectionChanged> {
        let id = self.resolve(doc)?;
        let charter = self.home.charter(&id, None)?;
        let found = charter
            .find_section(section)
            .map_err(nous_core::Error::from)?;
        let (section, heading) = (found.id.clone(), found.heading.clone());
        let edited = self.home.edit(
            &id,
            &ChangeMessage::RemoveSection(section.clone()).to_string(),
            |c| c.remove_section(&section),
        )?;
        let change = hex(edited.change.as_ref());
        self.home.edited(id, change.as_deref());
        Ok(SectionChanged {
            id,
            section,
            change,
            heading,
        })
    }

    /// Add and remove tags of a section.
    pub fn tag(
        &mut self,
        doc: &str,
        section: &str,
        add: &[String],
        remove: &[String],
    ) -> Result<Tagged> {
        if add.is_empty() && remove.is_empty() {
            return Err(Invalid::NoTag.into());
        }
        let id = self.resolve(doc)?;
        let charter = self.home.charter(&id, None)?;
        let section = charter
            .find_section(section)
            .map_err(nous_core::Error::from)?
            .id
            .clone();
        let edited = self.home.edit(
            &id,
            &ChangeMessage::TagSection(section.clone()).to_string(),
            |c| c.tag(&section, add, remove),
        )?;
        let tags = self
            .home
            .charter(&id, None)?
            .find_section(section.as_str())
            .map(|s| s.tags.clone())
            .unwrap_or_default();
        let change = hex(edited.change.as_ref());
        self.home.edited(id, change.as_deref());
        Ok(Tagged {
            id,
            section,
            tags,
            change,
        })
    }
}

/// A charter's history of changes.
#[derive(Debug, Clone, Serialize)]
pub struct History {
    /// The document.
    pub id: DocId,
    /// Its changes, oldest first: who, when, message, what they touched.
    pub changes: Vec<HistoryEntry>,
    /// The headings of every section the history names (removed ones
    /// too), by id.
    pub sections: HashMap<SectionId, String>,
    /// The names of the members whose devices made the changes, by device,
    /// where a community of this home knows them.
    pub authors: HashMap<PublicKey, String>,
}

/// A document and what it is to the home's communities.
#[derive(Debug, Clone, Serialize)]
pub struct Listing {
    /// The document and its index entry (`id`, `title`, `changes`, …).
    #[serde(flatten)]
    pub summary: DocSummary,
    /// What it is to a community, if anything.
    pub role: Option<Role>,
    /// Archived in this home (hidden from `charter list` unless asked).
    pub archived: bool,
}

/// A document archived or restored in this home.
#[derive(Debug, Clone, Serialize)]
pub struct Archived {
    /// The document.
    pub id: DocId,
    /// Its title.
    pub title: String,
    /// Whether it is archived now.
    pub archived: bool,
    /// Whether this call changed it (false: it already was).
    pub changed: bool,
}

/// What a document is to a community.
#[derive(Debug, Clone, Serialize)]
pub struct Role {
    /// Charter, draft or shared document.
    pub kind: RoleKind,
    /// The community.
    pub community: nous_core::record::CommunityId,
    /// Its name.
    pub community_name: String,
    /// For a draft: the amendment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amendment: Option<nous_core::record::RecordId>,
}

/// What a document is to a community.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RoleKind {
    /// The community's charter.
    Charter,
    /// The draft of one of its amendments.
    Draft,
    /// A document shared with it (`community share`).
    Shared,
}

/// What changed in a charter between two points of its history.
#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    /// The document.
    pub id: DocId,
    /// Section by section.
    pub diff: CharterDiff,
}

/// How to export a charter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// Markdown, with or without the `<!-- nous:section … -->` annotations
    /// that keep section ids and tags through a round trip.
    Markdown {
        /// Whether to write the annotations.
        annotations: bool,
    },
    /// `{id, heads, charter}` as JSON.
    Json,
}

impl Documents<'_> {
    /// A charter's changes (`section`: only those touching it, named by id
    /// or heading, or by id once removed; `limit`: only the latest ones).
    pub fn history(
        &mut self,
        doc: &str,
        section: Option<&str>,
        limit: Option<usize>,
    ) -> Result<History> {
        let id = self.resolve(doc)?;
        let (mut changes, sections) = self.home.history(&id)?;
        if let Some(name) = section {
            let charter = self.home.charter(&id, None)?;
            let wanted = match charter.find_section(name) {
                Ok(section) => section.id.clone(),
                // A removed section can still be named by its id.
                Err(_) => name
                    .parse::<SectionId>()
                    .ok()
                    .filter(|id| sections.contains_key(id))
                    .ok_or_else(|| Invalid::NoSection(name.to_owned()))?,
            };
            changes.retain(|e| e.touched.contains(&Touched::Section { id: wanted.clone() }));
        }
        if let Some(limit) = limit {
            let skip = changes.len().saturating_sub(limit);
            changes.drain(..skip);
        }
        // Sections in the order the document has them now (removed ones
        // after), title and preamble before, the order and the document's
        // own data after: what a reader follows.
        // (A document that is not a charter has no sections to order.)
        let place: HashMap<SectionId, usize> = self
            .home
            .charter(&id, None)
            .map(|charter| {
                charter
                    .sections
                    .iter()
                    .enumerate()
                    .map(|(i, section)| (section.id.clone(), i))
                    .collect()
            })
            .unwrap_or_default();
        for change in &mut changes {
            change.touched.sort_by_cached_key(|part| match part {
                Touched::Title => (0, 0, None),
                Touched::Preamble => (1, 0, None),
                Touched::Section { id } => (
                    2,
                    place.get(id).copied().unwrap_or(usize::MAX),
                    Some(id.clone()),
                ),
                Touched::Order => (3, 0, None),
                Touched::Document => (4, 0, None),
            });
        }
        let authors = self.authors(&id, &changes)?;
        Ok(History {
            id,
            changes,
            sections,
            authors,
        })
    }

    /// The names of the members whose devices made `changes`, as this
    /// home's communities know them (the community the document belongs
    /// to first).
    fn authors(&self, id: &DocId, changes: &[HistoryEntry]) -> Result<HashMap<PublicKey, String>> {
        let (mut communities, _) = self.home.resolved_communities()?;
        communities.sort_by_key(|c| c.state.document_access(id).is_none());
        let mut authors = HashMap::new();
        for device in changes.iter().filter_map(|e| e.device) {
            if authors.contains_key(&device) {
                continue;
            }
            let name = communities
                .iter()
                .find_map(|c| Some(c.state.member_of(&device)?.name.clone()));
            if let Some(name) = name {
                authors.insert(device, name);
            }
        }
        Ok(authors)
    }

    /// The history of a community's charter as a report: every challenge,
    /// amendment, decision, membership change and version, in Markdown or
    /// HTML, written in `lang`.
    pub fn governance_history(
        &mut self,
        doc: &str,
        html: bool,
        lang: nous_core::i18n::Lang,
    ) -> Result<String> {
        let id = self.resolve(doc)?;
        let community = self
            .home
            .resolved_communities()?
            .0
            .into_iter()
            .find(|c| c.state.charter == id)
            .ok_or(Invalid::NotACommunityCharter(id))?;
        let format = if html {
            nous_core::report::Format::Html
        } else {
            nous_core::report::Format::Markdown
        };
        let charter = self.home.document(&id)?;
        Ok(nous_core::report::governance_history_in(
            &community.state,
            charter,
            format,
            lang,
        ))
    }

    /// What changed between `from` and `to` (the latest text when none).
    pub fn diff(&mut self, doc: &str, from: &str, to: Option<&str>) -> Result<Diff> {
        let id = self.resolve(doc)?;
        let from = parse_ref(from)?;
        let to = to.map(parse_ref).transpose()?;
        Ok(Diff {
            id,
            diff: self.home.diff(&id, &from, to.as_ref())?,
        })
    }

    /// The latest text of a charter, exported.
    pub fn export(&mut self, doc: &str, format: ExportFormat) -> Result<String> {
        let id = self.resolve(doc)?;
        let charter = self.home.charter(&id, None)?;
        Ok(match format {
            ExportFormat::Markdown { annotations } => {
                markdown::render(&charter, markdown::RenderOptions { annotations })
            }
            ExportFormat::Json => {
                #[derive(Serialize)]
                struct Exported<'a> {
                    id: DocId,
                    heads: Vec<String>,
                    charter: &'a Charter,
                }
                let heads = self.home.heads(&id)?.iter().map(ids::hash_hex).collect();
                let value = serde_json::to_value(Exported {
                    id,
                    heads,
                    charter: &charter,
                })
                .map_err(|e| Invalid::Json(e.to_string()))?;
                let mut text = serde_json::to_string_pretty(&value)
                    .map_err(|e| Invalid::Json(e.to_string()))?;
                text.push('\n');
                text
            }
        })
    }
}

/// What a charter lacks.
#[derive(Debug, Clone, Serialize)]
pub struct Linted {
    /// The document.
    pub id: DocId,
    /// The parts it lacks: no section carries their tag.
    pub warnings: Vec<LintWarning>,
}

impl Documents<'_> {
    /// What the latest text of a charter lacks of a community's rules:
    /// how one joins, leaves, regulates tensions and amends it.
    pub fn lint(&mut self, doc: &str) -> Result<Linted> {
        let id = self.resolve(doc)?;
        let charter = self.home.charter(&id, None)?;
        Ok(Linted {
            id,
            warnings: nous_core::charter::lint(&charter),
        })
    }
}

/// A point in a document's history, from hash prefixes.
pub(crate) fn parse_ref(text: &str) -> Result<HeadsRef> {
    Ok(text.parse::<HeadsRef>().map_err(nous_core::Error::from)?)
}

fn position(charter: &Charter, placement: Placement<'_>) -> Result<Position> {
    let find = |name: &str| -> Result<SectionId> {
        Ok(charter
            .find_section(name)
            .map_err(nous_core::Error::from)?
            .id
            .clone())
    };
    Ok(match placement {
        Placement::Start => Position::Start,
        Placement::End => Position::End,
        Placement::After(name) => Position::After(find(name)?),
        Placement::Before(name) => Position::Before(find(name)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Env, ErrorKind};

    fn home(dir: &std::path::Path) -> Home {
        let counter = std::sync::atomic::AtomicU8::new(0);
        let env = Env::fixed(1_765_000_000_000).with_entropy(move |buffer: &mut [u8]| {
            for b in buffer.iter_mut() {
                *b = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        });
        Home::init(dir, &env).expect("init");
        Home::open(dir, env).expect("open")
    }

    #[test]
    fn a_charter_is_written_and_read_through_the_facade() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut home = home(dir.path());
        let mut docs = home.documents();
        let draft = Documents::import_markdown(
            "# Charte\n\nNous.\n\n## Adhésion\n\n1. Toute personne peut adhérer.\n",
        )
        .expect("markdown");
        let created = docs.create("Charte", &draft).expect("create");
        assert_eq!((created.sections, created.title.as_str()), (1, "Charte"));
        assert!(created.change.is_some());
        let doc = created.id.to_string();

        let target = docs.target(&created.id, "Adhésion").expect("target");
        assert_eq!(target.text, "1. Toute personne peut adhérer.");
        let text = "1. Toute personne du quartier peut adhérer.\n\n2. L'adhésion est libre.";
        let edited = docs.edit(&created.id, &target.part, text).expect("edit");
        assert!(edited.change.is_some() && edited.warnings.is_empty());
        let again = docs.edit(&created.id, &target.part, text).expect("same");
        assert_eq!(again.change, None, "the same text changes nothing");

        let tags = [String::from("membership.exit")];
        let added = docs
            .add_section(
                &doc,
                &NewSection {
                    heading: "Départ",
                    level: 2,
                    body: "On part quand on veut.",
                    tags: &tags,
                },
                Placement::Start,
            )
            .expect("add");
        let moved = docs
            .move_section(&doc, "Départ", Placement::After("Adhésion"))
            .expect("move");
        assert_eq!(moved.section, added.section);
        let tagged = docs
            .tag(&doc, "Départ", &["tensions".into()], &tags)
            .expect("tag");
        assert_eq!(tagged.tags, ["tensions"]);

        let sections = docs.sections(&doc, None).expect("sections");
        let headings: Vec<&str> = sections.iter().map(|s| s.heading.as_str()).collect();
        assert_eq!(headings, ["Adhésion", "Départ"]);
        assert_eq!(sections[0].body(), text);

        let shown = docs.show(&doc, Reading::InForce).expect("show");
        assert!(shown.latest && shown.version.is_none() && shown.conflicts.is_empty());
        let json = serde_json::to_value(&shown).expect("json");
        for key in [
            "id",
            "heads",
            "charter",
            "version",
            "unratified_changes",
            "conflicts",
        ] {
            assert!(json.get(key).is_some(), "{key} in {json}");
        }

        let removed = docs.remove_section(&doc, "Départ").expect("remove");
        assert_eq!(removed.heading, "Départ");
        let missing = docs
            .remove_section(&doc, "Départ")
            .map(|_| ())
            .expect_err("gone");
        assert_eq!(missing.kind(), ErrorKind::InvalidInput);
        let unknown = docs
            .show("zzzz", Reading::Latest)
            .map(|_| ())
            .expect_err("unknown");
        assert_eq!(unknown.kind(), ErrorKind::NotFound);
        home.close().expect("close");

        let mut home = Home::open(dir.path(), Env::system()).expect("reopen");
        let listed = home.documents().list().expect("list");
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].meta.title, "Charte");
    }
}
