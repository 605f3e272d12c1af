//! Lint and verify.

use super::*;

pub fn charter_lint(cx: &Context, args: LintArgs) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let linted = home.documents().lint(&args.doc)?;
    if cx.json {
        return output::json(&linted);
    }
    let warnings = &linted.warnings;
    if warnings.is_empty() {
        return output::text(&tr!("gov-lint-clean"));
    }
    // Each warning, then how to fix it: the command that tags a section,
    // or the annotation a Markdown import reads.
    let mut lines: Vec<String> = Vec::new();
    for w in warnings {
        lines.push(tr!(
            "gov-lint-missing",
            tag = w.tag,
            what = match w.tag {
                "membership.entry" => tr!("gov-lint-what-membership-entry"),
                "membership.exit" => tr!("gov-lint-what-membership-exit"),
                "tensions" => tr!("gov-lint-what-tensions"),
                "amendment" => tr!("gov-lint-what-amendment"),
                _ => w.what.to_owned(),
            }
        ));
        lines.push(tr!(
            "gov-lint-fix",
            command = format!("nous charter tag {} SECTION --add {}", args.doc, w.tag),
            annotation = format!("<!-- nous:section tags={} -->", w.tag)
        ));
    }
    output::text(&lines.join("\n"))
}

pub fn verify(cx: &Context, args: VerifyArgs) -> anyhow::Result<()> {
    let bytes = crate::commands::read_bundle_file(&args.file)?;
    let file = args.file.display().to_string();
    let show = crate::progress::shown(cx.json);
    if show {
        output::note(&tr!("gov-verifying", file = &file, bytes = bytes.len()));
    }
    let bar = crate::progress::Bar::new(show, &tr!("progress-verifying"));
    let verified =
        nous_api::verify::verify_with_progress(&bytes, &mut |done, total| bar.update(done, total))
            .with_context(|| tr!("gov-cannot-verify", file = &file))?;
    drop(bar);
    let (report, hash) = (&verified.report, &verified.report_hash);
    if cx.json {
        output::json(&verified)?;
    } else {
        let mut lines = Vec::new();
        for community in &report.communities {
            lines.push(tr!(
                "gov-verify-community",
                name = &community.name,
                id = community.id.short(),
                accepted = community.accepted,
                rejected = community.rejected,
                pending = community.pending,
            ));
            let counts = tr!(
                "gov-verify-counts",
                members = community.members.len(),
                amendments = community.amendments.len(),
                version = community.versions.len(),
            );
            lines.push(format!("  {counts}"));
            for version in &community.versions {
                let sha = if version.text_sha256.is_empty() {
                    tr!("gov-verify-content-missing")
                } else {
                    version.text_sha256[..16].to_owned()
                };
                let line = tr!(
                    "gov-verify-version",
                    number = version.number,
                    hash = &version.hash[..12],
                    sha = sha,
                );
                lines.push(format!("  {line}"));
            }
            lines.extend(crate::open_data::verify_lines(community));
        }
        for document in &report.documents {
            lines.push(tr!(
                "gov-verify-document",
                id = document.id.to_string(),
                changes = document.changes,
                attested = document.attested,
            ));
        }
        let short = |id: &str| id.chars().take(12).collect::<String>();
        // A record's reason in the language spoken (the report says it in
        // English).
        let reason = |problem: &nous_core::verify::Problem| -> String {
            let lang = crate::lang::current();
            match report.verdicts.get(&problem.id) {
                Some((kind, nous_core::governance::Verdict::Rejected(why))) => tr!(
                    "verify-record-rejected",
                    kind = kind.said(lang),
                    gender = kind.gender(lang),
                    reason = why.render(lang)
                ),
                Some((kind, nous_core::governance::Verdict::Pending(why))) => tr!(
                    "verify-record-pending",
                    kind = kind.said(lang),
                    reason = why.render(lang)
                ),
                _ => problem.reason.clone(),
            }
        };
        for act in &report.rejected {
            lines.push(tr!(
                "gov-verify-rejected",
                what = tr!("verify-what", what = act.what.as_str()),
                id = short(&act.id),
                reason = reason(act),
            ));
        }
        for problem in &report.problems {
            lines.push(tr!(
                "gov-verify-fail",
                what = tr!("verify-what", what = problem.what.as_str()),
                id = short(&problem.id),
                reason = reason(problem),
            ));
        }
        lines.push(if report.ok {
            tr!("gov-verify-intact", rejected = report.rejected.len())
        } else {
            tr!("gov-verify-not-intact", problems = report.problems.len())
        });
        lines.push(tr!("gov-verify-hash", hash = hash));
        output::text(&lines.join("\n"))?;
    }
    if !report.ok {
        bail!(tr!("gov-verify-failed", problems = report.problems.len()));
    }
    Ok(())
}
