//! The charter schema on Automerge: reading a charter at any point of its
//! history, and the edits a front end can make.
//!
//! The schema is specified in `docs/charter-schema.md`. In short, the root map
//! holds `schema` (`"nous/charter/1"`), `title` and `preamble` (text),
//! `sections` (a map from section id to section) and `order` (a list of section
//! ids). A section holds `heading` and `text` (text), `level` (1–6), `tags`
//! (a map used as a set) and `articles` (a list of `{number, text}`).
//!
//! Keeping sections in a map and their order in a separate list means moving a
//! section never copies it: concurrent edits to a section that someone else
//! moves are kept. All prose is Automerge text, and every text edit is applied
//! as the smallest splice that turns the old text into the new one
//! ([`automerge::transaction::Transactable::update_text`]), so concurrent edits
//! to different parts of one section both survive.
//!
//! Reading is lenient (a plain string where text was expected is read as
//! text, unknown keys are ignored) and never panics on a hostile document;
//! editing is strict.

use std::collections::{BTreeSet, HashSet};
use std::fmt;
use std::str::FromStr;

use automerge::transaction::{Transactable, Transaction};
use automerge::{
    Automerge, ChangeHash, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, ScalarValueRef, Value,
    ValueRef,
};

use crate::markdown;

/// The value of the root `schema` key of a charter.
pub const SCHEMA: &str = "nous/charter/1";

/// A charter, read at one point of its history.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Charter {
    /// The title.
    pub title: String,
    /// Text before the first section.
    pub preamble: String,
    /// The sections, in order.
    pub sections: Vec<Section>,
}

/// One section of a charter.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Section {
    /// Stable id: survives edits, moves and renames.
    pub id: SectionId,
    /// The heading, without the `#` marks.
    pub heading: String,
    /// The heading level, 1 to 6.
    pub level: u8,
    /// The prose before the first article.
    pub text: String,
    /// Numbered articles, in order.
    pub articles: Vec<Article>,
    /// Tags, sorted.
    pub tags: Vec<String>,
}

/// A numbered paragraph of a section.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Article {
    /// The number as written, with its delimiter: `3.`, `2)`, `3.1`.
    pub number: String,
    /// The text of the article, continuation paragraphs included.
    pub text: String,
}

impl Charter {
    /// Find a section by what a person would type: its id, its number in
    /// the charter (1-based), an unambiguous id prefix, or its heading
    /// (case and accents aside: `adhesion` finds « Adhésion »), or an
    /// unambiguous prefix of it.
    pub fn find_section(&self, name: &str) -> Result<&Section, SchemaError> {
        let name = name.trim();
        if let Some(section) = self.sections.iter().find(|s| s.id.as_str() == name) {
            return Ok(section);
        }
        if let Ok(number) = name.parse::<usize>() {
            return number
                .checked_sub(1)
                .and_then(|index| self.sections.get(index))
                .ok_or_else(|| SchemaError::NoSuchSection(name.to_owned()));
        }
        let by_prefix: Vec<&Section> = self
            .sections
            .iter()
            .filter(|s| !name.is_empty() && s.id.as_str().starts_with(name))
            .collect();
        // Case and accents aside, or an unambiguous prefix (names.rs).
        let by_heading = crate::names::by_name(name, &self.sections, |s| &s.heading);
        for candidates in [by_prefix, by_heading] {
            match candidates.as_slice() {
                [] => continue,
                [one] => return Ok(one),
                many => {
                    return Err(SchemaError::AmbiguousSection {
                        name: name.to_owned(),
                        candidates: many
                            .iter()
                            .map(|s| format!("{} \"{}\"", s.id, s.heading))
                            .collect(),
                    });
                }
            }
        }
        Err(SchemaError::NoSuchSection(name.to_owned()))
    }
}

impl Section {
    /// The section's prose and articles as Markdown (without the heading).
    pub fn body(&self) -> String {
        markdown::render_body(&self.text, &self.articles)
    }
}

/// The stable id of a section: 1 to 64 characters from `a-z`, `0-9`, `-`,
/// `_` and `.`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct SectionId(String);

const ID_ALPHABET: &[u8; 32] = b"abcdefghijkmnpqrstuvwxyz23456789";

impl SectionId {
    /// A fresh id from 5 random bytes: 8 characters without look-alikes.
    pub fn from_random(bytes: [u8; 5]) -> Self {
        let mut bits = bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        let mut id = String::with_capacity(8);
        for _ in 0..8 {
            id.push(char::from(ID_ALPHABET[(bits & 31) as usize]));
            bits >>= 5;
        }
        SectionId(id)
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for SectionId {
    type Err = SchemaError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let valid = !s.is_empty()
            && s.len() <= 64
            && s.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.')
            });
        if valid {
            Ok(SectionId(s.to_owned()))
        } else {
            Err(SchemaError::BadSectionId(s.chars().take(80).collect()))
        }
    }
}

/// Where a section goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Position {
    /// First.
    Start,
    /// Last.
    End,
    /// Right after this section.
    After(SectionId),
    /// Right before this section.
    Before(SectionId),
}

/// A section to add: what Markdown import and `add-section` produce.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SectionDraft {
    /// An id to reuse (from an exported annotation); a fresh one otherwise.
    pub id: Option<SectionId>,
    /// The heading.
    pub heading: String,
    /// The heading level, 1 to 6.
    pub level: u8,
    /// The prose before the first article.
    pub text: String,
    /// Numbered articles.
    pub articles: Vec<Article>,
    /// Tags.
    pub tags: Vec<String>,
}

