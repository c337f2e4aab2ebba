//! Plenum's own variable-order BDF for dense systems (up to `SPARSE_ABOVE` states by
//! default; see [`crate::Jacobian`]).
//!
//! The method is diffsol's (and scipy's): the fixed-leading-coefficient BDF of orders 1-5
//! on a backward-difference array, rescaled when the step changes (Shampine and Reichelt,
//! "The MATLAB ODE suite", 1997, section 3.2), with diffsol's Newton convergence test
//! (Hairer and Wanner's rate estimate carried from step to step). What it changes is the
//! cost of a step of a 14-state network: every array is a flat buffer sized once, the
//! Newton matrix is factorised on the network's own sparsity (a minimum-degree order and
//! its symbolic structure, found once per run, with threshold-tested diagonal pivots and
//! dense partial pivoting as the fallback), and nothing allocates in the step loop. diffsol's generic vectors and matrices
//! (nalgebra, heap-sized, one call per operation) cost more than the arithmetic at this
//! size; the large networks keep diffsol's sparse path.
//!
//! Its policies are CVODE's where diffsol's cost steps:
//! - the step may grow up to [`MAX_GROWTH`] times at an order change point, and is held
//!   while the optimal growth lies in [`HOLD_BAND`], so the Newton matrix is refactorised
//!   only when the step really changes;
//! - the Jacobian is evaluated at the predicted state when Newton fails to converge with an
//!   older one, and at least every [`JACOBIAN_AGE`] steps.

use std::cell::RefCell;
use std::rc::Rc;

use crate::system::System;

const MAX_ORDER: usize = 5;
const ROWS: usize = MAX_ORDER + 3;
/// Newton iterations per attempt (CVODE takes 3 corrections, scipy 4).
const NEWTON_MAXITER: usize = 4;
/// Newton convergence: eta * |dy| < this, in the error test's weighted RMS norm (diffsol's
/// default; CVODE's 0.1 of the error constant is of the same size).
const NEWTON_TOL: f64 = 0.2;
/// Newton's rate estimate after a fresh Jacobian, 20^1.25, and after a change of step,
/// 100^1.25 (diffsol's values, written out: `powf` is not a const fn).
const ETA_FRESH_JACOBIAN: f64 = 42.294_850_537_622_565;
const ETA_NEW_STEP: f64 = 316.227_766_016_837_96;
/// Least step shrink after a failed error test.
const MIN_FACTOR: f64 = 0.2;
/// Most growth of the step at an order change point (CVODE's ETAMX3).
const MAX_GROWTH: f64 = 10.0;
/// Optimal step factors inside this band keep the step (and the factorised matrix).
const HOLD_BAND: (f64, f64) = (0.9, 1.5);
/// Steps after which the Jacobian is re-evaluated even when Newton converges.
const JACOBIAN_AGE: usize = 50;
/// Error-test failures in a row at one step before it is reported.
const MAX_ERROR_FAILS: usize = 20;
/// Error-test failures in a row after which the order drops to 1 (CVODE's MXNEF1).
const ORDER_ONE_AFTER: usize = 3;

/// Work counts of one integrator.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Counts {
    pub steps: usize,
    pub error_fails: usize,
    pub newton_fails: usize,
    pub jacobians: usize,
    pub factorizations: usize,
    pub newton_iterations: usize,
}

/// The BDF coefficients of order k = 0..=5 (kappa = 0: BDF, not NDF).
struct Coefficients {
    gamma: [f64; MAX_ORDER + 2],
    error_const: [f64; MAX_ORDER + 2],
    /// U = R(k, 1) of each order k, constant.
    u: [[[f64; MAX_ORDER + 1]; MAX_ORDER + 1]; MAX_ORDER + 1],
}

impl Coefficients {
    fn new() -> Self {
        let mut gamma = [0.0; MAX_ORDER + 2];
        let mut error_const = [0.0; MAX_ORDER + 2];
        for k in 0..=MAX_ORDER + 1 {
            gamma[k] = if k == 0 {
                0.0
            } else {
                gamma[k - 1] + 1.0 / k as f64
            };
            error_const[k] = 1.0 / (k as f64 + 1.0);
        }
        let mut u = [[[0.0; MAX_ORDER + 1]; MAX_ORDER + 1]; MAX_ORDER + 1];
        for (k, uk) in u.iter_mut().enumerate() {
            *uk = compute_r(k, 1.0);
        }
        Coefficients {
            gamma,
            error_const,
            u,
        }
    }
}

/// A BDF integrator over one system, from one state to the stop time, one step a call.
pub(super) struct DenseBdf<'s, 'n> {
    sys: &'s System<'n>,
    n: usize,
    rtol: f64,
    atol: Vec<f64>,
    coef: Coefficients,
    t: f64,
    /// Step of the next attempt (> 0).
    h: f64,
    order: usize,
    n_equal_steps: usize,
    stop: f64,
    /// Backward differences, row k (k = 0..ROWS) at `k * n`.
    diff: Vec<f64>,
    /// Jacobian df/dy, column-major, and its age in steps.
    jac: Vec<f64>,
    /// What the network's Jacobian pattern decides (colouring, order, structure), shared
    /// with the thread's earlier runs of the same network.
    an: Rc<Analysis>,
    jac_age: usize,
    jac_fresh: bool,
    /// LU of P (I - c J) P^T for the fill-reducing symmetric permutation P (`pos[i]`: the
    /// place of state i), column-major, unit lower part below the diagonal; the reciprocals
    /// of its diagonal, its row swaps, and the c it was factorised for (`None`: stale).
    lu: Vec<f64>,
    diag_inv: Vec<f64>,
    piv: Vec<usize>,
    lu_c: Option<f64>,
    /// Whether the factorisation tries the structure's pivots first (false above
    /// [`MAX_ORDERED`] states), and whether the last one kept to them (false: it swapped
    /// rows, and the substitutions are dense).
    structured: bool,
    lu_static: bool,
    /// The right-hand side in the permuted order.
    permuted: Vec<f64>,
    /// Newton's convergence-rate estimate, eta = rate / (1 - rate), carried across steps.
    eta: f64,
    /// The rescale chosen at the end of the last step (new order, factor), applied when the
    /// next step starts so that the dense output of the last step stays available.
    pending: Option<(usize, f64)>,
    /// The last accepted step: its length and order (the dense output's polynomial).
    h_last: f64,
    order_last: usize,
    // Work buffers.
    y_pred: Vec<f64>,
    psi: Vec<f64>,
    d: Vec<f64>,
    y_new: Vec<f64>,
    f: Vec<f64>,
    dy: Vec<f64>,
    /// Reciprocal error weights of the last accepted state.
    scale: Vec<f64>,
    unit: Vec<f64>,
    rescaled: Vec<f64>,
    pub counts: Counts,
}

