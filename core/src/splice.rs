//! Turning one text into another with few splices, in time linear in the
//! texts plus a bounded amount of diffing where they differ.
//!
//! Automerge's `update_text` diffs the whole old and new texts grapheme by
//! grapheme (Myers, `O((N+M)·D)`), so replacing a short section with a long
//! one costs time quadratic in what is inserted (3 s for 60,000 characters,
//! `docs/benchmarks.md`). Here the common prefix and suffix are taken off
//! first (linear); what remains is diffed grapheme by grapheme only when it
//! is small ([`FINE`] graphemes), else line by line ([`LINES`] lines at
//! most, each changed run of lines refined grapheme by grapheme when it is
//! small), else replaced in one splice. Every input is diffed
//! deterministically (no deadline), so the same edit makes the same
//! operations on every machine; small edits get the same minimal splices
//! as before, and only a large rewrite of a large stretch is coarser.

use similar::{Algorithm, DiffOp, capture_diff_slices};
use unicode_segmentation::UnicodeSegmentation as _;

/// Graphemes of a changed stretch (old and new together) diffed one by one:
/// at most `FINE²` steps.
pub const FINE: usize = 2_000;
/// Lines of a changed stretch (old and new together) diffed line by line.
pub const LINES: usize = 4_000;

/// One splice: at `pos` (Unicode scalar values into the text as it is when
/// this splice comes, after the ones before it), delete `delete`, insert
/// `insert`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Splice {
    /// Where.
    pub pos: usize,
    /// How many characters to delete.
    pub delete: usize,
    /// What to insert.
    pub insert: String,
}

/// The splices that turn `old` into `new`, in the order they apply.
pub fn splices(old: &str, new: &str) -> Vec<Splice> {
    splices_within(old, new, FINE, LINES)
}

fn splices_within(old: &str, new: &str, fine: usize, lines: usize) -> Vec<Splice> {
    let (prefix, suffix) = common_ends(old, new);
    let old_mid = &old[prefix..old.len() - suffix];
    let new_mid = &new[prefix..new.len() - suffix];
    let mut out = Splicer {
        cursor: old[..prefix].chars().count(),
        out: Vec::new(),
    };
    out.stretch(old_mid, new_mid, fine, lines);
    out.out
}

/// The byte lengths of the longest common prefix and suffix of whole
/// graphemes, not overlapping.
fn common_ends(old: &str, new: &str) -> (usize, usize) {
    let prefix: usize = old
        .graphemes(true)
        .zip(new.graphemes(true))
        .take_while(|(a, b)| a == b)
        .map(|(a, _)| a.len())
        .sum();
    let (old_rest, new_rest) = (&old[prefix..], &new[prefix..]);
    let suffix: usize = old_rest
        .graphemes(true)
        .rev()
        .zip(new_rest.graphemes(true).rev())
        .take_while(|(a, b)| a == b)
        .map(|(a, _)| a.len())
        .sum();
    (prefix, suffix)
}

struct Splicer {
    /// Where the next splice goes, in characters of the text as spliced so
    /// far.
    cursor: usize,
    out: Vec<Splice>,
}

impl Splicer {
    fn keep(&mut self, text: &str) {
        self.cursor += text.chars().count();
    }

    fn replace(&mut self, old: &str, new: &str) {
        if old.is_empty() && new.is_empty() {
            return;
        }
        self.out.push(Splice {
            pos: self.cursor,
            delete: old.chars().count(),
            insert: new.to_owned(),
        });
        self.cursor += new.chars().count();
    }

    /// Turn `old` into `new`, both without a common prefix or suffix.
    fn stretch(&mut self, old: &str, new: &str, fine: usize, lines: usize) {
        if old.is_empty() || new.is_empty() {
            return self.replace(old, new);
        }
        let old_g: Vec<&str> = old.graphemes(true).collect();
        let new_g: Vec<&str> = new.graphemes(true).collect();
        if old_g.len() + new_g.len() <= fine {
            return self.ops(
                &old_g,
                &new_g,
                &capture_diff_slices(Algorithm::Myers, &old_g, &new_g),
            );
        }
        let old_l: Vec<&str> = old.split_inclusive('\n').collect();
        let new_l: Vec<&str> = new.split_inclusive('\n').collect();
        if old_l.len() + new_l.len() > lines || (old_l.len() == 1 && new_l.len() == 1) {
            return self.replace(old, new);
        }
        for op in capture_diff_slices(Algorithm::Myers, &old_l, &new_l) {
            let (o, n) = (op.old_range(), op.new_range());
            let (o, n) = (old_l[o].concat(), new_l[n].concat());
            match op {
                DiffOp::Equal { .. } => self.keep(&o),
                // A changed run of lines: refined when small. (Its own
                // prefix and suffix come off first, as for the whole.)
                _ => {
                    let (prefix, suffix) = common_ends(&o, &n);
                    self.keep(&o[..prefix]);
                    let (o_mid, n_mid) =
                        (&o[prefix..o.len() - suffix], &n[prefix..n.len() - suffix]);
                    if o_mid.is_empty() || n_mid.is_empty() {
                        self.replace(o_mid, n_mid);
                    } else {
                        let o_g: Vec<&str> = o_mid.graphemes(true).collect();
                        let n_g: Vec<&str> = n_mid.graphemes(true).collect();
                        if o_g.len() + n_g.len() <= fine {
                            let ops = capture_diff_slices(Algorithm::Myers, &o_g, &n_g);
                            self.ops(&o_g, &n_g, &ops);
                        } else {
                            self.replace(o_mid, n_mid);
                        }
                    }
                    self.keep(&n[n.len() - suffix..]);
                }
            }
        }
    }

