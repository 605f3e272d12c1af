//! The command line in the user's language: the language chosen before
//! clap parses (`--lang`, `NOUS_LANG`, the locale), the help translated
//! (`core/locales/fr/help.ftl`), and usage errors rendered in one line
//! that keeps what clap knows (the closest command, flag or value, the
//! valid values, the missing arguments).

use std::ffi::OsString;
use std::sync::atomic::{AtomicU8, Ordering};

use clap::error::{ContextKind, ContextValue, ErrorKind};
use nous_core::i18n::{Arg, HELP_PREFIX, Lang};

/// The language spoken: an index into [`Lang::ALL`].
static LANG: AtomicU8 = AtomicU8::new(0);

/// The language this process speaks (English until [`set`]).
pub fn current() -> Lang {
    Lang::ALL
        .get(usize::from(LANG.load(Ordering::Relaxed)))
        .copied()
        .unwrap_or_default()
}

/// Speak `lang` from now on. With `--json`, `main` sets English once
/// the command line is read: what a script reads (errors included) is the
/// same whatever the user's language.
pub fn set(lang: Lang) {
    let index = Lang::ALL.iter().position(|l| *l == lang).unwrap_or(0);
    LANG.store(u8::try_from(index).unwrap_or(0), Ordering::Relaxed);
}

