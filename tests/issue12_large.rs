//! A 10 000-compartment chain end to end through `plenum run` (issue 12): above 128 states
//! the implicit solver uses a sparse Jacobian, so the run needs memory in proportion to the
//! links. The run is made under a 1.5 GiB address-space limit; the dense Jacobian and its LU
//! factors alone would take 1.6 GB.

mod common;

use common::{read_table, write_file};

fn chain(n: usize) -> String {
    let comps: Vec<String> = (0..n)
        .map(|i| {
            format!(
                "    (name: \"m{i}\", volume: {}, pressure: {}, temperature: 295),",
                20 + (i * 37) % 50,
                100_325 + 20 * ((i * 7919) % 101)
            )
        })
        .collect();
    let links: Vec<String> = (1..n)
        .map(|i| {
            format!(
                "    (name: \"h{i}\", from: \"m{}\", to: \"m{i}\", element: Orifice(area: \"1 cm2\", cd: 0.6)),",
                i - 1
            )
        })
        .collect();
    format!(
        "Scenario(name: \"chain\", duration: \"1 h\", gas: Perfect(r: 287.05, gamma: 1.4),\ncompartments: [\n{}\n],\nboundaries: [(name: \"space\", kind: Vacuum)],\nlinks: [\n{}\n    (name: \"leak\", from: \"m0\", to: \"space\", element: Orifice(area: \"1 mm2\", cd: 0.6)),\n],\noutputs: (interval: \"1 h\", plots: []))\n",
        comps.join("\n"),
        links.join("\n")
    )
}

#[test]
fn issue12_a_chain_of_10000_compartments_runs_through_plenum_run() {
    if !std::path::Path::new("/bin/sh").exists() {
        return;
    }
    let n = 10_000;
    let tmp = tempfile::tempdir().expect("temp dir");
    let file = write_file(tmp.path(), "chain.ron", chain(n));
    let out = tmp.path().join("out");
    let bin = env!("CARGO_BIN_EXE_plenum");
    let status = std::process::Command::new("/bin/sh")
        .arg("-c")
        .arg("ulimit -v 1572864 && exec \"$0\" run \"$1\" --out \"$2\" >/dev/null")
        .arg(bin)
        .arg(&file)
        .arg(&out)
        .status()
        .expect("sh runs");
    assert!(status.success(), "plenum run: {status}");
    let (headers, rows) = read_table(&out.join("timeseries.csv"));
    assert_eq!(rows.len(), 2, "rows at 0 and 1 h");
    let pressure: Vec<usize> = (0..headers.len())
        .filter(|&k| headers[k].ends_with(".pressure_Pa"))
        .collect();
    assert_eq!(pressure.len(), n);
    // Orifices move gas down pressure differences and the leak removes it: every pressure
    // at 1 h lies within the initial range, and the chain has begun to equalise.
    let (lo, hi) = pressure.iter().fold((f64::MAX, f64::MIN), |(a, b), &k| {
        (a.min(rows[0][k]), b.max(rows[0][k]))
    });
    let spread = |r: &[f64]| {
        let (a, b) = pressure.iter().fold((f64::MAX, f64::MIN), |(a, b), &k| {
            (a.min(r[k]), b.max(r[k]))
        });
        b - a
    };
    for &k in &pressure {
        let p = rows[1][k];
        assert!(p >= lo - 1.0 && p <= hi + 1e-6, "{}: {p} Pa", headers[k]);
    }
    assert!(spread(&rows[1]) < 0.5 * (hi - lo), "the hatches equalise");
}
