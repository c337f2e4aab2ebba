//! The files of a sweep: names, the fingerprint line, CSV rows, merging shards.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::*;
use crate::output::atomic::write_file_atomic;
use crate::output::safety;

/// The runs file name for a shard.
pub fn runs_file_name(shard: Option<(usize, usize)>) -> String {
    match shard {
        Some((k, n)) => format!("runs.shard-{k}-of-{n}.csv"),
        None => "runs.csv".into(),
    }
}

/// The trajectories file name for a shard.
pub(super) fn trajectories_file_name(shard: Option<(usize, usize)>) -> String {
    match shard {
        Some((k, n)) => format!("trajectories.shard-{k}-of-{n}.csv"),
        None => "trajectories.csv".into(),
    }
}

/// Run indices of shard k of n: a contiguous block, so merging is concatenation.
pub fn shard_range(total: usize, shard: Option<(usize, usize)>) -> std::ops::Range<usize> {
    match shard {
        Some((k, n)) => (k - 1) * total / n..k * total / n,
        None => 0..total,
    }
}

pub(super) fn csv_line(fields: &[String]) -> String {
    csv_lines([fields])
}

/// CSV records, each ended by `\n`.
pub(super) fn csv_lines<R, F>(records: impl IntoIterator<Item = R>) -> String
where
    R: IntoIterator<Item = F>,
    F: AsRef<[u8]>,
{
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .flexible(true)
        .from_writer(Vec::new());
    for r in records {
        // Writing to memory cannot fail.
        let _ = w.write_record(r);
    }
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

pub(super) fn fmt_num(v: f64) -> String {
    format!("{v:e}")
}

/// The rows of consecutive runs, as they go into the runs file (one CSV writer for all of
/// them, the numbers formatted in one buffer) and into the plots' columns.
pub(super) struct Rows {
    csv: csv::Writer<Vec<u8>>,
    num: String,
    /// Rows written.
    pub count: usize,
    pub failed: usize,
    /// The parameters then the metrics (NaN: none) of each successful row, in order.
    pub values: Vec<f64>,
    /// The kept trajectories, by run.
    pub trajectories: Vec<(usize, Vec<(f64, f64)>)>,
}

impl Rows {
    pub fn new() -> Rows {
        Rows {
            csv: csv::WriterBuilder::new()
                .terminator(csv::Terminator::Any(b'\n'))
                .flexible(true)
                .from_writer(Vec::new()),
            num: String::new(),
            count: 0,
            failed: 0,
            values: Vec::new(),
            trajectories: Vec::new(),
        }
    }

    /// Add the row of run `index`: its parameters, then its metrics, or where it failed
    /// (`error`), empty metric fields and the error.
    pub fn push(
        &mut self,
        index: usize,
        params: &[f64],
        metrics: &[Option<f64>],
        error: Option<&str>,
    ) {
        use std::fmt::Write as _;
        // Writing to memory cannot fail.
        let field = |csv: &mut csv::Writer<Vec<u8>>, text: &str| {
            let _ = csv.write_field(text);
        };
        let number = |csv: &mut csv::Writer<Vec<u8>>, num: &mut String, v: f64| {
            num.clear();
            let _ = write!(num, "{v:e}");
            let _ = csv.write_field(num.as_str());
        };
        self.num.clear();
        let _ = write!(self.num, "{index}");
        field(&mut self.csv, &self.num);
        for v in params {
            number(&mut self.csv, &mut self.num, *v);
        }
        match error {
            None => {
                for v in metrics {
                    match v {
                        Some(v) => number(&mut self.csv, &mut self.num, *v),
                        None => field(&mut self.csv, ""),
                    }
                }
                field(&mut self.csv, "ok");
                field(&mut self.csv, "");
                self.values.extend_from_slice(params);
                self.values
                    .extend(metrics.iter().map(|v| v.unwrap_or(f64::NAN)));
            }
            Some(e) => {
                for _ in metrics {
                    field(&mut self.csv, "");
                }
                field(&mut self.csv, "failed");
                field(&mut self.csv, &e.replace(['\n', '\r'], " "));
                self.failed += 1;
            }
        }
        let _ = self.csv.write_record(None::<&[u8]>);
        self.count += 1;
    }

    /// The CSV text of the rows.
    pub fn text(self) -> Vec<u8> {
        self.csv.into_inner().unwrap_or_default()
    }
}

/// Which runs keep a trajectory: `count` indices spread evenly over all runs.
pub(super) fn trajectory_runs(sweep: &Sweep) -> Vec<usize> {
    let Some((_, _, count)) = &sweep.trajectories else {
        return Vec::new();
    };
    let n = sweep.len();
    let count = (*count).min(n);
    let mut v: Vec<usize> = (0..count).map(|k| k * n / count.max(1)).collect();
    v.dedup();
    v
}

// ------------------------------------------------------------------------------------------
// The fingerprint of a sweep's outputs

pub(super) const FINGERPRINT_PREFIX: &str = "# plenum sweep:";

/// What makes two sets of rows parts of the same sweep: the Plenum version, the seed, and
/// the SHA-256 of the sweep file and of its base scenario. It is the first line of every
/// runs file (a `#` comment, which CSV readers configured for comments skip) and is
/// recorded in the sweep directory's manifest; `--resume` and `merge` refuse rows whose
/// fingerprint differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    pub version: String,
    pub seed: u64,
    pub sweep_sha256: String,
    pub base_sha256: String,
}

