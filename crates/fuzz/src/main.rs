//! `plenum-fuzz`: run a fuzz campaign over Plenum's loader and short runs.
//!
//! ```text
//! cargo run --release -p plenum-fuzz -- --cases 1000000 --seed 1
//! cargo run --release -p plenum-fuzz -- --seed 1 --first 4711 --cases 1 --show
//! ```
//! Exit 0: no findings; 1: findings (listed, inputs written to --findings); 3: a hang (its
//! input is left in the scratch directory named in the message).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

#[derive(Debug, Parser)]
#[command(
    name = "plenum-fuzz",
    about = "Fuzz Plenum's parser, validator and short runs"
)]
struct Args {
    /// Number of cases.
    #[arg(long, default_value_t = 10_000)]
    cases: u64,
    /// Campaign seed: the same seed gives the same cases.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// First case number (to replay one case: --first K --cases 1).
    #[arg(long, default_value_t = 0)]
    first: u64,
    /// Directory of scenario files to mutate.
    #[arg(long, default_value = "scenarios")]
    corpus: PathBuf,
    /// Where to write the inputs of findings (new files only).
    #[arg(long, default_value = "out/fuzz")]
    findings: PathBuf,
    /// Step budget of each short run.
    #[arg(long, default_value_t = 20_000)]
    max_steps: usize,
    /// A case slower than this many seconds is a finding.
    #[arg(long, default_value_t = 5.0)]
    hang_limit: f64,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Print the input of each case instead of running it.
    #[arg(long)]
    show: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let corpus = match plenum_fuzz::corpus(&args.corpus) {
        Ok(c) if !c.files.is_empty() => c,
        Ok(_) => {
            eprintln!("error: no scenario files under {}", args.corpus.display());
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("error: reading {}: {e}", args.corpus.display());
            return ExitCode::from(2);
        }
    };
    if args.show {
        for case in args.first..args.first + args.cases {
            let input = plenum_fuzz::case_input(args.seed, case, &corpus);
            println!("--- case {case} ---\n{}", String::from_utf8_lossy(&input));
        }
        return ExitCode::SUCCESS;
    }
    // The workers' case files live in a scratch directory of this process alone.
    let scratch = std::env::temp_dir().join(format!("plenum-fuzz-{}", std::process::id()));
    if let Err(e) = std::fs::create_dir_all(&scratch) {
        eprintln!("error: creating {}: {e}", scratch.display());
        return ExitCode::from(2);
    }
    if let Some(n) = args.threads {
        if let Err(e) = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
        {
            eprintln!("error: --threads {n}: {e}");
            return ExitCode::from(2);
        }
    }
    let config = plenum_fuzz::Config {
        seed: args.seed,
        first: args.first,
        cases: args.cases,
        max_steps: args.max_steps,
        hang_limit: Duration::from_secs_f64(args.hang_limit.max(0.001)),
        scratch: scratch.clone(),
    };
    let report = plenum_fuzz::campaign(&config, &corpus);
    let _ = std::fs::remove_dir_all(&scratch);
    print!("{report}");
    if !report.findings.is_empty() {
        if let Err(e) = std::fs::create_dir_all(&args.findings) {
            eprintln!("error: creating {}: {e}", args.findings.display());
        }
    }
    for f in &report.findings {
        // Never overwrite: an earlier campaign's finding stays as it was.
        let path = args
            .findings
            .join(format!("seed{}-{}-{}.ron", args.seed, f.rule, f.case));
        let written = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .and_then(|mut file| std::io::Write::write_all(&mut file, &f.input));
        if let Err(e) = written {
            eprintln!("error: writing {}: {e}", path.display());
        }
    }
    if report.finding_count == 0 {
        ExitCode::SUCCESS
    } else {
        println!("inputs of the findings in {}", args.findings.display());
        ExitCode::FAILURE
    }
}
