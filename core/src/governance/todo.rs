//! What awaits one member: read off a resolved [`State`], most urgent
//! first.
//!
//! Each item names what to do, the record it is about, a title to show,
//! since when it waits and, when there is one, the date it is due or
//! becomes possible. Only what this member may do is listed: an electorate
//! the member is not in, a suspended or former member, a reaction already
//! given, are not asked for.

use serde::Serialize;

use super::{
    AmendmentState, ApplicationState, MemberStatus, ObjectionState, Phase, ProposalKind, State,
};
use crate::identity::PublicKey;
use crate::record::{Act, RecordId, TensionStatus};
use crate::time::DAY_MS;

/// Something that awaits a member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Todo {
    /// What to do.
    pub kind: TodoKind,
    /// The record it is about (an application, amendment, objection,
    /// proposal or tension).
    pub subject: RecordId,
    /// What to show: the amendment's title, the applicant's or member's
    /// name, the tension's summary, the rule's act.
    pub title: String,
    /// Since when it waits (ms).
    pub since: u64,
    /// When it is due or becomes possible (ms), if it has such a date.
    pub due: Option<u64>,
}

/// What there is to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TodoKind {
    /// My own exclusion is proposed: the hearing is on `due`.
    MyHearing,
    /// I was admitted: sign the charter in force to join.
    SignCharter,
    /// An application waits for a decision (I am in the admission rule's
    /// electorate); `due`: when its delay ends.
    DecideApplication,
    /// An amendment's wording waits for my reaction.
    ReactAmendment,
    /// A proposal (an exclusion, a rule change) waits for my reaction.
    ReactProposal,
    /// An exclusion's hearing (`due`) is followed by its decision.
    ExclusionHearing,
    /// An objection waits for its test (I facilitate).
    TestObjection,
    /// An objection to my amendment waits to be integrated.
    IntegrateObjection,
    /// My objection was integrated: confirm it is resolved.
    ConfirmResolved,
    /// My amendment's wording was made stale by a ratified version:
    /// submit again.
    Resubmit,
    /// An adopted amendment waits for my ratification signature.
    Ratify,
    /// A tension waits to be taken up (I facilitate).
    TakeUpTension,
    /// A contribution to a participation awaits its argued answer (I
    /// answer for the organiser); `due`: the answer deadline. `title`: the
    /// contribution's.
    AnswerContribution,
    /// A contribution hidden by reports awaits a moderator's review (I
    /// moderate). `title`: the participation's, never the hidden words.
    ReviewHidden,
}