    /// Carry out a grapheme diff.
    fn ops(&mut self, old: &[&str], new: &[&str], ops: &[DiffOp]) {
        for op in ops {
            let o = old[op.old_range()].concat();
            let n = new[op.new_range()].concat();
            match op {
                DiffOp::Equal { .. } => self.keep(&o),
                _ => self.replace(&o, &n),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable as _;
    use automerge::{Automerge, ObjType, ROOT, ReadDoc as _};
    use proptest::prelude::*;

    use super::*;

    /// `old` with `splices` applied, as a string.
    fn apply(old: &str, splices: &[Splice]) -> String {
        let mut text: Vec<char> = old.chars().collect();
        for s in splices {
            assert!(
                s.pos + s.delete <= text.len(),
                "{s:?} out of {} characters",
                text.len()
            );
            text.splice(s.pos..s.pos + s.delete, s.insert.chars());
        }
        text.into_iter().collect()
    }

    /// `old` with `splices` applied in an Automerge text, read back.
    fn apply_automerge(old: &str, splices: &[Splice]) -> String {
        let mut doc = Automerge::new();
        let mut tx = doc.transaction();
        let text = tx.put_object(ROOT, "t", ObjType::Text).expect("put");
        tx.splice_text(&text, 0, 0, old).expect("splice");
        for s in splices {
            let delete = isize::try_from(s.delete).expect("small");
            tx.splice_text(&text, s.pos, delete, &s.insert)
                .expect("splice");
        }
        tx.commit();
        doc.text(&text).expect("text")
    }

    /// Texts from pieces that collide: words, line ends, combining
    /// accents and wide characters, so graphemes, lines and common ends are
    /// all exercised.
    fn text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("a"),
            Just("b"),
            Just("é"),
            Just("e\u{301}"),
            Just("\u{301}"),
            Just("🌍"),
            Just("👩‍👩‍👧"),
            Just(" "),
            Just("\n"),
            Just("\r\n"),
            Just("règle "),
        ];
        proptest::collection::vec(piece, 0..60).prop_map(|p| p.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(600))]

        /// Read after write: the splices turn the old text into exactly the
        /// new one, in a string and in an Automerge text, whichever path
        /// (grapheme, line, whole stretch) the budgets send it down.
        #[test]
        fn splices_turn_the_old_text_into_the_new(
            old in text(),
            new in text(),
            fine in prop_oneof![Just(0usize), Just(4), Just(16), Just(FINE)],
            lines in prop_oneof![Just(0usize), Just(3), Just(LINES)],
        ) {
            let splices = splices_within(&old, &new, fine, lines);
            prop_assert_eq!(apply(&old, &splices), new.clone());
            prop_assert_eq!(apply_automerge(&old, &splices), new.clone());
            if old == new {
                prop_assert!(splices.is_empty());
            }
        }

        /// An edit of a few characters inside a long text is spliced where
        /// it is, and touches nothing else.
        #[test]
        fn a_small_edit_is_a_small_splice(
            base in "[a-z \n]{200,3000}",
            at in any::<proptest::sample::Index>(),
            insert in "[A-Z]{1,5}",
        ) {
            let at = at.index(base.len());
            let new = format!("{}{insert}{}", &base[..at], &base[at..]);
            let splices = splices(&base, &new);
            prop_assert_eq!(splices.len(), 1);
            prop_assert_eq!(splices[0].delete, 0);
            prop_assert!(splices[0].insert.chars().count() <= insert.len());
            prop_assert_eq!(apply(&base, &splices), new);
        }
    }

    #[test]
    fn a_changed_word_in_each_of_two_far_lines_makes_two_splices() {
        let lines: Vec<String> = (0..1_500)
            .map(|i| format!("ligne {i} de la charte\n"))
            .collect();
        let old = lines.concat();
        let mut changed = lines.clone();
        changed[10] = "ligne 10 de la coopérative\n".into();
        changed[1_400] = "ligne 1400 du texte\n".into();
        let new = changed.concat();
        let splices = splices(&old, &new);
        assert_eq!(apply(&old, &splices), new);
        // Far beyond the grapheme budget, yet each change stays local.
        let touched: usize = splices
            .iter()
            .map(|s| s.delete + s.insert.chars().count())
            .sum();
        assert!(touched < 40, "{splices:?}");
    }

    #[test]
    fn a_grapheme_is_never_split() {
        // "e" + combining acute vs "é": the accent must not be spliced on
        // its own onto another base.
        let splices = splices("cafe\u{301} noir", "cafe noir");
        assert_eq!(apply("cafe\u{301} noir", &splices), "cafe noir");
        assert_eq!(splices.len(), 1);
        assert_eq!(splices[0].pos, 3);
        assert_eq!(splices[0].delete, 2);
        assert_eq!(splices[0].insert, "e");
    }
}
