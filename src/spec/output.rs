//! Unsafe output sets in disjunctive normal form over linear atoms on the outputs.

use super::linear::LinearConstraint;

/// A conjunction of linear atoms over the network's outputs (`Y_j`). An empty conjunction
/// is the whole output space.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OutputConjunction {
    pub atoms: Vec<LinearConstraint>,
}

impl OutputConjunction {
    /// A conjunction with repeated atoms removed (first occurrence kept), so equal sets
    /// compare equal however often a file repeats an atom.
    pub fn new(atoms: Vec<LinearConstraint>) -> OutputConjunction {
        let mut kept: Vec<LinearConstraint> = Vec::with_capacity(atoms.len());
        for atom in atoms {
            if !kept.contains(&atom) {
                kept.push(atom);
            }
        }
        OutputConjunction { atoms: kept }
    }
}

/// The unsafe outputs: a disjunction of conjunctions. An empty disjunction is the empty set
/// (nothing is unsafe).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OutputDnf {
    pub disjuncts: Vec<OutputConjunction>,
}

impl OutputDnf {
    /// A DNF with repeated disjuncts removed (first occurrence kept).
    pub fn new(disjuncts: Vec<OutputConjunction>) -> OutputDnf {
        let mut kept: Vec<OutputConjunction> = Vec::with_capacity(disjuncts.len());
        for d in disjuncts {
            if !kept.contains(&d) {
                kept.push(d);
            }
        }
        OutputDnf { disjuncts: kept }
    }
}
