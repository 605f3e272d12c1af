//! The report, tensions and what became of them.

use super::*;

impl Context<'_> {
    pub(super) fn tensions(&self, out: &mut Vec<Block>) {
        let state = self.state;
        out.push(Block::Heading(2, vec![t(self.tr("report-tensions", &[]))]));
        let mut tensions: Vec<_> = state.tensions.values().collect();
        tensions.sort_by_key(|tension| (opened_at(tension), tension.record));
        if tensions.is_empty() {
            out.push(Block::Para(vec![t(self.tr("report-tensions-none", &[]))]));
        }
        for tension in tensions {
            out.push(Block::Heading(
                3,
                self.line(
                    "report-tension-heading",
                    &[
                        ("summary", sp(t(tension.summary.clone()))),
                        (
                            "status",
                            txt(tension_status_name(tension.status, self.lang)),
                        ),
                    ],
                ),
            ));
            let mut args = vec![
                ("name", self.name(&tension.author).into()),
                ("date", self.date(opened_at(tension)).into()),
                ("path", path_name(tension.path, self.lang).into()),
            ];
            let raised = match &tension.section {
                Some(section) => {
                    args.push(("heading", self.heading(section).into()));
                    self.tr("report-tension-raised-about", &args)
                }
                None => self.tr("report-tension-raised", &args),
            };
            let mut items = vec![Item::new(vec![t(raised)])];
            let history = tension
                .history
                .iter()
                .map(|(record, status, note, at)| {
                    let status = sp(b(tension_status_name(*status, self.lang)));
                    let date = txt(self.date(*at));
                    let mut line = match self.author(record) {
                        Some(by) => self.line(
                            "report-tension-step-by",
                            &[("date", date), ("status", status), ("name", txt(by))],
                        ),
                        None => {
                            self.line("report-tension-step", &[("date", date), ("status", status)])
                        }
                    };
                    if !note.trim().is_empty() {
                        line.extend(
                            self.line("report-then-text", &[("text", sp(t(note.clone())))]),
                        );
                    }
                    Item::new(line)
                })
                .collect();
            items.push(Item::with(
                self.line("report-tension-history", &[]),
                history,
            ));
            if tension.challenges.is_empty() {
                items.push(Item::new(vec![t(
                    self.tr("report-tension-no-challenge", &[])
                )]));
            } else {
                let challenges = tension
                    .challenges
                    .iter()
                    .map(|id| match state.challenges.get(id) {
                        Some(challenge) => Item::new(vec![t(self.tr(
                            "report-tension-challenge",
                            &[
                                ("name", self.name(&challenge.author).into()),
                                ("date", self.date(challenge.at).into()),
                                ("heading", self.heading(&challenge.section).into()),
                            ],
                        ))]),
                        None => Item::new(self.line(
                            "report-tension-challenge-unknown",
                            &[("id", sp(c(id.short())))],
                        )),
                    })
                    .collect();
                items.push(Item::with(
                    self.line("report-tension-became", &[]),
                    challenges,
                ));
            }
            out.push(Block::List(items));
        }
    }
}
