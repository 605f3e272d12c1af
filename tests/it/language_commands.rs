//! The document, conflict, relay and demo commands in French and English (issue 15).

use crate::relay_support::{Member, RelayProcess, found};
use crate::support::{COOP, Home, Run, path_str};

/// `nous ARGS` in `home`, speaking French.
fn fr(home: &Home, args: &[&str]) -> Run {
    home.run_in("fr", args)
}

/// `nous --json ARGS` in `home` in English and in French: the same bytes.
#[track_caller]
fn same_json(home: &Home, args: &[&str]) -> String {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let en = home.run(&all);
    let fr = fr(home, &all);
    assert_eq!(en.code, fr.code, "{args:?}: {} / {}", en.stderr, fr.stderr);
    assert_eq!(en.stdout, fr.stdout, "{args:?}");
    assert_eq!(en.stderr, fr.stderr, "{args:?}");
    en.stdout
}

#[test]
fn charters_are_created_listed_and_edited_in_french() {
    let home = Home::new();
    let empty = fr(&home, &["charter", "list"]);
    assert_eq!(
        empty.ok().trim(),
        "Aucun document pour l'instant. Créez-en un avec `nous charter new TITRE`."
    );
    fr(&home, &["charter", "new"]).fails_with("erreur : indiquez un titre, ou --from FICHIER.md");
    let md = home.file("sans-titre.md");
    std::fs::write(&md, "Pas de titre ici.\n").expect("write");
    fr(&home, &["charter", "new", "--from", path_str(&md)])
        .fails_with("ne commence pas par une ligne `# Titre`");
    fr(
        &home,
        &["charter", "new", "--from", "/nonexistent/charte.md"],
    )
    .fails_with("erreur : impossible de lire /nonexistent/charte.md");

    // French plurals: zero is singular, three is plural.
    let out = fr(&home, &["charter", "new", "Charte vide"])
        .ok()
        .to_owned();
    assert!(out.contains("« Charte vide » créée (0 section)"), "{out}");
    assert!(out.starts_with("Charte "), "{out}");
    std::fs::write(&md, COOP).expect("write");
    let out = fr(&home, &["charter", "new", "--from", path_str(&md)])
        .ok()
        .to_owned();
    assert!(
        out.contains("« Charte de la coopérative » créée (3 sections)"),
        "{out}"
    );
    let doc = "Charte de la coopérative";

    // The list: French headings, the columns still aligned.
    let list = fr(&home, &["charter", "list"]).ok().to_owned();
    let mut lines = list.lines();
    let header = lines.next().expect("header");
    for heading in ["ID", "TITRE", "MODIFICATIONS", "MIS À JOUR"] {
        assert!(header.contains(heading), "{header}");
    }
    assert!(!header.contains("UPDATED") && !header.contains("CHANGES"));
    let updated_at = header.chars().count() - "MIS À JOUR".chars().count();
    for row in lines {
        // The last column is the date, in French (`7 déc. 2026 à 18 h 16
        // UTC`), under its heading.
        let date: String = row.chars().skip(updated_at).collect();
        assert!(
            date.starts_with(|c: char| c.is_ascii_digit()) && date.contains(" à "),
            "{list}"
        );
        assert!(date.ends_with(" UTC"), "{row}");
        assert_eq!(row.chars().nth(updated_at - 1), Some(' '), "{list}");
    }

    let sections = fr(&home, &["charter", "sections", doc]).ok().to_owned();
    let header = sections.lines().next().expect("header");
    for heading in ["NIV", "TITRE", "ÉTIQUETTES", "ARTICLES"] {
        assert!(header.contains(heading), "{header}");
    }
    assert!(!header.contains("HEADING") && !header.contains("LVL"));
    assert!(sections.contains("Adhésion"), "{sections}");

    let out = fr(
        &home,
        &[
            "charter",
            "edit",
            doc,
            "adhesion",
            "--text",
            "Toute personne majeure peut adhérer.",
        ],
    );
    assert!(
        out.ok()
            .starts_with("Section « Adhésion » enregistrée (modification "),
        "{}",
        out.stdout
    );
    let again = fr(
        &home,
        &[
            "charter",
            "edit",
            doc,
            "adhesion",
            "--text",
            "Toute personne majeure peut adhérer.",
        ],
    );
    assert_eq!(again.ok().trim(), "Rien à modifier.");
    let title = fr(
        &home,
        &[
            "charter",
            "edit",
            doc,
            "@preamble",
            "--text",
            "Nous, membres.",
        ],
    );
    assert!(
        title
            .ok()
            .starts_with("Préambule enregistré (modification "),
        "{}",
        title.stdout
    );
    let added = fr(
        &home,
        &[
            "charter",
            "add-section",
            doc,
            "Finances",
            "--text",
            "Cotisation libre.",
        ],
    );
    assert!(
        added.ok().contains("« Finances » ajoutée (modification "),
        "{}",
        added.stdout
    );
    fr(&home, &["charter", "tag", doc, "finances"])
        .fails_with("erreur : indiquez --add ÉTIQUETTE ou --remove ÉTIQUETTE");
    let tagged = fr(
        &home,
        &["charter", "tag", doc, "finances", "--add", "money"],
    );
    assert!(
        tagged.ok().starts_with("Étiquettes de la section ")
            && tagged.stdout.contains(" : money (modification "),
        "{}",
        tagged.stdout
    );
    let moved = fr(
        &home,
        &["charter", "move-section", doc, "finances", "--start"],
    );
    assert!(
        moved.ok().starts_with("Section ") && moved.stdout.contains(" déplacée (modification "),
        "{}",
        moved.stdout
    );
    let removed = fr(&home, &["charter", "remove-section", doc, "finances"]);
    assert!(
        removed
            .ok()
            .contains("supprimée (elle reste dans l'historique)"),
        "{}",
        removed.stdout
    );

    // The same JSON whatever the language.
    for args in [
        vec!["charter", "list"],
        vec!["charter", "sections", doc],
        vec!["charter", "show", doc],
        vec!["history", doc],
        vec!["conflicts"],
        vec!["charter", "tag", doc, "adhesion"],
    ] {
        same_json(&home, &args);
    }
}

