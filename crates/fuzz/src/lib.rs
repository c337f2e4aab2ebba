//! # plenum-fuzz
//!
//! A fuzz harness for Plenum that runs on stable Rust, in process: each case is a scenario
//! file made by a structure-aware mutator ([`mutate`]) from the shipped scenarios, or
//! arbitrary bytes; it goes through the same loader as `plenum run` (parser and validator)
//! and, when valid, a short run (the step budget capped). A case passes when it ends as the
//! command line would end with exit 0, 1 or 2 and:
//!
//! - nothing panicked;
//! - a rejected file (exit 2) has every problem located (line:column, or the item by kind and
//!   name), and its rendered diagnostics are bounded in size;
//! - a run that succeeded (exit 0) wrote nothing non-physical: every pressure, mass, partial
//!   pressure and received mass is finite and non-negative, every temperature positive;
//! - the case took less than the hang limit.
//!
//! Cases are numbered; case `k` of seed `s` is the same input on any machine and any number
//! of threads, so a finding is replayed by its number (`plenum-fuzz --seed s --only k`).

pub mod mutate;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::rngs::ChaCha8Rng;
use rand::SeedableRng;
use rayon::prelude::*;

/// Output rows of a short run.
pub const MAX_ROWS: usize = 2_000;

/// Rendered diagnostics above this size count as unbounded output.
pub const MAX_DIAGNOSTICS_BYTES: usize = 256 * 1024;

/// How a case ended, as the exit code of `plenum run` would say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: the run completed.
    Ran,
    /// 1: the run failed (the solver gave up, the step budget ran out).
    RunFailed,
    /// 2: the file was rejected.
    Rejected,
}

/// A case that broke a rule.
#[derive(Debug, Clone)]
pub struct Finding {
    pub case: u64,
    pub rule: &'static str,
    pub detail: String,
    pub input: Vec<u8>,
}

/// What to run.
#[derive(Debug, Clone)]
pub struct Config {
    pub seed: u64,
    /// Case numbers `first..first + cases`.
    pub first: u64,
    pub cases: u64,
    /// Step budget of each short run.
    pub max_steps: usize,
    /// A case slower than this is a finding.
    pub hang_limit: Duration,
    /// Where each worker writes its case file.
    pub scratch: PathBuf,
}

/// What a campaign found.
#[derive(Debug, Default, Clone)]
pub struct Report {
    pub cases: u64,
    pub ran: u64,
    pub run_failed: u64,
    pub rejected: u64,
    pub findings: Vec<Finding>,
    /// Number of findings in all (only the first few keep their input).
    pub finding_count: u64,
    pub slowest: Duration,
    pub slowest_case: u64,
    pub elapsed: Duration,
}

/// The shipped scenario files under `dir` (recursively) that are scenarios, sorted by path so
/// a seed means the same cases everywhere.
pub fn corpus(dir: &Path) -> std::io::Result<Corpus> {
    let mut paths = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d)? {
            let p = e?.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "ron") {
                paths.push(p);
            }
        }
    }
    paths.sort();
    let mut out = Vec::new();
    for p in paths {
        let bytes = std::fs::read(&p)?;
        if String::from_utf8_lossy(&bytes).contains("Scenario(") {
            out.push(bytes);
        }
    }
    Ok(Corpus::new(out))
}

/// The seed files: shipped scenarios, and which of them load.
#[derive(Debug, Clone)]
pub struct Corpus {
    pub files: Vec<Vec<u8>>,
    /// Indices of the files that load without errors.
    pub valid: Vec<usize>,
}

impl Corpus {
    pub fn new(files: Vec<Vec<u8>>) -> Corpus {
        let valid = (0..files.len())
            .filter(|&i| {
                std::str::from_utf8(&files[i])
                    .is_ok_and(|s| plenum_runner::load_str(s.to_string(), "corpus.ron").is_ok())
            })
            .collect();
        Corpus { files, valid }
    }
}

/// The input of case `case` of `seed`.
pub fn case_input(seed: u64, case: u64, corpus: &Corpus) -> Vec<u8> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(case);
    mutate::generate(&mut rng, &corpus.files, &corpus.valid)
}

fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}