impl Fingerprint {
    /// The fingerprint of a loaded sweep, as this Plenum writes it.
    pub fn of(sweep: &Sweep) -> Fingerprint {
        Fingerprint {
            version: env!("CARGO_PKG_VERSION").to_string(),
            seed: sweep.seed,
            sweep_sha256: sweep.sha256.clone(),
            base_sha256: sweep.base.sha256.clone(),
        }
    }

    /// The comment line (without its newline).
    pub fn line(&self) -> String {
        format!(
            "{FINGERPRINT_PREFIX} version={} seed={} sweep_sha256={} base_sha256={}",
            self.version, self.seed, self.sweep_sha256, self.base_sha256
        )
    }

    /// Read a fingerprint line back; `None` when the line is not one.
    pub fn parse(line: &str) -> Option<Fingerprint> {
        let rest = line.strip_prefix(FINGERPRINT_PREFIX)?;
        let mut fp = Fingerprint {
            version: String::new(),
            seed: 0,
            sweep_sha256: String::new(),
            base_sha256: String::new(),
        };
        let mut seen = 0;
        for field in rest.split_whitespace() {
            let (k, v) = field.split_once('=')?;
            match k {
                "version" => fp.version = v.to_string(),
                "seed" => fp.seed = v.parse().ok()?,
                "sweep_sha256" => fp.sweep_sha256 = v.to_string(),
                "base_sha256" => fp.base_sha256 = v.to_string(),
                _ => return None,
            }
            seen += 1;
        }
        (seen == 4).then_some(fp)
    }

    /// What differs between `found` (in a file) and `self` (this sweep), in words.
    pub fn differences(&self, found: &Fingerprint) -> Vec<String> {
        let short = |h: &str| h.chars().take(12).collect::<String>();
        let mut d = Vec::new();
        if found.seed != self.seed {
            d.push(format!("seed {} there, {} here", found.seed, self.seed));
        }
        if found.sweep_sha256 != self.sweep_sha256 {
            d.push(format!(
                "sweep file SHA-256 {}... there, {}... here (the sweep file was changed)",
                short(&found.sweep_sha256),
                short(&self.sweep_sha256)
            ));
        }
        if found.base_sha256 != self.base_sha256 {
            d.push(format!(
                "base scenario SHA-256 {}... there, {}... here (the base scenario was changed)",
                short(&found.base_sha256),
                short(&self.base_sha256)
            ));
        }
        if found.version != self.version {
            d.push(format!(
                "plenum {} there, {} here",
                found.version, self.version
            ));
        }
        d
    }
}

/// The fingerprint on the first line of a runs file, or a refusal that says why not.
pub(super) fn file_fingerprint(
    path: &Path,
    first_line: Option<&str>,
) -> Result<Fingerprint, SweepError> {
    first_line.and_then(Fingerprint::parse).ok_or_else(|| {
        SweepError::Resume(format!(
            "{}: has no sweep fingerprint on its first line (expected '{FINGERPRINT_PREFIX} version=... seed=...'); it was not written by this version of plenum, so its rows cannot be proven to belong to this sweep\n  hint: run the sweep again without --resume, into another --out",
            path.display()
        ))
    })
}

pub(super) fn mismatch(path: &Path, what: &str, diffs: &[String]) -> SweepError {
    SweepError::Resume(format!(
        "{}: its rows come from another sweep ({}); {what}\n  hint: use the same sweep file, seed and base scenario, or run this sweep into another --out",
        path.display(),
        diffs.join("; ")
    ))
}

