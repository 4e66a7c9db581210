//! Hidden neurons by layer and index, and one flag per neuron: the state of the per-neuron
//! criteria.

use super::{Count, Objective};
use serde::Serialize;

/// A neuron: `index` of layer `layer`, hidden layers numbered from 0 (the output layer, where
/// a criterion includes it, is numbered after the last hidden one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Neuron {
    pub layer: usize,
    pub index: usize,
}

/// One flag per neuron of every layer, e.g. "covered".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeuronFlags {
    layers: Vec<Vec<bool>>,
}

impl NeuronFlags {
    /// All flags clear, for layers of the given widths.
    pub fn new(widths: &[usize]) -> NeuronFlags {
        NeuronFlags {
            layers: widths.iter().map(|w| vec![false; *w]).collect(),
        }
    }

    pub fn get(&self, n: Neuron) -> bool {
        self.layers[n.layer][n.index]
    }

    pub fn set(&mut self, n: Neuron) {
        self.layers[n.layer][n.index] = true;
    }

    /// Layer `layer`'s flags.
    pub fn layer(&self, layer: usize) -> &[bool] {
        &self.layers[layer]
    }

    pub(crate) fn layer_mut(&mut self, layer: usize) -> &mut [bool] {
        &mut self.layers[layer]
    }

    /// The number of flags set.
    pub fn set_count(&self) -> usize {
        self.layers.iter().flatten().filter(|f| **f).count()
    }

    /// The number of neurons.
    pub fn len(&self) -> usize {
        self.layers.iter().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Set flags out of all, as a per-neuron criterion counts its objectives.
    pub fn count(&self) -> Count {
        Count {
            covered: self.set_count(),
            total: self.len(),
        }
    }

    /// The neurons whose flag is clear as objectives, layer by layer.
    pub fn clear_objectives(&self) -> Vec<Objective> {
        self.clear_neurons()
            .into_iter()
            .map(Objective::Neuron)
            .collect()
    }

    /// The neurons whose flag is clear, layer by layer.
    pub fn clear_neurons(&self) -> Vec<Neuron> {
        let mut out = Vec::new();
        for (layer, flags) in self.layers.iter().enumerate() {
            for (index, f) in flags.iter().enumerate() {
                if !f {
                    out.push(Neuron { layer, index });
                }
            }
        }
        out
    }
}
