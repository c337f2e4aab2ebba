//! The network as diffsol equations with a sparse Jacobian, for large networks: the pattern
//! comes from the topology ([`System::jacobian_pattern`]), and the Jacobian is assembled from
//! the analytic Jacobian-vector product by column colouring (one product per colour: a few
//! dozen for a chain, tree or mesh, however many compartments it has), into faer's sparse
//! matrix, factorised by its sparse LU.

use std::cell::{Cell, RefCell};

use diffsol::jacobian::JacobianColoring;
use diffsol::op::unit::UnitCallable;
use diffsol::op::ParameterisedOp;
use diffsol::{
    ConstantOp, FaerContext, FaerSparseMat, FaerVec, Matrix, NonLinearOp, NonLinearOpJacobian,
    OdeEquations, OdeEquationsRef, Op, Vector,
};
use diffsol_la::MatrixSparsity;

use crate::system::System;

pub(super) type M = FaerSparseMat<f64>;
type V = FaerVec<f64>;
type Sparsity = <M as Matrix>::Sparsity;

/// The right-hand side with its sparse Jacobian.
pub(super) struct Rhs<'s, 'n> {
    sys: &'s System<'n>,
    n: usize,
    sparsity: Sparsity,
    coloring: JacobianColoring<M>,
    /// Jacobian assemblies.
    pub(super) jacobians: Cell<usize>,
    ctx: FaerContext,
}

/// The initial state of the current segment.
pub(super) struct Init<'a> {
    start: &'a RefCell<Vec<f64>>,
    n: usize,
    ctx: FaerContext,
}

/// The equations of one run.
pub(super) struct Equations<'s, 'n> {
    pub(super) rhs: Rhs<'s, 'n>,
    init: Init<'s>,
    ctx: FaerContext,
}

impl<'s, 'n> Equations<'s, 'n> {
    pub(super) fn new(sys: &'s System<'n>, start: &'s RefCell<Vec<f64>>) -> Self {
        let n = sys.len();
        let ctx = FaerContext::default();
        let nz = sys.jacobian_pattern();
        let sparsity = <Sparsity as MatrixSparsity<M>>::try_from_indices(n, n, nz.clone())
            .expect("the Jacobian pattern lies within the state");
        let coloring = JacobianColoring::new(&sparsity, &nz, ctx);
        Equations {
            rhs: Rhs {
                sys,
                n,
                sparsity,
                coloring,
                jacobians: Cell::new(0),
                ctx,
            },
            init: Init { start, n, ctx },
            ctx,
        }
    }
}

macro_rules! square_op {
    ($ty:ty) => {
        impl Op for $ty {
            type T = f64;
            type V = V;
            type M = M;
            type C = FaerContext;
            fn context(&self) -> &FaerContext {
                &self.ctx
            }
            fn nstates(&self) -> usize {
                self.n()
            }
            fn nout(&self) -> usize {
                self.n()
            }
            fn nparams(&self) -> usize {
                0
            }
        }
    };
}

impl Rhs<'_, '_> {
    fn n(&self) -> usize {
        self.n
    }
}
impl Init<'_> {
    fn n(&self) -> usize {
        self.n
    }
}
impl Equations<'_, '_> {
    fn n(&self) -> usize {
        self.rhs.n
    }
}

square_op!(Rhs<'_, '_>);
square_op!(Init<'_>);
square_op!(Equations<'_, '_>);

impl NonLinearOp for Rhs<'_, '_> {
    fn call_inplace(&self, x: &V, t: f64, y: &mut V) {
        y.for_each_batch_host([x], |y, [x], _| self.sys.rhs(t, x, y));
    }
}

impl NonLinearOpJacobian for Rhs<'_, '_> {
    fn jac_mul_inplace(&self, x: &V, t: f64, v: &V, y: &mut V) {
        y.for_each_batch_host([x, v], |y, [x, v], _| self.sys.jvp(t, x, v, y));
    }
    fn jacobian_inplace(&self, x: &V, t: f64, y: &mut M) {
        self.jacobians.set(self.jacobians.get() + 1);
        self.coloring.jacobian_inplace(self, x, t, y);
    }
    fn jacobian_sparsity(&self) -> Option<Sparsity> {
        Some(self.sparsity.clone())
    }
}

impl ConstantOp for Init<'_> {
    fn call_inplace(&self, _t: f64, y: &mut V) {
        let start = self.start.borrow();
        y.for_each_batch_host([], |y, [], _| y.copy_from_slice(&start));
    }
}

impl<'a, 's, 'n> OdeEquationsRef<'a> for Equations<'s, 'n> {
    type Rhs = &'a Rhs<'s, 'n>;
    type Mass = ParameterisedOp<'a, UnitCallable<M>>;
    type Root = ParameterisedOp<'a, UnitCallable<M>>;
    type Init = &'a Init<'s>;
    type Out = ParameterisedOp<'a, UnitCallable<M>>;
    type Reset = ParameterisedOp<'a, UnitCallable<M>>;
}

impl<'s, 'n> OdeEquations for Equations<'s, 'n> {
    fn rhs(&self) -> &Rhs<'s, 'n> {
        &self.rhs
    }
    fn mass(&self) -> Option<ParameterisedOp<'_, UnitCallable<M>>> {
        None
    }
    fn init(&self) -> &Init<'s> {
        &self.init
    }
    fn set_params(&mut self, _p: &V) {}
    fn get_params(&self, _p: &mut V) {}
}
