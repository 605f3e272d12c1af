//! Issue 16's "done when", with the `nous` binary only: the four phases of
//! a participation run end to end with three members' homes syncing
//! through a relay and two citizens who are no members, reaching it with
//! the participation link (`nous participation link`, then `--link` on
//! `participation show`, `contribute`, `contribution …`, `moderate
//! report`). The strategy window closes on a late citizen; the organiser
//! answers every contribution with arguments and closes; a citizen reads
//! the answer on their contribution's timeline; the synthesis counts the
//! citizens' share; members verify the bundle. Citizens cannot answer or
//! moderate, and a phase for invited contributors takes a link only with
//! its invitation.

use serde_json::Value;

use crate::relay_support::{Member, RelayProcess};
use crate::support::{Run, path_str};

const TEXT: &str = "# Plan vélo\n\nCe que la ville propose.\n\n## Pistes\n<!-- nous:section id=pistes -->\n\nDes pistes sur les grands axes.\n\n## Stationnement\n<!-- nous:section id=stationnement -->\n\nDes arceaux devant les écoles.\n";

const CONTRACT: &str = "# Contrat participatif\n\nLa ville s'engage.\n\n## Réponses\n<!-- nous:section id=reponses -->\n\nChaque contribution reçoit un avis argumenté avant le 15 mai.\n";

fn run(who: &Member, now: &str, args: &[&str]) -> Run {
    who.home.run_at(now, args)
}

#[track_caller]
fn json(who: &Member, now: &str, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    run(who, now, &all).json()
}

#[track_caller]
fn record(who: &Member, now: &str, args: &[&str]) -> String {
    let out = json(who, now, args);
    out["record"]
        .as_str()
        .unwrap_or_else(|| panic!("no record in {out}"))
        .to_owned()
}

#[track_caller]
fn sync(who: &Member, now: &str, relay: &RelayProcess) {
    json(who, now, &["sync", relay.url.as_str()]);
}

/// A one-line failure that says `needle`.
#[track_caller]
fn refused(out: &Run, needle: &str) {
    out.fails_with(needle);
    assert_eq!(out.stderr.trim().lines().count(), 1, "{}", out.stderr);
}

/// Fred founds "Ville" with `others`, brings it to the relay and opens a
/// participation on the text with its contract. The participation's id.
fn found_and_open(relay: &RelayProcess, fred: &Member, others: &[&Member]) -> String {
    let doc = fred
        .home
        .charter("# Charte\n\n## Membres\n\nLes habitants.\n");
    let founders: Vec<String> = others
        .iter()
        .map(|m| format!("{}:{}:members", m.key, m.name))
        .collect();
    let mut args = vec![
        "community",
        "create",
        "Ville",
        "--charter",
        &doc,
        "--name-as",
        "Fred",
    ];
    for f in &founders {
        args.extend(["--founder", f.as_str()]);
    }
    record(fred, "2026-03-01", &args);
    let text = fred.home.file("texte.md");
    std::fs::write(&text, TEXT).expect("write");
    let contract = fred.home.file("contrat.md");
    std::fs::write(&contract, CONTRACT).expect("write");
    let p = record(
        fred,
        "2026-03-01",
        &[
            "participation",
            "open",
            "--title",
            "Plan vélo",
            "--text",
            path_str(&text),
            "--contract",
            path_str(&contract),
            "--commitment",
            "reponses:answers:Chaque contribution reçoit un avis argumenté",
            "--category",
            "mobilite:Mobilités",
            "--category",
            "espaces:Espaces publics",
            "--answer-due",
            "2026-05-15",
            "--moderator",
            "Fred",
            "--answerer",
            "Fred",
        ],
    );
    let bundle = fred.home.file("ville.bundle");
    fred.run(&["bundle", "export", "-o", path_str(&bundle)])
        .ok();
    for other in others {
        other.run(&["bundle", "import", path_str(&bundle)]).ok();
    }
    sync(fred, "2026-03-01", relay);
    for other in others {
        sync(other, "2026-03-01", relay);
    }
    p
}

fn contribution<'v>(view: &'v Value, id: &str) -> &'v Value {
    view["contributions"]
        .as_array()
        .expect("contributions")
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("{id} not in {view}"))
}

