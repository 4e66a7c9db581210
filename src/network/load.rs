//! Loading a network from a file: format detection, gzip, and the choice of units.

use super::error::{LoadError, NnetError};
use super::{nnet, onnx, Network};
use flate2::read::GzDecoder;
use serde::Serialize;
use std::io::Read;
use std::path::Path;

/// The units a loaded network takes its inputs and gives its outputs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Units {
    /// As the network computes: `.nnet` networks without their normalisation, ONNX as is.
    /// VNN-LIB properties (and the ONNX twins of the ACAS Xu networks) use these.
    #[default]
    Normalized,
    /// Raw units for `.nnet` networks: inputs are clipped and normalised, outputs scaled
    /// back, by explicit layers (as the Reluplex paper states its properties).
    Raw,
}

/// How to load a network.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadOptions {
    pub units: Units,
}

/// Loads an ONNX (`.onnx`, `.onnx.gz`) or `.nnet` (`.nnet.gz`) network in normalised units.
pub fn load(path: &Path) -> Result<Network, LoadError> {
    load_with(path, LoadOptions::default())
}

/// Loads a network with explicit options.
pub fn load_with(path: &Path, options: LoadOptions) -> Result<Network, LoadError> {
    let raw = std::fs::read(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let bytes = if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        GzDecoder::new(raw.as_slice())
            .read_to_end(&mut out)
            .map_err(|source| LoadError::Gzip {
                path: path.to_path_buf(),
                source,
            })?;
        out
    } else {
        raw
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    let is_nnet = if name.ends_with(".nnet") {
        true
    } else if name.ends_with(".onnx") {
        false
    } else {
        looks_like_nnet(&bytes)
    };
    log::debug!(
        "loading {} as {}",
        path.display(),
        if is_nnet { "nnet" } else { "onnx" }
    );
    if is_nnet {
        let text = std::str::from_utf8(&bytes).map_err(|e| NnetError {
            path: path.to_path_buf(),
            line: 1,
            column: 1,
            problem: format!(
                "not a text file (invalid UTF-8 at byte {})",
                e.valid_up_to()
            ),
        })?;
        Ok(nnet::read_nnet(path, text, options.units)?)
    } else {
        if options.units == Units::Raw {
            return Err(LoadError::NoNormalization {
                path: path.to_path_buf(),
            });
        }
        Ok(onnx::read_onnx(path, &bytes)?)
    }
}

/// A `.nnet` file is text that starts with `//` comments or a number.
fn looks_like_nnet(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok_and(|t| {
        let t = t.trim_start();
        t.starts_with("//") || t.starts_with(|c: char| c.is_ascii_digit())
    })
}
