//! Issue 7, item 2: `plenum run` and `plenum sweep` killed (SIGKILL) and interrupted
//! (SIGINT, as Ctrl-C sends) at many pseudo-random instants. The test hook
//! `PLENUM_TEST_PAUSE_AT=rename` sleeps around every rename so that the narrow windows of
//! the swap are hit too. After every kill the results directory is the old complete one or
//! the new complete one (its manifest lists exactly its files, with their true hashes), a
//! user's file beside it is untouched, a sweep's runs file holds only complete rows of the
//! uninterrupted sweep, and after the next run no temporary is left.
#![cfg(unix)]

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use sha2::Digest;

mod common;

use common::{root, sweep_text, tiny_scenario, write_sweep, XorShift, CRACK_AREA, TUNNEL_END};

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("plenum")
}

/// 200 runs of the crack area, with trajectories (so the kills hit their writing too).
fn sweep() -> String {
    sweep_text(
        11,
        "MonteCarlo(200)",
        &[CRACK_AREA],
        &[TUNNEL_END],
        "    trajectories: (quantity: \"tunnel.pressure\", count: 5),\n",
    )
}

/// A pseudo-random instant below `n` (the same on every run of the test).
fn below(rng: &mut XorShift, n: u64) -> u64 {
    rng.next_u64() % n.max(1)
}

