//! What Nous says to people, in French and English.
//!
//! Messages live in Fluent catalogues, one folder per language under
//! `core/locales/` (embedded at build time), with the same message ids and
//! the same variables in each: a test fails when a message exists in one
//! language and not the other. Plurals, and numbers in a message, are the
//! library's (Fluent with the CLDR plural rules): "1 membre", "0 membre",
//! "2 membres"; "1 member", "0 members".
//!
//! The language is chosen by [`Lang::choose`]: an explicit choice (a
//! `--lang` flag), then `NOUS_LANG`, then the usual locale variables
//! (`LC_ALL`, `LC_MESSAGES`, `LANG`, the first one set), English by
//! default and for any language Nous does not speak. JSON output never
//! goes through here: it stays the same in both languages.

use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

/// A language Nous speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// English (the default).
    #[default]
    En,
    /// French.
    Fr,
}

/// The catalogues: each language's files, in order. The command line's
/// help is written in English in the code (clap's doc comments) and in
/// French in `fr/help.ftl` (messages `cmd-…`, one per command, an
/// attribute per argument; `nous-cli` checks them against its commands).
const EN: &[(&str, &str)] = &[
    ("messages.ftl", include_str!("../locales/en/messages.ftl")),
    ("commands.ftl", include_str!("../locales/en/commands.ftl")),
    (
        "governance.ftl",
        include_str!("../locales/en/governance.ftl"),
    ),
    ("demo.ftl", include_str!("../locales/en/demo.ftl")),
    (
        "demo_participation.ftl",
        include_str!("../locales/en/demo_participation.ftl"),
    ),
    ("report.ftl", include_str!("../locales/en/report.ftl")),
    ("invite.ftl", include_str!("../locales/en/invite.ftl")),
    (
        "participation.ftl",
        include_str!("../locales/en/participation.ftl"),
    ),
    (
        "participate.ftl",
        include_str!("../locales/en/participate.ftl"),
    ),
    ("opendata.ftl", include_str!("../locales/en/opendata.ftl")),
    ("reasons.ftl", include_str!("../locales/en/reasons.ftl")),
    ("errors.ftl", include_str!("../locales/en/errors.ftl")),
];
const FR: &[(&str, &str)] = &[
    ("messages.ftl", include_str!("../locales/fr/messages.ftl")),
    ("commands.ftl", include_str!("../locales/fr/commands.ftl")),
    (
        "governance.ftl",
        include_str!("../locales/fr/governance.ftl"),
    ),
    ("demo.ftl", include_str!("../locales/fr/demo.ftl")),
    (
        "demo_participation.ftl",
        include_str!("../locales/fr/demo_participation.ftl"),
    ),
    ("report.ftl", include_str!("../locales/fr/report.ftl")),
    ("invite.ftl", include_str!("../locales/fr/invite.ftl")),
    (
        "participation.ftl",
        include_str!("../locales/fr/participation.ftl"),
    ),
    (
        "participate.ftl",
        include_str!("../locales/fr/participate.ftl"),
    ),
    ("opendata.ftl", include_str!("../locales/fr/opendata.ftl")),
    ("reasons.ftl", include_str!("../locales/fr/reasons.ftl")),
    ("errors.ftl", include_str!("../locales/fr/errors.ftl")),
    ("help.ftl", include_str!("../locales/fr/help.ftl")),
];

/// The ids of the command line's help messages begin so.
pub const HELP_PREFIX: &str = "cmd-";

impl Lang {
    /// Every language, English first.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Fr];

    /// Its code: `en`, `fr`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }

