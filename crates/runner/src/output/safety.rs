//! The one place where Plenum decides what it may write, replace or remove on disk.
//!
//! **Rule: Plenum replaces only what it can prove it wrote.** Every directory Plenum writes
//! results into (a run, `plot`, a sweep, `sweep-plot`, `merge`) holds a manifest,
//! [`MANIFEST`] (`.plenum-manifest.json`; a sweep shard keeps its own,
//! `.plenum-manifest.shard-K-of-N.json`), listing the files Plenum wrote there with their
//! sizes and SHA-256 hashes. A directory may be written to only when it does not exist, is
//! empty, or holds valid manifests and nothing besides their files, each unchanged since it
//! was recorded. Anything else (a user's `NOTES.md`, a project's `src/`, a symbolic link in
//! place of the directory, a file where a directory is expected) is refused with a message
//! that names it; nothing is removed. A single output file (`merge --out FILE`) may replace
//! only a file the manifest of its directory records.
//!
//! **Atomicity.** A run's results are written into a temporary directory beside the output
//! directory, named `.NAME.plenum-tmp-PID-NONCE` and holding a marker file until it is
//! complete, then swapped with the old directory in one step: on Linux with
//! `renameat2(RENAME_EXCHANGE)`, so a kill at any instant leaves either the old complete
//! results or the new complete ones. Where the platform or file system lacks the exchange,
//! the old directory is renamed aside (`.NAME.plenum-old-PID-NONCE`) and the new one renamed
//! in; a kill between the two renames leaves the results directory missing for an instant,
//! and the next Plenum command that writes beside it renames the old one back. Single files
//! are written to `.NAME.plenum-tmp-PID-NONCE` and renamed over the target
//! ([`super::atomic`]).
//!
//! **Stale temporaries.** Every writing command first removes the temporaries beside its
//! output whose owning process is gone (checked by process id) and that it can prove are
//! its own: a file with the temporary name pattern, or a directory holding the marker file
//! or a valid manifest and only its files. On platforms without a way to ask whether a
//! process exists, temporaries are left alone.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::atomic::{pause, split, write_file_atomic, write_new};
use super::error::{io, SafetyError};
use super::names::{
    is_manifest_name, temp_name, temp_owner, FORMAT, MANIFEST, MARKER, OLD_TAG, TMP_TAG,
};

// -------------------------------------------------------------------------------------------
// Cancellation

/// A request to stop, shared between the signal handler and the work: holds the number of
/// the signal that asked (0: none).
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicUsize>);

impl Cancel {
    pub fn new() -> Cancel {
        Cancel::default()
    }

    /// The flag a signal handler sets (to the signal's number).
    pub fn flag(&self) -> Arc<AtomicUsize> {
        Arc::clone(&self.0)
    }

    /// The signal that asked to stop, if one did.
    pub fn signal(&self) -> Option<usize> {
        match self.0.load(Ordering::SeqCst) {
            0 => None,
            s => Some(s),
        }
    }

    pub fn is_set(&self) -> bool {
        self.signal().is_some()
    }

    /// Ask to stop (as a signal handler would, with the signal's number).
    pub fn set(&self, signal: usize) {
        self.0.store(signal.max(1), Ordering::SeqCst);
    }

    /// `Err(Interrupted)` once a stop was asked for.
    pub fn check(&self) -> Result<(), SafetyError> {
        if self.is_set() {
            Err(SafetyError::Interrupted)
        } else {
            Ok(())
        }
    }
}

fn check(cancel: Option<&Cancel>) -> Result<(), SafetyError> {
    cancel.map_or(Ok(()), Cancel::check)
}

// -------------------------------------------------------------------------------------------
// Errors

// -------------------------------------------------------------------------------------------
// Manifests

/// What a manifest says: who wrote the directory and which files are Plenum's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: String,
    pub plenum_version: String,
    /// run, sweep, sweep-shard, merge, ...
    pub kind: String,
    /// The sweep fingerprint, for sweep outputs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    pub files: Vec<FileRecord>,
}

