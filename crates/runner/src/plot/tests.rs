use std::path::{Path, PathBuf};

use super::axis::{compact, TickFormat};
use super::style::PALETTE;

use super::*;
use crate::output::charts::*;

const PNG_MAGIC: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];

fn check_files(paths: &[PathBuf]) {
    assert_eq!(paths.len(), 2);
    let png = std::fs::read(&paths[0]).unwrap_or_default();
    assert!(png.len() > 1000, "{} is too small", paths[0].display());
    assert_eq!(png[..8], PNG_MAGIC, "{}", paths[0].display());
    let svg = std::fs::read_to_string(&paths[1]).unwrap_or_default();
    assert!(svg.contains("<svg"), "{}", paths[1].display());
    assert!(svg.len() > 500, "{}", paths[1].display());
    for p in paths {
        let mut tmp = p.as_os_str().to_owned();
        tmp.push(".tmp");
        assert!(!PathBuf::from(tmp).exists());
    }
}

fn decay(n: usize, tau: f64, p0: f64) -> Series {
    let x: Vec<f64> = (0..=n).map(|i| 30.0 * i as f64 / n as f64).collect();
    let y = x.iter().map(|t| p0 * (-t / tau).exp()).collect();
    Series {
        label: format!("tau = {tau} day"),
        x,
        y,
    }
}

/// Write the example charts to `dir`; used by the tests and to look at them.
fn examples(dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    let mut out = Vec::new();
    let chart = LineChart {
        title: "PrK pressure, 13 leak hypotheses".into(),
        x_label: "time (day)".into(),
        y_label: "pressure (mmHg)".into(),
        series: (0..13)
            .map(|i| {
                let mut s = decay(600, 8.0 + 6.0 * i as f64, 760.0 - 3.0 * i as f64);
                s.label = format!("hypothesis {} (tau {} day)", i + 1, 8 + 6 * i);
                s
            })
            .collect(),
        log_y: false,
        ..LineChart::default()
    };
    out.extend(write_line_chart(&chart, &dir.join("lines13"))?);
    let chart = LineChart {
        title: "Three compartments".into(),
        x_label: "time (day)".into(),
        y_label: "pressure (mmHg)".into(),
        series: vec![
            decay(300, 20.0, 760.0),
            decay(300, 45.0, 740.0),
            decay(300, 90.0, 700.0),
        ],
        log_y: false,
        ..LineChart::default()
    };
    out.extend(write_line_chart(&chart, &dir.join("lines3"))?);
    let mut log_chart = chart.clone();
    log_chart.title = "Three compartments, log scale".into();
    log_chart.y_label = "pressure (Pa)".into();
    for s in &mut log_chart.series {
        for y in &mut s.y {
            *y *= 133.322_387_415;
        }
    }
    log_chart.log_y = true;
    out.extend(write_line_chart(&log_chart, &dir.join("lines_log"))?);

    let x: Vec<f64> = (0..=100).map(|i| 0.3 * i as f64).collect();
    let median: Vec<f64> = x.iter().map(|t| 101_325.0 * (-t / 40.0).exp()).collect();
    let band = |k: f64| -> (Vec<f64>, Vec<f64>) {
        let lo = x
            .iter()
            .zip(&median)
            .map(|(t, m)| m - k * 60.0 * t)
            .collect();
        let hi = x
            .iter()
            .zip(&median)
            .map(|(t, m)| m + k * 45.0 * t)
            .collect();
        (lo, hi)
    };
    let (lo90, hi90) = band(2.0);
    let (lo50, hi50) = band(0.8);
    let chart = BandChart {
        title: "Monte Carlo spread of tunnel pressure (1000 runs)".into(),
        x_label: "time (day)".into(),
        y_label: "pressure (Pa)".into(),
        x: x.clone(),
        median,
        bands: vec![(5.0, 95.0, lo90, hi90), (25.0, 75.0, lo50, hi50)],
    };
    out.extend(write_band_chart(&chart, &dir.join("band"))?);

    let hx: Vec<f64> = (0..25).map(|i| 1e-7 * 10f64.powf(i as f64 / 8.0)).collect();
    let hy: Vec<f64> = (0..20).map(|i| 0.5 + 0.25 * i as f64).collect();
    let z = hy
        .iter()
        .enumerate()
        .map(|(iy, y)| {
            hx.iter()
                .enumerate()
                .map(|(ix, x)| {
                    if iy == 3 && ix == 5 {
                        None
                    } else {
                        Some(760.0 * (-x * 2e5 * y).exp())
                    }
                })
                .collect()
        })
        .collect();
    let chart = Heatmap {
        title: "Pressure after 30 days".into(),
        x_label: "leak area (m2)".into(),
        y_label: "hatch seal gap (mm)".into(),
        z_label: "pressure (mmHg)".into(),
        x: hx,
        y: hy,
        z,
        log_x: true,
        log_y: false,
    };
    out.extend(write_heatmap(&chart, &dir.join("heatmap"))?);

    let values: Vec<f64> = (0..2000)
        .map(|i| {
            let u = (i as f64 + 0.5) / 2000.0;
            // A skewed spread via the logistic quantile.
            0.6 + 0.15 * (u / (1.0 - u)).ln() + 0.1 * u * u
        })
        .collect();
    let chart = Histogram {
        title: "Leak rate over 2000 runs".into(),
        x_label: "leak rate (mmHg/day)".into(),
        values,
        bins: 40,
    };
    out.extend(write_histogram(&chart, &dir.join("histogram"))?);

    let chart = Tornado {
        title: "What drives the final pressure".into(),
        x_label: "Spearman rank correlation with final pressure".into(),
        bars: vec![
            ("leak area".into(), -0.91),
            ("tunnel volume".into(), 0.42),
            ("hatch seal conductance".into(), 0.65),
            ("wall temperature".into(), 0.08),
            ("initial pressure".into(), 0.23),
            ("station pressure".into(), -0.12),
            ("discharge coefficient of the crack".into(), -0.55),
        ],
    };
    out.extend(write_tornado(&chart, &dir.join("tornado"))?);
    Ok(out)
}