/// What awaits `member` (a member id) in `state` at `now` (ms), most urgent
/// first: items with a date by that date (overdue first), then the others
/// by how long they have waited. Nothing for someone who is not an active
/// member, except an admitted applicant's signature.
pub fn todo(state: &State, member: &PublicKey, now: u64) -> Vec<Todo> {
    let mut items = Vec::new();
    // An admitted applicant is not a member yet: their one thing to do.
    for application in state.applications.values() {
        if application.applicant == *member && application.state == ApplicationState::Admitted {
            items.push(Todo {
                kind: TodoKind::SignCharter,
                subject: application.record,
                title: state.name.clone(),
                since: application.at,
                due: None,
            });
        }
    }
    let Some(me) = state.members.get(member) else {
        return sorted(items);
    };
    if !matches!(me.status, MemberStatus::Active) {
        // A suspension that has ended by `now` still reads as suspended
        // until a record says otherwise; nothing is asked of them meanwhile.
        if !matches!(me.status, MemberStatus::Suspended { until } if until <= now) {
            return sorted(items);
        }
    }
    let votes_on = |act: Act| {
        let electorate = &state.rules.get(act).electorate;
        electorate.is_empty() || electorate.contains(&me.college)
    };
    let facilitates = state.facilitators.contains(member);
    let name_of = |id: &PublicKey| {
        state
            .members
            .get(id)
            .map_or_else(|| id.short(), |m| m.name.clone())
    };

    for application in state.applications.values() {
        if application.state == ApplicationState::Pending && votes_on(Act::Admit) {
            let days = u64::from(state.rules.admit.min_days);
            items.push(Todo {
                kind: TodoKind::DecideApplication,
                subject: application.record,
                title: application.name.clone(),
                since: application.at,
                due: Some(application.at.saturating_add(days.saturating_mul(DAY_MS))),
            });
        }
    }

    for amendment in state.amendments.values() {
        let signed = signed_by(state, amendment, member);
        amendment_items(
            amendment,
            member,
            votes_on(Act::Amend),
            facilitates,
            signed,
            &mut items,
        );
    }

    for proposal in state.proposals.values() {
        if proposal.decision.is_some() {
            continue;
        }
        let (act, title, about_me) = match &proposal.kind {
            // Applications are listed above, from the applications.
            ProposalKind::Admission { .. } => continue,
            ProposalKind::Exclusion {
                member: excluded,
                hearing_at,
                ..
            } => {
                if excluded == member {
                    items.push(Todo {
                        kind: TodoKind::MyHearing,
                        subject: proposal.record,
                        title: name_of(excluded),
                        since: proposal.at,
                        due: Some(*hearing_at),
                    });
                } else if votes_on(Act::Exclude) {
                    items.push(Todo {
                        kind: TodoKind::ExclusionHearing,
                        subject: proposal.record,
                        title: name_of(excluded),
                        since: proposal.at,
                        due: Some(*hearing_at),
                    });
                }
                (Act::Exclude, name_of(excluded), excluded == member)
            }
            ProposalKind::RuleChange { act, .. } => (Act::Rules, act_name(*act).to_owned(), false),
        };
        if !about_me
            && proposal.by != *member
            && votes_on(act)
            && !proposal.reactions.iter().any(|r| r.member == *member)
        {
            items.push(Todo {
                kind: TodoKind::ReactProposal,
                subject: proposal.record,
                title,
                since: proposal.at,
                due: None,
            });
        }
        if facilitates {
            let title = title_of_proposal(state, proposal);
            untested(
                &proposal.objections,
                &proposal.reactions,
                proposal.at,
                &title,
                &mut items,
            );
        }
    }

    if facilitates {
        for tension in state.tensions.values() {
            if tension.status == TensionStatus::Open && tension.author != *member {
                items.push(Todo {
                    kind: TodoKind::TakeUpTension,
                    subject: tension.record,
                    title: tension.summary.clone(),
                    since: tension.history.first().map_or(0, |h| h.3),
                    due: None,
                });
            }
        }
    }
    participation_todo(state, member, facilitates, &mut items);
    sorted(items)
}

/// What a participation asks of its answerers and moderators: answers to
/// contributions that need one, reviews of contributions hidden by
/// reports. Roles as the fold reads them: the participation's, else the
/// facilitators, else any member.
fn participation_todo(state: &State, member: &PublicKey, facilitates: bool, items: &mut Vec<Todo>) {
    use super::participation::Visibility;
    let organiser = state.facilitators.is_empty() || facilitates;
    let holds = |roles: &[PublicKey]| {
        if roles.is_empty() {
            organiser
        } else {
            roles.contains(member)
        }
    };
    for p in state.participations.values() {
        if p.closed.is_some() {
            continue;
        }
        let answers = holds(&p.answerers);
        let moderates = holds(&p.moderators);
        for c in p
            .contributions
            .iter()
            .filter_map(|id| state.contributions.get(id))
        {
            if answers && c.needs_answer(p.report_threshold) && c.answers.is_empty() {
                items.push(Todo {
                    kind: TodoKind::AnswerContribution,
                    subject: c.id,
                    title: c.title.clone(),
                    since: c.submitted_at,
                    due: Some(p.answer_due),
                });
            }
            if moderates
                && c.withdrawn.is_none()
                && c.visibility(p.report_threshold) == Visibility::HiddenPendingReview
            {
                items.push(Todo {
                    kind: TodoKind::ReviewHidden,
                    subject: c.id,
                    title: p.title.clone(),
                    since: c.reports.last().map_or(c.submitted_at, |r| r.at),
                    due: None,
                });
            }
        }
    }
}

/// What awaits the member `device` acts for ([`todo`]): the member it is
/// certified for, or itself when no community record names it (an
/// applicant's device). A revoked device acts for nobody: nothing.
pub fn todo_of_device(state: &State, device: &PublicKey, now: u64) -> Vec<Todo> {
    match state.devices.get(device) {
        Some(d) if d.revoked.is_some() => Vec::new(),
        Some(d) => todo(state, &d.member, now),
        None => todo(state, device, now),
    }
}