/// One file of a manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileRecord {
    pub name: String,
    /// Size and hash; absent while the file is being written (a sweep's runs file grows
    /// row by row; its plots are declared before they are drawn).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

impl Manifest {
    fn new(kind: &str, fingerprint: Option<&str>) -> Manifest {
        Manifest {
            format: FORMAT.into(),
            plenum_version: env!("CARGO_PKG_VERSION").into(),
            kind: kind.into(),
            fingerprint: fingerprint.map(String::from),
            files: Vec::new(),
        }
    }

    fn record(&self, name: &str) -> Option<&FileRecord> {
        self.files.iter().find(|f| f.name == name)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Size and SHA-256 of a file.
pub fn hash_file(path: &Path) -> Result<(u64, String), SafetyError> {
    let mut f = std::fs::File::open(path).map_err(io("reading", path))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf).map_err(io("reading", path))?;
        if k == 0 {
            break;
        }
        n += k as u64;
        h.update(&buf[..k]);
    }
    Ok((n, hex(&h.finalize())))
}

/// SHA-256 of bytes, as hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn read_manifest(path: &Path) -> Result<Manifest, SafetyError> {
    let text = std::fs::read_to_string(path).map_err(|e| SafetyError::BadManifest {
        path: path.to_path_buf(),
        reason: format!("cannot be read ({e})"),
    })?;
    let m: Manifest = serde_json::from_str(&text).map_err(|e| SafetyError::BadManifest {
        path: path.to_path_buf(),
        reason: format!("is not a plenum manifest ({e})"),
    })?;
    if m.format != FORMAT {
        return Err(SafetyError::BadManifest {
            path: path.to_path_buf(),
            reason: format!("has format '{}'", m.format),
        });
    }
    Ok(m)
}

fn write_manifest(dir: &Path, name: &str, m: &Manifest) -> Result<(), SafetyError> {
    let path = dir.join(name);
    let text = serde_json::to_string_pretty(m).map_err(|e| SafetyError::BadManifest {
        path: path.clone(),
        reason: e.to_string(),
    })?;
    write_file_atomic(&path, format!("{text}\n").as_bytes())
}

// -------------------------------------------------------------------------------------------
// Temporaries

/// Whether a process with this id exists (a process of another user counts).
fn process_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    #[cfg(unix)]
    {
        let Some(p) = i32::try_from(pid)
            .ok()
            .and_then(rustix::process::Pid::from_raw)
        else {
            return false;
        };
        match rustix::process::test_kill_process(p) {
            Ok(()) => true,
            Err(e) => e != rustix::io::Errno::SRCH,
        }
    }
    #[cfg(not(unix))]
    {
        // No way to ask: never assume a temporary is abandoned.
        true
    }
}

/// True when a directory is provably a temporary of Plenum's: it holds the marker, or is
/// empty, or holds a valid manifest and nothing but the files it lists.
fn provably_ours(dir: &Path) -> bool {
    if dir.join(MARKER).is_file() {
        return true;
    }
    let Ok(rd) = std::fs::read_dir(dir) else {
        return false;
    };
    let names: Vec<String> = rd
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    if names.is_empty() {
        return true;
    }
    let Ok(m) = read_manifest(&dir.join(MANIFEST)) else {
        return false;
    };
    names.iter().all(|n| {
        n == MANIFEST
            || (m.record(n).is_some()
                && std::fs::symlink_metadata(dir.join(n)).is_ok_and(|md| md.is_file()))
    })
}