    /// The language a tag or locale names (`fr`, `FR`, `fr-CA`,
    /// `fr_FR.UTF-8`, `en_GB@euro`), if Nous speaks it. `C` and `POSIX`
    /// are English.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let tag = tag.trim();
        let language = tag
            .split(['_', '-', '.', '@'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match language.as_str() {
            "fr" => Some(Lang::Fr),
            "en" | "c" | "posix" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language to speak: `explicit` (a `--lang` flag) if given, else
    /// what `var` reads of `NOUS_LANG`, then of the first locale variable
    /// set among `LC_ALL`, `LC_MESSAGES` and `LANG`, else English. A
    /// language Nous does not speak is English too, except an explicit one
    /// or `NOUS_LANG`: those are errors (a typo should not pass silently).
    pub fn choose(
        explicit: Option<&str>,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Lang, UnknownLang> {
        let asked = |tag: &str| Lang::from_tag(tag).ok_or_else(|| UnknownLang(tag.to_owned()));
        if let Some(tag) = explicit {
            return asked(tag);
        }
        if let Some(tag) = var("NOUS_LANG").filter(|v| !v.trim().is_empty()) {
            return asked(&tag);
        }
        // POSIX: the first of these that is set and not empty decides.
        let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
            .into_iter()
            .find_map(|name| var(name).filter(|v| !v.trim().is_empty()));
        Ok(locale.and_then(|l| Lang::from_tag(&l)).unwrap_or_default())
    }

    /// [`Lang::choose`] from the process's environment.
    pub fn from_env(explicit: Option<&str>) -> Result<Lang, UnknownLang> {
        Lang::choose(explicit, |name| std::env::var(name).ok())
    }

    /// This language's catalogue.
    pub fn catalog(self) -> &'static Catalog {
        static CATALOGS: [OnceLock<Catalog>; 2] = [OnceLock::new(), OnceLock::new()];
        let (slot, files) = match self {
            Lang::En => (&CATALOGS[0], EN),
            Lang::Fr => (&CATALOGS[1], FR),
        };
        slot.get_or_init(|| Catalog::build(self, files))
    }

    /// A moment (milliseconds since the Unix epoch) for people, to the
    /// second, UTC: `2026-12-16 10:05:00 UTC`; `16 déc. 2026 à 10 h 05 UTC`
    /// (seconds are not said in French; `à 10 h` on the hour).
    pub fn moment(self, ms: i64) -> String {
        match self {
            Lang::En => format!("{} UTC", crate::time::format_seconds(ms)),
            Lang::Fr => format!("{} UTC", self.minute(ms)),
        }
    }

    /// A moment to the minute, UTC, without saying so (the reports say it
    /// once): `2026-12-16 10:05`; `16 déc. 2026 à 10 h 05`.
    pub fn minute(self, ms: i64) -> String {
        let minutes = ms.div_euclid(60_000);
        let (hour, minute) = (minutes.rem_euclid(1_440) / 60, minutes.rem_euclid(60));
        match self {
            Lang::En => {
                let mut text = crate::time::format_seconds(ms);
                text.truncate(16);
                text
            }
            Lang::Fr if minute == 0 => format!("{} à {hour} h", self.day(ms)),
            Lang::Fr => format!("{} à {hour} h {minute:02}", self.day(ms)),
        }
    }

    /// A day, UTC: `2026-12-16`; `16 déc. 2026`.
    pub fn day(self, ms: i64) -> String {
        let (year, month, day) = crate::time::civil_from_days(ms.div_euclid(86_400_000));
        match self {
            Lang::En => format!("{year:04}-{month:02}-{day:02}"),
            Lang::Fr => {
                // The abbreviations of the Imprimerie nationale.
                const MONTHS: [&str; 12] = [
                    "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.",
                    "oct.", "nov.", "déc.",
                ];
                let name = MONTHS[usize::try_from(month).unwrap_or(1).clamp(1, 12) - 1];
                // The first of the month is « 1er ».
                let day = if day == 1 {
                    "1er".to_owned()
                } else {
                    day.to_string()
                };
                format!("{day} {name} {year}")
            }
        }
    }

    /// The message `id` with `args`, in this language (see
    /// [`Catalog::get`]).
    pub fn tr(self, id: &str, args: &[(&str, Arg<'_>)]) -> String {
        self.catalog().get(id, args)
    }
}

impl std::str::FromStr for Lang {
    type Err = UnknownLang;

    fn from_str(tag: &str) -> Result<Lang, UnknownLang> {
        Lang::from_tag(tag).ok_or_else(|| UnknownLang(tag.to_owned()))
    }
}

/// A language Nous does not speak, asked for by name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown language `{0}` (Nous speaks: en, fr) / langue inconnue « {0} » (Nous parle : en, fr)"
)]
pub struct UnknownLang(pub String);

/// A value given to a message.
#[derive(Debug, Clone)]
pub enum Arg<'a> {
    /// Text, inserted as it is.
    Str(std::borrow::Cow<'a, str>),
    /// A number: it picks the plural form.
    Num(f64),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(text: &'a str) -> Arg<'a> {
        Arg::Str(text.into())
    }
}

impl From<String> for Arg<'_> {
    fn from(text: String) -> Self {
        Arg::Str(text.into())
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(text: &'a String) -> Arg<'a> {
        Arg::Str(text.as_str().into())
    }
}

macro_rules! number_arg {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg<'_> {
            #[allow(clippy::cast_precision_loss, clippy::cast_lossless)]
            fn from(n: $t) -> Self {
                Arg::Num(n as f64)
            }
        }
    )*};
}
number_arg!(u8, u16, u32, u64, usize, i32, i64);

/// One language's messages.
pub struct Catalog {
    lang: Lang,
    bundle: FluentBundle<FluentResource>,
    /// Each message: its id, its attributes, and the variables its value
    /// and attributes use, sorted (for the tests that compare languages).
    shapes: Vec<Shape>,
}

/// What a message is made of, whatever its wording.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Shape {
    /// Its id.
    pub id: String,
    /// Whether it has a value (not only attributes).
    pub has_value: bool,
    /// Its attributes' names, sorted.
    pub attributes: Vec<String>,
    /// The variables it uses (`$name`), sorted, without repeats.
    pub variables: Vec<String>,
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog")
            .field("lang", &self.lang)
            .field("messages", &self.shapes.len())
            .finish_non_exhaustive()
    }
}

