//! Markdown import and export of charters.
//!
//! The mapping (also in `docs/charter-schema.md`):
//!
//! - A level-1 ATX heading on the first non-blank line is the **title**.
//! - Text before the first other heading is the **preamble**.
//! - Every ATX heading (`#` to `######`) starts a **section**; its level is
//!   kept. Lines inside fenced code blocks are never headings.
//! - In a section, a paragraph that starts with a number (`1.`, `2)`, `3.1`,
//!   `3.1.`) starts an **article**; the article runs until the next article or
//!   the next heading. Text before the first article is the section's text.
//! - An HTML comment right under a heading, `<!-- nous:section id=… tags=… -->`,
//!   carries the section's id and tags, so an exported charter imports back
//!   with the same ids. Export writes it unless asked not to.
//!
//! Text is kept as written: headings, order, prose and article markers
//! survive a round trip. What is normalised: line endings become `\n`, blank
//! lines around blocks become exactly one, and articles written as a tight
//! list come back separated by blank lines.

use crate::charter::{Article, Charter, CharterDraft, SectionDraft, SectionId, validate_tag};

const ANNOTATION_PREFIX: &str = "<!-- nous:section";

/// Parse a Markdown charter. Never fails: any text is some charter.
pub fn parse(markdown: &str) -> CharterDraft {
    let text = normalise(markdown);
    let lines: Vec<&str> = text.split('\n').collect();
    let headings = heading_lines(&lines);

    let mut draft = CharterDraft::default();
    let mut start = 0;
    let mut headings = headings.into_iter().peekable();
    if let Some(&(index, 1, title)) = headings.peek()
        && lines[..index].iter().all(|l| l.trim().is_empty())
    {
        draft.title = Some(title.to_owned());
        start = index + 1;
        headings.next();
    }
    let headings: Vec<_> = headings.collect();
    let preamble_end = headings.first().map_or(lines.len(), |h| h.0);
    draft.preamble = join_trimmed(&lines[start..preamble_end]);

    for (n, &(index, level, heading)) in headings.iter().enumerate() {
        let end = headings.get(n + 1).map_or(lines.len(), |h| h.0);
        let mut body_start = index + 1;
        let mut section = SectionDraft {
            heading: heading.to_owned(),
            level,
            ..SectionDraft::default()
        };
        if let Some(line) = lines.get(body_start)
            && let Some((id, tags)) = parse_annotation(line)
        {
            section.id = id;
            section.tags = tags;
            body_start += 1;
        }
        let (text, articles) = split_articles(&lines[body_start.min(end)..end]);
        section.text = text;
        section.articles = articles;
        draft.sections.push(section);
    }
    draft
}

/// Parse a section body (no headings expected) into its text and articles.
pub fn parse_body(body: &str) -> (String, Vec<Article>) {
    let text = normalise(body);
    let lines: Vec<&str> = text.split('\n').collect();
    split_articles(&lines)
}

/// Whether the text has a Markdown heading outside code fences.
pub fn has_heading(text: &str) -> bool {
    let text = normalise(text);
    let lines: Vec<&str> = text.split('\n').collect();
    !heading_lines(&lines).is_empty()
}

/// Render a section body: its text, then its articles, separated by blank lines.
pub fn render_body(text: &str, articles: &[Article]) -> String {
    let mut blocks: Vec<String> = Vec::with_capacity(articles.len() + 1);
    if !text.is_empty() {
        blocks.push(text.to_owned());
    }
    for article in articles {
        blocks.push(format!("{} {}", article.number, article.text));
    }
    blocks.join("\n\n")
}

/// How to render a charter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenderOptions {
    /// Write `<!-- nous:section … -->` under each heading (ids and tags), so
    /// the Markdown imports back as the same sections.
    pub annotations: bool,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions { annotations: true }
    }
}

