//! The network: gas, compartments, boundaries, links and sources.

use super::*;

impl<'s> Validator<'s> {
    pub(super) fn gas(&mut self, g: &Spanned<GasWire>) -> Option<Gas> {
        let w = self.get(g, Some("gas"))?;
        match w {
            GasWire::Air => Some(Gas::air()),
            GasWire::Perfect {
                r: r_w,
                gamma: gamma_w,
                name,
            } => {
                let r = self.plain_number(r_w, "J/(kg K)", "gas", "r");
                let gamma = self.plain_number(gamma_w, "(dimensionless)", "gas", "gamma");
                let name = match name {
                    Some(n) => self.check_name(n, "species", false),
                    None => Some("air".to_string()),
                };
                let (r, gamma, name) = (r?, gamma?, name?);
                let mut ok = true;
                if !(GAS_CONSTANT_RANGE.0..=GAS_CONSTANT_RANGE.1).contains(&r) {
                    self.sink
                        .error(r_w.span, Some("gas"), format!("r is {} J/(kg K)", fmt_number(r)))
                        .expected(format!(
                            "a specific gas constant between {} and {} J/(kg K), e.g. 287.05 for air (hydrogen, the lightest gas, has 4124)",
                            GAS_CONSTANT_RANGE.0, GAS_CONSTANT_RANGE.1
                        ));
                    ok = false;
                }
                if !(gamma > 1.0 && gamma <= 5.0 / 3.0 + 1e-9) {
                    self.sink
                        .error(
                            gamma_w.span,
                            Some("gas"),
                            format!("gamma is {}", fmt_number(gamma)),
                        )
                        .expected("a ratio of specific heats with 1 < gamma <= 5/3 (1.4 for air)");
                    ok = false;
                }
                ok.then(|| Gas::perfect(&name, r, gamma))
            }
            GasWire::Species(list) => {
                if list.is_empty() {
                    self.sink
                        .error(g.span, Some("gas"), "the species table is empty")
                        .expected("at least one species");
                    return None;
                }
                let mut species = Vec::new();
                let mut seen: Vec<String> = Vec::new();
                let mut ok = true;
                for s in list {
                    let Some(w) = self.get(s, Some("gas")) else {
                        ok = false;
                        continue;
                    };
                    let Some(name) = self.check_name(&w.name, "species", false) else {
                        ok = false;
                        continue;
                    };
                    let it = item("species", &name);
                    if seen.contains(&name) {
                        self.sink
                            .error(w.name.span, Some(&it), "listed twice")
                            .expected("each species once");
                        ok = false;
                    }
                    seen.push(name.clone());
                    let m = self.per_unit(
                        &w.molar_mass,
                        &[("kg/mol", 1.0), ("g/mol", 1e-3)],
                        &it,
                        "molar_mass",
                    );
                    let cp =
                        self.per_unit(&w.cp, &[("J/(mol K)", 1.0), ("J/mol/K", 1.0)], &it, "cp");
                    match (m, cp) {
                        (Some(m), Some(cp)) => {
                            if !(MOLAR_MASS_RANGE.0..=MOLAR_MASS_RANGE.1).contains(&m) {
                                self.sink
                                    .error(
                                        w.molar_mass.span,
                                        Some(&it),
                                        format!("molar_mass is {} kg/mol", fmt_number(m)),
                                    )
                                    .expected(format!(
                                        "a molar mass between {} g/mol and {} kg/mol, e.g. \"28.0134 g/mol\"",
                                        MOLAR_MASS_RANGE.0 * 1e3,
                                        MOLAR_MASS_RANGE.1
                                    ));
                                ok = false;
                            }
                            if !(cp > R_UNIVERSAL && cp <= MAX_MOLAR_CP) {
                                self.sink
                                    .error(w.cp.span, Some(&it), format!("cp is {} J/(mol K)", fmt_number(cp)))
                                    .expected(format!("a molar heat capacity above R = 8.314 and at most {MAX_MOLAR_CP} J/(mol K), e.g. 29.1 for N2"));
                                ok = false;
                            }
                            species.push(Species::new(name, m, cp));
                        }
                        _ => ok = false,
                    }
                }
                ok.then_some(Gas { species })
            }
        }
    }

