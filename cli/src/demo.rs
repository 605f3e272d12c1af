//! `nous demo`: the engine end to end, on its embedded defaults.
//!
//! Two members, Alice and Bob, each get a home (a device key and a redb
//! store) in a throw-away directory. Alice imports the sample charter and
//! sends it to Bob in a bundle. Both then edit the same section at the same
//! time, offline, plus one edit each elsewhere. They exchange bundles; both
//! copies merge to the same text and the same heads, with both edits kept.
//! The demo prints the history and the per-section diff, and fails if the
//! copies did not converge.
//!
//! Then governance: Alice and Bob found a community around the charter;
//! Chloé joins (applies, is admitted, signs the charter in force); she
//! challenges a section and proposes an amendment; Bob objects, the
//! facilitator finds the objection valid, Chloé integrates it, Bob confirms,
//! the amendment is adopted and ratified by two signers. Every act is a
//! signed record exchanged in bundles; the community's bundle is verified
//! offline at the end (and left in `--bundle FILE` if asked), and the demo
//! fails unless verification accepts it.
//!
//! Last, the homes meet through a relay on a loopback port: Alice's sync
//! brings the community to it, Bob's edit reaches Alice through it, and an
//! outsider's request is answered as for a document that does not exist.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{Context as _, bail};
use serde_json::json;

use nous_core::DocId;
use nous_core::governance::Phase;
use nous_core::record::{ActRule, College, CommunityId, Founder, Outcome, RecordId, Stance};

use nous_api::deliberation::Reaction;
use nous_api::documents::{NewSection, Part, Placement, Reading, Shown};
use nous_api::governance::NewCommunity;
use nous_api::{Documents, Home};

use crate::commands::{cannot_write, env, render_diff};
use crate::lang::tr;
use crate::output;

const SAMPLE: &str = include_str!("../assets/sample-charter.md");

struct Member {
    name: &'static str,
    engine: Home,
}

impl Member {
    fn create(name: &'static str, root: &Path) -> anyhow::Result<Self> {
        let home = root.join(name.to_lowercase());
        Home::init(&home, &env()?)?;
        let engine = Home::open(&home, env()?)?;
        Ok(Member { name, engine })
    }

    /// Send a community's records, charter and drafts to `other`.
    fn sync_to(&mut self, other: &mut Member, community: &CommunityId) -> anyhow::Result<()> {
        self.engine.attest()?;
        let bytes = self.community_bundle(community)?;
        other.engine.bundles().import(&bytes)?;
        Ok(())
    }

    fn community_bundle(&mut self, community: &CommunityId) -> anyhow::Result<Vec<u8>> {
        let names = [community.to_string()];
        Ok(self.engine.bundles().export(&[], &names)?.bytes)
    }

    /// Send a document to `other` in a bundle, as a file would.
    fn send_to(&mut self, other: &mut Member, doc: &DocId) -> anyhow::Result<String> {
        let bundle = self.engine.bundles().export(&[doc.to_string()], &[])?;
        let report = other.engine.bundles().import(&bundle.bytes)?;
        let outcome = match report.imported.first().map(|r| r.outcome) {
            Some(nous_core::ImportOutcome::Added) => tr!("demo-sent-added"),
            Some(nous_core::ImportOutcome::Merged(n)) => tr!("demo-sent-merged", count = n),
            Some(nous_core::ImportOutcome::Unchanged) | None => tr!("demo-sent-nothing-new"),
        };
        Ok(tr!(
            "demo-sent",
            from = self.name,
            to = other.name,
            bytes = bundle.bytes.len(),
            outcome = outcome
        ))
    }

    /// A section's text now, and the part an edit of it replaces.
    fn section(&mut self, doc: &DocId, name: &str) -> anyhow::Result<(Part, String)> {
        let target = self.engine.documents().target(doc, name)?;
        Ok((target.part, target.text))
    }

    /// The charter's latest text and heads.
    fn latest(&mut self, doc: &DocId) -> anyhow::Result<Shown> {
        Ok(self
            .engine
            .documents()
            .show(&doc.to_string(), Reading::Latest)?)
    }
}