pub(super) fn write_trajectories(
    path: &Path,
    t: &BTreeMap<usize, Vec<(f64, f64)>>,
) -> Result<(), SweepError> {
    let header = ["run".to_string(), "time_s".into(), "value".into()];
    let rows = t.iter().flat_map(|(run, pts)| {
        pts.iter()
            .map(move |(time, v)| [run.to_string(), fmt_num(*time), fmt_num(*v)])
    });
    let s = csv_lines(std::iter::once(header).chain(rows));
    Ok(write_file_atomic(path, s.as_bytes())?)
}

/// The header of a sweep's runs file: the fingerprint line and the column names.
pub fn header_line(sweep: &Sweep) -> String {
    format!(
        "{}\n{}",
        Fingerprint::of(sweep).line(),
        csv_line(&sweep.header())
    )
}

/// Join shard files into one runs file equal to an unsharded sweep's output. Every shard
/// must carry the same fingerprint (and, with the sweep itself, `Some`, this sweep's), end
/// with a complete row, and together hold every run. The output may replace only a file a
/// Plenum manifest beside it records ([`safety::write_owned_file`]).
pub fn merge(
    inputs: &[PathBuf],
    output: &Path,
    sweep: Option<&Sweep>,
) -> Result<usize, SweepError> {
    let mut fingerprint: Option<Fingerprint> = sweep.map(Fingerprint::of);
    let mut header: Option<csv::StringRecord> = None;
    let mut rows: BTreeMap<usize, csv::StringRecord> = BTreeMap::new();
    for path in inputs {
        let text = std::fs::read_to_string(path).map_err(io_err(path))?;
        if !text.is_empty() && !text.ends_with('\n') {
            return Err(SweepError::Resume(format!(
                "{}: its last row is incomplete (the shard was interrupted while writing it)\n  hint: finish the shard with plenum sweep ... --shard K/N --resume, then merge",
                path.display()
            )));
        }
        // The fingerprint line is a comment, not CSV; the rest is CSV.
        let (first, rest) = text.split_once('\n').unwrap_or((text.as_str(), ""));
        let found = file_fingerprint(path, Some(first))?;
        match &fingerprint {
            None => fingerprint = Some(found),
            Some(fp) => {
                let diffs = fp.differences(&found);
                if !diffs.is_empty() {
                    let what = if sweep.is_some() {
                        format!(
                            "this is not sweep {}",
                            sweep.map_or("", |s| s.file.as_str())
                        )
                    } else {
                        format!("{} is from another sweep", inputs[0].display())
                    };
                    return Err(mismatch(
                        path,
                        &format!("{what}; nothing was written"),
                        &diffs,
                    ));
                }
            }
        }
        let bad = |e: csv::Error| SweepError::Resume(format!("{}: {e}", path.display()));
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(rest.as_bytes());
        let h = match rdr.headers().map_err(bad)? {
            h if rest.is_empty() || h.is_empty() => {
                return Err(SweepError::Resume(format!(
                    "{}: no header line, expected a runs CSV",
                    path.display()
                )))
            }
            h => h.clone(),
        };
        match &header {
            None => header = Some(h),
            Some(h0) if *h0 != h => {
                return Err(SweepError::Resume(format!(
                    "{}: its header differs from {}'s; the shards belong to different sweeps",
                    path.display(),
                    inputs[0].display()
                )))
            }
            Some(_) => {}
        }
        for rec in rdr.records() {
            let rec = rec.map_err(bad)?;
            let idx: usize = rec.get(0).and_then(|s| s.parse().ok()).ok_or_else(|| {
                SweepError::Resume(format!(
                    "{}: a row does not start with a run index",
                    path.display()
                ))
            })?;
            if rows.insert(idx, rec).is_some() {
                return Err(SweepError::Resume(format!(
                    "{}: run {idx} appears in more than one shard",
                    path.display()
                )));
            }
        }
    }
    let n = rows.len();
    if let (Some(sw), Some(h)) = (sweep, &header) {
        if sw.header() != h.iter().collect::<Vec<_>>() {
            return Err(SweepError::Resume(format!(
                "{}: its header is not that of sweep {}",
                inputs[0].display(),
                sw.file
            )));
        }
    }
    let expected = sweep
        .map(|s| s.len())
        .or(rows.keys().next_back().map(|l| l + 1));
    if let Some(total) = expected {
        if total != n || rows.keys().next_back().is_some_and(|l| l + 1 != total) {
            let missing: Vec<usize> = (0..total)
                .filter(|i| !rows.contains_key(i))
                .take(5)
                .collect();
            return Err(SweepError::Resume(format!(
                "runs {missing:?}{} are missing; merge every shard, after each has finished (--resume finishes an interrupted one)",
                if missing.len() == 5 { "..." } else { "" }
            )));
        }
    }
    let mut out = fingerprint.map(|f| f.line()).unwrap_or_default();
    out.push('\n');
    out.push_str(&csv_lines(header.iter().chain(rows.values())));
    safety::write_owned_file(output, out.as_bytes(), "merge")?;
    Ok(n)
}

