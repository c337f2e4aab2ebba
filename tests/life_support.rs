//! Issue 10: crews, ECLSS devices, make-up gas, limits and budgets through the scenario files
//! an analyst writes. The two shipped scenarios are checked against the figures worked by
//! hand in their headers; bad life-support input gets located errors.
//!
//! Tolerances: the runs use the default solver settings (rtol 1e-6, atol 1e-3 Pa); a crossing
//! time or a settled value is good to ~rtol, so 1e-4 relative (100 x rtol) is allowed where a
//! closed form is exact, and the hand figures' own rounding (4 digits) where they are quoted.

use plenum_runner::life::LifeSummary;
use plenum_runner::{load, load_str, simulate_run};

mod common;

use common::root;

const DAY: f64 = 86_400.0;
const MMHG: f64 = 133.322_387_415;
const R: f64 = 8.314_462_618;

fn life_of(file: &str) -> (plenum_runner::summary::Summary, LifeSummary) {
    let l = load(&root().join(file)).expect("the scenario loads");
    let r = simulate_run(&l.network, &l.config, &l.name, false).expect("the run succeeds");
    let life = r
        .summary
        .life_support
        .clone()
        .expect("a life-support summary");
    (r.summary, life)
}

fn crossing(life: &LifeSummary, name: &str) -> Option<f64> {
    life.limits
        .iter()
        .find(|l| l.name == name)
        .unwrap_or_else(|| panic!("no limit '{name}' in {:?}", life.limits))
        .first_crossing_s
}

#[test]
fn crew_in_closed_module_crosses_each_ppco2_limit_when_its_header_says() {
    let (summary, life) = life_of("scenarios/crew-in-closed-module.ron");
    // Header: a = G R T / (M V) with G = 3 kg/day, T = 295.15 K, V = 87.5 m3; the 24-h mean
    // reaches L at t = sqrt(2 (L - p0) / a) day while t < 1 day.
    let a = 3.0 * R * 295.15 / (0.044_009_5 * 87.5) / MMHG; // mmHg/day
    assert!((a - 14.340).abs() < 5e-4, "{a} mmHg/day");
    let p0 = 0.0004 * 760.0;
    for (limit, l, hand_h) in [
        (
            "no_removal: 24-h mean ppCO2 above 2.7 mmHg (newer limit)",
            2.7,
            13.87,
        ),
        (
            "no_removal: 24-h mean ppCO2 above 4.0 mmHg (2010 limit)",
            4.0,
            17.23,
        ),
    ] {
        let want = (2.0 * (l - p0) / a).sqrt() * DAY;
        let got = crossing(&life, limit).expect("crossed");
        assert!(
            (got / want - 1.0).abs() < 1e-4,
            "{limit}: {got} s vs {want} s"
        );
        assert!(
            (got / 3600.0 - hand_h).abs() < 0.005,
            "{limit}: {} h",
            got / 3600.0
        );
    }
    // With the Vozdukh the steady ppCO2 is a V / (Q eta) = 2.905 mmHg: the 2.7 mmHg mean is
    // crossed, the 4.0 mmHg one never.
    let vz = summary
        .compartments
        .iter()
        .find(|c| c.name == "vozdukh")
        .expect("vozdukh compartment");
    let pp = vz
        .final_partial_pressures
        .iter()
        .find(|p| p.species == "CO2")
        .expect("CO2")
        .pressure
        / MMHG;
    let steady = a * 87.5 / 432.0;
    assert!((steady - 2.905).abs() < 1e-3);
    // Four days are 19.7 time constants: settled to e^-19.7 ~ 3e-9.
    assert!((pp / steady - 1.0).abs() < 1e-4, "{pp} vs {steady} mmHg");
    assert!(crossing(
        &life,
        "vozdukh: 24-h mean ppCO2 above 2.7 mmHg (newer limit)"
    )
    .is_some());
    assert_eq!(
        crossing(
            &life,
            "vozdukh: 24-h mean ppCO2 above 4.0 mmHg (2010 limit)"
        ),
        None
    );
    // Honest words: the crew consumed O2 and produced CO2; the bed removed it.
    let crew = life
        .members
        .iter()
        .find(|m| m.name == "crew_a")
        .expect("crew");
    assert!(
        crew.words
            .starts_with("3 crew: consumed 10.1 kg O2; produced 12.0 kg CO2"),
        "{}",
        crew.words
    );
    let bed = life
        .members
        .iter()
        .find(|m| m.name == "vozdukh_bed")
        .expect("bed");
    assert!(bed.words.starts_with("removed 11."), "{}", bed.words);
}

