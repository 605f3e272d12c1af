//! The report, every event, in time order.

use super::*;

impl Context<'_> {
    pub(super) fn events(&self) -> Vec<Event> {
        let state = self.state;
        let mut events = Vec::new();
        let mut push = |lane: Lane, at: u64, label: String, tick: Option<String>| {
            events.push(Event {
                lane,
                at,
                label: format!("{} — {}", date(at), clip(&label)),
                tick,
            });
        };
        for challenge in state.challenges.values() {
            push(
                Lane::Challenges,
                challenge.at,
                format!(
                    "Challenge by {} of “{}”: {}",
                    self.name(&challenge.author),
                    self.heading(&challenge.section),
                    challenge.tension
                ),
                None,
            );
        }
        for amendment in state.amendments.values() {
            let title = clip(&amendment.title);
            push(
                Lane::Amendments,
                amendment.at,
                format!("“{title}” proposed by {}", self.name(&amendment.proposer)),
                None,
            );
            for (k, submission) in amendment.submissions.iter().enumerate() {
                push(
                    Lane::Amendments,
                    submission.at,
                    format!("Wording {} of “{title}”", k + 1),
                    None,
                );
            }
            for reaction in &amendment.reactions {
                push(
                    Lane::Amendments,
                    reaction.at,
                    format!(
                        "{}: {} on “{title}”",
                        self.name(&reaction.member),
                        stance_name(reaction.stance)
                    ),
                    None,
                );
            }
            for objection in &amendment.objections {
                if let Some(test) = &objection.test {
                    push(
                        Lane::Amendments,
                        test.at,
                        format!(
                            "Objection of {} to “{title}” tested by {}: {}",
                            self.name(&objection.member),
                            self.name(&test.by),
                            if test.valid { "valid" } else { "invalid" }
                        ),
                        None,
                    );
                }
            }
            if let Some(decision) = &amendment.decision {
                push(
                    Lane::Decisions,
                    decision.at,
                    format!(
                        "“{title}” {}: {}",
                        outcome_name(decision.outcome),
                        decision.reason
                    ),
                    None,
                );
            }
        }
        for proposal in state.proposals.values() {
            if let Some(decision) = &proposal.decision {
                let what = match &proposal.kind {
                    ProposalKind::Admission { applicant } => {
                        format!("admission of {}", self.name(applicant))
                    }
                    ProposalKind::Exclusion { member, .. } => {
                        format!("exclusion of {}", self.name(member))
                    }
                    ProposalKind::RuleChange { act, .. } => {
                        format!("rule for {}", act_label(*act).to_lowercase())
                    }
                };
                push(
                    Lane::Decisions,
                    decision.at,
                    format!(
                        "{what} {}: {}",
                        outcome_name(decision.outcome),
                        decision.reason
                    ),
                    None,
                );
            }
        }
        for version in &state.versions {
            let what = match version.amendment.and_then(|a| state.amendments.get(&a)) {
                Some(amendment) => format!("ratifies “{}”", amendment.title),
                None => "the founding version".to_owned(),
            };
            push(
                Lane::Versions,
                version.at,
                format!("v{}: {what}", version.number),
                Some(format!("v{}", version.number)),
            );
        }
        for member in state.members.values() {
            if let Some(at) = self.joined_at(member) {
                push(
                    Lane::Membership,
                    at,
                    format!("{} joined", member.name),
                    None,
                );
            }
            for sanction in &member.sanctions {
                if sanction.level != "exclusion" {
                    let mut label = format!("{}: {}", member.name, sanction.level);
                    if sanction.until > 0 {
                        label.push_str(&format!(" until {}", date(sanction.until)));
                    }
                    push(Lane::Membership, sanction.at, label, None);
                }
            }
            if let Some((_, at, _)) = &member.left {
                push(
                    Lane::Membership,
                    *at,
                    format!("{} left", self.name(&member.id)),
                    None,
                );
            }
        }
        for application in state.applications.values() {
            push(
                Lane::Membership,
                application.at,
                format!("{} applied", application.name),
                None,
            );
        }
        for proposal in state.proposals.values() {
            if let ProposalKind::Exclusion { member, .. } = &proposal.kind {
                push(
                    Lane::Membership,
                    proposal.at,
                    format!("exclusion of {} proposed", self.name(member)),
                    None,
                );
            }
        }
        for tension in state.tensions.values() {
            for (_, status, _, at) in &tension.history {
                push(
                    Lane::Tensions,
                    *at,
                    format!(
                        "“{}”: {}",
                        clip(&tension.summary),
                        tension_status_name(*status)
                    ),
                    None,
                );
            }
        }
        events.sort();
        events
    }
}