impl Catalog {
    fn build(lang: Lang, files: &[(&str, &str)]) -> Catalog {
        let tag: unic_langid::LanguageIdentifier = lang
            .code()
            .parse()
            .unwrap_or_else(|_| unic_langid::LanguageIdentifier::default());
        let mut bundle = FluentBundle::new_concurrent(vec![tag]);
        // Terminals show Unicode isolation marks as garbage.
        bundle.set_use_isolating(false);
        let mut shapes = Vec::new();
        for (name, source) in files {
            // The catalogues are ours and checked by the tests: an error
            // here is a bug caught before release, not user input.
            let resource = FluentResource::try_new((*source).to_owned())
                .unwrap_or_else(|(_, e)| panic!("{}/{name}: {e:?}", lang.code()));
            shapes.extend(shapes_of(&resource));
            if let Err(e) = bundle.add_resource(resource) {
                panic!("{}/{name}: {e:?}", lang.code());
            }
        }
        shapes.sort();
        Catalog {
            lang,
            bundle,
            shapes,
        }
    }

    /// Its language.
    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// Every message's shape, by id.
    pub fn shapes(&self) -> &[Shape] {
        &self.shapes
    }

    /// Whether message `id` exists (with attribute `attribute`, if given).
    pub fn has(&self, id: &str, attribute: Option<&str>) -> bool {
        self.bundle
            .get_message(id)
            .is_some_and(|m| match attribute {
                None => m.value().is_some(),
                Some(a) => m.get_attribute(a).is_some(),
            })
    }

