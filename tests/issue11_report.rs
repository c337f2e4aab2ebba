//! Issue 11, points 5 and 6: `report.html` beside every run and sweep (parsed strictly,
//! every plot and table present, user text escaped, nothing fetched from the network), and
//! a sweep's results people can read (`runs-display.csv`, the printed metric summary, a
//! small default set of plots).

mod common;

use std::path::Path;

use common::{plenum, root, run_ok, summary, sweep_text, write_file, write_sweep, MMHG};

/// The report of `dir`, its text and its parsed tree (a strict XML parser: the report is
/// well-formed, so any unescaped `<` or `&` in user text fails here).
fn report(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("report.html")).expect("report.html beside the results")
}

fn parse(html: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse_with_options(
        html,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..roxmltree::ParsingOptions::default()
        },
    )
    .unwrap_or_else(|e| panic!("report.html is not well-formed: {e}"))
}

fn text_of(n: roxmltree::Node<'_, '_>) -> String {
    n.descendants()
        .filter(|d| d.is_text())
        .filter_map(|d| d.text())
        .collect()
}

fn named<'a, 'i>(doc: &'a roxmltree::Document<'i>, tag: &str) -> Vec<roxmltree::Node<'a, 'i>> {
    doc.descendants()
        .filter(|n| n.is_element() && n.tag_name().name() == tag)
        .collect()
}

/// Nothing in the page reaches outside it: no script, no linked style sheet or object, no
/// attribute pointing at http(s) or a protocol-relative `//`, no `@import` or `url(` in the
/// style, no `<base>`.
fn assert_offline(doc: &roxmltree::Document<'_>, html: &str) {
    for tag in [
        "script", "link", "iframe", "object", "embed", "img", "base", "image",
    ] {
        assert!(
            named(doc, tag).is_empty(),
            "a <{tag}> element in the report"
        );
    }
    for n in doc.descendants().filter(|n| n.is_element()) {
        for a in n.attributes() {
            let v = a.value().trim().to_ascii_lowercase();
            if matches!(
                a.name(),
                "src" | "href" | "action" | "poster" | "data" | "srcset"
            ) {
                assert!(
                    !(v.starts_with("http:") || v.starts_with("https:") || v.starts_with("//")),
                    "<{} {}=\"{}\"> fetches from the network",
                    n.tag_name().name(),
                    a.name(),
                    a.value()
                );
                assert!(
                    v.starts_with('#'),
                    "<{} {}=\"{}\">: only links inside the page are expected",
                    n.tag_name().name(),
                    a.name(),
                    a.value()
                );
            }
        }
    }
    let styles: String = named(doc, "style").into_iter().map(text_of).collect();
    assert!(!styles.is_empty(), "the style sheet is inline");
    assert!(styles.contains("@media print"), "print rules");
    assert!(!styles.contains("@import"), "@import in the style");
    assert!(!styles.contains("url("), "url() in the style");
    let lower = html.to_ascii_lowercase();
    assert!(!lower.contains("<script"), "a script in the report");
    assert!(!lower.contains("url(http"), "url(http...) in the report");
}

/// The `<h2>` headings, in order.
fn headings(doc: &roxmltree::Document<'_>) -> Vec<String> {
    named(doc, "h2").into_iter().map(text_of).collect()
}

/// The section whose heading is `h`.
fn section<'a, 'i>(doc: &'a roxmltree::Document<'i>, h: &str) -> roxmltree::Node<'a, 'i> {
    named(doc, "section")
        .into_iter()
        .find(|s| {
            s.children()
                .any(|c| c.tag_name().name() == "h2" && text_of(c) == h)
        })
        .unwrap_or_else(|| panic!("no section '{h}'"))
}

/// The tables of a node, each as (header cells, rows of cells).
type Grid = (Vec<String>, Vec<Vec<String>>);

fn tables(n: roxmltree::Node<'_, '_>) -> Vec<Grid> {
    n.descendants()
        .filter(|t| t.tag_name().name() == "table")
        .map(|t| {
            let cells = |row: roxmltree::Node<'_, '_>| -> Vec<String> {
                row.children()
                    .filter(|c| matches!(c.tag_name().name(), "th" | "td"))
                    .map(text_of)
                    .collect()
            };
            let rows: Vec<roxmltree::Node<'_, '_>> = t
                .descendants()
                .filter(|r| r.tag_name().name() == "tr")
                .collect();
            let in_head =
                |r: &roxmltree::Node<'_, '_>| r.ancestors().any(|a| a.tag_name().name() == "thead");
            let header = rows.iter().find(|r| in_head(r)).map(|r| cells(*r));
            let body = rows.iter().filter(|r| !in_head(r)).map(|r| cells(*r));
            (header.unwrap_or_default(), body.collect())
        })
        .collect()
}