fn title_of_proposal(state: &State, proposal: &super::ProposalState) -> String {
    match &proposal.kind {
        ProposalKind::Admission { applicant }
        | ProposalKind::Exclusion {
            member: applicant, ..
        } => state
            .members
            .get(applicant)
            .map_or_else(|| applicant.short(), |m| m.name.clone()),
        ProposalKind::RuleChange { act, .. } => act_name(*act).to_owned(),
    }
}

/// An act as the command line names it (`--rule amend=…`).
fn act_name(act: Act) -> &'static str {
    match act {
        Act::Amend => "amend",
        Act::Admit => "admit",
        Act::Exclude => "exclude",
        Act::Rules => "rules",
    }
}

/// When an objection was raised: its reaction's time.
fn raised_at(reactions: &[super::ReactionEntry], objection: &ObjectionState, or: u64) -> u64 {
    reactions
        .iter()
        .find(|r| r.record == objection.record)
        .map_or(or, |r| r.at)
}

/// What an amendment asks of `member`.
fn amendment_items(
    amendment: &AmendmentState,
    member: &PublicKey,
    votes: bool,
    facilitates: bool,
    signed: bool,
    items: &mut Vec<Todo>,
) {
    let authors = amendment.proposer == *member || amendment.coauthors.contains(member);
    let item = |kind, subject, since| Todo {
        kind,
        subject,
        title: amendment.title.clone(),
        since,
        due: None,
    };
    let under_way = matches!(
        amendment.phase,
        Phase::Proposed | Phase::Reactions | Phase::ObjectionRound | Phase::Integrating
    );
    if under_way && let Some(current) = amendment.submissions.last() {
        let reacted = amendment
            .reactions
            .iter()
            .any(|r| r.member == *member && r.submission == Some(current.record));
        if votes && !authors && !reacted {
            items.push(item(TodoKind::ReactAmendment, amendment.record, current.at));
        }
        for objection in amendment.objections.iter().filter(|o| o.is_open()) {
            let at = raised_at(&amendment.reactions, objection, amendment.at);
            let valid_or_untested = objection.test.as_ref().is_none_or(|t| t.valid);
            if authors && objection.integrated_by.is_none() && valid_or_untested {
                items.push(item(TodoKind::IntegrateObjection, objection.record, at));
            }
            if objection.member == *member
                && objection.integrated_by.is_some()
                && objection.confirmed_by.is_none()
            {
                items.push(item(TodoKind::ConfirmResolved, objection.record, at));
            }
        }
        if facilitates {
            untested(
                &amendment.objections,
                &amendment.reactions,
                amendment.at,
                &amendment.title,
                items,
            );
        }
    }
    if amendment.phase == Phase::Stale && amendment.proposer == *member {
        let since = amendment.submissions.last().map_or(amendment.at, |s| s.at);
        items.push(item(TodoKind::Resubmit, amendment.record, since));
    }
    if amendment.phase == Phase::Adopted && votes && !signed {
        let decided_at = amendment.decision.as_ref().map_or(amendment.at, |d| d.at);
        items.push(item(TodoKind::Ratify, amendment.record, decided_at));
    }
}

/// Whether `member` (from any of their devices) made one of the
/// ratification signatures that count for `amendment`.
fn signed_by(state: &State, amendment: &AmendmentState, member: &PublicKey) -> bool {
    if amendment.phase != Phase::Adopted || amendment.signatures_in_force.is_empty() {
        return false;
    }
    state.records.iter().any(|outcome| {
        amendment.signatures_in_force.contains(&outcome.id)
            && state
                .devices
                .get(&outcome.author)
                .map_or(outcome.author == *member, |d| d.member == *member)
    })
}

/// Open objections without a test, for a facilitator.
fn untested(
    objections: &[ObjectionState],
    reactions: &[super::ReactionEntry],
    or: u64,
    title: &str,
    items: &mut Vec<Todo>,
) {
    for objection in objections {
        if objection.is_open() && objection.test.is_none() {
            items.push(Todo {
                kind: TodoKind::TestObjection,
                subject: objection.record,
                title: title.to_owned(),
                since: raised_at(reactions, objection, or),
                due: None,
            });
        }
    }
}

/// Dated items first, by date; then the others, oldest first.
fn sorted(mut items: Vec<Todo>) -> Vec<Todo> {
    items.sort_by_key(|t| (t.due.is_none(), t.due, t.since, t.kind, t.subject));
    items.dedup();
    items
}