/// The message `id` with `args` in the current language.
pub fn message(id: &str, args: &[(&str, Arg<'_>)]) -> String {
    current().tr(id, args)
}

/// `tr!("id")`, `tr!("id", name = value, …)`: message `id` of the
/// catalogues (`core/locales/`) in the current language, its variables
/// `$name` set to the values (text, or numbers: a number picks the plural
/// form). A test checks that every id the code names exists.
macro_rules! tr {
    ($id:literal $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::lang::message($id, &[$((stringify!($name), nous_core::i18n::Arg::from($value))),*])
    };
}
pub(crate) use tr;

/// The value of `--lang` in `args`, if given (`--lang fr`, `--lang=fr`),
/// read before clap parses so that its help and errors are translated.
pub fn asked(args: &[OsString]) -> Option<String> {
    let mut rest = args.iter().skip(1);
    while let Some(arg) = rest.next() {
        let arg = arg.to_string_lossy();
        if arg == "--" {
            break;
        }
        if arg == "--lang" {
            return rest.next().map(|v| v.to_string_lossy().into_owned());
        }
        if let Some(value) = arg.strip_prefix("--lang=") {
            return Some(value.to_owned());
        }
    }
    None
}

/// Whether `args` ask for `--json` (before any `--`).
pub fn wants_json(args: &[OsString]) -> bool {
    args.iter()
        .skip(1)
        .take_while(|a| *a != "--")
        .any(|a| a == "--json")
}

/// The id of the help message of the command at `path` (`["charter",
/// "edit"]`: `cmd-charter-edit`; the root: `cmd-nous`).
pub fn help_id(path: &[&str]) -> String {
    if path.is_empty() {
        format!("{HELP_PREFIX}nous")
    } else {
        format!("{HELP_PREFIX}{}", path.join("-"))
    }
}

/// `command` speaking `lang`, built: for French, every command's and
/// argument's help from the catalogue, and what clap writes itself (the
/// headings, `--help`, `--version`, possible and default values).
pub fn localize(command: clap::Command, lang: Lang) -> clap::Command {
    let mut command = if lang == Lang::En {
        command
    } else {
        // Before clap builds: it then copies the global arguments, now
        // translated, into every subcommand.
        translate(command, lang, &mut Vec::new())
    };
    command.build();
    if lang == Lang::En {
        return command;
    }
    finish(command, lang)
}

/// Each command's description and its own arguments' help.
fn translate(mut command: clap::Command, lang: Lang, path: &mut Vec<String>) -> clap::Command {
    let catalog = lang.catalog();
    let id = help_id(&path.iter().map(String::as_str).collect::<Vec<_>>());
    if let Some(text) = catalog.value(&id, &[]) {
        let about = text.split("\n\n").next().unwrap_or_default().to_owned();
        command = command.about(about).long_about(text);
    }
    let ids: Vec<clap::Id> = command
        .get_arguments()
        .map(|a| a.get_id().clone())
        .collect();
    for arg in ids {
        if let Some(text) = catalog.attribute(&id, arg.as_str(), &[]) {
            let short = text.split("\n\n").next().unwrap_or_default().to_owned();
            command = command.mut_arg(&arg, |a| a.help(short).long_help(text));
        }
    }
    let names: Vec<String> = command
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .collect();
    for name in names {
        command = command.mut_subcommand(&name, |sub| {
            path.push(name.clone());
            let sub = translate(sub, lang, path);
            path.pop();
            sub
        });
    }
    command
}

/// What clap adds when it builds, and what it writes itself, in `lang`.
fn finish(mut command: clap::Command, lang: Lang) -> clap::Command {
    let catalog = lang.catalog();
    let t = |id: &str| catalog.get(id, &[]);
    let ids: Vec<clap::Id> = command
        .get_arguments()
        .map(|a| a.get_id().clone())
        .collect();
    for arg in ids {
        command = command.mut_arg(&arg, |mut a| {
            match a.get_id().as_str() {
                "help" => {
                    return a
                        .help(t("help-flag-help"))
                        .long_help(t("help-flag-help-long"));
                }
                "version" => return a.help(t("help-flag-version")),
                _ => {}
            }
            // clap writes "[possible values: …]" and "[default: …]" in
            // English: hidden, and written here.
            let mut notes = Vec::new();
            let values: Vec<String> = a
                .get_possible_values()
                .iter()
                .filter(|v| !v.is_hide_set())
                .map(|v| v.get_name().to_owned())
                .collect();
            if !values.is_empty() && !a.is_hide_possible_values_set() {
                notes.push(catalog.get(
                    "help-possible-values",
                    &[("values", values.join(", ").into())],
                ));
                a = a.hide_possible_values(true);
            }
            let defaults: Vec<String> = a
                .get_default_values()
                .iter()
                .map(|v| v.to_string_lossy().into_owned())
                .filter(|v| !v.is_empty())
                .collect();
            if a.get_action().takes_values() && !a.is_hide_default_value_set() {
                if !defaults.is_empty() {
                    notes.push(
                        catalog.get("help-default", &[("value", defaults.join(", ").into())]),
                    );
                }
                a = a.hide_default_value(true);
            }
            if notes.is_empty() {
                return a;
            }
            let notes = notes.join(" ");
            let short = a.get_help().map(ToString::to_string).unwrap_or_default();
            let long = a
                .get_long_help()
                .map(ToString::to_string)
                .unwrap_or_else(|| short.clone());
            a.help(format!("{short} {notes}"))
                .long_help(format!("{long} {notes}"))
        });
    }
    // The headings: clap's "Usage:", "Arguments:", "Options:" and
    // "Commands:", with only the sections this command has.
    let shown = |positional: bool| {
        command
            .get_arguments()
            .any(|a| !a.is_hide_set() && a.is_positional() == positional)
    };
    let (positionals, options) = (shown(true), shown(false));
    let subcommands = command.get_subcommands().any(|c| !c.is_hide_set());
    let mut template = format!(
        "{{before-help}}{{about-with-newline}}\n{} {{usage}}",
        t("help-usage")
    );
    for (has, heading, tag) in [
        (positionals, "help-arguments", "{positionals}"),
        (options, "help-options", "{options}"),
        (subcommands, "help-commands", "{subcommands}"),
    ] {
        if has {
            template.push_str(&format!("\n\n{}\n{tag}", t(heading)));
        }
    }
    template.push_str("{after-help}");
    command = command.help_template(template);
    let names: Vec<String> = command
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .collect();
    for name in names {
        command = command.mut_subcommand(&name, |sub| {
            let sub = if name == "help" {
                sub.about(t("help-command-help"))
            } else {
                sub
            };
            finish(sub, lang)
        });
    }
    command
}

/// A usage error in one line, in `lang`: what is wrong and what clap
/// suggests (the closest command, flag or value; the valid values; the
/// missing arguments), then where to read more.
pub fn usage_line(error: &clap::Error, lang: Lang) -> String {
    let t = |id: &str, args: &[(&str, Arg<'_>)]| lang.tr(id, args);
    let string = |kind: ContextKind| match error.get(kind) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        Some(ContextValue::StyledStr(s)) => Some(s.to_string()),
        _ => None,
    };
    let strings = |kind: ContextKind| -> Vec<String> {
        match error.get(kind) {
            Some(ContextValue::Strings(v)) => v.clone(),
            Some(ContextValue::String(s)) => vec![s.clone()],
            Some(ContextValue::StyledStrs(v)) => v.iter().map(ToString::to_string).collect(),
            Some(ContextValue::StyledStr(s)) => vec![s.to_string()],
            _ => Vec::new(),
        }
    };
    let quoted = |items: &[String]| -> String {
        items
            .iter()
            .map(|s| format!("`{s}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let arg = || string(ContextKind::InvalidArg).unwrap_or_default();
    let mut parts: Vec<String> = Vec::new();
    match error.kind() {
        ErrorKind::InvalidSubcommand => {
            parts.push(t(
                "usage-unknown-command",
                &[(
                    "command",
                    string(ContextKind::InvalidSubcommand)
                        .unwrap_or_default()
                        .into(),
                )],
            ));
        }
        ErrorKind::UnknownArgument => {
            parts.push(t("usage-unknown-argument", &[("argument", arg().into())]));
        }
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => {
            parts.push(t(
                "usage-invalid-value",
                &[
                    (
                        "value",
                        string(ContextKind::InvalidValue).unwrap_or_default().into(),
                    ),
                    ("argument", arg().into()),
                ],
            ));
        }
        ErrorKind::MissingRequiredArgument => {
            let missing = strings(ContextKind::InvalidArg);
            parts.push(t(
                "usage-missing",
                &[
                    ("count", missing.len().into()),
                    ("arguments", quoted(&missing).into()),
                ],
            ));
        }
        ErrorKind::MissingSubcommand => {
            parts.push(t(
                "usage-missing-command",
                &[(
                    "commands",
                    quoted(&strings(ContextKind::ValidSubcommand)).into(),
                )],
            ));
        }
        ErrorKind::ArgumentConflict => match string(ContextKind::PriorArg) {
            Some(other) => parts.push(t(
                "usage-conflict",
                &[("argument", arg().into()), ("other", other.into())],
            )),
            None => parts.push(t("usage-conflict-alone", &[("argument", arg().into())])),
        },
        ErrorKind::TooManyValues => {
            parts.push(t("usage-too-many", &[("argument", arg().into())]));
        }
        ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
            parts.push(t("usage-too-few", &[("argument", arg().into())]));
        }
        ErrorKind::NoEquals => {
            parts.push(t("usage-unexpected-value", &[("argument", arg().into())]));
        }
        ErrorKind::InvalidUtf8 => parts.push(t("usage-invalid-utf8", &[])),
        _ => {
            let rendered = error.render().to_string();
            let first = rendered
                .lines()
                .next()
                .unwrap_or_default()
                .trim_start_matches("error: ")
                .trim_end()
                .to_owned();
            parts.push(t("usage-other", &[("detail", first.into())]));
        }
    }
    // Suggestions: a command, an argument or a value close to the typo.
    let mut suggested: Vec<String> = Vec::new();
    for kind in [
        ContextKind::SuggestedSubcommand,
        ContextKind::SuggestedCommand,
        ContextKind::SuggestedArg,
        ContextKind::SuggestedValue,
    ] {
        suggested.extend(strings(kind));
    }
    if !suggested.is_empty() {
        parts.push(t(
            "usage-did-you-mean",
            &[("suggestions", quoted(&suggested).into())],
        ));
    }
    let valid = strings(ContextKind::ValidValue);
    if !valid.is_empty() {
        parts.push(t(
            "usage-possible-values",
            &[("values", valid.join(", ").into())],
        ));
    }
    let message = format!(
        "{} ({})",
        parts.join(&t("usage-separator", &[])),
        t("usage-see-help", &[])
    );
    t("error-line", &[("message", message.into())])
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    use super::*;

    /// The arguments whose help clap writes itself.
    fn is_builtin(arg: &clap::Arg) -> bool {
        matches!(arg.get_id().as_str(), "help" | "version")
    }

    /// Every command and argument, as (help id, argument or `None`).
    fn every_help(
        command: &clap::Command,
        path: &mut Vec<String>,
        out: &mut Vec<(String, Option<String>)>,
    ) {
        let id = help_id(&path.iter().map(String::as_str).collect::<Vec<_>>());
        out.push((id.clone(), None));
        for arg in command.get_arguments() {
            // Global arguments are the root's; clap copies them into every
            // subcommand when it builds.
            if is_builtin(arg) || (arg.is_global_set() && !path.is_empty()) {
                continue;
            }
            out.push((id.clone(), Some(arg.get_id().as_str().to_owned())));
        }
        for sub in command.get_subcommands() {
            if sub.get_name() == "help" {
                continue;
            }
            path.push(sub.get_name().to_owned());
            every_help(sub, path, out);
            path.pop();
        }
    }

    /// Each command and argument has its help in English (in the code)
    /// and in French (`fr/help.ftl`), and the French has nothing else.
    #[test]
    fn every_command_and_argument_has_its_help_in_both_languages() {
        let mut command = crate::args::Cli::command();
        command.build();
        let mut helps = Vec::new();
        every_help(&command, &mut Vec::new(), &mut helps);
        assert!(helps.len() > 100, "{}", helps.len());
        let fr = Lang::Fr.catalog();
        let mut missing = Vec::new();
        for (id, arg) in &helps {
            if !fr.has(id, arg.as_deref()) {
                missing.push(format!(
                    "{id}{}",
                    arg.as_ref().map(|a| format!(".{a}")).unwrap_or_default()
                ));
            }
        }
        assert!(missing.is_empty(), "no French help for: {missing:#?}");
        // English: every command and argument has its help.
        let mut bare = Vec::new();
        check_english(&command, &mut bare);
        assert!(bare.is_empty(), "no English help for: {bare:?}");
        // Nothing in French that is not a command or argument.
        let mut extra = Vec::new();
        for shape in fr.shapes() {
            if !shape.id.starts_with(HELP_PREFIX) {
                continue;
            }
            if !helps
                .iter()
                .any(|(id, arg)| *id == shape.id && arg.is_none())
            {
                extra.push(shape.id.clone());
            }
            for attribute in &shape.attributes {
                if !helps
                    .iter()
                    .any(|(id, arg)| *id == shape.id && arg.as_deref() == Some(attribute))
                {
                    extra.push(format!("{}.{attribute}", shape.id));
                }
            }
        }
        assert!(extra.is_empty(), "French help for nothing: {extra:?}");
    }

    fn check_english(command: &clap::Command, bare: &mut Vec<String>) {
        if command.get_name() != "help" && command.get_about().is_none() {
            bare.push(command.get_name().to_owned());
        }
        for arg in command.get_arguments() {
            if arg.get_help().is_none() && !is_builtin(arg) {
                bare.push(format!("{} {}", command.get_name(), arg.get_id()));
            }
        }
        for sub in command.get_subcommands() {
            check_english(sub, bare);
        }
    }

    /// Every message the code names (`tr!("…"`, `message("…"`) exists in the
    /// catalogues (and so, by the catalogue test, in both languages).
    #[test]
    fn every_message_the_code_names_exists() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = vec![src.clone()];
        let mut named = Vec::new();
        while let Some(path) = files.pop() {
            if path.is_dir() {
                for entry in std::fs::read_dir(&path).expect("read src") {
                    files.push(entry.expect("entry").path());
                }
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("read a source file");
            // Comments aside; a call may span lines (`tr!(\n    "id", …)`).
            let code: String = text
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            for opening in ["tr!(", "message("] {
                for (at, _) in code.match_indices(opening) {
                    // `tr!(`, not `include_str!(`.
                    if code[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_') {
                        continue;
                    }
                    let rest = code[at + opening.len()..].trim_start();
                    let Some(rest) = rest.strip_prefix('"') else {
                        continue;
                    };
                    let id = &rest[..rest.find('"').unwrap_or(rest.len())];
                    // A message id (this test's own text is not one).
                    let is_id = id.starts_with(|c: char| c.is_ascii_alphabetic())
                        && id
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
                    if is_id {
                        named.push((path.display().to_string(), id.to_owned()));
                    }
                }
            }
        }
        assert!(named.len() > 100, "{}", named.len());
        let missing: Vec<_> = named
            .iter()
            .filter(|(_, id)| !id.starts_with(HELP_PREFIX) && !Lang::En.catalog().has(id, None))
            .collect();
        assert!(
            missing.is_empty(),
            "messages named but not in the catalogues: {missing:?}"
        );
    }

    #[test]
    fn lang_is_read_before_parsing() {
        let args = |v: &[&str]| v.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(
            asked(&args(&["nous", "--lang", "fr", "id"])).as_deref(),
            Some("fr")
        );
        assert_eq!(
            asked(&args(&["nous", "id", "--lang=en"])).as_deref(),
            Some("en")
        );
        assert_eq!(asked(&args(&["nous", "id", "--", "--lang", "fr"])), None);
        assert_eq!(asked(&args(&["nous", "id"])), None);
    }

    fn usage(lang: Lang, argv: &[&str]) -> String {
        let command = localize(crate::args::Cli::command(), lang);
        let error = command
            .try_get_matches_from(argv)
            .expect_err("a usage error");
        usage_line(&error, lang)
    }

    #[test]
    fn usage_errors_keep_what_clap_suggests_in_one_line() {
        let typo = usage(Lang::En, &["nous", "chartr", "list"]);
        assert!(
            typo.contains("`chartr`") && typo.contains("`charter`"),
            "{typo}"
        );
        let typo = usage(Lang::Fr, &["nous", "chartr", "list"]);
        assert!(
            typo.starts_with("erreur : commande inconnue « chartr » ; "),
            "{typo}"
        );
        assert!(typo.contains("vouliez-vous dire `charter` ?"), "{typo}");
        let flag = usage(
            Lang::En,
            &["nous", "decide", "x", "adopted", "--comunity", "c"],
        );
        assert!(
            flag.contains("`--comunity`") && flag.contains("`--community`"),
            "{flag}"
        );
        let value = usage(Lang::Fr, &["nous", "decide", "x", "adoptd"]);
        assert!(value.contains("« adoptd »"), "{value}");
        assert!(value.contains("`adopted`"), "{value}");
        assert!(
            value.contains("valeurs possibles : adopted, rejected"),
            "{value}"
        );
        let missing = usage(Lang::En, &["nous", "decide"]);
        assert!(
            missing.starts_with("error: missing arguments:"),
            "{missing}"
        );
        assert!(
            missing.contains("<SUBJECT>") && missing.contains("<OUTCOME>"),
            "{missing}"
        );
        for line in [typo, flag, value, missing] {
            assert_eq!(line.lines().count(), 1, "{line}");
        }
    }

    #[test]
    fn the_help_speaks_french() {
        let mut command = localize(crate::args::Cli::command(), Lang::Fr);
        let help = command.render_help().to_string();
        assert!(help.contains("Utilisation :"), "{help}");
        assert!(help.contains("Commandes :"), "{help}");
        assert!(!help.contains("Print help"), "{help}");
        let charter = command
            .find_subcommand_mut("charter")
            .expect("charter")
            .render_long_help()
            .to_string();
        assert!(charter.contains("Utilisation :"), "{charter}");
        assert!(!charter.contains("Usage:"), "{charter}");
        // What clap writes itself, and the global arguments it copies into
        // every subcommand.
        let react = command
            .find_subcommand_mut("react")
            .expect("react")
            .render_long_help()
            .to_string();
        for english in [
            "Usage",
            "possible values",
            "default:",
            "Print",
            "machine-readable",
            "Options:",
        ] {
            assert!(!react.contains(english), "`{english}` in {react}");
        }
        for french in [
            "Arguments :",
            "Options :",
            "[valeurs possibles : question, consent,",
            "Sortie JSON lisible",
        ] {
            assert!(react.contains(french), "no `{french}` in {react}");
        }
        // Arguments before options, as in English.
        assert!(
            react.find("Arguments :") < react.find("Options :"),
            "{react}"
        );
    }
}