/// Render a charter as Markdown.
pub fn render(charter: &Charter, options: RenderOptions) -> String {
    let mut blocks = vec![format!("# {}", charter.title)];
    if !charter.preamble.is_empty() {
        blocks.push(charter.preamble.clone());
    }
    for section in &charter.sections {
        let hashes = "#".repeat(usize::from(section.level.clamp(1, 6)));
        let mut heading = if section.heading.is_empty() {
            hashes
        } else {
            format!("{hashes} {}", section.heading)
        };
        if options.annotations {
            heading.push('\n');
            heading.push_str(&annotation(&section.id, &section.tags));
        }
        blocks.push(heading);
        let body = section.body();
        if !body.is_empty() {
            blocks.push(body);
        }
    }
    let mut out = blocks.join("\n\n");
    out.push('\n');
    out
}

fn annotation(id: &SectionId, tags: &[String]) -> String {
    if tags.is_empty() {
        format!("{ANNOTATION_PREFIX} id={id} -->")
    } else {
        format!("{ANNOTATION_PREFIX} id={id} tags={} -->", tags.join(","))
    }
}

/// `Some((id, tags))` if the line is a Nous annotation. Invalid ids and tags
/// in it are dropped rather than failing the import.
fn parse_annotation(line: &str) -> Option<(Option<SectionId>, Vec<String>)> {
    let inner = line
        .trim()
        .strip_prefix(ANNOTATION_PREFIX)?
        .strip_suffix("-->")?;
    let mut id = None;
    let mut tags = Vec::new();
    for field in inner.split_whitespace() {
        if let Some(value) = field.strip_prefix("id=") {
            id = value.parse().ok();
        } else if let Some(value) = field.strip_prefix("tags=") {
            tags = value
                .split(',')
                .filter(|tag| validate_tag(tag).is_ok())
                .map(str::to_owned)
                .collect();
        }
    }
    Some((id, tags))
}

fn normalise(text: &str) -> String {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// Join lines, dropping blank lines at both ends.
fn join_trimmed(lines: &[&str]) -> String {
    let first = lines.iter().position(|l| !l.trim().is_empty());
    let last = lines.iter().rposition(|l| !l.trim().is_empty());
    match (first, last) {
        (Some(first), Some(last)) => lines[first..=last].join("\n"),
        _ => String::new(),
    }
}

/// Track fenced code blocks: `Some(marker)` while inside one.
#[derive(Default)]
struct Fences {
    open: Option<(char, usize)>,
}

impl Fences {
    /// Feed one line; returns whether the line is code (a fence line or
    /// inside a fence).
    fn is_code(&mut self, line: &str) -> bool {
        let trimmed = line.trim_start_matches(' ');
        let indent = line.len() - trimmed.len();
        let fence = (indent <= 3)
            .then(|| {
                let ch = trimmed.chars().next()?;
                if ch != '`' && ch != '~' {
                    return None;
                }
                let run = trimmed.chars().take_while(|c| *c == ch).count();
                (run >= 3).then_some((ch, run))
            })
            .flatten();
        match (self.open, fence) {
            (None, Some(opened)) => {
                self.open = Some(opened);
                true
            }
            (Some((ch, len)), Some((c, run))) if c == ch && run >= len => {
                let rest = trimmed.trim_start_matches(ch);
                if rest.trim().is_empty() {
                    self.open = None;
                }
                true
            }
            (Some(_), _) => true,
            (None, None) => false,
        }
    }
}

/// Every ATX heading outside code fences: (line index, level, text).
fn heading_lines<'a>(lines: &[&'a str]) -> Vec<(usize, u8, &'a str)> {
    let mut fences = Fences::default();
    let mut found = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        if fences.is_code(line) {
            continue;
        }
        if let Some((level, text)) = atx_heading(line) {
            found.push((index, level, text));
        }
    }
    found
}

