//! `nous todo`: what awaits this member, most urgent first.

use nous_api::governance::TodoItem;
use nous_core::governance::TodoKind;

use crate::args::TodoArgs;
use crate::commands::{Context, open};
use crate::lang::tr;
use crate::output;

pub fn todo(cx: &Context, args: &TodoArgs) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let items = home.governance().todo(args.community.as_deref())?;
    if cx.json {
        return output::json(&items);
    }
    output::text(&render(&items))
}

/// The list for people: a line per item (what, where, since or by when),
/// then the command that does it.
pub fn render(items: &[TodoItem]) -> String {
    if items.is_empty() {
        return tr!("todo-nothing");
    }
    let lang = crate::lang::current();
    let mut out = tr!("todo-heading", count = items.len());
    out.push('\n');
    for item in items {
        let t = &item.todo;
        let title = t.title.as_str();
        let subject = t.subject.short();
        let due = t
            .due
            .map(|d| lang.day(i64::try_from(d).unwrap_or(i64::MAX)));
        let due = due.as_deref().unwrap_or("");
        let (what, how) = match t.kind {
            TodoKind::MyHearing => (tr!("todo-my-hearing", due = due), None),
            TodoKind::SignCharter => (
                tr!("todo-sign-charter", title = title),
                Some(format!("nous member sign {subject}")),
            ),
            TodoKind::DecideApplication => (
                tr!("todo-decide-application", title = title, due = due),
                Some(format!("nous member admit {subject}")),
            ),
            TodoKind::ReactAmendment => (
                tr!("todo-react-amendment", title = title),
                Some(format!("nous react {subject} consent")),
            ),
            TodoKind::ReactProposal => (
                tr!("todo-react-proposal", title = title),
                Some(format!("nous react {subject} yes")),
            ),
            TodoKind::ExclusionHearing => (
                tr!("todo-exclusion-hearing", title = title, due = due),
                Some(format!("nous decide {subject} adopted")),
            ),
            TodoKind::TestObjection => (
                tr!("todo-test-objection", title = title),
                Some(format!("nous objection test {subject} --passed abcd")),
            ),
            TodoKind::IntegrateObjection => (
                tr!("todo-integrate-objection", title = title),
                Some(format!("nous amendment integrate … --objection {subject}")),
            ),
            TodoKind::ConfirmResolved => (
                tr!("todo-confirm-resolved", title = title),
                Some(format!("nous react … resolved --objection {subject}")),
            ),
            TodoKind::Resubmit => (
                tr!("todo-resubmit", title = title),
                Some(format!("nous amendment submit {subject}")),
            ),
            TodoKind::Ratify => (
                tr!("todo-ratify", title = title),
                Some(format!("nous ratify {subject}")),
            ),
            TodoKind::TakeUpTension => (
                tr!("todo-take-up-tension", title = title),
                Some(format!("nous tension start {subject}")),
            ),
            TodoKind::AnswerContribution => (
                tr!("todo-answer-contribution", title = title, due = due),
                Some(format!("nous answer {subject} …")),
            ),
            TodoKind::ReviewHidden => (
                tr!("todo-review-hidden", title = title),
                Some(format!("nous contribution show {subject} --include-hidden")),
            ),
        };
        let since = lang.day(i64::try_from(t.since).unwrap_or(i64::MAX));
        out.push_str(&format!(
            "- {what} — {}\n",
            tr!(
                "todo-where",
                community = item.community_name.as_str(),
                since = since
            )
        ));
        if let Some(how) = how {
            out.push_str(&format!("    {how}\n"));
        }
    }
    out
}
