//! Writing a [`Page`] as HTML: escaping, the document frame, the style sheet.
//!
//! The document is HTML5 that is also well-formed XML (every element closed, attributes
//! quoted, only the five XML entities and numeric ones), so a strict XML parser reads it:
//! the tests parse it with one.

use super::{Block, Page, Table};

/// The style sheet, inline: system fonts only (no font is fetched), figures scale with the
/// page, and the print rules keep figures, table rows and headings with what follows whole.
const CSS: &str = include_str!("report.css");

/// `text` made safe as HTML text or a quoted attribute value: `& < > " '` as entities, and
/// the control characters XML does not allow (all below U+0020 but tab, newline and
/// carriage return) as U+FFFD.
pub fn escape(text: &str) -> String {
    let mut s = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => s.push_str("&amp;"),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '"' => s.push_str("&quot;"),
            '\'' => s.push_str("&#39;"),
            '\t' | '\n' | '\r' => s.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => s.push('\u{FFFD}'),
            c => s.push(c),
        }
    }
    s
}

/// The whole document.
pub(super) fn page(p: &Page) -> String {
    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n");
    h.push_str("<meta name=\"generator\" content=\"plenum\"/>\n");
    h.push_str(&format!("<title>{}</title>\n", escape(&p.title)));
    h.push_str(&format!("<style>\n{CSS}</style>\n</head>\n<body>\n"));
    h.push_str(&format!("<header>\n<h1>{}</h1>\n", escape(&p.title)));
    for line in &p.lead {
        h.push_str(&format!("<p class=\"lead\">{}</p>\n", escape(line)));
    }
    if p.sections.len() > 1 {
        h.push_str("<nav><ol>\n");
        for (i, s) in p.sections.iter().enumerate() {
            h.push_str(&format!(
                "<li><a href=\"#s{}\">{}</a></li>\n",
                i + 1,
                escape(&s.heading)
            ));
        }
        h.push_str("</ol></nav>\n");
    }
    h.push_str("</header>\n<main>\n");
    for (i, s) in p.sections.iter().enumerate() {
        h.push_str(&format!(
            "<section id=\"s{}\">\n<h2>{}</h2>\n",
            i + 1,
            escape(&s.heading)
        ));
        for b in &s.blocks {
            block(&mut h, b);
        }
        h.push_str("</section>\n");
    }
    h.push_str("</main>\n</body>\n</html>\n");
    h
}

fn block(h: &mut String, b: &Block) {
    match b {
        Block::Text(t) => h.push_str(&format!("<p>{}</p>\n", escape(t))),
        Block::Subheading(t) => h.push_str(&format!("<h3>{}</h3>\n", escape(t))),
        Block::Facts(kv) => {
            h.push_str("<table class=\"facts\">\n<tbody>\n");
            for (k, v) in kv {
                h.push_str(&format!(
                    "<tr><th scope=\"row\">{}</th><td>{}</td></tr>\n",
                    escape(k),
                    escape(v)
                ));
            }
            h.push_str("</tbody>\n</table>\n");
        }
        Block::Table(t) => table(h, t),
        Block::Figure(f) => {
            h.push_str("<figure>\n");
            h.push_str(f.svg());
            h.push_str(&format!(
                "\n<figcaption>{}</figcaption>\n</figure>\n",
                escape(&f.caption)
            ));
        }
        Block::Source { caption, text } => {
            h.push_str(&format!(
                "<figure class=\"source\">\n<figcaption>{}</figcaption>\n<pre><code>{}</code></pre>\n</figure>\n",
                escape(caption),
                escape(text)
            ));
        }
    }
}

fn table(h: &mut String, t: &Table) {
    let class = |i: usize| {
        if i == 0 || t.text_columns.contains(&i) {
            ""
        } else {
            " class=\"num\""
        }
    };
    h.push_str("<div class=\"table\"><table>\n");
    if let Some(c) = &t.caption {
        h.push_str(&format!("<caption>{}</caption>\n", escape(c)));
    }
    h.push_str("<thead><tr>");
    for (i, c) in t.header.iter().enumerate() {
        h.push_str(&format!("<th scope=\"col\"{}>{}</th>", class(i), escape(c)));
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for row in &t.rows {
        h.push_str("<tr>");
        for (i, c) in row.iter().enumerate() {
            h.push_str(&format!("<td{}>{}</td>", class(i), escape(c)));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table></div>\n");
}
