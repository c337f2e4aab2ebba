//! Flow elements and area laws of links.

use super::*;

impl<'s> Validator<'s> {
    /// Area from `area` (a schedule) or `diameter` (a constant), exactly one.
    pub(super) fn area_or_diameter(
        &mut self,
        area: &Option<Spanned<ScheduleWire>>,
        diameter: &Option<Spanned<Q>>,
        span: Span,
        it: &str,
        kind: &str,
    ) -> Option<Schedule> {
        match (area, diameter) {
            (Some(a), None) => self.schedule(
                a,
                Some(Dimension::Area),
                "m2",
                Range::NonNegative,
                it,
                "area",
            ),
            (None, Some(d)) => self
                .quantity_in(d, Dimension::Length, Range::Positive, it, "diameter")
                .map(|d| Schedule::Constant(PI * d * d / 4.0)),
            (Some(_), Some(d)) => {
                self.sink
                    .error(
                        d.span,
                        Some(it),
                        format!("{kind} has both area and diameter"),
                    )
                    .expected("one of area or diameter");
                None
            }
            (None, None) => {
                self.sink
                    .error(span, Some(it), format!("{kind} has no area"))
                    .expected("area: \"0.1 mm2\" (or a schedule), or diameter: \"2 mm\"");
                None
            }
        }
    }

