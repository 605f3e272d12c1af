//! `nous demo participation`: a public participation told end to end, on
//! the facade, in throw-away homes.
//!
//! La Métropole (Fred the facilitator, Alice and Bob its agents) opens a
//! participation on its draft « Plan vélo » with a contrat participatif of
//! three commitments, and moves it through its phases (contract, thirty
//! days of strategy open to anyone, instruction, answer) on the demo's own
//! clock: it starts at `NOUS_NOW` (or now) and moves on when the story
//! says so. A relay starts on a loopback port. Zoé and Yann, citizens who
//! are no members, and the association Vélo-Cité contribute through it
//! with the participation link; Alice transcribes a paper form; Yann
//! supports Zoé's idea; three report an offensive contribution, hidden
//! pending review, and Fred, moderator, confirms the hiding citing the
//! contract. Instruction freezes contributions (a late one is refused);
//! Fred writes two contributions into the text and answers every visible
//! contribution, naming the changes that carry them; closing is refused
//! while one lacks its answer, then succeeds. The synthesis is published,
//! the open-data archive exported and validated, the community's bundle
//! verified offline (the synthesis reproduced), and Zoé reads what became
//! of her contribution.
//!
//! Each step is checked: the demo fails, saying which, if one does not go
//! as told.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use anyhow::{Context as _, bail};
use serde_json::json;

use nous_api::documents::Part;
use nous_api::governance::NewCommunity;
use nous_api::nous_core::DocId;
use nous_api::nous_core::participation_link::ParticipationLink;
use nous_api::nous_core::record::{
    Anchor, AnswerState, AuthorType, Category, Channel, Commitment, CommitmentCheck, CommunityId,
    Contributors, Founder, PhaseKind, RecordId, ReportReason,
};
use nous_api::participate::{ContributionDraft, ParticipateError};
use nous_api::participation::{NewAnswer, NewContribution, OpenOptions, PhaseOptions};
use nous_api::{Documents, Env, Error, Home};

use crate::commands::{cannot_write, env};
use crate::lang::tr;
use crate::output;

/// The text under consultation.
const TEXT: &str = include_str!("../assets/plan-velo.md");
/// The contrat participatif.
const CONTRACT: &str = include_str!("../assets/contrat-plan-velo.md");
/// La Métropole's own charter, which the community is founded on.
const CHARTER: &str = "# Charte de la Métropole\n\n## Objet\n\nLa Métropole associe les habitants aux décisions qui les concernent.\n";
/// The archive's file name in the demo directory.
const ARCHIVE: &str = "plan-velo-open-data.zip";
/// The homes the demo creates, by directory.
const HOMES: [&str; 7] = ["fred", "alice", "bob", "zoe", "yann", "velo-cite", "max"];
const DAY: i64 = 86_400_000;

/// The demo's clock: day 0 is `NOUS_NOW` (or now); every home reads it.
struct Clock {
    start: i64,
    now: Arc<AtomicI64>,
}

impl Clock {
    fn new(start: i64) -> Self {
        Clock {
            start,
            now: Arc::new(AtomicI64::new(start)),
        }
    }

    fn env(&self) -> Env {
        let now = Arc::clone(&self.now);
        Env::with_clock(move || now.load(Ordering::Relaxed))
    }

    /// Day `day` of the story, at the same hour as day 0.
    fn set_day(&self, day: i64) {
        self.now.store(self.start + day * DAY, Ordering::Relaxed);
    }

    /// Day `day` in ms.
    fn at(&self, day: i64) -> u64 {
        u64::try_from(self.start + day * DAY).unwrap_or(0)
    }
}

/// A relay on a loopback port, in a thread of its own.
struct Relay {
    url: String,
    key: nous_api::nous_core::PublicKey,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<anyhow::Result<()>>>,
}

