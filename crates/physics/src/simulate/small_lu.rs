//! The dense LU of the small systems (up to [`crate::SPARSE_ABOVE`] states): the same
//! partial-pivoting elimination and triangular solves as diffsol's default nalgebra LU, in
//! the same order of operations (so every run gives the same bits as before), on one flat
//! column-major buffer with plain slice loops instead of generic matrix views, which cost
//! more than the arithmetic at a dozen states.

use diffsol::{Matrix, MatrixCommon, NalgebraContext, NalgebraMat, NalgebraVec, Vector};
use diffsol_la::error::{LaError, LinearSolverError};
use diffsol_la::{LinearOp, LinearSolver};

/// LU factors of an n x n matrix with row pivoting, reused from one factorisation to the
/// next (no allocation after the first).
#[derive(Default)]
pub(super) struct SmallLu {
    n: usize,
    /// The matrix diffsol fills, then copied into `lu`.
    a: Option<NalgebraMat<f64>>,
    /// Column-major: L below the diagonal (unit diagonal implied), U on and above.
    lu: Vec<f64>,
    /// Row swaps in the order they were made.
    piv: Vec<(usize, usize)>,
}

impl SmallLu {
    /// Factorise `lu` in place: nalgebra's `LU::new` (icamax pivot, `gauss_step_swap`).
    fn factor(&mut self) {
        let n = self.n;
        let lu = &mut self.lu;
        self.piv.clear();
        for i in 0..n {
            let col = &lu[i * n..(i + 1) * n];
            // The first entry of largest magnitude at or below the diagonal.
            let mut p = i;
            let mut max = col[i].abs();
            for (r, v) in col.iter().enumerate().skip(i + 1) {
                if v.abs() > max {
                    max = v.abs();
                    p = r;
                }
            }
            let diag = lu[i * n + p];
            if diag == 0.0 {
                continue;
            }
            if p != i {
                self.piv.push((i, p));
                // The rows of L found so far, and the pivot column.
                for c in 0..=i {
                    lu.swap(c * n + i, c * n + p);
                }
            }
            let inv_diag = 1.0 / diag;
            for v in &mut lu[i * n + i + 1..(i + 1) * n] {
                *v *= inv_diag;
            }
            let (left, right) = lu.split_at_mut((i + 1) * n);
            let coeffs = &left[i * n + i + 1..];
            for c in right.chunks_exact_mut(n) {
                if p != i {
                    c.swap(i, p);
                }
                let a = -c[i];
                for (y, x) in c[i + 1..].iter_mut().zip(coeffs) {
                    *y = a * x + *y;
                }
            }
        }
    }

    /// Solve in place: the row swaps, L (unit diagonal) forwards, U backwards, as
    /// nalgebra's `solve_lower_triangular_with_diag_mut` and `solve_upper_triangular_mut`.
    fn solve(&self, b: &mut [f64]) -> bool {
        let n = self.n;
        let lu = &self.lu;
        for &(i, p) in &self.piv {
            b.swap(i, p);
        }
        for i in 0..n.saturating_sub(1) {
            let a = -b[i];
            let (head, tail) = b.split_at_mut(i + 1);
            let _ = head;
            for (y, x) in tail.iter_mut().zip(&lu[i * n + i + 1..(i + 1) * n]) {
                *y = a * x + *y;
            }
        }
        for i in (0..n).rev() {
            let diag = lu[i * n + i];
            if diag == 0.0 {
                return false;
            }
            let coeff = b[i] / diag;
            b[i] = coeff;
            let a = -coeff;
            for (y, x) in b[..i].iter_mut().zip(&lu[i * n..i * n + i]) {
                *y = a * x + *y;
            }
        }
        true
    }