    /// Message `id` with `args`. A message missing from the catalogue (a
    /// bug the tests catch) comes out as its id, so nothing is lost.
    pub fn get(&self, id: &str, args: &[(&str, Arg<'_>)]) -> String {
        self.format(id, None, args).unwrap_or_else(|| id.to_owned())
    }

    /// Attribute `attribute` of message `id`, if both exist.
    pub fn attribute(&self, id: &str, attribute: &str, args: &[(&str, Arg<'_>)]) -> Option<String> {
        self.format(id, Some(attribute), args)
    }

    /// The value of message `id`, if it exists.
    pub fn value(&self, id: &str, args: &[(&str, Arg<'_>)]) -> Option<String> {
        self.format(id, None, args)
    }

    fn format(
        &self,
        id: &str,
        attribute: Option<&str>,
        args: &[(&str, Arg<'_>)],
    ) -> Option<String> {
        let message = self.bundle.get_message(id)?;
        let pattern = match attribute {
            None => message.value()?,
            Some(a) => message.get_attribute(a)?.value(),
        };
        let mut fluent_args = FluentArgs::with_capacity(args.len());
        for (name, value) in args {
            let value = match value {
                Arg::Str(text) => FluentValue::from(text.clone().into_owned()),
                Arg::Num(n) => FluentValue::from(*n),
            };
            fluent_args.set(*name, value);
        }
        let mut errors = Vec::new();
        let text = self
            .bundle
            .format_pattern(pattern, Some(&fluent_args), &mut errors);
        Some(text.into_owned())
    }
}

/// The shapes of a resource's messages.
fn shapes_of(resource: &FluentResource) -> Vec<Shape> {
    use fluent_syntax::ast;
    fn walk(pattern: &ast::Pattern<&str>, out: &mut Vec<String>) {
        for element in &pattern.elements {
            if let ast::PatternElement::Placeable { expression } = element {
                expression_vars(expression, out);
            }
        }
    }
    fn expression_vars(expression: &ast::Expression<&str>, out: &mut Vec<String>) {
        match expression {
            ast::Expression::Select { selector, variants } => {
                inline_vars(selector, out);
                for variant in variants {
                    walk(&variant.value, out);
                }
            }
            ast::Expression::Inline(inline) => inline_vars(inline, out),
        }
    }
    fn inline_vars(inline: &ast::InlineExpression<&str>, out: &mut Vec<String>) {
        match inline {
            ast::InlineExpression::VariableReference { id } => out.push(id.name.to_owned()),
            ast::InlineExpression::FunctionReference { arguments, .. } => {
                for a in &arguments.positional {
                    inline_vars(a, out);
                }
                for a in &arguments.named {
                    inline_vars(&a.value, out);
                }
            }
            ast::InlineExpression::Placeable { expression } => expression_vars(expression, out),
            _ => {}
        }
    }
    let mut shapes = Vec::new();
    for entry in resource.entries() {
        if let ast::Entry::Message(message) = entry {
            let mut variables = Vec::new();
            if let Some(value) = &message.value {
                walk(value, &mut variables);
            }
            let mut attributes = Vec::new();
            for attribute in &message.attributes {
                attributes.push(attribute.id.name.to_owned());
                walk(&attribute.value, &mut variables);
            }
            attributes.sort();
            variables.sort();
            variables.dedup();
            shapes.push(Shape {
                id: message.id.name.to_owned(),
                has_value: message.value.is_some(),
                attributes,
                variables,
            });
        }
    }
    shapes
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| vars.get(name).cloned()
    }

    #[test]
    fn the_language_is_chosen_flag_then_nous_lang_then_the_locale() {
        let all = env(&[
            ("NOUS_LANG", "en"),
            ("LC_ALL", "en_US.UTF-8"),
            ("LANG", "en_US.UTF-8"),
        ]);
        assert_eq!(Lang::choose(Some("fr"), &all), Ok(Lang::Fr));
        assert_eq!(Lang::choose(None, &all), Ok(Lang::En));
        let nous = env(&[("NOUS_LANG", "fr"), ("LC_ALL", "en_US.UTF-8")]);
        assert_eq!(Lang::choose(None, &nous), Ok(Lang::Fr));
        // LC_ALL, then LC_MESSAGES, then LANG; empty values are unset.
        let posix = |all: &str, messages: &str, lang: &str| {
            Lang::choose(
                None,
                env(&[
                    ("NOUS_LANG", ""),
                    ("LC_ALL", all),
                    ("LC_MESSAGES", messages),
                    ("LANG", lang),
                ]),
            )
        };
        assert_eq!(posix("fr_FR.UTF-8", "en_US", "en_US"), Ok(Lang::Fr));
        assert_eq!(posix("", "fr_CA", "en_US"), Ok(Lang::Fr));
        assert_eq!(posix("", "", "fr_BE.UTF-8@euro"), Ok(Lang::Fr));
        assert_eq!(posix("C", "fr_FR", "fr_FR"), Ok(Lang::En));
        assert_eq!(posix("", "", "de_DE.UTF-8"), Ok(Lang::En));
        assert_eq!(posix("", "", ""), Ok(Lang::En));
        assert_eq!(Lang::choose(None, env(&[])), Ok(Lang::En));
        // An explicit language Nous does not speak is an error, naming it.
        assert_eq!(
            Lang::choose(Some("de"), env(&[])),
            Err(UnknownLang("de".into()))
        );
        assert_eq!(
            Lang::choose(None, env(&[("NOUS_LANG", "klingon")])),
            Err(UnknownLang("klingon".into()))
        );
        assert_eq!("FR".parse::<Lang>(), Ok(Lang::Fr));
        assert_eq!("en-GB".parse::<Lang>(), Ok(Lang::En));
    }

    /// Besides the command line's help (`cmd-…`, English in the code).
    #[test]
    fn both_languages_have_the_same_messages_attributes_and_variables() {
        let messages = |lang: Lang| -> Vec<Shape> {
            lang.catalog()
                .shapes()
                .iter()
                .filter(|s| !s.id.starts_with(HELP_PREFIX))
                .cloned()
                .collect()
        };
        let (en, fr) = (&messages(Lang::En)[..], &messages(Lang::Fr)[..]);
        let ids =
            |shapes: &[Shape]| -> Vec<String> { shapes.iter().map(|s| s.id.clone()).collect() };
        let only_en: Vec<_> = ids(en)
            .into_iter()
            .filter(|id| !ids(fr).contains(id))
            .collect();
        let only_fr: Vec<_> = ids(fr)
            .into_iter()
            .filter(|id| !ids(en).contains(id))
            .collect();
        assert!(only_en.is_empty(), "in English only: {only_en:?}");
        assert!(only_fr.is_empty(), "in French only: {only_fr:?}");
        for (e, f) in en.iter().zip(fr) {
            assert_eq!(e, f, "`{}` differs between en and fr", e.id);
        }
        // No id twice in a language (Fluent would keep the first).
        for shapes in [Lang::En.catalog().shapes(), Lang::Fr.catalog().shapes()] {
            let mut seen = std::collections::HashSet::new();
            for s in shapes {
                assert!(seen.insert(&s.id), "`{}` is defined twice", s.id);
            }
        }
        assert!(!en.is_empty());
    }

    #[test]
    fn plurals_follow_each_language() {
        let count = |lang: Lang, n: u64| lang.tr("members-count", &[("count", n.into())]);
        assert_eq!(count(Lang::En, 0), "0 members");
        assert_eq!(count(Lang::En, 1), "1 member");
        assert_eq!(count(Lang::En, 2), "2 members");
        // French: 0 and 1 are singular.
        assert_eq!(count(Lang::Fr, 0), "0 membre");
        assert_eq!(count(Lang::Fr, 1), "1 membre");
        assert_eq!(count(Lang::Fr, 2), "2 membres");
    }

    #[test]
    fn dates_are_said_in_each_language() {
        // 2026-12-16 10:00:00 and 10:05:09 UTC.
        let ten = 1_797_415_200_000;
        let later = ten + 5 * 60_000 + 9_000;
        assert_eq!(Lang::En.moment(later), "2026-12-16 10:05:09 UTC");
        assert_eq!(Lang::Fr.moment(later), "16 déc. 2026 à 10 h 05 UTC");
        assert_eq!(Lang::Fr.moment(ten), "16 déc. 2026 à 10 h UTC");
        assert_eq!(Lang::En.minute(later), "2026-12-16 10:05");
        assert_eq!(Lang::Fr.minute(later), "16 déc. 2026 à 10 h 05");
        assert_eq!(Lang::En.day(later), "2026-12-16");
        assert_eq!(Lang::Fr.day(0), "1er janv. 1970");
        assert_eq!(Lang::Fr.day(951_782_400_000), "29 févr. 2000");
        assert_eq!(Lang::Fr.minute(-60_000), "31 déc. 1969 à 23 h 59");
        assert_eq!(Lang::Fr.day(1_785_542_400_000), "1er août 2026");
        assert_eq!(Lang::Fr.day(1_785_628_800_000), "2 août 2026");
    }

    #[test]
    fn a_missing_message_comes_out_as_its_id() {
        assert_eq!(Lang::Fr.tr("no-such-message", &[]), "no-such-message");
        assert!(!Lang::Fr.catalog().has("no-such-message", None));
    }
}
