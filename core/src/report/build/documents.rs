//! The report, conflicts in the charter and documents shared with the community.

use super::*;

impl Context<'_> {
    /// The documents shared with the community (`document.share`), if any.
    /// Concurrent rewrites of the same words, and whether they were
    /// resolved.
    pub(super) fn conflicts(&self, out: &mut Vec<Block>) {
        out.push(Block::Heading(2, vec![t("Conflicts")]));
        if self.conflicts.is_empty() {
            out.push(Block::Para(vec![t(
                "No two members rewrote the same words at the same time.",
            )]));
            return;
        }
        let mut items = Vec::new();
        for conflict in &self.conflicts {
            let part = match &conflict.part {
                charter::TextPart::Title => "the title".to_owned(),
                charter::TextPart::Preamble => "the preamble".to_owned(),
                charter::TextPart::Heading { section } => {
                    format!("the heading of “{}”", self.heading(section.as_str()))
                }
                charter::TextPart::SectionText { section } => {
                    format!("“{}”", self.heading(section.as_str()))
                }
                charter::TextPart::Article { section, number } => {
                    format!("article {number} of “{}”", self.heading(section.as_str()))
                }
            };
            let status = if conflict.open { "open" } else { "resolved" };
            let mut children = Vec::new();
            children.push(Item::new(vec![
                t("Before: “"),
                t(conflict.ancestor.clone()),
                t("”"),
            ]));
            for side in &conflict.sides {
                let who: Vec<String> = side
                    .changes
                    .iter()
                    .filter_map(|c| c.device)
                    .map(|d| self.name(&d))
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect();
                let when = side
                    .changes
                    .last()
                    .map(|c| date(u64::try_from(c.time_ms).unwrap_or(0)))
                    .unwrap_or_default();
                let who = if who.is_empty() {
                    "another peer".to_owned()
                } else {
                    who.join(", ")
                };
                children.push(Item::new(vec![
                    t(format!("{who} ({when}) wrote “")),
                    t(side.text.clone()),
                    t("”"),
                ]));
            }
            children.push(Item::new(vec![
                t("Merged: “"),
                t(conflict.merged.clone()),
                t("”"),
            ]));
            items.push(Item::with(
                vec![
                    t(format!("Conflict {} in {part} — ", conflict.id)),
                    b(status),
                ],
                children,
            ));
        }
        out.push(Block::List(items));
    }

    pub(super) fn documents(&self, out: &mut Vec<Block>) {
        let state = self.state;
        if state.documents.is_empty() {
            return;
        }
        out.push(Block::Heading(2, vec![t("Documents")]));
        let items = state
            .documents
            .iter()
            .map(|(doc, shared)| {
                Item::new(vec![
                    t("Shared document “"),
                    t(shared.title.clone()),
                    t("” ("),
                    b(shared.access.name()),
                    t(") "),
                    c(doc.to_string()),
                    t(format!(
                        ", by {}, {}",
                        self.name(&shared.shared_by),
                        self.when(&shared.record)
                    )),
                ])
            })
            .collect();
        out.push(Block::List(items));
    }
}