/// Why a step could not be taken (the caller words it).
#[derive(Debug)]
pub(super) enum Failure {
    StepTooSmall,
    ErrorTest(usize),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::StepTooSmall => {
                f.write_str("the step size fell to round-off without meeting the error tolerance")
            }
            Failure::ErrorTest(k) => {
                write!(f, "the local error test failed {k} times in a row")
            }
        }
    }
}

/// Weighted RMS norm of `x w` (`w`: the reciprocals of the error weights), summed in four
/// lanes (a short sum's cost is its chain of dependent additions).
#[inline]
fn rms(x: &[f64], w: &[f64]) -> f64 {
    let mut acc = [0.0; 4];
    let (xc, wc) = (x.chunks_exact(4), w.chunks_exact(4));
    let (xr, wr) = (xc.remainder(), wc.remainder());
    for (a, b) in xc.zip(wc) {
        for l in 0..4 {
            let v = a[l] * b[l];
            acc[l] += v * v;
        }
    }
    for (l, (a, b)) in xr.iter().zip(wr).enumerate() {
        let v = a * b;
        acc[l] += v * v;
    }
    (((acc[0] + acc[1]) + (acc[2] + acc[3])) / x.len() as f64).sqrt()
}

/// Weighted RMS norm of `k x w`.
#[inline]
fn rms_scaled(k: f64, x: &[f64], w: &[f64]) -> f64 {
    k.abs() * rms(x, w)
}

/// y += a x over slices of one length (so that the loop carries no bounds checks).
#[inline]
fn axpy(a: f64, x: &[f64], y: &mut [f64]) {
    let y = &mut y[..x.len()];
    for i in 0..x.len() {
        y[i] += a * x[i];
    }
}

/// The reciprocal error weights 1 / (atol + rtol |y|).
#[inline]
fn weights(out: &mut [f64], atol: &[f64], rtol: f64, y: &[f64]) {
    for ((w, a), y) in out.iter_mut().zip(atol).zip(y) {
        *w = 1.0 / (a + rtol * y.abs());
    }
}

impl<'s, 'n> DenseBdf<'s, 'n> {
    pub fn new(sys: &'s System<'n>, rtol: f64, atol: &[f64]) -> Self {
        let n = sys.len();
        let an = analysis(n, sys.jacobian_pattern());
        // The buffers of this thread's last run, in the order `Drop` gave them back.
        let mut spare = SPARE.with(|s| std::mem::take(&mut *s.borrow_mut()));
        let mut zeros = |len: usize| {
            let mut v = spare.floats.pop().unwrap_or_default();
            v.clear();
            v.resize(len, 0.0);
            v
        };
        let mut bdf = DenseBdf {
            structured: an.structure.usable,
            an,
            lu_static: false,
            permuted: zeros(n),
            sys,
            n,
            rtol,
            atol: zeros(n),
            coef: Coefficients::new(),
            t: 0.0,
            h: 0.0,
            order: 1,
            n_equal_steps: 0,
            stop: f64::INFINITY,
            diff: zeros(ROWS * n),
            jac: zeros(n * n),
            jac_age: 0,
            jac_fresh: false,
            lu: zeros(n * n),
            diag_inv: zeros(n),
            piv: Vec::new(),
            lu_c: None,
            eta: 0.0,
            pending: None,
            h_last: 0.0,
            order_last: 1,
            y_pred: zeros(n),
            psi: zeros(n),
            d: zeros(n),
            y_new: zeros(n),
            f: zeros(n),
            dy: zeros(n),
            scale: zeros(n),
            unit: zeros(n),
            rescaled: zeros((MAX_ORDER + 1) * n),
            counts: Counts::default(),
        };
        bdf.atol.copy_from_slice(atol);
        bdf.piv = std::mem::take(&mut spare.piv);
        bdf.piv.clear();
        bdf.piv.resize(n, 0);
        // The emptied list goes back, for `Drop` to fill.
        spare.floats.clear();
        SPARE.with(|s| *s.borrow_mut() = spare);
        bdf
    }

    /// Start from `y0` at `t0` (order 1, a first step chosen from the derivatives and at
    /// most `first_max`), to stop at `stop`.
    pub fn start(&mut self, t0: f64, y0: &[f64], stop: f64, first_max: Option<f64>) {
        let n = self.n;
        self.t = t0;
        self.stop = stop;
        self.order = 1;
        self.order_last = 1;
        self.n_equal_steps = 0;
        self.pending = None;
        self.lu_c = None;
        self.jac_fresh = false;
        self.jac_age = JACOBIAN_AGE;
        self.eta = ETA_FRESH_JACOBIAN;
        self.diff[..n].copy_from_slice(y0);
        self.sys.rhs(t0, y0, &mut self.f);
        let h = self.initial_step(t0, y0);
        let h = first_max.map_or(h, |m| h.min(m));
        self.h = h;
        self.h_last = h;
        for i in 0..n {
            self.diff[n + i] = self.f[i] * h;
        }
        for v in &mut self.diff[2 * n..] {
            *v = 0.0;
        }
    }

    /// The first step (Hairer, Norsett and Wanner's estimate, as scipy's
    /// `select_initial_step` for an order-1 error estimate); `self.f` holds f(t0, y0).
    fn initial_step(&mut self, t0: f64, y0: &[f64]) -> f64 {
        let n = self.n;
        let span = self.stop - t0;
        weights(&mut self.scale, &self.atol, self.rtol, y0);
        let d0 = rms(y0, &self.scale);
        let d1 = rms(&self.f, &self.scale);
        let h0 = if d0 < 1e-5 || d1 < 1e-5 {
            1e-6
        } else {
            0.01 * d0 / d1
        }
        .min(span);
        for i in 0..n {
            self.y_new[i] = y0[i] + h0 * self.f[i];
        }
        self.sys.rhs(t0 + h0, &self.y_new, &mut self.dy);
        for i in 0..n {
            self.dy[i] -= self.f[i];
        }
        let d2 = rms(&self.dy, &self.scale) / h0;
        let h1 = if d1 <= 1e-15 && d2 <= 1e-15 {
            (h0 * 1e-3).max(1e-6)
        } else {
            (0.01 / d1.max(d2)).sqrt()
        };
        let h = (100.0 * h0).min(h1).min(span);
        if h.is_finite() && h > 0.0 {
            h
        } else {
            span.min(1e-6)
        }
    }