    /// Mole fractions indexed like the gas table (default: dry air, or the single species).
    pub(super) fn composition(
        &mut self,
        m: Option<&Spanned<SpeciesMap>>,
        it: &str,
    ) -> Option<Vec<f64>> {
        let ns = self.gas.len();
        let Some(m) = m else {
            if ns == 1 {
                return Some(vec![1.0]);
            }
            let air = Gas::air();
            let mut x = vec![0.0; ns];
            for (s, frac) in air.species.iter().zip(DRY_AIR_MOLE_FRACTIONS) {
                if let Some(i) = self.gas.index_of(&s.name) {
                    x[i] = frac;
                }
            }
            let sum: f64 = x.iter().sum();
            if (sum - 1.0).abs() > 1e-6 {
                self.sink
                    .error(
                        Span::UNKNOWN,
                        Some(it),
                        "no composition given, and the species table is not air",
                    )
                    .expected(
                        "composition: {\"SPECIES\": fraction, ...} with fractions that sum to 1",
                    );
                return None;
            }
            return Some(x);
        };
        let map = self.get(m, Some(it))?;
        let mut x = vec![0.0; ns];
        let mut given = vec![false; ns];
        let mut ok = true;
        for (k, v) in &map.0 {
            let Some((key, i)) = self.species_key(k, it, "composition") else {
                ok = false;
                continue;
            };
            if given[i] {
                self.sink
                    .error(
                        k.span,
                        Some(it),
                        format!("composition: '{key}' is given twice"),
                    )
                    .expected("each species once");
                ok = false;
                continue;
            }
            given[i] = true;
            match self.quantity_in(
                v,
                Dimension::Dimensionless,
                Range::Fraction,
                it,
                &format!("mole fraction of {key}"),
            ) {
                Some(f) => x[i] = f,
                None => ok = false,
            }
        }
        if !ok {
            return None;
        }
        let sum: f64 = x.iter().sum();
        if (sum - 1.0).abs() > 1e-6 {
            self.sink
                .error(m.span, Some(it), format!("the mole fractions sum to {}", units::format_significant(sum, 8)))
                .expected("mole fractions that sum to 1")
                .hint("species left out count as 0; fractions may be numbers (0.21) or percentages (\"21 %\")");
            return None;
        }
        Some(x)
    }

    pub(super) fn compartment(&mut self, c: &Spanned<CompartmentWire>) -> Option<Compartment> {
        let w = self.get_item(c, "compartment")?;
        let name = self.check_name(&w.name, "compartment", false)?;
        let it = item("compartment", &name);
        let volume = self.quantity_in(&w.volume, Dimension::Volume, Range::Positive, &it, "volume");
        let pressure = self.quantity_in(
            &w.pressure,
            Dimension::Pressure,
            Range::NonNegative,
            &it,
            "pressure",
        );
        let temperature = self.schedule(
            &w.temperature,
            Some(Dimension::Temperature),
            "K",
            Range::Positive,
            &it,
            "temperature",
        );
        let composition = self.composition(w.composition.as_ref(), &it);
        let thermal_w = match &w.thermal {
            Some(t) => self.get(t, Some(&it)).cloned(),
            None => Some(ThermalWire::Isothermal),
        };
        let temperature = temperature?;
        let t0 = temperature.value(0.0);
        let thermal = match thermal_w? {
            ThermalWire::Isothermal => Thermal::Isothermal {
                temperature: temperature.clone(),
            },
            other => {
                self.energy = true;
                if !matches!(temperature, Schedule::Constant(_)) {
                    self.sink
                        .error(w.temperature.span, Some(&it), "the temperature is a schedule, but the energy balance is on")
                        .expected("a constant initial temperature (the energy balance decides the rest)")
                        .hint("schedule the wall temperature, Energy(wall_temperature: ...), or make the compartment Isothermal");
                    return None;
                }
                match other {
                    ThermalWire::Adiabatic => Thermal::Energy {
                        conductance: 0.0,
                        wall_temperature: Schedule::Constant(t0),
                        heat_load: Schedule::Constant(0.0),
                    },
                    ThermalWire::Energy {
                        wall_conductance,
                        wall_temperature,
                        heat_load,
                    } => {
                        let h = self.quantity_in(
                            &wall_conductance,
                            Dimension::HeatTransfer,
                            Range::NonNegative,
                            &it,
                            "wall_conductance",
                        );
                        let tw = self.schedule_or(
                            wall_temperature.as_ref(),
                            Dimension::Temperature,
                            "K",
                            Range::Positive,
                            &it,
                            "wall_temperature",
                            t0,
                        );
                        let q = self.schedule_or(
                            heat_load.as_ref(),
                            Dimension::Power,
                            "W",
                            Range::Any,
                            &it,
                            "heat_load",
                            0.0,
                        );
                        Thermal::Energy {
                            conductance: h?,
                            wall_temperature: tw?,
                            heat_load: q?,
                        }
                    }
                    ThermalWire::Isothermal => return None,
                }
            }
        };
        Some(Compartment {
            name,
            volume: volume?,
            pressure: pressure?,
            temperature: t0,
            composition: composition?,
            thermal,
        })
    }

