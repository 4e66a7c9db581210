//! The report page: one self-contained HTML file (inline CSS and SVG, images as data URIs).

use super::folder::{AdversarialInput, Run};
use super::ReportError;
use crate::testing::image::{png_bytes, square_side};
use base64::Engine;
use std::fmt::Write;
use std::path::Path;

/// Values listed for an input that is not drawn as an image.
const VALUES_SHOWN: usize = 64;

/// Displayed size of an image in CSS pixels (pixelated upscaling of e.g. 28×28).
const IMAGE_SIDE_PX: usize = 112;

const STYLE: &str = "body{font-family:sans-serif;margin:2em;color:#222;max-width:1100px}\
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:4px 10px;text-align:right}\
th:first-child,td:first-child{text-align:left}\
.charts{display:flex;flex-wrap:wrap;gap:16px}figure.chart{margin:0;width:540px;max-width:100%}figure.chart svg{width:100%;height:auto}\
.gallery{display:flex;flex-wrap:wrap;gap:12px}.gallery figure{margin:0;text-align:center;font-size:12px}\
.gallery img{width:112px;height:112px;image-rendering:pixelated;border:1px solid #ccc}\
.gallery code{display:block;max-width:240px;white-space:pre-wrap;text-align:left;font-size:11px}";

/// The page for a folder's runs, their charts (SVG, in run order) and adversarial inputs.
pub fn render(
    dir: &Path,
    runs: &[Run],
    charts: &[String],
    adversarial: &[AdversarialInput],
    tests: Option<usize>,
) -> Result<String, ReportError> {
    let title = format!("vera test report: {}", dir.display());
    let mut html = String::new();
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body>\n<h1>{}</h1>\n",
        escape(&title),
        escape(&title)
    );
    if let Some(n) = tests {
        let _ = writeln!(html, "<p>{n} tests in <code>tests.csv</code>.</p>");
    }
    html.push_str("<h2>Summary</h2>\n<table class=\"summary\"><tr><th>criterion</th><th>covered</th><th>total</th><th>coverage</th><th>tests</th><th>adversarial</th><th>time (s)</th></tr>\n");
    for run in runs {
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.1}%</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&run.title()),
            run.covered,
            run.total,
            run.percent(),
            run.test_count().map_or("-".into(), |n| n.to_string()),
            run.adversarial,
            run.seconds().map_or("-".into(), |t| format!("{t:.2}")),
        );
    }
    html.push_str("</table>\n<h2>Coverage over time</h2>\n<div class=\"charts\">\n");
    for (i, (run, svg)) in runs.iter().zip(charts).enumerate() {
        let _ = writeln!(
            html,
            "<figure class=\"chart\" id=\"chart-{i}\" data-criterion=\"{}\">{}</figure>",
            escape(&run.criterion),
            strip_xml_declaration(svg)
        );
    }
    html.push_str("</div>\n");
    let _ = writeln!(html, "<h2>Adversarial inputs ({})</h2>", adversarial.len());
    if adversarial.is_empty() {
        html.push_str("<p>None found.</p>\n");
    } else {
        html.push_str("<div class=\"gallery\">\n");
        for input in adversarial {
            html.push_str(&figure(input)?);
        }
        html.push_str("</div>\n");
    }
    html.push_str("</body></html>\n");
    Ok(html)
}

/// One adversarial input: its picture (the generator's, or drawn when it is square), else
/// its values.
fn figure(input: &AdversarialInput) -> Result<String, ReportError> {
    let name = escape(&input.name);
    let drawn = match (&input.png, square_side(input.values.len())) {
        (Some(png), _) => Some(png.clone()),
        (None, Some(side)) => {
            Some(
                png_bytes(&input.values, side, side).map_err(|e| ReportError::Malformed {
                    path: format!("adversarial/{}.csv", input.name).into(),
                    problem: e.to_string(),
                })?,
            )
        }
        (None, None) => None,
    };
    Ok(match drawn {
        Some(png) => format!(
            "<figure class=\"adversarial\"><img alt=\"adversarial input {name}\" width=\"{IMAGE_SIDE_PX}\" height=\"{IMAGE_SIDE_PX}\" src=\"data:image/png;base64,{}\"><figcaption>#{name}</figcaption></figure>\n",
            base64::engine::general_purpose::STANDARD.encode(png)
        ),
        None => {
            let shown: Vec<String> = input
                .values
                .iter()
                .take(VALUES_SHOWN)
                .map(|v| format!("{v}"))
                .collect();
            let more = input.values.len().saturating_sub(VALUES_SHOWN);
            let tail = if more > 0 { format!(", … ({more} more)") } else { String::new() };
            format!(
                "<figure class=\"adversarial\"><code>{}{tail}</code><figcaption>#{name}</figcaption></figure>\n",
                escape(&shown.join(", "))
            )
        }
    })
}

/// An SVG document without its `<?xml ...?>` line, for inlining in HTML.
fn strip_xml_declaration(svg: &str) -> &str {
    match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => svg,
    }
}

/// Text for HTML element content and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