fn sha(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The files of a complete results directory (name -> SHA-256), after checking that its
/// manifest lists exactly them with their true sizes and hashes. Panics otherwise.
fn complete_state(dir: &Path, why: &str) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(dir.join(".plenum-manifest.json"))
        .unwrap_or_else(|e| panic!("{why}: no manifest in {}: {e}", dir.display()));
    let m: serde_json::Value = serde_json::from_str(&text).expect("manifest is JSON");
    let mut listed = BTreeMap::new();
    for f in m["files"].as_array().expect("files") {
        let name = f["name"].as_str().expect("name").to_string();
        let bytes = std::fs::read(dir.join(&name))
            .unwrap_or_else(|e| panic!("{why}: listed {name} unreadable: {e}"));
        let h = sha(&bytes);
        assert_eq!(f["sha256"].as_str(), Some(h.as_str()), "{why}: {name}");
        assert_eq!(
            f["bytes"].as_u64(),
            Some(bytes.len() as u64),
            "{why}: {name}"
        );
        listed.insert(name, h);
    }
    let present: Vec<String> = std::fs::read_dir(dir)
        .expect("dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != ".plenum-manifest.json")
        .collect();
    for n in &present {
        assert!(listed.contains_key(n), "{why}: {n} is not in the manifest");
    }
    assert_eq!(present.len(), listed.len(), "{why}: files missing");
    assert!(listed.contains_key("summary.json"), "{why}");
    listed
}

/// Hidden entries beside the output (temporaries), ignoring the user's own.
fn temporaries(parent: &Path) -> Vec<String> {
    std::fs::read_dir(parent)
        .expect("dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".plenum-tmp-") || n.contains(".plenum-old-"))
        .collect()
}

fn spawn(args: &[OsString]) -> Child {
    Command::new(bin())
        .current_dir(root())
        .args(args)
        .env("PLENUM_TEST_PAUSE_AT", "rename")
        .env("PLENUM_TEST_PAUSE_MS", "15")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn plenum")
}

fn send(child: &mut Child, signal: &str) {
    // `kill` of the shell: the test needs no unsafe code and no extra crate to signal.
    let _ = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status();
}

/// Kill `child` with `signal` after `delay`; returns its output.
fn kill_after(mut child: Child, signal: &str, delay: Duration) -> Output {
    std::thread::sleep(delay);
    if matches!(child.try_wait(), Ok(None)) {
        send(&mut child, signal);
    }
    child.wait_with_output().expect("wait")
}

fn time_one(args: &[OsString]) -> Duration {
    let t = Instant::now();
    let out = spawn(args).wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    t.elapsed()
}

#[test]
fn issue7_run_killed_or_interrupted_at_any_instant_leaves_old_or_new_results() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let a = tmp.path().join("a.ron");
    let b = tmp.path().join("b.ron");
    std::fs::write(&a, tiny_scenario("2 h")).expect("a");
    std::fs::write(&b, tiny_scenario("3 h")).expect("b");
    let out = tmp.path().join("out");
    let notes = tmp.path().join("NOTES.md");
    std::fs::write(&notes, "the user's notes beside the results").expect("notes");
    let args = |f: &Path| -> Vec<OsString> {
        vec![
            "run".into(),
            f.into(),
            "--out".into(),
            out.clone().into(),
            "--quiet".into(),
        ]
    };
    // The two complete states, and how long a run takes (the fastest of three, so that the
    // instants fall inside the run on a busy machine too).
    let mut took = time_one(&args(&b));
    let state_b = complete_state(&out, "uninterrupted b");
    took = took.min(time_one(&args(&a)));
    let state_a = complete_state(&out, "uninterrupted a");
    assert_ne!(state_a, state_b, "the two scenarios give different results");
    took = took.min(time_one(&args(&a)));
    let mut span = (took.as_millis() as u64).max(60);
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let (mut killed, mut interrupted, mut finished) = (0, 0, 0);
    // Until 16 SIGKILLs and 8 SIGINTs have landed inside a run (at most 60 tries); the
    // window shrinks whenever a run finishes first, so it keeps up with a busy machine.
    let mut i = 0;
    while (killed < 16 || interrupted < 8) && i < 60 {
        let int = interrupted < 8 && (killed >= 16 || i % 3 == 2);
        let (file, signal) = (
            if i % 2 == 0 { &b } else { &a },
            if int { "-INT" } else { "-KILL" },
        );
        let delay = Duration::from_millis(if signal == "-INT" {
            20 + below(&mut rng, span - 20)
        } else {
            below(&mut rng, span)
        });
        let o = kill_after(spawn(&args(file)), signal, delay);
        let why = format!("kill {i} ({signal} after {delay:?})");
        let stderr = String::from_utf8_lossy(&o.stderr);
        match (o.status.code(), o.status.signal()) {
            (Some(0), _) => {
                finished += 1;
                span = (span * 3 / 4).max(60);
            }
            (None, Some(9)) if signal == "-KILL" => killed += 1,
            (Some(130), _) if signal == "-INT" => {
                assert!(stderr.contains("interrupted"), "{why}: {stderr}");
                interrupted += 1;
            }
            other => panic!("{why}: unexpected end {other:?}: {stderr}"),
        }
        let state = complete_state(&out, &why);
        assert!(state == state_a || state == state_b, "{why}: a mixture");
        assert_eq!(
            std::fs::read_to_string(&notes).expect("notes"),
            "the user's notes beside the results",
            "{why}"
        );
        i += 1;
    }
    eprintln!("run: {killed} killed, {interrupted} interrupted (130), {finished} finished first");
    assert!(
        killed >= 16,
        "{killed} SIGKILLs landed ({finished} runs finished first)"
    );
    assert!(
        interrupted >= 8,
        "{interrupted} SIGINTs gave 130 ({finished} finished first)"
    );
    // The next run cleans whatever the kills left.
    time_one(&args(&a));
    assert_eq!(complete_state(&out, "final"), state_a);
    assert!(
        temporaries(tmp.path()).is_empty(),
        "{:?}",
        temporaries(tmp.path())
    );
}

#[test]
fn issue7_sweep_killed_or_interrupted_at_any_instant_resumes_to_the_same_bytes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = write_sweep(tmp.path(), "3 h", "s.ron", &sweep());
    let whole = tmp.path().join("whole");
    let part = tmp.path().join("part");
    let args = |out: &Path, resume: bool| -> Vec<OsString> {
        let mut v: Vec<OsString> = vec![
            "sweep".into(),
            file.clone().into(),
            "--quiet".into(),
            // One thread: batches of 64 runs, so a kill can land between batches.
            "--threads".into(),
            "1".into(),
            "--out".into(),
            out.into(),
        ];
        if resume {
            v.push("--resume".into());
        }
        v
    };
    let took = time_one(&args(&whole, false));
    let reference = std::fs::read(whole.join("runs.csv")).expect("runs");
    let notes = tmp.path().join("NOTES.md");
    std::fs::write(&notes, "mine").expect("notes");
    let mut span = (took.as_millis() as u64).max(50);
    let mut rng = XorShift(0x51_7CC1_B727_220A);
    let (mut killed, mut interrupted) = (0, 0);
    // Resume after a kill; start afresh after a sweep that finished, so there is work left.
    let mut resume = false;
    // Until 8 SIGKILLs and 4 SIGINTs have landed inside a sweep (at most 30 tries).
    let mut i = 0;
    while (killed < 8 || interrupted < 4) && i < 30 {
        let int = interrupted < 4 && (killed >= 8 || i % 3 == 1);
        let signal = if int { "-INT" } else { "-KILL" };
        i += 1;
        let delay = Duration::from_millis(20 + below(&mut rng, span));
        let o = kill_after(spawn(&args(&part, resume)), signal, delay);
        resume = !o.status.success();
        let why = format!("kill {i} ({signal} after {delay:?})");
        let stderr = String::from_utf8_lossy(&o.stderr);
        match (o.status.code(), o.status.signal()) {
            (Some(0), _) => span = (span * 3 / 4).max(50),
            (None, Some(9)) if signal == "-KILL" => killed += 1,
            (Some(130), _) if signal == "-INT" => {
                assert!(stderr.contains("interrupted"), "{why}: {stderr}");
                assert!(
                    stderr.contains("--resume") || stderr.contains("complete results"),
                    "{why}: {stderr}"
                );
                interrupted += 1;
            }
            other => panic!("{why}: unexpected end {other:?}: {stderr}"),
        }
        // Only complete rows of the uninterrupted sweep are on disk (a torn last line is
        // cut off on resume).
        if let Ok(text) = std::fs::read(part.join("runs.csv")) {
            let complete = text
                .iter()
                .rposition(|b| *b == b'\n')
                .map_or(&text[..0], |k| &text[..=k]);
            assert!(reference.starts_with(complete), "{why}: rows differ");
        }
        assert_eq!(std::fs::read_to_string(&notes).expect("notes"), "mine");
    }
    eprintln!("sweep: {killed} killed, {interrupted} interrupted (130)");
    assert!(killed >= 8, "{killed} SIGKILLs landed");
    assert!(interrupted >= 4, "{interrupted} SIGINTs gave 130");
    time_one(&args(&part, true));
    assert_eq!(
        std::fs::read(part.join("runs.csv")).expect("runs"),
        reference
    );
    assert!(temporaries(tmp.path()).is_empty());
    assert!(temporaries(&part).is_empty(), "{:?}", temporaries(&part));
    // The finished sweep's manifest records every file with its hash.
    let m: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(part.join(".plenum-manifest.json")).expect("manifest"),
    )
    .expect("json");
    for f in m["files"].as_array().expect("files") {
        let name = f["name"].as_str().expect("name");
        let bytes = std::fs::read(part.join(name)).expect("listed file");
        assert_eq!(f["sha256"].as_str(), Some(sha(&bytes).as_str()), "{name}");
    }
}
