//! Rendering the report as one HTML page with an SVG timeline.

use super::*;

/// Text safe in HTML content and in quoted attribute values.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in clean(text).chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            ch => out.push(ch),
        }
    }
    out
}

const STYLE: &str = "\
body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1d1d1f;background:#fafafa;margin:0}
main{max-width:60rem;margin:0 auto;padding:1.5rem 2rem 4rem;background:#fff}
h1{font-size:1.7rem;margin-top:0}
h2{font-size:1.35rem;border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2.2rem}
h3{font-size:1.15rem;margin-top:1.8rem}
h4{font-size:1rem;margin:1.2rem 0 .4rem}
h5{font-size:.95rem;margin:1rem 0 .4rem;color:#444}
ul{padding-left:1.3rem}
li{margin:.15rem 0}
code{font:.85em ui-monospace,SFMono-Regular,Menlo,monospace;background:#f2f2f2;padding:0 .2em;border-radius:3px}
pre.diff{font:.85rem/1.4 ui-monospace,SFMono-Regular,Menlo,monospace;background:#f7f7f7;border:1px solid #e3e3e3;padding:.6rem;overflow-x:auto;white-space:pre-wrap}
pre.diff .add{background:#e6ffec;color:#0a5c1f}
pre.diff .del{background:#ffebe9;color:#8a1c12}
pre.diff .hunk{color:#6a737d}
figure.timeline{margin:1.5rem 0}
figure.timeline svg{width:100%;height:auto;font:11px system-ui,sans-serif}
svg .band{fill:#f6f6f6}
svg .lane{fill:#555}
svg .axis{stroke:#999}
svg .guide{stroke:#bbb;stroke-dasharray:3 3}
svg .ev circle{stroke:#fff;stroke-width:1}
svg .ev-challenge circle{fill:#c0392b}
svg .ev-amendment circle{fill:#2c7be5}
svg .ev-decision circle{fill:#8e44ad}
svg .ev-membership circle{fill:#16a085}
svg .ev-tension circle{fill:#e67e22}
svg .ev-version line{stroke:#1d1d1f;stroke-width:2}
svg .ev-version text{fill:#1d1d1f;font-weight:600}
";

pub(super) fn render_html(report: &Report) -> String {
    let mut out = String::new();
    let lang = report.lang;
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n",
        lang.code()
    );
    out.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n",
    );
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str("<title>");
    out.push_str(&escape(&report.title));
    out.push_str("</title>\n<style>\n");
    out.push_str(STYLE);
    out.push_str("</style>\n</head>\n<body>\n<main>\n");
    html_blocks(&mut out, &report.header);
    timeline(&mut out, &report.events, report.span, lang);
    html_blocks(&mut out, &report.body);
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

fn html_blocks(out: &mut String, blocks: &[Block]) {
    for block in blocks {
        match block {
            Block::Heading(level, line) => {
                let level = (*level).clamp(1, 6);
                let _ = write!(out, "<h{level}>");
                html_line(out, line);
                let _ = writeln!(out, "</h{level}>");
            }
            Block::Para(line) => {
                out.push_str("<p>");
                html_line(out, line);
                out.push_str("</p>\n");
            }
            Block::List(items) => {
                out.push_str("<ul>\n");
                for item in items {
                    out.push_str("<li>");
                    html_line(out, &item.line);
                    if !item.children.is_empty() {
                        out.push('\n');
                        html_blocks(out, &item.children);
                    }
                    out.push_str("</li>\n");
                }
                out.push_str("</ul>\n");
            }
            Block::Diff(text) => {
                out.push_str("<pre class=\"diff\"><code>");
                for line in text.lines() {
                    let class = if line.starts_with("@@") {
                        "hunk"
                    } else if line.starts_with('+') {
                        "add"
                    } else if line.starts_with('-') {
                        "del"
                    } else {
                        "ctx"
                    };
                    let _ = writeln!(out, "<span class=\"{class}\">{}</span>", escape(line));
                }
                out.push_str("</code></pre>\n");
            }
        }
    }
}

fn html_line(out: &mut String, line: &[Span]) {
    for span in line {
        match span {
            Span::Text(text) => out.push_str(&escape(text).replace('\n', "<br>\n")),
            Span::Strong(text) => {
                out.push_str("<strong>");
                out.push_str(&escape(text));
                out.push_str("</strong>");
            }
            Span::Code(text) => {
                out.push_str("<code>");
                out.push_str(&escape(text));
                out.push_str("</code>");
            }
        }
    }
}

/// Geometry of the timeline, in SVG user units.
pub(super) const WIDTH: u64 = 960;
pub(super) const LEFT: u64 = 110;
pub(super) const RIGHT: u64 = 30;
pub(super) const TOP: u64 = 10;
pub(super) const LANE: u64 = 30;

/// The SVG timeline: one lane per kind of event, a marker per event with
/// its tooltip, versions as labelled ticks, dates along the axis.
fn timeline(out: &mut String, events: &[Event], (first, last): (u64, u64), lang: Lang) {
    let date = |ms: u64| date(lang, ms);
    // The participation lane shows only where there is a participation.
    let shown: Vec<Lane> = Lane::ALL
        .into_iter()
        .filter(|lane| *lane != Lane::Participation || events.iter().any(|e| e.lane == *lane))
        .collect();
    let lanes = shown.len() as u64;
    let axis = TOP + lanes * LANE;
    let height = axis + 34;
    let plot = WIDTH - LEFT - RIGHT;
    // A single instant has no width: everything sits in the middle.
    let x = |at: u64| -> u64 {
        let at = at.max(first).min(last);
        if last == first {
            LEFT + plot / 2
        } else {
            let offset = u128::from(at - first) * u128::from(plot) / u128::from(last - first);
            LEFT + u64::try_from(offset).unwrap_or(plot)
        }
    };
    let lane_y = |lane: Lane| -> u64 {
        let index = shown.iter().position(|l| *l == lane).unwrap_or(0) as u64;
        TOP + index * LANE + LANE / 2
    };
    out.push_str("<figure class=\"timeline\">\n");
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-labelledby=\"timeline-title\">"
    );
    let _ = writeln!(
        out,
        "<title id=\"timeline-title\">{}</title>",
        escape(&lang.tr(
            "report-timeline-title",
            &[("first", date(first).into()), ("last", date(last).into())],
        ))
    );
    for (index, lane) in shown.iter().enumerate() {
        let top = TOP + index as u64 * LANE;
        if index % 2 == 0 {
            let _ = writeln!(
                out,
                "<rect class=\"band\" x=\"0\" y=\"{top}\" width=\"{WIDTH}\" height=\"{LANE}\"/>"
            );
        }
        let _ = writeln!(
            out,
            "<text class=\"lane\" x=\"8\" y=\"{}\">{}</text>",
            lane_y(*lane) + 4,
            escape(&lane.label(lang))
        );
    }
    let _ = writeln!(
        out,
        "<line class=\"axis\" x1=\"{LEFT}\" y1=\"{axis}\" x2=\"{}\" y2=\"{axis}\"/>",
        LEFT + plot
    );
    let ticks: Vec<(u64, &str)> = if last == first {
        vec![(first, "middle")]
    } else {
        vec![
            (first, "start"),
            (first + (last - first) / 2, "middle"),
            (last, "end"),
        ]
    };
    for (at, anchor) in ticks {
        let tx = x(at);
        let _ = writeln!(
            out,
            "<line class=\"axis\" x1=\"{tx}\" y1=\"{axis}\" x2=\"{tx}\" y2=\"{}\"/>",
            axis + 5
        );
        let _ = writeln!(
            out,
            "<text x=\"{tx}\" y=\"{}\" text-anchor=\"{anchor}\">{}</text>",
            axis + 18,
            date(at)
        );
    }
    for event in events {
        let ex = x(event.at);
        let ey = lane_y(event.lane);
        let _ = write!(
            out,
            "<g class=\"ev ev-{}\"><title>{}</title>",
            event.lane.class(),
            escape(&event.label)
        );
        match &event.tick {
            Some(tick) => {
                let _ = write!(
                    out,
                    "<line class=\"guide\" x1=\"{ex}\" y1=\"{TOP}\" x2=\"{ex}\" y2=\"{axis}\"/><line x1=\"{ex}\" y1=\"{}\" x2=\"{ex}\" y2=\"{}\"/><text x=\"{}\" y=\"{}\">{}</text>",
                    ey - 9,
                    ey + 9,
                    ex + 3,
                    ey - 2,
                    escape(tick)
                );
            }
            None => {
                let _ = write!(out, "<circle cx=\"{ex}\" cy=\"{ey}\" r=\"5\"/>");
            }
        }
        out.push_str("</g>\n");
    }
    out.push_str("</svg>\n");
    let _ = writeln!(
        out,
        "<figcaption>{}</figcaption>",
        escape(&lang.tr(
            "report-timeline-caption",
            &[
                ("count", events.len().into()),
                ("first", date(first).into()),
                ("last", date(last).into()),
            ],
        ))
    );
    out.push_str("</figure>\n");
}
