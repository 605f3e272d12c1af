//! French and English: chosen by `--lang`, `NOUS_LANG`, then the locale;
//! the help and usage errors in the chosen language; JSON the same in both.

use crate::support::Home;

/// `nous ARGS` in `home` with these language variables (and no others).
fn run_with(home: &Home, vars: &[(&str, &str)], args: &[&str]) -> crate::support::Run {
    let mut command = home.command(args);
    for name in ["NOUS_LANG", "LC_ALL", "LC_MESSAGES", "LANG"] {
        command.env_remove(name);
    }
    for (name, value) in vars {
        command.env(name, value);
    }
    crate::support::Run::from(command.output().expect("run nous"))
}

const FRENCH: &str = "Créer, lire et modifier des chartes";
const ENGLISH: &str = "Create, read and edit charters";

#[test]
fn the_language_comes_from_the_flag_then_nous_lang_then_the_locale() {
    let home = Home::new();
    let help = |vars: &[(&str, &str)], args: &[&str]| {
        let mut all = args.to_vec();
        all.push("--help");
        run_with(&home, vars, &all).ok().to_owned()
    };
    // The flag wins over everything.
    let out = help(
        &[("NOUS_LANG", "en"), ("LANG", "en_US.UTF-8")],
        &["--lang", "fr"],
    );
    assert!(
        out.contains(FRENCH) && out.contains("Utilisation :"),
        "{out}"
    );
    let out = help(&[("NOUS_LANG", "fr")], &["--lang=en"]);
    assert!(out.contains(ENGLISH) && !out.contains(FRENCH), "{out}");
    // Then NOUS_LANG, over the locale.
    let out = help(&[("NOUS_LANG", "fr"), ("LC_ALL", "en_US.UTF-8")], &[]);
    assert!(out.contains(FRENCH), "{out}");
    // Then the locale: LC_ALL, LC_MESSAGES, LANG.
    let out = help(&[("LANG", "fr_FR.UTF-8")], &[]);
    assert!(out.contains(FRENCH), "{out}");
    let out = help(
        &[("LC_MESSAGES", "fr_CA.UTF-8"), ("LANG", "en_US.UTF-8")],
        &[],
    );
    assert!(out.contains(FRENCH), "{out}");
    let out = help(&[("LC_ALL", "C"), ("LANG", "fr_FR.UTF-8")], &[]);
    assert!(out.contains(ENGLISH), "{out}");
    // English by default, and for a locale Nous does not speak.
    assert!(help(&[], &[]).contains(ENGLISH));
    assert!(help(&[("LANG", "de_DE.UTF-8")], &[]).contains(ENGLISH));
    // A subcommand's help, global arguments included.
    let out = help(&[("LANG", "fr_FR.UTF-8")], &["charter", "edit"]);
    assert!(out.contains("Remplacer le texte d'une section"), "{out}");
    assert!(
        out.contains("Sortie JSON lisible par les machines"),
        "{out}"
    );
    assert!(
        !out.contains("Usage:") && !out.contains("Print help"),
        "{out}"
    );
}

#[test]
fn a_language_nous_does_not_speak_is_refused_in_one_line() {
    let home = Home::new();
    for (vars, args) in [
        (vec![], vec!["--lang", "de", "id"]),
        (vec![("NOUS_LANG", "klingon")], vec!["id"]),
    ] {
        let run = run_with(&home, &vars, &args);
        assert_eq!(run.code, 2, "{}", run.stderr);
        let line = run.fails_with("unknown language");
        assert!(line.contains("langue inconnue"), "{line}");
    }
}

#[test]
fn usage_errors_say_what_clap_suggests_in_the_chosen_language() {
    let home = Home::new();
    let run = run_with(&home, &[("LANG", "fr_FR.UTF-8")], &["chartr", "list"]);
    assert_eq!(run.code, 2);
    let line = run.fails_with("erreur : commande inconnue « chartr »");
    assert!(line.contains("vouliez-vous dire `charter` ?"), "{line}");
    let run = run_with(&home, &[], &["decide", "x", "adoptd"]);
    assert_eq!(run.code, 2);
    let line = run.fails_with("invalid value `adoptd`");
    assert!(line.contains("did you mean `adopted`?"), "{line}");
    assert!(
        line.contains("possible values: adopted, rejected"),
        "{line}"
    );
    let run = run_with(&home, &[("NOUS_LANG", "fr")], &["decide"]);
    let line = run.fails_with("arguments manquants");
    assert!(
        line.contains("<SUBJECT>") && line.contains("<OUTCOME>"),
        "{line}"
    );
}

#[test]
fn json_is_the_same_in_both_languages_and_errors_follow_the_language() {
    let home = Home::new();
    home.run(&["charter", "new", "Charte commune"]).ok();
    for args in [
        vec!["--json", "charter", "list"],
        vec!["--json", "id"],
        vec!["--json", "charter", "show", "Charte commune"],
    ] {
        let en = run_with(&home, &[("NOUS_LANG", "en")], &args);
        let fr = run_with(&home, &[("NOUS_LANG", "fr")], &args);
        assert_eq!(en.ok(), fr.ok(), "{args:?}");
    }
    // A failure: its JSON is the same; its line follows the language.
    let args = ["--json", "charter", "show", "no such charter"];
    let en = run_with(&home, &[("NOUS_LANG", "en")], &args);
    let fr = run_with(&home, &[("NOUS_LANG", "fr")], &args);
    assert_ne!(en.code, 0);
    assert_eq!(en.stderr, fr.stderr);
    let fr = run_with(
        &home,
        &[("NOUS_LANG", "fr")],
        &["charter", "show", "no such charter"],
    );
    fr.fails_with("erreur : ");
    let en = run_with(
        &home,
        &[("NOUS_LANG", "en")],
        &["charter", "show", "no such charter"],
    );
    en.fails_with("error: ");
}

/// The objection criteria are defined where they are typed, in both
/// languages.
#[test]
fn the_objection_criteria_are_defined_in_the_help() {
    let home = Home::new();
    for (lang, needles) in [
        (
            "en",
            [
                "(e) the proposal breaks the",
                "valid when it passes (a) to (d)",
            ],
        ),
        (
            "fr",
            [
                "(e) la proposition enfreint la",
                "valide quand elle passe (a) à (d)",
            ],
        ),
    ] {
        for command in [vec!["react", "--help"], vec!["objection", "test", "--help"]] {
            let help = home.run_in(lang, &command).ok().replace('\n', " ");
            let help = help
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase();
            for needle in needles {
                assert!(
                    help.contains(needle),
                    "{lang} {command:?}: no `{needle}` in {help}"
                );
            }
        }
    }
}
