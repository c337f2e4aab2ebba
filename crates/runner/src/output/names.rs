//! The names Plenum gives what it writes on disk: the manifests of a results directory and
//! the temporaries beside it, `.NAME.plenum-tmp-PID-NONCE` (a file or directory being
//! written) and `.NAME.plenum-old-PID-NONCE` (old results moved aside during a swap). A
//! temporary's name carries the id of the process that made it, so that
//! [`super::safety::clean_stale`] can tell when its owner is gone.

use std::sync::atomic::{AtomicU64, Ordering};

/// The manifest of a results directory.
pub const MANIFEST: &str = ".plenum-manifest.json";
/// Format tag written into every manifest.
pub const FORMAT: &str = "plenum-manifest/1";
const MANIFEST_STEM: &str = ".plenum-manifest.";
pub(super) const TMP_TAG: &str = ".plenum-tmp-";
pub(super) const OLD_TAG: &str = ".plenum-old-";
/// Marker file inside a temporary directory that is still being filled.
pub(super) const MARKER: &str = ".plenum-tmp";

/// True for the name of a manifest (the main one or a shard's).
pub fn is_manifest_name(name: &str) -> bool {
    name == MANIFEST || (name.starts_with(MANIFEST_STEM) && name.ends_with(".json"))
}

/// The manifest name for a writer tag (`None`: the main manifest).
pub fn manifest_name(tag: Option<&str>) -> String {
    match tag {
        None => MANIFEST.into(),
        Some(t) => format!("{MANIFEST_STEM}{t}.json"),
    }
}

/// `.BASE.plenum-tmp-PID-NONCE` or `.BASE.plenum-old-PID-NONCE`: (base, is_old, pid).
pub(super) fn temp_owner(name: &str) -> Option<(&str, bool, u32)> {
    let rest = name.strip_prefix('.')?;
    let (base, tail, old) = if let Some(i) = rest.rfind(TMP_TAG) {
        (&rest[..i], &rest[i + TMP_TAG.len()..], false)
    } else {
        let i = rest.rfind(OLD_TAG)?;
        (&rest[..i], &rest[i + OLD_TAG.len()..], true)
    };
    let (pid, nonce) = tail.split_once('-')?;
    if base.is_empty()
        || nonce.is_empty()
        || !nonce.bytes().all(|b| b.is_ascii_hexdigit())
        || !pid.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    Some((base, old, pid.parse().ok()?))
}

/// A fresh temporary name beside `base`: `.BASE` + `tag` + `PID-NONCE`.
pub(super) fn temp_name(base: &str, tag: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos() as u64 ^ d.as_secs().rotate_left(32));
    let k = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!(".{base}{tag}{}-{:x}", std::process::id(), nanos ^ (k << 48))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_names_parse_back() {
        let n = temp_name("out", TMP_TAG);
        let (base, old, pid) = temp_owner(&n).expect("parses");
        assert_eq!((base, old, pid), ("out", false, std::process::id()));
        let n = temp_name("runs.csv", OLD_TAG);
        assert_eq!(temp_owner(&n).map(|t| (t.0, t.1)), Some(("runs.csv", true)));
        assert!(temp_owner("notes.md").is_none());
        assert!(temp_owner(".x.plenum-tmp-12-").is_none());
        assert!(temp_owner(".x.plenum-tmp-ab-12").is_none());
    }

    #[test]
    fn manifest_names() {
        assert!(is_manifest_name(MANIFEST));
        assert!(is_manifest_name(&manifest_name(Some("shard-1-of-2"))));
        assert!(!is_manifest_name("manifest.json"));
    }
}