#[test]
fn every_writer_produces_png_and_svg() -> Result<(), PlotError> {
    let dir = tempfile::tempdir().map_err(|source| PlotError::Io {
        path: PathBuf::from("tempdir"),
        source,
    })?;
    let paths = examples(dir.path())?;
    assert_eq!(paths.len(), 14);
    for pair in paths.chunks(2) {
        check_files(pair);
    }
    // Look at them: PLENUM_PLOT_DIR=/tmp/plot-check cargo test -p plenum-runner plot
    if let Some(out) = std::env::var_os("PLENUM_PLOT_DIR") {
        examples(Path::new(&out))?;
    }
    Ok(())
}

#[test]
fn degenerate_inputs_give_files_or_clean_errors() -> Result<(), PlotError> {
    let dir = tempfile::tempdir().map_err(|source| PlotError::Io {
        path: PathBuf::from("tempdir"),
        source,
    })?;
    let look = std::env::var_os("PLENUM_PLOT_DIR").map(|d| Path::new(&d).join("degenerate"));
    let d = look.as_deref().unwrap_or(dir.path());
    if let Some(d) = &look {
        let _ = std::fs::remove_dir_all(d);
        std::fs::create_dir_all(d).map_err(|source| PlotError::Io {
            path: d.clone(),
            source,
        })?;
    }
    let series = |x: Vec<f64>, y: Vec<f64>| Series {
        label: "s".into(),
        x,
        y,
    };
    let line = |series: Vec<Series>, log_y: bool| LineChart {
        title: String::new(),
        x_label: String::new(),
        y_label: String::new(),
        series,
        log_y,
        ..LineChart::default()
    };
    let nan = f64::NAN;
    let cases = vec![
        line(vec![], false),
        line(vec![series(vec![], vec![])], false),
        line(vec![series(vec![1.0], vec![2.0])], false),
        line(
            vec![series(vec![0.0, 1.0, 2.0], vec![5.0, 5.0, 5.0])],
            false,
        ),
        line(
            vec![series(vec![0.0, 1.0, 2.0], vec![0.0, 0.0, 0.0])],
            false,
        ),
        line(vec![series(vec![0.0, 1.0, 2.0], vec![0.0, 0.0, 0.0])], true),
        line(vec![series(vec![nan, nan], vec![nan, 1.0])], false),
        line(
            vec![series(vec![0.0, 1.0, 2.0, 3.0], vec![1.0, nan, 3.0, 4.0])],
            false,
        ),
        line(
            vec![series(vec![0.0, 1.0], vec![f64::INFINITY, 1.0])],
            false,
        ),
        line(vec![series(vec![0.0, 1.0], vec![1e-300, 1e-300])], false),
        line(vec![series(vec![0.0, 1.0], vec![1e300, -1e300])], false),
        line(vec![series(vec![5.0, 5.0], vec![1.0, 2.0])], false),
        line(vec![series(vec![0.0, 1.0], vec![-1.0, 1e-9])], true),
        line(vec![series(vec![0.0, 1e-9], vec![1e12, 1e12 + 1.0])], false),
        line(
            (0..40)
                .map(|i| Series {
                    label: format!("a rather long series label number {i} that goes on"),
                    x: vec![0.0, 1.0],
                    y: vec![i as f64, i as f64 + 1.0],
                })
                .collect(),
            false,
        ),
    ];
    for (i, chart) in cases.iter().enumerate() {
        check_files(&write_line_chart(chart, &d.join(format!("line{i}")))?);
    }
    // Too wide a range to draw: a clean error, and no file.
    let wide = line(
        vec![series(vec![0.0, 1.0], vec![f64::MAX, -f64::MAX])],
        false,
    );
    assert!(matches!(
        write_line_chart(&wide, &d.join("wide")),
        Err(PlotError::InvalidInput(_))
    ));
    assert!(!d.join("wide.png").exists());
    let mismatch = line(vec![series(vec![0.0, 1.0], vec![1.0])], false);
    assert!(matches!(
        write_line_chart(&mismatch, &d.join("mismatch")),
        Err(PlotError::LengthMismatch { .. })
    ));

    let band = BandChart {
        x: vec![0.0, 1.0, 2.0],
        median: vec![1.0, nan, 1.0],
        bands: vec![(10.0, 90.0, vec![0.0, 0.0, nan], vec![2.0, 2.0, 2.0])],
        ..BandChart::default()
    };
    check_files(&write_band_chart(&band, &d.join("band0"))?);
    check_files(&write_band_chart(&BandChart::default(), &d.join("band1"))?);
    let bad_band = BandChart {
        x: vec![0.0, 1.0],
        median: vec![1.0, 1.0],
        bands: vec![(10.0, 90.0, vec![0.0], vec![2.0, 2.0])],
        ..BandChart::default()
    };
    assert!(write_band_chart(&bad_band, &d.join("band2")).is_err());

    let heat = |x: Vec<f64>, y: Vec<f64>, z: Vec<Vec<Option<f64>>>, log: bool| Heatmap {
        x,
        y,
        z,
        log_x: log,
        log_y: log,
        ..Heatmap::default()
    };
    check_files(&write_heatmap(&Heatmap::default(), &d.join("heat0"))?);
    check_files(&write_heatmap(
        &heat(vec![1.0], vec![2.0], vec![vec![Some(3.0)]], false),
        &d.join("heat1"),
    )?);
    check_files(&write_heatmap(
        &heat(vec![1.0], vec![2.0], vec![vec![Some(3.0)]], true),
        &d.join("heat2"),
    )?);
    check_files(&write_heatmap(
        &heat(
            vec![1.0, 2.0],
            vec![1.0, 2.0],
            vec![vec![None, None], vec![None, Some(nan)]],
            false,
        ),
        &d.join("heat3"),
    )?);
    for (name, bad) in [
        (
            "unsorted",
            heat(vec![2.0, 1.0], vec![1.0], vec![vec![None, None]], false),
        ),
        (
            "nonpositive",
            heat(vec![0.0, 1.0], vec![1.0], vec![vec![None, None]], true),
        ),
        (
            "rows",
            heat(vec![1.0], vec![1.0, 2.0], vec![vec![None]], false),
        ),
        (
            "cols",
            heat(vec![1.0, 2.0], vec![1.0], vec![vec![None]], false),
        ),
    ] {
        assert!(write_heatmap(&bad, &d.join(name)).is_err(), "{name}");
        assert!(!d.join(format!("{name}.png")).exists());
    }

    let hist = |values: Vec<f64>, bins: usize| Histogram {
        values,
        bins,
        ..Histogram::default()
    };
    for (i, h) in [
        hist(vec![], 10),
        hist(vec![nan, f64::INFINITY], 10),
        hist(vec![3.0], 10),
        hist(vec![3.0, 3.0, 3.0], 1),
        hist(vec![0.0, 1.0, 1.0, 2.0], 3),
    ]
    .iter()
    .enumerate()
    {
        check_files(&write_histogram(h, &d.join(format!("hist{i}")))?);
    }
    assert!(write_histogram(&hist(vec![1.0], 0), &d.join("hist_zero")).is_err());

    for (i, bars) in [
        vec![],
        vec![("a".to_string(), nan)],
        vec![("only".to_string(), 0.0)],
        vec![("big".to_string(), 12.5), ("neg".to_string(), -3.0)],
        (0..60)
            .map(|i| (format!("parameter {i}"), (i as f64 / 30.0) - 1.0))
            .collect(),
    ]
    .into_iter()
    .enumerate()
    {
        let t = Tornado {
            bars,
            ..Tornado::default()
        };
        check_files(&write_tornado(&t, &d.join(format!("tornado{i}")))?);
    }
    Ok(())
}