/// Remove the temporaries in `dir` that Plenum processes now gone left behind, and put back
/// a results directory that the fallback swap had moved aside. Returns what was removed.
pub fn clean_stale(dir: &Path) -> Result<Vec<PathBuf>, SafetyError> {
    let mut removed = Vec::new();
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(removed),
        Err(e) => return Err(io("reading", dir)(e)),
    };
    let mut entries: Vec<String> = rd
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    entries.sort();
    for name in entries {
        let Some((base, old, pid)) = temp_owner(&name) else {
            continue;
        };
        if process_alive(pid) {
            continue;
        }
        let path = dir.join(&name);
        let Ok(md) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if md.is_file() {
            std::fs::remove_file(&path).map_err(io("removing the stale temporary", &path))?;
            removed.push(path);
        } else if md.is_dir() && provably_ours(&path) {
            let target = dir.join(base);
            if old && std::fs::symlink_metadata(&target).is_err() {
                // A swap without rename-exchange was cut between its two renames: the old
                // results go back where they were.
                std::fs::rename(&path, &target).map_err(io("restoring", &target))?;
                continue;
            }
            std::fs::remove_dir_all(&path).map_err(io("removing the stale temporary", &path))?;
            removed.push(path);
        }
    }
    Ok(removed)
}

// -------------------------------------------------------------------------------------------
// Checking a directory

/// The manifests of a results directory that Plenum may write to.
#[derive(Debug, Clone, Default)]
pub struct Owned {
    pub dir: PathBuf,
    /// Manifest file name -> manifest.
    pub manifests: BTreeMap<String, Manifest>,
}

impl Owned {
    /// The record of `name` in any manifest.
    pub fn record(&self, name: &str) -> Option<&FileRecord> {
        self.manifests.values().find_map(|m| m.record(name))
    }
}

/// Check that the results directory `out` may be replaced, after cleaning up beside it: stale
/// temporaries of dead Plenum processes are removed, and a results directory that a swap
/// without rename-exchange had moved aside when it was killed is put back first. Returns
/// what [`inspect_dir`] returns.
pub fn prepare(out: &Path) -> Result<Option<Owned>, SafetyError> {
    let (parent, base) = split(out)?;
    clean_stale(&parent)?;
    inspect_dir(&parent.join(base))
}

/// Check that `dir` may receive Plenum's output, after removing stale temporaries in it:
/// `Ok(None)` when it does not exist, `Ok(Some(_))` when it is empty or holds only files
/// its manifests record, unchanged; a refusal naming what is in the way otherwise.
pub fn inspect_dir(dir: &Path) -> Result<Option<Owned>, SafetyError> {
    match std::fs::symlink_metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io("reading", dir)(e)),
        Ok(md) if md.file_type().is_symlink() => return Err(SafetyError::Symlink(dir.into())),
        Ok(md) if !md.is_dir() => return Err(SafetyError::NotADirectory(dir.into())),
        Ok(_) => {}
    }
    clean_stale(dir)?;
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(io("reading", dir))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut owned = Owned {
        dir: dir.to_path_buf(),
        manifests: BTreeMap::new(),
    };
    for n in names.iter().filter(|n| is_manifest_name(n)) {
        let m = read_manifest(&dir.join(n))?;
        owned.manifests.insert(n.clone(), m);
    }
    let mut foreign = Vec::new();
    for n in &names {
        if is_manifest_name(n) || temp_owner(n).is_some_and(|(_, _, pid)| process_alive(pid)) {
            // A manifest, or the temporary of a Plenum process still running. (A dead
            // process's temporary that `clean_stale` could not prove is Plenum's is foreign.)
            continue;
        }
        let path = dir.join(n);
        let md = std::fs::symlink_metadata(&path).map_err(io("reading", &path))?;
        if md.is_dir() && owned.record(&format!("{n}{SUBDIR_MARK}")).is_some() {
            // A results directory of its own (a variant's run), with its own manifest.
            inspect_dir(&path)?;
            continue;
        }
        let Some(rec) = owned.record(n) else {
            foreign.push(n.clone());
            continue;
        };
        if !md.is_file() {
            foreign.push(n.clone());
            continue;
        }
        if let Some(want) = &rec.sha256 {
            let (_, got) = hash_file(&path)?;
            if &got != want {
                return Err(SafetyError::Changed {
                    path,
                    why: "its SHA-256 differs from the one recorded in the manifest".into(),
                });
            }
        }
    }
    if let Some(first) = foreign.first() {
        let what = match foreign.len() {
            1 => format!("'{first}'"),
            2 => format!("'{first}' and '{}'", foreign[1]),
            k => format!("'{first}', '{}' and {} more", foreign[1], k - 2),
        };
        return Err(SafetyError::Foreign {
            dir: dir.to_path_buf(),
            what,
            them: if foreign.len() == 1 { "it" } else { "them" },
        });
    }
    Ok(Some(owned))
}

