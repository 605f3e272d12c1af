//! Issue 15's "done when": a French member does the whole story in French
//! through a relay — invited, joins, sees what needs her, takes part in a
//! challenge and an amendment, reads the history — and no English shows.

use crate::language_governance::{SAMPLE, record_of, says, speaks_no_english};
use crate::relay_support::{Member, RelayProcess};
use crate::support::path_str;

/// `nous ARGS` in French at the real time (the relay's clock); it must
/// succeed and speak no English. Its standard output.
#[track_caller]
fn fr(member: &Member, args: &[&str]) -> String {
    speaks_no_english(&member.home.run_in("fr", args), args, MORE_ENGLISH)
}

/// English the relay and invitation commands must not show in French.
const MORE_ENGLISH: &[&str] = &[
    "synced with",
    "sent:",
    "received:",
    "unavailable",
    "Invitation to",
    "valid until",
    "Hand over",
    "You applied",
    "Members will decide",
    "awaits",
    " waits ",
    "application",
    "refused",
    "Nothing awaits",
    "(s)",
];

#[test]
fn a_french_member_is_invited_joins_and_takes_part_in_french() {
    let relay = RelayProcess::start();
    let url = relay.url.as_str();
    let alice = Member::new("Alice");
    let dora = Member::new("Dora");

    // Alice founds the cooperative and brings it to the relay.
    let path = alice.home.file("charte.md");
    std::fs::write(&path, SAMPLE).expect("write the charter");
    let out = fr(&alice, &["charter", "new", "--from", path_str(&path)]);
    let doc = out
        .split_whitespace()
        .find(|word| word.len() > 20 && word.chars().all(char::is_alphanumeric))
        .unwrap_or_else(|| panic!("a document id in {out}"))
        .to_owned();
    fr(
        &alice,
        &[
            "community",
            "create",
            "Coop",
            "--charter",
            &doc,
            "--name-as",
            "Alice",
            "--rule",
            "admit=consent",
            "--rule",
            "amend=consent",
        ],
    );
    let out = fr(&alice, &["sync", url]);
    says(&out, &["le relais héberge désormais « Coop »"]);

    // The invitation, handed to Dora, who joins with it alone.
    let out = fr(&alice, &["community", "invite", "--relay", url]);
    says(
        &out,
        &["Invitation à rejoindre « Coop »", "Transmettez ce lien"],
    );
    let link = out
        .split_whitespace()
        .find(|word| word.starts_with("nous:invite/1/"))
        .expect("the link")
        .to_owned();
    let out = fr(
        &dora,
        &[
            "join",
            &link,
            "--name",
            "Dora",
            "--motivation",
            "J'apprends ici.",
        ],
    );
    says(
        &out,
        &[
            "Vous avez candidaté pour rejoindre « Coop »",
            "Sa charte en vigueur",
        ],
    );
    let out = fr(&dora, &["todo"]);
    says(&out, &["Rien ne vous attend."]);

    // Alice finds the application in what awaits her, and admits Dora.
    let out = fr(&alice, &["sync", url]);
    says(&out, &["Une nouvelle chose vous attend : nous todo"]);
    let out = fr(&alice, &["todo"]);
    says(&out, &["La candidature de Dora attend une décision"]);
    let app = out
        .lines()
        .find_map(|line| line.trim().strip_prefix("nous member admit "))
        .expect("the command that admits")
        .trim()
        .to_owned();
    fr(&alice, &["member", "admit", &app]);
    fr(&alice, &["sync", url]);

    // Dora, admitted, signs the charter through the relay.
    fr(&dora, &["sync", url]);
    let out = fr(&dora, &["member", "sign", &app]);
    says(&out, &["bienvenue dans « Coop »"]);
    fr(&dora, &["sync", url]);

    // She challenges a section and writes an amendment.
    let out = fr(
        &dora,
        &[
            "challenge",
            "adhesion",
            "--tension",
            "Les demandes orales se perdent",
            "--example",
            "Karim a demandé en mars.",
        ],
    );
    let challenge = record_of(&out);
    let out = fr(
        &dora,
        &[
            "amendment",
            "propose",
            &challenge,
            "--title",
            "Adhésion écrite",
            "--rationale",
            "Garder une trace.",
        ],
    );
    let amendment = record_of(&out);
    fr(
        &dora,
        &[
            "amendment",
            "edit",
            &amendment,
            "adhesion",
            "--text",
            "1. Toute demande d'adhésion se fait par écrit.",
        ],
    );
    fr(&dora, &["amendment", "submit", &amendment]);
    fr(&dora, &["amendment", "round", &amendment]);
    fr(&dora, &["sync", url]);

    // Alice is asked to react; both consent; it is adopted and ratified.
    fr(&alice, &["sync", url]);
    let out = fr(&alice, &["todo"]);
    says(&out, &["Adhésion écrite"]);
    fr(&alice, &["react", &amendment, "consent"]);
    fr(&alice, &["sync", url]);
    fr(&dora, &["sync", url]);
    fr(
        &dora,
        &["react", &amendment, "consent", "--argument", "Oui."],
    );
    let out = fr(&dora, &["decide", &amendment, "adopted"]);
    says(&out, &["Décision : adoption ("]);
    let out = fr(&dora, &["ratify", &amendment]);
    says(&out, &["la version 2 de la charte est en vigueur"]);
    fr(&dora, &["sync", url]);

    // Alice reads the history, in French, with names.
    fr(&alice, &["sync", url]);
    let out = fr(&alice, &["community", "show"]);
    says(&out, &["version 2 en vigueur", "Membres : 2"]);
    let report = alice.home.file("histoire.md");
    fr(
        &alice,
        &["history", &doc, "--format", "md", "-o", path_str(&report)],
    );
    let text = std::fs::read_to_string(&report).expect("the report");
    says(&text, &["Adhésion écrite", "Dora", "Alice"]);
    for english in ["Challenged", "Amendment", "Ratified", "Members"] {
        assert!(
            !text.contains(english),
            "English `{english}` in the French report:\n{text}"
        );
    }
}
