//! `plenum sweep`, `merge` and `sweep-plot` through the real binary: refusals of bad sweep
//! files (snapshotted, exit code 2), thread-count independence, sharding and merging.

mod common;

use common::{plenum, refusal, ron_files, root, sweep_text, write_sweep, CRACK_AREA, TUNNEL_END};

#[test]
fn every_invalid_sweep_is_refused_with_its_snapshotted_message() {
    let files = ron_files("scenarios/invalid-sweeps");
    assert!(files.len() >= 8);
    let tmp = tempfile::tempdir().expect("tempdir");
    for (name, rel) in files {
        let out_dir = tmp.path().join(&name);
        let out = plenum()
            .args(["sweep", &rel, "--out"])
            .arg(&out_dir)
            .output()
            .expect("runs");
        let stderr = refusal(&out, &rel);
        assert!(!out_dir.exists(), "{rel}: nothing may be written");
        insta::assert_snapshot!(format!("invalid_sweep__{name}"), stderr);
    }
}

#[test]
fn the_cap_gives_way_to_force() {
    // The too-large sweep loads with --force (its refusal is the snapshot above); check
    // only that the cap is what refused it, without running 160 000 runs.
    let sweep = plenum_runner::sweep::load_sweep(
        &root().join("scenarios/invalid-sweeps/too-large.ron"),
        true,
    )
    .expect("loads with force");
    assert_eq!(sweep.len(), 160_000);
}

/// A sweep of the crack area and the tunnel volume, recording the seal's direction.
fn sweep(mode: &str) -> String {
    sweep_text(
        3,
        mode,
        &[
            CRACK_AREA,
            r#"(path: "compartments.tunnel.volume", values: Triangular(min: "5 m3", mode: "7 m3", max: "10 m3")),"#,
        ],
        &[
            TUNNEL_END,
            r#"(name: "seal_direction", of: FlowDirection("seal")),"#,
            r#"(name: "first_reversal", of: FirstReversal("seal")),"#,
        ],
        "",
    )
}

#[test]
fn sweep_shard_and_merge_through_the_command_line() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = write_sweep(tmp.path(), "3 day", "s.ron", &sweep("MonteCarlo(24)"));
    let run = |args: &[&str], out: &str| {
        plenum()
            .arg("sweep")
            .arg(&file)
            .args(args)
            .arg("--out")
            .arg(tmp.path().join(out))
            .arg("--quiet")
            .assert()
            .success();
    };
    run(&["--threads", "1"], "one");
    run(&["--threads", "2"], "two");
    let one = std::fs::read(tmp.path().join("one/runs.csv")).expect("runs");
    assert_eq!(
        one,
        std::fs::read(tmp.path().join("two/runs.csv")).expect("runs")
    );
    // The tunnel starts above the cabin: the seal flows tunnel -> cabin at first, then the
    // crack drains the tunnel below the cabin and the seal reverses in every run.
    let text = String::from_utf8(one.clone()).expect("utf8");
    for line in text.lines().skip(2) {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f[4], "1e0", "seal ends flowing cabin -> tunnel: {line}");
        assert!(
            f[5].parse::<f64>().is_ok_and(|t| t > 0.0),
            "a reversal time: {line}"
        );
    }
    for k in 1..=2 {
        run(&["--shard", &format!("{k}/2")], "shards");
    }
    // `plenum merge` of the shards numbered `shards` (in that order) into `out`.
    let merge = |shards: &[usize], out: &str| {
        plenum()
            .arg("merge")
            .arg(&file)
            .args(
                shards
                    .iter()
                    .map(|k| tmp.path().join(format!("shards/runs.shard-{k}-of-2.csv"))),
            )
            .arg("--out")
            .arg(tmp.path().join(out))
            .assert()
    };
    merge(&[2, 1], "merged.csv").success();
    assert_eq!(
        std::fs::read(tmp.path().join("merged.csv")).expect("merged"),
        one
    );
    // A merge that misses a shard is refused.
    merge(&[1], "bad.csv").code(2);
    // Plots from a file merged into the shards' directory.
    merge(&[1, 2], "shards/runs.csv").success();
    plenum()
        .arg("sweep-plot")
        .arg(&file)
        .arg(tmp.path().join("shards"))
        .assert()
        .success();
    assert!(tmp.path().join("shards/tornado-tunnel_end.png").exists());
}