/// A whole charter to create.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CharterDraft {
    /// The title, if the source had one.
    pub title: Option<String>,
    /// Text before the first section.
    pub preamble: String,
    /// The sections.
    pub sections: Vec<SectionDraft>,
}

/// Why a document could not be read or edited as a charter.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SchemaError {
    /// The root has no `schema: "nous/charter/1"`.
    #[error("this document is not a Nous charter")]
    NotACharter,
    /// No section has this id.
    #[error("no section `{0}` in this charter")]
    NoSuchSection(String),
    /// Several sections match what was typed.
    #[error("`{name}` matches several sections ({}); use an id", candidates.join(", "))]
    AmbiguousSection {
        /// What was typed.
        name: String,
        /// The sections it matches: id and heading.
        candidates: Vec<String>,
    },
    /// A splice outside the text.
    #[error("position {position} is outside the text ({len} characters)")]
    OutOfRange {
        /// The position asked for.
        position: usize,
        /// The length of the text.
        len: usize,
    },
    /// A section with this id already exists.
    #[error("a section `{0}` already exists")]
    DuplicateSection(String),
    /// Not a valid section id.
    #[error("`{0}` is not a valid section id (a-z, 0-9, '-', '_', '.'; at most 64)")]
    BadSectionId(String),
    /// Not a valid tag.
    #[error("`{0}` is not a valid tag (letters, digits, '-', '_', '.'; at most 64)")]
    BadTag(String),
    /// A heading level outside 1–6.
    #[error("heading level {0} is not between 1 and 6")]
    BadLevel(u8),
    /// Text given for a single line has a line break.
    #[error("{0} must be a single line")]
    MultiLine(&'static str),
    /// Section text that would split into several sections.
    #[error("{0} may not contain Markdown headings; add a section instead")]
    HeadingInText(&'static str),
    /// A conflict whose words were edited since the merge.
    #[error("conflict {0} is already resolved: its words were edited since the merge")]
    ConflictClosed(String),
    /// A value of the wrong type where the schema expects another.
    #[error("malformed charter: {0}")]
    Malformed(String),
    /// Automerge refused an operation.
    #[error("automerge: {0}")]
    Automerge(String),
}

impl From<automerge::AutomergeError> for SchemaError {
    fn from(error: automerge::AutomergeError) -> Self {
        SchemaError::Automerge(error.to_string())
    }
}

/// Check a tag: letters (any script), digits, `-`, `_`, `.`; 1 to 64 characters.
pub fn validate_tag(tag: &str) -> Result<(), SchemaError> {
    let valid = !tag.is_empty()
        && tag.chars().count() <= 64
        && tag
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if valid {
        Ok(())
    } else {
        Err(SchemaError::BadTag(tag.chars().take(80).collect()))
    }
}

// ---------------------------------------------------------------------------
// Reading

/// Read access at the current heads or at given heads.
struct View<'a, D: ReadDoc> {
    doc: &'a D,
    heads: Option<&'a [ChangeHash]>,
}

impl<D: ReadDoc> View<'_, D> {
    fn get(&self, obj: &ObjId, key: &str) -> Option<(Value<'_>, ObjId)> {
        let found = match self.heads {
            Some(heads) => self.doc.get_at(obj, key, heads),
            None => self.doc.get(obj, key),
        };
        found.ok().flatten()
    }

    fn object(&self, obj: &ObjId, key: &str, kind: ObjType) -> Option<ObjId> {
        match self.get(obj, key)? {
            (Value::Object(found), id) if found == kind => Some(id),
            _ => None,
        }
    }

    /// A text object or a plain string, as a `String`.
    fn text(&self, obj: &ObjId, key: &str) -> String {
        match self.get(obj, key) {
            Some((Value::Object(ObjType::Text), id)) => {
                let text = match self.heads {
                    Some(heads) => self.doc.text_at(&id, heads),
                    None => self.doc.text(&id),
                };
                text.unwrap_or_default()
            }
            Some((Value::Scalar(scalar), _)) => match scalar.as_ref() {
                ScalarValue::Str(s) => s.to_string(),
                _ => String::new(),
            },
            _ => String::new(),
        }
    }

    fn scalar_str(&self, obj: &ObjId, key: &str) -> Option<String> {
        match self.get(obj, key)? {
            (Value::Scalar(scalar), _) => match scalar.as_ref() {
                ScalarValue::Str(s) => Some(s.to_string()),
                _ => None,
            },
            (Value::Object(ObjType::Text), _) => Some(self.text(obj, key)),
            _ => None,
        }
    }

    fn scalar_uint(&self, obj: &ObjId, key: &str) -> Option<u64> {
        match self.get(obj, key)? {
            (Value::Scalar(scalar), _) => match scalar.as_ref() {
                ScalarValue::Uint(n) => Some(*n),
                ScalarValue::Int(n) => u64::try_from(*n).ok(),
                _ => None,
            },
            _ => None,
        }
    }

    fn keys(&self, obj: &ObjId) -> Vec<String> {
        match self.heads {
            Some(heads) => self.doc.keys_at(obj, heads).collect(),
            None => self.doc.keys(obj).collect(),
        }
    }

    /// The items of a list: the string value (if the item is a string) or
    /// the object type (if it is an object), and the item's id.
    fn list(&self, obj: &ObjId) -> Vec<ListItem> {
        let convert = |item: automerge::iter::ListRangeItem<'_>| {
            let (text, object) = match &item.value {
                ValueRef::Object(kind) => (None, Some(*kind)),
                ValueRef::Scalar(ScalarValueRef::Str(s)) => (Some(s.to_string()), None),
                ValueRef::Scalar(_) => (None, None),
            };
            ListItem {
                text,
                object,
                id: item.id(),
            }
        };
        match self.heads {
            Some(heads) => self
                .doc
                .list_range_at(obj, .., heads)
                .map(convert)
                .collect(),
            None => self.doc.list_range(obj, ..).map(convert).collect(),
        }
    }
}