/// Where a demo's homes live: `keep` (refused if one of `homes` is there
/// already), else a temporary directory, removed with the returned guard.
pub(crate) fn homes_root(
    keep: Option<&Path>,
    homes: &[&str],
) -> anyhow::Result<(std::path::PathBuf, Option<tempfile::TempDir>)> {
    match keep {
        Some(dir) => {
            if homes.iter().any(|home| dir.join(home).exists()) {
                bail!(tr!(
                    "demo-directory-not-empty",
                    dir = dir.display().to_string()
                ));
            }
            std::fs::create_dir_all(dir)
                .with_context(|| tr!("demo-cannot-create", dir = dir.display().to_string()))?;
            Ok((dir.to_owned(), None))
        }
        None => {
            let temp = tempfile::Builder::new()
                .prefix("nous-demo-")
                .tempdir()
                .with_context(|| tr!("demo-cannot-create-temporary"))?;
            Ok((temp.path().to_owned(), Some(temp)))
        }
    }
}

pub fn run(keep: Option<&Path>, bundle: Option<&Path>, json_output: bool) -> anyhow::Result<()> {
    let (root, _temp) = homes_root(keep, &["alice", "bob"])?;
    let mut log = Vec::new();

    let mut alice = Member::create("Alice", &root)?;
    let mut bob = Member::create("Bob", &root)?;
    log.push(tr!("demo-homes", path = root.display().to_string()));
    log.push(format!(
        "  {}",
        tr!(
            "demo-device-alice",
            device = alice.engine.device().to_string()
        )
    ));
    log.push(format!(
        "  {}",
        tr!("demo-device-bob", device = bob.engine.device().to_string())
    ));

    // Alice imports the sample charter and shares it.
    let draft = Documents::import_markdown(SAMPLE)?;
    let title = draft.title.clone().unwrap_or_else(|| "Charte".into());
    let created = alice.engine.documents().create(&title, &draft)?;
    let doc = created.id;
    let first = alice.latest(&doc)?.heads;
    log.push(format!(
        "\n{}",
        tr!(
            "demo-imported",
            doc = doc.to_string(),
            title = &title,
            count = created.sections
        )
    ));
    log.push(alice.send_to(&mut bob, &doc)?);

    // Both edit offline, at the same time, the same section among others.
    let (part, body) = alice.section(&doc, "adhesion")?;
    alice.engine.documents().edit(
        &doc,
        &part,
        &body.replace("sur demande écrite", "sur demande écrite ou orale"),
    )?;
    let (part, body) = bob.section(&doc, "adhesion")?;
    bob.engine
        .documents()
        .edit(&doc, &part, &body.replace("d'un mois", "de quinze jours"))?;
    let (part, preamble) = alice.section(&doc, "@preamble")?;
    alice.engine.documents().edit(
        &doc,
        &part,
        &format!("{preamble}\n\nAdoptée en assemblée constituante."),
    )?;
    bob.engine.documents().add_section(
        &doc.to_string(),
        &NewSection {
            heading: "Données personnelles",
            level: 2,
            body: "Les données des membres ne servent qu'à la vie de la coopérative.",
            tags: &[],
        },
        Placement::After("depart"),
    )?;
    log.push(format!("\n{}", tr!("demo-offline")));
    log.push(format!("  {}", tr!("demo-offline-alice")));
    log.push(format!("  {}", tr!("demo-offline-bob")));

    // They exchange bundles.
    log.push(format!("\n{}", tr!("demo-exchange")));
    log.push(format!("  {}", alice.send_to(&mut bob, &doc)?));
    log.push(format!("  {}", bob.send_to(&mut alice, &doc)?));

    let alice_latest = alice.latest(&doc)?;
    let bob_latest = bob.latest(&doc)?;
    let converged =
        alice_latest.heads == bob_latest.heads && alice_latest.charter == bob_latest.charter;
    let merged = alice_latest.charter.find_section("adhesion")?.body();
    let both_kept = merged.contains("écrite ou orale") && merged.contains("quinze jours");
    let heads: Vec<&str> = alice_latest.heads.iter().map(|h| &h[..8]).collect();
    log.push(format!(
        "\n{}",
        tr!(
            "demo-converged",
            converged = yes_no(converged),
            heads = heads.join(", "),
            kept = yes_no(both_kept)
        )
    ));

    let id = doc.to_string();
    let history = alice.engine.documents().history(&id, None, None)?;
    let diff = alice.engine.documents().diff(&id, &first.join(","), None)?;
    if !json_output {
        log.push(format!("\n{}", tr!("demo-history")));
        for entry in &history.changes {
            let line = crate::commands::history_line(entry, &history.sections, &history.authors);
            log.push(format!("  {line}"));
        }
        log.push(format!(
            "\n{}",
            tr!(
                "demo-diff",
                heads = first.iter().map(|h| &h[..8]).collect::<Vec<_>>().join(", ")
            )
        ));
        log.push(render_diff(&diff.diff));
        log.push(format!("\n{}", tr!("demo-merged-section")));
        log.push(merged.clone());
    }
    if !converged || !both_kept {
        output::text(&log.join("\n"))?;
        bail!(tr!("demo-not-converged"));
    }

    let governance = governance(&root, &mut alice, &mut bob, &doc, &mut log)?;
    let bytes = alice.community_bundle(&governance.community)?;
    let report = nous_core::verify::verify(&bytes)?;
    let bundle_path = match bundle {
        Some(path) => {
            std::fs::write(path, &bytes).with_context(|| cannot_write(path))?;
            Some(path.to_owned())
        }
        None => None,
    };
    log.push(format!(
        "\n{}",
        tr!(
            "demo-verified",
            verdict = if report.ok { "accepted" } else { "rejected" },
            count = report.communities.first().map_or(0, |c| c.accepted),
            hash = report.hash().to_string()
        )
    ));
    if let Some(path) = &bundle_path {
        log.push(tr!("demo-bundle-kept", path = path.display().to_string()));
    }
    alice.engine.close()?;
    bob.engine.close()?;

    let relayed = through_a_relay(&root, &doc, &mut log)?;

    if json_output {
        output::json(&json!({
            "home": root,
            "doc": doc,
            "converged": converged,
            "both_edits_kept": both_kept,
            "heads": alice_latest.heads,
            "history": history.changes,
            "diff": diff.diff,
            "community": governance.community,
            "amendment": governance.amendment,
            "version": governance.version,
            "verified": report.ok,
            "report_hash": report.hash(),
            "bundle": bundle_path,
            "relay": {
                "bob_edit_reached_alice": relayed.reached,
                "outsider_saw_nothing": relayed.outsider_saw_nothing,
            },
        }))?;
    } else {
        output::text(&log.join("\n"))?;
    }
    if !report.ok {
        bail!(tr!(
            "demo-does-not-verify",
            problem = format!("{:?}", report.problems.first())
        ));
    }
    Ok(())
}

