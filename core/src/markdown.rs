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
//!
//! Text from outside (a file, a person) comes in through [`import`], which
//! refuses what is beyond its [`Limits`] (size, sections, nesting depth)
//! before any work that grows with them; [`parse`] is the same reading
//! without caps, for text the program itself holds. Both run in time and
//! memory linear in the text.

use std::borrow::Cow;

use crate::charter::{Article, Charter, CharterDraft, SectionDraft, SectionId, validate_tag};

const ANNOTATION_PREFIX: &str = "<!-- nous:section";

/// Caps on a Markdown import. They bound the work of building the charter:
/// Automerge holds a few hundred bytes per character while it makes the
/// change that creates a document, so the size cap is what bounds memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Length of the Markdown, in bytes.
    pub max_bytes: usize,
    /// Number of sections: headings other than the title.
    pub max_sections: usize,
    /// Number of articles, in all sections together.
    pub max_articles: usize,
    /// How deep one line may sit in block quotes and list items.
    pub max_depth: usize,
}

impl Default for Limits {
    /// Far above any real charter: 1 MiB is some 150,000 words, and a
    /// civil code has some 2,500 articles.
    fn default() -> Self {
        Limits {
            max_bytes: 1 << 20,
            max_sections: 10_000,
            max_articles: 20_000,
            max_depth: 64,
        }
    }
}

/// Why a Markdown import was refused. Nothing was built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// The text is longer than [`Limits::max_bytes`].
    #[error("it is {bytes} bytes long; a charter imports at most {max} bytes of Markdown")]
    TooLarge {
        /// Length of the text.
        bytes: usize,
        /// The cap.
        max: usize,
    },
    /// More headings than [`Limits::max_sections`] (the title aside).
    #[error("it has more than {max} headings; a charter imports at most {max} sections")]
    TooManySections {
        /// The cap.
        max: usize,
    },
    /// More articles than [`Limits::max_articles`].
    #[error("it has more than {max} articles; a charter imports at most {max}")]
    TooManyArticles {
        /// The cap.
        max: usize,
    },
    /// A line deeper in block quotes and list items than [`Limits::max_depth`].
    #[error(
        "line {line} is nested more than {max} levels deep in lists and block quotes; \
         a charter imports at most {max}"
    )]
    TooDeep {
        /// The line, counted from 1.
        line: usize,
        /// The cap.
        max: usize,
    },
}

/// Import a Markdown charter from outside, within `limits`. The caps are
/// checked before anything is built (the size first, then sections and
/// depth in one pass over the lines, then articles in the draft); within
/// them the result is exactly [`parse`]'s.
pub fn import(markdown: &str, limits: &Limits) -> Result<CharterDraft, ImportError> {
    if markdown.len() > limits.max_bytes {
        return Err(ImportError::TooLarge {
            bytes: markdown.len(),
            max: limits.max_bytes,
        });
    }
    let text = normalise(markdown);
    let lines: Vec<&str> = text.split('\n').collect();
    let headings = checked_heading_lines(&lines, limits)?;
    let draft = build(&lines, headings);
    let articles: usize = draft.sections.iter().map(|s| s.articles.len()).sum();
    if articles > limits.max_articles {
        return Err(ImportError::TooManyArticles {
            max: limits.max_articles,
        });
    }
    Ok(draft)
}

/// Parse a Markdown charter. Never fails: any text is some charter. No
/// caps: text from a file or a person goes through [`import`].
pub fn parse(markdown: &str) -> CharterDraft {
    let text = normalise(markdown);
    let lines: Vec<&str> = text.split('\n').collect();
    let headings = heading_lines(&lines);
    build(&lines, headings)
}

/// The draft from the lines and the headings found among them.
fn build(lines: &[&str], headings: Vec<(usize, u8, &str)>) -> CharterDraft {
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

    draft.sections.reserve_exact(headings.len());
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
        let separator = article_separator(&article.text);
        blocks.push(format!("{}{separator}{}", article.number, article.text));
    }
    blocks.join("\n\n")
}