struct ListItem {
    text: Option<String>,
    object: Option<ObjType>,
    id: ObjId,
}

/// Whether the document is a charter (has the schema marker).
pub fn is_charter(doc: &impl ReadDoc) -> bool {
    let view = View { doc, heads: None };
    view.scalar_str(&ROOT, "schema").as_deref() == Some(SCHEMA)
}

/// The current title of a charter, without reading the rest.
pub fn title(doc: &Automerge) -> Option<String> {
    let view = View { doc, heads: None };
    is_charter(doc).then(|| view.text(&ROOT, "title"))
}

/// The parts a charter should have, by the tag of the section that holds
/// each, and what that part says.
pub const EXPECTED_TAGS: [(&str, &str); 4] = [
    (
        "membership.entry",
        "who the stakeholders are and how one joins",
    ),
    ("membership.exit", "how one leaves or is excluded"),
    ("tensions", "how tensions are regulated"),
    ("amendment", "how the charter is challenged and amended"),
];

/// A part the charter does not have: no section carries its tag.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LintWarning {
    /// The tag no section carries.
    pub tag: &'static str,
    /// What a section with it would say.
    pub what: &'static str,
}

impl fmt::Display for LintWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no section is tagged `{}` ({})", self.tag, self.what)
    }
}

/// What the charter lacks of a community's rules: how one joins, leaves,
/// regulates tensions and amends it ([`EXPECTED_TAGS`]).
pub fn lint(charter: &Charter) -> Vec<LintWarning> {
    EXPECTED_TAGS
        .iter()
        .filter(|(tag, _)| {
            !charter
                .sections
                .iter()
                .any(|s| s.tags.iter().any(|t| t == tag))
        })
        .map(|&(tag, what)| LintWarning { tag, what })
        .collect()
}

/// Read the charter at the current heads, or at `heads`.
pub fn read(doc: &Automerge, heads: Option<&[ChangeHash]>) -> Result<Charter, SchemaError> {
    read_view(&View { doc, heads })
}

fn read_view<D: ReadDoc>(view: &View<'_, D>) -> Result<Charter, SchemaError> {
    if view.scalar_str(&ROOT, "schema").as_deref() != Some(SCHEMA) {
        return Err(SchemaError::NotACharter);
    }
    let mut sections = Vec::new();
    if let Some(map) = view.object(&ROOT, "sections", ObjType::Map) {
        for id in section_order(view, &map) {
            let Some(obj) = view.object(&map, id.as_str(), ObjType::Map) else {
                continue;
            };
            sections.push(read_section(view, id, &obj));
        }
    }
    Ok(Charter {
        title: view.text(&ROOT, "title"),
        preamble: view.text(&ROOT, "preamble"),
        sections,
    })
}

/// The section ids in display order: the `order` list without duplicates or
/// ids that are not sections, then any section missing from `order` (sorted by
/// id), so a section is never hidden.
fn section_order<D: ReadDoc>(view: &View<'_, D>, sections: &ObjId) -> Vec<SectionId> {
    let existing: BTreeSet<String> = view.keys(sections).into_iter().collect();
    let mut seen = HashSet::new();
    let mut order = Vec::new();
    if let Some(list) = view.object(&ROOT, "order", ObjType::List) {
        for item in view.list(&list) {
            if let Some(id) = item.text
                && existing.contains(id.as_str())
                && seen.insert(id.clone())
                && let Ok(id) = id.parse()
            {
                order.push(id);
            }
        }
    }
    for id in existing {
        if !seen.contains(&id)
            && let Ok(id) = id.parse()
        {
            order.push(id);
        }
    }
    order
}

fn read_section<D: ReadDoc>(view: &View<'_, D>, id: SectionId, obj: &ObjId) -> Section {
    let level = view
        .scalar_uint(obj, "level")
        .and_then(|n| u8::try_from(n).ok())
        .filter(|n| (1..=6).contains(n))
        .unwrap_or(2);
    let mut articles = Vec::new();
    if let Some(list) = view.object(obj, "articles", ObjType::List) {
        for item in view.list(&list) {
            if item.object == Some(ObjType::Map) {
                articles.push(Article {
                    number: view.scalar_str(&item.id, "number").unwrap_or_default(),
                    text: view.text(&item.id, "text"),
                });
            }
        }
    }
    let mut tags = match view.object(obj, "tags", ObjType::Map) {
        Some(map) => view.keys(&map),
        None => Vec::new(),
    };
    tags.sort();
    Section {
        id,
        heading: view.text(obj, "heading"),
        level,
        text: view.text(obj, "text"),
        articles,
        tags,
    }
}

/// A piece of a charter's text, as conflicts and resolutions name it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(tag = "part", rename_all = "kebab-case")]
pub enum TextPart {
    /// The title.
    Title,
    /// The preamble.
    Preamble,
    /// A section's heading.
    Heading {
        /// The section.
        section: SectionId,
    },
    /// A section's prose before its articles.
    SectionText {
        /// The section.
        section: SectionId,
    },
    /// One numbered article of a section.
    Article {
        /// The section.
        section: SectionId,
        /// Its number at the time (`3.`, `2)`).
        number: String,
    },
}

