//! Issue 7, items 1, 2 and 6, through the real binary: Plenum replaces only what it can
//! prove it wrote (a manifest in every results directory), cleans up its own stale
//! temporaries, and refuses rows of another sweep on `--resume` and `merge`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

mod common;

use common::{
    plenum, stderr_of, sweep_base, tiny_scenario, write_file, write_sweep, CRACK_AREA, TUNNEL_END,
};

/// A run of a few seconds of simulated time: fast, with plots.
fn scenario() -> String {
    tiny_scenario("2 h")
}

fn base() -> String {
    sweep_base("1 day")
}

fn sweep_text(seed: u64) -> String {
    common::sweep_text(seed, "MonteCarlo(8)", &[CRACK_AREA], &[TUNNEL_END], "")
}

/// A fresh directory with `base.ron` and the sweep of `seed` as `s.ron`.
fn sweep_setup(seed: u64) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = write_sweep(tmp.path(), "1 day", "s.ron", &sweep_text(seed));
    (tmp, file)
}

/// `plenum sweep FILE --quiet --out OUT EXTRA...`.
fn sweep_into(file: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    plenum()
        .arg("sweep")
        .arg(file)
        .args(["--quiet", "--out"])
        .arg(out)
        .args(extra)
        .output()
        .expect("runs")
}

/// Every file under `dir` (relative name -> bytes), including hidden ones.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d)
            .expect("readable")
            .filter_map(|e| e.ok())
        {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).expect("inside").to_path_buf();
                out.insert(rel, std::fs::read(&p).expect("readable"));
            }
        }
    }
    out
}

fn setup() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = write_file(tmp.path(), "tiny.ron", scenario());
    (tmp, file)
}

fn run_into(file: &Path, out: &Path) -> std::process::Output {
    plenum()
        .arg("run")
        .arg(file)
        .arg("--out")
        .arg(out)
        .arg("--quiet")
        .output()
        .expect("runs")
}