impl Relay {
    fn start(data: PathBuf) -> anyhow::Result<Relay> {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || -> anyhow::Result<()> {
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
                let relay = match nous_sync_server::Relay::start(config).await {
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
        let (addr, key) = ready_rx
            .recv_timeout(std::time::Duration::from_secs(20))
            .with_context(|| tr!("demo-relay-did-not-start"))?
            .map_err(|e| anyhow::anyhow!(e))?;
        Ok(Relay {
            url: format!("ws://{addr}/"),
            key,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }

    /// Stop the relay and wait for it to flush its store.
    fn stop(mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.thread.take() {
            Some(thread) => thread
                .join()
                .map_err(|_| anyhow::anyhow!(tr!("demo-relay-thread-failed")))?,
            None => Ok(()),
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A person of the story and their home.
struct Person {
    home: Home,
}

impl Person {
    fn create(root: &Path, dir: &str, clock: &Clock) -> anyhow::Result<Person> {
        let path = root.join(dir);
        Home::init(&path, &clock.env())?;
        Ok(Person {
            home: Home::open(&path, clock.env())?,
        })
    }

    /// One sync with the relay; it must finish.
    fn sync(&mut self, relay: &Relay) -> anyhow::Result<usize> {
        let report = self.home.sync(&relay.url, &[], &mut |_, _| {})?;
        if let Some(reason) = report.unfinished_reason() {
            bail!(reason);
        }
        Ok(report.new_records)
    }
}

/// Fred's answer to a contribution.
struct Reply<'a> {
    contribution: RecordId,
    title: &'a str,
    whose: &'a str,
    state: AnswerState,
    argument: &'a str,
    landed_in: Vec<(&'a str, Option<&'a str>)>,
}

/// What the story produced, for `--json`.
struct Told {
    community: CommunityId,
    participation: RecordId,
    link: String,
    phases: Vec<&'static str>,
    contributions: usize,
    hidden: RecordId,
    late_refused: String,
    close_refused: String,
    answers: serde_json::Value,
    commitments: serde_json::Value,
    synthesis: serde_json::Value,
    open_data: serde_json::Value,
    verified: bool,
    reproduced: bool,
    report_hash: String,
    timeline: serde_json::Value,
}

pub fn run(keep: Option<&Path>, bundle: Option<&Path>, json_output: bool) -> anyhow::Result<()> {
    let (root, _temp) = crate::demo::homes_root(keep, &HOMES)?;
    let mut log = Vec::new();
    let told = match story(&root, bundle, &mut log) {
        Ok(told) => told,
        Err(error) => {
            if !json_output {
                output::text(&log.join("\n"))?;
            }
            return Err(error);
        }
    };
    let archive = keep.map(|_| root.join(ARCHIVE));
    if let Some(path) = &archive {
        log.push(tr!(
            "demo-participation-kept",
            path = root.display().to_string(),
            archive = path.display().to_string()
        ));
    }
    if json_output {
        output::json(&json!({
            "home": root,
            "community": told.community,
            "participation": told.participation,
            "link": told.link,
            "phases": told.phases,
            "contributions": told.contributions,
            "hidden": told.hidden,
            "late_contribution_refused": told.late_refused,
            "close_refused": told.close_refused,
            "answers": told.answers,
            "closed": true,
            "commitments": told.commitments,
            "synthesis": told.synthesis,
            "open_data": told.open_data,
            "archive": archive,
            "verified": told.verified,
            "synthesis_reproduced": told.reproduced,
            "report_hash": told.report_hash,
            "bundle": bundle,
            "timeline": told.timeline,
        }))?;
    } else {
        output::text(&log.join("\n"))?;
    }
    Ok(())
}

/// Fail unless `ok`: the step `step` did not go as told.
fn expect(ok: bool, step: &str) -> anyhow::Result<()> {
    if !ok {
        bail!(tr!(
            "demo-participation-not-as-told",
            what = tr!("demo-participation-expected", step = step)
        ));
    }
    Ok(())
}

/// A step of the story, on day `day`.
fn day(log: &mut Vec<String>, clock: &Clock, day: i64, what: String) {
    clock.set_day(day);
    log.push(format!(
        "\n{}",
        tr!("demo-participation-day", day = day, what = what)
    ));
}

/// The section of `doc` headed `heading` in this home: its id.
fn section(home: &mut Home, doc: &DocId, heading: &str) -> anyhow::Result<String> {
    match home.documents().target(doc, heading)?.part {
        Part::Section { id, .. } => Ok(id.to_string()),
        _ => bail!(tr!(
            "demo-participation-not-as-told",
            what = heading.to_owned()
        )),
    }
}

/// A citizen's contribution to write.
fn draft(
    title: &str,
    body: &str,
    category: &str,
    author_type: AuthorType,
    section: &str,
) -> ContributionDraft {
    ContributionDraft {
        title: title.into(),
        body: body.into(),
        category: category.into(),
        author_type,
        anchor: Some(Anchor {
            section: section.into(),
            article: None,
        }),
        location: None,
    }
}

/// A percentage from a per mille, rounded.
fn percent(permille: u64) -> u64 {
    (permille + 5) / 10
}

#[allow(clippy::too_many_lines)]
fn story(root: &Path, bundle: Option<&Path>, say: &mut Vec<String>) -> anyhow::Result<Told> {
    let clock = Clock::new(env()?.now_ms());
    let relay = Relay::start(root.join("relay"))?;
    say.push(tr!(
        "demo-participation-homes",
        path = root.display().to_string()
    ));
    say.push(format!(
        "  {}",
        tr!(
            "demo-participation-relay",
            url = relay.url.as_str(),
            key = relay.key.to_string()
        )
    ));
    let mut fred = Person::create(root, "fred", &clock)?;
    let mut alice = Person::create(root, "alice", &clock)?;
    let mut bob = Person::create(root, "bob", &clock)?;
    let mut zoe = Person::create(root, "zoe", &clock)?;
    let mut yann = Person::create(root, "yann", &clock)?;
    let mut velo = Person::create(root, "velo-cite", &clock)?;
    let mut max = Person::create(root, "max", &clock)?;

    // Day 0: La Métropole, and its participation on the draft plan.
    day(say, &clock, 0, tr!("demo-participation-opening"));
    let charter = Documents::import_markdown(CHARTER)?;
    let charter = fred
        .home
        .documents()
        .create("Charte de la Métropole", &charter)?;
    let fred_device = fred.home.device();
    let founded = fred.home.governance().found(NewCommunity {
        name: "La Métropole",
        charter: &charter.id.to_string(),
        name_as: Some("Fred"),
        founders: vec![
            Founder {
                member: alice.home.device(),
                name: "Alice".into(),
                college: "members".into(),
            },
            Founder {
                member: bob.home.device(),
                name: "Bob".into(),
                college: "members".into(),
            },
        ],
        facilitators: vec![fred_device],
        ..NewCommunity::default()
    })?;
    let community = founded.details.id;
    let c = community.to_string();
    // Alice and Bob, founders too, take the community from a bundle; the
    // relay carries the rest.
    let founding = fred.home.bundles().export(&[], std::slice::from_ref(&c))?;
    alice.home.bundles().import(&founding.bytes)?;
    bob.home.bundles().import(&founding.bytes)?;
    let c = Some(c.as_str());
    let commitments = vec![
        Commitment {
            id: "reponses".into(),
            text: "Chaque contribution reçoit une réponse argumentée avant la date limite.".into(),
            check: CommitmentCheck::Answers,
        },
        Commitment {
            id: "synthese".into(),
            text: "Une synthèse publique dit ce que le texte doit aux contributions.".into(),
            check: CommitmentCheck::Synthesis,
        },
        Commitment {
            id: "restitution".into(),
            text: "Une réunion publique de restitution se tient avant l'adoption du plan.".into(),
            check: CommitmentCheck::Manual,
        },
    ];
    let opened = fred.home.governance().open_participation(
        c,
        OpenOptions {
            title: "Plan vélo",
            text_markdown: TEXT,
            contract_markdown: CONTRACT,
            commitments,
            categories: vec![
                Category {
                    id: "amenagements".into(),
                    label: "Aménagements".into(),
                },
                Category {
                    id: "services".into(),
                    label: "Services".into(),
                },
            ],
            answer_due: clock.at(60),
            moderators: vec!["Fred".into()],
            answerers: vec!["Fred".into(), "Alice".into()],
            report_threshold: 3,
        },
    )?;
    let participation = opened.record;
    let p = participation.to_string();
    let text = opened.details.text.doc;
    fred.home
        .governance()
        .open_phase(c, &p, PhaseOptions::new(PhaseKind::Contract))?;
    say.push(format!(
        "  {}",
        tr!(
            "demo-participation-opened",
            id = participation.short().to_string()
        )
    ));
    say.push(format!("  {}", tr!("demo-participation-commitments")));
    fred.sync(&relay)?;
    alice.sync(&relay)?;
    bob.sync(&relay)?;
    say.push(format!("  {}", tr!("demo-participation-members-sync")));
    let sections = [
        "Réseau cyclable",
        "Stationnement",
        "Abords des écoles",
        "Services",
    ]
    .iter()
    .map(|heading| section(&mut fred.home, &text, heading))
    .collect::<anyhow::Result<Vec<_>>>()?;

    // Day 7: thirty days of strategy, open to anyone.
    day(say, &clock, 7, tr!("demo-participation-strategy"));
    fred.home.governance().open_phase(
        c,
        &p,
        PhaseOptions {
            closes_at: Some(clock.at(37)),
            contributors: Some(Contributors::Anyone),
            ..PhaseOptions::new(PhaseKind::Strategy)
        },
    )?;
    fred.sync(&relay)?;
    let link = ParticipationLink {
        community,
        participation,
        relay_key: relay.key,
        relay_url: relay.url.clone(),
        invitation: None,
    }
    .to_link();
    say.push(format!(
        "  {}",
        tr!("demo-participation-link", link = link.as_str())
    ));

    // Day 8 to 12: citizens and an association contribute through the relay.
    day(say, &clock, 8, tr!("demo-participation-citizens"));
    let view = zoe.home.participation_view(&link)?;
    let shown = view.text.markdown.contains("Réseau cyclable") && view.title == "Plan vélo";
    say.push(format!(
        "  {}",
        tr!(
            "demo-participation-zoe-reads",
            title = view.title.as_str(),
            community = view.name.as_str()
        )
    ));
    expect(shown, "view")?;
    let zoes = zoe.home.contribute_remote(
        &link,
        draft(
            "Des pistes séparées des voitures",
            "Les pistes doivent être séparées physiquement de la circulation, pas seulement peintes sur la chaussée.",
            "amenagements",
            AuthorType::Citizen,
            &sections[0],
        ),
    )?;
    say.push(format!(
        "  {}",
        tr!(
            "demo-participation-contributed",
            who = "Zoé",
            title = "Des pistes séparées des voitures"
        )
    ));
    clock.set_day(9);
    let yanns = yann.home.contribute_remote(
        &link,
        draft(
            "Des arceaux à la gare Nord",
            "À la gare Nord, il n'y a nulle part où attacher son vélo.",
            "amenagements",
            AuthorType::Citizen,
            &sections[1],
        ),
    )?;
    yann.home.support_remote(&link, &zoes.to_string())?;
    say.push(format!(
        "  {}",
        tr!(
            "demo-participation-contributed",
            who = "Yann",
            title = "Des arceaux à la gare Nord"
        )
    ));
    say.push(format!(
        "  {}",
        tr!("demo-participation-supports", who = "Yann", whose = "Zoé")
    ));
    clock.set_day(10);
    let velos = velo.home.contribute_remote(
        &link,
        draft(
            "Un atelier d'autoréparation par quartier",
            "Un atelier par quartier, tenu avec les associations, apprend à chacun à réparer son vélo.",
            "services",
            AuthorType::Association,
            &sections[3],
        ),
    )?;
    say.push(format!(
        "  {}",
        tr!(
            "demo-participation-association",
            who = "Vélo-Cité",
            title = "Un atelier d'autoréparation par quartier"
        )
    ));
    clock.set_day(11);
    let maxs = max.home.contribute_remote(
        &link,
        draft(
            "Les cyclistes dehors",
            "Ces cyclistes sont des parasites, qu'on les chasse de nos routes.",
            "amenagements",
            AuthorType::Citizen,
            &sections[0],
        ),
    )?;
    clock.set_day(12);
    for reporter in [&mut zoe, &mut yann, &mut velo] {
        reporter.home.report_remote(
            &link,
            &maxs.to_string(),
            ReportReason::Offensive,
            "Propos injurieux.",
        )?;
    }
    let view = zoe.home.participation_view(&link)?;
    let pending = view
        .contributions
        .iter()
        .any(|v| v.id == maxs.to_string() && v.hidden && v.title.is_none());
    say.push(format!(
        "  {}",
        tr!("demo-participation-reported", who = "Max")
    ));
    expect(pending, "hidden")?;

    // Day 14: Alice transcribes a paper form; Bob supports it.
    day(say, &clock, 14, tr!("demo-participation-paper"));
    alice.sync(&relay)?;
    let paper = alice
        .home
        .governance()
        .contribute(
            c,
            &p,
            NewContribution {
                title: "Une rue aux écoles",
                body: "Fermer les rues des écoles aux voitures à l'entrée et à la sortie des classes.",
                category: "amenagements",
                author_type: AuthorType::Citizen,
                anchor: Some((&sections[2], None)),
                location: None,
                channel: Channel::Paper,
                on_behalf_of: Some("fiche 12"),
            },
        )?
        .record;
    alice.sync(&relay)?;
    bob.sync(&relay)?;
    bob.home.governance().support(c, &paper.to_string())?;
    bob.sync(&relay)?;
    say.push(format!(
        "  {}",
        tr!(
            "demo-participation-transcribed",
            title = "Une rue aux écoles",
            whom = "fiche 12"
        )
    ));
    say.push(format!("  {}", tr!("demo-participation-bob-supports")));

    // Day 15: Fred's sync takes the citizens' records in; he confirms the
    // hiding.
    day(say, &clock, 15, tr!("demo-participation-moderation"));
    let received = fred.sync(&relay)?;
    let listed = fred.home.governance().participation(c, &p)?;
    say.push(format!(
        "  {}",
        tr!(
            "demo-participation-received",
            records = received,
            count = listed.counts.contributions,
            pending = listed.counts.pending_review
        )
    ));
    expect(
        listed.counts.contributions == 5 && listed.counts.pending_review == 1,
        "received",
    )?;
    let clause = "article 4 du contrat participatif";
    fred.home.governance().hide(
        c,
        &maxs.to_string(),
        "Propos injurieux envers les cyclistes.",
        clause,
    )?;
    let hidden = fred
        .home
        .governance()
        .contribution(c, &maxs.to_string(), false)?;
    say.push(format!(
        "  {}",
        tr!("demo-participation-hidden", clause = clause)
    ));
    expect(
        hidden.visibility == nous_api::nous_core::governance::participation::Visibility::Hidden
            && hidden.body.is_none(),
        "moderated",
    )?;
    fred.sync(&relay)?;

    // Day 37: instruction; contributions are frozen.
    day(say, &clock, 37, tr!("demo-participation-instruction"));
    fred.home
        .governance()
        .open_phase(c, &p, PhaseOptions::new(PhaseKind::Instruction))?;
    fred.sync(&relay)?;
    clock.set_day(38);
    let late = yann.home.contribute_remote(
        &link,
        draft(
            "Des bornes de gonflage",
            "Une borne de gonflage à chaque station de tram.",
            "services",
            AuthorType::Citizen,
            &sections[3],
        ),
    );
    let late_refused = match late {
        Err(Error::Participate(ParticipateError::Refused { code, .. })) => code,
        Err(error) => return Err(error.into()),
        Ok(_) => String::new(),
    };
    say.push(format!(
        "  {}",
        tr!(
            "demo-participation-late",
            who = "Yann",
            reason = crate::lang::current().tr(&format!("reason-{late_refused}"), &[])
        )
    ));
    expect(late_refused == "contributions-closed", "late")?;

    // Day 40: Fred writes two contributions into the text.
    day(say, &clock, 40, tr!("demo-participation-edits"));
    let mut edit = |heading: &str, change: &dyn Fn(&str) -> String| -> anyhow::Result<String> {
        let target = fred.home.documents().target(&text, heading)?;
        let edited = fred
            .home
            .documents()
            .edit(&text, &target.part, &change(&target.text))?;
        edited
            .change
            .ok_or_else(|| anyhow::anyhow!(tr!("demo-participation-not-as-told", what = heading)))
    };
    let tracks = edit("Réseau cyclable", &|body| {
        format!("{body} Les pistes sont séparées physiquement de la circulation automobile.")
    })?;
    let schools = edit("Abords des écoles", &|_| {
        "Les rues des écoles sont fermées aux voitures à l'entrée et à la sortie des classes."
            .to_owned()
    })?;
    fred.home.attest()?;
    say.push(format!(
        "  {}",
        tr!(
            "demo-participation-edited",
            first = "Réseau cyclable",
            second = "Abords des écoles"
        )
    ));

    // Day 45: answers, and a closing refused while one is missing.
    day(say, &clock, 45, tr!("demo-participation-answer-phase"));
    fred.home
        .governance()
        .open_phase(c, &p, PhaseOptions::new(PhaseKind::Answer))?;
    let replies = [
        Reply {
            contribution: zoes,
            title: "Des pistes séparées des voitures",
            whose: "Zoé",
            state: AnswerState::Retained,
            argument: "Des pistes séparées sont la condition de la sécurité : le plan l'écrit désormais.",
            landed_in: vec![(sections[0].as_str(), Some(tracks.as_str()))],
        },
        Reply {
            contribution: paper,
            title: "Une rue aux écoles",
            whose: "fiche 12",
            state: AnswerState::Retained,
            argument: "Les rues des écoles seront fermées aux voitures aux heures d'entrée et de sortie.",
            landed_in: vec![(sections[2].as_str(), Some(schools.as_str()))],
        },
        Reply {
            contribution: yanns,
            title: "Des arceaux à la gare Nord",
            whose: "Yann",
            state: AnswerState::AlreadyCovered,
            argument: "Le plan prévoit déjà des arceaux près de toutes les gares, la gare Nord comprise.",
            landed_in: Vec::new(),
        },
        Reply {
            contribution: velos,
            title: "Un atelier d'autoréparation par quartier",
            whose: "Vélo-Cité",
            state: AnswerState::Deferred,
            argument: "La maison du vélo ouvre un premier atelier ; un atelier par quartier sera étudié avec le budget 2027.",
            landed_in: Vec::new(),
        },
    ];
    let mut close_refused = String::new();
    for (n, reply) in replies.into_iter().enumerate() {
        if n == 3 {
            // Closing now: refused, one contribution has no answer yet.
            let refused = fred
                .home
                .governance()
                .close_participation(c, &p, "Consultation close.");
            match refused {
                Err(error) => match error.refusal() {
                    Some((_, reason)) => {
                        close_refused = reason.code().as_str().to_owned();
                        say.push(format!(
                            "  {}",
                            tr!(
                                "demo-participation-close-refused",
                                reason = reason.render(crate::lang::current())
                            )
                        ));
                    }
                    None => return Err(error.into()),
                },
                Ok(_) => expect(false, "close-refused")?,
            }
            expect(close_refused == "contributions-unanswered", "close-refused")?;
        }
        fred.home.governance().answer(
            c,
            &reply.contribution.to_string(),
            NewAnswer {
                state: reply.state,
                argument: reply.argument,
                landed_in: reply.landed_in,
            },
        )?;
        say.push(format!(
            "  {}",
            tr!(
                "demo-participation-answered",
                title = reply.title,
                whose = reply.whose,
                state = tr!("participation-answer-state", state = reply.state.name())
            )
        ));
    }

    // Day 50: the restitution, the synthesis, the closing.
    day(say, &clock, 50, tr!("demo-participation-closing"));
    fred.home.governance().settle_commitment(
        c,
        &p,
        "restitution",
        true,
        "Réunion publique de restitution à l'hôtel de la Métropole, 80 participants ; compte rendu publié.",
    )?;
    let (published, report) = fred.home.publish_synthesis(c, &p)?;
    let shares = &report.shares_permille;
    let retained_citizen = report
        .contributions
        .retained_by_author_type
        .get("citizen")
        .copied()
        .unwrap_or(0);
    let citizen_words = report
        .text_figures
        .added_by
        .get("citizen")
        .map_or(0, |a| a.words);
    say.push(format!(
        "  {}",
        tr!(
            "demo-participation-synthesis",
            id = published.short().to_string()
        )
    ));
    say.push(format!(
        "    {}",
        tr!(
            "demo-participation-synthesis-contributions",
            count = report.contributions.total,
            hidden = report.contributions.hidden,
            share = percent(shares.contributions_citizen)
        )
    ));
    say.push(format!(
        "    {}",
        tr!(
            "demo-participation-synthesis-retained",
            count = retained_citizen,
            share = percent(shares.retained_citizen)
        )
    ));
    say.push(format!(
        "    {}",
        tr!(
            "demo-participation-synthesis-text",
            words = citizen_words,
            share = percent(shares.added_words_citizen)
        )
    ));
    expect(
        report.contributions.total == 5
            && report.contributions.hidden == 1
            && retained_citizen == 2
            && citizen_words > 0
            && shares.added_words_citizen == 1000,
        "synthesis",
    )?;
    let zoes_pseudonym = fred
        .home
        .governance()
        .contribution(c, &zoes.to_string(), false)?
        .pseudonym;
    fred.home
        .record_name(&community, &participation, &zoes_pseudonym, "Zoé Lambert")?;
    fred.home.governance().close_participation(
        c,
        &p,
        "Merci à toutes et à tous : le plan vélo est prêt pour le conseil.",
    )?;
    let closed = fred.home.governance().participation(c, &p)?;
    let mut commitments = serde_json::Map::new();
    for commitment in &closed.commitments {
        let status = serde_json::to_value(commitment.status)?;
        let status = status.as_str().unwrap_or_default().to_owned();
        say.push(format!(
            "    {}",
            tr!(
                "demo-participation-commitment",
                commitment = commitment.commitment.text.as_str(),
                status = tr!("participation-commitment-status", status = status.as_str())
            )
        ));
        commitments.insert(commitment.commitment.id.clone(), status.into());
    }
    let phases: Vec<&'static str> = closed.phases.iter().map(|e| e.phase.name()).collect();
    say.push(format!("  {}", tr!("demo-participation-closed")));
    expect(
        closed.closed.is_some()
            && commitments.len() == 3
            && commitments.values().all(|s| s == "kept")
            && phases == ["contract", "strategy", "instruction", "answer"],
        "commitments",
    )?;
    fred.sync(&relay)?;

    // The open data.
    let synthesis_json = serde_json::to_value(&report)?;
    let archive = fred
        .home
        .export_participation(c, &p, Some(synthesis_json))?;
    let archive_path = root.join(ARCHIVE);
    std::fs::write(&archive_path, &archive).with_context(|| cannot_write(&archive_path))?;
    let validated = nous_api::nous_core::open_data::validate(&archive);
    let (files, tables) = match &validated {
        Ok(v) => (
            v.files.keys().cloned().collect::<Vec<_>>(),
            v.tables.clone(),
        ),
        Err(problems) => {
            bail!(tr!(
                "demo-participation-not-as-told",
                what = problems.join("; ")
            ))
        }
    };
    say.push(format!(
        "\n{}",
        tr!(
            "demo-participation-open-data",
            files = files.len(),
            rows = tables.values().sum::<usize>(),
            bytes = archive.len()
        )
    ));
    let named = files
        .iter()
        .filter(|f| f.ends_with(".csv"))
        .filter_map(|f| validated.as_ref().ok()?.files.get(f))
        .any(|bytes| String::from_utf8_lossy(bytes).contains("Zoé Lambert"));
    say.push(format!(
        "  {}",
        tr!("demo-participation-named", name = "Zoé Lambert")
    ));
    expect(named, "named")?;

    // The bundle, verified offline; the synthesis reproduced.
    let bytes = fred
        .home
        .bundles()
        .export(
            &[text.to_string(), opened.details.contract.doc.to_string()],
            &[community.to_string()],
        )?
        .bytes;
    let verified = nous_api::verify(&bytes)?;
    let reproduced = verified
        .report
        .communities
        .iter()
        .flat_map(|c| &c.syntheses)
        .any(|s| s.record == published && s.reproduced && s.hash == report.hash());
    say.push(format!(
        "  {}",
        tr!(
            "demo-participation-verified",
            verdict = if verified.intact() {
                "accepted"
            } else {
                "rejected"
            },
            reproduced = if reproduced { "yes" } else { "no" },
            hash = verified.report_hash.as_str()
        )
    ));
    expect(verified.intact() && reproduced, "verified")?;
    if let Some(path) = bundle {
        std::fs::write(path, &bytes).with_context(|| cannot_write(path))?;
        say.push(format!(
            "  {}",
            tr!("demo-bundle-kept", path = path.display().to_string())
        ));
    }

    // Zoé reads what became of her contribution: the answer through the
    // relay, its whole path from the bundle.
    say.push(format!("\n{}", tr!("demo-participation-zoe-follows")));
    let view = zoe.home.participation_view(&link)?;
    let answer = view
        .contributions
        .iter()
        .find(|v| v.id == zoes.to_string())
        .and_then(|v| v.answer.clone());
    if let Some(answer) = &answer {
        say.push(format!(
            "  {}",
            tr!(
                "demo-participation-zoe-answer",
                state = tr!("participation-answer-state", state = answer.state.name()),
                argument = answer.argument.as_str()
            )
        ));
    }
    zoe.home.bundles().import(&bytes)?;
    let hers = zoe
        .home
        .governance()
        .contribution(c, &zoes.to_string(), false)?;
    let mut timeline = Vec::new();
    for event in &hers.timeline {
        let name = serde_json::to_value(event.event)?;
        let name = name.as_str().unwrap_or_default().to_owned();
        let day = (i64::try_from(event.at).unwrap_or(i64::MAX) - clock.start) / DAY;
        say.push(format!(
            "    {}",
            tr!(
                "demo-participation-timeline",
                day = day,
                event = tr!("participation-event", event = name.as_str())
            )
        ));
        timeline.push(name);
    }
    let landed = timeline.iter().any(|e| e == "landed") && timeline.iter().any(|e| e == "answered");
    expect(
        answer.is_some_and(|a| a.state == AnswerState::Retained) && landed,
        "timeline",
    )?;

    let answered = fred
        .home
        .governance()
        .participation(c, &p)?
        .counts
        .by_answer;
    fred.home.close()?;
    for person in [alice, bob, zoe, yann, velo, max] {
        person.home.close()?;
    }
    relay.stop()?;
    say.push(format!("\n{}", tr!("demo-relay-stops")));
    Ok(Told {
        community,
        participation,
        link,
        phases,
        contributions: 5,
        hidden: maxs,
        late_refused,
        close_refused,
        answers: serde_json::to_value(answered)?,
        commitments: commitments.into(),
        synthesis: json!({
            "record": published,
            "hash": report.hash(),
            "contributions": report.contributions.total,
            "hidden": report.contributions.hidden,
            "citizen_permille": shares.contributions_citizen,
            "retained_citizen": retained_citizen,
            "retained_citizen_permille": shares.retained_citizen,
            "added_words_citizen": citizen_words,
            "added_words_citizen_permille": shares.added_words_citizen,
        }),
        open_data: json!({
            "valid": true,
            "files": files,
            "tables": tables,
        }),
        verified: verified.intact(),
        reproduced,
        report_hash: verified.report_hash,
        timeline: timeline.into(),
    })
}
