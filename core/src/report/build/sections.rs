//! The report, the story of each section: its challenges, amendments (wordings, reactions, objections, decisions) and versions.

use super::*;

impl Context<'_> {
    pub(super) fn section(&self, entry: &SectionEntry, out: &mut Vec<Block>) {
        let state = self.state;
        let mut heading = vec![
            t(entry.heading.clone()),
            t(" ("),
            c(entry.id.clone()),
            t(")"),
        ];
        let standing = match entry.standing {
            Standing::InForce => match self.first_seen(&entry.id) {
                Some(0) => "In the charter since the founding version, v1.".to_owned(),
                Some(i) => format!(
                    "Added in v{}, {}.",
                    state.versions[i].number,
                    date(state.versions[i].at)
                ),
                None => "In the charter in force.".to_owned(),
            },
            Standing::Removed(i) => {
                heading.push(t(" — removed"));
                match state.versions.get(i + 1) {
                    Some(next) => format!(
                        "Removed in v{}, {}; last in v{}.",
                        next.number,
                        date(next.at),
                        state.versions[i].number
                    ),
                    None => format!("Last in v{}.", state.versions[i].number),
                }
            }
            Standing::Earlier(i) => format!("Last seen in v{}.", state.versions[i].number),
            Standing::Unknown => {
                heading.push(t(" — not found"));
                "Named by records, but found in no readable version of the charter.".to_owned()
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
            out.push(Block::Para(vec![t("Never challenged or changed.")]));
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
            vec![t(format!(
                "Challenge by {}, {}",
                self.name(&challenge.author),
                date(challenge.at)
            ))],
        ));
        let mut items = vec![
            Item::new(vec![b("Tension:"), t(" "), t(challenge.tension.clone())]),
            Item::new(vec![b("Example:"), t(" "), t(challenge.example.clone())]),
        ];
        items.push(match &challenge.admissibility {
            Admissibility::Admissible => Item::new(vec![b("Admissible")]),
            Admissibility::Inadmissible { reason } => {
                Item::new(vec![b("Inadmissible:"), t(" "), t(reason.clone())])
            }
        });
        if let Some(tension) = &challenge.from_tension {
            let line = match state.tensions.get(tension) {
                Some(found) => vec![
                    t("Escalates the tension “"),
                    t(found.summary.clone()),
                    t(format!(
                        "” raised by {}, {}",
                        self.name(&found.author),
                        date(opened_at(found))
                    )),
                ],
                None => vec![t("Escalates the tension "), c(tension.short())],
            };
            items.push(Item::new(line));
        }
        if let Some(promoted) = &challenge.promoted_from {
            let line = match state.amendments.get(promoted) {
                Some(found) => vec![
                    t("Promotes the rejected amendment “"),
                    t(found.title.clone()),
                    t("”"),
                ],
                None => vec![t("Promotes the rejected amendment "), c(promoted.short())],
            };
            items.push(Item::new(line));
        }
        items.push(Item::new(vec![t("Record "), c(challenge.record.short())]));
        if challenge.amendments.is_empty() {
            items.push(Item::new(vec![t("No amendment answers it yet.")]));
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
            vec![
                t("Amendment “"),
                t(amendment.title.clone()),
                t(format!("” — {}", phase_name(amendment.phase))),
            ],
        ));
        let mut items = Vec::new();
        let coauthors = if amendment.coauthors.is_empty() {
            "no co-author".to_owned()
        } else {
            format!("co-authors: {}", self.names(&amendment.coauthors))
        };
        items.push(Item::new(vec![t(format!(
            "Proposed by {}, {}; {coauthors}",
            self.name(&amendment.proposer),
            date(amendment.at)
        ))]));
        items.push(Item::new(vec![
            b("Rationale:"),
            t(" "),
            t(amendment.rationale.clone()),
        ]));
        items.push(Item::new(match self.version_with_heads(&amendment.base) {
            Some(n) => vec![t(format!("Forked from v{n}"))],
            None => vec![t("Forked from heads that are no ratified version")],
        }));

        let wordings: Vec<Item> = amendment
            .submissions
            .iter()
            .enumerate()
            .map(|(k, s)| self.wording(amendment, k, s))
            .collect();
        if wordings.is_empty() {
            items.push(Item::new(vec![t("No wording submitted yet.")]));
        } else {
            items.push(Item::with(vec![b("Wordings")], wordings));
        }
        match amendment.round {
            Some(round) => items.push(Item::new(vec![t(format!(
                "The objection round was opened by {}, {}.",
                self.name(&amendment.proposer),
                self.when(&round)
            ))])),
            None if amendment.round_open => {
                items.push(Item::new(vec![t("The objection round was opened.")]));
            }
            None => {}
        }
        let reactions = self.reactions(&amendment.reactions, &amendment.submissions);
        if !reactions.is_empty() {
            items.push(Item::with(vec![b("Reactions")], reactions));
        }
        let objections = self.objections(&amendment.objections, &amendment.submissions);
        if !objections.is_empty() {
            items.push(Item::with(vec![b("Objections")], objections));
        }
        items.push(match &amendment.decision {
            Some(decision) => self.decision(decision),
            None => Item::new(vec![b("Decision:"), t(" none yet")]),
        });
        if !amendment.ratifications.is_empty() {
            let signers: Vec<String> = amendment
                .ratifications
                .iter()
                .map(|r| self.author(r).unwrap_or_else(|| r.short()))
                .collect();
            let mut line = vec![
                b("Ratification:"),
                t(format!(" signed by {}", signers.join(", "))),
            ];
            match amendment.version.and_then(|v| state.versions.get(v)) {
                Some(version) => {
                    line.push(t("; became "));
                    line.push(b(format!("v{}", version.number)));
                    line.push(t(" ("));
                    line.push(c(short_hex(&version.hash)));
                    line.push(t(format!("), {}", date(version.at))));
                }
                None => line.push(t(format!(
                    "; {} of {} signature(s) needed so far",
                    signers.len(),
                    state.rules.amend.signers.max(1)
                ))),
            }
            items.push(Item::new(line));
        }
        if !amendment.rebased_onto.is_empty() {
            let versions: Vec<String> = amendment
                .rebased_onto
                .iter()
                .filter_map(|v| state.versions.get(*v))
                .map(|v| format!("v{}", v.number))
                .collect();
            items.push(Item::new(vec![t(format!(
                "Rebased onto {}, which changed other sections",
                versions.join(", ")
            ))]));
        }
        if let Some(version) = amendment.stale_because.and_then(|v| state.versions.get(v)) {
            items.push(Item::new(vec![t(format!(
                "Stale: v{} changed the same sections; consents are void until a new wording",
                version.number
            ))]));
        }
        if let Some(reason) = &amendment.withdrawn {
            let mut line = vec![b("Withdrawn")];
            if let Some(by) = &amendment.withdrawn_by {
                line.push(t(format!(
                    " by {}, {}",
                    self.name(&amendment.proposer),
                    self.when(by)
                )));
            }
            if !reason.trim().is_empty() {
                line.push(t(": "));
                line.push(t(reason.clone()));
            }
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
        let mut line = vec![t(format!(
            "Wording {}, {}, by {}",
            k + 1,
            date(submission.at),
            self.name(&submission.by)
        ))];
        if !submission.note.trim().is_empty() {
            line.push(t(": "));
            line.push(t(submission.note.clone()));
        }
        let mut children = Vec::new();
        let sections: Vec<String> = submission
            .sections
            .iter()
            .map(|s| format!("“{}”", self.heading(s)))
            .collect();
        children.push(Item::new(vec![t(format!(
            "Changes {}",
            sections.join(", ")
        ))]));
        for integrated in &submission.integrates {
            let whose = amendment
                .objections
                .iter()
                .find(|o| o.record == *integrated)
                .map(|o| self.name(&o.member));
            children.push(Item::new(match whose {
                Some(name) => vec![t(format!(
                    "Integrates the objection of {name} ({})",
                    self.when(integrated)
                ))],
                None => vec![t("Integrates the objection "), c(integrated.short())],
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
                let mut line = vec![t(format!(
                    "{} — {}: ",
                    date(reaction.at),
                    self.name(&reaction.member)
                ))];
                line.push(b(stance_name(reaction.stance)));
                if let Some(n) = wording_number(submissions, reaction.submission) {
                    line.push(t(format!(" on wording {n}")));
                }
                if !reaction.criteria.is_empty() {
                    line.push(t(format!(", criteria {}", criteria(&reaction.criteria))));
                }
                if let Some(objection) = &reaction.objection {
                    line.push(t(format!(
                        ", confirming the objection of {} resolved",
                        self.when(objection)
                    )));
                }
                if !reaction.argument.trim().is_empty() {
                    line.push(t(": "));
                    line.push(t(reaction.argument.clone()));
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
                    "found invalid"
                } else if objection.integrated_by.is_some() && objection.confirmed_by.is_some() {
                    "resolved"
                } else if objection.withdrawn_by.is_some() {
                    "withdrawn"
                } else {
                    "open"
                };
                let line = vec![
                    t(format!(
                        "{} objected, {}, claiming criteria {}: ",
                        self.name(&objection.member),
                        self.when(&objection.record),
                        criteria(&objection.criteria)
                    )),
                    t(objection.argument.clone()),
                    t(" — "),
                    b(status),
                ];
                let mut children = Vec::new();
                if let Some(test) = &objection.test {
                    let passed = if test.passed.is_empty() {
                        "none".to_owned()
                    } else {
                        criteria(&test.passed)
                    };
                    let mut line = vec![
                        t(format!(
                            "Tested by {}, {}: passes {passed}, ",
                            self.name(&test.by),
                            date(test.at)
                        )),
                        b(if test.valid { "valid" } else { "invalid" }),
                    ];
                    if !test.note.trim().is_empty() {
                        line.push(t(": "));
                        line.push(t(test.note.clone()));
                    }
                    children.push(Item::new(line));
                }
                if let Some(by) = &objection.integrated_by {
                    let which = wording_number(submissions, Some(*by))
                        .map_or_else(|| by.short(), |n| format!("wording {n}"));
                    children.push(Item::new(vec![t(format!(
                        "Integrated by {which}, {}",
                        self.when(by)
                    ))]));
                }
                if let Some(by) = &objection.confirmed_by {
                    children.push(Item::new(vec![t(format!(
                        "Confirmed resolved by {}, {}",
                        self.name(&objection.member),
                        self.when(by)
                    ))]));
                }
                if let Some(by) = &objection.withdrawn_by {
                    children.push(Item::new(vec![t(format!(
                        "Withdrawn by a later reaction, {}",
                        self.when(by)
                    ))]));
                }
                Item::with(line, children)
            })
            .collect()
    }

    pub(super) fn decision(&self, decision: &DecisionEntry) -> Item {
        let mut line = vec![
            b("Decision:"),
            t(" "),
            b(outcome_name(decision.outcome)),
            t(format!(
                " by {}, {}",
                self.name(&decision.by),
                date(decision.at)
            )),
        ];
        if !decision.reason.trim().is_empty() {
            line.push(t(": "));
            line.push(t(decision.reason.clone()));
        }
        Item::with(
            line,
            vec![Item::new(vec![t(format!(
                "Count: {}",
                decision.tally.explanation
            ))])],
        )
    }

    pub(super) fn version_change(&self, i: usize, section: &str, out: &mut Vec<Block>) {
        let state = self.state;
        let version = &state.versions[i];
        out.push(Block::Heading(
            4,
            vec![t(format!(
                "Version v{} ratified, {}",
                version.number,
                date(version.at)
            ))],
        ));
        let mut items = Vec::new();
        if let Some(amendment) = version.amendment.and_then(|a| state.amendments.get(&a)) {
            let mut line = vec![
                t("Ratifies the amendment “"),
                t(amendment.title.clone()),
                t(format!("” by {}", self.name(&amendment.proposer))),
            ];
            if let Some(challenge) = state.challenges.get(&amendment.challenge)
                && challenge.section != section
            {
                line.push(t(format!(
                    ", answering a challenge of “{}”",
                    self.heading(&challenge.section)
                )));
            }
            items.push(Item::new(line));
        }
        items.push(Item::new(vec![t(format!(
            "Signed by {}",
            self.names(&version.signers)
        ))]));
        items.push(Item::new(vec![
            t("Version hash "),
            c(short_hex(&version.hash)),
        ]));
        let mut unified = None;
        match self.changes.get(i) {
            Some(Ok(changes)) => match changes.get(section) {
                Some(change) => {
                    let (lines, text) = describe_change(change);
                    items.extend(lines.into_iter().map(|l| Item::new(vec![t(l)])));
                    unified = text;
                }
                None => items.push(Item::new(vec![t(
                    "Declared as changed, but this section is the same in both versions",
                )])),
            },
            Some(Err(why)) => items.push(Item::new(vec![t(format!(
                "The change cannot be shown: the content is missing ({why})"
            ))])),
            None => {}
        }
        out.push(Block::List(items));
        if let Some(text) = unified {
            out.push(Block::Diff(text));
        }
    }
}