    pub(super) fn boundary(&mut self, b: &Spanned<BoundaryWire>) -> Option<Boundary> {
        let w = self.get_item(b, "boundary")?;
        let name = self.check_name(&w.name, "boundary", false)?;
        let it = item("boundary", &name);
        let kind = self.get(&w.kind, Some(&it))?.clone();
        let kind = match kind {
            BoundaryKindWire::Vacuum => BoundaryKind::Vacuum,
            BoundaryKindWire::Reservoir {
                pressure,
                temperature,
                composition,
            } => {
                let p = self.quantity_in(
                    &pressure,
                    Dimension::Pressure,
                    Range::NonNegative,
                    &it,
                    "pressure",
                );
                let t = self.quantity_in(
                    &temperature,
                    Dimension::Temperature,
                    Range::Positive,
                    &it,
                    "temperature",
                );
                let x = self.composition(composition.as_ref(), &it);
                BoundaryKind::Reservoir {
                    pressure: p?,
                    temperature: t?,
                    composition: x?,
                }
            }
        };
        Some(Boundary { name, kind })
    }

    pub(super) fn node(&mut self, v: &Spanned<String>, it: &str) -> Option<NodeId> {
        let d = self.resolve(
            v,
            it,
            "a compartment or boundary",
            &[Kind::Compartment, Kind::Boundary],
        )?;
        Some(match d.kind {
            Kind::Boundary => NodeId::Boundary(BoundaryId(d.index)),
            _ => NodeId::Compartment(CompartmentId(d.index)),
        })
    }

    pub(super) fn link(&mut self, l: &Spanned<LinkWire>) -> Option<Link> {
        let w = self.get_item(l, "link")?;
        let name = self.check_name(&w.name, "link", false)?;
        let it = item("link", &name);
        let from = self.node(&w.from, &it);
        let to = self.node(&w.to, &it);
        if let (Some(a), Some(b)) = (from, to) {
            if a == b {
                self.sink
                    .error(w.to.span, Some(&it), "connects a node to itself")
                    .expected("two different nodes");
            } else if matches!(a, NodeId::Boundary(_)) && matches!(b, NodeId::Boundary(_)) {
                self.sink
                    .error(w.to.span, Some(&it), "connects two boundaries")
                    .expected("at least one compartment at one end");
            }
        }
        let element = self.element(&w.element, &it);
        let opening = self.factor(w.opening.as_ref(), Range::Fraction, &it, "opening");
        let open = match &w.open {
            Some(o) => self.get(o, Some(&it)).copied(),
            None => Some(true),
        };
        Some(Link {
            name,
            from: from?,
            to: to?,
            element: element?,
            opening: opening?,
            open: open?,
        })
    }

    pub(super) fn source(&mut self, s: &Spanned<SourceWire>) -> Option<Source> {
        let w = self.get_item(s, "source")?;
        let name = self.check_name(&w.name, "source", false)?;
        let it = item("source", &name);
        let into = self.resolve(&w.into, &it, "a compartment", &[Kind::Compartment]);
        let ns = self.gas.len();
        let mut rates = vec![0.0; ns];
        let mut ok = true;
        if let Some(map) = self.get(&w.rates, Some(&it)) {
            if map.0.is_empty() {
                self.sink
                    .error(w.rates.span, Some(&it), "rates is empty")
                    .expected("rates: {\"O2\": \"-0.84 kg/day\", ...}");
                ok = false;
            }
            let mut given = vec![false; ns];
            for (k, v) in &map.0 {
                let Some((key, i)) = self.species_key(k, &it, "rates") else {
                    ok = false;
                    continue;
                };
                if given[i] {
                    self.sink
                        .error(k.span, Some(&it), format!("rates: '{key}' is given twice"))
                        .expected("each species once");
                    ok = false;
                    continue;
                }
                given[i] = true;
                match self.quantity(v, Dimension::MassFlow, &it, &format!("rate of {key}")) {
                    Some(r) => rates[i] = r,
                    None => ok = false,
                }
            }
        } else {
            ok = false;
        }
        let schedule = self.factor(w.schedule.as_ref(), Range::Any, &it, "schedule");
        let into = into?;
        let temperature = match &w.temperature {
            Some(t) => self.quantity_in(
                t,
                Dimension::Temperature,
                Range::Positive,
                &it,
                "temperature",
            ),
            None => self.compartment_temps.get(into.index).copied().flatten(),
        };
        let active = match &w.active {
            Some(a) => self.get(a, Some(&it)).copied(),
            None => Some(true),
        };
        if !ok {
            return None;
        }
        Some(Source {
            name,
            into: CompartmentId(into.index),
            rates,
            schedule: schedule?,
            temperature: temperature?,
            active: active?,
            law: plenum_physics::SourceLaw::Fixed,
        })
    }

