//! Joining through an invitation: a member invites through the relay, an
//! applicant joins with the link alone (reading only what an applicant
//! may read), members find the application in their to-do list and
//! decide, the admitted applicant signs through the relay. Revocation,
//! expiry, use counts and forged links are refused by the relay and by
//! governance.

use crate::relay_support::{Member, RelayProcess};
use crate::support::path_str;

/// Alice founds "Coop" with Bob (admission by consent, no delay) and
/// brings it to the relay. The charter's id.
fn coop(relay: &RelayProcess, alice: &Member, bob: &Member) -> String {
    let md = "# Charte de la Coop\n\n## Adhésion\n\nOn adhère en écrivant.\n\n## Départ\n\nOn part quand on veut.\n";
    let doc = alice.home.charter(md);
    let bob_spec = format!("{}:Bob:members", bob.key);
    alice.json(&[
        "community",
        "create",
        "Coop",
        "--charter",
        &doc,
        "--name-as",
        "Alice",
        "--founder",
        &bob_spec,
        "--rule",
        "admit=consent",
    ]);
    let bundle = alice.home.file("coop.bundle");
    alice
        .run(&[
            "bundle",
            "export",
            "--community",
            "Coop",
            "-o",
            path_str(&bundle),
        ])
        .ok();
    bob.run(&["bundle", "import", path_str(&bundle)]).ok();
    alice.sync(relay, &[]);
    bob.sync(relay, &[]);
    doc
}

fn invite(alice: &Member, relay: &RelayProcess, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["community", "invite", "--relay", relay.url.as_str()];
    args.extend_from_slice(extra);
    alice.json(&args)
}

#[test]
fn an_invited_applicant_joins_through_the_relay_and_members_decide() {
    let relay = RelayProcess::start();
    let alice = Member::new("Alice");
    let bob = Member::new("Bob");
    let dora = Member::new("Dora");
    let gus = Member::new("Gus");
    let doc = coop(&relay, &alice, &bob);

    let issued = invite(&alice, &relay, &["--college", "members"]);
    assert_eq!(issued["kind"], "invitation.issue", "{issued}");
    assert_eq!(issued["published"], true, "{issued}");
    let link = issued["link"].as_str().expect("a link").to_owned();
    assert!(link.starts_with("nous:invite/1/"), "{link}");
    // The text a person reads has the link and a QR code.
    let text = alice
        .run(&["community", "invite", "--relay", relay.url.as_str()])
        .ok()
        .to_owned();
    assert!(
        text.contains("nous:invite/1/") && text.contains('█'),
        "{text}"
    );

    // Dora has nothing but the link; it is for the members' college.
    dora.run(&["join", &link, "--name", "Dora", "--college", "staff"])
        .fails_with("the invitation is for college `members`");
    let joined = dora.json(&[
        "join",
        &link,
        "--name",
        "Dora",
        "--motivation",
        "Je cuisine",
    ]);
    assert_eq!(joined["name"], "Coop", "{joined}");
    assert_eq!(joined["college"], "members", "{joined}");
    assert_eq!(joined["title"], "Charte de la Coop", "{joined}");
    assert_eq!(joined["version"], 1, "{joined}");
    let application = joined["application"].as_str().expect("id").to_owned();
    // She read the charter in force: it is in her home.
    assert_eq!(dora.section(&doc, "Adhésion"), "On adhère en écrivant.");
    // Her home knows the community as far as an applicant sees it.
    let seen = dora.json(&["community", "list"]);
    assert!(seen.to_string().contains("Coop"), "{seen}");
    let shown = dora.run(&["community", "show"]).ok().to_owned();
    assert!(
        shown.contains("Your application awaits the members' decision"),
        "{shown}"
    );
    assert!(!shown.contains("rejected or pending"), "{shown}");
    dora.json(&["todo"]);
    // Dora runs join again (the network failed her, say): she gets her
    // own application back, not a second one.
    let again = dora.json(&["join", &link, "--name", "Dora D."]);
    assert_eq!(again["application"], application.as_str(), "{again}");
    // The invitation admitted one application: Gus is refused by the relay.
    gus.run(&["join", &link, "--name", "Gus"])
        .fails_with("no longer valid");
    // Dora cannot read the ledger or anything else of the community.
    let outsider = dora.sync(&relay, &[]);
    assert!(
        outsider["unavailable"]
            .as_array()
            .is_some_and(|docs| !docs.is_empty()),
        "{outsider}"
    );

    // Bob's next sync brings the application: it waits in his to-do list.
    bob.sync(&relay, &[]);
    let todo = bob.json(&["todo"]);
    let items = todo.as_array().cloned().unwrap_or_default();
    assert!(
        items.iter().any(|item| item["kind"] == "decide-application"
            && item["subject"] == application.as_str()
            && item["title"] == "Dora"),
        "{todo}"
    );
    bob.json(&["member", "admit", &application]);
    bob.sync(&relay, &[]);

    // Admitted, Dora reads the ledger, signs the charter, and is a member.
    dora.sync(&relay, &[]);
    dora.json(&["member", "sign", &application]);
    dora.sync(&relay, &[]);
    alice.sync(&relay, &[]);
    let shown = alice.json(&["community", "show"]);
    let members = shown["members"].to_string();
    assert!(members.contains("Dora"), "{shown}");
    let dora_status = shown["members"]
        .as_object()
        .and_then(|m| m.values().find(|v| v["name"] == "Dora"))
        .map(|v| v["status"].clone());
    assert_eq!(dora_status, Some(serde_json::json!("active")), "{shown}");
}

