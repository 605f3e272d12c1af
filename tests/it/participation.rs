//! Public participation through the `nous` command (issue 16, scenarios 8
//! and 10): one home per member, exchanging bundles as files, the clock
//! fixed by `NOUS_NOW`. The organiser opens a participation with its
//! contrat participatif, runs a 30-day strategy, freezes contributions for
//! the instruction, answers each one with arguments and closes; three
//! members' reports hide a contribution pending review and a moderator
//! confirms it, signed, the original kept in the log.

use std::path::PathBuf;

use serde_json::Value;

use crate::language_governance::speaks_no_english;
use crate::support::{Home, Run, path_str};

const SAMPLE: &str = include_str!("../../cli/assets/sample-charter.md");

const TEXT: &str = "# Plan vélo\n\nCe que la ville propose.\n\n## Pistes\n<!-- nous:section id=pistes -->\n\nDes pistes sur les grands axes.\n\n## Stationnement\n<!-- nous:section id=stationnement -->\n\nDes arceaux devant les écoles.\n";

const CONTRACT: &str = "# Contrat participatif\n\nLa ville s'engage.\n\n## Réponses\n<!-- nous:section id=reponses -->\n\nChaque contribution reçoit un avis argumenté avant le 15 mai.\n\n## Modération\n<!-- nous:section id=moderation -->\n\nLes propos injurieux sont masqués.\n";

/// A member's home.
struct Peer {
    name: &'static str,
    home: Home,
    key: String,
}

impl Peer {
    fn new(name: &'static str) -> Self {
        let home = Home::new();
        let key = home.run(&["id"]).ok().trim().to_owned();
        Peer { name, home, key }
    }

    fn run(&self, now: &str, args: &[&str]) -> Run {
        self.home.run_at(now, args)
    }

    #[track_caller]
    fn json(&self, now: &str, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        self.run(now, &all).json()
    }

    /// Act; the record made.
    #[track_caller]
    fn act(&self, now: &str, args: &[&str]) -> String {
        let out = self.json(now, args);
        out["record"]
            .as_str()
            .unwrap_or_else(|| panic!("no record in {out}"))
            .to_owned()
    }

    fn export(&self) -> PathBuf {
        let file = self.home.file("all.bundle");
        self.home
            .run(&["bundle", "export", "-o", path_str(&file)])
            .ok();
        file
    }
}

/// Carry everything `from` holds to `to`.
fn sync(from: &Peer, to: &[&Peer]) {
    let file = from.export();
    for peer in to {
        peer.home.run(&["bundle", "import", path_str(&file)]).ok();
    }
}

/// Every peer's news to the first, then the first's to all.
fn gather(peers: &[&Peer]) {
    for peer in &peers[1..] {
        sync(peer, &[peers[0]]);
    }
    sync(peers[0], &peers[1..]);
}

/// Alice founds a community with the others, and opens a participation
/// with a contract, answers due on 15 May 2026. The participation's id.
fn open(alice: &Peer, others: &[&Peer]) -> String {
    let charter = alice.home.file("charter.md");
    std::fs::write(&charter, SAMPLE).expect("write");
    let doc = alice.json(
        "2026-03-01",
        &["charter", "new", "--from", path_str(&charter)],
    )["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let founders: Vec<String> = others
        .iter()
        .map(|p| format!("{}:{}:members", p.key, p.name))
        .collect();
    let mut args = vec![
        "community",
        "create",
        "Ville",
        "--charter",
        &doc,
        "--name-as",
        alice.name,
    ];
    for f in &founders {
        args.extend(["--founder", f.as_str()]);
    }
    alice.act("2026-03-01", &args);
    let text = alice.home.file("texte.md");
    std::fs::write(&text, TEXT).expect("write");
    let contract = alice.home.file("contrat.md");
    std::fs::write(&contract, CONTRACT).expect("write");
    alice.act(
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
            "reponses:answers:Chaque contribution reçoit un avis argumenté avant le 15 mai",
            "--commitment",
            "bilan:manual:Un bilan public en juin",
            "--category",
            "mobilite:Mobilités",
            "--category",
            "espaces:Espaces publics",
            "--answer-due",
            "2026-05-15",
            "--moderator",
            "Alice",
            "--answerer",
            "Alice",
            "--report-threshold",
            "3",
        ],
    )
}