/// The manifest lists exactly the other files of `dir`, with their true hashes.
fn assert_manifest_matches(dir: &Path) {
    let text = std::fs::read_to_string(dir.join(".plenum-manifest.json")).expect("a manifest");
    let m: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(m["format"], "plenum-manifest/1");
    assert_eq!(m["plenum_version"], env!("CARGO_PKG_VERSION"));
    let files = m["files"].as_array().expect("files");
    let mut listed: Vec<String> = Vec::new();
    for f in files {
        let name = f["name"].as_str().expect("name");
        let bytes = std::fs::read(dir.join(name)).expect("listed file exists");
        use sha2::Digest;
        let sha: String = sha2::Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(f["sha256"].as_str(), Some(sha.as_str()), "{name}");
        assert_eq!(f["bytes"].as_u64(), Some(bytes.len() as u64), "{name}");
        listed.push(name.to_string());
    }
    let mut present: Vec<String> = std::fs::read_dir(dir)
        .expect("dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != ".plenum-manifest.json")
        .collect();
    present.sort();
    listed.sort();
    assert_eq!(listed, present);
}

#[test]
fn issue7_run_into_a_project_directory_with_a_summary_json_refuses_and_deletes_nothing() {
    let (tmp, _) = setup();
    let project = tmp.path().join("project");
    std::fs::create_dir_all(project.join("src")).expect("src");
    std::fs::create_dir_all(project.join(".git")).expect(".git");
    std::fs::write(project.join("src/main.rs"), "fn main() {}").expect("write");
    std::fs::write(project.join(".git/HEAD"), "ref: refs/heads/main").expect("write");
    std::fs::write(project.join("summary.json"), "{}").expect("write");
    std::fs::write(project.join("my.ron"), scenario()).expect("write");
    let before = snapshot(&project);
    let out = plenum()
        .current_dir(&project)
        .args(["run", "my.ron", "--out"])
        .arg(&project)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    assert!(err.contains("which plenum did not write"), "{err}");
    assert!(err.contains("choose another --out"), "{err}");
    assert_eq!(snapshot(&project), before, "nothing touched");
    // `--out .` is the same directory.
    let out = plenum()
        .current_dir(&project)
        .args(["run", "my.ron", "--out", "."])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert_eq!(snapshot(&project), before, "nothing touched");
    let siblings: Vec<_> = std::fs::read_dir(tmp.path())
        .expect("dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(
        siblings.is_empty(),
        "no temporaries beside it: {siblings:?}"
    );
}

#[test]
fn issue7_a_user_file_in_a_results_directory_is_kept_and_the_rerun_refused() {
    let (tmp, file) = setup();
    let out_dir = tmp.path().join("out");
    let first = run_into(&file, &out_dir);
    assert!(first.status.success(), "{}", stderr_of(&first));
    assert_manifest_matches(&out_dir);
    // A rerun of an untouched results directory replaces it.
    let again = run_into(&file, &out_dir);
    assert!(again.status.success(), "{}", stderr_of(&again));
    assert_manifest_matches(&out_dir);
    std::fs::write(out_dir.join("NOTES.md"), "my notes").expect("notes");
    let before = snapshot(&out_dir);
    let rerun = run_into(&file, &out_dir);
    assert_eq!(rerun.status.code(), Some(2), "{}", stderr_of(&rerun));
    let err = stderr_of(&rerun);
    assert!(err.contains("'NOTES.md'"), "{err}");
    assert!(err.contains("move it out of"), "{err}");
    assert_eq!(snapshot(&out_dir), before);
    // A results file the user edited is not Plenum's any more either.
    std::fs::remove_file(out_dir.join("NOTES.md")).expect("rm");
    std::fs::write(out_dir.join("summary.json"), "{\"edited\": true}").expect("edit");
    let rerun = run_into(&file, &out_dir);
    assert_eq!(rerun.status.code(), Some(2), "{}", stderr_of(&rerun));
    assert!(stderr_of(&rerun).contains("changed since plenum wrote it"));
    assert_eq!(
        std::fs::read_to_string(out_dir.join("summary.json")).expect("kept"),
        "{\"edited\": true}"
    );
}

#[cfg(unix)]
#[test]
fn issue7_an_out_symlink_is_refused_and_left_a_link() {
    let (tmp, file) = setup();
    let target = tmp.path().join("target");
    std::fs::create_dir(&target).expect("dir");
    let link = tmp.path().join("link");
    std::os::unix::fs::symlink(&target, &link).expect("symlink");
    for cmd in ["run", "sweep"] {
        let out = if cmd == "run" {
            run_into(&file, &link)
        } else {
            let sweep = write_sweep(tmp.path(), "1 day", "s.ron", &sweep_text(1));
            sweep_into(&sweep, &link, &[])
        };
        assert_eq!(out.status.code(), Some(2), "{cmd}: {}", stderr_of(&out));
        assert!(stderr_of(&out).contains("is a symbolic link"), "{cmd}");
        let md = std::fs::symlink_metadata(&link).expect("still there");
        assert!(
            md.file_type().is_symlink(),
            "{cmd}: the link is still a link"
        );
        assert_eq!(std::fs::read_dir(&target).expect("dir").count(), 0);
    }
}

#[test]
fn issue7_sweep_refuses_a_directory_with_the_users_runs_csv_and_band_png() {
    let (tmp, file) = sweep_setup(1);
    let out_dir = tmp.path().join("mine");
    std::fs::create_dir(&out_dir).expect("dir");
    std::fs::write(out_dir.join("runs.csv"), "my,own,data\n1,2,3\n").expect("w");
    std::fs::write(out_dir.join("band.png"), b"not really a png").expect("w");
    let before = snapshot(&out_dir);
    for extra in [&[][..], &["--resume"][..]] {
        let out = sweep_into(&file, &out_dir, extra);
        assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
        assert!(stderr_of(&out).contains("which plenum did not write"));
        assert_eq!(snapshot(&out_dir), before, "{extra:?}");
    }
}

#[test]
fn issue7_sweep_out_a_regular_file_is_a_usage_error() {
    let (tmp, file) = sweep_setup(1);
    let target = write_file(tmp.path(), "results.txt", "mine");
    let out = sweep_into(&file, &target, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("is a file, expected a directory"));
    assert_eq!(std::fs::read_to_string(&target).expect("kept"), "mine");
}

/// Run shard `k` of 2 of the sweep file `file` into `dir`.
fn shard(file: &Path, dir: &Path, k: usize) {
    let out = plenum()
        .arg("sweep")
        .arg(file)
        .args(["--quiet", "--shard", &format!("{k}/2"), "--out"])
        .arg(dir)
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr_of(&out));
}

