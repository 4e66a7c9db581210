//! Input constraints over several inputs, decided cell by cell: a pattern of input bits stands
//! for a box of inputs (its cell: on each input, the float32 values that set its bits so), and
//! the pattern is a counterexample only if some float32 point of that cell satisfies the
//! constraints. An empty cell comes with the clause that rules out every pattern whose cell is
//! no larger on the inputs that made it empty, proved by a Farkas combination of the
//! constraints checked in exact rational arithmetic; a non-empty one with a float32 point
//! checked exactly against every constraint. The CNF over the box is a relaxation of the
//! query, so these clauses (lemmas) and the SAT solver's proof together prove a "holds".

use super::encode::{Bit, InputBits};
use crate::bnn::{next_down, next_up, round, Bnn, InputBit};
use crate::simplex::{Feasibility, Simplex};
use crate::spec::{LinearConstraint, Relation};
use num_rational::BigRational;
use num_traits::{Signed, Zero};
use varisat::Lit;

/// Pivots the cell's LP may take (it has one variable per constrained input and one row per
/// constraint; this is far above what such LPs need).
const MAX_PIVOTS: u64 = 100_000;

/// Fractions of each input's cell width kept clear of its faces when looking for a point,
/// tried in turn (the faces are bits' thresholds; see [`InputCells::check`]).
const INSETS: [f64; 3] = [0.25, 1.0 / 64.0, 1.0 / 4096.0];

/// What a cell holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// A float32 point of the cell satisfying every constraint, exactly (every input, the
    /// unconstrained ones at the value [`Bnn::point`] picks).
    Point(Vec<f64>),
    /// No point satisfies the constraints; no pattern satisfying none of the clause's
    /// literals does either (the clause may be empty: the constraints are infeasible over the
    /// whole box).
    Empty(Vec<Lit>),
    /// Neither could be shown (the LP's point did not survive rounding to float32 and the
    /// infeasibility was not proved): the reason.
    Undecided(String),
}

/// One constraint as `Σ terms ≤ bound`, exactly and in f64.
struct Normal {
    terms: Vec<(usize, BigRational)>,
    bound: BigRational,
    terms_f64: Vec<(usize, f64)>,
    bound_f64: f64,
}

/// An input's cell: its least and greatest value and the bits that bound it there (a bit
/// index and its value), `None` where the box itself does.
#[derive(Debug, Clone, Copy)]
struct Interval {
    lower: f64,
    lower_by: Option<(usize, bool)>,
    upper: f64,
    upper_by: Option<(usize, bool)>,
}

/// The constraints of one query, ready to check cells.
pub struct InputCells<'a> {
    bnn: &'a Bnn,
    inputs: &'a InputBits,
    constraints: Vec<Normal>,
    /// The inputs the constraints mention, ascending.
    constrained: Vec<usize>,
    /// The bits of each input.
    bits_of: Vec<Vec<usize>>,
}

fn rational(v: f64) -> BigRational {
    BigRational::from_float(v).unwrap_or_default()
}