    pub fn set_stop_time(&mut self, stop: f64) {
        self.stop = stop;
    }

    pub fn time(&self) -> f64 {
        self.t
    }

    /// The state at [`DenseBdf::time`].
    pub fn state(&self) -> &[f64] {
        &self.diff[..self.n]
    }

    /// The interpolating polynomial's coefficients at `t`: y(t) = D0 + sum over j of p_j D_j,
    /// p_j the product over m < j of (t - (t_n - m h)) / ((m + 1) h), that is of
    /// (s + m) / (m + 1) with s = (t - t_n) / h.
    fn coefficients(&self, t: f64) -> [f64; MAX_ORDER + 1] {
        const INV: [f64; MAX_ORDER + 1] = [0.0, 1.0, 1.0 / 2.0, 1.0 / 3.0, 1.0 / 4.0, 1.0 / 5.0];
        let sh = (t - self.t) / self.h_last;
        let mut p = [0.0; MAX_ORDER + 1];
        let mut pj = 1.0;
        let mut m = 0.0;
        for j in 1..=self.order_last {
            pj *= (sh + m) * INV[j];
            p[j] = pj;
            m += 1.0;
        }
        p
    }

    /// The entries `ranges` of [`DenseBdf::interpolate`] at `t`, each the same sum in the
    /// same order (so the same number); the other entries of `out` are left as they are.
    pub fn interpolate_part(&self, t: f64, ranges: &[std::ops::Range<usize>], out: &mut [f64]) {
        let n = self.n;
        let k = self.order_last;
        let p = self.coefficients(t);
        for r in ranges {
            for i in r.clone() {
                let mut v = self.diff[i] + p[1] * self.diff[n + i];
                for (j, pj) in p.iter().enumerate().take(k + 1).skip(2) {
                    v += pj * self.diff[j * n + i];
                }
                out[i] = v;
            }
        }
    }

    /// The last step's interpolating polynomial at `t` (within that step).
    pub fn interpolate(&self, t: f64, out: &mut [f64]) {
        let n = self.n;
        let k = self.order_last;
        // Each row added to the whole state in one vectorisable pass.
        let out = &mut out[..n];
        let p = self.coefficients(t);
        // One pass over the state, the rows added left to right (the same sums, in the same
        // order, as adding one row at a time).
        let r = |j: usize| &self.diff[j * n..(j + 1) * n];
        let (d0, d1) = (r(0), r(1));
        match k {
            1 => {
                for ((o, a), b) in out.iter_mut().zip(d0).zip(d1) {
                    *o = a + p[1] * b;
                }
            }
            2 => {
                for (((o, a), b), c) in out.iter_mut().zip(d0).zip(d1).zip(r(2)) {
                    *o = a + p[1] * b + p[2] * c;
                }
            }
            3 => {
                for ((((o, a), b), c), d) in out.iter_mut().zip(d0).zip(d1).zip(r(2)).zip(r(3)) {
                    *o = a + p[1] * b + p[2] * c + p[3] * d;
                }
            }
            4 => {
                let rows = out.iter_mut().zip(d0).zip(d1).zip(r(2)).zip(r(3)).zip(r(4));
                for (((((o, a), b), c), d), e) in rows {
                    *o = a + p[1] * b + p[2] * c + p[3] * d + p[4] * e;
                }
            }
            _ => {
                let rows = out.iter_mut().zip(d0).zip(d1).zip(r(2)).zip(r(3)).zip(r(4));
                for ((((((o, a), b), c), d), e), f) in rows.zip(r(5)) {
                    *o = a + p[1] * b + p[2] * c + p[3] * d + p[4] * e + p[5] * f;
                }
            }
        }
    }

    /// Rescale the differences of the current order for a step `factor` times the present
    /// one: D <- (R U)^T D (Shampine and Reichelt, eq. for changing the step size).
    fn change_step(&mut self, factor: f64) {
        let n = self.n;
        let k = self.order;
        let r = compute_r(k, factor);
        let u = &self.coef.u[k];
        // RU = R U, (k+1) x (k+1).
        let mut ru = [[0.0; MAX_ORDER + 1]; MAX_ORDER + 1];
        for (ru_i, r_i) in ru.iter_mut().zip(&r).take(k + 1) {
            for (m, &rim) in r_i.iter().enumerate().take(k + 1) {
                if rim != 0.0 {
                    for (x, umj) in ru_i.iter_mut().zip(&u[m]).take(k + 1) {
                        *x += rim * umj;
                    }
                }
            }
        }
        for j in 0..=k {
            let dst = &mut self.rescaled[j * n..(j + 1) * n];
            dst.fill(0.0);
            for (i, ru_row) in ru.iter().enumerate().take(k + 1) {
                let w = ru_row[j];
                if w != 0.0 {
                    let src = &self.diff[i * n..(i + 1) * n];
                    for (a, b) in dst.iter_mut().zip(src) {
                        *a += w * b;
                    }
                }
            }
        }
        self.diff[..(k + 1) * n].copy_from_slice(&self.rescaled[..(k + 1) * n]);
        self.h *= factor;
        self.n_equal_steps = 0;
        // A new step changes the Newton matrix: forget the rate measured with the old one.
        self.eta = ETA_NEW_STEP;
    }

    /// Evaluate the Jacobian at (t, y) from one product per unit vector (column j: J e_j).
    fn evaluate_jacobian(&mut self, t: f64, y_is_pred: bool) {
        let n = self.n;
        let y: &[f64] = if y_is_pred {
            &self.y_pred
        } else {
            &self.diff[..n]
        };
        // One product per colour (J times the sum of its columns' unit vectors): each row
        // of the product belongs to at most one of those columns, so every entry comes out
        // as the product with its own unit vector would give it.
        self.jac.fill(0.0);
        for colour in &self.an.colours {
            for &j in colour {
                self.unit[j] = 1.0;
            }
            self.sys.jvp(t, y, &self.unit, &mut self.dy);
            for &j in colour {
                self.unit[j] = 0.0;
                let col = &mut self.jac[j * n..(j + 1) * n];
                for &i in &self.an.col_rows[j] {
                    col[i] = self.dy[i];
                }
            }
        }
        self.counts.jacobians += 1;
        self.jac_age = 0;
        self.jac_fresh = true;
        self.lu_c = None;
        self.eta = ETA_FRESH_JACOBIAN;
    }

