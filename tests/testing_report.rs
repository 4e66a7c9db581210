//! `vera test report DIR` end to end: a folder laid out as a test generator writes it (runs
//! for two criteria, tests, adversarial inputs with and without pictures) becomes one
//! self-contained HTML page with a chart per run and the images; missing or malformed
//! `report.json` files give messages naming the file and what was expected.

mod common;

use base64::Engine;
use common::vera;
use std::path::Path;
use vera::testing::image::{png_bytes, write_png};

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A 28×28 digit-like picture: a bright vertical bar on black.
fn bar() -> Vec<f32> {
    (0..784)
        .map(|i| {
            if (12..16).contains(&(i % 28)) {
                1.0
            } else {
                0.0
            }
        })
        .collect()
}

fn csv_line(values: &[f32]) -> String {
    let cells: Vec<String> = values.iter().map(|v| v.to_string()).collect();
    cells.join(",") + "\n"
}

fn lay_out(dir: &Path) {
    std::fs::write(
        dir.join("report.json"),
        r#"{"runs": [
            {"criterion": "ss", "generator": "fuzz", "covered": 60, "total": 100,
             "adversarial": 2, "time_s": 3.0,
             "history": [{"time_s": 0.0, "covered": 0, "tests": 0},
                         {"time_s": 1.0, "covered": 40, "tests": 10},
                         {"time_s": 2.5, "covered": 60, "tests": 25}]},
            {"criterion": "nc<&>", "covered": 7, "total": 8, "adversarial": 0,
             "history": [{"time_s": 0.5, "covered": 7, "tests": 3}]}
        ]}"#,
    )
    .unwrap();
    std::fs::write(dir.join("tests.csv"), csv_line(&bar()).repeat(3)).unwrap();
    let adv = dir.join("adversarial");
    std::fs::create_dir(&adv).unwrap();
    std::fs::write(adv.join("0.csv"), csv_line(&bar())).unwrap();
    let mut second = bar();
    second[0] = 0.5;
    std::fs::write(adv.join("1.csv"), csv_line(&second)).unwrap();
    write_png(&adv.join("1.png"), &second, 28, 28).unwrap();
    std::fs::write(adv.join("2.csv"), "0.25,-0.5,1,2,3\n").unwrap();
}

#[test]
fn report_has_a_chart_per_run_and_the_images() {
    let dir = tempfile::tempdir().unwrap();
    lay_out(dir.path());
    let out = vera(&["test", "report", dir.path().to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("(2 runs, 3 adversarial inputs, 3 tests)"),
        "{said}"
    );
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_eq!(html.matches("<figure class=\"chart\"").count(), 2);
    assert_eq!(html.matches("<svg").count(), 2);
    assert!(html.contains("ss (fuzz) coverage over time"));
    // Markup in names is escaped, in the table and in the chart.
    assert!(html.contains("nc&lt;&amp;&gt;") && !html.contains("nc<&>"));
    assert!(html.contains(
        "<td>ss (fuzz)</td><td>60</td><td>100</td><td>60.0%</td><td>25</td><td>2</td><td>3.00</td>"
    ));
    // The picture drawn from 0.csv is the PNG of its values; 1.png is embedded as written.
    let encode = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    assert!(html.contains(&encode(&png_bytes(&bar(), 28, 28).unwrap())));
    let mut second = bar();
    second[0] = 0.5;
    assert!(html.contains(&encode(&png_bytes(&second, 28, 28).unwrap())));
    assert_eq!(html.matches("src=\"data:image/png;base64,").count(), 2);
    // A 5-value input is listed.
    assert!(html.contains("<code>0.25, -0.5, 1, 2, 3</code>"));
    // Self-contained: nothing to fetch.
    assert!(!html.contains("src=\"http") && !html.contains("href=\"http"));
    assert!(!html.contains("<script") && !html.contains("<link"));
}

#[test]
fn a_single_run_without_adversarial_inputs() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("report.json"),
        r#"{"criterion": "kmnc", "covered": 5, "total": 10, "adversarial": 0, "time_s": 0}"#,
    )
    .unwrap();
    let out = vera(&["test", "report", dir.path().to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert_eq!(html.matches("<figure class=\"chart\"").count(), 1);
    assert!(html.contains("None found."));
}

#[test]
fn missing_or_malformed_folders_are_explained() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let out = vera(&["test", "report", d]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!("{d}/report.json: cannot read")),
        "{}",
        stderr(&out)
    );
    let cases = [
        (
            "{\"criterion\": 1}",
            "invalid type: integer `1`, expected a string",
        ),
        (
            "{\"criterion\": \"ss\", \"total\": 3}",
            "missing field `covered`",
        ),
        ("[]", "not an object; expected a run {\"criterion\""),
        (
            "{\"runs\": [{\"criterion\": \"ss\", \"covered\": 4, \"total\": 3}]}",
            "runs[0]: covered 4 exceeds total 3",
        ),
        ("not json", "not JSON"),
    ];
    for (text, expected) in cases {
        std::fs::write(dir.path().join("report.json"), text).unwrap();
        let out = vera(&["test", "report", d]);
        assert_eq!(out.status.code(), Some(1), "{text}");
        let e = stderr(&out);
        assert!(
            e.contains(&format!("{d}/report.json: ")) && e.contains(expected),
            "{text}: {e}"
        );
    }
    std::fs::write(
        dir.path().join("report.json"),
        r#"{"criterion": "ss", "covered": 1, "total": 3}"#,
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("adversarial")).unwrap();
    std::fs::write(dir.path().join("adversarial/0.csv"), "1,zz\n").unwrap();
    let e = stderr(&vera(&["test", "report", d]));
    assert!(
        e.contains("adversarial/0.csv: line 1: value 2 ('zz') is not a finite number"),
        "{e}"
    );
}