    pub(super) fn element(&mut self, e: &Spanned<ElementWire>, it: &str) -> Option<FlowElement> {
        let w = self.get(e, Some(it))?;
        match w {
            ElementWire::Orifice {
                area,
                diameter,
                cd,
                area_law,
            } => {
                let a = self.area_or_diameter(area, diameter, e.span, it, "the Orifice");
                let cd = self.schedule(cd, Some(Dimension::Dimensionless), "", Range::Cd, it, "cd");
                let law = match area_law {
                    None => Some(AreaLaw::Fixed),
                    Some(l) => self.area_law(l, it),
                };
                Some(FlowElement::Orifice {
                    area: a?,
                    cd: cd?,
                    area_law: law?,
                })
            }
            ElementWire::OpenHatch { area, diameter, cd } => {
                let a = self.area_or_diameter(area, diameter, e.span, it, "the OpenHatch");
                let cd = self.schedule(cd, Some(Dimension::Dimensionless), "", Range::Cd, it, "cd");
                Some(FlowElement::OpenHatch { area: a?, cd: cd? })
            }
            ElementWire::PowerLaw {
                c,
                leakage_area,
                n,
                reference_dp,
                cd,
                density,
            } => {
                let n_val = self.number(n, "(dimensionless)", it, "n");
                if let Some(nv) = n_val {
                    if !(0.5..=1.0).contains(&nv) {
                        self.sink
                            .error(n.span, Some(it), format!("the power-law exponent n = {nv} is out of range"))
                            .expected("0.5 <= n <= 1 (0.5: turbulent orifice, 1: laminar; 0.65 is typical)");
                        return None;
                    }
                }
                let coefficient = match (c, leakage_area) {
                    (Some(c), None) => {
                        for (extra, fname) in [
                            (reference_dp, "reference_dp"),
                            (cd, "cd"),
                            (density, "density"),
                        ] {
                            if let Some(x) = extra {
                                self.sink
                                    .error(x.span, Some(it), format!("{fname} is only used with leakage_area"))
                                    .expected("either c alone, or leakage_area with optional reference_dp, cd and density");
                            }
                        }
                        self.schedule(c, None, "m3/(s Pa^n)", Range::NonNegative, it, "c")
                    }
                    (None, Some(a)) => {
                        let area = self.schedule(
                            a,
                            Some(Dimension::Area),
                            "m2",
                            Range::NonNegative,
                            it,
                            "leakage_area",
                        );
                        let dp_r = match reference_dp {
                            Some(d) => self.quantity_in(
                                d,
                                Dimension::Pressure,
                                Range::Positive,
                                it,
                                "reference_dp",
                            ),
                            None => Some(4.0),
                        };
                        let cdv = match cd {
                            Some(x) => {
                                self.quantity_in(x, Dimension::Dimensionless, Range::Cd, it, "cd")
                            }
                            None => Some(1.0),
                        };
                        let rho = match density {
                            Some(x) => self.quantity_in(
                                x,
                                Dimension::Density,
                                Range::Positive,
                                it,
                                "density",
                            ),
                            None => Some(1.2041),
                        };
                        let (area, dp_r, cdv, rho, nv) = (area?, dp_r?, cdv?, rho?, n_val?);
                        // CONTAM's effective leakage area: the orifice of area A (and Cd)
                        // that passes the same flow at the reference pressure difference.
                        Some(area.scaled(cdv * (2.0 / rho).sqrt() * dp_r.powf(0.5 - nv)))
                    }
                    (Some(_), Some(a)) => {
                        self.sink
                            .error(a.span, Some(it), "the PowerLaw has both c and leakage_area")
                            .expected("one of c or leakage_area");
                        None
                    }
                    (None, None) => {
                        self.sink
                            .error(e.span, Some(it), "the PowerLaw has no coefficient")
                            .expected("c: 1e-9 (m3/(s Pa^n)), or leakage_area: \"1 cm2\"");
                        None
                    }
                };
                Some(FlowElement::PowerLaw {
                    c: coefficient?,
                    n: n_val?,
                })
            }
            ElementWire::ViscousCrack {
                geometry,
                viscosity,
            } => {
                let g = self.get(geometry, Some(it)).cloned();
                let geom = match g? {
                    CrackWire::Slit { width, gap, depth } => {
                        let w = self.quantity_in(
                            &width,
                            Dimension::Length,
                            Range::Positive,
                            it,
                            "width",
                        );
                        let g =
                            self.quantity_in(&gap, Dimension::Length, Range::Positive, it, "gap");
                        let d = self.quantity_in(
                            &depth,
                            Dimension::Length,
                            Range::Positive,
                            it,
                            "depth",
                        );
                        CrackGeometry::Slit {
                            width: w?,
                            gap: g?,
                            depth: d?,
                        }
                    }
                    CrackWire::Tube { diameter, length } => {
                        let d = self.quantity_in(
                            &diameter,
                            Dimension::Length,
                            Range::Positive,
                            it,
                            "diameter",
                        );
                        let l = self.quantity_in(
                            &length,
                            Dimension::Length,
                            Range::Positive,
                            it,
                            "length",
                        );
                        CrackGeometry::Tube {
                            diameter: d?,
                            length: l?,
                        }
                    }
                    CrackWire::Conductance {
                        k,
                        opening,
                        temperature,
                    } => self.crack_conductance(&k, &opening, &temperature, viscosity, it)?,
                };
                let mu = match viscosity {
                    Some(v) => {
                        self.quantity_in(v, Dimension::Viscosity, Range::Positive, it, "viscosity")?
                    }
                    None => AIR_VISCOSITY,
                };
                Some(FlowElement::ViscousCrack {
                    geometry: geom,
                    viscosity: mu,
                })
            }
            ElementWire::HatchSeal { seated, unseated } => {
                let sub = |me: &mut Self,
                           s: &Spanned<ElementWire>,
                           which: &str|
                 -> Option<FlowElement> {
                    if let Some(
                        ElementWire::HatchSeal { .. }
                        | ElementWire::Fan { .. }
                        | ElementWire::OpenHatch { .. },
                    ) = s.get()
                    {
                        me.sink
                            .error(s.span, Some(it), format!("the {which} law of a HatchSeal cannot be a HatchSeal, an OpenHatch or a Fan"))
                            .expected("Orifice, PowerLaw, ViscousCrack or Linear");
                        return None;
                    }
                    me.element(s, it)
                };
                let a = sub(self, seated, "seated");
                let b = sub(self, unseated, "unseated");
                Some(FlowElement::HatchSeal {
                    seated: Box::new(a?),
                    unseated: Box::new(b?),
                })
            }
            ElementWire::Linear { k } => {
                let k = self.schedule(
                    k,
                    Some(Dimension::Conductance),
                    "kg/(s Pa)",
                    Range::NonNegative,
                    it,
                    "k",
                );
                Some(FlowElement::Linear { k: k? })
            }
            ElementWire::Fan { flow, shutoff_dp } => {
                let q = self.schedule(
                    flow,
                    Some(Dimension::VolumetricFlow),
                    "m3/s",
                    Range::NonNegative,
                    it,
                    "flow",
                );
                let s = match shutoff_dp {
                    Some(s) => Some(self.quantity_in(
                        s,
                        Dimension::Pressure,
                        Range::Positive,
                        it,
                        "shutoff_dp",
                    )?),
                    None => None,
                };
                Some(FlowElement::Fan {
                    flow: q?,
                    shutoff_dp: s,
                })
            }
        }
    }