/// `yes` or `no`: the value a message selects its answer on.
fn yes_no(yes: bool) -> &'static str {
    if yes { "yes" } else { "no" }
}

/// What the relay part of the demo showed.
struct Relayed {
    reached: bool,
    outsider_saw_nothing: bool,
}

/// The homes meet through a relay: one starts on a loopback port with its
/// store in the demo directory; Alice's sync brings the community to it,
/// Bob's edit reaches Alice through it, and Dana, who is not a member,
/// learns nothing (her request is answered as for a document that does not
/// exist).
fn through_a_relay(root: &Path, doc: &DocId, log: &mut Vec<String>) -> anyhow::Result<Relayed> {
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let data = root.join("relay");
    let server = std::thread::spawn(move || -> anyhow::Result<()> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        runtime.block_on(async move {
            let config = nous_sync_server::Config {
                listen: ([127, 0, 0, 1], 0).into(),
                data,
                ..nous_sync_server::Config::default()
            };
            let relay = nous_sync_server::Relay::start(config).await;
            let relay = match relay {
                Ok(relay) => relay,
                Err(error) => {
                    let _ = ready_tx.send(Err(error.to_string()));
                    return Ok(());
                }
            };
            let _ = ready_tx.send(Ok((relay.local_addr(), relay.id())));
            let _ = stop_rx.await;
            relay.shutdown().await?;
            anyhow::Ok(())
        })
    });
    let (addr, relay_id) = ready_rx
        .recv_timeout(std::time::Duration::from_secs(20))
        .with_context(|| tr!("demo-relay-did-not-start"))?
        .map_err(|e| anyhow::anyhow!(e))?;
    let url = format!("ws://{addr}/");
    log.push(format!(
        "\n{}",
        tr!("demo-relay-starts", url = &url, key = relay_id.to_string())
    ));
    let home = |name: &str| crate::commands::Context {
        home: root.join(name),
        json: true,
    };

    let first = crate::relay::sync_once(&home("alice"), &url, &[])?;
    log.push(format!(
        "  {}",
        tr!("demo-relay-alice-syncs", count = first.sent.documents)
    ));
    let text = "On part quand on veut, en prévenant le bureau par écrit.";
    {
        let mut bob = Home::open(&root.join("bob"), env()?)?;
        let target = bob.documents().target(doc, "depart")?;
        bob.documents().edit(doc, &target.part, text)?;
        crate::commands::save_and_close(bob)?;
    }
    crate::relay::sync_once(&home("bob"), &url, &[])?;
    let alice = crate::relay::sync_once(&home("alice"), &url, &[])?;
    let seen = {
        let mut alice = Home::open(&root.join("alice"), env()?)?;
        let body = alice.documents().target(doc, "depart")?.text;
        alice.close()?;
        body
    };
    let reached = seen.contains("prévenant le bureau");
    log.push(format!(
        "  {}",
        tr!(
            "demo-relay-bob-edits",
            reached = yes_no(reached),
            count = alice.documents.len()
        )
    ));

    Home::init(&root.join("dana"), &env()?)?;
    let outsider = crate::relay::sync_once(&home("dana"), &url, &[doc.to_string()])?;
    let outsider_saw_nothing = outsider.documents.is_empty() && outsider.unavailable == [*doc];
    log.push(format!(
        "  {}",
        tr!(
            "demo-relay-outsider",
            outcome = if outsider_saw_nothing {
                "nothing"
            } else {
                "leaked"
            }
        )
    ));

    let _ = stop_tx.send(());
    server
        .join()
        .map_err(|_| anyhow::anyhow!(tr!("demo-relay-thread-failed")))??;
    log.push(format!("  {}", tr!("demo-relay-stops")));
    if !reached || !outsider_saw_nothing {
        output::text(&log.join("\n"))?;
        bail!(tr!("demo-relay-failed"));
    }
    Ok(Relayed {
        reached,
        outsider_saw_nothing,
    })
}