#[test]
fn the_four_phases_with_members_and_citizens_through_a_relay() {
    let relay = RelayProcess::start();
    let fred = Member::new("Fred");
    let alice = Member::new("Alice");
    let bob = Member::new("Bob");
    let cleo = Member::new("Cleo");
    let dan = Member::new("Dan");
    let p = found_and_open(&relay, &fred, &[&alice, &bob]);

    // The contract, then a 30-day strategy open to anyone.
    record(
        &fred,
        "2026-03-01",
        &["participation", "phase", &p, "contract"],
    );
    record(
        &fred,
        "2026-03-01",
        &[
            "participation",
            "phase",
            &p,
            "strategy",
            "--opens",
            "2026-03-02",
            "--days",
            "30",
            "--contributors",
            "anyone",
        ],
    );
    // The link for citizens, published (a sync first).
    let issued = json(
        &fred,
        "2026-03-02",
        &["participation", "link", &p, "--relay", relay.url.as_str()],
    );
    assert_eq!(issued["published"], true, "{issued}");
    assert_eq!(issued["invitation"], Value::Null, "{issued}");
    let link = issued["link"].as_str().expect("link").to_owned();
    assert!(link.starts_with("nous:participate/1/"), "{link}");
    let text = run(
        &fred,
        "2026-03-02",
        &["participation", "link", &p, "--relay", relay.url.as_str()],
    );
    assert!(
        text.ok().contains(&link) && text.stdout.contains('█'),
        "{}",
        text.stdout
    );
    sync(&alice, "2026-03-02", &relay);
    sync(&bob, "2026-03-02", &relay);

    // Cleo and Dan are no members: they read the participation.
    let seen = json(
        &cleo,
        "2026-03-03",
        &["participation", "show", "--link", &link],
    );
    assert_eq!(seen["title"], "Plan vélo", "{seen}");
    assert_eq!(seen["name"], "Ville", "{seen}");
    assert_eq!(
        seen["categories"].as_array().map(Vec::len),
        Some(2),
        "{seen}"
    );
    assert!(
        seen["text"]["markdown"]
            .as_str()
            .is_some_and(|t| t.contains("Des pistes sur les grands axes")),
        "{seen}"
    );
    assert_eq!(seen["commitments"][0]["id"], "reponses", "{seen}");
    let shown = run(
        &cleo,
        "2026-03-03",
        &["participation", "show", "--link", &link],
    );
    assert!(
        shown.ok().contains("Plan vélo — organised by Ville"),
        "{}",
        shown.stdout
    );

    // They contribute, as a citizen and as an association.
    let from_cleo = record(
        &cleo,
        "2026-03-05",
        &[
            "contribute",
            "--link",
            &link,
            "--title",
            "Une piste rue Garibaldi",
            "--text",
            "Une piste protégée sur toute la rue.",
            "--category",
            "mobilite",
            "--as",
            "citizen",
            "--section",
            "pistes",
        ],
    );
    let from_dan = record(
        &dan,
        "2026-03-06",
        &[
            "contribute",
            "--link",
            &link,
            "--title",
            "Des arceaux au marché",
            "--text",
            "Vingt arceaux place du marché.",
            "--category",
            "espaces",
            "--as",
            "association",
            "--location",
            "45.764,4.835",
        ],
    );
    // Without a category when there are two: a one-line question.
    refused(
        &run(
            &dan,
            "2026-03-06",
            &["contribute", "--link", &link, "--title", "T", "--text", "X"],
        ),
        "mobilite, espaces",
    );
    // Each supports and reports the other's, by id prefix; Cleo's home
    // remembers the link: she leaves it out.
    record(
        &cleo,
        "2026-03-07",
        &["contribution", "support", &from_dan[..12]],
    );
    record(
        &dan,
        "2026-03-07",
        &["contribution", "support", "--link", &link, &from_cleo],
    );
    record(
        &dan,
        "2026-03-07",
        &[
            "moderate",
            "report",
            "--link",
            &link,
            &from_cleo,
            "--reason",
            "off-topic",
        ],
    );
    record(
        &cleo,
        "2026-03-07",
        &["moderate", "report", &from_dan, "--reason", "spam"],
    );
    // Rewording another's contribution is refused by the relay with the
    // fold's reason, in one line.
    let not_hers = run(
        &cleo,
        "2026-03-07",
        &[
            "contribution",
            "amend",
            &from_dan,
            "--text",
            "Cent arceaux.",
        ],
    );
    refused(&not_hers, "the relay refused the record");
    // Cleo rewords hers before it is answered.
    record(
        &cleo,
        "2026-03-08",
        &[
            "contribution",
            "amend",
            &from_cleo,
            "--text",
            "Une piste protégée sur toute la rue Garibaldi.",
        ],
    );
    let seen = json(
        &dan,
        "2026-03-08",
        &["participation", "show", "--link", &link],
    );
    assert_eq!(contribution(&seen, &from_dan)["supporters"], 1, "{seen}");
    assert_eq!(contribution(&seen, &from_cleo)["supporters"], 1, "{seen}");
    assert_eq!(
        contribution(&seen, &from_cleo)["body"],
        "Une piste protégée sur toute la rue Garibaldi.",
        "{seen}"
    );

    // Alice transcribes a paper contribution, on behalf of a reference.
    sync(&alice, "2026-03-09", &relay);
    let transcribed = record(
        &alice,
        "2026-03-09",
        &[
            "contribute",
            "--title",
            "Éclairer les carrefours",
            "--text",
            "Remis sur papier à la mairie.",
            "--category",
            "mobilite",
            "--channel",
            "paper",
            "--on-behalf-of",
            "fiche 12",
        ],
    );
    // A citizen cannot transcribe.
    refused(
        &run(
            &dan,
            "2026-03-09",
            &[
                "contribute",
                "--link",
                &link,
                "--title",
                "T",
                "--text",
                "X",
                "--category",
                "espaces",
                "--channel",
                "paper",
            ],
        ),
        "organiser's team",
    );
    sync(&alice, "2026-03-09", &relay);

    // Past the strategy window: a late contribution is refused, with the
    // fold's reason, in one line.
    let late = run(
        &cleo,
        "2026-04-05",
        &[
            "contribute",
            "--title",
            "Trop tard",
            "--text",
            "Après la fenêtre.",
            "--category",
            "mobilite",
        ],
    );
    refused(&late, "takes no contributions");

    // Fred instructs, then answers every contribution with arguments.
    sync(&fred, "2026-04-05", &relay);
    let listed = json(&fred, "2026-04-05", &["contribution", "list", &p]);
    assert_eq!(listed.as_array().map(Vec::len), Some(3), "{listed}");
    let channel_of = |id: &str| {
        listed
            .as_array()
            .expect("list")
            .iter()
            .find(|c| c["id"] == id)
            .map(|c| c["channel"].clone())
    };
    assert_eq!(channel_of(&transcribed), Some("paper".into()));
    assert_eq!(channel_of(&from_cleo), Some("device".into()));
    record(
        &fred,
        "2026-04-05",
        &["participation", "phase", &p, "instruction"],
    );
    record(
        &fred,
        "2026-04-06",
        &["participation", "phase", &p, "answer"],
    );
    // A citizen cannot answer or moderate, link or not.
    refused(
        &run(
            &cleo,
            "2026-04-06",
            &[
                "answer",
                "--link",
                &link,
                &from_cleo,
                "retained",
                "--argument",
                "Moi",
            ],
        ),
        "organiser's team",
    );
    refused(
        &run(
            &cleo,
            "2026-04-06",
            &[
                "moderate", "hide", "--link", &link, &from_dan, "--reason", "x", "--clause",
                "reponses",
            ],
        ),
        "organiser's team",
    );
    record(
        &fred,
        "2026-04-07",
        &[
            "answer",
            &from_cleo,
            "retained",
            "--argument",
            "La rue Garibaldi est un axe prioritaire.",
            "--landed",
            "pistes",
        ],
    );
    record(
        &fred,
        "2026-04-07",
        &[
            "answer",
            &from_dan,
            "partially-retained",
            "--argument",
            "Dix arceaux d'abord.",
        ],
    );
    refused(
        &run(&fred, "2026-04-08", &["participation", "close", &p]),
        "no answer",
    );
    record(
        &fred,
        "2026-04-08",
        &[
            "answer",
            &transcribed,
            "deferred",
            "--argument",
            "Avec le plan lumière.",
        ],
    );
    record(&fred, "2026-04-09", &["participation", "close", &p]);
    sync(&fred, "2026-04-09", &relay);

    // What happened to Cleo's contribution: answered, with its argument.
    let mine = json(&cleo, "2026-04-10", &["contribution", "show", &from_cleo]);
    assert_eq!(mine["answer"]["state"], "retained", "{mine}");
    assert_eq!(
        mine["answer"]["argument"], "La rue Garibaldi est un axe prioritaire.",
        "{mine}"
    );
    let timeline = run(
        &cleo,
        "2026-04-10",
        &["contribution", "show", "--link", &link, &from_cleo[..10]],
    );
    let timeline = timeline.ok();
    assert!(
        timeline.contains("answered — retained") && timeline.contains("axe prioritaire"),
        "{timeline}"
    );
    let closed = json(
        &dan,
        "2026-04-10",
        &["participation", "show", "--link", &link],
    );
    assert_eq!(closed["closed"], true, "{closed}");

    // The synthesis counts the citizens' share; members verify the bundle.
    let report = {
        let mut home =
            nous_api::Home::open(&fred.home.path(), nous_api::Env::system()).expect("open");
        let report = home.synthesis(None, &p, None).expect("synthesis");
        home.close().expect("close");
        report
    };
    assert_eq!(
        report.contributions.by_author_type.get("citizen"),
        Some(&2),
        "{report:?}"
    );
    assert_eq!(
        report.contributions.by_author_type.get("association"),
        Some(&1),
        "{report:?}"
    );
    assert_eq!(
        report.shares_permille.contributions_citizen, 667,
        "{report:?}"
    );
    sync(&bob, "2026-04-10", &relay);
    let bundle = bob.home.file("ville.bundle");
    bob.run(&["bundle", "export", "-o", path_str(&bundle)]).ok();
    let verified = alice.json(&["verify", path_str(&bundle)]);
    assert_eq!(
        verified["report"]["problems"],
        serde_json::json!([]),
        "{verified}"
    );
}