    /// Factorise P (I - c J) P^T, keeping to the structure's pivots where they are safe,
    /// else by dense partial pivoting; false when singular.
    ///
    /// A network's I - c J is column diagonally dominant where only masses flow (each
    /// column of J sums to zero over the compartments and the books, off the diagonal >=
    /// 0), so the diagonal pivots pass the threshold test and the factors keep the
    /// minimum-degree order's sparsity (a chain or a tree: no fill at all).
    fn factorize(&mut self, c: f64) -> bool {
        self.counts.factorizations += 1;
        self.load(c);
        self.lu_c = Some(c);
        if self.structured && self.factorize_static() {
            self.lu_static = true;
            return true;
        }
        // A pivot failed the threshold test (or the network is too large to order): start
        // again with row swaps.
        if self.structured {
            self.load(c);
        }
        self.lu_static = false;
        if self.factorize_dense() {
            return true;
        }
        self.lu_c = None;
        false
    }

    /// P (I - c J) P^T into `lu`.
    fn load(&mut self, c: f64) {
        let n = self.n;
        self.lu.fill(0.0);
        for i in 0..n {
            self.lu[i * n + i] = 1.0;
        }
        let pos = &self.an.pos;
        for (j, rows) in self.an.col_rows.iter().enumerate() {
            let pj = pos[j];
            let col = &self.jac[j * n..(j + 1) * n];
            let dst = &mut self.lu[pj * n..(pj + 1) * n];
            for &i in rows {
                dst[pos[i]] -= c * col[i];
            }
        }
    }

    /// Right-looking LU on the structure's entries with the diagonal as pivots; false
    /// where a pivot is zero, not finite, or smaller than [`PIVOT_THRESHOLD`] times the
    /// largest entry below it (threshold partial pivoting's test, which bounds the growth).
    fn factorize_static(&mut self) -> bool {
        let n = self.n;
        let st: &Structure = &self.an.structure;
        let a = &mut self.lu;
        for k in 0..n {
            let lk = &st.l_row[st.l_start[k]..st.l_start[k + 1]];
            let piv = a[k * n + k];
            let mut below = 0.0f64;
            for &i in lk {
                below = below.max(a[k * n + i].abs());
            }
            if !(piv.abs() >= PIVOT_THRESHOLD * below && piv != 0.0 && piv.is_finite()) {
                return false;
            }
            let inv = 1.0 / piv;
            self.diag_inv[k] = inv;
            for &i in lk {
                a[k * n + i] *= inv;
            }
            for &j in &st.r_col[st.r_start[k]..st.r_start[k + 1]] {
                let u = a[j * n + k];
                if u != 0.0 {
                    for &i in lk {
                        a[j * n + i] -= a[k * n + i] * u;
                    }
                }
            }
        }
        true
    }

    /// Dense LU with partial pivoting (column-major, right-looking, so that every inner
    /// loop runs down a contiguous column with independent updates); false when singular.
    fn factorize_dense(&mut self) -> bool {
        let n = self.n;
        let a = &mut self.lu;
        for k in 0..n {
            let col_k = &a[k * n..(k + 1) * n];
            let mut p = k;
            let mut best = col_k[k].abs();
            for (i, v) in col_k.iter().enumerate().skip(k + 1) {
                if v.abs() > best {
                    best = v.abs();
                    p = i;
                }
            }
            self.piv[k] = p;
            if !(best > 0.0 && best.is_finite()) {
                return false;
            }
            if p != k {
                for j in 0..n {
                    a.swap(j * n + k, j * n + p);
                }
            }
            let (left, right) = a.split_at_mut((k + 1) * n);
            let col_k = &mut left[k * n..];
            let inv = 1.0 / col_k[k];
            self.diag_inv[k] = inv;
            for v in &mut col_k[k + 1..] {
                *v *= inv;
            }
            let l = &col_k[k + 1..];
            for j in 0..n - k - 1 {
                let col = &mut right[j * n..(j + 1) * n];
                let (head, below) = col.split_at_mut(k + 1);
                if head[k] != 0.0 {
                    axpy(-head[k], l, below);
                }
            }
        }
        true
    }

    /// Solve (I - c J) x = b in place: permute, substitute, permute back.
    fn solve(&mut self, b: &mut [f64]) {
        let n = self.n;
        let an: &Analysis = &self.an;
        let pos = &an.pos[..n];
        let x = &mut self.permuted[..n];
        for (&p, &v) in pos.iter().zip(&b[..n]) {
            x[p] = v;
        }
        let a = &self.lu;
        if self.lu_static {
            // Over the structure's entries only.
            let st = &an.structure;
            for k in 0..n {
                let xk = x[k];
                for &i in &st.l_row[st.l_start[k]..st.l_start[k + 1]] {
                    x[i] -= a[k * n + i] * xk;
                }
            }
            for k in (0..n).rev() {
                let xk = x[k] * self.diag_inv[k];
                x[k] = xk;
                for &i in &st.u_row[st.u_start[k]..st.u_start[k + 1]] {
                    x[i] -= a[k * n + i] * xk;
                }
            }
        } else {
            for (k, &p) in self.piv[..n].iter().enumerate() {
                if p != k {
                    x.swap(k, p);
                }
            }
            for k in 0..n {
                let col = &a[k * n..(k + 1) * n];
                let (head, below) = x.split_at_mut(k + 1);
                axpy(-head[k], &col[k + 1..], below);
            }
            for k in (0..n).rev() {
                let col = &a[k * n..(k + 1) * n];
                let (above, rest) = x.split_at_mut(k);
                rest[0] *= self.diag_inv[k];
                axpy(-rest[0], &col[..k], above);
            }
        }
        for (&p, v) in pos.iter().zip(&mut b[..n]) {
            *v = x[p];
        }
    }