/// Run one input through the loader and a short run; `Err` names the rule it broke.
pub fn check_input(
    input: &[u8],
    file: &Path,
    max_steps: usize,
) -> Result<Exit, (&'static str, String)> {
    std::fs::write(file, input).map_err(|e| ("io", format!("writing the case file: {e}")))?;
    let result = catch_unwind(AssertUnwindSafe(|| check_file(file, max_steps)));
    match result {
        Ok(r) => r,
        Err(p) => Err(("panic", panic_text(p.as_ref()))),
    }
}

fn check_file(file: &Path, max_steps: usize) -> Result<Exit, (&'static str, String)> {
    let mut loaded = match plenum_runner::load(file) {
        Ok(l) => l,
        Err(diags) => {
            if diags.list.is_empty() {
                return Err(("unlocated", "rejected with no diagnostic".into()));
            }
            for d in &diags.list {
                if d.location.is_none() && d.item.is_none() {
                    return Err(("unlocated", format!("{d}")));
                }
            }
            let text = diags.to_string();
            if text.len() > MAX_DIAGNOSTICS_BYTES {
                return Err((
                    "unbounded",
                    format!(
                        "{} diagnostics rendered to {} bytes",
                        diags.list.len(),
                        text.len()
                    ),
                ));
            }
            return Ok(Exit::Rejected);
        }
    };
    // A short run: the step budget capped, and at most MAX_ROWS output rows (the interval
    // widened), so one case stays within milliseconds to a second.
    let c = &mut loaded.config;
    c.settings.max_steps = c.settings.max_steps.min(max_steps);
    if c.duration_s / c.output_interval_s > MAX_ROWS as f64 {
        c.output_interval_s = c.duration_s / MAX_ROWS as f64;
    }
    let keep = true;
    match plenum_runner::simulate_run(&loaded.network, &loaded.config, &loaded.name, keep) {
        Err(_) => Ok(Exit::RunFailed),
        Ok(result) => {
            if let Some(traj) = &result.trajectory {
                for row in &traj.rows {
                    physical(&loaded.network, row)?;
                }
            }
            Ok(Exit::Ran)
        }
    }
}

/// Is a written row physical?
fn physical(
    net: &plenum_physics::Network,
    s: &plenum_physics::Snapshot,
) -> Result<(), (&'static str, String)> {
    // A reservoir may give gas (its received mass goes negative); a vacuum only takes.
    let received: Vec<f64> = (0..s.received.len())
        .map(|b| match net.boundaries[b].kind {
            plenum_physics::BoundaryKind::Vacuum => s.received[b],
            _ => 0.0,
        })
        .collect();
    let groups: [(&str, &[f64]); 4] = [
        ("pressure", &s.pressure),
        ("mass", &s.mass),
        ("partial pressure", &s.partial_pressure),
        ("received mass (vacuum)", &received),
    ];
    for (what, values) in groups {
        if let Some((i, v)) = values
            .iter()
            .enumerate()
            .find(|(_, v)| !(v.is_finite() && **v >= 0.0))
        {
            return Err((
                "non-physical",
                format!("{what}[{i}] = {v:e} at t = {} s with exit 0", s.t),
            ));
        }
    }
    if let Some((i, v)) = s
        .temperature
        .iter()
        .enumerate()
        .find(|(_, v)| !(v.is_finite() && **v > 0.0))
    {
        return Err((
            "non-physical",
            format!("temperature[{i}] = {v:e} at t = {} s with exit 0", s.t),
        ));
    }
    if let Some((i, v)) = s.flow.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err((
            "non-physical",
            format!("flow[{i}] = {v:e} at t = {} s with exit 0", s.t),
        ));
    }
    Ok(())
}

/// Keep at most this many findings with their inputs.
const KEEP_FINDINGS: usize = 50;

