//! The one place where Plenum writes a file's bytes: a new file inside a directory being
//! staged (`write_new`), or a file replaced atomically in place ([`write_file_atomic`]).
//!
//! An atomic write goes through a temporary beside the target, named
//! `.NAME.plenum-tmp-PID-NONCE` so that [`super::safety::clean_stale`] can prove a killed
//! process's leftover is Plenum's, and is renamed over the target by
//! [`tempfile::NamedTempFile::persist`]; a temporary that is not persisted is removed when it
//! is dropped.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::error::{io, SafetyError};
use super::names::{temp_name, TMP_TAG};

/// The environment variable of the test hook: a comma-separated list of points (`rename`)
/// at which Plenum sleeps `PLENUM_TEST_PAUSE_MS` (default 100) milliseconds, so that a test
/// can hit the instants around a rename with a kill.
pub const PAUSE_ENV: &str = "PLENUM_TEST_PAUSE_AT";

/// Create `path` (replacing a file there) and write `bytes` to it, synced to disk. For files
/// inside a directory that is swapped in as a whole, where the swap is the atomic step.
pub(crate) fn write_new(path: &Path, bytes: &[u8]) -> Result<(), SafetyError> {
    let mut f = std::fs::File::create(path).map_err(io("creating", path))?;
    f.write_all(bytes).map_err(io("writing", path))?;
    f.sync_all().map_err(io("writing", path))
}

/// Write `bytes` to `path` through a temporary beside it renamed over it, so a reader (or a
/// kill) sees the old file or the new one. Checks nothing about ownership: callers do,
/// through [`super::safety::inspect_dir`] or [`super::safety::write_owned_file`].
pub fn write_file_atomic(path: &Path, bytes: &[u8]) -> Result<(), SafetyError> {
    let (dir, name) = split(path)?;
    let tmp_name = temp_name(&name, TMP_TAG);
    let tmp_path = dir.join(&tmp_name);
    let mut builder = tempfile::Builder::new();
    // The whole name is ours (see the module documentation): no random part added.
    builder.prefix(&tmp_name).rand_bytes(0);
    #[cfg(unix)]
    {
        // As `File::create` does: 0666 less the umask, not tempfile's private 0600.
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder
        .tempfile_in(&dir)
        .map_err(io("creating", &tmp_path))?;
    tmp.write_all(bytes).map_err(io("writing", &tmp_path))?;
    tmp.as_file().sync_all().map_err(io("writing", &tmp_path))?;
    pause("rename");
    // On failure the temporary comes back inside the error and is removed when it drops.
    tmp.persist(path)
        .map_err(|e| io("moving into place", path)(e.error))?;
    Ok(())
}

/// The directory and the file name of `path`, where a temporary beside it goes.
pub(super) fn split(path: &Path) -> Result<(PathBuf, String), SafetyError> {
    // `--out .` or `--out ..` name a directory through its parent.
    let resolved = if path.file_name().is_none_or(|n| n == "." || n == "..") {
        std::fs::canonicalize(path).map_err(io("resolving", path))?
    } else {
        path.to_path_buf()
    };
    let name = resolved
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| SafetyError::NoName(path.to_path_buf()))?
        .to_string();
    let parent = match resolved.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok((parent, name))
}

/// The test hook of [`PAUSE_ENV`]: sleep here when `point` is listed.
pub(super) fn pause(point: &str) {
    let Some(points) = std::env::var_os(PAUSE_ENV) else {
        return;
    };
    if points.to_string_lossy().split(',').any(|p| p == point) {
        let ms = std::env::var("PLENUM_TEST_PAUSE_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(100);
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
}