fn svg_files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".svg"))
        .collect();
    v.sort();
    v
}

/// Every figure holds an inline `<svg>` with drawing in it and a caption naming its file;
/// one figure per plot file.
fn assert_figures(doc: &roxmltree::Document<'_>, dir: &Path) {
    let files = svg_files(dir);
    let figures: Vec<_> = named(doc, "figure")
        .into_iter()
        .filter(|f| f.attribute("class") != Some("source"))
        .collect();
    assert_eq!(figures.len(), files.len(), "one figure per plot: {files:?}");
    for file in &files {
        let caption = |f: &roxmltree::Node<'_, '_>| {
            f.children()
                .find(|c| c.tag_name().name() == "figcaption")
                .map(text_of)
                .unwrap_or_default()
        };
        let f = figures
            .iter()
            .find(|f| caption(f).contains(&format!("({file}")))
            .unwrap_or_else(|| panic!("no figure captioned with {file}"));
        let svg = f
            .children()
            .find(|c| c.tag_name().name() == "svg")
            .unwrap_or_else(|| panic!("figure of {file} has no inline svg"));
        assert!(svg.attribute("viewBox").is_some(), "{file}: no viewBox");
        assert!(
            svg.descendants().filter(|d| d.is_element()).count() > 20,
            "{file}: an empty drawing"
        );
    }
}

#[test]
fn issue11_run_report_has_every_plot_table_and_the_scenario_escaped() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // User text with markup in it: a description and a comment that close the page's
    // elements and open a script, if they were not escaped.
    let source = std::fs::read_to_string(root().join("scenarios/iss-prk-leak.ron"))
        .expect("the default scenario")
        .replacen(
            "Scenario(",
            "// </code></pre><script>alert('x')</script> & <b>bold</b> \"q\"\nScenario(",
            1,
        );
    let file = write_file(tmp.path(), "leak.ron", &source);
    let out = tmp.path().join("out");
    run_ok(&file, &out);
    let html = report(&out);
    let doc = parse(&html);
    assert_offline(&doc, &html);
    assert_eq!(
        headings(&doc),
        [
            "Plots",
            "Pressures",
            "Leak rates and flows",
            "Mass balance",
            "Thresholds",
            "Flow reversals",
            "Event log",
            "Scenario",
            "Provenance"
        ]
    );
    assert_figures(&doc, &out);
    assert_eq!(svg_files(&out), ["flows.svg", "pressure.svg"]);

    // The scenario text, whole, as text: the markup in it is escaped, not interpreted.
    let code = named(&doc, "code");
    assert_eq!(code.len(), 1);
    assert_eq!(text_of(code[0]), source);
    assert!(html.contains("&lt;/code&gt;&lt;/pre&gt;&lt;script&gt;alert(&#39;x&#39;)"));

    // Tables agree with summary.json, in the scenario's display units (mmHg, day, kg/day).
    let s = summary(&out);
    let pressures = tables(section(&doc, "Pressures"));
    let (header, rows) = &pressures[0];
    assert_eq!(
        header[..5],
        [
            "compartment",
            "volume (m3)",
            "start (mmHg)",
            "end (mmHg)",
            "minimum (mmHg)"
        ]
    );
    assert_eq!(rows.len(), 2);
    for (row, c) in rows.iter().zip(s["compartments"].as_array().expect("list")) {
        assert_eq!(row[0], c["name"].as_str().expect("name"));
        let end: f64 = row[3].parse().expect("a number");
        let want = c["final_pressure_Pa"].as_f64().expect("pressure") / MMHG;
        assert!((end - want).abs() <= 1e-5 * want, "{end} vs {want} mmHg");
    }
    let (pp_header, _) = &pressures[1];
    assert!(
        pp_header.contains(&"O2 (mmHg)".to_string()),
        "{pp_header:?}"
    );

    let flows = tables(section(&doc, "Leak rates and flows"));
    assert_eq!(
        flows[0].0,
        [
            "into boundary",
            "kind",
            "at start (kg/day)",
            "at end (kg/day)",
            "received in total (kg)"
        ]
    );
    let leak: f64 = flows[0].1[0][2].parse().expect("a number");
    let want = s["boundaries"][0]["leak_rate_start_kg_per_day"]
        .as_f64()
        .expect("leak");
    assert!(
        (leak - want).abs() <= 1e-5 * want,
        "{leak} vs {want} kg/day"
    );
    assert_eq!(flows[1].1.len(), 2, "one row per link");

    let balance = tables(section(&doc, "Mass balance"));
    assert!(balance[0]
        .1
        .iter()
        .any(|r| r[0].starts_with("balance error")));

    let thresholds = tables(section(&doc, "Thresholds"));
    let (th_header, th_rows) = &thresholds[0];
    assert_eq!(th_header[4], "first crossed (day)");
    let first: f64 = th_rows[1][4].parse().expect("a time");
    let want = s["thresholds"][1]["first_crossing_s"]
        .as_f64()
        .expect("time")
        / 86_400.0;
    assert!((first - want).abs() <= 1e-5 * want, "{first} vs {want} day");

    let provenance = tables(section(&doc, "Provenance"));
    let fact = |k: &str| {
        provenance[0]
            .1
            .iter()
            .find(|r| r[0] == k)
            .map(|r| r[1].clone())
            .unwrap_or_else(|| panic!("no '{k}' in the provenance"))
    };
    assert_eq!(fact("plenum version"), env!("CARGO_PKG_VERSION"));
    assert_eq!(
        fact("scenario SHA-256"),
        s["provenance"]["scenario_sha256"].as_str().expect("sha")
    );
    assert_eq!(fact("solver"), "BDF");
    assert_eq!(
        fact("Jacobian evaluations"),
        s["solver"]["jacobian_evals"].to_string()
    );

    // The report is one of the run's files: its manifest records it.
    let manifest = std::fs::read_to_string(out.join(".plenum-manifest.json")).expect("manifest");
    assert!(manifest.contains("\"report.html\""), "{manifest}");
}

