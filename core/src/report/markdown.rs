//! Rendering the report as Markdown.

use super::*;

pub(super) fn render_markdown(report: &Report) -> String {
    let mut out = String::new();
    md_blocks(&mut out, &report.header, 0);
    md_blocks(&mut out, &report.body, 0);
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

fn md_blocks(out: &mut String, blocks: &[Block], indent: usize) {
    let pad = " ".repeat(indent);
    for block in blocks {
        match block {
            Block::Heading(level, line) => {
                out.push_str(&pad);
                out.push_str(&"#".repeat(usize::from(*level)));
                out.push(' ');
                md_line(out, line, indent, true);
                out.push_str("\n\n");
            }
            Block::Para(line) => {
                out.push_str(&pad);
                md_line(out, line, indent, false);
                out.push_str("\n\n");
            }
            Block::List(items) => {
                md_list(out, items, indent);
                out.push('\n');
            }
            Block::Diff(text) => {
                md_diff(out, text, indent);
                out.push('\n');
            }
        }
    }
}

fn md_list(out: &mut String, items: &[Item], indent: usize) {
    let pad = " ".repeat(indent);
    for item in items {
        out.push_str(&pad);
        out.push_str("- ");
        md_line(out, &item.line, indent + 2, false);
        out.push('\n');
        for child in &item.children {
            match child {
                Block::List(children) => md_list(out, children, indent + 2),
                other => {
                    out.push('\n');
                    md_blocks(out, std::slice::from_ref(other), indent + 2);
                }
            }
        }
    }
}

fn md_line(out: &mut String, line: &[Span], indent: usize, single_line: bool) {
    for (index, span) in line.iter().enumerate() {
        match span {
            Span::Text(text) => md_text(out, text, indent, single_line, index == 0),
            Span::Strong(text) => {
                out.push_str("**");
                md_text(out, text, indent, true, false);
                out.push_str("**");
            }
            Span::Code(text) => md_code(out, text),
        }
    }
}

/// User text in Markdown: punctuation that could start markup escaped,
/// blank lines dropped (they would end the block), each further line a
/// hard break indented to stay in its list item. `at_start`: the text
/// begins a line of the output.
pub(super) fn md_text(
    out: &mut String,
    text: &str,
    indent: usize,
    single_line: bool,
    at_start: bool,
) {
    let text = clean(text);
    let mut first = true;
    for line in text.split('\n') {
        let line = if first { line } else { line.trim() };
        if line.trim().is_empty() && !first {
            continue;
        }
        if !first {
            if single_line {
                out.push(' ');
            } else {
                out.push_str("\\\n");
                out.push_str(&" ".repeat(indent));
            }
        }
        md_escape_line(out, line, at_start || !first);
        first = false;
    }
}

fn md_escape_line(out: &mut String, line: &str, at_line_start: bool) {
    let mut chars = line.chars().peekable();
    if at_line_start {
        // Block markers only matter at the start of a line.
        if let Some(&ch) = chars.peek()
            && matches!(ch, '-' | '+' | '=')
        {
            out.push('\\');
        }
        let digits: String = line.chars().take_while(char::is_ascii_digit).collect();
        if !digits.is_empty() && matches!(line[digits.len()..].chars().next(), Some('.' | ')')) {
            out.push_str(&digits);
            out.push('\\');
            for _ in 0..digits.len() {
                chars.next();
            }
        }
    }
    for ch in chars {
        if matches!(
            ch,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '&' | '~' | '|'
        ) {
            out.push('\\');
        }
        out.push(ch);
    }
}

/// A code span that no backtick in the text can close.
pub(super) fn md_code(out: &mut String, text: &str) {
    let text = clean(text).replace(['\n', '\t'], " ");
    let fence = "`".repeat(longest_run(&text, '`') + 1);
    let pad = text.starts_with('`') || text.ends_with('`');
    out.push_str(&fence);
    if pad {
        out.push(' ');
    }
    out.push_str(&text);
    if pad {
        out.push(' ');
    }
    out.push_str(&fence);
}

pub(super) fn md_diff(out: &mut String, text: &str, indent: usize) {
    let pad = " ".repeat(indent);
    let text = clean(text);
    let fence = "`".repeat(longest_run(&text, '`').max(2) + 1);
    out.push_str(&pad);
    out.push_str(&fence);
    out.push_str("diff\n");
    for line in text.lines() {
        out.push_str(&pad);
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(&pad);
    out.push_str(&fence);
    out.push('\n');
}

fn longest_run(text: &str, ch: char) -> usize {
    let (mut longest, mut run) = (0, 0);
    for c in text.chars() {
        if c == ch {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    longest
}
