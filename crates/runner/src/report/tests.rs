use super::*;

#[test]
fn escape_covers_markup_quotes_and_control_characters() {
    assert_eq!(
        escape("a<b>&\"c\"'d'\u{1}\te\n"),
        "a&lt;b&gt;&amp;&quot;c&quot;&#39;d&#39;\u{FFFD}\te\n"
    );
    assert_eq!(escape("mm²→ok"), "mm²→ok");
}

#[test]
fn figure_from_svg_drops_the_prolog_and_fixed_size() {
    let svg = "<?xml version=\"1.0\"?>\n<svg width=\"1200\" height=\"700\" viewBox=\"0 0 1200 700\" xmlns=\"http://www.w3.org/2000/svg\">\n<rect/></svg>\n";
    let f = Figure::from_svg("p<1>", svg);
    assert!(
        f.svg().starts_with("<svg viewBox=\"0 0 1200 700\""),
        "{}",
        f.svg()
    );
    assert!(!f.svg().contains("width=\"1200\""));
    assert!(f.svg().contains("aria-label=\"p&lt;1&gt;\""));
    assert!(f.svg().ends_with("<rect/></svg>\n"));
    assert_eq!(Figure::from_svg("x", "not svg").svg(), "");
}

#[test]
fn page_escapes_every_piece_of_user_text() {
    let page = Page {
        title: "<zt>".into(),
        lead: vec!["a & b".into()],
        sections: vec![
            Section {
                heading: "<zh>".into(),
                blocks: vec![
                    Block::Text("<zp>".into()),
                    Block::Facts(vec![("<zk>".into(), "<zv>".into())]),
                    Block::Table(Table {
                        caption: Some("<zc>".into()),
                        header: vec!["<za>".into(), "b".into()],
                        rows: vec![vec!["<zx>".into(), "1".into()]],
                        text_columns: vec![],
                    }),
                    Block::Source {
                        caption: "<zf>".into(),
                        text: "</code></pre><script>".into(),
                    },
                ],
            },
            Section::default(),
        ],
    };
    let html = page.to_html();
    for raw in [
        "<zt>", "<zh>", "<zp>", "<zk>", "<zv>", "<zc>", "<za>", "<zx>", "<zf>", "<script>",
    ] {
        assert!(!html.contains(raw), "{raw} unescaped in\n{html}");
    }
    assert!(html.contains("&lt;/code&gt;&lt;/pre&gt;&lt;script&gt;"));
    assert!(html.contains("<td class=\"num\">1</td>"));
    assert!(html.contains("<a href=\"#s1\">&lt;zh&gt;</a>"));
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(html.ends_with("</html>\n"));
}

#[test]
fn captions_say_what_a_plot_shows() {
    assert_eq!(
        caption_of("pressure.svg"),
        "Compartment pressures (pressure.svg, .png)"
    );
    assert_eq!(
        caption_of("histogram-t_1mmHg.svg"),
        "Distribution of t_1mmHg over the runs (histogram-t_1mmHg.svg, .png)"
    );
    assert_eq!(
        caption_of("partial_pressure_O2.svg"),
        "Partial pressure of O2 (partial_pressure_O2.svg, .png)"
    );
    assert_eq!(caption_of("other"), "other");
}