#[test]
fn issue11_run_report_lists_events_and_reversals() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    // The example of every feature: flows reverse and events fire.
    run_ok("scenarios/examples/every-feature.ron", &out);
    let html = report(&out);
    let doc = parse(&html);
    assert_offline(&doc, &html);
    assert_figures(&doc, &out);
    let s = summary(&out);
    let reversals = s["reversals"].as_array().expect("list");
    assert!(!reversals.is_empty(), "the scenario reverses a flow");
    let t = tables(section(&doc, "Flow reversals"));
    assert_eq!(t[0].1.len(), reversals.len().min(500));
    assert_eq!(t[0].1[0][0], reversals[0]["link"].as_str().expect("link"));
    let events = s["events"].as_array().expect("list");
    assert!(!events.is_empty(), "the scenario fires events");
    let ev = tables(section(&doc, "Event log"));
    assert_eq!(ev[0].0, ["event", "time (h)"]);
    assert_eq!(ev[0].1.len(), events.len());
    for (row, e) in ev[0].1.iter().zip(events) {
        assert_eq!(row[0], e["name"].as_str().expect("name"));
    }
}

/// A grid sweep of 3 x 3 runs without `plots:`, with a metric that stays empty in some runs.
fn small_sweep(dir: &Path) -> std::path::PathBuf {
    let text = sweep_text(
        7,
        "Grid",
        &[
            r#"(path: "links.crack.element.area", values: Log(from: "0.02 mm2", to: "0.2 mm2", count: 3)),"#,
            r#"(path: "links.seal.element.k", values: List([1e-10, 1e-9, 1e-8])),"#,
        ],
        &[
            r#"(name: "tunnel_end", of: Final("tunnel.pressure")),"#,
            r#"(name: "t_700", of: TimeTo(quantity: "tunnel.pressure", below: "700 mmHg")),"#,
            r#"(name: "loss", of: LeakRate(boundary: "space")),"#,
        ],
        "    trajectories: (quantity: \"tunnel.pressure\", count: 5),\n",
    );
    write_sweep(dir, "2 day", "s<weep>.ron", &text)
}