/// Every text object of a charter at `heads` (the current heads if `None`),
/// with the part of the charter it holds.
pub fn text_parts(doc: &Automerge, heads: Option<&[ChangeHash]>) -> Vec<(TextPart, ObjId)> {
    let view = View { doc, heads };
    let mut parts = Vec::new();
    for (part, key) in [(TextPart::Title, "title"), (TextPart::Preamble, "preamble")] {
        if let Some(obj) = view.object(&ROOT, key, ObjType::Text) {
            parts.push((part, obj));
        }
    }
    let Some(map) = view.object(&ROOT, "sections", ObjType::Map) else {
        return parts;
    };
    for section in section_order(&view, &map) {
        let Some(obj) = view.object(&map, section.as_str(), ObjType::Map) else {
            continue;
        };
        if let Some(text) = view.object(&obj, "heading", ObjType::Text) {
            parts.push((
                TextPart::Heading {
                    section: section.clone(),
                },
                text,
            ));
        }
        if let Some(text) = view.object(&obj, "text", ObjType::Text) {
            parts.push((
                TextPart::SectionText {
                    section: section.clone(),
                },
                text,
            ));
        }
        if let Some(list) = view.object(&obj, "articles", ObjType::List) {
            for item in view.list(&list) {
                if item.object != Some(ObjType::Map) {
                    continue;
                }
                if let Some(text) = view.object(&item.id, "text", ObjType::Text) {
                    let number = view.scalar_str(&item.id, "number").unwrap_or_default();
                    parts.push((
                        TextPart::Article {
                            section: section.clone(),
                            number,
                        },
                        text,
                    ));
                }
            }
        }
    }
    parts
}

/// The text object of a section's prose, for keystroke edits.
pub fn section_text_object(doc: &Automerge, id: &SectionId) -> Result<ObjId, SchemaError> {
    let view = View { doc, heads: None };
    if view.scalar_str(&ROOT, "schema").as_deref() != Some(SCHEMA) {
        return Err(SchemaError::NotACharter);
    }
    let section = view
        .object(&ROOT, "sections", ObjType::Map)
        .and_then(|sections| view.object(&sections, id.as_str(), ObjType::Map))
        .ok_or_else(|| SchemaError::NoSuchSection(id.to_string()))?;
    view.object(&section, "text", ObjType::Text)
        .ok_or_else(|| SchemaError::Malformed(format!("section {id} has no editable text object")))
}

// ---------------------------------------------------------------------------
// Editing

/// Edits to a charter inside one Automerge transaction.
///
/// Every method validates its input first and then writes, so a refused edit
/// leaves the transaction as it was; the caller commits or rolls back.
#[derive(Debug)]
pub struct CharterTx<'t, 'd> {
    tx: &'t mut Transaction<'d>,
}

impl<'t, 'd> CharterTx<'t, 'd> {
    /// Wrap a transaction on a document that is already a charter.
    pub fn new(tx: &'t mut Transaction<'d>) -> Result<Self, SchemaError> {
        if !is_charter(&*tx) {
            return Err(SchemaError::NotACharter);
        }
        Ok(CharterTx { tx })
    }

    /// Turn an empty document into a charter with the given content.
    pub fn create(
        tx: &'t mut Transaction<'d>,
        title: &str,
        draft: &CharterDraft,
        mut fresh_id: impl FnMut() -> SectionId,
    ) -> Result<Self, SchemaError> {
        single_line("the title", title)?;
        no_headings("the preamble", &draft.preamble)?;
        let mut ids = HashSet::new();
        for section in &draft.sections {
            check_section_draft(section)?;
            if let Some(id) = &section.id
                && !ids.insert(id.clone())
            {
                return Err(SchemaError::DuplicateSection(id.to_string()));
            }
        }
        tx.put(ROOT, "schema", SCHEMA)?;
        let title_obj = tx.put_object(ROOT, "title", ObjType::Text)?;
        tx.splice_text(&title_obj, 0, 0, title)?;
        let preamble = tx.put_object(ROOT, "preamble", ObjType::Text)?;
        tx.splice_text(&preamble, 0, 0, &draft.preamble)?;
        tx.put_object(ROOT, "sections", ObjType::Map)?;
        tx.put_object(ROOT, "order", ObjType::List)?;
        let mut charter = CharterTx { tx };
        for section in &draft.sections {
            let id = match &section.id {
                Some(id) => id.clone(),
                None => loop {
                    let id = fresh_id();
                    if !ids.contains(&id) {
                        ids.insert(id.clone());
                        break id;
                    }
                },
            };
            charter.write_section(&id, section, &Position::End)?;
        }
        Ok(charter)
    }

    fn root_object(&self, key: &str, kind: ObjType) -> Result<ObjId, SchemaError> {
        View {
            doc: &*self.tx,
            heads: None,
        }
        .object(&ROOT, key, kind)
        .ok_or_else(|| SchemaError::Malformed(format!("root `{key}` is missing or not a {kind}")))
    }

    fn section_obj(&self, id: &SectionId) -> Result<ObjId, SchemaError> {
        let sections = self.root_object("sections", ObjType::Map)?;
        View {
            doc: &*self.tx,
            heads: None,
        }
        .object(&sections, id.as_str(), ObjType::Map)
        .ok_or_else(|| SchemaError::NoSuchSection(id.to_string()))
    }

