//! The report, public participations: each participation's phases on the
//! timeline with their dates, its commitments as they stand at the report's
//! time (the latest accepted record's: the report stays a function of the
//! log), its counts, its syntheses and its closing; then each
//! contribution's path. A hidden contribution shows its id, that it is
//! hidden and why, never its title or text.

use std::sync::Arc;

use super::*;
use crate::governance::participation::{
    ContributionState, ContributionStatus, Event as Step, ParticipationState, Visibility,
};
use crate::record::{AnswerState, AuthorType, Channel, PhaseKind, Relation, ReportReason};

/// A phase's name.
fn phase_name(phase: PhaseKind, lang: Lang) -> String {
    lang.tr(&format!("report-pphase-{}", phase.name()), &[])
}

fn author_word(author: AuthorType, lang: Lang) -> String {
    lang.tr(&format!("report-author-{}", author.name()), &[])
}

fn answer_word(state: AnswerState, lang: Lang) -> String {
    lang.tr(&format!("report-answer-{}", state.name()), &[])
}

fn channel_word(channel: Channel, lang: Lang) -> String {
    lang.tr(&format!("report-channel-{}", channel.name()), &[])
}

fn relation_word(relation: Relation, lang: Lang) -> String {
    lang.tr(&format!("report-relation-{}", relation.name()), &[])
}

fn reason_word(reason: ReportReason, lang: Lang) -> String {
    lang.tr(&format!("report-reason-{}", reason.name()), &[])
}

fn status_key(status: ContributionStatus) -> &'static str {
    match status {
        ContributionStatus::Submitted => "submitted",
        ContributionStatus::Withdrawn => "withdrawn",
        ContributionStatus::Hidden => "hidden",
        ContributionStatus::Answered => "answered",
    }
}

fn status_word(status: ContributionStatus, lang: Lang) -> String {
    lang.tr(
        &format!("report-contribution-status-{}", status_key(status)),
        &[],
    )
}