#[test]
fn issue11_sweep_display_table_summary_default_plots_and_report() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = small_sweep(tmp.path());
    let out = tmp.path().join("out");
    let run = plenum()
        .arg("sweep")
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .args(["-j", "2", "--quiet"])
        .output()
        .expect("runs");
    assert!(run.status.success(), "{}", common::stderr_of(&run));
    // --quiet prints nothing; run it again to see the summary.
    let run = plenum()
        .arg("sweep")
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .args(["-j", "2"])
        .output()
        .expect("runs");
    assert!(run.status.success(), "{}", common::stderr_of(&run));
    let stdout = String::from_utf8_lossy(&run.stdout).into_owned();

    // runs.csv stays SI; runs-display.csv holds the same rows in display units (the base
    // scenario sets none: kPa, and day for a 2-day run).
    let si_text = std::fs::read_to_string(out.join("runs.csv")).expect("runs.csv");
    let si: Vec<&str> = si_text.lines().skip(1).collect();
    assert_eq!(
        si[0],
        "run,links.crack.element.area_m2,links.seal.element.k_kg_per_s_Pa,tunnel_end_Pa,t_700_s,loss_kg_per_day,status,error"
    );
    let disp_text = std::fs::read_to_string(out.join("runs-display.csv")).expect("display copy");
    let disp: Vec<&str> = disp_text.lines().collect();
    assert_eq!(
        disp[0],
        "run,links.crack.element.area_mm2,links.seal.element.k_kg_per_s_Pa,tunnel_end_kPa,t_700_day,loss_kg_per_day,status,error"
    );
    assert_eq!(disp.len(), si.len(), "one display row per run");
    let scale = [1.0, 1e6, 1.0, 1e-3, 1.0 / 86_400.0, 1.0];
    let mut empty = 0;
    for (a, b) in si[1..].iter().zip(&disp[1..]) {
        let (a, b): (Vec<&str>, Vec<&str>) = (a.split(',').collect(), b.split(',').collect());
        assert_eq!(a.len(), b.len());
        for (i, f) in scale.iter().enumerate() {
            if a[i].is_empty() {
                assert!(b[i].is_empty(), "an empty cell stays empty");
                empty += 1;
                continue;
            }
            let (x, y): (f64, f64) = (a[i].parse().expect("SI"), b[i].parse().expect("shown"));
            assert!(
                (x * f - y).abs() <= 1e-5 * y.abs(),
                "column {i}: {x} SI vs {y}"
            );
        }
        assert_eq!(a[6..], b[6..], "status and error as they are");
    }
    assert!(empty > 0, "some runs never fall below 700 mmHg");

    // The printed summary: the median of tunnel_end over the runs, in kPa.
    let mut ends: Vec<f64> = si[1..]
        .iter()
        .map(|r| {
            r.split(',')
                .nth(3)
                .expect("cell")
                .parse::<f64>()
                .expect("a number")
                / 1e3
        })
        .collect();
    ends.sort_by(f64::total_cmp);
    let line = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("tunnel_end "))
        .unwrap_or_else(|| panic!("no summary line for tunnel_end in\n{stdout}"));
    let cells: Vec<&str> = line.split_whitespace().collect();
    let median: f64 = cells[1].parse().expect("the median");
    assert!(
        (median - ends[4]).abs() <= 1e-3 * ends[4],
        "{line} vs {}",
        ends[4]
    );
    assert_eq!(cells[5], "kPa", "{line}");
    assert!(stdout.contains("failed runs: 0 of 9"), "{stdout}");
    let t700 = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("t_700 "))
        .expect("t_700 line");
    assert!(
        t700.ends_with(&format!("{} of 9", 9 - empty)),
        "runs with a value: {t700}"
    );

    // Four default plots at most: band, heatmap, tornado and histogram of the first metric.
    assert_eq!(
        svg_files(&out),
        [
            "band.svg",
            "heatmap-tunnel_end.svg",
            "histogram-tunnel_end.svg",
            "tornado-tunnel_end.svg"
        ]
    );

    let html = report(&out);
    let doc = parse(&html);
    assert_offline(&doc, &html);
    assert_figures(&doc, &out);
    assert_eq!(
        headings(&doc),
        [
            "Metrics",
            "Parameters",
            "Plots",
            "Files",
            "Sweep file",
            "Base scenario",
            "Provenance"
        ]
    );
    let metrics = tables(section(&doc, "Metrics"));
    assert_eq!(
        metrics[0].0,
        [
            "metric",
            "unit",
            "median",
            "5 %",
            "95 %",
            "runs with a value"
        ]
    );
    let names: Vec<&str> = metrics[0].1.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(names, ["tunnel_end", "t_700", "loss"]);
    assert_eq!(metrics[0].1[0][2], cells[1], "the printed median");
    let params = tables(section(&doc, "Parameters"));
    assert_eq!(params[0].1[0][..2], ["links.crack.element.area", "mm2"]);
    assert_eq!(params[0].1[0][2], "3 values, 0.02 .. 0.2");
    // The sweep file's text, escaped (its name has markup in it too).
    let code: Vec<String> = named(&doc, "code").into_iter().map(text_of).collect();
    assert_eq!(code[0], std::fs::read_to_string(&file).expect("sweep file"));
    assert!(named(&doc, "figcaption")
        .into_iter()
        .any(|c| text_of(c).ends_with("s<weep>.ron")));
    let manifest = std::fs::read_to_string(out.join(".plenum-manifest.json")).expect("manifest");
    assert!(manifest.contains("\"report.html\"") && manifest.contains("\"runs-display.csv\""));
}

