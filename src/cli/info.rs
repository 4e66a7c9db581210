//! `vera info`: what a network is — sizes, shapes, layers, ReLUs.

use crate::bnn::{Bnn, Rule};
use crate::network::{load_with, Layer, LayerKind, LoadOptions, Network, Units};
use clap::Args;
use serde_json::json;
use std::path::PathBuf;

/// Describe a network: inputs, outputs, layers and ReLU count.
///
/// The layers shown are the ones the engines see, after consecutive affine maps are folded.
///
/// Example: vera info benchmarks/acasxu/onnx/ACASXU_run2a_1_1_batch_2000.onnx --json
#[derive(Debug, Args)]
pub struct InfoArgs {
    /// The network: .onnx, .onnx.gz, .nnet or .nnet.gz.
    pub network: PathBuf,
    /// Describe the raw-unit network of a .nnet file (input clipping and normalisation and
    /// output scaling as explicit layers).
    #[arg(long)]
    pub raw_units: bool,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &InfoArgs) -> anyhow::Result<()> {
    let units = if args.raw_units {
        Units::Raw
    } else {
        Units::Normalized
    };
    let read = load_with(&args.network, LoadOptions { units })?;
    let net = read.folded();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&describe(&read, &net))?);
    } else {
        print_text(&read, &net);
    }
    Ok(())
}

/// Hidden neurons of a folded BNN, and how many of them are constant.
fn fold_counts(b: &Bnn) -> (usize, usize) {
    let neurons = b.hidden.iter().map(Vec::len).sum();
    let constant = b
        .hidden
        .iter()
        .flatten()
        .filter(|n| matches!(n.rule, Rule::Always(_)))
        .count();
    (neurons, constant)
}

/// The folded network for `vera info`, and the box it was folded over: all inputs, or for a
/// first layer over quantised inputs (which folds per box) the unit box [0, 1]^n, the domain of
/// image inputs.
fn fold_for_info(read: &Network) -> (Result<Bnn, crate::bnn::NotBinarised>, Option<&'static str>) {
    let quantised = read
        .layers()
        .iter()
        .any(|l| matches!(l.kind, LayerKind::Round));
    if !quantised {
        return (Bnn::from_network(read), None);
    }
    let n = read.num_inputs();
    let unit = crate::spec::InputBox {
        lower: vec![Some(num_traits::Zero::zero()); n],
        upper: vec![Some(num_traits::One::one()); n],
    };
    (Bnn::fold(read, &unit), Some("inputs in [0, 1]"))
}

/// `null` for networks without sign layers; else the folded network's counts or the reason
/// it does not fold.
fn bnn_fold_json(read: &Network) -> serde_json::Value {
    if read.kind() != "bnn" {
        return serde_json::Value::Null;
    }
    let (folded, over) = fold_for_info(read);
    let mut j = match folded {
        Ok(b) => {
            let (neurons, constant) = fold_counts(&b);
            json!({
                "hidden_layers": b.hidden.iter().map(Vec::len).collect::<Vec<_>>(),
                "hidden_neurons": neurons,
                "constant_neurons": constant,
                "input_bits": b.inputs.len(),
                "logits": b.logits.len(),
            })
        }
        Err(e) => json!({ "error": e.to_string() }),
    };
    if let Some(over) = over {
        j["folded_over"] = json!(over);
    }
    j
}

fn layer_json(net: &Network, i: usize, layer: &Layer) -> serde_json::Value {
    json!({
        "kind": layer.kind_name(),
        "inputs": net.layer_input_size(i),
        "outputs": layer.output_size(),
        "shape": layer.output_shape,
        "origin": layer.origin,
    })
}

/// The stable JSON shape of `vera info --json`.
fn describe(read: &Network, net: &Network) -> serde_json::Value {
    let p = net.provenance();
    json!({
        "path": p.path.as_ref().map(|p| p.display().to_string()),
        "format": p.format,
        "precision": p.precision,
        "opset": p.opset,
        "units": p.units,
        "inputs": net.num_inputs(),
        "outputs": net.num_outputs(),
        "kind": net.kind(),
        "bnn_fold": bnn_fold_json(read),
        "sign_layers": net.sign_layer_widths(),
        "relus": net.num_relus(),
        "relu_layers": net.relu_layer_widths(),
        "input_shape": net.input_shape(),
        "output_shape": net.output_shape(),
        "input_name": p.input_name,
        "output_name": p.output_name,
        "layers": net.layers().iter().enumerate().map(|(i, l)| layer_json(net, i, l)).collect::<Vec<_>>(),
        "layers_as_read": read.layers().len(),
        "normalization": p.normalization,
    })
}

fn print_text(read: &Network, net: &Network) {
    let p = net.provenance();
    if let Some(path) = &p.path {
        println!("network   {}", path.display());
    }
    let opset = p.opset.map(|o| format!(" opset {o},")).unwrap_or_default();
    let precision = match p.precision {
        crate::network::Precision::F32 => "float32",
        crate::network::Precision::F64 => "float64",
    };
    let format = match p.format {
        crate::network::Format::Onnx => "onnx",
        crate::network::Format::Nnet => "nnet",
        crate::network::Format::Memory => "memory",
    };
    println!("format    {format}{opset} {precision}");
    println!(
        "inputs    {:<5} shape {:?}, '{}'",
        net.num_inputs(),
        net.input_shape(),
        p.input_name
    );
    println!(
        "outputs   {:<5} shape {:?}, '{}'",
        net.num_outputs(),
        net.output_shape(),
        p.output_name
    );
    let signs = net.sign_layer_widths();
    if !signs.is_empty() {
        println!(
            "kind      bnn: {} sign (binarised) layers {signs:?}",
            signs.len()
        );
        let (folded, over) = fold_for_info(read);
        let over = over.map_or(String::new(), |o| format!(" (quantised inputs: {o})"));
        match folded {
            Ok(b) => {
                let (neurons, constant) = fold_counts(&b);
                println!(
                    "folded    to integers{over}: {} input bits, {neurons} hidden neurons ({constant} constant), {} logits",
                    b.inputs.len(),
                    b.logits.len()
                );
            }
            Err(e) => println!("folded    not foldable to integers{over}: {e}"),
        }
    }
    let widths = net.relu_layer_widths();
    println!(
        "relus     {:<5} in {} layers {widths:?}",
        net.num_relus(),
        widths.len()
    );
    if let Some(n) = &p.normalization {
        let units = match p.units {
            Units::Raw => "raw units (normalisation applied by the layers below)",
            Units::Normalized => "normalised units (--raw-units to apply the file's normalisation)",
        };
        println!("units     {units}");
        println!(
            "          input min {:?} max {:?}",
            n.input_min, n.input_max
        );
        println!(
            "          input mean {:?} range {:?}",
            n.input_mean, n.input_range
        );
        println!(
            "          output mean {} range {}",
            n.output_mean, n.output_range
        );
    }
    println!(
        "layers    {} ({} as read, consecutive affine maps folded)",
        net.layers().len(),
        read.layers().len()
    );
    for (i, layer) in net.layers().iter().enumerate() {
        let detail = match &layer.kind {
            LayerKind::Affine(a) => format!("{} nonzero weights", a.weights.nonzeros()),
            _ => String::new(),
        };
        let mut origin = layer.origin.clone();
        if origin.chars().count() > 48 {
            origin = origin.chars().take(45).collect::<String>() + "...";
        }
        println!(
            "  {i:>3}  {:<7} {:>6} -> {:<6} {detail:<22} {origin}",
            layer.kind_name(),
            net.layer_input_size(i),
            layer.output_size()
        );
    }
}