#[test]
fn tick_formats() {
    let f = TickFormat::new(&[0.0, 0.25, 0.5, 0.75, 1.0], false);
    assert_eq!(f.format(0.5), "0.50");
    let f = TickFormat::new(&[100_000.0, 100_500.0, 101_000.0], false);
    assert_eq!(f.format(100_500.0), "100.5k");
    let f = TickFormat::new(&[0.0, 2e6, 4e6], false);
    assert_eq!(f.format(4e6), "4M");
    let f = TickFormat::new(&[0.0, 5e-5, 1e-4], false);
    assert_eq!(f.format(5e-5), "5.0e-5");
    assert_eq!(f.format(0.0), "0");
    let f = TickFormat::new(&[-0.5, 0.0, 0.5], false);
    assert_eq!(f.format(-1e-17), "0.0");
    let f = TickFormat::new(&[0.0, 10.0, 20.0], false);
    assert_eq!(f.format(20.0), "20");
    let f = TickFormat::new(&[0.0, 0.5, 1.0], false).integers();
    assert_eq!(f.format(0.5), "");
    assert_eq!(f.format(1.0), "1");
    assert_eq!(compact(101_325.0), "101k");
    assert_eq!(compact(2.5e-7), "2.5e-7");
    assert_eq!(compact(0.012_34), "0.0123");
    assert_eq!(compact(95.0), "95");
}

#[test]
fn palette_is_tableau_then_four_dark() {
    assert_eq!(PALETTE[0], RGBColor(31, 119, 180));
    assert_eq!(PALETTE[1], RGBColor(255, 127, 14));
    assert_eq!(PALETTE[9], RGBColor(23, 190, 207));
    assert_eq!(PALETTE[12], RGBColor(0, 100, 80));
    assert_eq!(PALETTE[13], RGBColor(150, 0, 90));
}
