//! Drawing mutants: which sites each operator mutates, chosen at random under a seed.

use super::operator::{Mutation, Operator, Parameters, Site};
use super::MutateError;
use crate::network::{InvalidNetwork, Layer, Network};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeSet;

/// A mutated copy of a network, kept as the layers it replaces in the original (so that
/// hundreds of mutants of a large network cost little memory).
#[derive(Debug, Clone)]
pub struct Mutant<'a> {
    /// The mutant's number, from 0, in the order mutants are generated.
    pub id: usize,
    pub operator: Operator,
    pub site: Site,
    pub description: String,
    original: &'a Network,
    mutation: Mutation,
}

impl Mutant<'_> {
    /// The first layer whose computation differs from the original's.
    pub fn first_changed(&self) -> usize {
        self.mutation.start
    }

    /// The mutant's layers from [`Mutant::first_changed`] on.
    pub fn layers_from_change(&self) -> impl Iterator<Item = &Layer> {
        let rest = &self.original.layers()[self.mutation.end..];
        self.mutation.layers.iter().chain(rest)
    }

    /// True when the mutation changed nothing (the same layers as the original's).
    pub fn is_unchanged(&self) -> bool {
        self.mutation.layers == self.original.layers()[self.mutation.start..self.mutation.end]
    }

    /// The mutant as a whole network.
    pub fn network(&self) -> Result<Network, InvalidNetwork> {
        let net = self.original;
        let mut layers = net.layers()[..self.mutation.start].to_vec();
        layers.extend(self.layers_from_change().cloned());
        Network::new(
            net.input_shape().to_vec(),
            layers,
            net.output_shape().to_vec(),
            net.provenance().clone(),
        )
    }
}

/// Which mutants to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct MutantPlan {
    pub operators: Vec<Operator>,
    /// Mutants per operator (fewer when an operator has fewer sites; GF draws with
    /// replacement, so always this many).
    pub per_operator: usize,
    pub seed: u64,
    /// Mutate only these layers (indices into the network's layers as read); `None` for all.
    pub layers: Option<BTreeSet<usize>>,
    pub parameters: Parameters,
}

/// The mutants of `net` that `plan` asks for, operator by operator.
///
/// Each operator draws from a random stream of its own, seeded by the plan's seed and the
/// operator, so adding or removing an operator does not change the others' mutants. Sites
/// are drawn uniformly among all the operator's sites (over every eligible layer), without
/// repetition; GF draws a layer uniformly for each mutant.
pub fn generate<'a>(net: &'a Network, plan: &MutantPlan) -> Result<Vec<Mutant<'a>>, MutateError> {
    if let Some(layers) = &plan.layers {
        if let Some(&l) = layers.iter().find(|&&l| l >= net.layers().len()) {
            return Err(MutateError::NoSuchLayer {
                layer: l,
                layers: net.layers().len(),
            });
        }
    }
    let mut mutants = Vec::new();
    for &op in &plan.operators {
        let mut rng = operator_rng(plan.seed, op);
        let blocks: Vec<(usize, usize)> = op
            .layers(net)
            .into_iter()
            .filter(|(l, _)| plan.layers.as_ref().is_none_or(|set| set.contains(l)))
            .collect();
        for site in sites(op, &blocks, plan.per_operator, &mut rng) {
            let mutation = op.apply(net, &site, &plan.parameters, &mut rng);
            let mutant = Mutant {
                id: mutants.len(),
                operator: op,
                site,
                description: mutation.description.clone(),
                original: net,
                mutation,
            };
            // Checked once here, so that every mutant is a valid network.
            mutant.network().map_err(|source| MutateError::Invalid {
                description: mutant.description.clone(),
                source,
            })?;
            mutants.push(mutant);
        }
    }
    Ok(mutants)
}

/// The random stream of one operator under one seed.
fn operator_rng(seed: u64, op: Operator) -> StdRng {
    let index = Operator::ALL.iter().position(|o| *o == op).unwrap_or(0) as u64;
    StdRng::seed_from_u64(seed ^ (index + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// `count` sites among `blocks` (layer, number of sites), in layer and site order.
fn sites(op: Operator, blocks: &[(usize, usize)], count: usize, rng: &mut StdRng) -> Vec<Site> {
    if blocks.is_empty() || count == 0 {
        return Vec::new();
    }
    if op == Operator::Gf {
        return (0..count)
            .map(|_| op.site(blocks[rng.gen_range(0..blocks.len())].0, 0))
            .collect();
    }
    let total: usize = blocks.iter().map(|(_, n)| n).sum();
    let mut chosen = rand::seq::index::sample(rng, total, count.min(total)).into_vec();
    chosen.sort_unstable();
    chosen
        .into_iter()
        .map(|mut index| {
            for &(layer, n) in blocks {
                if index < n {
                    return op.site(layer, index);
                }
                index -= n;
            }
            unreachable!("a sampled index is below the total number of sites")
        })
        .collect()
}
