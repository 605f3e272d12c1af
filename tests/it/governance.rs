//! The governance acceptance scenarios (research: governance-domain.md §d,
//! scenarios 1–7), played end to end through the `nous` command: one home
//! per member, exchanging bundles as files, with the clock fixed by
//! `NOUS_NOW`. Outcomes are read from `--json` output and from `nous verify`
//! on the exported bundle; refusals are one-line errors.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use serde_json::Value;

use crate::support::{Home, Run, path_str};

/// The community every scenario founds.
const COOP: &str = "Coop";

/// The sample charter: sections colleges, adhesion, depart, tensions,
/// amendement.
const SAMPLE: &str = include_str!("../../cli/assets/sample-charter.md");

/// The date every home pretends it is (`NOUS_NOW`), shared by a scenario's
/// homes.
#[derive(Clone)]
struct Clock(Rc<RefCell<String>>);

impl Clock {
    fn at(day: &str) -> Self {
        Clock(Rc::new(RefCell::new(day.to_owned())))
    }

    fn set(&self, day: &str) {
        *self.0.borrow_mut() = day.to_owned();
    }

    fn now(&self) -> String {
        self.0.borrow().clone()
    }
}

/// A member's home.
struct Peer {
    name: &'static str,
    home: Home,
    key: String,
    clock: Clock,
}

impl Peer {
    fn new(name: &'static str, clock: &Clock) -> Self {
        let home = Home::new();
        let key = home.run(&["id"]).ok().trim().to_owned();
        Peer {
            name,
            home,
            key,
            clock: clock.clone(),
        }
    }

    /// Run `nous` in this home at the scenario's date.
    fn run(&self, args: &[&str]) -> Run {
        self.home.run_at(&self.clock.now(), args)
    }

    /// Run with `--json`; it must succeed.
    #[track_caller]
    fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        self.run(&all).json()
    }

    /// Act, and return the id of the record made.
    #[track_caller]
    fn act(&self, args: &[&str]) -> String {
        let out = self.json(args);
        out["record"]
            .as_str()
            .unwrap_or_else(|| panic!("no record in {out}"))
            .to_owned()
    }

    /// The command is refused with a one-line reason mentioning `needle`.
    #[track_caller]
    fn refused(&self, args: &[&str], needle: &str) -> String {
        self.run(args).fails_with(needle).to_owned()
    }

    /// Create a charter from Markdown; its id.
    fn charter(&self, markdown: &str) -> String {
        let path = self.home.file("charter.md");
        std::fs::write(&path, markdown).expect("write markdown");
        let out = self.json(&["charter", "new", "--from", path_str(&path)]);
        out["id"].as_str().expect("id").to_owned()
    }

    /// The community's resolved state, as this home knows it.
    fn community(&self) -> Value {
        self.json(&["community", "show"])
    }

    fn amendment(&self, id: &str) -> Value {
        self.json(&["amendment", "show", id])["amendment"].clone()
    }

    fn phase(&self, amendment: &str) -> String {
        self.amendment(amendment)["phase"]
            .as_str()
            .expect("phase")
            .to_owned()
    }

    /// A member by name, from `member list --json`.
    #[track_caller]
    fn member(&self, name: &str) -> Value {
        let list = self.json(&["member", "list"]);
        list["members"]
            .as_array()
            .expect("members")
            .iter()
            .find(|m| m["name"] == name)
            .unwrap_or_else(|| panic!("{name} is not in {list}"))
            .clone()
    }

    /// An application by record id, from `member list --json`.
    fn application(&self, id: &str) -> Value {
        let list = self.json(&["member", "list"]);
        list["applications"]
            .as_array()
            .expect("applications")
            .iter()
            .find(|a| a["record"] == id)
            .unwrap_or_else(|| panic!("application {id} is not in {list}"))
            .clone()
    }

    /// Export the community's bundle to a file of this home.
    fn export(&self) -> PathBuf {
        let file = self.home.file("coop.bundle");
        self.run(&[
            "bundle",
            "export",
            "--community",
            COOP,
            "-o",
            path_str(&file),
        ])
        .ok();
        file
    }

    fn import(&self, file: &Path) {
        self.run(&["bundle", "import", path_str(file)]).ok();
    }

    /// `nous verify` of this home's bundle: the report and its hash.
    fn verify(&self) -> (Value, String) {
        let file = self.export();
        let out = self
            .run(&["--json", "verify", path_str(&file)])
            .stdout_json();
        let hash = out["report_hash"].as_str().expect("report hash").to_owned();
        (out["report"].clone(), hash)
    }

    /// `nous verify` says the bundle holds; the report hash.
    #[track_caller]
    fn verifies(&self) -> String {
        let (report, hash) = self.verify();
        assert_eq!(report["ok"], true, "problems: {:#}", report["problems"]);
        assert_eq!(report["problems"], serde_json::json!([]));
        hash
    }
}

/// Carry the community from one home to others, as a bundle file.
fn sync(from: &Peer, to: &[&Peer]) {
    let file = from.export();
    for peer in to {
        peer.import(&file);
    }
}

/// `KEY:NAME:COLLEGE`, for `community create --founder`.
fn founder(peer: &Peer, college: &str) -> String {
    format!("{}:{}:{college}", peer.key, peer.name)
}

/// `founder` founds the community on `doc` with `others` (and their
/// colleges) and `options` (colleges, rules, facilitators), then sends it
/// to them.
fn found(
    founder_peer: &Peer,
    college: &str,
    doc: &str,
    others: &[(&Peer, &str)],
    options: &[&str],
) {
    let specs: Vec<String> = others.iter().map(|(p, c)| founder(p, c)).collect();
    let mut args = vec![
        "community",
        "create",
        COOP,
        "--charter",
        doc,
        "--name-as",
        founder_peer.name,
        "--as-college",
        college,
    ];
    for spec in &specs {
        args.extend(["--founder", spec.as_str()]);
    }
    args.extend_from_slice(options);
    founder_peer.act(&args);
    let peers: Vec<&Peer> = others.iter().map(|(p, _)| *p).collect();
    sync(founder_peer, &peers);
}

/// Write `text` into `section` of the amendment's draft.
fn write(peer: &Peer, amendment: &str, section: &str, text: &str) {
    peer.json(&["amendment", "edit", amendment, section, "--text", text]);
}

/// Challenge `section`, answer it with an amendment setting it to `text`,
/// submit it and open the objection round. Returns (challenge, amendment).
fn amendment(peer: &Peer, section: &str, title: &str, text: &str) -> (String, String) {
    let challenge = peer.act(&[
        "challenge",
        section,
        "--tension",
        &format!("« {section} » ne dit pas assez"),
        "--example",
        "La dernière assemblée n'a pas su trancher.",
    ]);
    let amendment = propose(peer, &challenge, title);
    write(peer, &amendment, section, text);
    peer.act(&["amendment", "submit", &amendment]);
    peer.act(&["amendment", "round", &amendment]);
    (challenge, amendment)
}

fn propose(peer: &Peer, challenge: &str, title: &str) -> String {
    peer.act(&[
        "amendment",
        "propose",
        challenge,
        "--title",
        title,
        "--rationale",
        "Dire les choses clairement.",
    ])
}

