//! What a checked `.vera` file gives: its networks, and its properties and bounds queries
//! lowered to the property IR, with the names and units to report results in.

use crate::network::Network;
use crate::spec::{InputRegion, Property};
use num_rational::BigRational;
use std::path::PathBuf;

/// A checked spec file.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The file it was read from.
    pub path: PathBuf,
    /// Declared networks, in file order.
    pub networks: Vec<NetworkDecl>,
    /// Properties and queries, in file order.
    pub items: Vec<Item>,
}

/// `network NAME = "PATH"`, loaded (in normalised units for `.nnet`, as VNN-LIB expects).
#[derive(Debug, Clone)]
pub struct NetworkDecl {
    pub name: String,
    /// The path as resolved against the spec file's folder.
    pub path: PathBuf,
    pub network: Network,
}

/// A named property or bounds query about one of the spec's networks.
#[derive(Debug, Clone)]
pub struct Item {
    pub name: String,
    /// Index into [`Spec::networks`].
    pub network: usize,
    /// Names and units of the network's inputs and outputs as the spec writes them.
    pub interface: Interface,
    pub kind: ItemKind,
}

/// What an item asks.
#[derive(Debug, Clone)]
pub enum ItemKind {
    /// A safety property, stated by its unsafe set in the network's own units.
    Property(Property),
    /// `query ... compute bounds ...`: ranges of output expressions over an input region.
    Bounds(BoundsQuery),
}

/// The input region of a `query` and the quantities whose range it asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct BoundsQuery {
    /// In the network's own (normalised) units.
    pub inputs: InputRegion,
    pub targets: Vec<BoundTarget>,
}

/// `sum_j coefficient_j * Y_j + constant`, with `Y` the network's outputs in its own units;
/// the value is in the spec's units (for `compute bounds coc`, the raw score of `coc`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoundTarget {
    /// How the spec wrote it (`coc`, `y[3]`, `y[0] - y[1]`).
    pub label: String,
    pub terms: Vec<(usize, BigRational)>,
    pub constant: BigRational,
}

/// The names and units of a network's inputs and outputs in a spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interface {
    /// One name per input: as declared by `inputs`, else `x[i]`.
    pub input_names: Vec<String>,
    /// One name per output: as declared by `outputs`, else `y[j]`.
    pub output_names: Vec<String>,
    /// `normalize inputs`, per input.
    pub input_scaling: Option<Scaling>,
    /// `normalize outputs`, per output.
    pub output_scaling: Option<Scaling>,
}

/// `network value = (spec value - mean) / range`, per element, exact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scaling {
    pub mean: Vec<BigRational>,
    pub range: Vec<BigRational>,
}

impl Scaling {
    /// Network values back to the spec's units: `value * range + mean`.
    pub fn to_spec_units(&self, values: &[f64]) -> Vec<f64> {
        values
            .iter()
            .zip(self.mean.iter().zip(&self.range))
            .map(|(v, (m, r))| v * crate::spec::to_f64(r) + crate::spec::to_f64(m))
            .collect()
    }
}

impl Interface {
    /// A network input vector in the spec's units.
    pub fn inputs_in_spec_units(&self, x: &[f64]) -> Vec<f64> {
        self.input_scaling
            .as_ref()
            .map_or_else(|| x.to_vec(), |s| s.to_spec_units(x))
    }

    /// A network output vector in the spec's units.
    pub fn outputs_in_spec_units(&self, y: &[f64]) -> Vec<f64> {
        self.output_scaling
            .as_ref()
            .map_or_else(|| y.to_vec(), |s| s.to_spec_units(y))
    }
}

/// `--property NAME` named nothing in the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no property or query named `{name}` in {file}{}", suggestion.as_ref().map(|s| format!("; did you mean `{s}`?")).unwrap_or_default())]
pub struct UnknownItem {
    pub name: String,
    pub file: String,
    pub suggestion: Option<String>,
}

impl Spec {
    /// The property or query called `name`.
    pub fn item(&self, name: &str) -> Result<&Item, UnknownItem> {
        self.items.iter().find(|i| i.name == name).ok_or_else(|| {
            let names = self.items.iter().map(|i| i.name.as_str());
            UnknownItem {
                name: name.to_string(),
                file: self.path.display().to_string(),
                suggestion: super::diagnostic::closest(name, names).map(str::to_string),
            }
        })
    }

    /// The properties (not the queries), with their names.
    pub fn properties(&self) -> impl Iterator<Item = (&Item, &Property)> {
        self.items.iter().filter_map(|i| match &i.kind {
            ItemKind::Property(p) => Some((i, p)),
            ItemKind::Bounds(_) => None,
        })
    }
}
