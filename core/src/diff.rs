//! Section-by-section differences between two versions of a charter.
//!
//! Sections are matched by their stable id, so a renamed or moved section is
//! reported as renamed or moved, not as one removed and one added. Text
//! differences are line-based unified diffs of each section's body.

use similar::{Algorithm, DiffTag, TextDiff};

use crate::charter::{Charter, Section, SectionId};

/// A text that changed, with its unified diff.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TextChange {
    /// The text before.
    pub before: String,
    /// The text after.
    pub after: String,
    /// A unified diff (`-`/`+`/` ` lines, with `@@` hunk headers).
    pub unified: String,
}

impl TextChange {
    fn between(before: &str, after: &str) -> Option<Self> {
        if before == after {
            return None;
        }
        // Compare whole lines: a last line without a newline would otherwise
        // differ from the same line followed by more text.
        let (old, new) = (format!("{before}\n"), format!("{after}\n"));
        let unified = TextDiff::configure()
            .algorithm(Algorithm::Patience)
            .diff_lines(&old, &new)
            .unified_diff()
            .context_radius(2)
            .missing_newline_hint(false)
            .to_string();
        Some(TextChange {
            before: before.to_owned(),
            after: after.to_owned(),
            unified,
        })
    }
}

/// What happened to one section between two versions.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "change", rename_all = "kebab-case")]
pub enum SectionDiff {
    /// The section is new.
    Added {
        /// The section as it is now.
        section: Section,
    },
    /// The section was removed.
    Removed {
        /// The section as it was.
        section: Section,
    },
    /// The section exists in both and something about it changed.
    Changed {
        /// The section's id.
        id: SectionId,
        /// Its heading now.
        heading: String,
        /// The old heading, if it was renamed.
        renamed_from: Option<String>,
        /// Whether it changed place relative to the other sections.
        moved: bool,
        /// The old level, if it changed.
        level_from: Option<u8>,
        /// Tags added.
        tags_added: Vec<String>,
        /// Tags removed.
        tags_removed: Vec<String>,
        /// The body (text and articles) change, if any.
        body: Option<TextChange>,
    },
}

/// Everything that differs between two versions of a charter.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct CharterDiff {
    /// The title change.
    pub title: Option<TextChange>,
    /// The preamble change.
    pub preamble: Option<TextChange>,
    /// Section changes: added and changed sections in the order of the newer
    /// version, then removed sections in the order of the older one.
    pub sections: Vec<SectionDiff>,
}

impl CharterDiff {
    /// Ids of the sections added, changed or removed, sorted.
    pub fn section_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .sections
            .iter()
            .map(|change| match change {
                SectionDiff::Added { section } | SectionDiff::Removed { section } => {
                    section.id.to_string()
                }
                SectionDiff::Changed { id, .. } => id.to_string(),
            })
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }

    /// Whether the two versions are the same.
    pub fn is_empty(&self) -> bool {
        self.title.is_none() && self.preamble.is_none() && self.sections.is_empty()
    }
}