// -------------------------------------------------------------------------------------------
// Writing a whole directory

/// A manifest entry whose name ends with this is a subdirectory that is a results directory
/// of its own (a variant's run in a variant set), checked through its own manifest.
pub const SUBDIR_MARK: &str = "/";

/// A results directory being written: a temporary beside the output, swapped into place by
/// [`Staging::commit`]; removed when dropped uncommitted.
#[derive(Debug)]
pub struct Staging {
    out: PathBuf,
    parent: PathBuf,
    base: String,
    tmp: PathBuf,
    kind: String,
    done: bool,
}

impl Staging {
    /// Check that `out` may be replaced and create the temporary beside it.
    pub fn begin(out: &Path, kind: &str) -> Result<Staging, SafetyError> {
        let (parent, base) = split(out)?;
        std::fs::create_dir_all(&parent).map_err(io("creating", &parent))?;
        prepare(out)?;
        let tmp = parent.join(temp_name(&base, TMP_TAG));
        std::fs::create_dir(&tmp).map_err(io("creating", &tmp))?;
        let staging = Staging {
            out: parent.join(&base),
            parent,
            base,
            tmp,
            kind: kind.into(),
            done: false,
        };
        write_new(
            &staging.tmp.join(MARKER),
            format!(
                "plenum {} pid {}: results being written\n",
                env!("CARGO_PKG_VERSION"),
                std::process::id()
            )
            .as_bytes(),
        )?;
        Ok(staging)
    }

    /// The directory to fill.
    pub fn path(&self) -> &Path {
        &self.tmp
    }

    /// Bring the files of the current output (as its manifest lists them) into the
    /// temporary, as hard links where the file system allows (Plenum never writes into a
    /// file in place, so the links are safe), else as copies.
    pub fn carry_over(&self) -> Result<(), SafetyError> {
        let Some(owned) = inspect_dir(&self.out)? else {
            return Ok(());
        };
        for m in owned.manifests.values() {
            for f in &m.files {
                let from = self.out.join(&f.name);
                let to = self.tmp.join(&f.name);
                if !from.is_file() || to.exists() {
                    continue;
                }
                if std::fs::hard_link(&from, &to).is_err() {
                    std::fs::copy(&from, &to).map_err(io("copying", &from))?;
                }
            }
        }
        Ok(())
    }

