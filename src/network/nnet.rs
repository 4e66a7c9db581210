//! Reader for the `.nnet` text format (Kyle Julian's, used by Reluplex and Marabou for ACAS Xu).
//!
//! Layout after `//` comment lines: `numLayers,inputSize,outputSize,maxLayerSize`; the
//! `numLayers+1` layer sizes; a legacy "symmetric" flag; input minimums; input maximums;
//! `inputSize+1` means and `inputSize+1` ranges (the last of each is for the outputs); then
//! for each layer its weight rows (one row per output neuron) followed by its biases. Every
//! layer but the last is followed by a ReLU.

use super::error::NnetError;
use super::layer::{Affine, Clamp, Elementwise, ElementwiseOp, Layer, LayerKind};
use super::matrix::Matrix;
use super::{Format, Network, Normalization, Precision, Provenance, Units};
use std::path::Path;

/// One number of the file with its position, for error messages.
struct Token {
    value: f64,
    line: usize,
    column: usize,
}

/// The file as lines of comma-separated numbers, with comments skipped.
struct Lines<'a> {
    path: &'a Path,
    lines: Vec<(usize, &'a str)>,
    next: usize,
}

impl<'a> Lines<'a> {
    fn new(path: &'a Path, text: &'a str) -> Lines<'a> {
        let lines = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l))
            .filter(|(_, l)| !l.trim_start().starts_with("//") && !l.trim().is_empty())
            .collect();
        Lines {
            path,
            lines,
            next: 0,
        }
    }

    fn error(&self, line: usize, column: usize, problem: impl Into<String>) -> NnetError {
        NnetError {
            path: self.path.to_path_buf(),
            line,
            column,
            problem: problem.into(),
        }
    }

    fn last_line(&self) -> usize {
        self.lines.last().map_or(1, |(n, _)| *n)
    }

    /// The numbers of the next header line; `what` says what the line should hold.
    fn header_line(&mut self, what: &str) -> Result<Vec<Token>, NnetError> {
        let Some(&(line, text)) = self.lines.get(self.next) else {
            return Err(self.error(
                self.last_line(),
                1,
                format!("the file ends where {what} were expected"),
            ));
        };
        self.next += 1;
        tokenize(line, text).map_err(|(column, tok)| {
            self.error(
                line,
                column,
                format!("expected a number in {what}, found '{tok}'"),
            )
        })
    }

    /// Every number after the header, in order.
    fn remaining_tokens(&mut self) -> Result<Vec<Token>, NnetError> {
        let mut all = Vec::new();
        for &(line, text) in &self.lines[self.next..] {
            let toks = tokenize(line, text).map_err(|(column, tok)| {
                self.error(line, column, format!("expected a number, found '{tok}'"))
            })?;
            all.extend(toks);
        }
        self.next = self.lines.len();
        Ok(all)
    }
}

/// Splits a line on commas (and whitespace); `Err((column, token))` for a non-number.
fn tokenize(line: usize, text: &str) -> Result<Vec<Token>, (usize, String)> {
    let mut out = Vec::new();
    let mut start = 0;
    for piece in text.split(',') {
        let trimmed = piece.trim();
        let column = start + piece.find(trimmed).unwrap_or(0) + 1;
        start += piece.len() + 1;
        if trimmed.is_empty() {
            continue;
        }
        for word in trimmed.split_whitespace() {
            let col = column + trimmed.find(word).unwrap_or(0);
            match word.parse::<f64>() {
                Ok(value) if value.is_finite() => out.push(Token {
                    value,
                    line,
                    column: col,
                }),
                _ => return Err((col, word.to_string())),
            }
        }
    }
    Ok(out)
}

/// Reads a count (a non-negative integer) from a token.
fn count(lines: &Lines, tok: &Token, what: &str) -> Result<usize, NnetError> {
    if tok.value >= 0.0 && tok.value.fract() == 0.0 && tok.value < 1e9 {
        Ok(tok.value as usize)
    } else {
        Err(lines.error(
            tok.line,
            tok.column,
            format!("{what} must be a non-negative integer, found {}", tok.value),
        ))
    }
}

/// Takes exactly `n` numbers of a header line.
fn exactly(
    lines: &Lines,
    toks: Vec<Token>,
    n: usize,
    what: &str,
    line_hint: usize,
) -> Result<Vec<f64>, NnetError> {
    if toks.len() != n {
        let (line, column) = toks.first().map_or((line_hint, 1), |t| (t.line, t.column));
        return Err(lines.error(
            line,
            column,
            format!("expected {n} {what}, found {}", toks.len()),
        ));
    }
    Ok(toks.into_iter().map(|t| t.value).collect())
}