/// The Markdown of the charter document as this home exports it.
fn exported(peer: &Peer, doc: &str) -> String {
    peer.run(&["export", doc, "--format", "md"]).ok().to_owned()
}

/// The record outcome of `id` in a verify report.
fn verdict<'r>(report: &'r Value, id: &str) -> &'r Value {
    report["communities"][0]["records"]
        .as_array()
        .expect("records")
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("record {id} is not in the report"))
}

// ---------------------------------------------------------------------------
// Scenario 1

const W1: &str = "1. Toute personne peut demander à rejoindre un collège.";
const W2: &str = "1. Toute personne peut demander à rejoindre un collège, par écrit.\n\n2. Le collège statue sous quinze jours.";
const W3: &str = "1. Toute personne peut demander à rejoindre un collège, par écrit ou de vive voix.\n\n2. Le collège statue sous quinze jours ; un refus est motivé. ✍️ · مكتوب";

/// Challenge → objection integrated → signed merge, verified by a third
/// party holding only the bundle.
#[test]
fn scenario_1_challenge_objection_integrated_and_signed_merge() {
    let clock = Clock::at("2026-03-01");
    let alice = Peer::new("Alice", &clock);
    let bob = Peer::new("Bob", &clock);
    let chloe = Peer::new("Chloé", &clock);
    let doc = alice.charter(SAMPLE);
    let facilitator = alice.key.clone();
    found(
        &alice,
        "staff",
        &doc,
        &[(&bob, "staff"), (&chloe, "learners")],
        &[
            "--college",
            "staff:Staff",
            "--college",
            "learners:Learners",
            "--rule",
            "amend=consent,signers=2",
            "--facilitator",
            &facilitator,
        ],
    );

    // Alice challenges « Adhésion » with a tension and an example, and
    // proposes W1.
    let challenge = alice.act(&[
        "challenge",
        "adhesion",
        "--tension",
        "Les demandes orales se perdent",
        "--example",
        "Karim a demandé en mars, personne n'a répondu.",
    ]);
    let state = alice.community();
    assert_eq!(state["challenges"][&challenge]["section"], "adhesion");
    assert_eq!(
        state["challenges"][&challenge]["admissibility"]["state"],
        "admissible"
    );
    let am = propose(&alice, &challenge, "Adhésion orale");
    write(&alice, &am, "adhesion", W1);
    alice.act(&["amendment", "submit", &am]);
    assert_eq!(alice.phase(&am), "proposed");

    // Questions and reactions, then Alice amends it to W2 and opens the
    // objection round.
    sync(&alice, &[&bob, &chloe]);
    bob.act(&[
        "react",
        &am,
        "question",
        "--argument",
        "Et les demandes orales ?",
    ]);
    sync(&bob, &[&alice, &chloe]);
    assert_eq!(alice.phase(&am), "reactions");
    write(&alice, &am, "adhesion", W2);
    alice.act(&[
        "amendment",
        "submit",
        &am,
        "--note",
        "Par écrit, quinze jours",
    ]);
    alice.act(&["amendment", "round", &am]);
    assert_eq!(alice.phase(&am), "objection-round");
    // One spelling in every JSON: the verify report says it the same way.
    let (report, _) = alice.verify();
    let listed = report["communities"][0]["amendments"]
        .as_array()
        .expect("amendments")
        .iter()
        .find(|a| a[0] == am.as_str())
        .cloned()
        .expect("the amendment in the report");
    assert_eq!(listed[2], "objection-round", "{listed}");

    // Bob and Chloé object.
    sync(&alice, &[&bob, &chloe]);
    let ob = bob.act(&[
        "react",
        &am,
        "objection",
        "--criteria",
        "abcd",
        "--argument",
        "Les personnes qui n'écrivent pas sont exclues.",
    ]);
    let oc = chloe.act(&[
        "react",
        &am,
        "objection",
        "--criteria",
        "abcd",
        "--argument",
        "Quinze jours, c'est trop court pour mon collège.",
    ]);
    sync(&bob, &[&alice, &chloe]);
    sync(&chloe, &[&alice, &bob]);
    assert_eq!(alice.phase(&am), "integrating");

    // The facilitator tests them: Bob's passes (a)–(d), Chloé's fails (b).
    let test_b = alice.json(&["objection", "test", &ob, "--passed", "abcd"]);
    assert_eq!(test_b["valid"], true);
    let test_c = alice.json(&[
        "objection",
        "test",
        &oc,
        "--passed",
        "acd",
        "--note",
        "the harm is not created by the proposal",
    ]);
    assert_eq!(test_c["valid"], false);

    // Integration yields W3; adoption waits for Bob's confirmation.
    write(&alice, &am, "adhesion", W3);
    alice.act(&["amendment", "integrate", &am, "--objection", &ob]);
    assert_eq!(alice.phase(&am), "integrating");
    alice.refused(&["decide", &am, "adopted"], "integrating");

    sync(&alice, &[&bob, &chloe]);
    bob.act(&["react", &am, "resolved", "--objection", &ob]);
    chloe.act(&["react", &am, "consent"]);
    sync(&bob, &[&alice, &chloe]);
    sync(&chloe, &[&alice, &bob]);

    // The second objection round is empty: Bob's objection is integrated
    // and confirmed, Chloé's was found invalid (the test is recorded).
    let shown = alice.amendment(&am);
    assert_eq!(shown["phase"], "objection-round");
    let objections = shown["objections"].as_array().expect("objections");
    let bobs = objections
        .iter()
        .find(|o| o["record"] == ob.as_str())
        .expect("ob");
    assert!(bobs["integrated_by"].is_string() && bobs["confirmed_by"].is_string());
    assert_eq!(bobs["test"]["valid"], true);
    let chloes = objections
        .iter()
        .find(|o| o["record"] == oc.as_str())
        .expect("oc");
    assert_eq!(chloes["test"]["valid"], false);
    assert_eq!(chloes["test"]["passed"], serde_json::json!(["a", "c", "d"]));
    assert_eq!(
        chloes["test"]["note"],
        "the harm is not created by the proposal"
    );
    let last = shown["submissions"]
        .as_array()
        .expect("submissions")
        .last()
        .cloned();
    assert_eq!(
        last.expect("wording")["integrates"],
        serde_json::json!([ob])
    );

    // Adopted, then the two required signers ratify: version 2.
    let decided = alice.json(&["decide", &am, "adopted"]);
    assert!(
        decided["tally"]
            .as_str()
            .unwrap_or("")
            .contains("0 open objection"),
        "{decided}"
    );
    alice.act(&["ratify", &am]);
    assert_eq!(alice.phase(&am), "adopted", "one signature of two");
    assert_eq!(
        alice.community()["versions"].as_array().map(Vec::len),
        Some(1)
    );
    sync(&alice, &[&bob]);
    alice.refused(&["ratify", &am], "already signed");
    bob.act(&["ratify", &am]);
    sync(&bob, &[&alice, &chloe]);
    let state = chloe.community();
    let versions = state["versions"].as_array().expect("versions");
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[1]["number"], 2);
    assert_eq!(versions[1]["amendment"], am.as_str());
    assert_eq!(versions[1]["sections"], serde_json::json!(["adhesion"]));
    assert_eq!(state["amendments"][&am]["phase"], "merged");

    // A third party holding only the bundle: every home's bundle verifies
    // to the same report, and the text of « Adhésion » is W3, byte for byte.
    let hash = alice.verifies();
    assert_eq!(bob.verifies(), hash);
    assert_eq!(chloe.verifies(), hash);
    let (report, _) = alice.verify();
    let community = &report["communities"][0];
    assert_eq!(community["rejected"], 0);
    assert_eq!(community["pending"], 0);
    assert_eq!(community["versions"][1]["amendment"], am.as_str());
    assert_eq!(
        community["amendments"][0],
        serde_json::json!([am, "Adhésion orale", "merged"])
    );

    let auditor = Peer::new("Auditor", &clock);
    auditor.import(&alice.export());
    let text = exported(&auditor, &doc);
    assert_eq!(text, exported(&alice, &doc));
    assert_eq!(text, exported(&chloe, &doc));
    let section = format!(
        "## Adhésion\n<!-- nous:section id=adhesion tags=membership.entry -->\n\n{W3}\n\n## Départ"
    );
    assert!(text.contains(&section), "{text}");
    let shown = auditor.run(&["charter", "show", &doc]).ok().to_owned();
    assert!(
        shown.contains(&format!("## Adhésion\n\n{W3}\n\n")),
        "{shown}"
    );
}

