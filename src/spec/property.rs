//! The property IR: cases of (input region, unsafe outputs), and its lowering into sub-problems.

use super::input::{InputPolytope, InputRegion};
use super::output::{OutputConjunction, OutputDnf};
use std::collections::hash_map::{Entry, HashMap};

/// Part of a property: inputs to search and the outputs that would be unsafe for them.
///
/// Meaning: the case is violated iff some input in `inputs` gives an output in
/// `unsafe_outputs`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Case {
    pub inputs: InputRegion,
    pub unsafe_outputs: OutputDnf,
}

/// A safety property of a network with `num_inputs` inputs `X_i` and `num_outputs` outputs
/// `Y_j`, stated (as VNN-LIB states it) by its **unsafe** set.
///
/// The property **holds** iff no input in any case's region gives an output in that case's
/// unsafe set; a point that does is a counterexample. Most files have one case (an input
/// region × an output DNF, e.g. ACAS Xu prop_6's two boxes × "COC is not minimal"); a file
/// whose disjuncts pair different inputs with different outputs has several. No case at all
/// means nothing is unsafe, so the property holds trivially.
///
/// Canonical (see [`Property::new`]): every input polytope appears in one case, cases have
/// distinct output DNFs, and no list repeats an element; so two properties with the same
/// sub-problems in the same order are equal.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Property {
    num_inputs: usize,
    num_outputs: usize,
    cases: Vec<Case>,
}

/// Why parts do not form a property: an index or a box that does not fit the dimensions.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidProperty {
    #[error("an input box has {found} inputs but the property has {expected}")]
    BoxSize { expected: usize, found: usize },
    #[error("a constraint mentions X_{index} but the property has {num_inputs} inputs")]
    InputIndex { index: usize, num_inputs: usize },
    #[error("an atom mentions Y_{index} but the property has {num_outputs} outputs")]
    OutputIndex { index: usize, num_outputs: usize },
}

/// Where a sub-problem sits in its property: case, input polytope, output disjunct.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SubProblemId {
    pub case: usize,
    pub input_polytope: usize,
    pub output_disjunct: usize,
}

/// One conjunctive query: is there an input in `inputs` whose output satisfies every atom of
/// `unsafe_outputs`? The property is violated iff some sub-problem is satisfiable.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SubProblem<'a> {
    pub id: SubProblemId,
    pub inputs: &'a InputPolytope,
    pub unsafe_outputs: &'a OutputConjunction,
}

impl Property {
    /// A property from cases, checked against the dimensions and brought to canonical form:
    /// the sub-problems (polytope × output conjunction) are regrouped so that each polytope
    /// gets the DNF of all conjunctions paired with it, and polytopes sharing a DNF form one
    /// case (first occurrences keep their order). Cases with no polytope or no output
    /// disjunct pair nothing and disappear.
    pub fn new(
        num_inputs: usize,
        num_outputs: usize,
        cases: Vec<Case>,
    ) -> Result<Property, InvalidProperty> {
        let pairs = cases.into_iter().flat_map(|case| {
            let disjuncts = case.unsafe_outputs.disjuncts;
            case.inputs
                .polytopes
                .into_iter()
                .flat_map(move |p| disjuncts.clone().into_iter().map(move |d| (p.clone(), d)))
        });
        Property::from_pairs(num_inputs, num_outputs, pairs)
    }