    /// Record the files in a manifest and swap the temporary into place. Returns the file
    /// names written. An interruption asked for before the swap removes the temporary and
    /// leaves the old output as it was.
    pub fn commit(mut self, cancel: Option<&Cancel>) -> Result<Vec<String>, SafetyError> {
        check(cancel)?;
        let mut names: Vec<String> = std::fs::read_dir(&self.tmp)
            .map_err(io("reading", &self.tmp))?
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n != MARKER && !is_manifest_name(n))
            .collect();
        names.sort();
        let mut m = Manifest::new(&self.kind, None);
        for n in &names {
            let path = self.tmp.join(n);
            if path.is_dir() {
                // A results directory written with its own manifest (see SUBDIR_MARK).
                m.files.push(FileRecord {
                    name: format!("{n}{SUBDIR_MARK}"),
                    bytes: None,
                    sha256: None,
                });
                continue;
            }
            let (bytes, sha) = hash_file(&path)?;
            m.files.push(FileRecord {
                name: n.clone(),
                bytes: Some(bytes),
                sha256: Some(sha),
            });
        }
        write_manifest(&self.tmp, MANIFEST, &m)?;
        sync_dir(&self.tmp);
        check(cancel)?;
        // Again, just before the swap: a file put there while the run went on is refused,
        // never lost.
        let exists = inspect_dir(&self.out)?.is_some();
        let marker = self.tmp.join(MARKER);
        std::fs::remove_file(&marker).map_err(io("removing", &marker))?;
        pause("rename");
        if !exists {
            std::fs::rename(&self.tmp, &self.out).map_err(io("moving into place", &self.out))?;
            self.done = true;
            pause("rename");
        } else if exchange(&self.tmp, &self.out).map_err(io("swapping in", &self.out))? {
            // The old results are now at the temporary's name.
            self.done = true;
            pause("rename");
            let _ = std::fs::remove_dir_all(&self.tmp);
        } else {
            let aside = self.parent.join(temp_name(&self.base, OLD_TAG));
            std::fs::rename(&self.out, &aside).map_err(io("moving aside", &self.out))?;
            pause("rename");
            if let Err(e) = std::fs::rename(&self.tmp, &self.out) {
                let _ = std::fs::rename(&aside, &self.out);
                return Err(io("moving into place", &self.out)(e));
            }
            self.done = true;
            pause("rename");
            let _ = std::fs::remove_dir_all(&aside);
        }
        sync_dir(&self.parent);
        Ok(names)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
    }
}

/// Swap two paths in one step; `Ok(false)` where the platform or file system cannot.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn exchange(a: &Path, b: &Path) -> std::io::Result<bool> {
    use rustix::io::Errno;
    if std::env::var_os("PLENUM_TEST_NO_EXCHANGE").is_some() {
        return Ok(false);
    }
    match rustix::fs::renameat_with(
        rustix::fs::CWD,
        a,
        rustix::fs::CWD,
        b,
        rustix::fs::RenameFlags::EXCHANGE,
    ) {
        Ok(()) => Ok(true),
        Err(e) if e == Errno::INVAL || e == Errno::NOSYS || e == Errno::OPNOTSUPP => Ok(false),
        Err(e) => Err(e.into()),
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn exchange(_a: &Path, _b: &Path) -> std::io::Result<bool> {
    Ok(false)
}

fn sync_dir(dir: &Path) {
    // Durability of the renames; not every platform can open a directory.
    if let Ok(f) = std::fs::File::open(dir) {
        let _ = f.sync_all();
    }
}

// -------------------------------------------------------------------------------------------
// Writing single files

/// Write one output file that may replace only a file Plenum recorded: refuses a symbolic
/// link, a directory, or an existing file that no manifest beside it records (unchanged).
/// The file is then recorded in the main manifest of its directory (created if needed).
pub fn write_owned_file(path: &Path, bytes: &[u8], kind: &str) -> Result<(), SafetyError> {
    let (dir, name) = split(path)?;
    std::fs::create_dir_all(&dir).map_err(io("creating", &dir))?;
    clean_stale(&dir)?;
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io("reading", path)(e)),
        Ok(md) if md.file_type().is_symlink() => return Err(SafetyError::Symlink(path.into())),
        Ok(md) if md.is_dir() => return Err(SafetyError::NotAFile(path.into())),
        Ok(_) => {
            let owned = read_manifests(&dir)?;
            let Some(rec) = owned.record(&name) else {
                return Err(SafetyError::NotOurs(path.into()));
            };
            if let Some(want) = &rec.sha256 {
                if &hash_file(path)?.1 != want {
                    return Err(SafetyError::Changed {
                        path: path.into(),
                        why: "its SHA-256 differs from the one recorded in the manifest".into(),
                    });
                }
            }
        }
    }
    write_file_atomic(path, bytes)?;
    record_files(&dir, MANIFEST, kind, None, &[name], false)
}