    pub(super) fn area_law(&mut self, l: &Spanned<AreaLawWire>, it: &str) -> Option<AreaLaw> {
        let w = self.get(l, Some(it))?.clone();
        match w {
            AreaLawWire::Fixed => Some(AreaLaw::Fixed),
            AreaLawWire::PowerOfPressure { p0, k } => {
                let p0 =
                    self.quantity_in(&p0, Dimension::Pressure, Range::Positive, it, "area_law p0");
                let kv = self.number(&k, "(dimensionless)", it, "area_law k");
                if let Some(kv) = kv {
                    if kv.abs() > 20.0 {
                        self.sink
                            .error(
                                k.span,
                                Some(it),
                                format!("the area-law exponent k = {kv} is out of range"),
                            )
                            .expected("-20 <= k <= 20 (k = 1: area proportional to pressure)");
                        return None;
                    }
                }
                Some(AreaLaw::PowerOfPressure { p0: p0?, k: kv? })
            }
            AreaLawWire::LinearInDp { beta } => {
                let per: Vec<(String, f64)> = Dimension::Pressure
                    .common_units()
                    .iter()
                    .filter_map(|u| {
                        units::unit_factor(u, Dimension::Pressure)
                            .ok()
                            .map(|f| (format!("1/{u}"), 1.0 / f.scale))
                    })
                    .collect();
                let refs: Vec<(&str, f64)> = per.iter().map(|(u, f)| (u.as_str(), *f)).collect();
                let b = self.per_unit(&beta, &refs, it, "area_law beta")?;
                let b = self.magnitude(&beta, b, Dimension::Dimensionless, it, "area_law beta")?;
                Some(AreaLaw::LinearInDp { beta: b })
            }
        }
    }
}

/// The unit of a `Coefficient` of this element: `Some(Conductance)` for linear laws,
/// `None` (plain SI number) for power laws.
pub(super) fn coefficient_dimension(e: &FlowElement) -> Option<Dimension> {
    match e {
        FlowElement::Linear { .. } => Some(Dimension::Conductance),
        FlowElement::HatchSeal { seated, unseated } => {
            match (
                coefficient_dimension(seated),
                coefficient_dimension(unseated),
            ) {
                (Some(d), _) | (_, Some(d)) => Some(d),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Parameters an event may set on an element.
pub(super) fn parameters_of(e: &FlowElement) -> Vec<&'static str> {
    let mut v: Vec<&'static str> = [
        (Parameter::Area, "Area"),
        (Parameter::Cd, "Cd"),
        (Parameter::Coefficient, "Coefficient"),
        (Parameter::FlowRate, "FlowRate"),
        (Parameter::SeatedArea, "SeatedArea"),
        (Parameter::UnseatedArea, "UnseatedArea"),
        (Parameter::SeatedCd, "SeatedCd"),
        (Parameter::UnseatedCd, "UnseatedCd"),
        (Parameter::SeatedCoefficient, "SeatedCoefficient"),
        (Parameter::UnseatedCoefficient, "UnseatedCoefficient"),
    ]
    .iter()
    .filter(|(p, _)| e.clone().set_parameter(*p, 0.5))
    .map(|(_, n)| *n)
    .collect();
    v.push("Opening");
    v
}

impl<'s> Validator<'s> {
    /// `Conductance(k, opening, temperature)` of a ViscousCrack: k in kg/(s Pa2), the
    /// opening whose choked flow caps it, the optional reference temperature of k. A
    /// viscosity has no part in it (k contains it), so one given alongside is refused.
    fn crack_conductance(
        &mut self,
        k: &Spanned<Q>,
        opening: &Spanned<Q>,
        temperature: &Option<Spanned<Q>>,
        viscosity: &Option<Spanned<Q>>,
        it: &str,
    ) -> Option<CrackGeometry> {
        let k = self.quantity_in(k, Dimension::ViscousConductance, Range::Positive, it, "k");
        let opening = self.quantity_in(opening, Dimension::Area, Range::Positive, it, "opening");
        let temperature = match temperature {
            Some(t) => Some(self.quantity_in(
                t,
                Dimension::Temperature,
                Range::Positive,
                it,
                "temperature",
            )?),
            None => None,
        };
        if let Some(v) = viscosity {
            self.sink
                .error(
                    v.span,
                    Some(it),
                    "a ViscousCrack given by its Conductance has no viscosity (k contains it)",
                )
                .expected("no viscosity, or a Slit or Tube geometry");
            return None;
        }
        Some(CrackGeometry::Conductance {
            k: k?,
            opening: opening?,
            temperature,
        })
    }
}