#[test]
fn an_invited_phase_takes_a_link_only_with_its_invitation() {
    let relay = RelayProcess::start();
    let fred = Member::new("Fred");
    let alice = Member::new("Alice");
    let cleo = Member::new("Cleo");
    let p = found_and_open(&relay, &fred, &[&alice]);
    record(
        &fred,
        "2026-03-02",
        &[
            "participation",
            "phase",
            &p,
            "strategy",
            "--days",
            "30",
            "--contributors",
            "invited",
        ],
    );
    let public = json(
        &fred,
        "2026-03-02",
        &["participation", "link", &p, "--relay", relay.url.as_str()],
    );
    let public = public["link"].as_str().expect("link").to_owned();
    let contribute = |link: &str| {
        run(
            &cleo,
            "2026-03-03",
            &[
                "--json",
                "contribute",
                "--link",
                link,
                "--title",
                "Sur invitation",
                "--text",
                "Des bancs.",
                "--category",
                "espaces",
            ],
        )
    };
    refused(&contribute(&public), "the relay refused the record");
    let invited = json(
        &fred,
        "2026-03-03",
        &[
            "participation",
            "link",
            &p,
            "--relay",
            relay.url.as_str(),
            "--invitation",
            "--no-qr",
        ],
    );
    assert!(invited["invitation"].is_string(), "{invited}");
    assert_eq!(invited["published"], true, "{invited}");
    let invited = invited["link"].as_str().expect("link").to_owned();
    assert_ne!(invited, public);
    let made = contribute(&invited).json();
    assert_eq!(made["through"], "relay", "{made}");
    // A damaged link is refused in one line, before anything is sent.
    refused(
        &run(
            &cleo,
            "2026-03-03",
            &["participation", "show", "--link", "nous:participate/1/xyz"],
        ),
        "participation link",
    );
    // Members see it once they sync.
    sync(&fred, "2026-03-04", &relay);
    let listed = json(&fred, "2026-03-04", &["contribution", "list", &p]);
    assert_eq!(listed[0]["title"], "Sur invitation", "{listed}");
}
