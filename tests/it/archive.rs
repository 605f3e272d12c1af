//! Archiving documents in a home: hidden from `charter list` (and from
//! `conflicts` across charters), kept whole — read and told by id — and
//! restored; an empty charter too. A mark in this home only.

use crate::support::{COOP, Home, path_str};

fn ids(list: &serde_json::Value) -> Vec<String> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|d| d["id"].as_str().expect("id").to_owned())
        .collect()
}

#[test]
fn an_archived_document_is_hidden_kept_and_restored() {
    let home = Home::new();
    let coop = home.charter(COOP);
    let empty_md = home.file("vide.md");
    std::fs::write(&empty_md, "").expect("write");
    let empty = home
        .run(&[
            "--json",
            "charter",
            "new",
            "Vide",
            "--from",
            path_str(&empty_md),
        ])
        .json()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let sections = home.run(&["--json", "charter", "sections", &empty]).json();
    assert_eq!(sections, serde_json::json!([]), "no sections");

    // The empty charter is archived, by title.
    let archived = home.run(&["--json", "charter", "archive", "Vide"]).json();
    assert_eq!(archived["id"], empty.as_str());
    assert_eq!(archived["archived"], true);
    assert_eq!(archived["changed"], true);
    let listed = home.run(&["--json", "charter", "list"]).json();
    assert_eq!(ids(&listed), vec![coop.clone()]);
    assert_eq!(listed[0]["archived"], false);
    let text = home.run(&["charter", "list"]);
    assert!(!text.ok().contains("Vide"), "{}", text.stdout);
    assert!(
        text.stderr.contains("1 archived document not shown"),
        "{}",
        text.stderr
    );
    let only = home
        .run(&["--json", "charter", "list", "--archived"])
        .json();
    assert_eq!(ids(&only), vec![empty.clone()]);
    assert_eq!(only[0]["archived"], true);
    let all = home.run(&["charter", "list", "--all"]).ok().to_owned();
    let line = all.lines().find(|l| l.contains("Vide")).expect("listed");
    assert!(line.ends_with("(archived)"), "{all}");
    let both = home.run(&["charter", "list", "--all", "--archived"]);
    assert_eq!(both.code, 2, "{}", both.stderr);

    // Kept whole: read, told and edited by id; archiving again changes nothing.
    home.run(&["charter", "show", &empty]).ok();
    home.run(&["history", &empty]).ok();
    let again = home.run(&["charter", "archive", &empty]).ok().to_owned();
    assert!(again.contains("was already archived"), "{again}");
    let again = home.run(&["--json", "charter", "archive", &empty]).json();
    assert_eq!(again["changed"], false);

    // The mark outlives the home being closed and opened; in French too.
    let fr = home
        .run_in("fr", &["charter", "archive", &coop])
        .ok()
        .to_owned();
    assert!(fr.contains("archivé dans ce dossier"), "{fr}");
    let none = home.run(&["charter", "list"]).ok().to_owned();
    assert!(
        none.contains("2 archived (see them with --archived or --all)"),
        "{none}"
    );

    // Restored: back in the list.
    let restored = home
        .run(&["--json", "charter", "restore", &empty[..8]])
        .json();
    assert_eq!(
        (restored["archived"].clone(), restored["changed"].clone()),
        (false.into(), true.into())
    );
    home.run(&["charter", "restore", &coop]).ok();
    let mut expected = vec![coop.clone(), empty.clone()];
    expected.sort();
    let mut listed = ids(&home.run(&["--json", "charter", "list"]).json());
    listed.sort();
    assert_eq!(listed, expected);
    let not = home.run(&["charter", "restore", &coop]).ok().to_owned();
    assert!(not.contains("was not archived"), "{not}");
    home.run(&["charter", "archive", "nowhere"])
        .fails_with("nowhere");
}

/// `conflicts` across charters leaves archived ones out; named, it still
/// looks.
#[test]
fn conflicts_skip_archived_charters_unless_named() {
    let alice = Home::new();
    let bob = Home::new();
    let doc = alice.charter(COOP);
    let bundle = alice.file("coop.nous");
    alice
        .run(&["bundle", "export", &doc, "-o", path_str(&bundle)])
        .ok();
    bob.run(&["bundle", "import", path_str(&bundle)]).ok();
    alice
        .run(&[
            "charter",
            "edit",
            &doc,
            "depart",
            "--text",
            "On part le lundi.",
        ])
        .ok();
    bob.run(&[
        "charter",
        "edit",
        &doc,
        "depart",
        "--text",
        "On part le mardi.",
    ])
    .ok();
    alice
        .run(&["bundle", "export", &doc, "-o", path_str(&bundle)])
        .ok();
    bob.run(&["bundle", "import", path_str(&bundle)]).ok();
    assert_eq!(bob.run(&["--json", "conflicts"]).json()["open"], 1);
    bob.run(&["charter", "archive", &doc]).ok();
    assert_eq!(bob.run(&["--json", "conflicts"]).json()["open"], 0);
    assert_eq!(bob.run(&["--json", "conflicts", &doc]).json()["open"], 1);
}