#[test]
fn issue7_merge_never_overwrites_a_file_plenum_did_not_write() {
    let (tmp, file) = sweep_setup(1);
    let dir = tmp.path().join("shards");
    shard(&file, &dir, 1);
    shard(&file, &dir, 2);
    let merge = |out: &Path| {
        plenum()
            .arg("merge")
            .arg(&file)
            .arg(dir.join("runs.shard-1-of-2.csv"))
            .arg(dir.join("runs.shard-2-of-2.csv"))
            .arg("--out")
            .arg(out)
            .output()
            .expect("runs")
    };
    let users = tmp.path().join("report.csv");
    std::fs::write(&users, "the user's own table\n").expect("w");
    let out = merge(&users);
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("plenum did not write it"));
    assert_eq!(
        std::fs::read_to_string(&users).expect("kept"),
        "the user's own table\n"
    );
    // Into the sweep directory: written, recorded, and replaceable by the next merge.
    let merged = dir.join("runs.csv");
    for _ in 0..2 {
        let out = merge(&merged);
        assert!(out.status.success(), "{}", stderr_of(&out));
    }
    // Its plots can be drawn there; a file of the user's beside them stops that.
    let plot = || {
        plenum()
            .arg("sweep-plot")
            .arg(&file)
            .arg(&dir)
            .output()
            .expect("runs")
    };
    let out = plot();
    assert!(out.status.success(), "{}", stderr_of(&out));
    std::fs::write(dir.join("NOTES.md"), "mine").expect("w");
    let out = plot();
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("'NOTES.md'"));
}

#[test]
fn issue7_plot_updates_the_manifest_and_refuses_a_directory_with_user_files() {
    let (tmp, file) = setup();
    let out_dir = tmp.path().join("out");
    assert!(run_into(&file, &out_dir).status.success());
    let before = std::fs::read(out_dir.join("pressure.png")).expect("png");
    let out = plenum()
        .arg("plot")
        .arg(&out_dir)
        .args(["--pressure-unit", "psi"])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_ne!(
        std::fs::read(out_dir.join("pressure.png")).expect("png"),
        before
    );
    assert_manifest_matches(&out_dir);
    std::fs::write(out_dir.join("NOTES.md"), "mine").expect("w");
    let before = snapshot(&out_dir);
    let out = plenum().arg("plot").arg(&out_dir).output().expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert_eq!(snapshot(&out_dir), before);
}

/// The id of a process that has exited.
#[cfg(unix)]
fn dead_pid() -> u32 {
    let mut child = std::process::Command::new(std::env::current_exe().expect("exe"))
        .arg("--list")
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let pid = child.id();
    child.wait().expect("wait");
    pid
}

// Needs a way to tell that a process is gone (Unix).
#[cfg(unix)]
#[test]
fn issue7_stale_temporaries_of_dead_runs_are_removed_and_nothing_else() {
    let (tmp, file) = setup();
    let out_dir = tmp.path().join("out");
    let pid = dead_pid();
    // What a killed run leaves: a temporary directory with its marker, a half-written one
    // that was never marked, and a temporary file; plus look-alikes that are not Plenum's.
    let stale_dir = tmp.path().join(format!(".out.plenum-tmp-{pid}-1a2b"));
    std::fs::create_dir(&stale_dir).expect("dir");
    std::fs::write(stale_dir.join(".plenum-tmp"), "marker").expect("w");
    std::fs::write(stale_dir.join("timeseries.csv"), "time_s\n0\n").expect("w");
    let empty_dir = tmp.path().join(format!(".out.plenum-tmp-{pid}-3c"));
    std::fs::create_dir(&empty_dir).expect("dir");
    let stale_file = tmp.path().join(format!(".runs.csv.plenum-tmp-{pid}-4d"));
    std::fs::write(&stale_file, "half").expect("w");
    let not_ours = tmp.path().join(format!(".out.plenum-tmp-{pid}-5e"));
    std::fs::create_dir(&not_ours).expect("dir");
    std::fs::write(not_ours.join("thesis.tex"), "mine").expect("w");
    let live = tmp
        .path()
        .join(format!(".out.plenum-tmp-{}-6f", std::process::id()));
    std::fs::create_dir(&live).expect("dir");
    std::fs::write(live.join(".plenum-tmp"), "marker").expect("w");
    let out = run_into(&file, &out_dir);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(!stale_dir.exists());
    assert!(!empty_dir.exists());
    assert!(!stale_file.exists());
    assert!(
        not_ours.join("thesis.tex").is_file(),
        "not provably Plenum's"
    );
    assert!(live.exists(), "its process is alive");
}