#[test]
fn revoked_expired_and_forged_invitations_are_refused() {
    let relay = RelayProcess::start();
    let alice = Member::new("Alice");
    let bob = Member::new("Bob");
    let gus = Member::new("Gus");
    coop(&relay, &alice, &bob);

    // Revoked: the relay refuses it once the revocation reached it.
    let issued = invite(&alice, &relay, &["--uses", "5"]);
    let link = issued["link"].as_str().expect("link").to_owned();
    let record = issued["record"].as_str().expect("record").to_owned();
    alice.json(&["community", "uninvite", &record[..10]]);
    alice.sync(&relay, &[]);
    gus.run(&["join", &link, "--name", "Gus", "--college", "members"])
        .fails_with("no longer valid");

    // Expired: a community founded in January, whose invitation held a
    // week; the relay's clock says December.
    let carol = Member::new("Carol");
    let doc = carol.home.charter("# Ancienne\n\n## Un\n\nTexte.\n");
    let at = |now: &str, args: &[&str]| {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        carol.home.run_at(now, &all).json()
    };
    at(
        "2026-01-01",
        &["community", "create", "Ancienne", "--charter", &doc],
    );
    carol.sync(&relay, &[]);
    let old = at(
        "2026-01-02",
        &[
            "community",
            "invite",
            "--relay",
            relay.url.as_str(),
            "--expires",
            "7d",
        ],
    );
    assert_eq!(old["published"], true, "{old}");
    let expired = old["link"].as_str().expect("link");
    gus.run(&["join", expired, "--name", "Gus"])
        .fails_with("no longer valid");

    // Forged: a link whose secret is not the invitation's.
    let issued = invite(&alice, &relay, &[]);
    let mut forged: nous_core::invitation::Invitation = issued["link"]
        .as_str()
        .expect("link")
        .parse()
        .expect("a link");
    forged.secret = [7; 32];
    gus.run(&["join", &forged.to_link(), "--name", "Gus"])
        .fails_with("proof does not hold");
    // A link to a community the relay does not host.
    forged.community = nous_core::record::RecordId([1; 32]);
    gus.run(&["join", &forged.to_link(), "--name", "Gus"])
        .fails_with("no such invitation");
    // Not a link at all.
    gus.run(&["join", "https://example.org/", "--name", "Gus"])
        .fails_with("not a Nous invitation");
    assert!(relay.rejections("invitation_proof") >= 1);
}