fn find<'v>(list: &'v Value, id: &str) -> &'v Value {
    list.as_array()
        .expect("a list")
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("{id} not in {list}"))
}

/// Scenario 8: the contract ratified and pinned, a 30-day strategy,
/// contributions from members and transcribed ones (their channel kept),
/// the instruction freezing contributions, answers published (one without
/// an argument refused, one late: the commitment shows broken), closing
/// refused while one lacks its answer, then done. Scenario 10 on the way:
/// three reports hide a contribution pending review, it leaves the list's
/// words (not the list), a moderator confirms it, signed, and the original
/// stays in the log for moderators only.
#[test]
fn scenario_8_and_10_a_participation_from_contract_to_answers() {
    let alice = Peer::new("Alice");
    let bob = Peer::new("Bob");
    let carol = Peer::new("Carol");
    let dan = Peer::new("Dan");
    let eve = Peer::new("Eve");
    let all = [&alice, &bob, &carol, &dan, &eve];
    let p = open(&alice, &[&bob, &carol, &dan, &eve]);

    // The contract is a document of this home, pinned by the participation.
    let shown = alice.json("2026-03-01", &["participation", "show", &p]);
    let contract_doc = shown["contract"]["doc"].as_str().expect("contract doc");
    assert!(
        !shown["contract"]["heads"]
            .as_array()
            .expect("heads")
            .is_empty()
    );
    let contract = alice.json("2026-03-01", &["charter", "show", contract_doc]);
    assert_eq!(contract["charter"]["title"], "Contrat participatif");
    assert_eq!(shown["phase"], Value::Null);
    let listed = alice.json("2026-03-01", &["participation", "list"]);
    assert_eq!(listed[0]["id"], p.as_str());

    // The contract phase, then a 30-day strategy phase.
    alice.act("2026-03-01", &["participation", "phase", &p, "contract"]);
    let strategy = alice.json(
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
        ],
    );
    assert_eq!(strategy["channels"].as_array().expect("channels").len(), 4);
    assert_eq!(strategy["contributors"], "anyone");
    // Too early: the contract phase takes nothing.
    sync(&alice, &all[1..]);
    bob.run(
        "2026-03-01T12:00",
        &[
            "contribute",
            &p,
            "--title",
            "Tôt",
            "--text",
            "Trop tôt",
            "--category",
            "mobilite",
        ],
    )
    .fails_with("takes no contributions");
    // The members sync the contract document with the community.
    bob.json("2026-03-03", &["charter", "show", contract_doc]);

    // Contributions: members' own, and one transcribed from paper.
    let from_bob = bob.act(
        "2026-03-05",
        &[
            "contribute",
            &p,
            "--title",
            "Une piste rue Garibaldi",
            "--text",
            "Une piste protégée sur toute la rue.",
            "--category",
            "mobilite",
            "--section",
            "Pistes",
            "--location",
            "45.7640,4.8357",
        ],
    );
    let from_carol = carol.act(
        "2026-03-06",
        &[
            "contribute",
            &p,
            "--title",
            "Des arceaux au marché",
            "--text",
            "Le marché manque d'arceaux.",
            "--category",
            "espaces",
        ],
    );
    let transcribed = alice.act(
        "2026-03-07",
        &[
            "contribute",
            &p,
            "--title",
            "Éclairer la voie verte",
            "--text",
            "La voie verte est sombre l'hiver.",
            "--category",
            "espaces",
            "--channel",
            "paper",
            "--on-behalf-of",
            "fiche 12",
            "--as",
            "association",
        ],
    );
    let offensive = eve.act(
        "2026-03-08",
        &[
            "contribute",
            &p,
            "--title",
            "Propos injurieux",
            "--text",
            "XYZZY des insultes",
            "--category",
            "mobilite",
        ],
    );
    // Bob amends his own before it is answered.
    gather(&all);
    bob.act(
        "2026-03-09",
        &[
            "contribution",
            "amend",
            &from_bob,
            "--text",
            "Une piste protégée sur toute la rue, des deux côtés.",
        ],
    );
    carol.act("2026-03-09", &["contribution", "support", &from_bob]);

    // Scenario 10: three members report Eve's contribution.
    for reporter in [&bob, &carol, &dan] {
        reporter.act(
            "2026-03-10",
            &["moderate", "report", &offensive, "--reason", "offensive"],
        );
    }
    gather(&all);
    let list = bob.json("2026-03-11", &["contribution", "list", &p]);
    let hidden = find(&list, &offensive);
    assert_eq!(hidden["visibility"], "hidden-pending-review");
    assert_eq!(hidden["title"], Value::Null);
    assert_eq!(hidden["body"], Value::Null);
    let words = bob.run("2026-03-11", &["contribution", "list", &p]);
    let words = words.ok();
    assert!(
        !words.contains("XYZZY") && !words.contains("Propos injurieux"),
        "{words}"
    );
    assert!(
        words.contains(&offensive[..12]),
        "its existence shows: {words}"
    );
    assert!(words.contains("hidden pending review"), "{words}");
    let shown = bob.run("2026-03-11", &["contribution", "show", &offensive]);
    assert!(!shown.ok().contains("XYZZY"), "{}", shown.stdout);
    bob.run(
        "2026-03-11",
        &["contribution", "list", &p, "--include-hidden"],
    )
    .fails_with("moderators");
    // The moderator sees the words, and confirms the hiding, signed.
    let seen = alice.json(
        "2026-03-11",
        &["contribution", "show", &offensive, "--include-hidden"],
    );
    assert_eq!(seen["body"], "XYZZY des insultes");
    // The moderator's to-do list asks for the review, without the words;
    // the answerer's asks for answers.
    let todo = alice.json("2026-03-11", &["todo"]);
    let kinds = |todo: &Value, kind: &str| -> Vec<String> {
        todo.as_array()
            .expect("todo")
            .iter()
            .filter(|t| t["kind"] == kind)
            .map(|t| t["subject"].as_str().expect("subject").to_owned())
            .collect()
    };
    assert_eq!(
        kinds(&todo, "review-hidden"),
        std::slice::from_ref(&offensive)
    );
    assert_eq!(kinds(&todo, "answer-contribution").len(), 3, "{todo:#}");
    assert!(!todo.to_string().contains("XYZZY"));
    assert!(kinds(&bob.json("2026-03-11", &["todo"]), "review-hidden").is_empty());
    let pending = alice.json("2026-03-11", &["participation", "show", &p]);
    assert_eq!(pending["counts"]["pending_review"], 1);
    let confirmed = alice.act(
        "2026-03-11",
        &[
            "moderate",
            "hide",
            &offensive,
            "--reason",
            "Propos injurieux envers un agent",
            "--clause",
            "moderation",
        ],
    );
    gather(&all);
    let after = eve.json("2026-03-12", &["contribution", "show", &offensive]);
    assert_eq!(after["visibility"], "hidden");
    assert_eq!(after["title"], Value::Null);
    assert_eq!(after["moderation"][0]["record"], confirmed.as_str());
    assert_eq!(after["moderation"][0]["clause"], "moderation");
    let events: Vec<&str> = after["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .map(|e| e["event"].as_str().expect("event"))
        .collect();
    assert_eq!(
        events,
        [
            "submitted",
            "reported",
            "reported",
            "reported",
            "hidden-by-reports",
            "hidden"
        ]
    );
    // The log keeps the original: the moderator still reads it, and the
    // bundle verifies with every record accepted.
    let kept = alice.json(
        "2026-03-12",
        &["contribution", "show", &offensive, "--include-hidden"],
    );
    assert_eq!(kept["history"][0]["body"], "XYZZY des insultes");
    let bundle = alice.export();
    let verified = alice
        .run("2026-03-12", &["--json", "verify", path_str(&bundle)])
        .stdout_json();
    assert_eq!(verified["report"]["ok"], true, "{verified:#}");

    // The instruction freezes contributions.
    alice.act(
        "2026-03-12",
        &[
            "participation",
            "phase",
            &p,
            "instruction",
            "--opens",
            "2026-04-01",
        ],
    );
    sync(&alice, &all[1..]);
    let frozen = dan.run(
        "2026-04-02",
        &[
            "contribute",
            &p,
            "--title",
            "Tard",
            "--text",
            "Après la clôture",
            "--category",
            "mobilite",
        ],
    );
    frozen.fails_with("the participation takes no contributions at this time");

    // The answers.
    alice.act(
        "2026-04-02",
        &[
            "participation",
            "phase",
            &p,
            "answer",
            "--opens",
            "2026-04-10",
        ],
    );
    alice
        .run("2026-04-10", &["answer", &from_bob, "retained"])
        .fails_with("an answer needs an argument");
    let answered = alice.json(
        "2026-04-10",
        &[
            "answer",
            &from_bob,
            "retained",
            "--argument",
            "La rue est un axe prioritaire.",
            "--landed",
            "pistes",
        ],
    );
    assert_eq!(answered["late"], false);
    alice.act(
        "2026-04-11",
        &[
            "answer",
            &from_carol,
            "not-retained",
            "--argument",
            "Le marché a déjà 40 arceaux.",
        ],
    );
    // Closing fails while the transcription lacks its answer.
    alice
        .run("2026-04-12", &["participation", "close", &p])
        .fails_with("no answer");
    // Past the deadline, the commitment shows broken.
    let late = alice.json("2026-05-16", &["participation", "show", &p]);
    assert_eq!(late["overdue"][0], transcribed.as_str());
    let status = |view: &Value, id: &str| {
        view["commitments"]
            .as_array()
            .expect("commitments")
            .iter()
            .find(|c| c["id"] == id)
            .expect("commitment")["status"]
            .clone()
    };
    assert_eq!(status(&late, "reponses"), "broken");
    assert_eq!(status(&late, "bilan"), "pending");
    let text = alice.run("2026-05-16", &["participation", "show", &p]);
    assert!(text.ok().contains("Commitment broken"), "{}", text.stdout);
    assert!(text.stdout.contains("BROKEN"), "{}", text.stdout);
    let todo = alice.json("2026-05-16", &["todo"]);
    assert_eq!(
        kinds(&todo, "answer-contribution"),
        std::slice::from_ref(&transcribed)
    );
    assert!(kinds(&todo, "review-hidden").is_empty());
    let answered_late = alice.json(
        "2026-05-20",
        &[
            "answer",
            &transcribed,
            "partially-retained",
            "--argument",
            "Un éclairage aux carrefours seulement.",
        ],
    );
    assert_eq!(answered_late["late"], true);
    // A second answer revises the one in force.
    let revised = alice.json(
        "2026-05-20",
        &[
            "answer",
            &from_carol,
            "deferred",
            "--argument",
            "À revoir avec le plan des marchés.",
        ],
    );
    assert!(revised["revises"].is_string());
    let after = alice.json("2026-05-21", &["participation", "show", &p]);
    assert_eq!(status(&after, "reponses"), "broken");
    assert_eq!(after["counts"]["by_status"]["answered"], 3);
    assert_eq!(after["counts"]["by_status"]["hidden"], 1);
    alice.act(
        "2026-05-21",
        &[
            "participation",
            "close",
            &p,
            "--summary",
            "Merci à toutes et tous.",
        ],
    );
    let closed = alice.json("2026-05-21", &["participation", "show", &p]);
    assert!(closed["closed"].is_object());

    // What happened to my contribution: Bob's path; the transcription keeps
    // its channel.
    gather(&all);
    let mine = bob.json("2026-05-22", &["contribution", "show", &from_bob]);
    let events: Vec<&str> = mine["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .map(|e| e["event"].as_str().expect("event"))
        .collect();
    assert_eq!(events, ["submitted", "revised", "answered", "landed"]);
    assert_eq!(mine["anchor"]["section"], "pistes");
    assert_eq!(mine["location"]["lat_e6"], 45_764_000);
    assert_eq!(mine["supporters"], 1);
    let paper = bob.json("2026-05-22", &["contribution", "show", &transcribed]);
    assert_eq!(paper["channel"], "paper");
    assert_eq!(paper["on_behalf_of"], "fiche 12");
    assert_eq!(paper["author_type"], "association");
    let path = bob.run("2026-05-22", &["contribution", "show", &from_bob]);
    let path = path.ok();
    for words in [
        "What happened to it:",
        "submitted",
        "answered — retained",
        "landed in the text — pistes",
    ] {
        assert!(path.contains(words), "`{words}` not in:\n{path}");
    }
    let mine_only = bob.json("2026-05-22", &["contribution", "list", &p, "--mine"]);
    assert_eq!(mine_only.as_array().expect("list").len(), 1);

    // French: no English left in these commands' output.
    let more = [
        "Phase now",
        "Commitments",
        "What happened",
        "awaiting",
        "retained",
        "submitted",
        "answered",
        "hidden",
        "BROKEN",
        "kept",
        "pending",
        "Answers",
        "own device",
        "citizen",
        "From ",
    ];
    for args in [
        vec!["participation", "show", &p],
        vec!["participation", "list"],
        vec!["contribution", "list", &p],
        vec!["contribution", "show", &from_bob],
        vec!["contribution", "show", &offensive],
        vec!["contribution", "show", &transcribed],
    ] {
        let run = bob.home.run_in_at("fr", "2026-05-22", &args);
        speaks_no_english(&run, &args, &more);
    }
    let fr = bob
        .home
        .run_in_at("fr", "2026-05-22", &["participation", "show", &p]);
    assert!(fr.ok().contains("stratégie participative"), "{}", fr.stdout);
    assert!(fr.stdout.contains("avis argumenté"), "{}", fr.stdout);
    let refused = alice.home.run_in_at(
        "fr",
        "2026-05-22",
        &[
            "contribute",
            &p,
            "--title",
            "Après",
            "--text",
            "Fermée",
            "--category",
            "mobilite",
        ],
    );
    let line = refused.fails_with("erreur");
    assert!(!line.contains("error:"), "{line}");
    let help = bob.home.run_in("fr", &["participation", "phase", "--help"]);
    assert!(
        help.ok().contains("stratégie participative"),
        "{}",
        help.stdout
    );

    // The history report tells the participation: its phases, each
    // contribution's path; the hidden one by its id and why, never its words.
    let charter = alice.json("2026-05-22", &["community", "show"])["charter"]
        .as_str()
        .expect("charter")
        .to_owned();
    let md = alice.run("2026-05-22", &["history", &charter, "--format", "md"]);
    let md = md.ok();
    for words in [
        "## Public participations",
        "### “Plan vélo” — closed",
        "**Participative strategy**: from ",
        "**Instruction**: from ",
        "**Answers**: from ",
        "`reponses` Chaque contribution reçoit un avis argumenté avant le 15 mai — **broken**",
        "`bilan` Un bilan public en juin — **pending**",
        "#### Contributions’ paths",
        "“Éclairer la voie verte” — association",
        "on paper — **partially retained**",
        " — answered by Alice: **partially retained** (after the deadline): ",
        " — answer revised by Alice: **deferred** (after the deadline): À revoir avec le plan des marchés.",
        " — hidden pending review (report threshold reached)",
        "**hidden by a moderator**: Propos injurieux envers un agent (clause moderation)",
        "**Closed** on ",
    ] {
        assert!(md.contains(words), "`{words}` not in:\n{md}");
    }
    assert!(md.contains(&offensive[..12]), "{md}");
    assert!(!md.contains("XYZZY"), "{md}");
    let html = alice.run("2026-05-22", &["history", &charter, "--format", "html"]);
    let html = html.ok();
    assert!(!html.contains("XYZZY"), "{html}");
    assert!(html.contains("<g class=\"ev ev-participation\">"), "{html}");
    let fr = alice
        .home
        .run_in_at("fr", "2026-05-22", &["history", &charter, "--format", "md"]);
    let fr = fr.ok();
    assert!(fr.contains("## Participations du public"), "{fr}");
    assert!(fr.contains("**Stratégie participative** : du "), "{fr}");
    assert!(!fr.contains("XYZZY"), "{fr}");
}