/// What goes between an article's marker and its text: a space, so the
/// text starts on the marker's line, as written most often. But a fence
/// there opens nothing, while on a line of its own it opens a code block:
/// when the text starts with a fence, take the reading that keeps the text
/// one article (no heading or article marker outside code) and closes its
/// code blocks, so what follows is read as it was.
fn article_separator(text: &str) -> &'static str {
    let first = text.split('\n').next().unwrap_or_default();
    let mut own_line = Fences::default();
    if !own_line.is_code(first) {
        return " ";
    }
    // (has structure, ends in code) when reading from the second line.
    let read = |mut fences: Fences| {
        let mut structure = false;
        for line in text.split('\n').skip(1) {
            if !fences.is_code(line)
                && (atx_heading(line).is_some() || article_marker(line).is_some())
            {
                structure = true;
            }
        }
        (structure, fences.open.is_some())
    };
    if read(own_line) < read(Fences::default()) {
        " \n"
    } else {
        " "
    }
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
    let mut blocks = vec![heading_line(1, &charter.title)];
    if !charter.preamble.is_empty() {
        blocks.push(charter.preamble.clone());
    }
    for section in &charter.sections {
        let mut heading = heading_line(section.level, &section.heading);
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

/// An ATX heading line that reads back as `text`: a text that ends like a
/// closing sequence (`a ##`, `#`) gets one, ` #`, to protect it.
fn heading_line(level: u8, text: &str) -> String {
    let hashes = "#".repeat(usize::from(level.clamp(1, 6)));
    if text.is_empty() {
        return hashes;
    }
    let line = format!("{hashes} {text}");
    if atx_heading(&line).is_some_and(|(_, read)| read == text) {
        line
    } else {
        format!("{line} #")
    }
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

/// Drop a byte-order mark; `\r\n` and a lone `\r` become `\n`. Borrows when
/// there is nothing to change.
fn normalise(text: &str) -> Cow<'_, str> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if !text.contains('\r') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('\r') {
        out.push_str(&rest[..at]);
        out.push('\n');
        rest = &rest[at + 1..];
        rest = rest.strip_prefix('\n').unwrap_or(rest);
    }
    out.push_str(rest);
    Cow::Owned(out)
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

/// [`heading_lines`], refusing what is beyond `limits` (sections, nesting
/// depth) as soon as it is seen.
fn checked_heading_lines<'a>(
    lines: &[&'a str],
    limits: &Limits,
) -> Result<Vec<(usize, u8, &'a str)>, ImportError> {
    let mut fences = Fences::default();
    let mut nesting = Nesting::default();
    let mut found = Vec::new();
    // Whether every line so far is blank, and then whether the first heading
    // is the title (which is not a section).
    let mut all_blank = true;
    let mut title = false;
    for (index, line) in lines.iter().enumerate() {
        let code = fences.is_code(line);
        let blank = line.trim().is_empty();
        if !code {
            if nesting.depth(line, limits.max_depth) > limits.max_depth {
                return Err(ImportError::TooDeep {
                    line: index + 1,
                    max: limits.max_depth,
                });
            }
            if let Some((level, text)) = atx_heading(line) {
                if found.is_empty() {
                    title = level == 1 && all_blank;
                }
                found.push((index, level, text));
                if found.len() - usize::from(title) > limits.max_sections {
                    return Err(ImportError::TooManySections {
                        max: limits.max_sections,
                    });
                }
            }
        }
        all_blank &= blank;
    }
    Ok(found)
}

/// How deep lines sit in block quotes and list items, line after line: a
/// line counts its own `>` markers, the list items it opens (`- - x` opens
/// two) and the items still open above it (those whose content column is
/// at most its indent). An approximation of CommonMark's containers, enough
/// to cap them; linear, since each item is pushed and popped once.
#[derive(Default)]
struct Nesting {
    quotes: usize,
    /// Content columns of the open list items, innermost last.
    items: Vec<usize>,
}

impl Nesting {
    /// Feed one line outside code; returns its depth, or some depth above
    /// `max` as soon as it passes it.
    fn depth(&mut self, line: &str, max: usize) -> usize {
        let bytes = line.as_bytes();
        let mut at = 0;
        let mut quotes = 0;
        loop {
            let marker = at
                + bytes[at..]
                    .iter()
                    .take_while(|b| matches!(b, b' ' | b'\t'))
                    .count();
            if bytes.get(marker) != Some(&b'>') {
                break;
            }
            quotes += 1;
            at = marker + 1;
            if quotes > max {
                return quotes;
            }
        }
        if quotes != self.quotes {
            self.quotes = quotes;
            self.items.clear();
        }
        let rest = &bytes[at..];
        let mut column = 0;
        let mut pos = 0;
        while let Some(b) = rest.get(pos) {
            match b {
                b' ' => column += 1,
                b'\t' => column += 4 - column % 4,
                _ => break,
            }
            pos += 1;
        }
        if pos == rest.len() {
            // A blank line closes nothing.
            return quotes + self.items.len();
        }
        while self.items.last().is_some_and(|&content| content > column) {
            self.items.pop();
        }
        if thematic_break(&rest[pos..]) {
            return quotes + self.items.len();
        }
        while let Some(len) = list_marker(&rest[pos..]) {
            let after = pos + len;
            let spaces = rest[after..]
                .iter()
                .take_while(|b| matches!(b, b' ' | b'\t'))
                .count();
            // Content starts after one to four spaces; with none (the end
            // of the line) or more (indented code), one column past the
            // marker, and nothing on the line opens another item.
            let width = if (1..=4).contains(&spaces) { spaces } else { 1 };
            column += len + width;
            self.items.push(column);
            if quotes + self.items.len() > max || !(1..=4).contains(&spaces) {
                break;
            }
            pos = after + spaces;
        }
        quotes + self.items.len()
    }
}

/// The length of a list marker at the start of `text` (`-`, `*`, `+`, or up
/// to nine digits and `.` or `)`), if a space, a tab or the end follows.
fn list_marker(text: &[u8]) -> Option<usize> {
    let len = match text.first()? {
        b'-' | b'*' | b'+' => 1,
        b'0'..=b'9' => {
            let digits = text.iter().take_while(|b| b.is_ascii_digit()).count();
            if digits > 9 || !matches!(text.get(digits), Some(b'.' | b')')) {
                return None;
            }
            digits + 1
        }
        _ => return None,
    };
    match text.get(len) {
        None | Some(b' ' | b'\t') => Some(len),
        _ => None,
    }
}

/// Whether the text is a thematic break: three or more of one of `-*_`,
/// with only spaces and tabs between (`- - -` is a rule, not three lists).
fn thematic_break(text: &[u8]) -> bool {
    let Some(&mark) = text.first().filter(|b| matches!(b, b'-' | b'*' | b'_')) else {
        return false;
    };
    let mut count = 0;
    for &b in text {
        if b == mark {
            count += 1;
        } else if !matches!(b, b' ' | b'\t') {
            return false;
        }
    }
    count >= 3
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
    use proptest::prelude::*;

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

    fn import_with(
        markdown: &str,
        change: impl FnOnce(&mut Limits),
    ) -> Result<CharterDraft, ImportError> {
        let mut limits = Limits::default();
        change(&mut limits);
        import(markdown, &limits)
    }

    #[test]
    fn import_within_the_caps_is_parse() {
        assert_eq!(import(COOP, &Limits::default()), Ok(parse(COOP)));
        let crlf = "\u{feff}# T\r\n\r\n## A\r1. un\r\n2. deux\r\r\n";
        assert_eq!(import(crlf, &Limits::default()), Ok(parse(crlf)));
        assert_eq!(parse(crlf), parse("# T\n\n## A\n1. un\n2. deux\n\n"));
    }

    #[test]
    fn import_refuses_more_bytes_than_the_cap() {
        let text = "é".repeat(6);
        assert!(import_with(&text, |l| l.max_bytes = 12).is_ok());
        assert_eq!(
            import_with(&text, |l| l.max_bytes = 11),
            Err(ImportError::TooLarge { bytes: 12, max: 11 })
        );
    }

    #[test]
    fn import_counts_sections_not_the_title() {
        let three = "# Titre\n\n## A\n\n## B\n\n### C\n";
        assert!(import_with(three, |l| l.max_sections = 3).is_ok());
        assert_eq!(
            import_with(three, |l| l.max_sections = 2),
            Err(ImportError::TooManySections { max: 2 })
        );
        // Without a title line first, the level-1 heading is a section.
        let four = format!("Préambule.\n\n{three}");
        assert_eq!(
            import_with(&four, |l| l.max_sections = 3),
            Err(ImportError::TooManySections { max: 3 })
        );
        // Headings in code are not sections.
        let fenced = format!("{three}\n```\n## pas une section\n```\n");
        assert!(import_with(&fenced, |l| l.max_sections = 3).is_ok());
    }

    #[test]
    fn import_counts_articles_in_all_sections() {
        let four = "## A\n\n1. un\n2. deux\n\n## B\n\n1. un\n\n```\n2. code\n```\n\n2. deux\n";
        assert_eq!(
            parse(four)
                .sections
                .iter()
                .map(|s| s.articles.len())
                .sum::<usize>(),
            4
        );
        assert!(import_with(four, |l| l.max_articles = 4).is_ok());
        assert_eq!(
            import_with(four, |l| l.max_articles = 3),
            Err(ImportError::TooManyArticles { max: 3 })
        );
    }

    #[test]
    fn import_measures_nesting_of_lists_and_quotes() {
        let depth = |text: &str| {
            let mut nesting = Nesting::default();
            text.split('\n')
                .map(|line| nesting.depth(line, 64))
                .collect::<Vec<_>>()
        };
        assert_eq!(depth("- a\n  - b\n    - c\n\n  - d\ne"), [1, 2, 3, 3, 2, 0]);
        assert_eq!(depth("1. a\n   1) b\n2. c\n   suite"), [1, 2, 1, 1]);
        assert_eq!(depth("> a\n> > b\n>>> - c\n> - d"), [1, 2, 4, 2]);
        assert_eq!(depth("- - - x\n- - -\n* * * *\n-\n  - y"), [3, 0, 0, 1, 2]);
        assert_eq!(
            depth("-     code\n1.x\n3.1 article\n#hashtag"),
            [1, 0, 0, 0]
        );
        assert_eq!(depth("\t- a\n\t\t- b"), [1, 2]);
    }

    #[test]
    fn import_refuses_lines_nested_deeper_than_the_cap() {
        let nested = |levels: usize| {
            (0..levels)
                .map(|n| format!("{}- niveau {n}", "  ".repeat(n)))
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert!(import_with(&nested(64), |_| ()).is_ok());
        assert_eq!(
            import_with(&nested(65), |_| ()),
            Err(ImportError::TooDeep { line: 65, max: 64 })
        );
        let one_line = format!("# T\n\n{}x", "- ".repeat(3_000));
        assert_eq!(
            import_with(&one_line, |_| ()),
            Err(ImportError::TooDeep { line: 3, max: 64 })
        );
        let quotes = format!("{}x", ">".repeat(65));
        assert_eq!(
            import_with(&quotes, |_| ()),
            Err(ImportError::TooDeep { line: 1, max: 64 })
        );
        // In a code block, depth is text.
        let fenced = format!("```\n{}\n{quotes}\n", nested(100));
        assert!(import_with(&fenced, |_| ()).is_ok());
    }

    #[test]
    fn an_unclosed_fence_keeps_the_rest_as_text() {
        let text = "# T\n\n## Code\n\n```\n## pas une section\n1. pas un article\n";
        let draft = import(text, &Limits::default()).expect("within the caps");
        assert_eq!(draft.sections.len(), 1);
        assert_eq!(
            draft.sections[0].text,
            "```\n## pas une section\n1. pas un article"
        );
    }

    /// One line of Markdown-like text: headings of every level (and not
    /// quite), numbered paragraphs, fences, nested lists and quotes,
    /// annotations, blank lines, non-ASCII words.
    fn line() -> impl Strategy<Value = String> {
        let word = prop::sample::select(vec![
            "charte",
            "Adhésion",
            "✊",
            "מילים",
            "عربي",
            "2019.",
            "#",
            "##",
            "C#",
            "a ##",
            "",
            "\t",
            "```",
            "-",
            "1.",
            "<!--",
            "\u{feff}",
            "日本語",
        ]);
        let words = prop::collection::vec(word, 0..4).prop_map(|w| w.join(" "));
        let indent = (0..7usize).prop_map(|n| " ".repeat(n));
        prop_oneof![
            (0..8usize, words.clone()).prop_map(|(level, w)| format!("{} {w}", "#".repeat(level))),
            (
                1..4u32,
                1..12u32,
                words.clone(),
                prop::sample::select(vec![".", ")", ".1", ".1."])
            )
                .prop_map(|(i, n, w, sep)| format!("{}{n}{sep} {w}", " ".repeat(i as usize - 1))),
            (prop::sample::select(vec!["```", "````", "~~~", "``` rust", "  ```", "    ```"]))
                .prop_map(str::to_owned),
            (
                indent.clone(),
                prop::sample::select(vec!["- ", "* ", "+ ", "1. ", "> ", "- - "]),
                words.clone()
            )
                .prop_map(|(i, m, w)| format!("{i}{m}{w}")),
            (0..3usize, words.clone()).prop_map(|(n, w)| format!("{}{w}", "> ".repeat(n))),
            prop::sample::select(vec![
                "<!-- nous:section id=adhesion tags=membership.entry,tensions -->",
                "<!-- nous:section id=BAD! tags=b@d -->",
                "<!-- nous:section -->",
            ])
            .prop_map(str::to_owned),
            Just(String::new()),
            Just(String::new()),
            (indent, words).prop_map(|(i, w)| format!("{i}{w}")),
        ]
    }

    fn markdown() -> impl Strategy<Value = String> {
        (prop::collection::vec(line(), 0..40), any::<bool>())
            .prop_map(|(lines, crlf)| lines.join(if crlf { "\r\n" } else { "\n" }))
    }

    /// What survives an export without annotations: all but ids and tags.
    fn content(charter: &Charter) -> Charter {
        let mut charter = charter.clone();
        for section in &mut charter.sections {
            section.id = SectionId::from_random([0; 5]);
            section.tags.clear();
        }
        charter
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        /// Import never panics, whatever the caps, and within them is
        /// exactly `parse`. What `parse` reads, rendered, reads back the
        /// same: with annotations as the same charter (ids and tags
        /// included), without them as the same content; and rendering is
        /// then stable.
        #[test]
        fn markdown_reads_back_as_it_was_read(
            text in markdown(),
            max_sections in 0..6usize,
            max_articles in 0..6usize,
            max_depth in 0..4usize,
        ) {
            let tight = Limits { max_bytes: 400, max_sections, max_articles, max_depth };
            let _ = import(&text, &tight);
            let draft = parse(&text);
            prop_assert_eq!(import(&text, &Limits::default()), Ok(draft.clone()));

            let charter = to_charter(&draft);
            let annotated = render(&charter, RenderOptions::default());
            let again = to_charter(&parse(&annotated));
            prop_assert_eq!(&again, &charter, "annotated:\n{}", annotated);
            prop_assert_eq!(render(&again, RenderOptions::default()), annotated);

            let plain = render(&charter, RenderOptions { annotations: false });
            let again = to_charter(&parse(&plain));
            prop_assert_eq!(content(&again), content(&charter), "plain:\n{}", plain);
        }
    }
}