    /// A property from its sub-problems, the disjuncts of the unsafe set's DNF over inputs and
    /// outputs; the readers build properties this way. Regrouped as in [`Property::new`].
    pub fn from_pairs(
        num_inputs: usize,
        num_outputs: usize,
        pairs: impl IntoIterator<Item = (InputPolytope, OutputConjunction)>,
    ) -> Result<Property, InvalidProperty> {
        let mut polytopes: HashMap<InputPolytope, usize> = HashMap::new();
        let mut conjunctions: HashMap<OutputConjunction, usize> = HashMap::new();
        let mut index_pairs = Vec::new();
        for (polytope, conjunction) in pairs {
            let next = polytopes.len();
            let p = match polytopes.entry(polytope) {
                Entry::Occupied(e) => *e.get(),
                Entry::Vacant(e) => {
                    check_polytope(e.key(), num_inputs)?;
                    *e.insert(next)
                }
            };
            let next = conjunctions.len();
            let c = match conjunctions.entry(conjunction) {
                Entry::Occupied(e) => *e.get(),
                Entry::Vacant(e) => {
                    check_conjunction(e.key(), num_outputs)?;
                    *e.insert(next)
                }
            };
            index_pairs.push((p, c));
        }
        Ok(Property::group(
            num_inputs,
            num_outputs,
            by_index(polytopes),
            by_index(conjunctions),
            &index_pairs,
        ))
    }

    /// Groups sub-problems given as `(polytope, conjunction)` indices into distinct
    /// `polytopes` and `conjunctions` (each valid for the dimensions), as [`Property::new`]
    /// describes. Readers that deduplicate as they go call this directly.
    pub(crate) fn group(
        num_inputs: usize,
        num_outputs: usize,
        polytopes: Vec<InputPolytope>,
        conjunctions: Vec<OutputConjunction>,
        pairs: &[(usize, usize)],
    ) -> Property {
        // For each polytope, in order of first appearance, the conjunctions paired with it.
        let mut order: Vec<usize> = Vec::new();
        let mut paired: Vec<Vec<usize>> = vec![Vec::new(); polytopes.len()];
        for &(p, c) in pairs {
            if paired[p].is_empty() {
                order.push(p);
            }
            if !paired[p].contains(&c) {
                paired[p].push(c);
            }
        }
        let mut case_of_dnf: HashMap<&[usize], usize> = HashMap::new();
        let mut members: Vec<(&[usize], Vec<usize>)> = Vec::new();
        for &p in &order {
            let dnf = paired[p].as_slice();
            match case_of_dnf.get(dnf) {
                Some(&case) => members[case].1.push(p),
                None => {
                    case_of_dnf.insert(dnf, members.len());
                    members.push((dnf, vec![p]));
                }
            }
        }
        let mut polytopes: Vec<Option<InputPolytope>> = polytopes.into_iter().map(Some).collect();
        let cases = members
            .into_iter()
            .map(|(dnf, ps)| Case {
                inputs: InputRegion {
                    polytopes: ps.iter().filter_map(|&p| polytopes[p].take()).collect(),
                },
                unsafe_outputs: OutputDnf {
                    disjuncts: dnf.iter().map(|&c| conjunctions[c].clone()).collect(),
                },
            })
            .collect();
        Property {
            num_inputs,
            num_outputs,
            cases,
        }
    }

    pub fn num_inputs(&self) -> usize {
        self.num_inputs
    }

    pub fn num_outputs(&self) -> usize {
        self.num_outputs
    }

    pub fn cases(&self) -> &[Case] {
        &self.cases
    }

    /// The lowering engines consume: every (case, input polytope, output disjunct), in order.
    /// The property is violated iff one of them is satisfiable; their count is the product
    /// of polytopes and disjuncts, summed over cases.
    pub fn sub_problems(&self) -> impl Iterator<Item = SubProblem<'_>> + '_ {
        self.cases.iter().enumerate().flat_map(|(c, case)| {
            case.inputs
                .polytopes
                .iter()
                .enumerate()
                .flat_map(move |(i, inputs)| {
                    case.unsafe_outputs.disjuncts.iter().enumerate().map(
                        move |(o, unsafe_outputs)| SubProblem {
                            id: SubProblemId {
                                case: c,
                                input_polytope: i,
                                output_disjunct: o,
                            },
                            inputs,
                            unsafe_outputs,
                        },
                    )
                })
        })
    }

