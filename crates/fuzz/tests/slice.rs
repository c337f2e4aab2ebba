//! CI's slice of the fuzz campaign: a fixed seed, a few thousand cases (issue 7).

use std::path::Path;
use std::time::Duration;

#[test]
fn issue7_fuzz_fixed_seed_slice_has_no_findings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let corpus = plenum_fuzz::corpus(&root.join("scenarios")).expect("the shipped scenarios");
    assert!(
        corpus.valid.len() >= 10,
        "{} valid files",
        corpus.valid.len()
    );
    let scratch = tempfile_dir();
    let config = plenum_fuzz::Config {
        seed: 2026,
        first: 0,
        cases: 2000,
        max_steps: 5_000,
        // Generous: a debug build on a loaded 2-core machine.
        hang_limit: Duration::from_secs(60),
        scratch: scratch.clone(),
    };
    let report = plenum_fuzz::campaign(&config, &corpus);
    let _ = std::fs::remove_dir_all(&scratch);
    eprint!("{report}");
    assert_eq!(report.cases, 2000);
    assert_eq!(report.finding_count, 0, "{report}");
    // The mutator must reach every stage, or the slice tests little.
    assert!(report.ran > 200, "{report}");
    assert!(report.rejected > 200, "{report}");
}

fn tempfile_dir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("plenum-fuzz-slice-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("scratch directory");
    d
}