    /// Newton's method on the corrector at `t_new`; returns (converged, iterations).
    /// On success `self.d` holds y_new - y_pred and `self.y_new` the solution.
    fn newton(&mut self, t_new: f64, c: f64) -> (bool, usize) {
        self.d.fill(0.0);
        self.y_new.copy_from_slice(&self.y_pred);
        let mut old_norm: Option<f64> = None;
        for k in 0..NEWTON_MAXITER {
            self.counts.newton_iterations += 1;
            self.sys.rhs(t_new, &self.y_new, &mut self.f);
            if !self.f.iter().all(|v| v.is_finite()) {
                return (false, k + 1);
            }
            for (((dy, f), psi), d) in self.dy.iter_mut().zip(&self.f).zip(&self.psi).zip(&self.d) {
                *dy = c * f - psi - d;
            }
            let mut dy = std::mem::take(&mut self.dy);
            self.solve(&mut dy);
            self.dy = dy;
            let norm = rms(&self.dy, &self.scale);
            if !norm.is_finite() {
                return (false, k + 1);
            }
            match old_norm {
                Some(old) => {
                    let ratio = norm / old;
                    let rate = if k == 1 {
                        ratio
                    } else {
                        ratio.powf(1.0 / k as f64)
                    };
                    if rate > 0.9
                        || rate.powi((NEWTON_MAXITER - k - 1) as i32) / (1.0 - rate) * norm
                            > NEWTON_TOL
                    {
                        return (false, k + 1);
                    }
                    self.eta = rate / (1.0 - rate);
                }
                None => {
                    self.eta = self.eta.max(1e4 * f64::EPSILON).powf(0.8);
                    old_norm = Some(norm);
                }
            }
            for ((y, d), dy) in self.y_new.iter_mut().zip(&mut self.d).zip(&self.dy) {
                *y += dy;
                *d += dy;
            }
            if norm == 0.0 || self.eta * norm < NEWTON_TOL {
                return (true, k + 1);
            }
        }
        (false, NEWTON_MAXITER)
    }

    /// One step toward the stop time. Returns true when it reached the stop time.
    pub fn step(&mut self) -> Result<bool, Failure> {
        let n = self.n;
        if let Some((order, factor)) = self.pending.take() {
            self.order = order;
            self.change_step(factor);
        }
        let t = self.t;
        let min_step = 10.0 * (t.abs() * f64::EPSILON).max(f64::MIN_POSITIVE);
        if self.h < min_step {
            let f = min_step / self.h;
            self.change_step(f);
        }
        if self.jac_age >= JACOBIAN_AGE {
            // Due by age: evaluated at the step's start (a state on the solution).
            self.evaluate_jacobian(t, false);
        }
        self.jac_fresh = self.jac_age == 0;
        let mut error_fails = 0;
        let (t_new, n_iter, error_norm) = loop {
            if self.h < min_step || !self.h.is_finite() {
                return Err(Failure::StepTooSmall);
            }
            let mut t_new = t + self.h;
            if t_new >= self.stop {
                t_new = self.stop;
                let f = (t_new - t) / self.h;
                if f != 1.0 {
                    self.change_step(f);
                }
            }
            let h = t_new - t;
            let k = self.order;
            // Predict and form psi.
            let alpha = self.coef.gamma[k];
            {
                let (d0, rows) = self.diff.split_at(n);
                self.y_pred.copy_from_slice(d0);
                self.psi.fill(0.0);
                for (j, row) in rows.chunks_exact(n).take(k).enumerate() {
                    let g = self.coef.gamma[j + 1] / alpha;
                    for ((yp, ps), r) in self.y_pred.iter_mut().zip(&mut self.psi).zip(row) {
                        *yp += r;
                        *ps += g * r;
                    }
                }
            }
            // Newton weighs its corrections by the predicted state (a compartment emptying
            // within the step is held to its new size, not to the one it left).
            weights(&mut self.scale, &self.atol, self.rtol, &self.y_pred);
            let c = h / alpha;
            let mut converged = false;
            let mut n_iter = 0;
            loop {
                if self.lu_c != Some(c) && !self.factorize(c) {
                    // A singular Newton matrix: a shorter step (below) or a fresh Jacobian.
                    if self.jac_fresh {
                        break;
                    }
                    self.evaluate_jacobian(t_new, true);
                    continue;
                }
                let (ok, it) = self.newton(t_new, c);
                n_iter = it;
                if ok {
                    converged = true;
                    break;
                }
                if self.jac_fresh {
                    break;
                }
                self.evaluate_jacobian(t_new, true);
            }
            if !converged {
                self.counts.newton_fails += 1;
                self.change_step(0.5);
                continue;
            }
            // The error test weighs by the new state (as scipy and diffsol do): a decaying
            // solution is held to its own size, not to the larger one it left.
            weights(&mut self.scale, &self.atol, self.rtol, &self.y_new);
            let error_norm = rms_scaled(self.coef.error_const[k], &self.d, &self.scale);
            if error_norm > 1.0 || !error_norm.is_finite() {
                self.counts.error_fails += 1;
                error_fails += 1;
                if error_fails >= MAX_ERROR_FAILS {
                    return Err(Failure::ErrorTest(error_fails));
                }
                let safety = safety(n_iter);
                let mut factor = if error_norm.is_finite() {
                    (safety * error_norm.powf(-1.0 / (k as f64 + 1.0))).max(MIN_FACTOR)
                } else {
                    MIN_FACTOR
                };
                if error_fails >= ORDER_ONE_AFTER && self.order > 1 {
                    self.order = 1;
                    factor = factor.min(0.5);
                }
                self.change_step(factor);
                continue;
            }
            break (t_new, n_iter, error_norm);
        };
        // Accept: advance the differences (D^{j+1} y_n = D^j y_n - D^j y_{n-1}).
        let k = self.order;
        self.counts.steps += 1;
        self.jac_age += 1;
        self.n_equal_steps += 1;
        self.h_last = t_new - t;
        self.order_last = k;
        self.t = t_new;
        // `scale` holds the error weights of the new state: for the order choice below,
        // and the next step's Newton iteration.
        {
            let (head, tail) = self.diff.split_at_mut((k + 2) * n);
            let dk1 = &mut head[(k + 1) * n..];
            let dk2 = &mut tail[..n];
            for ((a2, a1), d) in dk2.iter_mut().zip(dk1.iter_mut()).zip(&self.d) {
                *a2 = d - *a1;
                *a1 = *d;
            }
        }
        for j in (0..=k).rev() {
            let (head, tail) = self.diff.split_at_mut((j + 1) * n);
            let dst = &mut head[j * n..];
            for (a, b) in dst.iter_mut().zip(&tail[..n]) {
                *a += b;
            }
        }
        if t_new >= self.stop {
            return Ok(true);
        }
        if self.n_equal_steps > k {
            // Order and step for what follows: the factor each of orders k-1, k, k+1 allows.
            let e_m = if k > 1 {
                rms_scaled(
                    self.coef.error_const[k - 1],
                    &self.diff[k * n..(k + 1) * n],
                    &self.scale,
                )
            } else {
                f64::INFINITY
            };
            let e_p = if k < MAX_ORDER {
                rms_scaled(
                    self.coef.error_const[k + 1],
                    &self.diff[(k + 2) * n..(k + 3) * n],
                    &self.scale,
                )
            } else {
                f64::INFINITY
            };
            let factors = [
                e_m.powf(-1.0 / k as f64),
                error_norm.powf(-1.0 / (k as f64 + 1.0)),
                e_p.powf(-1.0 / (k as f64 + 2.0)),
            ];
            let mut best = 1;
            for (i, f) in factors.iter().enumerate() {
                if *f > factors[best] {
                    best = i;
                }
            }
            let order = k + best - 1;
            let factor = (safety(n_iter) * factors[best]).min(MAX_GROWTH);
            let hold = best == 1 && factor > HOLD_BAND.0 && factor < HOLD_BAND.1;
            if !hold && factor.is_finite() && factor > 0.0 {
                self.pending = Some((order, factor));
            }
        }
        Ok(false)
    }
}

