//! vera's own property language: readable `.vera` specs in the units and names of the
//! problem, checked with diagnostics that point into the file, lowered to [`Property`].
//!
//! ```text
//! network acas = "../../benchmarks/acasxu/onnx/ACASXU_run2a_1_1_batch_2000.onnx"
//! inputs  rho, theta, psi, v_own, v_int
//! outputs coc, weak_left, weak_right, strong_left, strong_right
//! normalize inputs  mean [19791.091, 0.0, 0.0, 650.0, 600.0]
//!                   range [60261.0, 6.28318530718, 6.28318530718, 1100.0, 1200.0]
//! normalize outputs mean 7.5188840201005975 range 373.94992
//! property phi3 {
//!   requires 1500 <= rho <= 1800 and -0.06 <= theta <= 0.06 and psi >= 3.10
//!   requires v_own >= 980 and v_int >= 960
//!   ensures argmin(y) != coc
//! }
//! ```
//!
//! [`parse_file`] reads, checks and lowers a file: every `property` becomes a [`Property`]
//! (its `requires` the input region, the negation of its `ensures` the unsafe outputs, with
//! `normalize` folded in exactly), every `query ... compute bounds` a [`BoundsQuery`]. The
//! language is described in `specs/README.md`. Pipeline: `lexer` → `parser` (syntax tree
//! in `ast`) → `resolve` (declarations, networks) with `check` (names, shapes, linearity)
//! → `formula` (negation, DNF) → `lower` (normalisation, IR).
//!
//! [`Property`]: crate::spec::Property

mod ast;
mod check;
mod diagnostic;
mod export;
mod formula;
mod lexer;
mod lower;
mod parser;
mod resolve;
mod spec;

pub use check::MAX_L1_DIMENSION;
pub use diagnostic::{Diagnostic, Diagnostics, Span};
pub use export::{decimal_outward, vnnlib_text, EXPORT_DIGITS};
pub use formula::MAX_DNF_DISJUNCTS;
pub use spec::{
    BoundTarget, BoundsQuery, Interface, Item, ItemKind, NetworkDecl, Scaling, Spec, UnknownItem,
};

use std::path::Path;

/// Reads, checks and lowers a `.vera` file; network and tensor paths are relative to its
/// folder. Networks are loaded (to know their shapes).
pub fn parse_file(path: &Path) -> Result<Spec, Diagnostics> {
    let display = path.display().to_string();
    match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(source) => parse_str(&source, path),
            Err(e) => Err(Diagnostics {
                file: display,
                source: String::new(),
                list: vec![Diagnostic::whole_file(format!(
                    "not a text file (invalid UTF-8 at byte {})",
                    e.utf8_error().valid_up_to()
                ))],
            }),
        },
        Err(e) => Err(Diagnostics {
            file: display.clone(),
            source: String::new(),
            list: vec![Diagnostic::whole_file(format!(
                "cannot read {display}: {e}"
            ))],
        }),
    }
}

/// Stack for checking a spec: the checker recurses over expressions, whose operator chains
/// nest up to [`parser::MAX_OPERATORS`] deep, more than a default thread's stack holds.
const CHECK_STACK_BYTES: usize = 256 << 20;

/// Checks and lowers `.vera` text; `path` names it in diagnostics and its folder anchors
/// relative paths.
pub fn parse_str(source: &str, path: &Path) -> Result<Spec, Diagnostics> {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("vera-spec-check".into())
            .stack_size(CHECK_STACK_BYTES)
            .spawn_scoped(scope, || parse_on_this_thread(source, path))
            .map_or_else(
                |_| parse_on_this_thread(source, path),
                |h| {
                    h.join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                },
            )
    })
}

fn parse_on_this_thread(source: &str, path: &Path) -> Result<Spec, Diagnostics> {
    let fail = |list| Diagnostics {
        file: path.display().to_string(),
        source: source.to_string(),
        list,
    };
    let tokens = lexer::tokenize(source).map_err(|d| fail(vec![d]))?;
    let items = parser::parse(&tokens).map_err(fail)?;
    let base = path.parent().unwrap_or(Path::new(""));
    resolve::resolve(&items, source, base, path).map_err(fail)
}