#[test]
fn history_diff_export_and_bundles_speak_french() {
    let home = Home::new();
    let doc = home.charter(COOP);
    let first = home.run(&["--json", "history", &doc]).json()["changes"][0]["hash"]
        .as_str()
        .expect("hash")
        .to_owned();
    fr(
        &home,
        &[
            "charter",
            "edit",
            &doc,
            "@title",
            "--text",
            "Charte commune",
        ],
    )
    .ok();
    fr(
        &home,
        &[
            "charter",
            "edit",
            &doc,
            "adhesion",
            "--text",
            "Toute personne majeure peut adhérer.",
        ],
    )
    .ok();
    fr(
        &home,
        &[
            "charter",
            "tag",
            &doc,
            "depart",
            "--add",
            "sortie",
            "--remove",
            "membership.exit",
        ],
    )
    .ok();

    let history = fr(&home, &["history", &doc]).ok().to_owned();
    assert!(history.contains("appareil "), "{history}");
    assert!(history.contains("ordre des sections"), "{history}");
    assert!(history.contains("[titre]"), "{history}");
    assert!(history.contains("§ Adhésion"), "{history}");
    assert!(!history.contains("device ") && !history.contains("section order"));

    let diff = fr(&home, &["diff", &doc, &first[..8]]).ok().to_owned();
    assert!(
        diff.contains("Titre : « Charte de la coopérative » → « Charte commune »"),
        "{diff}"
    );
    assert!(
        diff.contains("~ § Adhésion (adhesion) : texte modifié"),
        "{diff}"
    );
    assert!(
        diff.contains(
            "~ § Départ (depart) : étiquetée sortie ; n'est plus étiquetée membership.exit"
        ),
        "{diff}"
    );
    assert!(!diff.contains("text changed") && !diff.contains("Title:"));
    assert_eq!(
        fr(&home, &["diff", &doc, &first[..8], &first[..8]])
            .ok()
            .trim(),
        "Aucune différence."
    );
    same_json(&home, &["diff", &doc, &first[..8]]);

    let md = home.file("charte.md");
    let out = fr(
        &home,
        &["export", &doc, "--format", "md", "-o", path_str(&md)],
    )
    .ok()
    .to_owned();
    assert!(out.contains(" écrit ("), "{out}");
    assert!(out.trim_end().ends_with(" octets)"), "{out}");

    let bundle = home.file("charte.nous");
    let out = fr(&home, &["bundle", "export", &doc, "-o", path_str(&bundle)])
        .ok()
        .to_owned();
    assert!(
        out.starts_with(&format!(
            "Paquet écrit dans {} : 1 document (",
            path_str(&bundle)
        )),
        "{out}"
    );
    let other = Home::new();
    let out = fr(&other, &["bundle", "import", path_str(&bundle)])
        .ok()
        .to_owned();
    assert!(out.contains("  « Charte commune »  ajouté"), "{out}");
    let out = fr(&other, &["bundle", "import", path_str(&bundle)])
        .ok()
        .to_owned();
    assert!(out.contains("  « Charte commune »  inchangé"), "{out}");
    fr(
        &home,
        &["charter", "edit", &doc, "depart", "--text", "On part."],
    )
    .ok();
    fr(&home, &["bundle", "export", &doc, "-o", path_str(&bundle)]).ok();
    let out = fr(&other, &["bundle", "import", path_str(&bundle)])
        .ok()
        .to_owned();
    assert!(
        out.contains("  « Charte commune »  1 nouvelle modification fusionnée"),
        "{out}"
    );
    let junk = home.file("junk.nous");
    std::fs::write(&junk, b"not a bundle").expect("write");
    fr(&other, &["bundle", "import", path_str(&junk)]).fails_with(&format!(
        "erreur : impossible d'importer {}",
        path_str(&junk)
    ));
    // A bundle export and import with --json: the same in both languages
    // (the import of an unchanged bundle changes nothing).
    same_json(&other, &["bundle", "import", path_str(&bundle)]);
}