    /// Input indices that some polytope leaves without a lower or an upper bound in its box.
    pub fn unbounded_inputs(&self) -> Vec<usize> {
        let mut all: Vec<usize> = self
            .cases
            .iter()
            .flat_map(|c| &c.inputs.polytopes)
            .flat_map(InputPolytope::unbounded_inputs)
            .collect();
        all.sort_unstable();
        all.dedup();
        all
    }
}

/// The keys of a map from distinct values to 0, 1, 2, ... in index order.
fn by_index<T>(map: HashMap<T, usize>) -> Vec<T> {
    let mut pairs: Vec<(T, usize)> = map.into_iter().collect();
    pairs.sort_by_key(|(_, i)| *i);
    pairs.into_iter().map(|(t, _)| t).collect()
}

fn check_polytope(p: &InputPolytope, num_inputs: usize) -> Result<(), InvalidProperty> {
    for found in [p.bounds.lower.len(), p.bounds.upper.len()] {
        if found != num_inputs {
            return Err(InvalidProperty::BoxSize {
                expected: num_inputs,
                found,
            });
        }
    }
    match p.constraints.iter().map(|c| c.max_index()).max() {
        Some(index) if index >= num_inputs => {
            Err(InvalidProperty::InputIndex { index, num_inputs })
        }
        _ => Ok(()),
    }
}

fn check_conjunction(c: &OutputConjunction, num_outputs: usize) -> Result<(), InvalidProperty> {
    match c.atoms.iter().map(|a| a.max_index()).max() {
        Some(index) if index >= num_outputs => {
            Err(InvalidProperty::OutputIndex { index, num_outputs })
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{InputBox, LinearConstraint, Relation};
    use num_rational::BigRational;

    fn q(n: i64) -> BigRational {
        BigRational::from_integer(n.into())
    }

    fn boxed(lo: i64, hi: i64) -> InputPolytope {
        let mut b = InputBox::unbounded(1);
        b.tighten(0, Relation::Ge, q(lo));
        b.tighten(0, Relation::Le, q(hi));
        InputPolytope::new(b, vec![])
    }

    fn y(j: usize, relation: Relation, b: i64) -> OutputConjunction {
        OutputConjunction::new(vec![
            LinearConstraint::new([(j, q(1))], relation, q(b)).unwrap()
        ])
    }

    #[test]
    fn a_product_of_disjunctions_becomes_one_case() {
        let (p1, p2) = (boxed(0, 1), boxed(2, 3));
        let (o1, o2) = (y(0, Relation::Ge, 1), y(1, Relation::Le, 0));
        let pairs = [
            (p1.clone(), o1.clone()),
            (p1.clone(), o2.clone()),
            (p2.clone(), o1.clone()),
            (p2.clone(), o2.clone()),
        ];
        let prop = Property::from_pairs(1, 2, pairs).unwrap();
        assert_eq!(prop.cases().len(), 1);
        assert_eq!(prop.cases()[0].inputs.polytopes, vec![p1, p2]);
        assert_eq!(prop.cases()[0].unsafe_outputs.disjuncts, vec![o1, o2]);
        let ids: Vec<_> = prop.sub_problems().map(|s| s.id).collect();
        assert_eq!(ids.len(), 4);
        assert_eq!(ids[3].input_polytope, 1);
        assert_eq!(ids[3].output_disjunct, 1);
    }

    #[test]
    fn pairs_without_product_structure_become_several_cases() {
        let (p1, p2) = (boxed(0, 1), boxed(2, 3));
        let (o1, o2) = (y(0, Relation::Ge, 1), y(1, Relation::Le, 0));
        let prop =
            Property::from_pairs(1, 2, [(p1.clone(), o1.clone()), (p2, o2.clone())]).unwrap();
        assert_eq!(prop.cases().len(), 2);
        let again = Property::new(1, 2, prop.cases().to_vec()).unwrap();
        assert_eq!(again, prop);
        assert_eq!(
            Property::from_pairs(1, 1, [(p1, o2)]),
            Err(InvalidProperty::OutputIndex {
                index: 1,
                num_outputs: 1
            })
        );
    }
}