#[test]
fn iss_crew_consumables_reports_its_margin_limits_and_air_loss() {
    let (summary, life) = life_of("scenarios/iss-crew-consumables.ron");
    let tank = &life.tanks[0];
    // Header: 49.94 kg in the tank; 49.65 kg usable above 760 mmHg; the leak 1.905 kg/day at
    // the start; 26.06 days of margin (the run's own figures, to the header's 4 digits).
    assert!(
        (tank.initial_kg - 49.94).abs() < 0.005,
        "{}",
        tank.initial_kg
    );
    assert!(
        (tank.usable_at_start_kg - 49.65).abs() < 0.005,
        "{}",
        tank.usable_at_start_kg
    );
    assert!(
        (tank.leak_at_start_kg_per_day - 1.905).abs() < 0.0005,
        "{}",
        tank.leak_at_start_kg_per_day
    );
    let margin = tank.margin_days_at_start.expect("a leak at the start");
    assert!((margin - 26.06).abs() < 0.005, "{margin} days");
    // The make-up ran the tank down to the cabin's pressure before day 90.
    assert!(tank.usable_left_kg < 1e-3, "{}", tank.usable_left_kg);
    assert!(tank.used_kg > 49.5, "{}", tank.used_kg);
    // Mass: tank + cabins + space + what crews and devices moved, to round-off.
    assert!(
        summary.mass_balance_error_kg < 1e-9 * 1100.0,
        "{}",
        summary.mass_balance_error_kg
    );
    // No limit is reached in 90 days; every one is listed.
    assert_eq!(life.limits.len(), 8);
    assert!(
        life.limits.iter().all(|l| l.first_crossing_s.is_none()),
        "{:?}",
        life.limits
    );
    // The ppN2 estimate sits below the true loss: after the N2 runs out, the generators keep
    // ppO2 up while N2 leaks, so the air leaking carries less N2 than the initial 75.5 %.
    let a = &life.air_loss;
    let est = a.ppn2_estimate_kg_per_day.expect("N2 in the gas table");
    assert!(
        a.true_kg_per_day > 1.7 && a.true_kg_per_day < 1.95,
        "{}",
        a.true_kg_per_day
    );
    assert!(
        est < a.true_kg_per_day && est > 0.7 * a.true_kg_per_day,
        "{est}"
    );
    let text = summary.to_text();
    assert!(
        text.contains("supplied 49.7 kg N2 from tank 'n2_tank'"),
        "{text}"
    );
    assert!(
        text.contains("1.91 kg/day leak then for 26.1 days"),
        "{text}"
    );
    assert!(!text.contains("lost from the compartments: -"), "{text}");
}

/// A scenario text around one cabin.
fn cabin(extra: &str) -> String {
    format!(
        r#"Scenario(
    name: "t",
    duration: "10 day",
    compartments: [
        (name: "cabin", volume: "10 m3", pressure: "760 mmHg", temperature: "22 degC"),
        (name: "tank", volume: "1 m3", pressure: "10 MPa", temperature: "22 degC", composition: {{"N2": 1.0}}),
    ],
    boundaries: [(name: "space", kind: Vacuum)],
    links: [(name: "leak", from: "cabin", to: "space", element: Orifice(area: "0.2 mm2", cd: 0.6))],
{extra}
)"#
    )
}

#[test]
fn a_co2_sink_far_beyond_the_inventory_fades_instead_of_aborting() {
    // The trial's failure: a 10 m3 cabin with a -0.5 kg/day CO2 sink stopped at 1419 s.
    let text = cabin(
        r#"    sources: [(name: "scrubber", into: "cabin", rates: {"CO2": "-0.5 kg/day"})],
    devices: [CO2Removal(name: "bed", compartment: "cabin", flow: "100 m3/h", efficiency: 1.0)],"#,
    );
    let l = load_str(text, "sink.ron").expect("loads");
    let r = simulate_run(&l.network, &l.config, &l.name, true).expect("the run finishes");
    let traj = r.trajectory.expect("kept");
    let ns = l.network.gas.len();
    for s in &traj.rows {
        let pp = s.partial_pressure[3];
        assert!(pp >= 0.0, "t = {}: ppCO2 {pp} Pa", s.t);
        assert_eq!(s.species, ns);
    }
    assert_eq!(r.summary.status, "completed");
}