/// What the BDF derives from a network's Jacobian pattern alone: the column colouring, the
/// fill-reducing order and the factors' symbolic structure.
struct Analysis {
    n: usize,
    pattern: Vec<(usize, usize)>,
    /// Columns that share no row of the pattern, grouped: one product per group fills all
    /// of their entries. Per column, the rows it may have entries in.
    colours: Vec<Vec<usize>>,
    col_rows: Vec<Vec<usize>>,
    /// `pos[i]`: the place of state i in the order.
    pos: Vec<usize>,
    structure: Structure,
}

thread_local! {
    /// The last analysis on this thread: a sweep's runs share their network's pattern (the
    /// parameters change values, not the topology), so each worker analyses it once.
    static LAST_ANALYSIS: RefCell<Option<Rc<Analysis>>> = const { RefCell::new(None) };
    /// The buffers of this thread's last integrator, for its next (a sweep's worker runs
    /// its runs one after another: they reuse one set). Every buffer is zeroed before use.
    static SPARE: RefCell<Spare> = const { RefCell::new(Spare { floats: Vec::new(), piv: Vec::new() }) };
}

/// The buffers a [`DenseBdf`] gives back when dropped.
#[derive(Default)]
struct Spare {
    /// In the reverse of the order [`DenseBdf::new`] takes them (so each gets the one it had).
    floats: Vec<Vec<f64>>,
    piv: Vec<usize>,
}

impl Drop for DenseBdf<'_, '_> {
    fn drop(&mut self) {
        SPARE.with(|s| {
            let mut s = s.borrow_mut();
            s.floats.clear();
            // The reverse of the order `new` takes them in.
            for v in [
                &mut self.rescaled,
                &mut self.unit,
                &mut self.scale,
                &mut self.dy,
                &mut self.f,
                &mut self.y_new,
                &mut self.d,
                &mut self.psi,
                &mut self.y_pred,
                &mut self.diag_inv,
                &mut self.lu,
                &mut self.jac,
                &mut self.diff,
                &mut self.atol,
                &mut self.permuted,
            ] {
                s.floats.push(std::mem::take(v));
            }
            s.piv = std::mem::take(&mut self.piv);
        });
    }
}

/// The analysis of an n-state pattern: this thread's last one where the pattern is the same
/// (the analysis is a function of the pattern alone, so the run is the same either way),
/// else a new one, kept for the next run.
fn analysis(n: usize, pattern: Vec<(usize, usize)>) -> Rc<Analysis> {
    LAST_ANALYSIS.with(|last| {
        let mut last = last.borrow_mut();
        if let Some(a) = last.as_ref() {
            if a.n == n && a.pattern == pattern {
                return Rc::clone(a);
            }
        }
        let (colours, col_rows) = colour_columns(n, &pattern);
        let pos = minimum_degree(n, &pattern);
        let structure = Structure::new(n, &pattern, &pos);
        let a = Rc::new(Analysis {
            n,
            pattern,
            colours,
            col_rows,
            pos,
            structure,
        });
        *last = Some(Rc::clone(&a));
        a
    })
}

/// Greedy colouring of the columns of an n x n pattern (row, column pairs): columns of one
/// colour share no row. Returns the colours (their columns) and each column's rows.
fn colour_columns(n: usize, pattern: &[(usize, usize)]) -> (Vec<Vec<usize>>, Vec<Vec<usize>>) {
    let mut col_rows = vec![Vec::new(); n];
    for &(i, j) in pattern {
        if i < n && j < n {
            col_rows[j].push(i);
        }
    }
    let mut colours: Vec<Vec<usize>> = Vec::new();
    // Per colour, the rows its columns already take.
    let mut taken: Vec<Vec<bool>> = Vec::new();
    for (j, rows) in col_rows.iter().enumerate() {
        let fits = |t: &Vec<bool>| rows.iter().all(|&i| !t[i]);
        let c = match taken.iter().position(fits) {
            Some(c) => c,
            None => {
                colours.push(Vec::new());
                taken.push(vec![false; n]);
                colours.len() - 1
            }
        };
        colours[c].push(j);
        for &i in rows {
            taken[c][i] = true;
        }
    }
    (colours, col_rows)
}

/// The most states for which the dense path orders the network and factorises on its
/// structure (both cost up to n^3 once per run, as much as one dense factorisation).
const MAX_ORDERED: usize = 512;

/// The least ratio of a diagonal pivot to the largest entry below it that the structured
/// LU accepts (threshold partial pivoting; UMFPACK's default pivot tolerance is 0.1 too).
const PIVOT_THRESHOLD: f64 = 0.1;

/// Where the LU factors of P (I - c J) P^T can be nonzero when the diagonal is pivot:
/// the symbolic elimination of the permuted pattern (with the diagonal), once per run.
/// Column k of L: rows `l_row[l_start[k]..l_start[k + 1]]` (> k); column k of U above the
/// diagonal: `u_row[u_start[k]..]` (< k); row k of U right of the diagonal (the columns the
/// elimination of k updates): `r_col[r_start[k]..]` (> k).
struct Structure {
    /// False above [`MAX_ORDERED`] states: the factorisation is dense.
    usable: bool,
    l_start: Vec<usize>,
    l_row: Vec<usize>,
    u_start: Vec<usize>,
    u_row: Vec<usize>,
    r_start: Vec<usize>,
    r_col: Vec<usize>,
}