    fn text_obj(&mut self, parent: &ObjId, key: &str) -> Result<ObjId, SchemaError> {
        let existing = View {
            doc: &*self.tx,
            heads: None,
        }
        .object(parent, key, ObjType::Text);
        match existing {
            Some(id) => Ok(id),
            None => {
                // A plain string (or nothing) where text belongs: replace it
                // with a text object holding the same content.
                let old = View {
                    doc: &*self.tx,
                    heads: None,
                }
                .text(parent, key);
                let id = self.tx.put_object(parent, key, ObjType::Text)?;
                self.tx.splice_text(&id, 0, 0, &old)?;
                Ok(id)
            }
        }
    }

    /// Make the text at `key` read `new`, with the splices of
    /// [`crate::splice::splices`]: time linear in the text, not quadratic
    /// in what changed as Automerge's own `update_text`.
    fn update_text(&mut self, parent: &ObjId, key: &str, new: &str) -> Result<(), SchemaError> {
        let obj = self.text_obj(parent, key)?;
        let old = self.tx.text(&obj)?;
        for splice in crate::splice::splices(&old, new) {
            let delete = isize::try_from(splice.delete).unwrap_or(isize::MAX);
            self.tx
                .splice_text(&obj, splice.pos, delete, &splice.insert)?;
        }
        Ok(())
    }

    /// The charter as it stands inside this transaction.
    pub fn read(&self) -> Result<Charter, SchemaError> {
        read_view(&View {
            doc: &*self.tx,
            heads: None,
        })
    }

    /// Replace the title.
    pub fn set_title(&mut self, title: &str) -> Result<(), SchemaError> {
        single_line("the title", title)?;
        self.update_text(&ROOT, "title", title)
    }

    /// Replace the preamble.
    pub fn set_preamble(&mut self, text: &str) -> Result<(), SchemaError> {
        no_headings("the preamble", text)?;
        self.update_text(&ROOT, "preamble", text)
    }

    /// Add a section at `position` and return its id.
    pub fn add_section(
        &mut self,
        draft: &SectionDraft,
        position: &Position,
        fresh_id: impl FnOnce() -> SectionId,
    ) -> Result<SectionId, SchemaError> {
        check_section_draft(draft)?;
        let id = draft.id.clone().unwrap_or_else(fresh_id);
        if self.section_obj(&id).is_ok() {
            return Err(SchemaError::DuplicateSection(id.to_string()));
        }
        self.check_position(position)?;
        self.write_section(&id, draft, position)?;
        Ok(id)
    }

    fn write_section(
        &mut self,
        id: &SectionId,
        draft: &SectionDraft,
        position: &Position,
    ) -> Result<(), SchemaError> {
        let sections = self.root_object("sections", ObjType::Map)?;
        let obj = self.tx.put_object(&sections, id.as_str(), ObjType::Map)?;
        let heading = self.tx.put_object(&obj, "heading", ObjType::Text)?;
        self.tx.splice_text(&heading, 0, 0, &draft.heading)?;
        self.tx.put(&obj, "level", u64::from(draft.level))?;
        let tags = self.tx.put_object(&obj, "tags", ObjType::Map)?;
        for tag in &draft.tags {
            self.tx.put(&tags, tag.as_str(), true)?;
        }
        let articles = self.tx.put_object(&obj, "articles", ObjType::List)?;
        for (index, article) in draft.articles.iter().enumerate() {
            self.insert_article(&articles, index, article)?;
        }
        self.insert_in_order(id, position)?;
        // The text object last: Automerge keeps ops sorted by object, and
        // keystrokes into the newest object append at the end of its columns.
        let text = self.tx.put_object(&obj, "text", ObjType::Text)?;
        self.tx.splice_text(&text, 0, 0, &draft.text)?;
        Ok(())
    }

    fn insert_article(
        &mut self,
        list: &ObjId,
        index: usize,
        article: &Article,
    ) -> Result<(), SchemaError> {
        let obj = self.tx.insert_object(list, index, ObjType::Map)?;
        self.tx.put(&obj, "number", article.number.as_str())?;
        let text = self.tx.put_object(&obj, "text", ObjType::Text)?;
        self.tx.splice_text(&text, 0, 0, &article.text)?;
        Ok(())
    }

    fn order_entries(&self) -> Result<(ObjId, Vec<String>), SchemaError> {
        let list = self.root_object("order", ObjType::List)?;
        let entries = View {
            doc: &*self.tx,
            heads: None,
        }
        .list(&list)
        .into_iter()
        .map(|item| item.text.unwrap_or_default())
        .collect();
        Ok((list, entries))
    }

    fn check_position(&self, position: &Position) -> Result<(), SchemaError> {
        match position {
            Position::After(other) | Position::Before(other) => self.section_obj(other).map(|_| ()),
            Position::Start | Position::End => Ok(()),
        }
    }

    fn insert_in_order(&mut self, id: &SectionId, position: &Position) -> Result<(), SchemaError> {
        if let Position::Start | Position::End = position {
            // No need to read the list: creating a charter of n sections
            // appends n times, and reading each time made it quadratic.
            let list = self.root_object("order", ObjType::List)?;
            let index = match position {
                Position::Start => 0,
                _ => self.tx.length(&list),
            };
            self.tx.insert(&list, index, id.as_str())?;
            return Ok(());
        }
        let (list, entries) = self.order_entries()?;
        let index = match position {
            Position::Start => 0,
            Position::End => entries.len(),
            Position::After(other) => entries
                .iter()
                .position(|e| e == other.as_str())
                .map_or(entries.len(), |i| i + 1),
            Position::Before(other) => entries
                .iter()
                .position(|e| e == other.as_str())
                .unwrap_or(entries.len()),
        };
        self.tx.insert(&list, index, id.as_str())?;
        Ok(())
    }