/// The manifests in `dir`, without checking its other entries.
fn read_manifests(dir: &Path) -> Result<Owned, SafetyError> {
    let mut owned = Owned {
        dir: dir.to_path_buf(),
        manifests: BTreeMap::new(),
    };
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(owned),
        Err(e) => return Err(io("reading", dir)(e)),
    };
    for e in rd.filter_map(|e| e.ok()) {
        let n = e.file_name().to_string_lossy().into_owned();
        if is_manifest_name(&n) {
            owned
                .manifests
                .insert(n.clone(), read_manifest(&dir.join(&n))?);
        }
    }
    Ok(owned)
}

/// Record `names` in the manifest `manifest` of `dir` (created with `kind` and
/// `fingerprint` if missing): with their size and hash, or, when `pending`, as files about
/// to be written (so a kill while writing them leaves files Plenum can still prove it
/// wrote). Names that do not exist are dropped from a final record.
pub fn record_files(
    dir: &Path,
    manifest: &str,
    kind: &str,
    fingerprint: Option<&str>,
    names: &[String],
    pending: bool,
) -> Result<(), SafetyError> {
    let path = dir.join(manifest);
    let mut m = if path.exists() {
        read_manifest(&path)?
    } else {
        Manifest::new(kind, fingerprint)
    };
    if fingerprint.is_some() {
        m.fingerprint = fingerprint.map(String::from);
    }
    for n in names {
        m.files.retain(|f| &f.name != n);
        let p = dir.join(n);
        if pending {
            m.files.push(FileRecord {
                name: n.clone(),
                bytes: None,
                sha256: None,
            });
        } else if p.is_file() {
            let (bytes, sha) = hash_file(&p)?;
            m.files.push(FileRecord {
                name: n.clone(),
                bytes: Some(bytes),
                sha256: Some(sha),
            });
        }
    }
    m.files.sort_by(|a, b| a.name.cmp(&b.name));
    write_manifest(dir, manifest, &m)
}

/// Remove the files the manifest `manifest` of an inspected directory lists, and the
/// manifest itself: a fresh start for that writer. Only files [`inspect_dir`] proved are
/// Plenum's are touched.
pub fn remove_recorded(owned: &Owned, manifest: &str) -> Result<(), SafetyError> {
    let Some(m) = owned.manifests.get(manifest) else {
        return Ok(());
    };
    for f in &m.files {
        let p = owned.dir.join(&f.name);
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io("removing", &p)(e)),
        }
    }
    let p = owned.dir.join(manifest);
    std::fs::remove_file(&p).map_err(io("removing", &p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn issue7_a_dead_temporary_that_is_not_provably_plenums_is_foreign_and_kept(
    ) -> Result<(), SafetyError> {
        let tmp = tempfile::tempdir().map_err(io("creating", Path::new("tempdir")))?;
        let dir = tmp.path().join("out");
        std::fs::create_dir(&dir).map_err(io("creating", &dir))?;
        write_manifest(&dir, MANIFEST, &Manifest::new("run", None))?;
        // No process has this id (Linux caps ids at 2^22).
        let odd = dir.join(".x.plenum-tmp-999999999-ab");
        std::fs::create_dir(&odd).map_err(io("creating", &odd))?;
        write_new(&odd.join("thesis.tex"), b"mine")?;
        assert!(matches!(
            inspect_dir(&dir),
            Err(SafetyError::Foreign { .. })
        ));
        assert!(odd.join("thesis.tex").is_file());
        // With the marker it is provably a dead run's temporary: removed, then accepted.
        std::fs::remove_file(odd.join("thesis.tex")).map_err(io("removing", &odd))?;
        write_new(&odd.join(MARKER), b"marker")?;
        assert!(inspect_dir(&dir)?.is_some());
        assert!(!odd.exists());
        Ok(())
    }
}