#[test]
fn a_french_member_invites_and_a_french_applicant_joins_in_french() {
    let relay = RelayProcess::start();
    let alice = Member::new("Alice");
    let bob = Member::new("Bob");
    let dora = Member::new("Dora");
    coop(&relay, &alice, &bob);
    // The relay is the only one Alice's home knows: no --relay needed.
    let text = alice
        .home
        .run_in("fr", &["community", "invite", "--college", "members"])
        .ok()
        .to_owned();
    assert!(
        text.contains("Invitation à rejoindre « Coop » (collège members)"),
        "{text}"
    );
    assert!(
        text.contains("valable jusqu'au") && text.contains("une candidature"),
        "{text}"
    );
    assert!(text.contains("Transmettez ce lien"), "{text}");
    let link = text
        .split_whitespace()
        .find(|word| word.starts_with("nous:invite/1/"))
        .expect("the link in the text");
    let joined = dora
        .home
        .run_in("fr", &["join", link, "--name", "Dora"])
        .ok()
        .to_owned();
    assert!(
        joined.contains("Vous avez candidaté pour rejoindre « Coop » (collège members)"),
        "{joined}"
    );
    assert!(
        joined.contains("Sa charte en vigueur : « Charte de la Coop », version 1"),
        "{joined}"
    );
    assert!(joined.contains("Les membres décideront"), "{joined}");
    // What an applicant may read: the colleges and the rules.
    assert!(
        joined.contains("Ses collèges : Members (members)."),
        "{joined}"
    );
    assert!(
        joined.contains("Ses règles : amend : ") && joined.contains("admit : consentement"),
        "{joined}"
    );
    // Its one use is taken: a second applicant is told so in French, and
    // a damaged link too.
    let gus = Member::new("Gus");
    gus.home
        .run_in("fr", &["join", link, "--name", "Gus"])
        .fails_with("le relais a refusé l'invitation : elle n'est plus valable");
    gus.home
        .run_in("fr", &["join", "https://example.org/", "--name", "Gus"])
        .fails_with("ce n'est pas une invitation Nous");
    // A bad duration is a one-line French error.
    alice
        .home
        .run_in("fr", &["community", "invite", "--expires", "7w"])
        .fails_with("n'est pas une durée");
}

/// Dora joins with `--wait` in the background; Bob, once the application
/// reached him, acts on it with `decide` (its id is the argument); what
/// Dora's `join --wait --json` said.
fn join_and_wait(decide: impl Fn(&Member, &str)) -> (serde_json::Value, Member, String) {
    let relay = RelayProcess::start();
    let alice = Member::new("Alice");
    let bob = Member::new("Bob");
    let dora = Member::new("Dora");
    coop(&relay, &alice, &bob);
    let issued = invite(&alice, &relay, &[]);
    let link = issued["link"].as_str().expect("link").to_owned();
    let waiting = dora
        .home
        .command(&[
            "--json",
            "join",
            &link,
            "--name",
            "Dora",
            "--college",
            "members",
            "--wait",
            "--for-secs",
            "60",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start join --wait");
    let mut application = None;
    for _ in 0..100 {
        bob.sync(&relay, &[]);
        let todo = bob.json(&["todo"]);
        application = todo.as_array().and_then(|items| {
            items
                .iter()
                .find(|item| item["kind"] == "decide-application")
                .and_then(|item| item["subject"].as_str().map(str::to_owned))
        });
        if application.is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let application = application.expect("the application reached Bob");
    decide(&bob, &application);
    bob.sync(&relay, &[]);
    let out = waiting.wait_with_output().expect("join --wait ends");
    assert!(out.status.success(), "{out:?}");
    let said: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(said["application"], application.as_str(), "{said}");
    (said, dora, application)
}

#[test]
fn join_waits_for_the_decision() {
    let (said, dora, application) = join_and_wait(|bob, application| {
        bob.json(&["member", "admit", application]);
    });
    assert_eq!(said["decision"]["state"], "admitted", "{said}");
    dora.json(&["member", "sign", &application]);
}

#[test]
fn a_declined_applicant_learns_it_from_the_relay() {
    let reason = "Pas de place avant septembre";
    let (said, _, _) = join_and_wait(|bob, application| {
        bob.json(&[
            "react",
            application,
            "objection",
            "--criteria",
            "abcd",
            "--argument",
            "L'atelier est complet.",
        ]);
        bob.json(&["member", "decline", application, "--reason", reason]);
    });
    assert_eq!(said["decision"]["state"], "declined", "{said}");
    assert_eq!(said["decision"]["reason"], reason, "{said}");
}
