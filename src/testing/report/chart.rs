//! The coverage-over-time chart of one run, as an SVG document (plotters' SVG backend).

use super::folder::{percent, Run};
use super::ReportError;
use plotters::prelude::*;

/// Chart size in pixels (the SVG scales with the page).
const SIZE: (u32, u32) = (640, 320);

/// Coverage (percent of the criterion's items) against time (seconds), one point per
/// history entry, and the final coverage at the run's time.
pub fn coverage_chart(run: &Run) -> Result<String, ReportError> {
    let mut points: Vec<(f64, f64)> = run
        .history
        .iter()
        .map(|p| (p.time_s, percent(p.covered, run.total)))
        .collect();
    if let Some(t) = run.seconds() {
        if points.last().is_none_or(|(last, _)| *last <= t) {
            points.push((t, run.percent()));
        }
    }
    let end = points.iter().map(|p| p.0).fold(0.0, f64::max);
    let end = if end > 0.0 { end } else { 1.0 };
    let fail = |e: &dyn std::fmt::Display| ReportError::Chart {
        criterion: run.title(),
        problem: e.to_string(),
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(|e| fail(&e))?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!("{} coverage over time", run.title()),
                ("sans-serif", 20),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(0.0..end, 0.0..100.0)
            .map_err(|e| fail(&e))?;
        chart
            .configure_mesh()
            .x_desc("time (s)")
            .y_desc("coverage (%)")
            .label_style(("sans-serif", 14))
            .y_label_formatter(&|v| format!("{v:.0}"))
            .draw()
            .map_err(|e| fail(&e))?;
        let color = RGBColor(31, 119, 180);
        chart
            .draw_series(LineSeries::new(
                points.iter().copied(),
                color.stroke_width(2),
            ))
            .map_err(|e| fail(&e))?;
        chart
            .draw_series(points.iter().map(|p| Circle::new(*p, 3, color.filled())))
            .map_err(|e| fail(&e))?;
        root.present().map_err(|e| fail(&e))?;
    }
    Ok(svg)
}