#[test]
fn issue11_sweep_plots_chosen_in_the_file_and_redrawn_with_the_report() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let text = sweep_text(
        3,
        "Grid",
        &[
            r#"(path: "links.crack.element.area", values: Linear(from: "0.02 mm2", to: "0.2 mm2", count: 4)),"#,
        ],
        &[r#"(name: "tunnel_end", of: Final("tunnel.pressure")),"#],
        "    plots: [Histogram(\"tunnel_end\")],\n",
    );
    let file = write_sweep(tmp.path(), "1 day", "one.ron", &text);
    let out = tmp.path().join("out");
    plenum()
        .arg("sweep")
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .arg("--quiet")
        .assert()
        .success();
    assert_eq!(svg_files(&out), ["histogram-tunnel_end.svg"]);
    let before = std::fs::read(out.join("runs-display.csv")).expect("display copy");
    std::fs::remove_file(out.join("report.html")).expect("remove");
    // sweep-plot (after a merge) draws the plots and writes the display copy and the report.
    plenum()
        .arg("sweep-plot")
        .arg(&file)
        .arg(&out)
        .assert()
        .success();
    assert_eq!(
        std::fs::read(out.join("runs-display.csv")).expect("again"),
        before
    );
    let html = report(&out);
    let doc = parse(&html);
    assert_offline(&doc, &html);
    assert_figures(&doc, &out);
}

#[test]
fn issue11_plot_redraws_the_report_in_the_new_units() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    run_ok("scenarios/iss-prk-leak.ron", &out);
    plenum()
        .arg("plot")
        .arg(&out)
        .args(["--pressure-unit", "psi"])
        .assert()
        .success();
    let html = report(&out);
    let doc = parse(&html);
    assert_offline(&doc, &html);
    assert_figures(&doc, &out);
    let pressures = tables(section(&doc, "Pressures"));
    assert_eq!(pressures[0].0[2], "start (psi)");
    let start: f64 = pressures[0].1[0][2].parse().expect("a number");
    assert!((start - 14.6959).abs() < 1e-3, "760 mmHg is {start} psi?");
    let figure_text: String = named(&doc, "svg").into_iter().map(text_of).collect();
    assert!(
        figure_text.contains("pressure (psi)"),
        "the plots are the new ones"
    );
}

#[test]
fn issue11_variant_set_report_has_the_table_every_overlay_and_each_variant() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    run_ok(root().join("scenarios/prk-pressure-test.ron"), &out);
    let html = report(&out);
    let doc = parse(&html);
    assert_offline(&doc, &html);
    assert_eq!(
        headings(&doc),
        [
            "Side by side",
            "Plots",
            "Variants",
            "Scenario",
            "Provenance"
        ]
    );
    // One inline figure per overlay plot of the set.
    assert_figures(&doc, &out);
    let side = text_of(section(&doc, "Side by side"));
    for v in ["space_only", "seal_only", "both", "both_larger"] {
        assert!(side.contains(v), "{v} missing from the table");
        assert!(
            text_of(section(&doc, "Variants")).contains(&format!("{v}/report.html")),
            "{v}'s own report is not named"
        );
        assert!(out.join(v).join("report.html").is_file(), "{v}: no report");
    }
    assert!(side.contains("final pressure prk"), "{side}");
}