#[test]
fn hysteresis_make_up_switches_on_below_the_band_and_off_at_the_setpoint() {
    let text = cabin(
        r#"    devices: [MakeUp(name: "reg", compartment: "cabin", tank: "tank", max_flow: "20 kg/day",
                      sense: "partial_pressure.N2", setpoint: "590 mmHg", band: "5 mmHg",
                      mode: Hysteresis)],"#,
    );
    let l = load_str(text, "hyst.ron").expect("loads");
    let r = simulate_run(&l.network, &l.config, &l.name, true).expect("runs");
    let on = r
        .summary
        .events
        .iter()
        .filter(|e| e.name == "reg on")
        .count();
    let off = r
        .summary
        .events
        .iter()
        .filter(|e| e.name == "reg off")
        .count();
    assert!(
        on >= 2 && off >= 2,
        "on {on}, off {off}: {:?}",
        r.summary.events
    );
    // Between the first switch-on and the end, ppN2 stays within the band (events are
    // located to the solver's tolerance; allow 0.1 mmHg for the flow's reaction).
    let t_on = r
        .summary
        .events
        .iter()
        .find(|e| e.name == "reg on")
        .expect("on")
        .time_s;
    for s in r
        .trajectory
        .expect("kept")
        .rows
        .iter()
        .filter(|s| s.t > t_on)
    {
        let pp = s.partial_pressure[0] / MMHG;
        assert!((584.9..=590.1).contains(&pp), "t = {}: ppN2 {pp} mmHg", s.t);
    }
}

#[test]
fn a_daily_activity_keeps_the_daily_totals() {
    // Over whole days the activity profile's mean is 1: 3 crew produce exactly 3 kg CO2/day.
    let text = String::from(
        r#"Scenario(
    name: "t",
    duration: "2 day",
    compartments: [(name: "cabin", volume: "80 m3", pressure: "760 mmHg", temperature: "22 degC")],
    crews: [(name: "crew", compartment: "cabin", count: 3,
             activity: Daily(sleep: "8 h", exercise: "1.5 h", sleep_factor: 0.6, exercise_factor: 2.5))],
)"#,
    );
    let l = load_str(text, "daily.ron").expect("loads");
    let r = simulate_run(&l.network, &l.config, &l.name, false).expect("runs");
    let life = r.summary.life_support.expect("life");
    let co2 = life.members[0]
        .moved_kg
        .iter()
        .find(|(s, _)| s == "CO2")
        .expect("CO2")
        .1;
    assert!((co2 - 6.0).abs() < 1e-4 * 6.0, "{co2} kg");
}

fn refusal(text: String) -> String {
    match load_str(text, "bad.ron") {
        Ok(_) => panic!("accepted"),
        Err(d) => d.to_string(),
    }
}

#[test]
fn bad_life_support_input_is_located_and_explained() {
    let e = refusal(cabin(
        r#"    crews: [(name: "crew", compartment: "cabn", count: 3)],"#,
    ));
    assert!(
        e.contains("bad.ron:10:") && e.contains("unknown name 'cabn'"),
        "{e}"
    );
    assert!(e.contains("did you mean 'cabin'?"), "{e}");
    let e = refusal(cabin(
        r#"    devices: [MakeUp(name: "reg", compartment: "cabin", tank: "cabin", max_flow: "1 kg/day", setpoint: "750 mmHg", band: "5 mmHg")],"#,
    ));
    assert!(e.contains("the tank is the compartment it feeds"), "{e}");
    let e = refusal(cabin("    limits: [Standard],"));
    assert!(
        e.contains("Standard limits apply to compartments with a crew"),
        "{e}"
    );
    let e = refusal(cabin(
        r#"    devices: [O2Generator(name: "gen", compartment: "cabin", rate: "3 kg/day", low: "150 mmHg")],"#,
    ));
    assert!(e.contains("only one end of the ppO2 band is given"), "{e}");
    let e = refusal(cabin(
        r#"    limits: [Limit(quantity: "leak.mass_flow", above: "1 kg/day", average: "24 h")],"#,
    ));
    assert!(
        e.contains("only a pressure or a partial pressure can be averaged"),
        "{e}"
    );
    let e = refusal(cabin(
        r#"    devices: [Condenser(name: "chx", compartment: "cabin", flow: "1 m3/h", dew_point: "150 degC")],"#,
    ));
    assert!(e.contains("dew_point is 150.00 degC"), "{e}");
    let e = refusal(cabin(
        r#"    devices: [CO2Removal(name: "bed", compartment: "cabin", flow: "1 m3/h", efficiency: 1.5)],"#,
    ));
    assert!(
        e.contains("efficiency is 1.5") && e.contains("between 0 and 1"),
        "{e}"
    );
}