impl<'a> InputCells<'a> {
    pub fn new(
        bnn: &'a Bnn,
        inputs: &'a InputBits,
        constraints: &[LinearConstraint],
    ) -> InputCells<'a> {
        let constraints: Vec<Normal> = constraints
            .iter()
            .map(|c| {
                let sign = match c.relation() {
                    Relation::Le => BigRational::from_integer(1.into()),
                    Relation::Ge => BigRational::from_integer((-1).into()),
                };
                let terms: Vec<(usize, BigRational)> =
                    c.terms().iter().map(|(i, a)| (*i, a * &sign)).collect();
                let bound = c.bound() * &sign;
                Normal {
                    terms_f64: terms
                        .iter()
                        .map(|(i, a)| (*i, crate::spec::to_f64(a)))
                        .collect(),
                    bound_f64: crate::spec::to_f64(&bound),
                    terms,
                    bound,
                }
            })
            .collect();
        let mut constrained: Vec<usize> = constraints
            .iter()
            .flat_map(|c| c.terms.iter().map(|(i, _)| *i))
            .collect();
        constrained.sort_unstable();
        constrained.dedup();
        let mut bits_of = vec![Vec::new(); inputs.ranges.len()];
        for (j, b) in inputs.bits.iter().enumerate() {
            bits_of[b.input].push(j);
        }
        InputCells {
            bnn,
            inputs,
            constraints,
            constrained,
            bits_of,
        }
    }

    /// The cell of input `i` under the bit values `value(j)`.
    fn interval(&self, i: usize, value: &dyn Fn(usize) -> bool) -> Interval {
        let (lowest, highest) = self.inputs.ranges[i];
        let mut c = Interval {
            lower: lowest,
            lower_by: None,
            upper: highest,
            upper_by: None,
        };
        let precision = self.bnn.precision;
        for &j in &self.bits_of[i] {
            if matches!(self.inputs.bits[j].lit, Bit::Const(_)) {
                continue; // the box fixes it: it bounds nothing the box does not
            }
            let v = value(j);
            // The bit's value as a bound: x >= t, or x <= t.
            let (t, is_lower) = match (self.bnn.inputs[j], v) {
                (InputBit::AtLeast(t), true) => (t, true),
                (InputBit::AtLeast(t), false) => (next_down(t, precision), false),
                (InputBit::AtMost(t), true) => (t, false),
                (InputBit::AtMost(t), false) => (next_up(t, precision), true),
                (InputBit::Always(_), _) => continue,
            };
            if is_lower && t > c.lower {
                c.lower = t;
                c.lower_by = Some((j, v));
            } else if !is_lower && t < c.upper {
                c.upper = t;
                c.upper_by = Some((j, v));
            }
        }
        c
    }

    /// The literal that is true exactly when bit `j` does not have the value `v`.
    fn differs(&self, (j, v): (usize, bool)) -> Option<Lit> {
        match self.inputs.bits[j].lit {
            Bit::Var(l) => Some(if v { !l } else { l }),
            Bit::Const(_) => None,
        }
    }

    /// What the cell of the pattern `value(j)` (every input bit's value) holds.
    pub fn check(&self, value: impl Fn(usize) -> bool) -> Cell {
        let value: &dyn Fn(usize) -> bool = &value;
        let cells: Vec<Interval> = self
            .constrained
            .iter()
            .map(|&i| self.interval(i, value))
            .collect();
        if let Some(k) = cells.iter().position(|c| c.lower > c.upper) {
            // Bits of one input that no value sets together (the encoding rules them out).
            let c = cells[k];
            let clause = [c.lower_by, c.upper_by]
                .into_iter()
                .flatten()
                .filter_map(|b| self.differs(b))
                .collect();
            return Cell::Empty(clause);
        }
        // One constraint alone: its least value over the cell is exact.
        for k in 0..self.constraints.len() {
            let mut y = vec![BigRational::zero(); self.constraints.len()];
            y[k] = BigRational::from_integer(1.into());
            if let Some(clause) = self.farkas(&cells, &y) {
                return Cell::Empty(clause);
            }
        }
        // Several together: an LP over the cell, then the same exact checks on its answer.
        let mut lp = Simplex::new();
        let vars: Result<Vec<_>, _> = cells.iter().map(|c| lp.add_var(c.lower, c.upper)).collect();
        let Ok(vars) = vars else {
            return Cell::Undecided("the cell's LP rejected an input's bounds".into());
        };
        let position = |i: usize| self.constrained.binary_search(&i).unwrap_or(0);
        let mut rows = Vec::with_capacity(self.constraints.len());
        for c in &self.constraints {
            let terms: Vec<_> = c
                .terms_f64
                .iter()
                .map(|(i, a)| (vars[position(*i)], *a))
                .collect();
            match lp
                .add_row(&terms)
                .and_then(|r| lp.tighten_upper(r, c.bound_f64).map(|()| r))
            {
                Ok(r) => rows.push(r),
                Err(e) => return Cell::Undecided(format!("the cell's LP: {e}")),
            }
        }
        match lp.check(MAX_PIVOTS) {
            Ok(Feasibility::Infeasible(why)) => {
                let mut y = vec![BigRational::zero(); self.constraints.len()];
                for (row, lambda) in &why.multipliers {
                    if let Some(k) = rows.iter().position(|r| r == row) {
                        y[k] = rational(lambda.abs());
                    }
                }
                match self.farkas(&cells, &y) {
                    Some(clause) => Cell::Empty(clause),
                    None => Cell::Undecided(
                        "the LP over a pattern's input cell is infeasible, but its Farkas \
                         combination does not prove it in exact arithmetic"
                            .into(),
                    ),
                }
            }
            Ok(Feasibility::Feasible) => self.point(&cells, &mut lp, &vars, &rows, value),
            Ok(Feasibility::Unknown) => {
                Cell::Undecided("the LP over a pattern's input cell hit its pivot limit".into())
            }
            Err(e) => Cell::Undecided(format!("the cell's LP: {e}")),
        }
    }

    /// When `Σ y_k·(constraint k)` has a least value over the cell above its bound, the
    /// clause of the bits that bound the inputs it needs; `None` when it does not prove the
    /// cell empty. Exact: the combination, the least value and the comparison are rational.
    fn farkas(&self, cells: &[Interval], y: &[BigRational]) -> Option<Vec<Lit>> {
        let mut c = vec![BigRational::zero(); cells.len()];
        let mut d = BigRational::zero();
        for (k, con) in self.constraints.iter().enumerate() {
            if y[k].is_zero() {
                continue;
            }
            if y[k].is_negative() {
                return None;
            }
            for (i, a) in &con.terms {
                let p = self.constrained.binary_search(i).ok()?;
                c[p] += &y[k] * a;
            }
            d += &y[k] * &con.bound;
        }
        // The least value of c·x over the cell, and what each input's cell bound adds to it
        // over the box's bound (the bit that bounds it, when one does).
        let mut least = BigRational::zero();
        let mut gains: Vec<(BigRational, (usize, bool))> = Vec::new();
        for (p, cp) in c.iter().enumerate() {
            if cp.is_zero() {
                continue;
            }
            let (lowest, highest) = self.inputs.ranges[self.constrained[p]];
            let (at, by, box_at) = if cp.is_positive() {
                (cells[p].lower, cells[p].lower_by, lowest)
            } else {
                (cells[p].upper, cells[p].upper_by, highest)
            };
            least += cp * rational(at);
            if let Some(b) = by {
                gains.push((cp * (rational(at) - rational(box_at)), b));
            }
        }
        if least <= d {
            return None;
        }
        // Drop the bits whose gain the slack can spare, smallest first: the clause is then
        // about fewer inputs and rules out more patterns.
        let mut slack = least - d;
        gains.sort_by(|a, b| a.0.cmp(&b.0));
        let mut clause = Vec::new();
        for (gain, bit) in gains {
            if gain < slack {
                slack -= gain;
            } else if let Some(l) = self.differs(bit) {
                clause.push(l);
            }
        }
        Some(clause)
    }

    /// The LP point `x` (over the constrained inputs) rounded to the network's precision
    /// within the cell, completed with [`Bnn::point`], if it satisfies every constraint
    /// exactly.
    fn rounded(
        &self,
        cells: &[Interval],
        x: &[f64],
        value: &dyn Fn(usize) -> bool,
    ) -> Option<Vec<f64>> {
        let precision = self.bnn.precision;
        let near: Vec<f64> = x
            .iter()
            .zip(cells)
            .map(|(v, c)| round(*v, precision).clamp(c.lower, c.upper))
            .collect();
        let exact: Vec<BigRational> = near.iter().map(|v| rational(*v)).collect();
        let satisfied = self.constraints.iter().all(|con| {
            let lhs: BigRational = con
                .terms
                .iter()
                .map(|(i, a)| match self.constrained.binary_search(i) {
                    Ok(p) => a * &exact[p],
                    Err(_) => BigRational::zero(),
                })
                .sum();
            lhs <= con.bound
        });
        if !satisfied {
            return None;
        }
        Some(self.complete(&near, value))
    }

    /// Every input: the constrained ones at `near`, the others at [`Bnn::point`]'s value.
    /// `near` lies in the cell, so it sets the bits as the pattern has them.
    fn complete(&self, near: &[f64], value: &dyn Fn(usize) -> bool) -> Vec<f64> {
        let mut point = self.bnn.point(&self.inputs.ranges, value);
        for (p, &i) in self.constrained.iter().enumerate() {
            point[i] = near[p];
        }
        point
    }

    /// A float32 point of a cell whose LP is feasible. A vertex of the LP sits on the cell's
    /// faces and on the constraints: the faces that are bits' thresholds are where exact
    /// arithmetic may set a bit otherwise than float32 does, and rounding a point on a
    /// constraint may leave it. So the point is looked for first with the thresholds kept at
    /// a distance ([`INSETS`]; the box's own faces are kept, as [`Bnn::point`] keeps them) and
    /// every constraint tightened by what rounding to the network's precision can move its
    /// value, then with less and less of both; undecided if none survives rounding.
    fn point(
        &self,
        cells: &[Interval],
        lp: &mut Simplex,
        vars: &[crate::simplex::VarId],
        rows: &[crate::simplex::VarId],
        value: &dyn Fn(usize) -> bool,
    ) -> Cell {
        let ulp = |c: &Interval| {
            let m = c.lower.abs().max(c.upper.abs());
            (next_up(m, self.bnn.precision) - m).abs()
        };
        let shifts: Vec<f64> = self
            .constraints
            .iter()
            .map(|con| {
                con.terms_f64
                    .iter()
                    .map(|(i, a)| match self.constrained.binary_search(i) {
                        Ok(p) => a.abs() * ulp(&cells[p]),
                        Err(_) => 0.0,
                    })
                    .sum::<f64>()
            })
            .collect();
        for inset in INSETS.into_iter().chain([0.0]) {
            for tighten in [true, false] {
                lp.push();
                let inner = cells.iter().zip(vars).all(|(c, v)| {
                    let d = inset * (c.upper - c.lower);
                    let lower = if c.lower_by.is_some() {
                        c.lower + d
                    } else {
                        c.lower
                    };
                    let upper = if c.upper_by.is_some() {
                        c.upper - d
                    } else {
                        c.upper
                    };
                    lp.set_bounds(*v, lower, upper).is_ok()
                });
                let tight =
                    !tighten
                        || self.constraints.iter().zip(rows).zip(&shifts).all(
                            |((con, row), shift)| {
                                lp.tighten_upper(*row, con.bound_f64 - 2.0 * shift).is_ok()
                            },
                        );
                let x = match (inner && tight, lp.check(MAX_PIVOTS)) {
                    (true, Ok(Feasibility::Feasible)) => {
                        Some(vars.iter().map(|v| lp.value(*v)).collect::<Vec<f64>>())
                    }
                    _ => None,
                };
                let _ = lp.pop();
                if let Some(point) = x.and_then(|x| self.rounded(cells, &x, value)) {
                    return Cell::Point(point);
                }
            }
        }
        Cell::Undecided(
            "a pattern's input cell meets the input constraints, but no float32 point of it \
             satisfying them was found"
                .into(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bnn::Bnn;
    use crate::bnn_sat::encode::Input;
    use crate::network::Precision;
    use num_bigint::BigInt;

    /// Two inputs in [0, 1], each with one free bit `x >= 0.5` (variables 1 and 2).
    fn two_inputs() -> (Bnn, InputBits) {
        let bit = InputBit::AtLeast(0.5);
        let bnn = Bnn {
            inputs: vec![bit, bit],
            bit_input: vec![0, 1],
            hidden: vec![],
            logits: vec![],
            precision: Precision::F32,
        };
        let bits = (0..2)
            .map(|i| Input {
                input: i,
                lowest: 0.0,
                highest: 1.0,
                bit,
                lit: Bit::Var(Lit::from_index(i, true)),
            })
            .collect();
        let inputs = InputBits {
            bits,
            ranges: vec![(0.0, 1.0); 2],
        };
        (bnn, inputs)
    }

    /// `X_0 + X_1 <= num/den`.
    fn sum_at_most(num: i64, den: i64) -> LinearConstraint {
        let one = BigRational::from_integer(1.into());
        LinearConstraint::new(
            [(0, one.clone()), (1, one)],
            Relation::Le,
            BigRational::new(BigInt::from(num), BigInt::from(den)),
        )
        .unwrap()
    }

    #[test]
    fn a_cell_whose_corner_meets_the_constraint_exactly_has_that_point() {
        let (bnn, inputs) = two_inputs();
        // Both bits set: the cell is [0.5, 1]², whose least sum is exactly 1.
        let cells = InputCells::new(&bnn, &inputs, &[sum_at_most(1, 1)]);
        assert_eq!(cells.check(|_| true), Cell::Point(vec![0.5, 0.5]));
        // One float32 number below: no point, and both bits are needed to say so.
        let below = f64::from(1.0f32.next_down());
        let c = BigRational::from_float(below).unwrap();
        let cells = InputCells::new(
            &bnn,
            &inputs,
            &[sum_at_most(
                c.numer().try_into().unwrap(),
                c.denom().try_into().unwrap(),
            )],
        );
        let Cell::Empty(mut clause) = cells.check(|_| true) else {
            panic!("the cell is empty");
        };
        clause.sort();
        assert_eq!(
            clause,
            vec![Lit::from_index(0, false), Lit::from_index(1, false)]
        );
        // A bit that is not set leaves its input's cell below 0.5, up to the float32 number
        // just under it: the cell [0, 0.5⁻] × [0.5, 1] meets the constraint.
        assert!(matches!(cells.check(|j| j == 1), Cell::Point(_)));
    }

    #[test]
    fn constraints_feasible_alone_but_not_together_are_refuted_by_the_lp() {
        let (bnn, inputs) = two_inputs();
        let one = || BigRational::from_integer(1.into());
        let half = BigRational::new(BigInt::from(1), BigInt::from(2));
        // X_0 - X_1 >= 1/2 and X_1 - X_0 >= -1/4 cannot both hold; each alone can on the
        // cell [0.5, 1]².
        let a = LinearConstraint::new([(0, one()), (1, -one())], Relation::Ge, half).unwrap();
        let b = LinearConstraint::new(
            [(0, -one()), (1, one())],
            Relation::Ge,
            BigRational::new(BigInt::from(-1), BigInt::from(4)),
        )
        .unwrap();
        let cells = InputCells::new(&bnn, &inputs, std::slice::from_ref(&a));
        assert!(matches!(cells.check(|_| true), Cell::Point(_)));
        let cells = InputCells::new(&bnn, &inputs, &[a, b]);
        // Infeasible whatever the bits: the clause is empty.
        assert_eq!(cells.check(|_| true), Cell::Empty(vec![]));
    }
}