#[test]
fn conflicts_are_told_in_french() {
    let alice = Home::new();
    let bob = Home::new();
    let doc = alice.charter(COOP);
    let bundle = alice.file("to-bob.nous");
    let send = |from: &Home, to: &Home| -> Run {
        from.run(&["bundle", "export", &doc, "-o", path_str(&bundle)])
            .ok();
        fr(to, &["bundle", "import", path_str(&bundle)])
    };
    send(&alice, &bob).ok();
    alice
        .run(&[
            "charter",
            "edit",
            &doc,
            "depart",
            "--text",
            "La cotisation est de 20 € par an.",
        ])
        .ok();
    send(&alice, &bob).ok();
    alice
        .run(&[
            "charter",
            "edit",
            &doc,
            "depart",
            "--text",
            "La cotisation est de 25 € par an.",
        ])
        .ok();
    bob.run(&[
        "charter",
        "edit",
        &doc,
        "depart",
        "--text",
        "La cotisation est de 15 € par an.",
    ])
    .ok();
    assert_eq!(
        fr(&bob, &["conflicts"]).ok().trim(),
        "Aucun conflit ouvert."
    );

    let imported = send(&alice, &bob);
    let said = imported.ok();
    assert!(said.contains("  conflit "), "{said}");
    assert!(said.contains(" dans le § Départ : "), "{said}");
    assert!(said.contains(" a écrit « 25 »"), "{said}");
    assert!(
        said.contains(&format!("; voir `nous conflicts {}`", &doc[..8])),
        "{said}"
    );

    let listed = fr(&bob, &["conflicts"]).ok().to_owned();
    assert!(listed.contains("« Charte de la coopérative »"), "{listed}");
    assert!(listed.contains("dans le § Départ (ouvert)"), "{listed}");
    assert!(listed.contains("  avant :  « 20 »"), "{listed}");
    assert!(listed.contains("  fusionné :  « "), "{listed}");
    assert!(
        listed.contains("  résoudre : nous conflicts resolve "),
        "{listed}"
    );
    assert!(!listed.contains("merged:") && !listed.contains("before:"));

    let shown = fr(&bob, &["charter", "show", &doc, "--latest"]);
    shown.ok();
    assert!(shown.stderr.contains("! conflit "), "{}", shown.stderr);
    assert!(
        shown.stderr.contains(") ; fusionné en « "),
        "{}",
        shown.stderr
    );

    same_json(&bob, &["conflicts"]);
    let id = bob.run(&["--json", "conflicts"]).json()["conflicts"][0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let resolved = fr(&bob, &["conflicts", "resolve", &id, "--text", "30"]);
    assert_eq!(
        resolved.ok().trim(),
        format!("Conflit {id} résolu : le texte est désormais « 30 »")
    );
    assert_eq!(
        fr(&bob, &["conflicts"]).ok().trim(),
        "Aucun conflit ouvert."
    );
    let all = fr(&bob, &["conflicts", "--all"]).ok().to_owned();
    assert!(all.contains("(résolu)"), "{all}");
}

#[test]
fn the_demo_tells_its_story_in_french() {
    let home = Home::empty();
    let out = fr(&home, &["demo"]).ok().to_owned();
    for phrase in [
        "Dossiers Nous dans ",
        "Alice importe la charte d'exemple : ",
        "Hors ligne, au même moment :",
        "Ils échangent des paquets :",
        "Convergence : oui",
        "les deux modifications d'« Adhésion » sont gardées : oui",
        "Historique (copie d'Alice) :",
        "Différences depuis l'import d'Alice",
        "La section fusionnée « Adhésion » :",
        "Gouvernance",
        "Alice, facilitatrice, la juge valable",
        "Vérification hors ligne : acceptée",
        "Un relais démarre sur ws://",
        "Dana, qui n'est pas membre, demande la charte : indisponible, comme si elle n'existait pas",
        "Le relais s'arrête",
        // The diff and history inside are French too.
        "texte modifié",
        "appareil ",
    ] {
        assert!(out.contains(phrase), "`{phrase}` not in\n{out}");
    }
    for english in [
        "Homes in",
        "Converged",
        "Offline and",
        "They exchange",
        "History (",
        "Governance",
        "Verified offline",
        "A relay starts",
        "not a member",
        "text changed",
        "bytes",
    ] {
        assert!(!out.contains(english), "`{english}` in\n{out}");
    }
    // Its JSON has the same shape and verdicts in both languages (homes and
    // ids are new each run).
    let en = home.run(&["--json", "demo"]).json();
    let french = fr(&home, &["--json", "demo"]).json();
    let keys = |v: &serde_json::Value| -> Vec<String> {
        v.as_object().expect("object").keys().cloned().collect()
    };
    assert_eq!(keys(&en), keys(&french));
    for key in [
        "converged",
        "both_edits_kept",
        "verified",
        "version",
        "relay",
    ] {
        assert_eq!(en[key], french[key], "{key}");
    }
    // A demo error, in French.
    let kept = home.file("kept");
    std::fs::create_dir_all(kept.join("alice")).expect("mkdir");
    fr(&home, &["demo", "--keep", path_str(&kept)])
        .fails_with("contient déjà des dossiers de démonstration ; choisissez un dossier vide");
}

#[test]
fn sync_speaks_french() {
    let relay = RelayProcess::start();
    let alice = Member::new("Alice");
    let bob = Member::new("Bob");
    let doc = found(&alice, &[&bob]);
    let sync = |member: &Member, docs: &[&str]| -> String {
        let mut args = vec!["sync", relay.url.as_str()];
        args.extend_from_slice(docs);
        fr(&member.home, &args).ok().to_owned()
    };
    let first = sync(&alice, &[]);
    assert!(
        first.starts_with(&format!("synchronisé avec {}", relay.url)),
        "{first}"
    );
    alice.edit(&doc, "Adhésion", "On adhère en écrivant au secrétariat.");
    sync(&alice, &[]);
    let got = sync(&bob, &[]);
    assert!(
        got.contains(&format!("  {doc}  1 modification fusionnée  Coop")),
        "{got}"
    );
    let again = sync(&bob, &[]);
    assert!(again.contains("  2 documents déjà à jour"), "{again}");
    assert!(!again.contains("up to date"), "{again}");
    assert!(!again.contains("vous attend"), "nothing new: {again}");
    // What a sync brings that awaits the member is said in one line.
    alice
        .run(&["member", "exclude", "Bob", "--reasons", "Absences répétées"])
        .ok();
    sync(&alice, &[]);
    let got = sync(&bob, &[]);
    assert!(
        got.trim_end()
            .ends_with("Une nouvelle chose vous attend : nous todo"),
        "{got}"
    );
    let again = sync(&bob, &[]);
    assert!(!again.contains("vous attend"), "nothing new: {again}");
    // An outsider asks for the charter: unavailable, in French.
    let dana = Member::new("Dana");
    let asked = sync(&dana, &[&doc]);
    assert!(
        asked.contains(&format!(
            "  {doc}  indisponible (absent du relais, ou non partagé avec vous)"
        )),
        "{asked}"
    );
    let token = fr(
        &alice.home,
        &["token", relay.url.as_str(), "--lifetime", "0"],
    );
    token.fails_with("erreur : --lifetime doit valoir au moins une seconde");
    let token = fr(&alice.home, &["token", relay.url.as_str()]);
    let said = token.ok();
    assert!(said.contains("identifiant de pair : "), "{said}");
    assert!(said.contains(" s ; utilisable une seule fois"), "{said}");
}

/// Every message these files name exists in both languages' catalogues
/// (the unit test in `lang.rs` sees only `tr!("…"` on one line).
#[test]
fn every_message_these_commands_name_exists_in_both_languages() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let read = |path: &str| std::fs::read_to_string(root.join(path)).expect(path);
    let ids_of = |ftl: &str| -> Vec<String> {
        ftl.lines()
            .filter_map(|l| l.split_once(" ="))
            .map(|(id, _)| id.to_owned())
            .filter(|id| !id.starts_with(['#', ' ', '.', '*', '[']) && !id.is_empty())
            .collect()
    };
    let mut named = Vec::new();
    for file in ["commands.rs", "conflicts.rs", "relay.rs", "demo.rs"] {
        let source = read(&format!("cli/src/{file}"));
        for prefix in ["\"commands-", "\"demo-"] {
            for (at, _) in source.match_indices(prefix) {
                let rest = &source[at + 1..];
                named.push(rest[..rest.find('"').expect("closing quote")].to_owned());
            }
        }
    }
    assert!(named.len() > 100, "{}", named.len());
    for lang in ["en", "fr"] {
        let mut ids = ids_of(&read(&format!("core/locales/{lang}/commands.ftl")));
        ids.extend(ids_of(&read(&format!("core/locales/{lang}/demo.ftl"))));
        let missing: Vec<_> = named.iter().filter(|id| !ids.contains(id)).collect();
        assert!(missing.is_empty(), "not in {lang}: {missing:?}");
    }
}
