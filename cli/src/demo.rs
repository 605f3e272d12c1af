//! `nous demo`: the engine end to end, on its embedded defaults.
//!
//! Two members, Alice and Bob, each get a home (a device key and a redb
//! store) in a throw-away directory. Alice imports the sample charter and
//! sends it to Bob in a bundle. Both then edit the same section at the same
//! time, offline, plus one edit each elsewhere. They exchange bundles; both
//! copies merge to the same text and the same heads, with both edits kept.
//! The demo prints the history and the per-section diff, and fails if the
//! copies did not converge.

use std::path::Path;

use anyhow::{Context as _, bail};
use serde_json::json;

use nous_core::charter::{Position, SectionDraft, SectionId};
use nous_core::engine;
use nous_core::markdown;
use nous_core::{DocId, Engine, HeadsRef, ids};

use crate::commands::{engine_options, fill_random, render_diff};
use crate::output;

const SAMPLE: &str = include_str!("../assets/sample-charter.md");

struct Member {
    name: &'static str,
    engine: Engine,
}

impl Member {
    fn create(name: &'static str, root: &Path) -> anyhow::Result<Self> {
        let home = root.join(name.to_lowercase());
        let mut seed = [0u8; 32];
        fill_random(&mut seed);
        engine::init_home(&home, &seed)?;
        seed.fill(0);
        let engine = Engine::open(&home, engine_options())?;
        Ok(Member { name, engine })
    }

    /// Send every document to `other` in a bundle, as a file would.
    fn send_to(&mut self, other: &mut Member, doc: &DocId) -> anyhow::Result<String> {
        let bundle = self.engine.export_bundle(&[*doc])?;
        let report = other.engine.import_bundle(&bundle)?;
        let outcome = match report.first().map(|r| r.outcome) {
            Some(nous_core::ImportOutcome::Added) => "added".to_owned(),
            Some(nous_core::ImportOutcome::Merged(n)) => format!("{n} new changes merged"),
            Some(nous_core::ImportOutcome::Unchanged) | None => "nothing new".to_owned(),
        };
        Ok(format!(
            "{} → {}: bundle of {} bytes, {outcome}",
            self.name,
            other.name,
            bundle.len()
        ))
    }
}