impl Context<'_> {
    /// The report's "now": the latest accepted record's time.
    fn now(&self) -> u64 {
        self.state
            .records
            .iter()
            .filter(|r| r.verdict == Verdict::Accepted)
            .map(|r| r.at)
            .max()
            .unwrap_or(0)
    }

    /// The participations, oldest first.
    fn participation_list(&self) -> Vec<&ParticipationState> {
        let mut list: Vec<&ParticipationState> = self.state.participations.values().collect();
        list.sort_by_key(|p| (p.opened_at, p.id));
        list
    }

    /// The contributions of `p`, in the order they came.
    fn contributions_of(&self, p: &ParticipationState) -> Vec<Arc<ContributionState>> {
        p.contributions
            .iter()
            .filter_map(|id| self.state.contributions.get(id).cloned())
            .collect()
    }

    /// Who signed record `id` and when, as "name", "date", "record" args.
    fn signed(&self, id: &RecordId) -> [(&'static str, Piece); 3] {
        [
            ("name", txt(self.author(id).unwrap_or_else(|| id.short()))),
            ("date", txt(self.when(id))),
            ("record", sp(c(id.short()))),
        ]
    }

    pub(super) fn participations(&self, out: &mut Vec<Block>) {
        let list = self.participation_list();
        if list.is_empty() {
            return;
        }
        out.push(Block::Heading(
            2,
            vec![t(self.tr("report-participations", &[]))],
        ));
        for p in list {
            self.participation(p, out);
        }
    }

    fn participation(&self, p: &ParticipationState, out: &mut Vec<Block>) {
        let lang = self.lang;
        let now = self.now();
        let contributions = self.contributions_of(p);
        out.push(Block::Heading(
            3,
            self.line(
                "report-participation-heading",
                &[
                    ("title", sp(t(p.title.clone()))),
                    ("closed", key(if p.closed.is_some() { "yes" } else { "no" })),
                ],
            ),
        ));
        let mut items = vec![Item::new(self.line(
            "report-participation-opened",
            &[
                ("name", txt(self.name(&p.opened_by))),
                ("date", txt(self.date(p.opened_at))),
                ("record", sp(c(p.id.short()))),
                ("due", txt(self.date(p.answer_due))),
                ("threshold", num(p.report_threshold as usize)),
            ],
        ))];

        // The four phases, in order, with their dates.
        let phases = PhaseKind::ALL
            .iter()
            .map(|kind| {
                let name = txt(phase_name(*kind, lang));
                match p.phases.iter().find(|ph| ph.phase == *kind) {
                    Some(ph) => {
                        let mut args =
                            vec![("phase", name), ("opens", txt(self.date(ph.opens_at)))];
                        let id = match ph.closes_at {
                            Some(closes) => {
                                args.push(("closes", txt(self.date(closes))));
                                "report-participation-phase-until"
                            }
                            None => "report-participation-phase",
                        };
                        args.extend(self.signed(&ph.record));
                        Item::new(self.line(id, &args))
                    }
                    None => {
                        Item::new(self.line("report-participation-phase-none", &[("phase", name)]))
                    }
                }
            })
            .collect();
        items.push(Item::with(
            self.line("report-participation-phases", &[]),
            phases,
        ));

        // Commitments, as they stand at the report's time.
        let lookup = |id: &RecordId| self.state.contributions.get(id).cloned();
        let commitments: Vec<Item> = p
            .commitments
            .iter()
            .map(|commitment| {
                let status = p.commitment_status(commitment, &lookup, now);
                let mut line = self.line(
                    "report-participation-commitment",
                    &[
                        ("id", sp(c(commitment.id.clone()))),
                        ("text", sp(t(commitment.text.clone()))),
                        (
                            "status",
                            txt(self.tr(&format!("report-commitment-{}", status.name()), &[])),
                        ),
                    ],
                );
                if let Some(settled) = p.settled.get(&commitment.id)
                    && !settled.evidence.trim().is_empty()
                {
                    line.extend(self.line(
                        "report-then-text",
                        &[("text", sp(t(settled.evidence.clone())))],
                    ));
                }
                Item::new(line)
            })
            .collect();
        if commitments.is_empty() {
            items.push(Item::new(
                self.line("report-participation-commitments-none", &[]),
            ));
        } else {
            items.push(Item::with(
                self.line(
                    "report-participation-commitments",
                    &[("date", txt(self.date(now)))],
                ),
                commitments,
            ));
        }

        // Counts.
        items.push(self.counts(p, &contributions));

        // Syntheses.
        if p.syntheses.is_empty() {
            items.push(Item::new(
                self.line("report-participation-syntheses-none", &[]),
            ));
        } else {
            let syntheses = p
                .syntheses
                .iter()
                .map(|s| {
                    let mut line = self.line(
                        "report-participation-synthesis",
                        &[
                            ("date", txt(self.date(s.at))),
                            (
                                "name",
                                txt(self.author(&s.record).unwrap_or_else(|| s.record.short())),
                            ),
                            ("hash", sp(c(short_hex(&s.hash)))),
                            ("method", sp(t(s.method.clone()))),
                        ],
                    );
                    if !s.figures.is_empty() {
                        let figures = s
                            .figures
                            .iter()
                            .map(|(k, v)| format!("{k} = {v}"))
                            .collect::<Vec<_>>()
                            .join(", ");
                        line.extend(self.line("report-then-text", &[("text", sp(t(figures)))]));
                    }
                    Item::new(line)
                })
                .collect();
            items.push(Item::with(
                self.line("report-participation-syntheses", &[]),
                syntheses,
            ));
        }

        // Closing.
        match &p.closed {
            Some(closed) => {
                let mut line = self.line(
                    "report-participation-closed",
                    &[
                        ("date", txt(self.date(closed.at))),
                        (
                            "name",
                            txt(self
                                .author(&closed.record)
                                .unwrap_or_else(|| closed.record.short())),
                        ),
                    ],
                );
                if !closed.summary.trim().is_empty() {
                    line.extend(self.line(
                        "report-then-text",
                        &[("text", sp(t(closed.summary.clone())))],
                    ));
                }
                items.push(Item::new(line));
            }
            None => items.push(Item::new(self.line("report-participation-not-closed", &[]))),
        }
        out.push(Block::List(items));

        // Each contribution's path.
        out.push(Block::Heading(
            4,
            vec![t(self.tr("report-participation-paths", &[]))],
        ));
        if contributions.is_empty() {
            out.push(Block::Para(vec![t(
                self.tr("report-participation-paths-none", &[])
            )]));
            return;
        }
        let paths = contributions
            .iter()
            .map(|contribution| self.path(p, contribution))
            .collect();
        out.push(Block::List(paths));
    }

    /// Contributions by author type, by status and by answer state.
    fn counts(&self, p: &ParticipationState, contributions: &[Arc<ContributionState>]) -> Item {
        let lang = self.lang;
        let count = |label: String, n: usize| {
            self.tr(
                "report-count",
                &[("label", label.into()), ("count", n.into())],
            )
        };
        let by_author: Vec<String> = AuthorType::ALL
            .iter()
            .filter_map(|a| {
                let n = contributions.iter().filter(|c| c.author_type == *a).count();
                (n > 0).then(|| count(author_word(*a, lang), n))
            })
            .collect();
        let statuses = [
            ContributionStatus::Submitted,
            ContributionStatus::Answered,
            ContributionStatus::Hidden,
            ContributionStatus::Withdrawn,
        ];
        let by_status: Vec<String> = statuses
            .iter()
            .map(|s| {
                let n = contributions
                    .iter()
                    .filter(|c| c.status(p.report_threshold) == *s)
                    .count();
                count(status_word(*s, lang), n)
            })
            .collect();
        let by_answer: Vec<String> = AnswerState::ALL
            .iter()
            .filter_map(|a| {
                let n = contributions
                    .iter()
                    .filter(|c| c.answer().is_some_and(|x| x.state == *a))
                    .count();
                (n > 0).then(|| count(answer_word(*a, lang), n))
            })
            .collect();
        let mut children = Vec::new();
        for (id, list) in [
            ("report-participation-by-author", by_author),
            ("report-participation-by-status", by_status),
            ("report-participation-by-answer", by_answer),
        ] {
            if !list.is_empty() {
                children.push(Item::new(self.line(id, &[("list", txt(list.join(", ")))])));
            }
        }
        Item::with(
            self.line(
                "report-participation-counts",
                &[("count", txt(contributions.len().to_string()))],
            ),
            children,
        )
    }

    /// One contribution and its path.
    fn path(&self, p: &ParticipationState, contribution: &ContributionState) -> Item {
        let lang = self.lang;
        let threshold = p.report_threshold;
        let id = sp(c(contribution.id.short()));
        let hidden = contribution.hidden(threshold);
        let head = match contribution.visibility(threshold) {
            Visibility::Hidden => {
                let act = contribution.moderation.last();
                self.line(
                    "report-contribution-hidden",
                    &[
                        ("id", id),
                        (
                            "reason",
                            sp(t(act.map(|a| a.reason.clone()).unwrap_or_default())),
                        ),
                        (
                            "clause",
                            sp(t(act.map(|a| a.clause.clone()).unwrap_or_default())),
                        ),
                    ],
                )
            }
            Visibility::HiddenPendingReview => self.line(
                "report-contribution-hidden-pending",
                &[("id", id), ("count", num(contribution.reporters()))],
            ),
            Visibility::Visible => {
                let status = contribution.status(threshold);
                let status = match (status, contribution.answer()) {
                    (ContributionStatus::Answered, Some(answer)) => answer_word(answer.state, lang),
                    _ => status_word(status, lang),
                };
                let category = p
                    .categories
                    .iter()
                    .find(|k| k.id == contribution.category)
                    .map_or_else(|| contribution.category.clone(), |k| k.label.clone());
                self.line(
                    "report-contribution",
                    &[
                        ("id", id),
                        ("title", sp(t(contribution.title.clone()))),
                        ("author", txt(author_word(contribution.author_type, lang))),
                        ("pseudonym", sp(c(contribution.pseudonym.clone()))),
                        ("category", sp(t(category))),
                        ("channel", txt(channel_word(contribution.channel, lang))),
                        ("status", txt(status)),
                    ],
                )
            }
        };
        let steps = contribution
            .timeline(threshold)
            .iter()
            .map(|step| {
                let mut line = vec![t(format!("{} — ", self.date(step.at)))];
                line.extend(self.step(contribution, step, hidden));
                Item::new(line)
            })
            .collect();
        Item::with(head, steps)
    }

    /// What one step of a path says. Nothing of the contribution's own
    /// words (title, text, withdrawal reason) when it is hidden.
    fn step(
        &self,
        contribution: &ContributionState,
        step: &crate::governance::participation::TimelineEvent,
        hidden: bool,
    ) -> Line {
        let lang = self.lang;
        let record = &step.record;
        match step.event {
            Step::Submitted => self.line("report-step-submitted", &[]),
            Step::Revised => {
                let number = contribution
                    .wordings
                    .iter()
                    .position(|w| w.record == *record)
                    .map_or(0, |k| k + 1);
                self.line(
                    "report-step-revised",
                    &[("number", txt(number.to_string()))],
                )
            }
            Step::Linked => match contribution.links.iter().find(|l| l.record == *record) {
                Some(link) => self.line(
                    "report-step-linked",
                    &[
                        ("relation", txt(relation_word(link.relation, lang))),
                        ("target", sp(c(link.target.short()))),
                    ],
                ),
                None => vec![c(record.short())],
            },
            Step::Reported => {
                let reason = contribution
                    .reports
                    .iter()
                    .find(|r| r.record == *record)
                    .map_or_else(String::new, |r| reason_word(r.reason, lang));
                self.line("report-step-reported", &[("reason", txt(reason))])
            }
            Step::HiddenByReports => self.line("report-step-hidden-by-reports", &[]),
            Step::Hidden | Step::Restored => {
                let act = contribution.moderation.iter().find(|m| m.record == *record);
                let id = if step.event == Step::Hidden {
                    "report-step-hidden"
                } else {
                    "report-step-restored"
                };
                self.line(
                    id,
                    &[
                        (
                            "name",
                            txt(act.map_or_else(String::new, |a| self.name(&a.by))),
                        ),
                        (
                            "reason",
                            sp(t(act.map(|a| a.reason.clone()).unwrap_or_default())),
                        ),
                        (
                            "clause",
                            sp(t(act.map(|a| a.clause.clone()).unwrap_or_default())),
                        ),
                    ],
                )
            }
            Step::Answered | Step::AnswerRevised => {
                let Some(answer) = contribution.answers.iter().find(|a| a.record == *record) else {
                    return vec![c(record.short())];
                };
                let id = if step.event == Step::Answered {
                    "report-step-answered"
                } else {
                    "report-step-answer-revised"
                };
                let mut line = self.line(
                    id,
                    &[
                        ("name", txt(self.name(&answer.by))),
                        ("state", txt(answer_word(answer.state, lang))),
                    ],
                );
                if answer.late {
                    line.extend(self.line("report-step-late", &[]));
                }
                line.extend(self.line(
                    "report-then-text",
                    &[("text", sp(t(answer.argument.clone())))],
                ));
                line
            }
            Step::Landed => {
                let sections = contribution
                    .answers
                    .iter()
                    .find(|a| a.record == *record)
                    .map(|a| {
                        a.landed_in
                            .iter()
                            .map(|l| self.heading(&l.section))
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default();
                self.line("report-step-landed", &[("sections", sp(t(sections)))])
            }
            Step::Withdrawn => {
                let mut line = self.line("report-step-withdrawn", &[]);
                if let Some(withdrawn) = &contribution.withdrawn
                    && !hidden
                    && !withdrawn.reason.trim().is_empty()
                {
                    line.extend(self.line(
                        "report-then-text",
                        &[("text", sp(t(withdrawn.reason.clone())))],
                    ));
                }
                line
            }
        }
    }

    /// The participations' events on the report's timeline: openings,
    /// phases, contributions (a hidden one by its id only), moderation,
    /// answers, syntheses and closings.
    pub(super) fn participation_events(&self) -> Vec<Event> {
        let lang = self.lang;
        let tr = |id: &str, args: &[(&str, Arg<'_>)]| lang.tr(id, args);
        let mut events = Vec::new();
        let mut push = |at: u64, label: String| {
            events.push(Event {
                lane: Lane::Participation,
                at,
                label: tr(
                    "report-event",
                    &[
                        ("date", date(lang, at).into()),
                        ("label", clip(&label).into()),
                    ],
                ),
                tick: None,
            });
        };
        for p in self.participation_list() {
            let title = clip(&p.title);
            push(
                p.opened_at,
                tr(
                    "report-event-participation-opened",
                    &[
                        ("title", title.as_str().into()),
                        ("name", self.name(&p.opened_by).into()),
                    ],
                ),
            );
            for phase in &p.phases {
                push(
                    phase.opens_at,
                    tr(
                        "report-event-participation-phase",
                        &[
                            ("title", title.as_str().into()),
                            ("phase", phase_name(phase.phase, lang).into()),
                        ],
                    ),
                );
            }
            for contribution in self.contributions_of(p) {
                let id = contribution.id.short();
                let label = if contribution.hidden(p.report_threshold) {
                    tr(
                        "report-event-contribution-hidden",
                        &[
                            ("id", id.as_str().into()),
                            ("participation", title.as_str().into()),
                        ],
                    )
                } else {
                    tr(
                        "report-event-contribution",
                        &[
                            ("title", clip(&contribution.title).into()),
                            ("participation", title.as_str().into()),
                        ],
                    )
                };
                push(contribution.submitted_at, label);
                for act in &contribution.moderation {
                    push(
                        act.at,
                        tr(
                            "report-event-contribution-moderated",
                            &[
                                ("id", id.as_str().into()),
                                ("hide", if act.hide { "yes" } else { "no" }.into()),
                                ("name", self.name(&act.by).into()),
                            ],
                        ),
                    );
                }
                for answer in &contribution.answers {
                    push(
                        answer.at,
                        tr(
                            "report-event-answer",
                            &[
                                ("id", id.as_str().into()),
                                ("state", answer_word(answer.state, lang).into()),
                            ],
                        ),
                    );
                }
            }
            for synthesis in &p.syntheses {
                push(
                    synthesis.at,
                    tr(
                        "report-event-synthesis",
                        &[("participation", title.as_str().into())],
                    ),
                );
            }
            if let Some(closed) = &p.closed {
                push(
                    closed.at,
                    tr(
                        "report-event-participation-closed",
                        &[("title", title.as_str().into())],
                    ),
                );
            }
        }
        events
    }
}