    fn remove_from_order(&mut self, id: &SectionId) -> Result<(), SchemaError> {
        let (list, entries) = self.order_entries()?;
        for (index, entry) in entries.iter().enumerate().rev() {
            if entry == id.as_str() {
                self.tx.delete(&list, index)?;
            }
        }
        Ok(())
    }

    /// Move a section. Its content objects stay where they are, so
    /// concurrent edits to it are kept.
    pub fn move_section(&mut self, id: &SectionId, position: &Position) -> Result<(), SchemaError> {
        self.section_obj(id)?;
        if matches!(position, Position::After(other) | Position::Before(other) if other == id) {
            return Ok(());
        }
        self.check_position(position)?;
        self.remove_from_order(id)?;
        self.insert_in_order(id, position)
    }

    /// Remove a section. Its text stays in the history.
    pub fn remove_section(&mut self, id: &SectionId) -> Result<(), SchemaError> {
        self.section_obj(id)?;
        self.remove_from_order(id)?;
        let sections = self.root_object("sections", ObjType::Map)?;
        self.tx.delete(&sections, id.as_str())?;
        Ok(())
    }

    /// Splice a section's text (its prose before the articles): delete
    /// `delete` characters at `position` (in Unicode scalar values) and
    /// insert `insert`. This is the keystroke-level edit of live typing.
    pub fn splice_text(
        &mut self,
        id: &SectionId,
        position: usize,
        delete: usize,
        insert: &str,
    ) -> Result<(), SchemaError> {
        let obj = self.section_obj(id)?;
        let text = self.text_obj(&obj, "text")?;
        let len = self.tx.length(&text);
        if position.checked_add(delete).is_none_or(|end| end > len) {
            return Err(SchemaError::OutOfRange { position, len });
        }
        let delete =
            isize::try_from(delete).map_err(|_| SchemaError::OutOfRange { position, len })?;
        self.tx.splice_text(&text, position, delete, insert)?;
        Ok(())
    }

    /// Resolve a conflict: replace the words the merge left with `text`.
    /// Refused if somebody edited them since (the conflict is closed).
    pub fn resolve_conflict(
        &mut self,
        conflict: &crate::conflicts::Conflict,
        text: &str,
    ) -> Result<(), SchemaError> {
        match &conflict.part {
            TextPart::Title => single_line("the title", text)?,
            TextPart::Heading { .. } => single_line("a heading", text)?,
            TextPart::Preamble => no_headings("the preamble", text)?,
            TextPart::SectionText { .. } | TextPart::Article { .. } => {
                no_headings("section text", text)?
            }
        }
        conflict.resolve(self.tx, text)
    }

    /// Rename a section.
    pub fn set_heading(&mut self, id: &SectionId, heading: &str) -> Result<(), SchemaError> {
        single_line("a heading", heading)?;
        let obj = self.section_obj(id)?;
        self.update_text(&obj, "heading", heading)
    }

    /// Change a section's heading level.
    pub fn set_level(&mut self, id: &SectionId, level: u8) -> Result<(), SchemaError> {
        if !(1..=6).contains(&level) {
            return Err(SchemaError::BadLevel(level));
        }
        let obj = self.section_obj(id)?;
        self.tx.put(&obj, "level", u64::from(level))?;
        Ok(())
    }

    /// Add and remove tags.
    pub fn tag(
        &mut self,
        id: &SectionId,
        add: &[String],
        remove: &[String],
    ) -> Result<(), SchemaError> {
        for tag in add.iter().chain(remove) {
            validate_tag(tag)?;
        }
        let obj = self.section_obj(id)?;
        let existing = View {
            doc: &*self.tx,
            heads: None,
        }
        .object(&obj, "tags", ObjType::Map);
        let tags = match existing {
            Some(tags) => tags,
            None => self.tx.put_object(&obj, "tags", ObjType::Map)?,
        };
        for tag in remove {
            self.tx.delete(&tags, tag.as_str())?;
        }
        for tag in add {
            self.tx.put(&tags, tag.as_str(), true)?;
        }
        Ok(())
    }

    /// Replace a section's body (its prose and numbered articles, as
    /// Markdown) with the smallest edits: unchanged articles are not touched,
    /// changed ones are spliced, new ones inserted, missing ones deleted.
    pub fn set_body(&mut self, id: &SectionId, body: &str) -> Result<(), SchemaError> {
        no_headings("section text", body)?;
        let (text, articles) = markdown::parse_body(body);
        let obj = self.section_obj(id)?;
        self.update_text(&obj, "text", &text)?;
        self.set_articles(&obj, &articles)
    }