    /// Solve the transposed system in place: U^T z = b, L^T w = z, then the swaps undone.
    fn solve_transpose(&self, b: &mut [f64]) -> bool {
        let n = self.n;
        let lu = &self.lu;
        for i in 0..n {
            let diag = lu[i * n + i];
            if diag == 0.0 {
                return false;
            }
            let s: f64 = lu[i * n..i * n + i]
                .iter()
                .zip(&b[..i])
                .map(|(u, z)| u * z)
                .sum();
            b[i] = (b[i] - s) / diag;
        }
        for i in (0..n.saturating_sub(1)).rev() {
            let s: f64 = lu[i * n + i + 1..(i + 1) * n]
                .iter()
                .zip(&b[i + 1..])
                .map(|(l, w)| l * w)
                .sum();
            b[i] -= s;
        }
        for &(i, p) in self.piv.iter().rev() {
            b.swap(i, p);
        }
        true
    }
}

fn failed() -> LaError {
    LaError::from(LinearSolverError::LuSolveFailed)
}

impl LinearSolver<NalgebraMat<f64>> for SmallLu {
    fn set_linearisation<C>(&mut self, op: &C)
    where
        C: LinearOp<T = f64, V = NalgebraVec<f64>, M = NalgebraMat<f64>, C = NalgebraContext>,
    {
        let a = self.a.as_mut().expect("set_sparsity comes first");
        op.matrix_inplace(a);
        self.lu.copy_from_slice(a.inner().as_slice());
        self.factor();
    }

    fn set_sparsity<C>(&mut self, op: &C)
    where
        C: LinearOp<T = f64, V = NalgebraVec<f64>, M = NalgebraMat<f64>, C = NalgebraContext>,
    {
        let n = op.ncols();
        self.n = n;
        self.a = Some(NalgebraMat::new_from_sparsity(
            op.nrows(),
            n,
            op.sparsity(),
            *op.context(),
        ));
        self.lu = vec![0.0; n * n];
        self.piv = Vec::with_capacity(n);
    }

    fn solve_in_place(&self, b: &mut NalgebraVec<f64>) -> Result<(), LaError> {
        if b.len() != self.n || !self.solve(b.inner_mut().as_mut_slice()) {
            return Err(failed());
        }
        Ok(())
    }

    fn solve_transpose_in_place(&self, b: &mut NalgebraVec<f64>) -> Result<(), LaError> {
        if b.len() != self.n || !self.solve_transpose(b.inner_mut().as_mut_slice()) {
            return Err(failed());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::SmallLu;

    /// The factors and solutions agree with nalgebra's LU to the last bit.
    #[test]
    fn issue12_small_lu_matches_nalgebra_bit_for_bit() {
        for n in [1usize, 2, 5, 14] {
            // A deterministic matrix that needs pivoting (small diagonal).
            let a: Vec<f64> = (0..n * n)
                .map(|k| {
                    let (r, c) = (k % n, k / n);
                    let x = ((r * 7 + c * 13 + 3) % 17) as f64 - 8.0;
                    if r == c {
                        x * 1e-3
                    } else {
                        x / (1.0 + (r + c) as f64)
                    }
                })
                .collect();
            let mut lu = SmallLu {
                n,
                a: None,
                lu: a.clone(),
                piv: Vec::new(),
            };
            lu.factor();
            let b: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin()).collect();
            let mut x = b.clone();
            assert!(lu.solve(&mut x));
            let m = nalgebra::DMatrix::from_column_slice(n, n, &a);
            let want = m
                .clone()
                .lu()
                .solve(&nalgebra::DVector::from_column_slice(&b))
                .expect("invertible");
            for i in 0..n {
                assert_eq!(x[i].to_bits(), want[i].to_bits(), "n {n}, entry {i}");
            }
            // The transposed solve: A^T x = b to round-off.
            let mut xt = b.clone();
            assert!(lu.solve_transpose(&mut xt));
            let back = m.transpose() * nalgebra::DVector::from_column_slice(&xt);
            for i in 0..n {
                assert!((back[i] - b[i]).abs() < 1e-9 * (1.0 + b[i].abs()), "n {n}");
            }
        }
    }
}
