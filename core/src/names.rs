//! Finding things by the names people type: a document by its title, a
//! section by its heading, a member by their name. Case and accents do
//! not matter (`adhesion` finds « Adhésion », `chloe` finds Chloé), nor
//! do repeated spaces; a name may be shortened to an unambiguous prefix.

use unicode_normalization::UnicodeNormalization as _;
use unicode_normalization::char::is_combining_mark;

/// `text` as names are compared: decomposed (NFD), accents dropped,
/// lowercase, spaces collapsed and trimmed.
pub fn fold(text: &str) -> String {
    let bare: String = text
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect();
    bare.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Of `items`, those `name` designates by their name (`name_of`): the ones
/// whose folded name is the folded query, else the ones whose folded name
/// starts with it. Empty when none does (or the query is empty); more than
/// one is ambiguous, for the caller to say.
pub fn by_name<'a, T>(
    query: &str,
    items: impl IntoIterator<Item = &'a T>,
    name_of: impl Fn(&T) -> &str,
) -> Vec<&'a T> {
    let query = fold(query);
    if query.is_empty() {
        return Vec::new();
    }
    let folded: Vec<(&T, String)> = items.into_iter().map(|i| (i, fold(name_of(i)))).collect();
    let exact: Vec<&T> = folded
        .iter()
        .filter(|(_, n)| *n == query)
        .map(|(i, _)| *i)
        .collect();
    if !exact.is_empty() {
        return exact;
    }
    folded
        .iter()
        .filter(|(_, n)| n.starts_with(&query))
        .map(|(i, _)| *i)
        .collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn accents_case_and_spaces_do_not_matter() {
        assert_eq!(fold("  Adhésion  des   MEMBRES "), "adhesion des membres");
        assert_eq!(fold("Chloé"), fold("chloe"));
        assert_eq!(fold("ÉCOLE Œuvre"), "ecole œuvre");
        assert_eq!(fold("Ça"), "ca");
    }

    #[test]
    fn a_name_or_an_unambiguous_prefix_finds_it() {
        let names = [
            "Adhésion",
            "Départ",
            "Tensions",
            "Amendement",
            "Adhésion des partenaires",
        ];
        let find = |q: &str| by_name(q, names.iter(), |n| n);
        assert_eq!(
            find("adhesion"),
            vec![&"Adhésion"],
            "the exact name wins over a prefix"
        );
        assert_eq!(find("depart"), vec![&"Départ"]);
        assert_eq!(find("TENS"), vec![&"Tensions"]);
        assert_eq!(find("adhesion des"), vec![&"Adhésion des partenaires"]);
        assert_eq!(find("a").len(), 3, "ambiguous");
        assert!(find("statuts").is_empty());
        assert!(find("  ").is_empty());
    }

    proptest! {
        /// Folding is idempotent, and a name always finds itself.
        #[test]
        fn folding_is_stable_and_a_name_finds_itself(name in "\\PC{1,20}") {
            let once = fold(&name);
            prop_assert_eq!(fold(&once), once.clone());
            if !once.is_empty() {
                let found = by_name(&name, [&name], |n| n.as_str());
                prop_assert_eq!(found.len(), 1);
            }
        }
    }
}