    fn set_articles(&mut self, section: &ObjId, new: &[Article]) -> Result<(), SchemaError> {
        let existing = View {
            doc: &*self.tx,
            heads: None,
        }
        .object(section, "articles", ObjType::List);
        let list = match existing {
            Some(list) => list,
            None => self.tx.put_object(section, "articles", ObjType::List)?,
        };
        // Anything but an article object in the list (only a foreign peer
        // puts it there; readers skip it) goes first, so that list
        // positions below count articles only.
        let strays: Vec<usize> = View {
            doc: &*self.tx,
            heads: None,
        }
        .list(&list)
        .iter()
        .enumerate()
        .filter(|(_, item)| item.object != Some(ObjType::Map))
        .map(|(index, _)| index)
        .collect();
        for index in strays.into_iter().rev() {
            self.tx.delete(&list, index)?;
        }
        let old: Vec<(ObjId, Article)> = {
            let view = View {
                doc: &*self.tx,
                heads: None,
            };
            view.list(&list)
                .into_iter()
                .filter(|item| item.object == Some(ObjType::Map))
                .map(|item| {
                    let article = Article {
                        number: view.scalar_str(&item.id, "number").unwrap_or_default(),
                        text: view.text(&item.id, "text"),
                    };
                    (item.id, article)
                })
                .collect()
        };
        // Align old and new articles on identical text; pair up the rest in
        // order, so an edited article keeps its object (and concurrent edits
        // to it) instead of being deleted and re-inserted.
        let old_texts: Vec<&str> = old.iter().map(|(_, a)| a.text.as_str()).collect();
        let new_texts: Vec<&str> = new.iter().map(|a| a.text.as_str()).collect();
        let ops = similar::capture_diff_slices(similar::Algorithm::Myers, &old_texts, &new_texts);
        // Walk the diff in order with our own cursors (the indexes that
        // `similar` reports for an insert are not always the position in
        // the old list): `old_at` and `new_at` count the articles consumed,
        // `pos` is where the next one is in the list being edited.
        let (mut old_at, mut new_at, mut pos) = (0usize, 0usize, 0usize);
        for op in ops {
            let (old_len, new_len) = match op {
                similar::DiffOp::Equal { len, .. } => (len, len),
                similar::DiffOp::Delete { old_len, .. } => (old_len, 0),
                similar::DiffOp::Insert { new_len, .. } => (0, new_len),
                similar::DiffOp::Replace {
                    old_len, new_len, ..
                } => (old_len, new_len),
            };
            let paired = old_len.min(new_len);
            for k in 0..paired {
                let (obj, before) = &old[old_at + k];
                let after = &new[new_at + k];
                if before.number != after.number {
                    self.tx.put(obj, "number", after.number.as_str())?;
                }
                if before.text != after.text {
                    self.update_text(obj, "text", &after.text)?;
                }
                pos += 1;
            }
            for _ in paired..old_len {
                self.tx.delete(&list, pos)?;
            }
            for k in paired..new_len {
                self.insert_article(&list, pos, &new[new_at + k])?;
                pos += 1;
            }
            old_at += old_len;
            new_at += new_len;
        }
        Ok(())
    }
}

fn single_line(what: &'static str, text: &str) -> Result<(), SchemaError> {
    if text.contains(['\n', '\r']) {
        Err(SchemaError::MultiLine(what))
    } else {
        Ok(())
    }
}

fn no_headings(what: &'static str, text: &str) -> Result<(), SchemaError> {
    if markdown::has_heading(text) {
        Err(SchemaError::HeadingInText(what))
    } else {
        Ok(())
    }
}

