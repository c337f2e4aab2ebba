//! The structural sparsity pattern of the Jacobian: which state entries each rate can depend
//! on, from the network's topology alone (every link and source, open or not, so that one
//! pattern serves a whole run whatever its events switch).

use super::System;
use crate::life::SourceLaw;
use crate::model::{NodeId, Quantity};

impl System<'_> {
    /// The state entries of compartment `i` (species masses, then its internal energy).
    fn block(&self, i: usize) -> std::ops::Range<usize> {
        let start = self.offsets[i];
        start..start + self.ns + usize::from(self.energy[i].is_some())
    }

    /// The state entries link `l`'s flow depends on: the blocks of its compartment ends
    /// (a boundary's is empty).
    pub(crate) fn link_states(&self, l: usize) -> [std::ops::Range<usize>; 2] {
        let link = &self.net.links[l];
        [link.from, link.to].map(|n| match n {
            NodeId::Compartment(c) => self.block(c.0),
            NodeId::Boundary(_) => 0..0,
        })
    }

    /// The rows a link end's rates land in: a compartment's block, or a boundary's ledger.
    fn end_rows(&self, n: NodeId) -> std::ops::Range<usize> {
        match n {
            NodeId::Compartment(c) => self.block(c.0),
            NodeId::Boundary(b) => {
                let start = self.ledger + b.0 * self.ns;
                start..start + self.ns
            }
        }
    }

    /// Every (row, column) of the Jacobian that can be non-zero, sorted and without
    /// repeats: the diagonal; for each link, the blocks of its two ends (and a boundary's
    /// ledger rows) against the states of its compartment ends; for each source, its
    /// compartment's and tank's blocks and its ledger against both blocks; for each running
    /// average, its integral against its compartment's states. A superset of the entries
    /// [`System::jvp`] can make non-zero, so the pattern holds for every state and switch.
    /// Its size grows with the number of links and sources, not with the square of the
    /// state.
    pub fn jacobian_pattern(&self) -> Vec<(usize, usize)> {
        let net = self.net;
        let mut nz: Vec<(usize, usize)> = (0..self.n).map(|i| (i, i)).collect();
        let mut couple = |rows: &[std::ops::Range<usize>], cols: &[std::ops::Range<usize>]| {
            for r in rows {
                for c in cols {
                    for i in r.clone() {
                        nz.extend(c.clone().map(|j| (i, j)));
                    }
                }
            }
        };
        for c in 0..net.compartments.len() {
            let b = [self.block(c)];
            couple(&b, &b);
        }
        for l in &net.links {
            let rows = [self.end_rows(l.from), self.end_rows(l.to)];
            // The blocks of the link's compartment ends (a boundary end has none).
            let mut cols = [0..0, 0..0];
            let mut k = 0;
            for n in [l.from, l.to] {
                if let NodeId::Compartment(c) = n {
                    cols[k] = self.block(c.0);
                    k += 1;
                }
            }
            couple(&rows, &cols[..k]);
        }
        let src_ledger = self.ledger + net.boundaries.len() * self.ns;
        for (k, src) in net.sources.iter().enumerate() {
            let mut blocks = vec![self.block(src.into.0)];
            if let SourceLaw::Feed { tank: Some(j), .. } = &src.law {
                blocks.push(self.block(j.0));
            }
            let ledger = src_ledger + k * self.ns;
            let mut rows = blocks.clone();
            rows.push(ledger..ledger + self.ns);
            couple(&rows, &blocks);
        }
        for (k, a) in net.averages.iter().enumerate() {
            if let Quantity::Pressure(c) | Quantity::PartialPressure(c, _) = a.quantity {
                let row = self.averages + k;
                nz.extend(self.block(c.0).map(|j| (row, j)));
            }
        }
        nz.sort_unstable();
        nz.dedup();
        nz
    }
}
