use super::*;
use crate::model::{BoundaryId, CompartmentId, Link, NetworkParts, NodeId};
use crate::{AreaLaw, Boundary, BoundaryKind, Compartment, FlowElement, Gas, Schedule};

fn vessel() -> Network {
    let parts = NetworkParts {
        gas: Some(Gas::perfect("air", 287.05, 1.4)),
        compartments: vec![Compartment {
            name: "vessel".into(),
            volume: 30.0,
            pressure: 101_325.0,
            temperature: 295.0,
            composition: vec![1.0],
            thermal: crate::Thermal::Isothermal {
                temperature: Schedule::Constant(295.0),
            },
        }],
        boundaries: vec![Boundary {
            name: "space".into(),
            kind: BoundaryKind::Vacuum,
        }],
        links: vec![Link {
            name: "hole".into(),
            from: NodeId::Compartment(CompartmentId(0)),
            to: NodeId::Boundary(BoundaryId(0)),
            element: FlowElement::Orifice {
                area: Schedule::Constant(1e-6),
                cd: Schedule::Constant(0.6),
                area_law: AreaLaw::Fixed,
            },
            opening: Schedule::Constant(1.0),
            open: true,
        }],
        ..NetworkParts::default()
    };
    Network::new(parts).expect("valid vessel")
}

/// A dense output that cannot be evaluated inside a step used to leave the output row
/// with whatever the buffer held; now the step fails with the time asked for.
#[test]
fn issue7_dense_output_failure_is_an_error_at_the_time_asked_for() {
    let net = vessel();
    let sys = System::new(&net);
    let settings = Settings::default();
    let mut d = Driver::new(&sys, &settings, 100.0, &[0.0, 40.0, 100.0]);
    d.emit_outputs_at_current();
    let y_new = d.y.clone();
    let mut failing = |t: f64,
                       _part: Option<&[std::ops::Range<usize>]>,
                       _out: &mut [f64]|
     -> Result<(), SimError> {
        Err(SimError::Interpolation {
            integrator: "BDF",
            time: t,
            step_start: 0.0,
            step_end: 100.0,
            reason: "no dense output here".into(),
        })
    };
    match d.process_step(0.0, 100.0, &y_new, &mut failing) {
        Err(SimError::Interpolation { time, .. }) => assert_eq!(time, 40.0),
        Err(other) => panic!("expected an interpolation error, got {other:?}"),
        Ok(_) => panic!("expected an interpolation error, the step went through"),
    }
    assert_eq!(d.out_rows.len(), 1, "only the row at t = 0 was written");
}
