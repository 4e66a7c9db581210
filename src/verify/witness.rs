//! Turning candidate points into confirmed counterexamples: the probe at a box's centre and
//! the replay (with retries for boundary points) of an engine's candidate.

use super::VerifyError;
use crate::engine::{Budget, Engine, EngineAnswer};
use crate::network::Network;
use crate::query::Query;
use crate::replay::{replay, Replay};
use crate::spec::{InputBox, Property};
use num_rational::BigRational;

/// How far inward output atoms are moved when a boundary witness fails float replay: each
/// retry asks for a counterexample with `delta·(1 + |bound|)` to spare, enough to absorb
/// float32 rounding of a network's outputs (about 1e-6 relative on ACAS Xu) at the second.
const WITNESS_MARGINS: [(i64, i64); 2] = [(1, 1_000_000), (1, 10_000)];

/// Tries the centre of a bounded input box: on many properties (a robustness region around a
/// misclassified point, say) it is already a counterexample, and replay confirms it at no
/// search cost.
pub(crate) fn probe_centre(
    net: &Network,
    property: &Property,
    bounds: &InputBox,
) -> Result<Option<Replay>, VerifyError> {
    let two = BigRational::from_integer(2.into());
    let centre: Option<Vec<BigRational>> = bounds
        .lower
        .iter()
        .zip(&bounds.upper)
        .map(|(l, u)| Some((l.as_ref()? + u.as_ref()?) / &two))
        .collect();
    let Some(centre) = centre else {
        return Ok(None);
    };
    let r = replay(net, property, bounds, &centre)?;
    Ok(r.confirmed().then_some(r))
}

/// What became of an engine's candidate.
pub(crate) enum Confirmation {
    Confirmed(Replay),
    /// Why the verdict must stay unknown.
    Failed(String),
}

/// Replays a candidate; when it fails float replay on the boundary, asks the engine for one
/// with room to spare.
pub(crate) fn confirm(
    net: &Network,
    property: &Property,
    engine: &dyn Engine,
    budget: &Budget,
    query: &Query,
    bounds: &InputBox,
    candidate: Vec<BigRational>,
) -> Result<Confirmation, VerifyError> {
    let first = replay(net, property, bounds, &candidate)?;
    if first.confirmed() {
        return Ok(Confirmation::Confirmed(first));
    }
    if !first.candidate_ok {
        log::error!(
            "engine {} returned a witness that fails exact replay; this is an engine bug",
            engine.name()
        );
        return Ok(Confirmation::Failed("witness failed replay".into()));
    }
    for (n, d) in WITNESS_MARGINS {
        let delta = BigRational::new(n.into(), d.into());
        if let EngineAnswer::Counterexample(c) =
            engine.check(&query.strengthened(&delta), budget)?
        {
            let r = replay(net, property, bounds, &c)?;
            if r.confirmed() {
                return Ok(Confirmation::Confirmed(r));
            }
        }
    }
    Ok(Confirmation::Failed(format!(
        "witness failed replay once rounded to {:?} (the engine's exact point is a \
         counterexample; rounded: exact margin {:e}, float margin {:e})",
        first.precision, first.exact_margin, first.float_margin
    )))
}