#[test]
fn bad_shard_and_thread_options_are_usage_errors() {
    for args in [
        vec!["--shard", "0/3"],
        vec!["--shard", "4/3"],
        vec!["--shard", "x"],
        vec!["--threads", "0"],
    ] {
        plenum()
            .args(["sweep", "scenarios/prk-leak-sweep.ron"])
            .args(&args)
            .assert()
            .code(2);
    }
}

#[test]
fn a_sweep_killed_midway_resumes_to_the_uninterrupted_bytes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // Enough runs that the process is still going when it is killed.
    let file = write_sweep(tmp.path(), "3 day", "s.ron", &sweep("MonteCarlo(1500)"));
    let whole = tmp.path().join("whole");
    plenum()
        .arg("sweep")
        .arg(&file)
        .args(["--quiet", "--threads", "2", "--out"])
        .arg(&whole)
        .assert()
        .success();
    let part = tmp.path().join("part");
    let bin = assert_cmd::cargo::cargo_bin("plenum");
    let mut child = std::process::Command::new(bin)
        .current_dir(root())
        .arg("sweep")
        .arg(&file)
        .args(["--quiet", "--threads", "2", "--out"])
        .arg(&part)
        .spawn()
        .expect("spawn");
    // Kill it once some rows (more than the fingerprint and the header) are on disk, before
    // it finishes.
    let runs = part.join("runs.csv");
    let started = std::time::Instant::now();
    loop {
        let rows = std::fs::read_to_string(&runs).map_or(0, |t| t.lines().count());
        if rows > 2 || started.elapsed() > std::time::Duration::from_secs(60) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let _ = child.kill();
    let _ = child.wait();
    let done = std::fs::read_to_string(&runs)
        .expect("partial runs")
        .lines()
        .count()
        - 2;
    plenum()
        .arg("sweep")
        .arg(&file)
        .args(["--quiet", "--threads", "2", "--resume", "--out"])
        .arg(&part)
        .assert()
        .success();
    assert_eq!(
        std::fs::read(&runs).expect("resumed"),
        std::fs::read(whole.join("runs.csv")).expect("whole"),
        "resumed after {done} of 1500 runs"
    );
}

#[test]
fn issue7_sweep_parameter_errors_are_located_at_the_value_at_fault() {
    // Before: the checker searched the text for the value, so the second "1 mm2" (a volume
    // written as an area) was reported on the line of the first; a cd of 1.5 and a denormal
    // pressure passed the check and every run failed.
    let out = plenum()
        .args(["sweep", "scenarios/invalid-sweeps/bad-values.ron", "--out"])
        .arg(tempfile::tempdir().expect("tempdir").path().join("o"))
        .output()
        .expect("runs");
    let file = "scenarios/invalid-sweeps/bad-values.ron";
    let err = refusal(&out, file);
    for (at, what) in [
        (
            ":8:65: error: parameter 'compartments.prk.volume'",
            "is an area",
        ),
        (
            ":9:84: error: parameter 'links.hatch_seal.element.seated.cd'",
            "refused by the base scenario",
        ),
        (
            ":10:63: error: parameter 'compartments.station.pressure'",
            "5e-324 is too small to be physical",
        ),
        (
            ":11:56: error: parameter 'compartments.prk.temperature'",
            "unknown Values 'Lst'",
        ),
    ] {
        let line = err
            .lines()
            .find(|l| l.starts_with(&format!("{file}{at}")))
            .unwrap_or_else(|| panic!("no problem at {at} in:\n{err}"));
        assert!(line.contains(what), "{line}");
    }
    assert!(err.contains("error: 4 problems in"), "{err}");
}
