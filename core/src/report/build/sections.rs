//! The report, the story of each section: its challenges, amendments (wordings, reactions, objections, decisions) and versions.

use super::*;
use crate::record::ChallengeOutcome;

impl Context<'_> {
    pub(super) fn section(&self, entry: &SectionEntry, out: &mut Vec<Block>) {
        let state = self.state;
        let mut heading = vec![
            t(entry.heading.clone()),
            t(" ("),
            c(entry.id.clone()),
            t(")"),
        ];
        let number = |i: usize| state.versions[i].number.to_string();
        let standing = match entry.standing {
            Standing::InForce => match self.first_seen(&entry.id) {
                Some(0) => self.tr("report-section-since-founding", &[]),
                Some(i) => self.tr(
                    "report-section-added-in",
                    &[
                        ("number", number(i).into()),
                        ("date", self.date(state.versions[i].at).into()),
                    ],
                ),
                None => self.tr("report-section-in-force", &[]),
            },
            Standing::Removed(i) => {
                heading.push(t(self.tr("report-section-removed-mark", &[])));
                match state.versions.get(i + 1) {
                    Some(next) => self.tr(
                        "report-section-removed-in",
                        &[
                            ("number", next.number.to_string().into()),
                            ("date", self.date(next.at).into()),
                            ("last", number(i).into()),
                        ],
                    ),
                    None => self.tr("report-section-last-in", &[("number", number(i).into())]),
                }
            }
            Standing::Earlier(i) => {
                self.tr("report-section-last-seen", &[("number", number(i).into())])
            }
            Standing::Unknown => {
                heading.push(t(self.tr("report-section-not-found-mark", &[])));
                self.tr("report-section-not-found", &[])
            }
        };
        out.push(Block::Heading(3, heading));
        out.push(Block::Para(vec![t(standing)]));

        // The section's story: its challenges (with their amendments) and
        // the versions that changed it, in time order.
        let mut story: Vec<(u64, u8, String, StoryItem<'_>)> = Vec::new();
        for challenge in state.challenges.values() {
            if challenge.section == entry.id {
                story.push((
                    challenge.at,
                    0,
                    challenge.record.to_string(),
                    StoryItem::Challenge(challenge),
                ));
            }
        }
        for (i, version) in state.versions.iter().enumerate().skip(1) {
            let declared = version.sections.contains(&entry.id);
            let found = self
                .changes
                .get(i)
                .is_some_and(|c| c.as_ref().is_ok_and(|c| c.contains_key(&entry.id)));
            if declared || found {
                story.push((
                    version.at,
                    1,
                    format!("{:020}", version.number),
                    StoryItem::Version(i),
                ));
            }
        }
        story.sort_by(|a, b| (a.0, a.1, &a.2).cmp(&(b.0, b.1, &b.2)));
        if story.is_empty() {
            out.push(Block::Para(vec![t(
                self.tr("report-section-untouched", &[])
            )]));
        }
        for (_, _, _, item) in story {
            match item {
                StoryItem::Challenge(challenge) => self.challenge(challenge, out),
                StoryItem::Version(i) => self.version_change(i, &entry.id, out),
            }
        }
    }

    pub(super) fn challenge(&self, challenge: &ChallengeState, out: &mut Vec<Block>) {
        let state = self.state;
        out.push(Block::Heading(
            4,
            vec![t(self.tr(
                "report-challenge-heading",
                &[
                    ("name", self.name(&challenge.author).into()),
                    ("date", self.date(challenge.at).into()),
                ],
            ))],
        ));
        let mut items = vec![
            Item::new(self.line(
                "report-challenge-tension",
                &[("tension", sp(t(challenge.tension.clone())))],
            )),
            Item::new(self.line(
                "report-challenge-example",
                &[("example", sp(t(challenge.example.clone())))],
            )),
        ];
        items.push(match &challenge.admissibility {
            Admissibility::Admissible => Item::new(self.line("report-challenge-admissible", &[])),
            Admissibility::Inadmissible { reason } => Item::new(self.line(
                "report-challenge-inadmissible",
                &[("reason", sp(t(reason.render(self.lang))))],
            )),
        });
        if let Some(tension) = &challenge.from_tension {
            let line = match state.tensions.get(tension) {
                Some(found) => self.line(
                    "report-challenge-escalates",
                    &[
                        ("summary", sp(t(found.summary.clone()))),
                        ("name", txt(self.name(&found.author))),
                        ("date", txt(self.date(opened_at(found)))),
                    ],
                ),
                None => self.line(
                    "report-challenge-escalates-unknown",
                    &[("id", sp(c(tension.short())))],
                ),
            };
            items.push(Item::new(line));
        }
        if let Some(promoted) = &challenge.promoted_from {
            let line = match state.amendments.get(promoted) {
                Some(found) => self.line(
                    "report-challenge-promotes",
                    &[("title", sp(t(found.title.clone())))],
                ),
                None => self.line(
                    "report-challenge-promotes-unknown",
                    &[("id", sp(c(promoted.short())))],
                ),
            };
            items.push(Item::new(line));
        }
        items.push(Item::new(self.line(
            "report-challenge-record",
            &[("id", sp(c(challenge.record.short())))],
        )));
        if let Some(closed) = &challenge.closed {
            let (name, date) = (self.name(&closed.by), self.date(closed.at));
            items.push(Item::new(match closed.outcome {
                ChallengeOutcome::Withdrawn => self.line(
                    "report-challenge-withdrawn",
                    &[("name", txt(name)), ("date", txt(date))],
                ),
                ChallengeOutcome::Declined => self.line(
                    "report-challenge-declined",
                    &[
                        ("name", txt(name)),
                        ("date", txt(date)),
                        ("reason", sp(t(closed.reason.clone()))),
                    ],
                ),
            }));
        } else if challenge.amendments.is_empty() {
            items.push(Item::new(vec![t(
                self.tr("report-challenge-unanswered", &[])
            )]));
        }
        out.push(Block::List(items));
        for id in &challenge.amendments {
            if let Some(amendment) = state.amendments.get(id) {
                self.amendment(amendment, out);
            }
        }
    }

    pub(super) fn amendment(&self, amendment: &AmendmentState, out: &mut Vec<Block>) {
        let state = self.state;
        out.push(Block::Heading(
            5,
            self.line(
                "report-amendment-heading",
                &[
                    ("title", sp(t(amendment.title.clone()))),
                    ("phase", txt(phase_word(amendment.phase, self.lang))),
                ],
            ),
        ));
        let mut items = Vec::new();
        let proposer = self.name(&amendment.proposer);
        let date = self.date(amendment.at);
        items.push(Item::new(vec![t(if amendment.coauthors.is_empty() {
            self.tr(
                "report-amendment-proposed",
                &[("name", proposer.into()), ("date", date.into())],
            )
        } else {
            self.tr(
                "report-amendment-proposed-with",
                &[
                    ("name", proposer.into()),
                    ("date", date.into()),
                    ("coauthors", self.names(&amendment.coauthors).into()),
                    ("count", amendment.coauthors.len().into()),
                ],
            )
        })]));
        items.push(Item::new(self.line(
            "report-rationale",
            &[("rationale", sp(t(amendment.rationale.clone())))],
        )));
        items.push(Item::new(match self.version_with_heads(&amendment.base) {
            Some(n) => vec![t(self.tr(
                "report-amendment-forked",
                &[("number", n.to_string().into())],
            ))],
            None => vec![t(self.tr("report-amendment-forked-elsewhere", &[]))],
        }));

        let wordings: Vec<Item> = amendment
            .submissions
            .iter()
            .enumerate()
            .map(|(k, s)| self.wording(amendment, k, s))
            .collect();
        if wordings.is_empty() {
            items.push(Item::new(vec![t(self.tr("report-wordings-none", &[]))]));
        } else {
            items.push(Item::with(self.line("report-wordings", &[]), wordings));
        }
        match amendment.round {
            Some(round) => items.push(Item::new(vec![t(self.tr(
                "report-round-opened-by",
                &[
                    ("name", self.name(&amendment.proposer).into()),
                    ("date", self.when(&round).into()),
                ],
            ))])),
            None if amendment.round_open => {
                items.push(Item::new(vec![t(self.tr("report-round-opened", &[]))]));
            }
            None => {}
        }
        let reactions = self.reactions(&amendment.reactions, &amendment.submissions);
        if !reactions.is_empty() {
            items.push(Item::with(self.line("report-reactions", &[]), reactions));
        }
        let objections = self.objections(&amendment.objections, &amendment.submissions);
        if !objections.is_empty() {
            items.push(Item::with(self.line("report-objections", &[]), objections));
        }
        items.push(match &amendment.decision {
            Some(decision) => self.decision(decision),
            None => Item::new(self.line("report-decision-none", &[])),
        });
        if !amendment.ratifications.is_empty() {
            let signers: Vec<String> = amendment
                .ratifications
                .iter()
                .map(|r| self.author(r).unwrap_or_else(|| r.short()))
                .collect();
            let line = match amendment.version.and_then(|v| state.versions.get(v)) {
                Some(version) => self.line(
                    "report-ratification-done",
                    &[
                        ("signers", txt(signers.join(", "))),
                        ("number", txt(version.number.to_string())),
                        ("hash", sp(c(short_hex(&version.hash)))),
                        ("date", txt(self.date(version.at))),
                    ],
                ),
                None => self.line(
                    "report-ratification-pending",
                    &[
                        ("signers", txt(signers.join(", "))),
                        ("count", num(signers.len())),
                        ("needed", num(usize::from(state.rules.amend.signers.max(1)))),
                    ],
                ),
            };
            items.push(Item::new(line));
        }
        if !amendment.rebased_onto.is_empty() {
            let versions: Vec<String> = amendment
                .rebased_onto
                .iter()
                .filter_map(|v| state.versions.get(*v))
                .map(|v| format!("v{}", v.number))
                .collect();
            items.push(Item::new(vec![t(self.tr(
                "report-amendment-rebased",
                &[
                    ("versions", versions.join(", ").into()),
                    ("count", versions.len().into()),
                ],
            ))]));
        }
        if let Some(version) = amendment.stale_because.and_then(|v| state.versions.get(v)) {
            items.push(Item::new(vec![t(self.tr(
                "report-amendment-stale",
                &[("number", version.number.to_string().into())],
            ))]));
        }
        if let Some(reason) = &amendment.withdrawn {
            let reason = (!reason.trim().is_empty()).then(|| sp(t(reason.clone())));
            let line = match (&amendment.withdrawn_by, reason) {
                (Some(by), Some(reason)) => self.line(
                    "report-withdrawn-by-because",
                    &[
                        ("name", txt(self.name(&amendment.proposer))),
                        ("date", txt(self.when(by))),
                        ("reason", reason),
                    ],
                ),
                (Some(by), None) => self.line(
                    "report-withdrawn-by",
                    &[
                        ("name", txt(self.name(&amendment.proposer))),
                        ("date", txt(self.when(by))),
                    ],
                ),
                (None, Some(reason)) => {
                    self.line("report-withdrawn-because", &[("reason", reason)])
                }
                (None, None) => self.line("report-withdrawn", &[]),
            };
            items.push(Item::new(line));
        }
        out.push(Block::List(items));
    }

    pub(super) fn wording(
        &self,
        amendment: &AmendmentState,
        k: usize,
        submission: &Submission,
    ) -> Item {
        let number = (k + 1).to_string();
        let date = self.date(submission.at);
        let by = self.name(&submission.by);
        let line = if submission.note.trim().is_empty() {
            self.line(
                "report-wording",
                &[
                    ("number", txt(number)),
                    ("date", txt(date)),
                    ("name", txt(by)),
                ],
            )
        } else {
            self.line(
                "report-wording-note",
                &[
                    ("number", txt(number)),
                    ("date", txt(date)),
                    ("name", txt(by)),
                    ("note", sp(t(submission.note.clone()))),
                ],
            )
        };
        let mut children = Vec::new();
        let sections: Vec<String> = submission
            .sections
            .iter()
            .map(|s| self.tr("report-quoted", &[("text", self.heading(s).into())]))
            .collect();
        children.push(Item::new(vec![t(self.tr(
            "report-wording-changes",
            &[
                ("sections", sections.join(", ").into()),
                ("count", sections.len().into()),
            ],
        ))]));
        for integrated in &submission.integrates {
            let whose = amendment
                .objections
                .iter()
                .find(|o| o.record == *integrated)
                .map(|o| self.name(&o.member));
            children.push(Item::new(match whose {
                Some(name) => vec![t(self.tr(
                    "report-wording-integrates",
                    &[
                        ("name", name.into()),
                        ("date", self.when(integrated).into()),
                    ],
                ))],
                None => self.line(
                    "report-wording-integrates-unknown",
                    &[("id", sp(c(integrated.short())))],
                ),
            }));
        }
        Item::with(line, children)
    }

    pub(super) fn reactions(
        &self,
        reactions: &[ReactionEntry],
        submissions: &[Submission],
    ) -> Vec<Item> {
        reactions
            .iter()
            .map(|reaction| {
                let mut line = self.line(
                    "report-reaction",
                    &[
                        ("date", txt(self.date(reaction.at))),
                        ("name", txt(self.name(&reaction.member))),
                        ("stance", sp(b(stance_name(reaction.stance, self.lang)))),
                    ],
                );
                if let Some(n) = wording_number(submissions, reaction.submission) {
                    line.push(t(self.tr(
                        "report-reaction-on-wording",
                        &[("number", n.to_string().into())],
                    )));
                }
                if !reaction.criteria.is_empty() {
                    line.push(t(self.tr(
                        "report-reaction-criteria",
                        &[
                            ("criteria", criteria(&reaction.criteria).into()),
                            ("count", reaction.criteria.len().into()),
                        ],
                    )));
                }
                if let Some(objection) = &reaction.objection {
                    line.push(t(self.tr(
                        "report-reaction-confirms",
                        &[("date", self.when(objection).into())],
                    )));
                }
                if !reaction.argument.trim().is_empty() {
                    line.extend(self.line(
                        "report-then-text",
                        &[("text", sp(t(reaction.argument.clone())))],
                    ));
                }
                Item::new(line)
            })
            .collect()
    }

    pub(super) fn objections(
        &self,
        objections: &[ObjectionState],
        submissions: &[Submission],
    ) -> Vec<Item> {
        objections
            .iter()
            .map(|objection| {
                let status = if objection.test.as_ref().is_some_and(|t| !t.valid) {
                    "found-invalid"
                } else if objection.integrated_by.is_some() && objection.confirmed_by.is_some() {
                    "resolved"
                } else if objection.withdrawn_by.is_some() {
                    "withdrawn"
                } else {
                    "open"
                };
                let line = self.line(
                    "report-objection",
                    &[
                        ("name", txt(self.name(&objection.member))),
                        ("date", txt(self.when(&objection.record))),
                        ("criteria", txt(criteria(&objection.criteria))),
                        ("count", num(objection.criteria.len())),
                        ("argument", sp(t(objection.argument.clone()))),
                        ("status", key(status)),
                    ],
                );
                let mut children = Vec::new();
                if let Some(test) = &objection.test {
                    let passed = if test.passed.is_empty() {
                        self.tr("report-test-passes-none", &[])
                    } else {
                        criteria(&test.passed)
                    };
                    let mut line = self.line(
                        "report-test",
                        &[
                            ("name", txt(self.name(&test.by))),
                            ("date", txt(self.date(test.at))),
                            ("passed", txt(passed)),
                            ("valid", key(if test.valid { "valid" } else { "invalid" })),
                        ],
                    );
                    if !test.note.trim().is_empty() {
                        line.extend(
                            self.line("report-then-text", &[("text", sp(t(test.note.clone())))]),
                        );
                    }
                    children.push(Item::new(line));
                }
                if let Some(by) = &objection.integrated_by {
                    let which = wording_number(submissions, Some(*by)).map_or_else(
                        || by.short(),
                        |n| self.tr("report-wording-number", &[("number", n.to_string().into())]),
                    );
                    children.push(Item::new(vec![t(self.tr(
                        "report-objection-integrated",
                        &[("which", which.into()), ("date", self.when(by).into())],
                    ))]));
                }
                if let Some(by) = &objection.confirmed_by {
                    children.push(Item::new(vec![t(self.tr(
                        "report-objection-confirmed",
                        &[
                            ("name", self.name(&objection.member).into()),
                            ("date", self.when(by).into()),
                        ],
                    ))]));
                }
                if let Some(by) = &objection.withdrawn_by {
                    children.push(Item::new(vec![t(self.tr(
                        "report-objection-withdrawn",
                        &[("date", self.when(by).into())],
                    ))]));
                }
                Item::with(line, children)
            })
            .collect()
    }

    pub(super) fn decision(&self, decision: &DecisionEntry) -> Item {
        let by = self.name(&decision.by);
        let date = self.date(decision.at);
        let outcome = sp(b(outcome_name(decision.outcome, self.lang)));
        let line = if decision.reason.trim().is_empty() {
            self.line(
                "report-decision",
                &[("outcome", outcome), ("name", txt(by)), ("date", txt(date))],
            )
        } else {
            self.line(
                "report-decision-reason",
                &[
                    ("outcome", outcome),
                    ("name", txt(by)),
                    ("date", txt(date)),
                    ("reason", sp(t(decision.reason.clone()))),
                ],
            )
        };
        Item::with(
            line,
            vec![Item::new(vec![t(self.tr(
                "report-decision-count",
                &[(
                    "explanation",
                    decision.tally.explanation.render(self.lang).into(),
                )],
            ))])],
        )
    }

    pub(super) fn version_change(&self, i: usize, section: &str, out: &mut Vec<Block>) {
        let state = self.state;
        let version = &state.versions[i];
        out.push(Block::Heading(
            4,
            vec![t(self.tr(
                "report-version-heading",
                &[
                    ("number", version.number.to_string().into()),
                    ("date", self.date(version.at).into()),
                ],
            ))],
        ));
        let mut items = Vec::new();
        if let Some(amendment) = version.amendment.and_then(|a| state.amendments.get(&a)) {
            let mut line = self.line(
                "report-version-ratifies",
                &[
                    ("title", sp(t(amendment.title.clone()))),
                    ("name", txt(self.name(&amendment.proposer))),
                ],
            );
            if let Some(challenge) = state.challenges.get(&amendment.challenge)
                && challenge.section != section
            {
                line.push(t(self.tr(
                    "report-version-answering",
                    &[("heading", self.heading(&challenge.section).into())],
                )));
            }
            items.push(Item::new(line));
        }
        items.push(Item::new(vec![t(self.tr(
            "report-version-signed",
            &[("names", self.names(&version.signers).into())],
        ))]));
        items.push(Item::new(self.line(
            "report-version-hash",
            &[("hash", sp(c(short_hex(&version.hash))))],
        )));
        let mut unified = None;
        match self.changes.get(i) {
            Some(Ok(changes)) => match changes.get(section) {
                Some(change) => {
                    let (lines, text) = describe_change(change, self.lang);
                    items.extend(lines.into_iter().map(|l| Item::new(vec![t(l)])));
                    unified = text;
                }
                None => items.push(Item::new(vec![t(self.tr("report-version-same", &[]))])),
            },
            Some(Err(why)) => items.push(Item::new(vec![t(
                self.tr("report-version-missing", &[("why", why.into())])
            )])),
            None => {}
        }
        out.push(Block::List(items));
        if let Some(text) = unified {
            out.push(Block::Diff(text));
        }
    }
}