impl Structure {
    fn new(n: usize, pattern: &[(usize, usize)], pos: &[usize]) -> Self {
        let mut st = Structure {
            usable: n <= MAX_ORDERED,
            l_start: Vec::with_capacity(n + 1),
            l_row: Vec::new(),
            u_start: Vec::with_capacity(n + 1),
            u_row: Vec::new(),
            r_start: Vec::with_capacity(n + 1),
            r_col: Vec::new(),
        };
        if !st.usable {
            return st;
        }
        // Dense n x n flags: the dense path's own matrices are n x n too.
        let mut s = vec![false; n * n];
        for i in 0..n {
            s[i * n + i] = true;
        }
        for &(i, j) in pattern {
            if i < n && j < n {
                // Row-major: s[row * n + column].
                s[pos[i] * n + pos[j]] = true;
            }
        }
        let mut rows = Vec::with_capacity(n);
        let mut cols = Vec::with_capacity(n);
        for k in 0..n {
            rows.clear();
            cols.clear();
            rows.extend((k + 1..n).filter(|&i| s[i * n + k]));
            cols.extend((k + 1..n).filter(|&j| s[k * n + j]));
            for &i in &rows {
                for &j in &cols {
                    s[i * n + j] = true;
                }
            }
        }
        for k in 0..n {
            st.l_start.push(st.l_row.len());
            st.l_row.extend((k + 1..n).filter(|&i| s[i * n + k]));
            st.u_start.push(st.u_row.len());
            st.u_row.extend((0..k).filter(|&i| s[i * n + k]));
            st.r_start.push(st.r_col.len());
            st.r_col.extend((k + 1..n).filter(|&j| s[k * n + j]));
        }
        st.l_start.push(st.l_row.len());
        st.u_start.push(st.u_row.len());
        st.r_start.push(st.r_col.len());
        st
    }
}

/// A fill-reducing symmetric order of an n x n pattern (row, column pairs): minimum degree
/// on the pattern made symmetric (ties: the lowest index), eliminating one node a turn and
/// joining its neighbours. Returns each state's place in the order. Where the pattern is
/// empty or the network large (the ordering's own cost grows as n^2), the identity.
fn minimum_degree(n: usize, pattern: &[(usize, usize)]) -> Vec<usize> {
    if n > MAX_ORDERED {
        return (0..n).collect();
    }
    let mut adj = vec![false; n * n];
    for &(i, j) in pattern {
        if i < n && j < n && i != j {
            adj[i * n + j] = true;
            adj[j * n + i] = true;
        }
    }
    let mut degree: Vec<usize> = (0..n)
        .map(|i| adj[i * n..(i + 1) * n].iter().filter(|&&a| a).count())
        .collect();
    let mut done = vec![false; n];
    let mut pos = vec![0; n];
    let mut neighbours = Vec::with_capacity(n);
    for place in 0..n {
        let v = (0..n)
            .filter(|&i| !done[i])
            .min_by_key(|&i| (degree[i], i))
            .unwrap_or(0);
        done[v] = true;
        pos[v] = place;
        neighbours.clear();
        neighbours.extend((0..n).filter(|&i| !done[i] && adj[v * n + i]));
        for &a in &neighbours {
            adj[a * n + v] = false;
            degree[a] -= 1;
        }
        for (x, &a) in neighbours.iter().enumerate() {
            for &b in &neighbours[x + 1..] {
                if !adj[a * n + b] {
                    adj[a * n + b] = true;
                    adj[b * n + a] = true;
                    degree[a] += 1;
                    degree[b] += 1;
                }
            }
        }
    }
    pos
}

/// scipy's safety factor: less growth after a Newton solve that took many iterations.
fn safety(n_iter: usize) -> f64 {
    0.9 * (2.0 * NEWTON_MAXITER as f64 + 1.0) / (2.0 * NEWTON_MAXITER as f64 + n_iter as f64)
}