/// Parses a `.nnet` file into a network taking inputs in the requested units.
pub fn read_nnet(path: &Path, text: &str, units: Units) -> Result<Network, NnetError> {
    let mut lines = Lines::new(path, text);

    let dims =
        lines.header_line("the dimensions (numLayers, inputSize, outputSize, maxLayerSize)")?;
    let first_line = dims.first().map_or(1, |t| t.line);
    if dims.len() < 3 {
        return Err(lines.error(
            first_line,
            1,
            format!(
                "expected numLayers, inputSize, outputSize, maxLayerSize, found {} numbers",
                dims.len()
            ),
        ));
    }
    let num_layers = count(&lines, &dims[0], "numLayers")?;
    let input_size = count(&lines, &dims[1], "inputSize")?;
    let output_size = count(&lines, &dims[2], "outputSize")?;
    if num_layers == 0 {
        return Err(lines.error(dims[0].line, dims[0].column, "numLayers must be at least 1"));
    }

    let size_toks = lines.header_line("the layer sizes")?;
    let size_line = size_toks.first().map_or(first_line + 1, |t| t.line);
    if size_toks.len() != num_layers + 1 {
        return Err(lines.error(
            size_line,
            1,
            format!(
                "expected {} layer sizes (numLayers + 1), found {}",
                num_layers + 1,
                size_toks.len()
            ),
        ));
    }
    let mut sizes = Vec::with_capacity(size_toks.len());
    for t in &size_toks {
        let n = count(&lines, t, "a layer size")?;
        if n == 0 {
            return Err(lines.error(t.line, t.column, "a layer size must be positive"));
        }
        sizes.push(n);
    }
    if sizes[0] != input_size || sizes[num_layers] != output_size {
        return Err(lines.error(
            size_line,
            1,
            format!(
                "the layer sizes start at {} and end at {} but the header says {input_size} inputs and {output_size} outputs",
                sizes[0], sizes[num_layers]
            ),
        ));
    }

    lines.header_line("the symmetric flag")?;
    let header_vec = |lines: &mut Lines, n: usize, what: &str| -> Result<Vec<f64>, NnetError> {
        let hint = lines
            .lines
            .get(lines.next)
            .map_or(lines.last_line(), |(l, _)| *l);
        let toks = lines.header_line(what)?;
        exactly(lines, toks, n, what, hint)
    };
    let input_min = header_vec(&mut lines, input_size, "input minimums")?;
    let input_max = header_vec(&mut lines, input_size, "input maximums")?;
    let means = header_vec(&mut lines, input_size + 1, "means (inputs, then output)")?;
    let ranges = header_vec(&mut lines, input_size + 1, "ranges (inputs, then output)")?;
    if let Some(i) = (0..input_size).find(|&i| input_min[i] > input_max[i]) {
        return Err(lines.error(
            first_line,
            1,
            format!(
                "input {i} has minimum {} above maximum {}",
                input_min[i], input_max[i]
            ),
        ));
    }
    if let Some(i) = ranges.iter().position(|r| *r == 0.0) {
        return Err(lines.error(first_line, 1, format!("range {i} is zero")));
    }

    let numbers = lines.remaining_tokens()?;
    let needed: usize = (0..num_layers).map(|k| sizes[k + 1] * (sizes[k] + 1)).sum();
    if numbers.len() != needed {
        let (line, column) = if numbers.len() > needed {
            (numbers[needed].line, numbers[needed].column)
        } else {
            (lines.last_line(), 1)
        };
        return Err(lines.error(
            line,
            column,
            format!(
                "expected {needed} weights and biases for layer sizes {sizes:?}, found {}",
                numbers.len()
            ),
        ));
    }

    let mut layers = Vec::new();
    let mut values = numbers.iter().map(|t| t.value);
    let mut core = Vec::new();
    for k in 0..num_layers {
        let (fan_in, fan_out) = (sizes[k], sizes[k + 1]);
        let weights: Vec<f64> = values.by_ref().take(fan_in * fan_out).collect();
        let bias: Vec<f64> = values.by_ref().take(fan_out).collect();
        let weights = Matrix::from_row_major(fan_out, fan_in, weights)
            .ok_or_else(|| lines.error(lines.last_line(), 1, "internal: weight count"))?;
        core.push(Layer {
            kind: LayerKind::Affine(Affine { weights, bias }),
            output_shape: vec![fan_out],
            origin: format!("layer {}", k + 1),
        });
        if k + 1 < num_layers {
            core.push(Layer {
                kind: LayerKind::Relu,
                output_shape: vec![fan_out],
                origin: format!("relu {}", k + 1),
            });
        }
    }

    let normalization = Normalization {
        input_min,
        input_max,
        input_mean: means[..input_size].to_vec(),
        input_range: ranges[..input_size].to_vec(),
        output_mean: means[input_size],
        output_range: ranges[input_size],
    };
    if units == Units::Raw {
        layers.extend(raw_input_layers(&normalization));
        layers.extend(core);
        layers.extend(raw_output_layers(&normalization, output_size));
    } else {
        layers = core;
    }
    let provenance = Provenance {
        path: Some(path.to_path_buf()),
        format: Format::Nnet,
        precision: Precision::F64,
        opset: None,
        input_name: "x".into(),
        output_name: "y".into(),
        normalization: Some(normalization),
        units,
    };
    Network::new(vec![input_size], layers, vec![output_size], provenance)
        .map_err(|e| lines.error(first_line, 1, e.to_string()))
}

