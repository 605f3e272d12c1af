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
        return output::text(
            "No warnings: the charter says how one joins, leaves, regulates tensions and amends it.",
        );
    }
    let lines: Vec<String> = warnings.iter().map(|w| format!("warning: {w}")).collect();
    output::text(&lines.join("\n"))
}

pub fn verify(cx: &Context, args: VerifyArgs) -> anyhow::Result<()> {
    let bytes = crate::commands::read_bundle_file(&args.file)?;
    output::note(&format!(
        "Verifying {} ({} bytes)…",
        args.file.display(),
        bytes.len()
    ));
    let verified = nous_api::verify(&bytes)
        .with_context(|| format!("cannot verify {}", args.file.display()))?;
    let (report, hash) = (&verified.report, &verified.report_hash);
    if cx.json {
        output::json(&verified)?;
    } else {
        let mut lines = Vec::new();
        for community in &report.communities {
            lines.push(format!(
                "Community \"{}\" {}: {} record(s) accepted, {} rejected, {} pending",
                community.name,
                community.id.short(),
                community.accepted,
                community.rejected,
                community.pending
            ));
            lines.push(format!(
                "  {} member(s), {} amendment(s), version {} in force",
                community.members.len(),
                community.amendments.len(),
                community.versions.len()
            ));
            for version in &community.versions {
                lines.push(format!(
                    "  v{}  {}  text sha256 {}",
                    version.number,
                    &version.hash[..12],
                    if version.text_sha256.is_empty() {
                        "(content missing)"
                    } else {
                        &version.text_sha256[..16]
                    }
                ));
            }
        }
        for document in &report.documents {
            lines.push(format!(
                "Document {}: {} change(s), {} attested",
                document.id, document.changes, document.attested
            ));
        }
        let short = |id: &str| id.chars().take(12).collect::<String>();
        for act in &report.rejected {
            lines.push(format!(
                "REJECTED {} {}: {}",
                act.what,
                short(&act.id),
                act.reason
            ));
        }
        for problem in &report.problems {
            lines.push(format!(
                "FAIL {} {}: {}",
                problem.what,
                short(&problem.id),
                problem.reason
            ));
        }
        lines.push(if report.ok {
            format!(
                "Intact: every signature, cited record, attestation and version holds ({} act(s) rejected under the rules).",
                report.rejected.len()
            )
        } else {
            format!("NOT INTACT: {} problem(s).", report.problems.len())
        });
        lines.push(format!("Report hash: {hash}"));
        output::text(&lines.join("\n"))?;
    }
    if !report.ok {
        bail!(
            "verification failed: the history is not intact ({} problem(s))",
            report.problems.len()
        );
    }
    Ok(())
}