// ---------------------------------------------------------------------------
// Scenario 2

/// Offline concurrency: two offline edits to one section merge without
/// loss; amendment A ratified first makes B (same section) stale and voids
/// its consents, and rebases C (another section).
#[test]
fn scenario_2_offline_edits_merge_and_amendments_go_stale_or_rebase() {
    let clock = Clock::at("2026-03-01");
    let alice = Peer::new("Alice", &clock);
    let bob = Peer::new("Bob", &clock);
    let chloe = Peer::new("Chloé", &clock);
    let doc = alice.charter(SAMPLE);
    // One participant in three is enough (quorum 30%).
    found(
        &alice,
        "members",
        &doc,
        &[(&bob, "members"), (&chloe, "members")],
        &["--rule", "amend=consent,quorum=30"],
    );

    // Bob and Chloé edit « Départ » offline, each a different sentence.
    let bob_text = "1. Chaque membre peut quitter la coopérative à tout moment, par simple déclaration écrite.\n\n2. L'exclusion suit une échelle : rappel, avertissement, suspension temporaire, exclusion. Chaque étape est motivée ; l'exclusion est précédée d'une audition.";
    let chloe_text = "1. Chaque membre peut quitter la coopérative à tout moment, par simple déclaration.\n\n2. L'exclusion suit une échelle : rappel, avertissement, suspension temporaire, exclusion. Chaque étape est motivée ; l'exclusion est précédée d'une audition contradictoire.";
    bob.json(&["charter", "edit", &doc, "depart", "--text", bob_text]);
    chloe.json(&["charter", "edit", &doc, "depart", "--text", chloe_text]);
    sync(&bob, &[&alice, &chloe]);
    sync(&chloe, &[&alice, &bob]);
    let latest = |peer: &Peer| peer.json(&["charter", "show", &doc, "--latest"]);
    let merged = latest(&alice);
    assert_eq!(merged["heads"].as_array().map(Vec::len), Some(2));
    assert_eq!(latest(&bob)["heads"], merged["heads"]);
    assert_eq!(latest(&chloe)["charter"], merged["charter"]);
    let text = alice
        .run(&["charter", "show", &doc, "--latest"])
        .ok()
        .to_owned();
    assert!(
        text.contains("par simple déclaration écrite.")
            && text.contains("précédée d'une audition contradictoire."),
        "both edits are kept:\n{text}"
    );
    alice.verifies();

    // Three amendments: A (« Départ »), B (« Départ » and « Tensions »),
    // C (« Interpellation et amendement » only).
    clock.set("2026-03-02");
    let (_, a) = amendment(&alice, "depart", "A", "On part quand on veut, par écrit.");
    let challenge = alice.act(&[
        "challenge",
        "tensions",
        "--tension",
        "Le départ et les tensions se mêlent",
        "--example",
        "Paul est parti au milieu d'une médiation.",
    ]);
    let b = propose(&alice, &challenge, "B");
    write(&alice, &b, "depart", "On part après une médiation.");
    write(&alice, &b, "tensions", "Une tension se dit, puis se médie.");
    let sections = alice.json(&["amendment", "submit", &b]);
    assert_eq!(sections["sections"].as_array().map(Vec::len), Some(2));
    alice.act(&["amendment", "round", &b]);
    let (_, c) = amendment(
        &alice,
        "amendement",
        "C",
        "Tout membre peut interpeller une section, avec une tension et un exemple.",
    );
    sync(&alice, &[&bob, &chloe]);
    for amendment in [&a, &b, &c] {
        bob.act(&["react", amendment, "consent"]);
    }
    sync(&bob, &[&alice, &chloe]);

    // A merges first.
    alice.act(&["decide", &a, "adopted"]);
    alice.act(&["ratify", &a]);
    assert_eq!(alice.phase(&a), "merged");

    // B is stale and cannot be adopted or reacted to; C is rebased.
    let shown_b = alice.amendment(&b);
    assert_eq!(shown_b["phase"], "stale");
    assert_eq!(shown_b["stale_because"], 1);
    alice.refused(&["decide", &b, "adopted"], "stale");
    let shown_c = alice.amendment(&c);
    assert_eq!(
        shown_c["phase"], "objection-round",
        "C's phase is unchanged"
    );
    assert_eq!(shown_c["rebased_onto"], serde_json::json!([1]));
    sync(&alice, &[&bob, &chloe]);
    bob.refused(&["react", &b, "consent"], "stale");

    // C is adopted and ratified on top of A.
    alice.act(&["decide", &c, "adopted"]);
    alice.act(&["ratify", &c]);
    assert_eq!(alice.phase(&c), "merged");

    // B is reconciled with A and submitted again: Bob's consent to the old
    // wording no longer counts.
    let reconciled =
        "On part quand on veut, par écrit, après une médiation si une tension est en cours.";
    // Bob holds every record before the rewrite; then B's draft comes
    // alone (as a live sync brings documents, its records taken in apart),
    // with the charter's changes it was rebased onto (written in other
    // documents, part of signed versions): his home gathers the
    // community's claims for that draft alone and takes it in.
    sync(&alice, &[&bob]);
    write(&alice, &b, "depart", reconciled);
    let mut documents =
        nous_core::Bundle::decode(&std::fs::read(alice.export()).expect("read")).expect("decode");
    documents.records.clear();
    let file = bob.home.file("documents.bundle");
    std::fs::write(&file, documents.encode()).expect("write");
    bob.import(&file);
    let draft_text = |peer: &Peer, amendment: &str| {
        let draft = peer.amendment(amendment)["draft"]
            .as_str()
            .expect("the draft")
            .to_owned();
        peer.run(&["charter", "show", &draft]).ok().to_owned()
    };
    let shown = draft_text(&bob, &b);
    assert!(shown.contains(reconciled), "{shown}");
    sync(&alice, &[&bob]);
    // A new amendment's draft, a document Bob never had, arrives whole after
    // its records, the same way.
    let (_, d) = amendment(&alice, "tensions", "D", "Une tension se dit à voix haute.");
    let whole =
        nous_core::Bundle::decode(&std::fs::read(alice.export()).expect("read")).expect("decode");
    for (name, part) in [
        (
            "records.bundle",
            nous_core::Bundle {
                documents: Vec::new(),
                ..whole.clone()
            },
        ),
        (
            "documents.bundle",
            nous_core::Bundle {
                records: Vec::new(),
                ..whole
            },
        ),
    ] {
        let file = bob.home.file(name);
        std::fs::write(&file, part.encode()).expect("write");
        bob.import(&file);
    }
    let shown = draft_text(&bob, &d);
    assert!(
        shown.contains("Une tension se dit à voix haute."),
        "{shown}"
    );
    alice.act(&["amendment", "submit", &b, "--note", "rebased on A"]);
    assert_ne!(alice.phase(&b), "stale");
    alice.refused(&["decide", &b, "adopted"], "0/3 took part");
    sync(&alice, &[&bob, &chloe]);
    bob.act(&["react", &b, "consent"]);
    sync(&bob, &[&alice, &chloe]);
    alice.act(&["decide", &b, "adopted"]);
    alice.act(&["ratify", &b]);

    let state = alice.community();
    let ratified: Vec<&str> = state["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .skip(1)
        .filter_map(|v| v["amendment"].as_str())
        .collect();
    assert_eq!(ratified, [a.as_str(), c.as_str(), b.as_str()]);
    let charter = alice.run(&["charter", "show", &doc]).ok().to_owned();
    assert!(charter.contains(reconciled), "{charter}");
    assert!(charter.contains("Une tension se dit, puis se médie."));
    assert!(charter.contains("Tout membre peut interpeller une section, avec une tension"));
    let hash = alice.verifies();
    sync(&alice, &[&chloe]);
    assert_eq!(chloe.verifies(), hash);
}

// ---------------------------------------------------------------------------
// Scenario 3

/// Joining: Dana applies as a learner, the learners' consent needs 7 days;
/// until she signs the charter in force she may ask questions but not
/// consent; then her consent counts.
#[test]
fn scenario_3_joining_after_seven_days_and_signing_the_charter() {
    let clock = Clock::at("2026-03-01");
    let alice = Peer::new("Alice", &clock);
    let bob = Peer::new("Bob", &clock);
    let chloe = Peer::new("Chloé", &clock);
    let dana = Peer::new("Dana", &clock);
    let doc = alice.charter(SAMPLE);
    found(
        &alice,
        "staff",
        &doc,
        &[(&bob, "staff"), (&chloe, "learners")],
        &[
            "--college",
            "staff:Staff",
            "--college",
            "learners:Learners",
            "--rule",
            "admit=consent,days=7,electorate=learners",
            "--rule",
            "amend=consent,quorum=50",
        ],
    );
    // An amendment under way, with Bob's consent.
    let (_, am) = amendment(
        &alice,
        "colleges",
        "Collèges",
        "Deux collèges : salariés et apprenants.",
    );
    sync(&alice, &[&bob, &chloe]);
    bob.act(&["react", &am, "consent"]);
    sync(&bob, &[&alice, &chloe]);

    // Dana gets the community's bundle and applies.
    dana.import(&alice.export());
    let app = dana.act(&[
        "member",
        "apply",
        "--name",
        "Dana",
        "--college",
        "learners",
        "--motivation",
        "J'apprends la menuiserie ici depuis un an.",
    ]);
    // She can comment, not consent.
    dana.refused(&["react", &am, "consent"], "not a member");
    dana.act(&[
        "react",
        &am,
        "question",
        "--argument",
        "Où sont les partenaires ?",
    ]);
    sync(&dana, &[&alice, &bob, &chloe]);
    assert_eq!(alice.application(&app)["state"]["state"], "pending");

    // The learners' circle consents; admission waits 7 days.
    chloe.act(&["react", &app, "consent"]);
    sync(&chloe, &[&alice, &bob]);
    clock.set("2026-03-05");
    alice.refused(&["member", "admit", &app], "7-day delay");
    clock.set("2026-03-09");
    alice.act(&["member", "admit", &app]);
    assert_eq!(alice.application(&app)["state"]["state"], "admitted");

    // Admitted but not yet a member: still no consent.
    sync(&alice, &[&dana]);
    dana.refused(&["react", &am, "consent"], "not a member");
    let signed = dana.json(&["member", "sign", &app]);
    let in_force = dana.community()["versions"][0]["hash"].clone();
    assert_eq!(
        signed["version"], in_force,
        "she signs the charter in force"
    );
    sync(&dana, &[&alice, &bob, &chloe]);
    let member = alice.member("Dana");
    assert_eq!(member["status"], "active");
    assert_eq!(member["college"], "learners");
    assert_eq!(member["id"], dana.key.as_str());
    assert_eq!(member["joined"], signed["record"]);
    assert_eq!(alice.application(&app)["state"]["state"], "joined");

    // She is in the electorate now: one participant in four misses the
    // quorum, her consent makes it.
    alice.refused(&["decide", &am, "adopted"], "1/4 took part");
    dana.act(&["react", &am, "consent"]);
    sync(&dana, &[&alice]);
    let decided = alice.json(&["decide", &am, "adopted"]);
    assert!(
        decided["tally"]
            .as_str()
            .unwrap_or("")
            .contains("2/4 took part"),
        "{decided}"
    );
    let hash = alice.verifies();
    sync(&alice, &[&dana]);
    assert_eq!(dana.verifies(), hash);
}

// ---------------------------------------------------------------------------
// Scenario 4

/// A decline needs a reason; with one (after an objection) it is logged and
/// the applicant sees it.
#[test]
fn scenario_4_declined_application_with_its_reason() {
    let clock = Clock::at("2026-03-01");
    let alice = Peer::new("Alice", &clock);
    let bob = Peer::new("Bob", &clock);
    let dana = Peer::new("Dana", &clock);
    let doc = alice.charter(SAMPLE);
    // Admission by consent, with no delay (the default waits a week).
    found(
        &alice,
        "members",
        &doc,
        &[(&bob, "members")],
        &["--rule", "admit=consent"],
    );
    dana.import(&alice.export());
    let app = dana.act(&["member", "apply", "--name", "Dana", "--college", "members"]);
    sync(&dana, &[&alice, &bob]);

    // No reason: the CLI refuses, and so does the engine.
    alice.refused(&["member", "decline", &app], "reason");
    alice.refused(&["decide", &app, "rejected"], "needs a reason");
    // Nobody objects: the rule is met, so it cannot be declined.
    alice.refused(
        &["member", "decline", &app, "--reason", "Pas de place"],
        "the rule is met",
    );

    bob.act(&[
        "react",
        &app,
        "objection",
        "--criteria",
        "abcd",
        "--argument",
        "L'atelier est complet jusqu'en septembre.",
    ]);
    sync(&bob, &[&alice]);
    let reason = "L'atelier est complet jusqu'en septembre ; redemandez à la rentrée.";
    alice.act(&["member", "decline", &app, "--reason", reason]);
    let declined = serde_json::json!({ "state": "declined", "reason": reason });
    assert_eq!(alice.application(&app)["state"], declined);
    alice.refused(&["member", "admit", &app], "already decided");

    // Dana sees the decline and its reason, and cannot sign.
    sync(&alice, &[&dana]);
    assert_eq!(dana.application(&app)["state"], declined);
    let listed = dana.run(&["member", "list"]).ok().to_owned();
    assert!(listed.contains(&format!("declined: {reason}")), "{listed}");
    dana.refused(&["member", "sign", &app], "not admitted");
    let hash = alice.verifies();
    assert_eq!(dana.verifies(), hash);
}

// ---------------------------------------------------------------------------
// Scenario 5

/// Exclusion: correction, warning, then an exclusion with reasons, notice
/// and hearing, decided in Eve's absence; what she signs concurrently with
/// it is rejected everywhere, what she did before stays hers.
#[test]
fn scenario_5_exclusion_after_the_hearing_and_concurrent_records_rejected() {
    let clock = Clock::at("2026-03-01");
    let alice = Peer::new("Alice", &clock);
    let bob = Peer::new("Bob", &clock);
    let chloe = Peer::new("Chloé", &clock);
    let eve = Peer::new("Eve", &clock);
    let doc = alice.charter(SAMPLE);
    let facilitator = alice.key.clone();
    found(
        &alice,
        "members",
        &doc,
        &[(&bob, "members"), (&chloe, "members"), (&eve, "members")],
        &["--facilitator", &facilitator],
    );
    let everyone = [&alice, &bob, &chloe];

    // Eve's earlier contribution.
    let earlier = eve.act(&[
        "challenge",
        "depart",
        "--tension",
        "On ne sait pas qui décide d'une exclusion",
        "--example",
        "Marc a été écarté sans réunion.",
    ]);
    sync(&eve, &everyone);

    // The ladder: a correction, then a warning (facilitator only).
    bob.refused(
        &[
            "member",
            "sanction",
            "Eve",
            "--level",
            "correction",
            "--reasons",
            "x",
        ],
        "only a facilitator",
    );
    alice.act(&[
        "member",
        "sanction",
        "Eve",
        "--level",
        "correction",
        "--reasons",
        "Propos blessants en réunion le 1er mars.",
    ]);
    clock.set("2026-03-03");
    alice.act(&[
        "member",
        "sanction",
        "Eve",
        "--level",
        "warning",
        "--reasons",
        "Récidive le 3 mars.",
    ]);

    // On a repeat, an exclusion: reasons, 15-day notice, a hearing.
    clock.set("2026-03-05");
    alice.refused(
        &[
            "member",
            "exclude",
            "Eve",
            "--reasons",
            "Récidive",
            "--notice",
            "2026-03-10",
            "--hearing",
            "2026-03-20",
        ],
        "at least 15 days",
    );
    let exclusion = alice.json(&[
        "member",
        "exclude",
        "Eve",
        "--reasons",
        "Troisième incident le 5 mars, après correction et avertissement.",
        "--notice",
        "2026-03-10",
        "--hearing",
        "2026-03-26",
    ]);
    let excl = exclusion["record"].as_str().expect("record").to_owned();
    assert!(exclusion["hearing_at"].as_u64() > exclusion["notice_at"].as_u64());
    sync(&alice, &[&bob, &chloe, &eve]);
    bob.act(&["react", &excl, "yes"]);
    chloe.act(&["react", &excl, "yes"]);
    sync(&bob, &[&alice, &chloe, &eve]);
    sync(&chloe, &[&alice, &bob, &eve]);
    // Eve knows everything up to here, but never reacts.

    clock.set("2026-03-20");
    alice.refused(&["decide", &excl, "adopted"], "after the hearing");
    clock.set("2026-03-27");
    alice.act(&["react", &excl, "yes"]);
    let decided = alice.json(&["decide", &excl, "adopted"]);
    assert!(
        decided["tally"]
            .as_str()
            .unwrap_or("")
            .contains("3 for, 0 against"),
        "{decided}"
    );
    let excluded = alice.member("Eve");
    assert_eq!(excluded["status"], "excluded");
    let levels: Vec<&str> = excluded["sanctions"]
        .as_array()
        .expect("sanctions")
        .iter()
        .filter_map(|s| s["level"].as_str())
        .collect();
    assert_eq!(levels, ["correction", "warning", "exclusion"]);

    // Eve, who has not received the decision, challenges concurrently.
    let concurrent = eve.act(&[
        "challenge",
        "tensions",
        "--tension",
        "Je n'ai pas été entendue",
        "--example",
        "L'audition du 26 mars s'est tenue sans moi.",
    ]);
    sync(&eve, &everyone);
    sync(&alice, &[&bob, &chloe, &eve]);
    for peer in [&alice, &chloe, &eve] {
        // Issue 12, item 5: the history is intact (exit 0); her rejected
        // act is listed apart, with its reason.
        let (report, _) = peer.verify();
        assert_eq!(report["ok"], true, "{report:#}");
        assert_eq!(report["problems"], serde_json::json!([]));
        let rejected = report["rejected"].as_array().expect("rejected");
        assert_eq!(rejected.len(), 1, "{rejected:?}");
        assert_eq!(rejected[0]["what"], "record");
        assert_eq!(rejected[0]["id"], concurrent.as_str());
        let outcome = verdict(&report, &concurrent);
        assert_eq!(outcome["verdict"]["status"], "rejected");
        let reason = outcome["verdict"]["reason"].as_str().unwrap_or("");
        assert!(reason.contains("concurrent with the removal"), "{reason}");
        // Her earlier challenge stays accepted, and hers.
        let before = verdict(&report, &earlier);
        assert_eq!(before["verdict"]["status"], "accepted");
        assert_eq!(before["author"], eve.key.as_str());
    }
    // In text, her act is shown rejected and the history intact (exit 0).
    let file = alice.export();
    let text = alice.run(&["verify", path_str(&file)]).ok().to_owned();
    assert!(text.contains("REJECTED record"), "{text}");
    assert!(text.contains("Intact: "), "{text}");
    let state = bob.community();
    assert_eq!(state["challenges"][&earlier]["author"], eve.key.as_str());
    assert!(state["challenges"].get(&concurrent).is_none());
    assert_eq!(alice.verify().1, eve.verify().1, "every peer, one report");

    // Having received the decision, Eve's home refuses her acts itself.
    eve.refused(
        &[
            "challenge",
            "tensions",
            "--tension",
            "Encore",
            "--example",
            "Encore.",
        ],
        "excluded",
    );
    // Her charter edits are kept in her home only, and she is told so
    // (issue 12, item 6: the edit used to exit 0 with no word of it).
    let edited = eve.json(&[
        "charter",
        "edit",
        &doc,
        "tensions",
        "--text",
        "Réécrit par Eve.",
    ]);
    let warnings = edited["warnings"].as_array().expect("warnings");
    assert_eq!(warnings.len(), 1, "{edited}");
    assert!(
        warnings[0].as_str().unwrap_or("").contains("excluded"),
        "{edited}"
    );
    let run = eve.run(&[
        "charter",
        "edit",
        &doc,
        "tensions",
        "--text",
        "Encore réécrit.",
    ]);
    assert!(
        run.stderr
            .starts_with("warning: this edit is kept here only"),
        "{}",
        run.stderr
    );
    run.ok();
    let fine = bob.json(&[
        "charter",
        "edit",
        &doc,
        "tensions",
        "--text",
        "Réécrit par Bob.",
    ]);
    assert_eq!(fine["warnings"], serde_json::json!([]), "{fine}");
}

// ---------------------------------------------------------------------------
// Scenario 6

/// A gardener's tension about scheduling fails mediation and becomes a
/// challenge of the « tensions » section, which the linter had flagged.
#[test]
fn scenario_6_tension_escalated_into_a_challenge_and_the_linter_warning() {
    let clock = Clock::at("2026-03-01");
    let alice = Peer::new("Alice", &clock);
    let bob = Peer::new("Bob", &clock);
    let doc = alice.charter(SAMPLE);

    // The sample charter says how tensions are regulated; without the tag
    // the linter warns.
    let clean = alice.json(&["charter", "lint", &doc]);
    assert_eq!(clean["warnings"], serde_json::json!([]));
    assert!(
        alice
            .run(&["charter", "lint", &doc])
            .ok()
            .starts_with("No warnings")
    );
    alice.json(&["charter", "tag", &doc, "tensions", "--remove", "tensions"]);
    let lint = alice.run(&["charter", "lint", &doc]).ok().to_owned();
    assert_eq!(
        lint,
        format!(
            "warning: no section is tagged `tensions` (how tensions are regulated)\n  \
             fix: tag the section that says it, `nous charter tag {doc} SECTION --add tensions`, \
             or in Markdown put `<!-- nous:section tags=tensions -->` under its heading\n"
        )
    );
    let french = alice.home.run_in("fr", &["charter", "lint", &doc]);
    let french = french.ok();
    assert!(
        french.contains(
            "avertissement : aucune section n'est étiquetée `tensions` (comment les tensions se régulent)"
        ) && french.contains("pour corriger : étiquetez la section"),
        "{french}"
    );
    // The fix works: the command it gives, with the section named.
    alice.json(&["charter", "tag", &doc, "tensions", "--add", "tensions"]);
    assert!(
        alice
            .run(&["charter", "lint", &doc])
            .ok()
            .starts_with("No warnings")
    );
    alice.json(&["charter", "tag", &doc, "tensions", "--remove", "tensions"]);
    let warnings = alice.json(&["charter", "lint", &doc])["warnings"].clone();
    assert_eq!(warnings.as_array().map(Vec::len), Some(1));

    found(
        &alice,
        "jardiniers",
        &doc,
        &[(&bob, "jardiniers")],
        &["--college", "jardiniers:Jardiniers"],
    );

    // Bob's tension goes to mediation, which fails.
    let tension = bob.act(&[
        "tension",
        "open",
        "Les créneaux d'arrosage se chevauchent",
        "--path",
        "mediation",
        "--section",
        "tensions",
    ]);
    sync(&bob, &[&alice]);
    alice.act(&[
        "tension",
        "start",
        &tension,
        "--note",
        "Médiation le 3 mars",
    ]);
    sync(&alice, &[&bob]);
    let escalated = bob.json(&[
        "tension",
        "escalate",
        &tension,
        "--note",
        "La médiation a échoué",
        "--section",
        "tensions",
        "--example",
        "Le 2 mars, deux jardiniers ont arrosé la même parcelle et le potager du fond est resté sec.",
    ]);
    let challenge = escalated["record"].as_str().expect("record").to_owned();
    assert_eq!(escalated["kind"], "challenge");
    assert!(escalated["escalation"].is_string());
    bob.refused(
        &["tension", "resolve", &tension],
        "cannot go from escalated",
    );
    sync(&bob, &[&alice]);

    let state = alice.community();
    let t = &state["tensions"][&tension];
    assert_eq!(t["status"], "escalated");
    assert_eq!(t["path"], "mediation");
    assert_eq!(t["challenges"], serde_json::json!([challenge]));
    let statuses: Vec<&str> = t["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter_map(|h| h[1].as_str())
        .collect();
    assert_eq!(statuses, ["open", "in-process", "escalated"]);
    let c = &state["challenges"][&challenge];
    assert_eq!(c["from_tension"], tension.as_str());
    assert_eq!(c["section"], "tensions");
    assert_eq!(c["tension"], "Les créneaux d'arrosage se chevauchent");
    assert_eq!(c["admissibility"]["state"], "admissible");
    assert_eq!(c["author"], bob.key.as_str());

    // The challenge can be answered like any other.
    let am = propose(&alice, &challenge, "Une voie d'appel");
    write(
        &alice,
        &am,
        "tensions",
        "Une tension se dit d'abord à la personne concernée, puis en médiation, puis en appel devant le cercle de gouvernance.",
    );
    alice.act(&["amendment", "submit", &am]);
    let hash = alice.verifies();
    sync(&alice, &[&bob]);
    assert_eq!(bob.verifies(), hash);
}

// ---------------------------------------------------------------------------
// Scenario 7

/// Meta-amendment: lowering the amendment quorum from 60% to 40% is judged
/// under the old rule too, and fails with 50% turnout.
#[test]
fn scenario_7_a_rule_change_is_judged_by_the_old_rule_too() {
    let clock = Clock::at("2026-03-01");
    let alice = Peer::new("Alice", &clock);
    let bob = Peer::new("Bob", &clock);
    let chloe = Peer::new("Chloé", &clock);
    let dana = Peer::new("Dana", &clock);
    let doc = alice.charter(SAMPLE);
    found(
        &alice,
        "members",
        &doc,
        &[(&bob, "members"), (&chloe, "members"), (&dana, "members")],
        &[
            "--rule",
            "amend=consent,quorum=60",
            "--rule",
            "rules=majority",
        ],
    );
    let rules = alice.json(&["community", "rules"]);
    assert_eq!(rules["amend"]["quorum"], 60);
    assert_eq!(rules["rules"]["method"], "majority");

    let proposal = alice.act(&[
        "rules",
        "propose",
        "amend=consent,quorum=40",
        "--rationale",
        "Trop de décisions restent bloquées faute de participants.",
    ]);
    sync(&alice, &[&bob, &chloe, &dana]);
    bob.act(&["react", &proposal, "yes"]);
    chloe.act(&["react", &proposal, "yes"]);
    sync(&bob, &[&alice]);
    sync(&chloe, &[&alice]);

    // 2 of 4 take part: the majority and the new rule pass, the old rule's
    // 60% quorum does not.
    let refusal = alice.refused(&["decide", &proposal, "adopted"], "old rule");
    assert!(
        refusal.contains("2/4 took part (quorum 60%, not met)"),
        "{refusal}"
    );
    alice.refused(&["decide", &proposal, "rejected"], "needs a reason");
    let decided = alice.json(&[
        "decide",
        &proposal,
        "rejected",
        "--reason",
        "La participation n'atteint pas le quorum de 60 % en vigueur.",
    ]);
    assert!(decided["tally"].as_str().unwrap_or("").contains("old rule"));
    let state = alice.community();
    let decision = &state["proposals"][&proposal]["decision"];
    assert_eq!(decision["outcome"], "rejected");
    assert_eq!(decision["tally"]["quorum_met"], false);
    let rules = alice.json(&["community", "rules"]);
    assert_eq!(
        rules["amend"]["quorum"], 60,
        "the rule in force is unchanged"
    );
    sync(&alice, &[&dana]);
    assert_eq!(dana.json(&["community", "rules"])["amend"]["quorum"], 60);
    let hash = alice.verifies();
    assert_eq!(dana.verifies(), hash);
}

/// Without `--rule`, a community gets rules that need people to take part:
/// nothing is adopted by a single member in silence.
#[test]
fn default_rules_need_participation() {
    let clock = Clock::at("2026-03-01");
    let alice = Peer::new("Alice", &clock);
    let bob = Peer::new("Bob", &clock);
    let doc = alice.charter(SAMPLE);
    found(&alice, "members", &doc, &[(&bob, "members")], &[]);
    let rules = alice.json(&["community", "rules"]);
    assert_eq!(rules["amend"]["method"], "consent");
    assert_eq!(rules["amend"]["quorum"], 50);
    assert_eq!(rules["admit"]["method"], "lazy");
    assert_eq!(rules["admit"]["min_days"], 7);
    assert_eq!(rules["exclude"]["threshold"], 67);
    assert_eq!(rules["exclude"]["min_days"], 15);
    let text = alice.run(&["community", "rules"]).ok().to_owned();
    assert!(text.contains("amend    consent, quorum 50%"), "{text}");
}

/// Governance commands fail with one clear line on what cannot be named or
/// read: no community yet, an unknown or malformed record id, a file that is
/// not a bundle.
#[test]
fn unknown_names_and_bad_files_are_one_line_errors() {
    let clock = Clock::at("2026-03-01");
    let alice = Peer::new("Alice", &clock);
    alice.refused(&["community", "show"], "belongs to no community yet");
    let doc = alice.charter(SAMPLE);
    found(&alice, "members", &doc, &[], &[]);
    alice.refused(
        &["react", "abcdef12", "consent"],
        "no record of this community matches",
    );
    alice.refused(&["react", "xyz", "consent"], "is not a record id");

    alice.refused(
        &["community", "show", "--community", "Nowhere"],
        "no community matches",
    );
    let not_a_bundle = alice.home.file("notes.txt");
    std::fs::write(&not_a_bundle, "just text").expect("write");
    alice.refused(
        &["verify", not_a_bundle.to_str().expect("utf-8 path")],
        "not a Nous bundle",
    );
}

/// A member shares the minutes with the community, public then members
/// only again; another member's share is theirs; an outsider's is refused;
/// `community show` lists them, as text and as JSON.
#[test]
fn shared_documents_are_the_communitys_and_show_with_it() {
    let clock = Clock::at("2026-03-01");
    let alice = Peer::new("Alice", &clock);
    let bob = Peer::new("Bob", &clock);
    let carol = Peer::new("Carol", &clock);
    let doc = alice.charter(SAMPLE);
    found(&alice, "members", &doc, &[(&bob, "members")], &[]);
    let minutes =
        alice.charter("# Procès-verbaux\n\n## Assemblée du 1er mars\n\nPrésents : tous.\n");

    let shared = alice.json(&["community", "share", "procès-verbaux", "--public"]);
    assert_eq!(shared["kind"], "document.share");
    assert_eq!(shared["doc"], minutes.as_str());
    assert_eq!(shared["title"], "Procès-verbaux");
    assert_eq!(shared["access"], "public");
    let state = alice.community();
    let entry = &state["documents"][&minutes];
    assert_eq!(entry["access"], "public");
    assert_eq!(entry["title"], "Procès-verbaux");
    assert_eq!(entry["shared_by"], alice.key.as_str());
    assert_eq!(entry["record"], shared["record"]);
    let text = alice.run(&["community", "show"]).ok().to_owned();
    assert!(text.contains("Shared documents: 1"), "{text}");
    assert!(
        text.contains(&format!(
            "{minutes}  public   \"Procès-verbaux\"  shared by Alice"
        )),
        "{text}"
    );

    // Members only again, under another title; the summary says so.
    let again = alice
        .run(&[
            "community",
            "share",
            &minutes,
            "--members",
            "--title",
            "PV 2026",
        ])
        .ok()
        .to_owned();
    assert!(again.contains("members read and write it"), "{again}");
    let entry = &alice.community()["documents"][&minutes];
    assert_eq!(entry["access"], "members");
    assert_eq!(entry["title"], "PV 2026");

    // Bob shares a document that lives elsewhere, by its id.
    sync(&alice, &[&bob]);
    let elsewhere = "54FVNxUpmjFt8LK2iLmFFDbgZvu";
    bob.refused(
        &["community", "share", elsewhere],
        "has no title here: give a title with --title",
    );
    bob.act(&[
        "community",
        "share",
        elsewhere,
        "--title",
        "Données ouvertes",
        "--public",
    ]);
    let documents = bob.community()["documents"].clone();
    assert_eq!(documents[elsewhere]["shared_by"], bob.key.as_str());
    assert_eq!(documents[elsewhere]["access"], "public");
    assert_eq!(documents[&minutes]["access"], "members");

    // Carol holds the community's records but is no member.
    sync(&bob, &[&carol]);
    carol.refused(
        &["community", "share", elsewhere, "--title", "Mine"],
        "not a member's certified device",
    );
    // Usage and naming errors are one line.
    let both = alice.run(&["community", "share", &minutes, "--public", "--members"]);
    assert_eq!(both.code, 2, "{}", both.stderr);
    alice.refused(&["community", "share", "nowhere"], "no document matches");

    sync(&bob, &[&alice]);
    let hash = alice.verifies();
    assert_eq!(bob.verifies(), hash);
}

/// `nous todo` lists what awaits each member as the story goes: the
/// application to decide for the members, the signature for the admitted
/// applicant, the amendment to react to, the ratification to sign; in
/// French on demand, and the same JSON in every language.
#[test]
fn todo_says_what_awaits_each_member() {
    let clock = Clock::at("2026-03-01");
    let alice = Peer::new("Alice", &clock);
    let bob = Peer::new("Bob", &clock);
    let dana = Peer::new("Dana", &clock);
    let doc = alice.charter(SAMPLE);
    found(
        &alice,
        "members",
        &doc,
        &[(&bob, "members")],
        &[
            "--rule",
            "admit=consent",
            "--rule",
            "amend=consent,signers=2",
        ],
    );
    let todo = |peer: &Peer| peer.json(&["todo"]);
    let kinds = |peer: &Peer| -> Vec<(String, String)> {
        todo(peer)
            .as_array()
            .expect("a list")
            .iter()
            .map(|i| {
                (
                    i["kind"].as_str().expect("kind").to_owned(),
                    i["subject"].as_str().expect("subject").to_owned(),
                )
            })
            .collect()
    };
    assert!(kinds(&alice).is_empty());
    assert_eq!(alice.run(&["todo"]).ok().trim(), "Nothing awaits you.");

    dana.import(&alice.export());
    let app = dana.act(&["member", "apply", "--name", "Dana", "--college", "members"]);
    assert!(kinds(&dana).is_empty(), "an applicant decides nothing");
    sync(&dana, &[&alice, &bob]);
    assert_eq!(
        kinds(&alice),
        vec![("decide-application".to_owned(), app.clone())]
    );
    let item = &todo(&bob)[0];
    assert_eq!(item["title"], "Dana");
    assert_eq!(item["community_name"], COOP);
    // In French, with the command that does it.
    let french = bob.home.run_in_at("fr", &clock.now(), &["todo"]);
    let french = french.ok();
    assert!(
        french.contains("La candidature de Dana attend une décision"),
        "{french}"
    );
    assert!(french.contains("Coop, depuis le 1er mars 2026"), "{french}");
    assert!(
        french.contains(&format!("nous member admit {}", &app[..12])),
        "{french}"
    );
    // JSON is the same in both languages.
    let json_fr = bob.home.run_in_at("fr", &clock.now(), &["--json", "todo"]);
    assert_eq!(json_fr.json(), todo(&bob));

    alice.act(&["member", "admit", &app]);
    assert!(kinds(&alice).is_empty());
    sync(&alice, &[&dana, &bob]);
    assert_eq!(kinds(&dana), vec![("sign-charter".to_owned(), app.clone())]);
    dana.act(&["member", "sign", &app]);
    assert!(kinds(&dana).is_empty());
    sync(&dana, &[&alice, &bob]);

    // An amendment: the others react; once adopted, each signs.
    let (_, am) = amendment(
        &alice,
        "adhesion",
        "Adhésion claire",
        "On adhère en signant.",
    );
    sync(&alice, &[&bob, &dana]);
    assert_eq!(
        kinds(&bob),
        vec![("react-amendment".to_owned(), am.clone())]
    );
    assert!(
        kinds(&alice).is_empty(),
        "the proposer is not asked to react"
    );
    bob.act(&["react", &am, "consent"]);
    dana.act(&["react", &am, "consent"]);
    assert!(kinds(&bob).is_empty());
    sync(&bob, &[&alice]);
    sync(&dana, &[&alice]);
    alice.act(&["decide", &am, "adopted"]);
    assert_eq!(kinds(&alice), vec![("ratify".to_owned(), am.clone())]);
    alice.act(&["ratify", &am]);
    assert!(kinds(&alice).is_empty(), "she signed");
    sync(&alice, &[&bob]);
    assert_eq!(kinds(&bob), vec![("ratify".to_owned(), am.clone())]);
}

/// Challenges are closed: withdrawn by their author, declined with a reason
/// by the facilitator; a closed challenge is no longer open business in
/// `community show`, is listed with where it stands, takes no amendment,
/// and the history tells it; refusals are one line; every home agrees.
#[test]
fn challenges_are_withdrawn_or_declined_and_no_longer_open() {
    let clock = Clock::at("2026-03-01");
    let alice = Peer::new("Alice", &clock);
    let bob = Peer::new("Bob", &clock);
    let doc = alice.charter(SAMPLE);
    let facilitator = alice.key.clone();
    found(
        &alice,
        "members",
        &doc,
        &[(&bob, "members")],
        &["--facilitator", &facilitator],
    );
    let open_count = |peer: &Peer| {
        let text = peer.run(&["community", "show"]).ok().to_owned();
        text.lines()
            .find(|l| l.starts_with("Open:"))
            .unwrap_or_else(|| panic!("{text}"))
            .to_owned()
    };
    let challenge = |peer: &Peer, section: &str| {
        peer.act(&[
            "challenge",
            section,
            "--tension",
            "trop vague",
            "--example",
            "la dernière assemblée",
        ])
    };
    let first = challenge(&bob, "adhesion");
    let second = challenge(&bob, "depart");
    assert!(
        open_count(&bob).contains("2 challenges"),
        "{}",
        open_count(&bob)
    );

    // Only Bob withdraws his own; only the facilitator declines, with a reason.
    sync(&bob, &[&alice]);
    alice.refused(
        &["challenge", "close", &first, "--withdrawn"],
        "only its author withdraws a challenge",
    );
    bob.refused(
        &["challenge", "close", &second, "--declined", "hors sujet"],
        "only a facilitator may do this",
    );
    alice.refused(
        &["challenge", "close", &second, "--declined", " "],
        "declining a challenge needs a reason",
    );
    // Neither outcome, or both: a usage error.
    let neither = bob.run(&["challenge", "close", &first]);
    assert_eq!(neither.code, 2, "{}", neither.stderr);
    let both = bob.run(&[
        "challenge",
        "close",
        &first,
        "--withdrawn",
        "--declined",
        "x",
    ]);
    assert_eq!(both.code, 2, "{}", both.stderr);

    let withdrawn = bob.json(&["challenge", "close", &first, "--withdrawn"]);
    assert_eq!(withdrawn["kind"], "challenge.close");
    assert_eq!(withdrawn["challenge"], first.as_str());
    assert_eq!(withdrawn["outcome"], "withdrawn");
    assert!(
        open_count(&bob).contains("1 challenge,"),
        "{}",
        open_count(&bob)
    );
    bob.refused(
        &["challenge", "close", &first, "--withdrawn"],
        "the challenge is already closed",
    );
    bob.refused(
        &[
            "amendment",
            "propose",
            &first,
            "--title",
            "Trop tard",
            "--rationale",
            "quand même",
        ],
        "answers a closed challenge",
    );

    sync(&bob, &[&alice]);
    let declined = alice
        .run(&[
            "challenge",
            "close",
            &second,
            "--decline",
            "déjà tranché en assemblée",
        ])
        .ok()
        .to_owned();
    assert!(declined.contains("declined"), "{declined}");
    assert!(
        open_count(&alice).contains("0 challenges"),
        "{}",
        open_count(&alice)
    );
    let state = alice.community();
    assert_eq!(
        state["challenges"][&second]["closed"]["outcome"],
        "declined"
    );
    assert_eq!(
        state["challenges"][&second]["closed"]["reason"],
        "déjà tranché en assemblée"
    );

    // Listed with where each stands, in JSON and in both languages.
    let list = alice.json(&["challenge", "list"]);
    let standings: Vec<(&str, &str)> = list
        .as_array()
        .expect("a list")
        .iter()
        .map(|c| {
            (
                c["record"].as_str().expect("record"),
                c["standing"].as_str().expect("standing"),
            )
        })
        .collect();
    assert_eq!(
        standings,
        vec![(first.as_str(), "withdrawn"), (second.as_str(), "declined")]
    );
    let text = alice.run(&["challenge", "list"]).ok().to_owned();
    assert!(
        text.contains(&first[..12]) && text.contains("withdrawn"),
        "{text}"
    );
    let french = alice
        .home
        .run_in_at("fr", &clock.now(), &["challenge", "list"]);
    assert!(french.ok().contains("déclinée"), "{}", french.ok());

    // The history report tells both.
    let md = alice
        .run(&["history", &doc, "--format", "md"])
        .ok()
        .to_owned();
    assert!(md.contains("**Withdrawn** by Bob"), "{md}");
    assert!(
        md.contains("**Declined** by Alice") && md.contains("déjà tranché en assemblée"),
        "{md}"
    );
    sync(&alice, &[&bob]);
    assert_eq!(alice.verifies(), bob.verifies());
}