#[test]
fn issue7_resume_refuses_rows_of_a_sweep_with_another_seed() {
    let (tmp, file) = sweep_setup(2025);
    let out_dir = tmp.path().join("out");
    let sweep = |extra: &[&str]| sweep_into(&file, &out_dir, extra);
    let first = sweep(&[]);
    assert!(first.status.success(), "{}", stderr_of(&first));
    let runs = std::fs::read_to_string(out_dir.join("runs.csv")).expect("runs");
    assert!(
        runs.starts_with("# plenum sweep: version="),
        "fingerprint line: {runs}"
    );
    assert!(runs.lines().next().is_some_and(|l| l.contains("seed=2025")));
    std::fs::write(&file, sweep_text(7)).expect("sweep");
    let before = snapshot(&out_dir);
    let out = sweep(&["--resume"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    assert!(err.contains("seed 2025 there, 7 here"), "{err}");
    assert!(err.contains("another sweep"), "{err}");
    assert_eq!(snapshot(&out_dir), before, "nothing changed");
    // The base scenario counts too.
    std::fs::write(&file, sweep_text(2025)).expect("sweep");
    std::fs::write(
        tmp.path().join("base.ron"),
        base().replace("0.08 mm2", "0.09 mm2"),
    )
    .expect("base");
    let out = sweep(&["--resume"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("base scenario SHA-256"));
}

#[test]
fn issue7_merge_refuses_shards_of_different_sweeps_and_torn_rows() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let a = write_sweep(tmp.path(), "1 day", "a.ron", &sweep_text(2025));
    let b = write_file(tmp.path(), "b.ron", sweep_text(7));
    let da = tmp.path().join("a");
    let db = tmp.path().join("b");
    shard(&a, &da, 1);
    shard(&b, &db, 2);
    shard(&a, &da, 2);
    let merge = |second: &Path, out: &str| {
        plenum()
            .arg("merge")
            .arg(&a)
            .arg(da.join("runs.shard-1-of-2.csv"))
            .arg(second)
            .arg("--out")
            .arg(tmp.path().join(out))
            .output()
            .expect("runs")
    };
    let out = merge(&db.join("runs.shard-2-of-2.csv"), "mixed.csv");
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("seed 2025 there, 7 here")
            || stderr_of(&out).contains("seed 7 there, 2025 here")
    );
    assert!(!tmp.path().join("mixed.csv").exists());
    // A shard whose last row was cut by a kill.
    let torn = tmp.path().join("torn.csv");
    let text = std::fs::read_to_string(da.join("runs.shard-2-of-2.csv")).expect("shard");
    std::fs::write(&torn, &text[..text.len() - 7]).expect("w");
    let out = merge(&torn, "torn-merged.csv");
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("last row is incomplete"));
    let out = merge(&da.join("runs.shard-2-of-2.csv"), "good.csv");
    assert!(out.status.success(), "{}", stderr_of(&out));
}

// Needs a way to tell that a process is gone (Unix).
#[cfg(unix)]
#[test]
fn issue7_the_fallback_swap_without_rename_exchange_is_restored_after_a_kill() {
    let (tmp, file) = setup();
    let out_dir = tmp.path().join("out");
    let run_fallback = |f: &Path| {
        plenum()
            .env("PLENUM_TEST_NO_EXCHANGE", "1")
            .arg("run")
            .arg(f)
            .arg("--out")
            .arg(&out_dir)
            .arg("--quiet")
            .output()
            .expect("runs")
    };
    for _ in 0..2 {
        let o = run_fallback(&file);
        assert!(o.status.success(), "{}", stderr_of(&o));
    }
    assert_manifest_matches(&out_dir);
    let hidden = |dir: &Path| -> Vec<String> {
        std::fs::read_dir(dir)
            .expect("dir")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.'))
            .collect()
    };
    assert!(hidden(tmp.path()).is_empty(), "{:?}", hidden(tmp.path()));
    // A kill between the two renames of the fallback: the old results sit aside and the
    // results directory is missing.
    let before = snapshot(&out_dir);
    let aside = tmp
        .path()
        .join(format!(".out.plenum-old-{}-7a", dead_pid()));
    std::fs::rename(&out_dir, &aside).expect("aside");
    // The next command puts them back, even a run that then fails.
    let failing = tmp.path().join("failing.ron");
    std::fs::write(
        &failing,
        scenario().replace(
            "links: [",
            "solver: (method: Bdf, max_steps: 3),\n    links: [",
        ),
    )
    .expect("w");
    let o = run_fallback(&failing);
    assert_eq!(o.status.code(), Some(1), "{}", stderr_of(&o));
    assert_eq!(snapshot(&out_dir), before, "the old results are back");
    assert!(hidden(tmp.path()).is_empty(), "{:?}", hidden(tmp.path()));
}