    /// Links into a vacuum must use a compressible law. PowerLaw and Fan carry
    /// `rho_up Q` with an incompressible Q: into a vacuum their flow keeps growing with the
    /// pressure difference where the real flow chokes, about 2x the choked flow for a
    /// leakage law fitted near 1 atm (DESIGN.md: the incompressible sqrt(2 rho dp) is 2.07x
    /// the choked flow into vacuum). They are refused. A Linear law `K (p_a - p_b)` has the
    /// choked law's shape into a vacuum (proportional to the upstream pressure) but its K is
    /// the choked conductance only for the gas and temperature it was worked out for; a
    /// shipped example uses one as a growing leak, so it is a warning.
    pub(super) fn vacuum_links(
        &mut self,
        w: &ScenarioWire,
        boundaries: &[Option<Boundary>],
        links: &[Option<Link>],
    ) {
        let vacuum = |n: NodeId| match n {
            NodeId::Boundary(b) => boundaries
                .get(b.0)
                .and_then(Option::as_ref)
                .filter(|x| matches!(x.kind, BoundaryKind::Vacuum))
                .map(|x| x.name.clone()),
            NodeId::Compartment(_) => None,
        };
        for (lw, l) in w.links.iter().zip(links) {
            let (Some(lw), Some(l)) = (lw.get(), l) else {
                continue;
            };
            let Some(space) = vacuum(l.from).or_else(|| vacuum(l.to)) else {
                continue;
            };
            let laws: Vec<&FlowElement> = match &l.element {
                FlowElement::HatchSeal { seated, unseated } => vec![seated, unseated],
                e => vec![e],
            };
            let it = item("link", &l.name);
            let span = lw.element.span;
            if let Some(bad) = laws
                .iter()
                .find(|e| matches!(e, FlowElement::PowerLaw { .. } | FlowElement::Fan { .. }))
            {
                self.sink
                    .error(
                        span,
                        Some(&it),
                        format!(
                            "a {} law into the vacuum boundary '{space}': it carries rho_up Q with an incompressible Q that keeps growing with the pressure difference where the real flow chokes, overstating the flow into a vacuum about 2x",
                            bad.kind()
                        ),
                    )
                    .expected("an Orifice (a hole, or a crack treated as a hole) or a ViscousCrack (a narrow laminar crack) for a link into a Vacuum")
                    .hint("PowerLaw and Fan suit links between compartments");
            } else if laws.iter().any(|e| matches!(e, FlowElement::Linear { .. })) {
                let at = span
                    .range_in(self.src)
                    .map(|r| {
                        let loc = crate::diag::Location::of_range(self.src, r.start, r.end);
                        format!("{}:{}: ", loc.line, loc.col)
                    })
                    .unwrap_or_else(|| " ".into());
                self.warnings.push(format!(
                    "{at}warning: {it}: a Linear law into the vacuum boundary '{space}': K (p_a - p_b) is the choked flow only if K = Cd A sqrt(g/(R T)) 0.5787 for this gas and temperature; an Orifice or a ViscousCrack gives the compressible law"
                ));
            }
        }
    }

    /// A species named as a key of `field` (a composition, a source's rates): its name and
    /// index in the gas table, or a located error with the species there are.
    fn species_key(
        &mut self,
        k: &Spanned<String>,
        it: &str,
        field: &str,
    ) -> Option<(String, usize)> {
        let key = self.get(k, Some(it)).cloned()?;
        if let Some(i) = self.gas.index_of(&key) {
            return Some((key, i));
        }
        let names: Vec<&str> = self.gas.species.iter().map(|s| s.name.as_str()).collect();
        let suggestion = did_you_mean(&key, names.iter().copied()).map(String::from);
        let expected = format!("species of the gas table: {}", names.join(", "));
        self.sink
            .error(
                k.span,
                Some(it),
                format!("{field}: unknown species '{key}'"),
            )
            .expected(expected)
            .maybe_hint(suggestion.map(|s| format!("did you mean '{s}'?")));
        None
    }
}