/// Clamp to `[min, max]`, subtract the mean, divide by the range: the reference
/// implementation's input normalisation, step by step.
fn raw_input_layers(n: &Normalization) -> Vec<Layer> {
    let shape = vec![n.input_mean.len()];
    let layer = |kind, origin: &str| Layer {
        kind,
        output_shape: shape.clone(),
        origin: origin.into(),
    };
    vec![
        layer(
            LayerKind::Clamp(Clamp {
                lower: n.input_min.clone(),
                upper: n.input_max.clone(),
            }),
            "input clipping",
        ),
        layer(
            LayerKind::Elementwise(Elementwise {
                op: ElementwiseOp::Add,
                operand: n.input_mean.iter().map(|m| -m).collect(),
            }),
            "input mean",
        ),
        layer(
            LayerKind::Elementwise(Elementwise {
                op: ElementwiseOp::Div,
                operand: n.input_range.clone(),
            }),
            "input range",
        ),
    ]
}

/// Multiply by the output range, add the output mean.
fn raw_output_layers(n: &Normalization, outputs: usize) -> Vec<Layer> {
    let layer = |op, value: f64, origin: &str| Layer {
        kind: LayerKind::Elementwise(Elementwise {
            op,
            operand: vec![value; outputs],
        }),
        output_shape: vec![outputs],
        origin: origin.into(),
    };
    vec![
        layer(ElementwiseOp::Mul, n.output_range, "output range"),
        layer(ElementwiseOp::Add, n.output_mean, "output mean"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 2-input, 2-hidden, 1-output network whose outputs are easy to compute by hand.
    const TINY: &str = "// tiny test network\n\
        2,2,1,2,\n\
        2,2,1,\n\
        0,\n\
        -1.0,0.0,\n\
        1.0,10.0,\n\
        0.5,5.0,1.0,\n\
        2.0,10.0,4.0,\n\
        1.0,-1.0,\n\
        0.5,2.0,\n\
        0.0,\n\
        -1.0,\n\
        1.0,1.0,\n\
        0.25,\n";

    fn read(text: &str, units: Units) -> Result<Network, NnetError> {
        read_nnet(Path::new("tiny.nnet"), text, units)
    }

    #[test]
    fn normalised_network_is_the_core() {
        let net = read(TINY, Units::Normalized).unwrap();
        assert_eq!(
            (net.num_inputs(), net.num_outputs(), net.num_relus()),
            (2, 1, 2)
        );
        // h1 = relu(x0 - x1), h2 = relu(0.5 x0 + 2 x1 - 1), y = h1 + h2 + 0.25
        let y = net.eval(&[1.0f64, 0.5]).unwrap();
        assert_eq!(y, vec![0.5 + 0.5 + 0.25]);
    }

    #[test]
    fn raw_network_normalises_clips_and_scales() {
        let net = read(TINY, Units::Raw).unwrap();
        // raw (2.0, 5.0): x0 clipped to 1.0 -> (1-0.5)/2 = 0.25; x1 -> (5-5)/10 = 0
        // h1 = 0.25, h2 = relu(0.125 - 1) = 0, y = 0.5 -> raw 0.5*4 + 1 = 3
        assert_eq!(net.eval(&[2.0f64, 5.0]).unwrap(), vec![3.0]);
    }

    #[test]
    fn errors_name_line_and_column() {
        let bad_number = TINY.replace("0.5,2.0,", "0.5,2.x0,");
        let e = read(&bad_number, Units::Normalized).unwrap_err();
        assert_eq!((e.line, e.column), (10, 5), "{e}");
        assert!(e.to_string().contains("'2.x0'"), "{e}");

        let short = TINY.replace("0.25,\n", "");
        let e = read(&short, Units::Normalized).unwrap_err();
        assert!(
            e.to_string().contains("expected 9 weights and biases"),
            "{e}"
        );

        let long = format!("{TINY}7,\n");
        let e = read(&long, Units::Normalized).unwrap_err();
        assert_eq!(e.line, 15, "{e}");

        let sizes = TINY.replace("2,2,1,\n", "3,2,1,\n");
        let e = read(&sizes, Units::Normalized).unwrap_err();
        assert!(e.to_string().contains("header says 2 inputs"), "{e}");

        let e = read("// only a comment\n", Units::Normalized).unwrap_err();
        assert!(e.to_string().contains("file ends"), "{e}");

        let means = TINY.replace("0.5,5.0,1.0,", "0.5,5.0,");
        let e = read(&means, Units::Normalized).unwrap_err();
        assert_eq!(e.line, 7, "{e}");
    }
}
