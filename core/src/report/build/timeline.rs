//! The report, every event, in time order.

use super::*;

impl Context<'_> {
    pub(super) fn events(&self) -> Vec<Event> {
        let state = self.state;
        let lang = self.lang;
        let tr = |id: &str, args: &[(&str, Arg<'_>)]| lang.tr(id, args);
        let mut events = Vec::new();
        let mut push = |lane: Lane, at: u64, label: String, tick: Option<String>| {
            events.push(Event {
                lane,
                at,
                label: tr(
                    "report-event",
                    &[
                        ("date", date(lang, at).into()),
                        ("label", clip(&label).into()),
                    ],
                ),
                tick,
            });
        };
        for challenge in state.challenges.values() {
            push(
                Lane::Challenges,
                challenge.at,
                tr(
                    "report-event-challenge",
                    &[
                        ("name", self.name(&challenge.author).into()),
                        ("heading", self.heading(&challenge.section).into()),
                        ("tension", challenge.tension.as_str().into()),
                    ],
                ),
                None,
            );
            if let Some(closed) = &challenge.closed {
                push(
                    Lane::Challenges,
                    closed.at,
                    tr(
                        "report-event-challenge-closed",
                        &[
                            ("name", self.name(&closed.by).into()),
                            ("heading", self.heading(&challenge.section).into()),
                            ("outcome", closed.outcome.name().into()),
                        ],
                    ),
                    None,
                );
            }
        }
        for amendment in state.amendments.values() {
            let title = clip(&amendment.title);
            push(
                Lane::Amendments,
                amendment.at,
                tr(
                    "report-event-amendment",
                    &[
                        ("title", title.as_str().into()),
                        ("name", self.name(&amendment.proposer).into()),
                    ],
                ),
                None,
            );
            for (k, submission) in amendment.submissions.iter().enumerate() {
                push(
                    Lane::Amendments,
                    submission.at,
                    tr(
                        "report-event-wording",
                        &[
                            ("number", (k + 1).to_string().into()),
                            ("title", title.as_str().into()),
                        ],
                    ),
                    None,
                );
            }
            for reaction in &amendment.reactions {
                push(
                    Lane::Amendments,
                    reaction.at,
                    tr(
                        "report-event-reaction",
                        &[
                            ("name", self.name(&reaction.member).into()),
                            ("stance", stance_name(reaction.stance, lang).into()),
                            ("title", title.as_str().into()),
                        ],
                    ),
                    None,
                );
            }
            for objection in &amendment.objections {
                if let Some(test) = &objection.test {
                    push(
                        Lane::Amendments,
                        test.at,
                        tr(
                            "report-event-test",
                            &[
                                ("name", self.name(&objection.member).into()),
                                ("title", title.as_str().into()),
                                ("by", self.name(&test.by).into()),
                                ("valid", if test.valid { "valid" } else { "invalid" }.into()),
                            ],
                        ),
                        None,
                    );
                }
            }
            if let Some(decision) = &amendment.decision {
                push(
                    Lane::Decisions,
                    decision.at,
                    tr(
                        "report-event-decision-amendment",
                        &[
                            ("title", title.as_str().into()),
                            ("outcome", decision.outcome.name().into()),
                            ("reason", decision.reason.as_str().into()),
                        ],
                    ),
                    None,
                );
            }
        }
        for proposal in state.proposals.values() {
            if let Some(decision) = &proposal.decision {
                let (id, subject) = match &proposal.kind {
                    ProposalKind::Admission { applicant } => {
                        ("report-event-decision-admission", self.name(applicant))
                    }
                    ProposalKind::Exclusion { member, .. } => {
                        ("report-event-decision-exclusion", self.name(member))
                    }
                    ProposalKind::RuleChange { act, .. } => {
                        ("report-event-decision-rule", act_in_sentence(*act, lang))
                    }
                };
                push(
                    Lane::Decisions,
                    decision.at,
                    tr(
                        id,
                        &[
                            ("subject", subject.into()),
                            ("outcome", decision.outcome.name().into()),
                            ("reason", decision.reason.as_str().into()),
                        ],
                    ),
                    None,
                );
            }
        }
        for version in &state.versions {
            let number = version.number.to_string();
            let label = match version.amendment.and_then(|a| state.amendments.get(&a)) {
                Some(amendment) => tr(
                    "report-event-version",
                    &[
                        ("number", number.as_str().into()),
                        ("title", amendment.title.as_str().into()),
                    ],
                ),
                None => tr(
                    "report-event-version-founding",
                    &[("number", number.as_str().into())],
                ),
            };
            push(
                Lane::Versions,
                version.at,
                label,
                Some(format!("v{}", version.number)),
            );
        }
        for member in state.members.values() {
            if let Some(at) = self.joined_at(member) {
                push(
                    Lane::Membership,
                    at,
                    tr(
                        "report-event-joined",
                        &[("name", member.name.as_str().into())],
                    ),
                    None,
                );
            }
            for sanction in &member.sanctions {
                if sanction.level != "exclusion" {
                    let mut args = vec![
                        ("name", member.name.as_str().into()),
                        ("level", sanction_word(&sanction.level, lang).into()),
                    ];
                    let label = if sanction.until > 0 {
                        args.push(("until", date(lang, sanction.until).into()));
                        tr("report-event-sanction-until", &args)
                    } else {
                        tr("report-event-sanction", &args)
                    };
                    push(Lane::Membership, sanction.at, label, None);
                }
            }
            if let Some((_, at, _)) = &member.left {
                push(
                    Lane::Membership,
                    *at,
                    tr(
                        "report-event-left",
                        &[("name", self.name(&member.id).into())],
                    ),
                    None,
                );
            }
        }
        for application in state.applications.values() {
            push(
                Lane::Membership,
                application.at,
                tr(
                    "report-event-applied",
                    &[("name", application.name.as_str().into())],
                ),
                None,
            );
        }
        for proposal in state.proposals.values() {
            if let ProposalKind::Exclusion { member, .. } = &proposal.kind {
                push(
                    Lane::Membership,
                    proposal.at,
                    tr(
                        "report-event-exclusion",
                        &[("name", self.name(member).into())],
                    ),
                    None,
                );
            }
        }
        for tension in state.tensions.values() {
            for (_, status, _, at) in &tension.history {
                push(
                    Lane::Tensions,
                    *at,
                    tr(
                        "report-event-tension",
                        &[
                            ("summary", clip(&tension.summary).into()),
                            ("status", tension_status_name(*status, lang).into()),
                        ],
                    ),
                    None,
                );
            }
        }
        events.extend(self.participation_events());
        events.sort();
        events
    }
}
