//! A 10 000-compartment chain through the library with the sparse Jacobian, in bounded
//! memory (issue 12). One test in this file: the peak memory read is the process's.

use plenum_physics::reference::{scaling_network, Topology, HOUR};
use plenum_physics::{simulate, Network, Settings, System};

/// Peak resident memory of this process, bytes (Linux; `None` elsewhere).
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[test]
fn issue12_a_chain_of_10000_compartments_runs_in_bounded_memory() {
    let n = 10_000;
    let net = Network::new(scaling_network(Topology::Chain, n)).expect("chain");
    let sys = System::new(&net);
    assert_eq!(sys.len(), n + 1);
    // The dense path would hold (n + 1)^2 doubles per matrix: 800 MB for the Jacobian
    // alone, and as much again for its LU factors.
    let dense_bytes = ((n + 1) * (n + 1) * 8) as u64;
    let pressures = |y: &[f64]| -> Vec<f64> { sys.snapshot(0.0, y).pressure };
    let y0 = sys.initial_state();
    let p0 = pressures(&y0);
    let (lo, hi) = p0
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), &p| (a.min(p), b.max(p)));
    let mut last = Vec::new();
    let outcome = simulate(
        &net,
        &Settings::default(),
        6.0 * HOUR,
        &[0.0, 6.0 * HOUR],
        &mut |_: &System<'_>, _, y: &[f64]| last = y.to_vec(),
    )
    .expect("the chain runs");
    assert_eq!(outcome.end_time, 6.0 * HOUR);
    // Sparse: each Jacobian cost a few products, not one per state.
    let s = &outcome.stats;
    assert!(
        s.jacobian_evals > 0 && s.jvp_evals <= 8 * s.jacobian_evals,
        "{s:?}"
    );
    // Orifices only move gas down pressure differences, and the leak only removes it: every
    // pressure stays within the initial range, and the mass lost is what space received.
    let p = pressures(&last);
    for (i, pi) in p.iter().enumerate() {
        assert!(
            *pi >= lo - 1.0 && *pi <= hi + 1e-6,
            "m{i}: {pi} Pa outside [{lo}, {hi}]"
        );
    }
    let mass = |y: &[f64]| y[..n].iter().sum::<f64>();
    let received = last[sys.ledger_offset()];
    assert!(received > 0.0);
    assert!(
        (mass(&y0) - mass(&last) - received).abs() <= 1e-9 * mass(&y0),
        "mass balance"
    );
    if let Some(peak) = peak_rss() {
        assert!(
            peak < 256 << 20 && peak < dense_bytes / 3,
            "peak memory {} MiB",
            peak >> 20
        );
        eprintln!("peak memory {} MiB", peak >> 20);
    }
}