/// Compare two versions of a charter.
pub fn diff(before: &Charter, after: &Charter) -> CharterDiff {
    let old_ids: Vec<&SectionId> = before.sections.iter().map(|s| &s.id).collect();
    let new_ids: Vec<&SectionId> = after.sections.iter().map(|s| &s.id).collect();
    let common_old: Vec<&SectionId> = old_ids
        .iter()
        .copied()
        .filter(|id| new_ids.contains(id))
        .collect();
    let common_new: Vec<&SectionId> = new_ids
        .iter()
        .copied()
        .filter(|id| old_ids.contains(id))
        .collect();
    // Sections outside the longest common subsequence of the common ids moved.
    let mut stayed = Vec::new();
    for op in similar::capture_diff_slices(Algorithm::Myers, &common_old, &common_new) {
        if op.tag() == DiffTag::Equal {
            stayed.extend(common_new[op.new_range()].iter().copied());
        }
    }

    let mut sections = Vec::new();
    for section in &after.sections {
        match before.sections.iter().find(|s| s.id == section.id) {
            None => sections.push(SectionDiff::Added {
                section: section.clone(),
            }),
            Some(old) => {
                let change = SectionDiff::Changed {
                    id: section.id.clone(),
                    heading: section.heading.clone(),
                    renamed_from: (old.heading != section.heading).then(|| old.heading.clone()),
                    moved: !stayed.contains(&&section.id),
                    level_from: (old.level != section.level).then_some(old.level),
                    tags_added: section
                        .tags
                        .iter()
                        .filter(|t| !old.tags.contains(t))
                        .cloned()
                        .collect(),
                    tags_removed: old
                        .tags
                        .iter()
                        .filter(|t| !section.tags.contains(t))
                        .cloned()
                        .collect(),
                    body: TextChange::between(&old.body(), &section.body()),
                };
                if !is_unchanged(&change) {
                    sections.push(change);
                }
            }
        }
    }
    for old in &before.sections {
        if !new_ids.contains(&&old.id) {
            sections.push(SectionDiff::Removed {
                section: old.clone(),
            });
        }
    }
    CharterDiff {
        title: TextChange::between(&before.title, &after.title),
        preamble: TextChange::between(&before.preamble, &after.preamble),
        sections,
    }
}

fn is_unchanged(change: &SectionDiff) -> bool {
    matches!(
        change,
        SectionDiff::Changed {
            renamed_from: None,
            moved: false,
            level_from: None,
            tags_added,
            tags_removed,
            body: None,
            ..
        } if tags_added.is_empty() && tags_removed.is_empty()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charter::Article;

    fn section(id: &str, heading: &str, text: &str) -> Section {
        Section {
            id: id.parse().expect("id"),
            heading: heading.into(),
            level: 2,
            text: text.into(),
            articles: Vec::new(),
            tags: Vec::new(),
        }
    }

    fn charter(sections: Vec<Section>) -> Charter {
        Charter {
            title: "T".into(),
            preamble: String::new(),
            sections,
        }
    }

    #[test]
    fn identical_versions_have_an_empty_diff() {
        let c = charter(vec![section("a", "A", "x")]);
        assert!(diff(&c, &c).is_empty());
    }

    #[test]
    fn text_changes_renames_moves_additions_and_removals_are_told_apart() {
        let before = charter(vec![
            section("a", "A", "un\ndeux"),
            section("b", "B", "b"),
            section("c", "C", "c"),
        ]);
        let mut moved_c = section("c", "C", "c");
        moved_c.articles.push(Article {
            number: "1.".into(),
            text: "nouvel article".into(),
        });
        let after = charter(vec![
            moved_c,
            section("a", "A bis", "un\ntrois"),
            section("d", "D", "d"),
        ]);
        let d = diff(&before, &after);
        assert_eq!(d.sections.len(), 4);
        let SectionDiff::Changed { body, id, .. } = &d.sections[0] else {
            panic!("expected c changed: {:?}", d.sections[0]);
        };
        assert_eq!(id.as_str(), "c");
        assert!(
            body.as_ref()
                .is_some_and(|b| b.unified.contains("+1. nouvel article"))
        );
        let SectionDiff::Changed {
            renamed_from, body, ..
        } = &d.sections[1]
        else {
            panic!("expected a changed");
        };
        assert_eq!(renamed_from.as_deref(), Some("A"));
        let body = body.as_ref().expect("body changed");
        assert!(body.unified.contains("-deux"));
        assert!(body.unified.contains("+trois"));
        assert!(
            matches!(&d.sections[2], SectionDiff::Added { section } if section.id.as_str() == "d")
        );
        assert!(
            matches!(&d.sections[3], SectionDiff::Removed { section } if section.id.as_str() == "b")
        );
    }

    #[test]
    fn a_pure_move_is_reported_as_moved() {
        let before = charter(vec![section("a", "A", "a"), section("b", "B", "b")]);
        let after = charter(vec![section("b", "B", "b"), section("a", "A", "a")]);
        let d = diff(&before, &after);
        assert_eq!(d.sections.len(), 1);
        assert!(matches!(
            &d.sections[0],
            SectionDiff::Changed {
                moved: true,
                body: None,
                ..
            }
        ));
    }
}