/// The numbers a sweep's plots are drawn from: the parameter and metric values (NaN where
/// empty) of the successful runs, in run order, and the kept trajectories by run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Results {
    pub params: Vec<Vec<f64>>,
    pub metrics: Vec<Vec<f64>>,
    pub trajectories: BTreeMap<usize, Vec<(f64, f64)>>,
    /// Runs that failed (their rows say why).
    pub failed: usize,
}

impl Results {
    /// No runs yet.
    pub fn new(sweep: &Sweep) -> Results {
        Results {
            params: vec![Vec::new(); sweep.params.len()],
            metrics: vec![Vec::new(); sweep.metrics.len()],
            trajectories: BTreeMap::new(),
            failed: 0,
        }
    }

    /// Add the successful runs of `rows` (their parameters and metrics) and count its failed
    /// ones; its trajectories are the caller's.
    pub(super) fn push_rows(&mut self, rows: &Rows) {
        let (np, nm) = (self.params.len(), self.metrics.len());
        for row in rows.values.chunks_exact((np + nm).max(1)) {
            for (col, v) in self.params.iter_mut().zip(&row[..np]) {
                col.push(*v);
            }
            for (col, v) in self.metrics.iter_mut().zip(&row[np..]) {
                col.push(*v);
            }
        }
        self.failed += rows.failed;
    }

    /// Add one run (a failed run adds only its trajectory, if it kept one, and its count).
    pub fn push(&mut self, row: &RunRow) {
        if row.error.is_none() {
            for (col, v) in self.params.iter_mut().zip(&row.params) {
                col.push(*v);
            }
            for (col, v) in self.metrics.iter_mut().zip(&row.metrics) {
                col.push(v.unwrap_or(f64::NAN));
            }
        } else {
            self.failed += 1;
        }
        if let Some(t) = &row.trajectory {
            self.trajectories.insert(row.index, t.clone());
        }
    }

    /// The results of a finished sweep directory: `runs.csv` and the trajectory files
    /// (`trajectories.csv`, or the shards' files after a merge).
    pub fn read(sweep: &Sweep, dir: &Path) -> Result<Results, SweepError> {
        let mut r = Results::new(sweep);
        read_columns(&dir.join("runs.csv"), &mut r)?;
        let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(io_err(dir))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("trajectories") && n.ends_with(".csv"))
            })
            .collect();
        names.sort();
        for p in &names {
            let mut rdr = csv::ReaderBuilder::new()
                .flexible(true)
                .from_path(p)
                .map_err(|e| SweepError::Resume(format!("{}: {e}", p.display())))?;
            for rec in rdr.records().flatten() {
                let (Some(run), Some(t), Some(v)) = (rec.get(0), rec.get(1), rec.get(2)) else {
                    continue;
                };
                if let (Ok(run), Ok(t), Ok(v)) = (run.parse(), t.parse::<f64>(), v.parse::<f64>()) {
                    r.trajectories.entry(run).or_default().push((t, v));
                }
            }
        }
        Ok(r)
    }
}

/// Add the successful rows of a runs file to `r`.
pub(super) fn read_columns(path: &Path, r: &mut Results) -> Result<(), SweepError> {
    // The fingerprint line is a `#` comment.
    let mut rdr = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .from_path(path)
        .map_err(|e| SweepError::Resume(e.to_string()))?;
    let np = r.params.len();
    let nm = r.metrics.len();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| SweepError::Resume(e.to_string()))?;
        if rec.get(1 + np + nm) != Some("ok") {
            r.failed += 1;
            continue;
        }
        let num = |i: usize| {
            rec.get(i)
                .and_then(|s| s.parse::<f64>().ok())
                .unwrap_or(f64::NAN)
        };
        for (j, col) in r.params.iter_mut().enumerate() {
            col.push(num(1 + j));
        }
        for (k, col) in r.metrics.iter_mut().enumerate() {
            col.push(num(1 + np + k));
        }
    }
    Ok(())
}
