//! `FlowElement::flow_sign`, the cheap test a run makes on each step before it evaluates the
//! flows to look for reversals: wherever it gives a sign, the flow (scaled by the opening)
//! has that sign, over pressures from vacuum to 10 bar, near and far from equilibrium.

use plenum_physics::{AreaLaw, FlowElement, GasState, Schedule};

fn st(p: f64) -> GasState {
    GasState {
        p,
        t: 295.0,
        r: 287.05,
        gamma: 1.4,
    }
}

#[test]
fn flow_sign_agrees_with_the_flow_wherever_it_answers() {
    let c = Schedule::Constant;
    let elements = [
        FlowElement::Linear { k: c(1e-5) },
        FlowElement::Linear { k: c(0.0) },
        FlowElement::Orifice {
            area: c(1e-6),
            cd: c(0.6),
            area_law: AreaLaw::Fixed,
        },
        FlowElement::Orifice {
            area: c(0.0),
            cd: c(0.6),
            area_law: AreaLaw::Fixed,
        },
        FlowElement::OpenHatch {
            area: c(0.5),
            cd: c(0.7),
        },
        FlowElement::PowerLaw {
            c: c(1e-9),
            n: 0.65,
        },
    ];
    let pressures = [
        0.0, 1e-9, 1e-3, 1.0, 9.99, 10.0, 100.0, 1e3, 99_000.0, 101_324.99, 101_325.0, 101_325.01,
        101_335.0, 1e6,
    ];
    let mut answered = 0;
    for e in &elements {
        for &pa in &pressures {
            for &pb in &pressures {
                for opening in [1.0, 0.5, 1e-40] {
                    let (a, b) = (st(pa), st(pb));
                    let Some(s) = e.flow_sign(0.0, &a, &b, opening) else {
                        continue;
                    };
                    answered += 1;
                    let m = e.flow(0.0, &a, &b).mdot * opening;
                    assert!(
                        f64::from(s) * m > 0.0,
                        "{} at pa {pa}, pb {pb}, opening {opening}: sign {s}, flow {m:e}",
                        e.kind()
                    );
                }
            }
        }
    }
    assert!(
        answered > 300,
        "the test says something on most states ({answered})"
    );
}