fn atx_heading(line: &str) -> Option<(u8, &str)> {
    let trimmed = line.trim_start_matches(' ');
    if line.len() - trimmed.len() > 3 {
        return None;
    }
    let level = trimmed.bytes().take_while(|b| *b == b'#').count();
    if !(1..=6).contains(&level) {
        return None;
    }
    let rest = &trimmed[level..];
    if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return None;
    }
    let mut text = rest.trim();
    // An optional closing sequence of `#`, preceded by a space.
    let without = text.trim_end_matches('#');
    if without.len() < text.len() && (without.is_empty() || without.ends_with([' ', '\t'])) {
        text = without.trim_end();
    }
    Some((u8::try_from(level).ok()?, text))
}

/// `Some((marker, rest))` if the line starts an article: `1. `, `2) `,
/// `3.1 `, `3.1. ` (up to three spaces of indent, one space or tab after).
fn article_marker(line: &str) -> Option<(&str, &str)> {
    let trimmed = line.trim_start_matches(' ');
    if line.len() - trimmed.len() > 3 {
        return None;
    }
    let bytes = trimmed.as_bytes();
    let mut end = 0;
    let mut groups = 0;
    loop {
        let digits = bytes[end..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits == 0 || digits > 9 {
            return None;
        }
        end += digits;
        groups += 1;
        if bytes.get(end) == Some(&b'.') && bytes.get(end + 1).is_some_and(u8::is_ascii_digit) {
            end += 1;
            continue;
        }
        break;
    }
    if matches!(bytes.get(end), Some(b'.' | b')')) {
        end += 1;
    } else if groups < 2 {
        return None;
    }
    match bytes.get(end) {
        Some(b' ' | b'\t') => Some((&trimmed[..end], &trimmed[end + 1..])),
        _ => None,
    }
}

/// Split section lines into the text before the first article and the
/// articles. An article starts at a numbered line that opens a paragraph
/// (or follows another article's lines).
fn split_articles(lines: &[&str]) -> (String, Vec<Article>) {
    let mut fences = Fences::default();
    let mut intro_end = lines.len();
    let mut starts: Vec<(usize, &str, &str)> = Vec::new();
    let mut previous_blank = true;
    for (index, line) in lines.iter().enumerate() {
        let code = fences.is_code(line);
        if !code
            && (previous_blank || !starts.is_empty())
            && let Some((marker, rest)) = article_marker(line)
        {
            if starts.is_empty() {
                intro_end = index;
            }
            starts.push((index, marker, rest));
        }
        previous_blank = line.trim().is_empty();
    }
    let text = join_trimmed(&lines[..intro_end]);
    let articles = starts
        .iter()
        .enumerate()
        .map(|(n, &(index, marker, rest))| {
            let end = starts.get(n + 1).map_or(lines.len(), |s| s.0);
            let mut body = vec![rest];
            body.extend_from_slice(&lines[index + 1..end]);
            let text = join_trimmed(&body);
            Article {
                number: marker.to_owned(),
                text,
            }
        })
        .collect();
    (text, articles)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charter::Section;

    fn to_charter(draft: &CharterDraft) -> Charter {
        Charter {
            title: draft.title.clone().unwrap_or_default(),
            preamble: draft.preamble.clone(),
            sections: draft
                .sections
                .iter()
                .enumerate()
                .map(|(n, s)| Section {
                    id: s
                        .id
                        .clone()
                        .unwrap_or_else(|| SectionId::from_random([n as u8, 1, 2, 3, 4])),
                    heading: s.heading.clone(),
                    level: s.level,
                    text: s.text.clone(),
                    articles: s.articles.clone(),
                    tags: s.tags.clone(),
                })
                .collect(),
        }
    }

    const COOP: &str = "# Charte de la coopérative\n\nNous, membres… ✊\n\n## Collèges\n\nQuatre collèges :\n- apprenants\n- partenaires\n\n1. Les apprenants.\n\n2) Les formateurs,\n   qui animent.\n\n3.1 Les partenaires.\n\n## Sortie\n\n### Exclusion\n\nמילים בעברית · عربي\n\n```\n# pas un titre\n1. pas un article\n```\n";

    #[test]
    fn headings_become_sections_and_numbers_articles() {
        let draft = parse(COOP);
        assert_eq!(draft.title.as_deref(), Some("Charte de la coopérative"));
        assert_eq!(draft.preamble, "Nous, membres… ✊");
        let headings: Vec<_> = draft
            .sections
            .iter()
            .map(|s| (s.level, s.heading.as_str()))
            .collect();
        assert_eq!(headings, [(2, "Collèges"), (2, "Sortie"), (3, "Exclusion")]);
        let colleges = &draft.sections[0];
        assert_eq!(
            colleges.text,
            "Quatre collèges :\n- apprenants\n- partenaires"
        );
        let numbers: Vec<_> = colleges
            .articles
            .iter()
            .map(|a| a.number.as_str())
            .collect();
        assert_eq!(numbers, ["1.", "2)", "3.1"]);
        assert_eq!(
            colleges.articles[1].text,
            "Les formateurs,\n   qui animent."
        );
        assert!(draft.sections[1].text.is_empty());
        assert!(
            draft.sections[2]
                .text
                .contains("# pas un titre\n1. pas un article")
        );
        assert!(draft.sections[2].articles.is_empty());
    }

    #[test]
    fn a_well_formed_charter_round_trips_byte_for_byte() {
        let charter = to_charter(&parse(COOP));
        let plain = render(&charter, RenderOptions { annotations: false });
        assert_eq!(plain, COOP);
        let annotated = render(&charter, RenderOptions::default());
        let again = to_charter(&parse(&annotated));
        assert_eq!(again, charter, "ids, tags and text survive");
        assert_eq!(render(&again, RenderOptions::default()), annotated);
    }

    #[test]
    fn tight_lists_and_crlf_are_normalised_stably() {
        let source = "# T\r\n\r\n## A\r\n1. un\r\n2. deux\r\n";
        let once = render(
            &to_charter(&parse(source)),
            RenderOptions { annotations: false },
        );
        assert_eq!(once, "# T\n\n## A\n\n1. un\n\n2. deux\n");
        let twice = render(
            &to_charter(&parse(&once)),
            RenderOptions { annotations: false },
        );
        assert_eq!(once, twice);
    }

    #[test]
    fn a_numbered_line_inside_a_paragraph_is_not_an_article() {
        let (text, articles) = parse_body("En\n2019. fut une année.");
        assert_eq!(text, "En\n2019. fut une année.");
        assert!(articles.is_empty());
    }

    #[test]
    fn annotations_carry_ids_and_tags_and_bad_ones_are_dropped() {
        let draft = parse("## A\n<!-- nous:section id=abc tags=membership.entry,b@d -->\n\nx\n");
        assert_eq!(
            draft.sections[0].id.as_ref().map(SectionId::as_str),
            Some("abc")
        );
        assert_eq!(draft.sections[0].tags, ["membership.entry"]);
        let draft = parse("## A\n<!-- nous:section id=BAD! -->\n");
        assert_eq!(draft.sections[0].id, None);
    }

    #[test]
    fn heading_detection_follows_atx_rules() {
        assert!(has_heading("x\n## y"));
        assert!(has_heading("#"));
        assert!(!has_heading("#hashtag"));
        assert!(!has_heading("    # indented code"));
        assert!(!has_heading("```\n# code\n```"));
        assert_eq!(atx_heading("## Titre ##"), Some((2, "Titre")));
        assert_eq!(atx_heading("# C#"), Some((1, "C#")));
    }

    #[test]
    fn text_without_headings_is_all_preamble() {
        let draft = parse("juste du texte");
        assert_eq!(draft.title, None);
        assert_eq!(draft.preamble, "juste du texte");
        assert!(draft.sections.is_empty());
        assert_eq!(parse("").preamble, "");
    }
}