pub fn run(keep: Option<&Path>, bundle: Option<&Path>, json_output: bool) -> anyhow::Result<()> {
    let temp;
    let root = match keep {
        Some(dir) => {
            if dir.join("alice").exists() || dir.join("bob").exists() {
                bail!(
                    "{} already holds demo homes; choose an empty directory",
                    dir.display()
                );
            }
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            dir.to_owned()
        }
        None => {
            temp = tempfile::Builder::new()
                .prefix("nous-demo-")
                .tempdir()
                .context("cannot create a temporary directory")?;
            temp.path().to_owned()
        }
    };
    let mut log = Vec::new();
    let mut say = |line: String| log.push(line);

    let mut alice = Member::create("Alice", &root)?;
    let mut bob = Member::create("Bob", &root)?;
    say(format!("Homes in {}", root.display()));
    say(format!("  Alice's device {}", alice.engine.device()));
    say(format!("  Bob's device   {}", bob.engine.device()));

    // Alice imports the sample charter and shares it.
    let draft = markdown::parse(SAMPLE);
    let title = draft.title.clone().unwrap_or_else(|| "Charte".into());
    let created = alice.engine.create_charter(&title, &draft)?;
    alice.engine.wait(created.ticket)?;
    let doc = created.value;
    let first = alice.engine.heads(&doc)?;
    let sections = alice.engine.charter(&doc, None)?.sections.len();
    say(format!(
        "\nAlice imports the sample charter: {doc} \"{title}\", {sections} sections"
    ));
    say(alice.send_to(&mut bob, &doc)?);

    // Both edit offline, at the same time, the same section among others.
    let adhesion: SectionId = "adhesion".parse()?;
    let alice_body = alice
        .engine
        .charter(&doc, None)?
        .find_section("adhesion")?
        .body();
    let alice_edit = alice
        .engine
        .edit(&doc, "préciser la demande d'adhésion", |c| {
            c.set_body(
                &adhesion,
                &alice_body.replace("sur demande écrite", "sur demande écrite ou orale"),
            )
        })?;
    alice.engine.wait(alice_edit.ticket)?;
    let bob_body = bob
        .engine
        .charter(&doc, None)?
        .find_section("adhesion")?
        .body();
    let bob_edit = bob.engine.edit(&doc, "raccourcir le délai", |c| {
        c.set_body(&adhesion, &bob_body.replace("d'un mois", "de quinze jours"))
    })?;
    bob.engine.wait(bob_edit.ticket)?;
    let preamble_edit = alice.engine.edit(&doc, "préambule", |c| {
        let charter = c.read()?;
        c.set_preamble(&format!(
            "{}\n\nAdoptée en assemblée constituante.",
            charter.preamble
        ))
    })?;
    alice.engine.wait(preamble_edit.ticket)?;
    let depart: SectionId = "depart".parse()?;
    let new_section = bob.engine.edit(&doc, "ajouter une section", |c| {
        c.add_section(
            &SectionDraft {
                id: Some("donnees".parse()?),
                heading: "Données personnelles".into(),
                level: 2,
                text: "Les données des membres ne servent qu'à la vie de la coopérative.".into(),
                ..SectionDraft::default()
            },
            &Position::After(depart.clone()),
            || SectionId::from_random([0; 5]),
        )
    })?;
    bob.engine.wait(new_section.ticket)?;
    say("\nOffline and at the same time:".into());
    say("  Alice: « sur demande écrite » → « sur demande écrite ou orale » (Adhésion), and a line in the preamble".into());
    say("  Bob:   « d'un mois » → « de quinze jours » (Adhésion), and a new section « Données personnelles »".into());

    // They exchange bundles.
    say("\nThey exchange bundles:".into());
    say(format!("  {}", alice.send_to(&mut bob, &doc)?));
    say(format!("  {}", bob.send_to(&mut alice, &doc)?));

    let alice_heads = alice.engine.heads(&doc)?;
    let bob_heads = bob.engine.heads(&doc)?;
    let alice_charter = alice.engine.charter(&doc, None)?;
    let bob_charter = bob.engine.charter(&doc, None)?;
    let converged = alice_heads == bob_heads && alice_charter == bob_charter;
    let merged = alice_charter.find_section("adhesion")?.body();
    let both_kept = merged.contains("écrite ou orale") && merged.contains("quinze jours");
    let heads: Vec<String> = alice_heads.iter().map(ids::hash_short).collect();
    say(format!(
        "\nConverged: {} (heads {}); both edits to « Adhésion » kept: {}",
        if converged { "yes" } else { "NO" },
        heads.join(", "),
        if both_kept { "yes" } else { "NO" }
    ));

    let (history, headings) = alice.engine.history(&doc)?;
    let from: HeadsRef = first
        .iter()
        .map(ids::hash_hex)
        .collect::<Vec<_>>()
        .join(",")
        .parse()?;
    let diff = alice.engine.diff(&doc, &from, None)?;
    alice.engine.close()?;
    bob.engine.close()?;

    if json_output {
        output::json(&json!({
            "home": root,
            "doc": doc,
            "converged": converged,
            "both_edits_kept": both_kept,
            "heads": alice_heads.iter().map(ids::hash_hex).collect::<Vec<_>>(),
            "history": history,
            "diff": diff,
        }))?;
    } else {
        say("\nHistory (Alice's copy):".into());
        for entry in &history {
            let line = crate::commands::history_line(entry, &headings);
            say(format!("  {line}"));
        }
        say(format!(
            "\nDiff since Alice's import ({}):",
            heads_text(&first)
        ));
        say(render_diff(&diff));
        say("\nThe merged section « Adhésion »:".into());
        say(merged);
        output::text(&log.join("\n"))?;
    }
    if !converged || !both_kept {
        bail!("the two copies did not converge");
    }
    Ok(())
}

fn heads_text(heads: &[nous_core::ChangeHash]) -> String {
    heads
        .iter()
        .map(ids::hash_short)
        .collect::<Vec<_>>()
        .join(",")
}
