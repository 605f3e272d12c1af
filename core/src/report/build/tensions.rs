//! The report, tensions and what became of them.

use super::*;

impl Context<'_> {
    pub(super) fn tensions(&self, out: &mut Vec<Block>) {
        let state = self.state;
        out.push(Block::Heading(2, vec![t("Tensions")]));
        let mut tensions: Vec<_> = state.tensions.values().collect();
        tensions.sort_by_key(|tension| (opened_at(tension), tension.record));
        if tensions.is_empty() {
            out.push(Block::Para(vec![t("No tension was raised.")]));
        }
        for tension in tensions {
            out.push(Block::Heading(
                3,
                vec![
                    t("“"),
                    t(tension.summary.clone()),
                    t(format!("” — {}", tension_status_name(tension.status))),
                ],
            ));
            let mut raised = format!(
                "Raised by {}, {}, on the {} path",
                self.name(&tension.author),
                date(opened_at(tension)),
                path_name(tension.path)
            );
            if let Some(section) = &tension.section {
                raised.push_str(&format!(", about “{}”", self.heading(section)));
            }
            let mut items = vec![Item::new(vec![t(raised)])];
            let history = tension
                .history
                .iter()
                .map(|(record, status, note, at)| {
                    let mut line = vec![
                        t(format!("{} — ", date(*at))),
                        b(tension_status_name(*status)),
                    ];
                    if let Some(by) = self.author(record) {
                        line.push(t(format!(" ({by})")));
                    }
                    if !note.trim().is_empty() {
                        line.push(t(": "));
                        line.push(t(note.clone()));
                    }
                    Item::new(line)
                })
                .collect();
            items.push(Item::with(vec![b("History")], history));
            if tension.challenges.is_empty() {
                items.push(Item::new(vec![t("Became no challenge")]));
            } else {
                let challenges = tension
                    .challenges
                    .iter()
                    .map(|id| match state.challenges.get(id) {
                        Some(challenge) => Item::new(vec![t(format!(
                            "Challenge by {}, {}, of “{}”",
                            self.name(&challenge.author),
                            date(challenge.at),
                            self.heading(&challenge.section)
                        ))]),
                        None => Item::new(vec![t("Challenge "), c(id.short())]),
                    })
                    .collect();
                items.push(Item::with(vec![b("Became")], challenges));
            }
            out.push(Block::List(items));
        }
    }
}