fn check_section_draft(draft: &SectionDraft) -> Result<(), SchemaError> {
    single_line("a heading", &draft.heading)?;
    if !(1..=6).contains(&draft.level) {
        return Err(SchemaError::BadLevel(draft.level));
    }
    no_headings("section text", &draft.text)?;
    for article in &draft.articles {
        no_headings("an article", &article.text)?;
    }
    for tag in &draft.tags {
        validate_tag(tag)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::ActorId;

    fn counter_ids() -> impl FnMut() -> SectionId {
        let mut n = 0u8;
        move || {
            n += 1;
            SectionId::from_random([n, 0, 0, 0, 0])
        }
    }

    fn edit(
        doc: &mut Automerge,
        f: impl FnOnce(&mut CharterTx<'_, '_>) -> Result<(), SchemaError>,
    ) {
        let mut tx = doc.transaction();
        let mut charter = CharterTx::new(&mut tx).expect("charter");
        f(&mut charter).expect("edit");
        tx.commit();
    }

    fn new_charter(actor: u8, markdown: &str) -> Automerge {
        let mut doc = Automerge::new().with_actor(ActorId::from(&[actor; 32][..]));
        let draft = markdown::parse(markdown);
        let mut tx = doc.transaction();
        CharterTx::create(&mut tx, "Charte", &draft, counter_ids()).expect("create");
        tx.commit();
        doc
    }

    const SAMPLE: &str = "# Charte\n\nPréambule.\n\n## Adhésion\n\nIntro.\n\n1. Toute personne.\n\n2. Le collège.\n\n## Sortie\n\nOn part. 👋\n";

    #[test]
    fn a_created_charter_reads_back() {
        let doc = new_charter(1, SAMPLE);
        let charter = read(&doc, None).expect("read");
        assert_eq!(charter.title, "Charte");
        assert_eq!(charter.preamble, "Préambule.");
        assert_eq!(charter.sections.len(), 2);
        let first = &charter.sections[0];
        assert_eq!(first.heading, "Adhésion");
        assert_eq!(first.text, "Intro.");
        assert_eq!(first.articles.len(), 2);
        assert_eq!(first.articles[1].number, "2.");
        assert_eq!(charter.sections[1].text, "On part. 👋");
    }

    #[test]
    fn concurrent_edits_to_one_section_both_survive() {
        let mut alice = new_charter(1, SAMPLE);
        let mut bob = alice.fork().with_actor(ActorId::from(&[2u8; 32][..]));
        let id = read(&alice, None).expect("read").sections[1].id.clone();
        edit(&mut alice, |c| c.set_body(&id, "Alice: on part. 👋"));
        edit(&mut bob, |c| c.set_body(&id, "On part. 👋 Bob."));
        alice.merge(&mut bob).expect("merge");
        bob.merge(&mut alice).expect("merge");
        let a = read(&alice, None).expect("read");
        assert_eq!(a, read(&bob, None).expect("read"));
        assert_eq!(a.sections[1].text, "Alice: on part. 👋 Bob.");
    }

    #[test]
    fn moving_a_section_keeps_a_concurrent_edit() {
        let mut alice = new_charter(1, SAMPLE);
        let mut bob = alice.fork().with_actor(ActorId::from(&[2u8; 32][..]));
        let ids: Vec<_> = read(&alice, None)
            .expect("read")
            .sections
            .into_iter()
            .map(|s| s.id)
            .collect();
        edit(&mut alice, |c| c.move_section(&ids[1], &Position::Start));
        edit(&mut bob, |c| c.set_body(&ids[1], "On part vite."));
        alice.merge(&mut bob).expect("merge");
        let charter = read(&alice, None).expect("read");
        assert_eq!(charter.sections[0].id, ids[1]);
        assert_eq!(charter.sections[0].text, "On part vite.");
    }

    #[test]
    fn concurrent_moves_of_one_section_do_not_duplicate_it() {
        let mut alice = new_charter(1, SAMPLE);
        let mut bob = alice.fork().with_actor(ActorId::from(&[2u8; 32][..]));
        let ids: Vec<_> = read(&alice, None)
            .expect("read")
            .sections
            .into_iter()
            .map(|s| s.id)
            .collect();
        edit(&mut alice, |c| c.move_section(&ids[1], &Position::Start));
        edit(&mut bob, |c| c.move_section(&ids[1], &Position::Start));
        alice.merge(&mut bob).expect("merge");
        assert_eq!(read(&alice, None).expect("read").sections.len(), 2);
    }

    #[test]
    fn editing_one_article_keeps_the_others_objects() {
        let mut alice = new_charter(1, SAMPLE);
        let mut bob = alice.fork().with_actor(ActorId::from(&[2u8; 32][..]));
        let id = read(&alice, None).expect("read").sections[0].id.clone();
        edit(&mut alice, |c| {
            c.set_body(
                &id,
                "Intro.\n\n1. Toute personne majeure.\n\n2. Le collège.",
            )
        });
        edit(&mut bob, |c| {
            c.set_body(&id, "Intro.\n\n1. Toute personne.\n\n2. Le collège décide.")
        });
        alice.merge(&mut bob).expect("merge");
        let section = &read(&alice, None).expect("read").sections[0];
        assert_eq!(section.articles[0].text, "Toute personne majeure.");
        assert_eq!(section.articles[1].text, "Le collège décide.");
    }

    #[test]
    fn inserting_an_article_in_the_middle_renumbers_and_keeps_text() {
        let mut doc = new_charter(1, SAMPLE);
        let id = read(&doc, None).expect("read").sections[0].id.clone();
        let body = "Intro.\n\n1. Toute personne.\n\n2. Nouveau.\n\n3. Le collège.";
        edit(&mut doc, |c| c.set_body(&id, body));
        let section = &read(&doc, None).expect("read").sections[0];
        assert_eq!(section.body(), body);
        edit(&mut doc, |c| c.set_body(&id, "Plus rien."));
        let section = &read(&doc, None).expect("read").sections[0];
        assert!(section.articles.is_empty());
        assert_eq!(section.text, "Plus rien.");
    }

    #[test]
    fn reading_at_old_heads_shows_the_old_text() {
        let mut doc = new_charter(1, SAMPLE);
        let heads = doc.get_heads();
        let id = read(&doc, None).expect("read").sections[1].id.clone();
        edit(&mut doc, |c| c.remove_section(&id));
        assert_eq!(read(&doc, None).expect("read").sections.len(), 1);
        assert_eq!(read(&doc, Some(&heads)).expect("read").sections.len(), 2);
    }

    #[test]
    fn invalid_edits_are_refused() {
        let mut doc = new_charter(1, SAMPLE);
        let id = read(&doc, None).expect("read").sections[0].id.clone();
        let mut tx = doc.transaction();
        let mut c = CharterTx::new(&mut tx).expect("charter");
        assert!(matches!(
            c.set_title("a\nb"),
            Err(SchemaError::MultiLine(_))
        ));
        assert!(matches!(
            c.set_body(&id, "x\n\n## y"),
            Err(SchemaError::HeadingInText(_))
        ));
        let missing: SectionId = "nope".parse().expect("id");
        assert!(matches!(
            c.set_body(&missing, "x"),
            Err(SchemaError::NoSuchSection(_))
        ));
        assert!(matches!(c.set_level(&id, 9), Err(SchemaError::BadLevel(9))));
        assert!(matches!(
            c.tag(&id, &["a b".into()], &[]),
            Err(SchemaError::BadTag(_))
        ));
        assert!("Bad Id".parse::<SectionId>().is_err());
    }

    #[test]
    fn a_plain_document_is_not_a_charter() {
        let doc = Automerge::new();
        assert_eq!(read(&doc, None), Err(SchemaError::NotACharter));
    }

    #[test]
    fn section_ids_are_eight_unambiguous_characters() {
        let id = SectionId::from_random([255, 1, 2, 3, 4]);
        assert_eq!(id.as_str().len(), 8);
        assert!(id.as_str().parse::<SectionId>().is_ok());
        assert_ne!(id, SectionId::from_random([255, 1, 2, 3, 5]));
    }
}