/// What the governance part of the demo produced.
struct Governed {
    community: CommunityId,
    amendment: RecordId,
    version: usize,
}

/// A challenge becomes a ratified amendment, across three homes: every act
/// through the facade (`nous_api::governance`), the homes exchanging
/// bundles.
fn governance(
    root: &Path,
    alice: &mut Member,
    bob: &mut Member,
    doc: &DocId,
    say: &mut Vec<String>,
) -> anyhow::Result<Governed> {
    let mut chloe = Member::create("Chloé", root)?;
    let bob_device = bob.engine.device();
    say.push(format!("\n{}", tr!("demo-governance")));
    let rules = [
        "amend=consent,signers=2",
        "admit=consent",
        "exclude=qualified,days=15",
        "rules=consensus",
    ]
    .iter()
    .map(|rule| rule.parse::<ActRule>())
    .collect::<Result<Vec<_>, _>>()?;
    let alice_device = alice.engine.device();
    let founded = alice.engine.governance().found(NewCommunity {
        name: "Les Communs",
        charter: &doc.to_string(),
        colleges: vec![
            College {
                id: "salaries".into(),
                name: "Salariés".into(),
                weight: 2,
            },
            College {
                id: "apprenants".into(),
                name: "Apprenants".into(),
                weight: 1,
            },
        ],
        name_as: Some("Alice"),
        college: Some("salaries"),
        founders: vec![Founder {
            member: bob_device,
            name: "Bob".into(),
            college: "salaries".into(),
        }],
        rules,
        facilitators: vec![alice_device],
    })?;
    let id = founded.details.id;
    let c = id.to_string();
    let c = Some(c.as_str());
    say.push(format!(
        "  {}",
        tr!("demo-founded", id = id.short().to_string())
    ));
    alice.sync_to(bob, &id)?;
    alice.sync_to(&mut chloe, &id)?;

    // Chloé joins.
    let application = chloe
        .engine
        .governance()
        .apply(
            c,
            "Chloé",
            "apprenants",
            "Je suis la formation depuis un an.",
        )?
        .record
        .to_string();
    chloe.sync_to(bob, &id)?;
    bob.engine.governance().admit(c, &application)?;
    bob.sync_to(&mut chloe, &id)?;
    chloe.engine.governance().sign(c, &application)?;
    say.push(format!("  {}", tr!("demo-chloe-joins")));

    // Chloé challenges « Départ et exclusion » and proposes an amendment.
    let mut gov = chloe.engine.governance();
    let challenge = gov
        .challenge(
            c,
            "depart",
            "On peut être exclu sans avoir été entendu.",
            "Un membre a été exclu l'an dernier sans pouvoir s'expliquer.",
            None,
        )?
        .record
        .to_string();
    let proposed = gov.propose(
        c,
        &challenge,
        "Droit d'être entendu",
        "Personne ne devrait être exclu sans avoir pu s'expliquer.",
        &[],
    )?;
    let amendment_id = proposed.record;
    let amendment = amendment_id.to_string();
    gov.write(
        c,
        &amendment,
        "depart",
        "1. Chacun peut quitter la coopérative à tout moment.\n\n2. L'exclusion est décidée par l'assemblée, après que la personne a été entendue.",
    )?;
    gov.submit(c, &amendment, "première rédaction", &[])?;
    gov.round(c, &amendment)?;
    say.push(format!(
        "  {}",
        tr!(
            "demo-chloe-challenges",
            id = amendment_id.short().to_string()
        )
    ));

    // Bob objects; the facilitator finds the objection valid.
    chloe.sync_to(bob, &id)?;
    let abcd: BTreeSet<char> = ['a', 'b', 'c', 'd'].into();
    let objection = bob
        .engine
        .governance()
        .react(
            c,
            &amendment,
            Reaction {
                stance: Stance::Objection,
                criteria: abcd.clone(),
                argument: "Sans délai de convocation, l'audition peut être une formalité.",
                objection: None,
            },
        )?
        .record
        .to_string();
    bob.sync_to(alice, &id)?;
    alice.engine.governance().test_objection(
        c,
        &objection,
        abcd,
        "L'objection remplit les quatre critères.",
    )?;
    alice.sync_to(&mut chloe, &id)?;
    say.push(format!("  {}", tr!("demo-bob-objects")));

    // Chloé integrates it; Bob confirms; the amendment is adopted and ratified.
    let mut gov = chloe.engine.governance();
    gov.write(
        c,
        &amendment,
        "depart",
        "1. Chacun peut quitter la coopérative à tout moment.\n\n2. L'exclusion est décidée par l'assemblée, après que la personne a été convoquée quinze jours à l'avance et entendue.",
    )?;
    gov.submit(
        c,
        &amendment,
        "convocation quinze jours avant",
        std::slice::from_ref(&objection),
    )?;
    chloe.sync_to(bob, &id)?;
    bob.engine.governance().react(
        c,
        &amendment,
        Reaction {
            stance: Stance::Resolved,
            criteria: BTreeSet::new(),
            argument: "Le délai règle mon objection.",
            objection: Some(&objection),
        },
    )?;
    bob.sync_to(alice, &id)?;
    chloe.sync_to(alice, &id)?;
    let mut gov = alice.engine.governance();
    gov.react(
        c,
        &amendment,
        Reaction {
            stance: Stance::Consent,
            criteria: BTreeSet::new(),
            argument: "",
            objection: None,
        },
    )?;
    let decision = gov.decide(c, &amendment, Outcome::Adopted, "")?.record;
    say.push(format!(
        "  {}",
        tr!("demo-adopted", id = decision.short().to_string())
    ));
    gov.ratify(c, &amendment)?;
    alice.sync_to(bob, &id)?;
    let mut gov = bob.engine.governance();
    let ratified = gov.ratify(c, &amendment)?;
    let state = &ratified.state;
    let merged = state
        .amendments
        .get(&amendment_id)
        .is_some_and(|a| a.phase == Phase::Merged);
    if !merged {
        bail!(tr!("demo-not-ratified"));
    }
    let version = state.in_force().number;
    let text = gov.charter_in_force(state)?;
    say.push(format!("  {}", tr!("demo-ratified", version = version)));
    say.push(format!(
        "\n{}\n{}",
        tr!("demo-section-in-force", version = version),
        text.find_section("depart")?.body()
    ));
    bob.sync_to(alice, &id)?;
    chloe.engine.close()?;
    Ok(Governed {
        community: id,
        amendment: amendment_id,
        version,
    })
}