/// The matrix R of the step change by `factor` at order `k` (cumulative products of
/// (i - 1 - factor j) / i), (k+1) x (k+1).
fn compute_r(k: usize, factor: f64) -> [[f64; MAX_ORDER + 1]; MAX_ORDER + 1] {
    let mut r = [[0.0; MAX_ORDER + 1]; MAX_ORDER + 1];
    for j in 0..=k {
        r[0][j] = 1.0;
    }
    for i in 1..=k {
        let inv_i = 1.0 / i as f64;
        for j in 1..=k {
            r[i][j] = r[i - 1][j] * ((i as f64 - 1.0 - factor * j as f64) * inv_i);
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{reference, Network};

    /// The normwise backward error of x as a solution of (I - c J) x = b:
    /// max |b - A x| / (max row sum of |A| * max |x| + max |b|), J the integrator's
    /// (unpermuted) Jacobian.
    fn backward_error(bdf: &DenseBdf<'_, '_>, c: f64, x: &[f64], b: &[f64]) -> f64 {
        let n = bdf.n;
        let (mut worst, mut norm_a) = (0.0f64, 0.0f64);
        for i in 0..n {
            let (mut ax, mut row) = (0.0, 0.0);
            for j in 0..n {
                let a = f64::from(u8::from(i == j)) - c * bdf.jac[j * n + i];
                ax += a * x[j];
                row += a.abs();
            }
            worst = worst.max((b[i] - ax).abs());
            norm_a = norm_a.max(row);
        }
        let max = |v: &[f64]| v.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        worst / (norm_a * max(x) + max(b))
    }

    /// Gaussian elimination's backward error bound, 3 n eps times the growth of the
    /// factors, with a growth of at most 2 for a column diagonally dominant matrix (and
    /// at most 2^(n-1) with row swaps, far above what these small examples show: 2 as well).
    fn bound(n: usize) -> f64 {
        3.0 * n as f64 * f64::EPSILON * 2.0
    }

    fn p3_integrator(net: &Network) -> (System<'_>, Vec<f64>) {
        let sys = System::new(net);
        let y0 = sys.initial_state();
        (sys, y0)
    }

    /// An integrator started at `y0` with the Jacobian evaluated there.
    fn with_jacobian<'s, 'n>(sys: &'s System<'n>, y0: &[f64], atol: &[f64]) -> DenseBdf<'s, 'n> {
        let mut bdf = DenseBdf::new(sys, 1e-8, atol);
        bdf.start(0.0, y0, 1e6, None);
        bdf.evaluate_jacobian(0.0, false);
        bdf
    }

    /// The structured LU (diagonal pivots on the minimum-degree order) solves P3's Newton
    /// systems to round-off, as the dense partial-pivoting LU does, at steps from seconds to
    /// days (c = h / alpha).
    #[test]
    fn structured_lu_solves_as_the_dense_one_does() {
        let net = Network::new(reference::p3()).expect("P3 is valid");
        let (sys, y0) = p3_integrator(&net);
        let n = sys.len();
        let atol = vec![1e-9; n];
        let mut bdf = with_jacobian(&sys, &y0, &atol);
        let b: Vec<f64> = (0..n).map(|i| 1.0 + i as f64 * 0.37).collect();
        for c in [1.0, 1e3, 1e6] {
            assert!(bdf.factorize(c));
            assert!(bdf.lu_static, "P3's diagonal pivots pass at c = {c}");
            let mut x = b.clone();
            bdf.solve(&mut x);
            let e = backward_error(&bdf, c, &x, &b);
            assert!(e < bound(n), "c = {c}: backward error {e:e}");
            bdf.structured = false;
            assert!(bdf.factorize(c));
            assert!(!bdf.lu_static);
            let mut xd = b.clone();
            bdf.solve(&mut xd);
            bdf.structured = true;
            for (s, d) in x.iter().zip(&xd) {
                assert!((s - d).abs() <= 1e-12 * d.abs().max(1e-300), "{s} vs {d}");
            }
        }
        // The order leaves little fill: P3 is a tree of modules plus the vacuum's book.
        let nnz = bdf.an.structure.l_row.len() + bdf.an.structure.u_row.len();
        let pattern_off_diagonal = sys
            .jacobian_pattern()
            .iter()
            .filter(|(i, j)| i != j)
            .count();
        assert!(
            nnz <= 2 * pattern_off_diagonal,
            "{nnz} entries in the factors"
        );
    }

    /// A pivot smaller than a tenth of an entry below it sends the factorisation to row
    /// swaps, and the solution is still exact to round-off.
    #[test]
    fn a_small_pivot_falls_back_to_row_swaps() {
        let net = Network::new(reference::p3()).expect("P3 is valid");
        let (sys, y0) = p3_integrator(&net);
        let n = sys.len();
        let atol = vec![1e-9; n];
        let mut bdf = with_jacobian(&sys, &y0, &atol);
        // The state eliminated first: I - J has 1e-3 on its diagonal and 1 at every other
        // row of its column in the pattern (all below the diagonal in the order).
        let first = bdf
            .an
            .pos
            .iter()
            .position(|&p| p == 0)
            .expect("a permutation");
        let rows = bdf.an.col_rows[first].clone();
        assert!(rows.len() > 1);
        for &i in &rows {
            bdf.jac[first * n + i] = if i == first { 1.0 - 1e-3 } else { -1.0 };
        }
        assert!(bdf.factorize(1.0));
        assert!(!bdf.lu_static, "the small pivot is refused");
        let b: Vec<f64> = (0..n).map(|i| 1.0 + i as f64).collect();
        let mut x = b.clone();
        bdf.solve(&mut x);
        let e = backward_error(&bdf, 1.0, &x, &b);
        assert!(e < bound(n), "backward error {e:e}");
    }

    /// A thread's runs of one network share its analysis; another network gets its own.
    #[test]
    fn runs_of_one_network_share_the_analysis() {
        let net = Network::new(reference::p3()).expect("P3 is valid");
        let other = Network::new(reference::p3b()).expect("P3b is valid");
        let (sys, _) = p3_integrator(&net);
        let (sys_b, _) = p3_integrator(&other);
        let atol = vec![1e-9; sys.len()];
        let a = DenseBdf::new(&sys, 1e-8, &atol);
        let b = DenseBdf::new(&sys, 1e-8, &atol);
        assert!(Rc::ptr_eq(&a.an, &b.an));
        let atol_b = vec![1e-9; sys_b.len()];
        let c = DenseBdf::new(&sys_b, 1e-8, &atol_b);
        assert!(!Rc::ptr_eq(&a.an, &c.an));
        assert_eq!(c.an.pattern, sys_b.jacobian_pattern());
        // A second system of the first network (another run) finds it again only if
        // nothing else ran since: the cache keeps the last analysis.
        let (sys2, _) = p3_integrator(&net);
        let d = DenseBdf::new(&sys2, 1e-8, &atol);
        assert!(!Rc::ptr_eq(&a.an, &d.an));
        assert_eq!(a.an.pos, d.an.pos);
        assert_eq!(a.an.colours, d.an.colours);
    }

    #[test]
    fn the_written_out_rate_estimates_are_diffsols() {
        assert_eq!(ETA_FRESH_JACOBIAN, 20f64.powf(1.25));
        assert_eq!(ETA_NEW_STEP, 100f64.powf(1.25));
    }

    /// Minimum degree orders a chain (numbered out of order) so that its factors have no
    /// fill: exactly the chain's own entries.
    #[test]
    fn minimum_degree_leaves_a_chain_without_fill() {
        let n = 40;
        // Chain through the nodes in the order 0, 20, 1, 21, ...: a bandwidth of 20.
        let label: Vec<usize> = (0..n).map(|k| (k % 2) * 20 + k / 2).collect();
        let mut pattern = Vec::new();
        for k in 0..n {
            pattern.push((label[k], label[k]));
            if k + 1 < n {
                pattern.push((label[k], label[k + 1]));
                pattern.push((label[k + 1], label[k]));
            }
        }
        let pos = minimum_degree(n, &pattern);
        let mut seen = pos.clone();
        seen.sort_unstable();
        assert_eq!(seen, (0..n).collect::<Vec<_>>(), "a permutation");
        let st = Structure::new(n, &pattern, &pos);
        assert_eq!(st.l_row.len() + st.u_row.len(), 2 * (n - 1));
        // The labels' own order fills in: eliminating node k joins k + 20 and k + 21.
        let identity: Vec<usize> = (0..n).collect();
        let banded = Structure::new(n, &pattern, &identity);
        assert!(banded.l_row.len() + banded.u_row.len() > 2 * (n - 1));
    }
}
