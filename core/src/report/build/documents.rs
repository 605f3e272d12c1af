//! The report, conflicts in the charter and documents shared with the community.

use super::*;

impl Context<'_> {
    /// The documents shared with the community (`document.share`), if any.
    /// Concurrent rewrites of the same words, and whether they were
    /// resolved.
    pub(super) fn conflicts(&self, out: &mut Vec<Block>) {
        out.push(Block::Heading(2, vec![t(self.tr("report-conflicts", &[]))]));
        if self.conflicts.is_empty() {
            out.push(Block::Para(vec![t(self.tr("report-conflicts-none", &[]))]));
            return;
        }
        let mut items = Vec::new();
        for conflict in &self.conflicts {
            let part = match &conflict.part {
                charter::TextPart::Title => self.tr("report-conflict-in-title", &[]),
                charter::TextPart::Preamble => self.tr("report-conflict-in-preamble", &[]),
                charter::TextPart::Heading { section } => self.tr(
                    "report-conflict-in-heading",
                    &[("heading", self.heading(section.as_str()).into())],
                ),
                charter::TextPart::SectionText { section } => self.tr(
                    "report-conflict-in-section",
                    &[("heading", self.heading(section.as_str()).into())],
                ),
                charter::TextPart::Article { section, number } => self.tr(
                    "report-conflict-in-article",
                    &[
                        ("number", number.to_string().into()),
                        ("heading", self.heading(section.as_str()).into()),
                    ],
                ),
            };
            let status = if conflict.open { "open" } else { "resolved" };
            let mut children = Vec::new();
            children.push(Item::new(self.line(
                "report-conflict-before",
                &[("text", sp(t(conflict.ancestor.clone())))],
            )));
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
                    .map(|c| self.date(u64::try_from(c.time_ms).unwrap_or(0)))
                    .unwrap_or_default();
                let who = if who.is_empty() {
                    self.tr("report-conflict-another-peer", &[])
                } else {
                    who.join(", ")
                };
                children.push(Item::new(self.line(
                    "report-conflict-side",
                    &[
                        ("who", txt(who)),
                        ("date", txt(when)),
                        ("text", sp(t(side.text.clone()))),
                    ],
                )));
            }
            children.push(Item::new(self.line(
                "report-conflict-merged",
                &[("text", sp(t(conflict.merged.clone())))],
            )));
            items.push(Item::with(
                self.line(
                    "report-conflict",
                    &[
                        ("id", txt(conflict.id.to_string())),
                        ("part", txt(part)),
                        ("status", key(status)),
                    ],
                ),
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
        out.push(Block::Heading(2, vec![t(self.tr("report-documents", &[]))]));
        let items = state
            .documents
            .iter()
            .map(|(doc, shared)| {
                Item::new(self.line(
                    "report-document",
                    &[
                        ("title", sp(t(shared.title.clone()))),
                        ("access", key(shared.access.name())),
                        ("doc", sp(c(doc.to_string()))),
                        ("name", txt(self.name(&shared.shared_by))),
                        ("date", txt(self.when(&shared.record))),
                    ],
                ))
            })
            .collect();
        out.push(Block::List(items));
    }
}