/// Run a campaign on rayon's pool. A watchdog ends the process (exit 3, after writing the case
/// to `scratch/hang-<case>.ron`) when one case runs longer than 10 times the hang limit, so a
/// true hang is reported instead of stalling the campaign.
pub fn campaign(config: &Config, corpus: &Corpus) -> Report {
    let started = Instant::now();
    // Silence the default hook: panics are caught and reported as findings.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));

    let slots: Arc<Vec<AtomicU64>> = Arc::new(
        (0..rayon::current_num_threads() + 1)
            .map(|_| AtomicU64::new(u64::MAX))
            .collect(),
    );
    let epoch = Instant::now();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let watchdog = {
        let done = Arc::clone(&done);
        let total = config.cases;
        let slots = Arc::clone(&slots);
        let stop = Arc::clone(&stop);
        let limit = config.hang_limit * 10;
        let scratch = config.scratch.clone();
        let (seed, corpus) = (config.seed, corpus.clone());
        std::thread::spawn(move || {
            // Each slot holds (start time in ms since epoch) << 24 | low bits of the case
            // number; the case is recovered from its own slot below.
            let mut ticks = 0u64;
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(200));
                ticks += 1;
                if ticks.is_multiple_of(300) {
                    eprintln!(
                        "fuzz: {} of {total} cases after {:.0} s",
                        done.load(Ordering::Relaxed),
                        epoch.elapsed().as_secs_f64()
                    );
                }
                let now = epoch.elapsed().as_millis() as u64;
                for s in slots.iter() {
                    let v = s.load(Ordering::Relaxed);
                    if v == u64::MAX {
                        continue;
                    }
                    let (t0, case) = (v >> 40, v & ((1 << 40) - 1));
                    if now.saturating_sub(t0) > limit.as_millis() as u64 {
                        let input = case_input(seed, case, &corpus);
                        let path = scratch.join(format!("hang-{case}.ron"));
                        let _ = std::fs::write(&path, &input);
                        eprintln!(
                            "fuzz: case {case} of seed {seed} has run for over {:?}: a hang; input in {}",
                            limit,
                            path.display()
                        );
                        std::process::exit(3);
                    }
                }
            }
        })
    };

    let report = Mutex::new(Report::default());
    (config.first..config.first + config.cases)
        .into_par_iter()
        .for_each(|case| {
            let slot = rayon::current_thread_index().unwrap_or(slots.len() - 1);
            let file = config.scratch.join(format!("case-{slot}.ron"));
            // A panic of the mutator itself is a finding too, never a silent end.
            let input = match catch_unwind(|| case_input(config.seed, case, corpus)) {
                Ok(input) => input,
                Err(p) => {
                    let mut r = report.lock().unwrap_or_else(|e| e.into_inner());
                    r.cases += 1;
                    r.finding_count += 1;
                    if r.findings.len() < KEEP_FINDINGS {
                        r.findings.push(Finding {
                            case,
                            rule: "harness-panic",
                            detail: panic_text(p.as_ref()),
                            input: Vec::new(),
                        });
                    }
                    return;
                }
            };
            let t0 = Instant::now();
            slots[slot].store(
                ((epoch.elapsed().as_millis() as u64) << 40) | (case & ((1 << 40) - 1)),
                Ordering::Relaxed,
            );
            let mut result = check_input(&input, &file, config.max_steps);
            slots[slot].store(u64::MAX, Ordering::Relaxed);
            let took = t0.elapsed();
            if took > config.hang_limit && result.is_ok() {
                result = Err(("slow", format!("took {took:?}")));
            }
            done.fetch_add(1, Ordering::Relaxed);
            let mut r = report.lock().unwrap_or_else(|e| e.into_inner());
            r.cases += 1;
            if took > r.slowest {
                r.slowest = took;
                r.slowest_case = case;
            }
            match result {
                Ok(Exit::Ran) => r.ran += 1,
                Ok(Exit::RunFailed) => r.run_failed += 1,
                Ok(Exit::Rejected) => r.rejected += 1,
                Err((rule, detail)) => {
                    r.finding_count += 1;
                    if r.findings.len() < KEEP_FINDINGS {
                        r.findings.push(Finding {
                            case,
                            rule,
                            detail,
                            input,
                        });
                    }
                }
            }
        });
    stop.store(true, Ordering::Relaxed);
    let _ = watchdog.join();
    std::panic::set_hook(hook);
    let mut r = report.into_inner().unwrap_or_else(|e| e.into_inner());
    r.findings.sort_by_key(|f| f.case);
    r.elapsed = started.elapsed();
    r
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{} cases in {:.1} s: {} ran (exit 0), {} run failed (exit 1), {} rejected (exit 2), {} findings; slowest case {} took {:.3} s",
            self.cases,
            self.elapsed.as_secs_f64(),
            self.ran,
            self.run_failed,
            self.rejected,
            self.finding_count,
            self.slowest_case,
            self.slowest.as_secs_f64()
        )?;
        for x in &self.findings {
            writeln!(f, "  case {}: {}: {}", x.case, x.rule, x.detail)?;
        }
        Ok(())
    }
}
