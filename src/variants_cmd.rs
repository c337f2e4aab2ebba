//! `plenum run` and `plenum check` on a scenario that declares variants.

use std::path::Path;

use plenum_runner::output::variants::{run_variants, VariantOutcome};
use plenum_runner::scenario::variants::{load_variants, VariantSet};
use plenum_runner::Loaded;

use crate::{bad_input, diagnostics, interrupted, output_failure, Failure};

/// The checked variants of `loaded`, in file order (empty when it declares none); a problem
/// in the list itself is bad input.
pub(crate) fn variants_of(loaded: &Loaded) -> Result<VariantSet, Failure> {
    load_variants(loaded).map_err(|d| bad_input(diagnostics(&d)))
}

/// `plenum check`: every variant is checked; all problems are printed, exit code 2 if any.
pub(crate) fn check(variants: &VariantSet) -> Result<(), Failure> {
    let mut bad = Vec::new();
    for (name, v) in variants {
        match v {
            Ok(l) => {
                for w in &l.warnings {
                    tell!("{w}");
                }
                say!("  variant '{name}': ok");
            }
            Err(d) => {
                diagnostics(d);
                bad.push(name.as_str());
            }
        }
    }
    if bad.is_empty() {
        return Ok(());
    }
    Err(bad_input(anyhow::anyhow!(
        "{} of {} variants {} invalid: {}",
        bad.len(),
        variants.len(),
        if bad.len() == 1 { "is" } else { "are" },
        bad.join(", ")
    )))
}

/// `plenum run` on a scenario with variants: run them all, write the set, print the table.
/// Exit code 2 when a variant is invalid, 1 when a run failed, else 0.
pub(crate) fn run(
    file: &Path,
    loaded: &Loaded,
    variants: VariantSet,
    out_dir: &Path,
    quiet: bool,
    cancel: &plenum_runner::Cancel,
) -> Result<(), Failure> {
    let started = std::time::Instant::now();
    let shown = out_dir.display();
    let report = run_variants(variants, out_dir, Some(cancel)).map_err(|e| {
        output_failure(
            cancel,
            e,
            format!(
                "the runs were stopped before their results were swapped in; {shown} is as it was"
            ),
            format!(
                "writing the variants of scenario '{}' ({}) into {shown}",
                loaded.name,
                file.display()
            ),
        )
    })?;
    if cancel.is_set() {
        return Err(interrupted(
            cancel,
            format!("after the runs finished; {shown} holds their complete new results"),
        ));
    }
    if !quiet {
        say_raw!("{}", report.table);
        say!(
            "  wrote {} in {:.2} s: {} variant directories, {}",
            shown,
            started.elapsed().as_secs_f64(),
            report
                .variants
                .iter()
                .filter(|(_, o)| matches!(o, VariantOutcome::Ran(_)))
                .count(),
            report
                .files
                .iter()
                .filter_map(|f| f.file_name().map(|n| n.to_string_lossy().into_owned()))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let failed = report.failed();
    if failed.is_empty() {
        return Ok(());
    }
    let invalid = report
        .variants
        .iter()
        .any(|(_, o)| matches!(o, VariantOutcome::Invalid(_)));
    let names: Vec<&str> = failed.iter().map(|(n, _)| *n).collect();
    Err(Failure {
        code: if invalid { 2 } else { 1 },
        error: anyhow::anyhow!(
            "{} of {} variants did not run: {} (see {shown}/variants.txt)",
            failed.len(),
            report.variants.len(),
            names.join(", ")
        ),
    })
}
