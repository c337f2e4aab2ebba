//! One run of a size-scaling network, for benches/scaling.sh:
//! `cargo run --release --example scaling -p plenum-physics -- chain 1000 [days] [dense|sparse|auto] [repeats]`.
//! Prints one line: topology, compartments, links, states, Jacobian kind, the median wall
//! time per run (ms) over the repeats, and the work counts of one run.
use plenum_physics::reference::{scaling_network, Topology, DAY};
use plenum_physics::{simulate, Jacobian, Network, Settings, System};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let topology = match args.get(1).map(String::as_str) {
        Some("chain") | None => Topology::Chain,
        Some("tree") => Topology::Tree,
        Some("mesh") => Topology::Mesh,
        Some(other) => fail(&format!("topology '{other}'; expected chain, tree or mesh")),
    };
    let n: usize = arg(&args, 2, 100);
    let days: f64 = arg(&args, 3, 30.0);
    let jacobian = match args.get(4).map(String::as_str) {
        Some("auto") | None => Jacobian::Auto,
        Some("dense") => Jacobian::Dense,
        Some("sparse") => Jacobian::Sparse,
        Some(other) => fail(&format!(
            "jacobian '{other}'; expected dense, sparse or auto"
        )),
    };
    let repeats: usize = arg(&args, 5, 3);
    let net =
        Network::new(scaling_network(topology, n)).unwrap_or_else(|e| fail(&format!("{e:?}")));
    let settings = Settings {
        jacobian,
        ..Settings::default()
    };
    let t_end = days * DAY;
    let times: Vec<f64> = (0..=days as usize).map(|k| k as f64 * DAY).collect();
    let states = System::new(&net).len();
    let mut ms = Vec::new();
    let mut stats = None;
    for _ in 0..repeats.max(1) {
        let t0 = std::time::Instant::now();
        let out = simulate(
            &net,
            &settings,
            t_end,
            &times,
            &mut |_: &System<'_>, _, _: &[f64]| {},
        )
        .unwrap_or_else(|e| fail(&e.to_string()));
        ms.push(t0.elapsed().as_secs_f64() * 1e3);
        stats = Some(out.stats);
    }
    ms.sort_by(f64::total_cmp);
    let s = stats.unwrap_or_default();
    println!(
        "{topology:?} compartments={n} links={} states={states} jacobian={} ms_per_run={:.3} steps={} rhs={} jvp={} jacobians={} lu={}",
        net.links.len(),
        if jacobian.is_sparse(states) { "sparse" } else { "dense" },
        ms[ms.len() / 2],
        s.steps,
        s.rhs_evals,
        s.jvp_evals,
        s.jacobian_evals,
        s.factorizations,
    );
}

fn arg<T: std::str::FromStr>(args: &[String], i: usize, default: T) -> T {
    match args.get(i) {
        None => default,
        Some(a) => a
            .parse()
            .unwrap_or_else(|_| fail(&format!("argument {i} '{a}' is not a number"))),
    }
}

fn fail(msg: &str) -> ! {
    eprintln!("scaling: {msg}");
    std::process::exit(2);
}
