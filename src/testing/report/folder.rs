//! Reading a test generation folder: the runs of `report.json`, the adversarial inputs and
//! the number of tests.

use super::ReportError;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Coverage after one step of a generator.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct HistoryPoint {
    pub time_s: f64,
    pub covered: u64,
    pub tests: u64,
}

/// One generator run for one coverage criterion.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Run {
    pub criterion: String,
    pub covered: u64,
    pub total: u64,
    #[serde(default)]
    pub adversarial: u64,
    #[serde(default)]
    pub time_s: Option<f64>,
    #[serde(default)]
    pub history: Vec<HistoryPoint>,
    #[serde(default)]
    pub tests: Option<u64>,
    #[serde(default)]
    pub generator: Option<String>,
}

/// An adversarial input found by a generator.
#[derive(Debug, Clone, PartialEq)]
pub struct AdversarialInput {
    /// The file's stem: `<k>` of `<k>.csv`.
    pub name: String,
    pub values: Vec<f32>,
    /// The generator's picture (`<k>.png`), if it wrote one.
    pub png: Option<Vec<u8>>,
}

impl Run {
    /// The run's title: its criterion, and its generator when named.
    pub fn title(&self) -> String {
        match &self.generator {
            Some(g) => format!("{} ({g})", self.criterion),
            None => self.criterion.clone(),
        }
    }

    /// Coverage in percent (0 when there is nothing to cover).
    pub fn percent(&self) -> f64 {
        percent(self.covered, self.total)
    }

    /// The run's time: as given, else the last history time.
    pub fn seconds(&self) -> Option<f64> {
        self.time_s
            .or_else(|| self.history.last().map(|p| p.time_s))
    }

    /// The tests generated: as given, else the last history count.
    pub fn test_count(&self) -> Option<u64> {
        self.tests.or_else(|| self.history.last().map(|p| p.tests))
    }

    /// What no run can mean: more covered than there is, negative or unordered times.
    fn problem(&self) -> Option<String> {
        if self.covered > self.total {
            return Some(format!(
                "covered {} exceeds total {}",
                self.covered, self.total
            ));
        }
        if let Some(t) = self.time_s.filter(|t| !(t.is_finite() && *t >= 0.0)) {
            return Some(format!("time_s is {t}, expected seconds >= 0"));
        }
        let mut last = 0.0;
        for (i, p) in self.history.iter().enumerate() {
            if !(p.time_s.is_finite() && p.time_s >= last) {
                return Some(format!(
                    "history[{i}].time_s is {}, expected seconds >= 0 and not before the previous point",
                    p.time_s
                ));
            }
            if p.covered > self.total {
                return Some(format!(
                    "history[{i}].covered {} exceeds total {}",
                    p.covered, self.total
                ));
            }
            last = p.time_s;
        }
        None
    }
}

/// `covered / total` in percent, 0 for an empty total.
pub fn percent(covered: u64, total: u64) -> f64 {
    if total == 0 {
        0.0
    } else {
        100.0 * covered as f64 / total as f64
    }
}

/// What `report.json` must hold, for messages.
const EXPECTED: &str = "expected a run {\"criterion\": NAME, \"covered\": C, \"total\": T, \
\"history\": [{\"time_s\": S, \"covered\": C, \"tests\": N}, ...], ...} or {\"runs\": [RUN, ...]}";

/// The runs of a `report.json`.
pub fn read_runs(path: &Path) -> Result<Vec<Run>, ReportError> {
    let text = std::fs::read_to_string(path).map_err(|source| ReportError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let malformed = |problem: String| ReportError::Malformed {
        path: path.to_path_buf(),
        problem,
    };
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| malformed(format!("not JSON ({e}); {EXPECTED}")))?;
    let (items, single) = match value {
        serde_json::Value::Object(mut map) if map.contains_key("runs") => {
            match map.remove("runs") {
                Some(serde_json::Value::Array(items)) => (items, false),
                _ => return Err(malformed(format!("\"runs\" is not a list; {EXPECTED}"))),
            }
        }
        object @ serde_json::Value::Object(_) => (vec![object], true),
        _ => return Err(malformed(format!("not an object; {EXPECTED}"))),
    };
    if items.is_empty() {
        return Err(malformed(format!("\"runs\" is empty; {EXPECTED}")));
    }
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            let place = if single {
                String::new()
            } else {
                format!("runs[{i}]: ")
            };
            let run: Run = serde_json::from_value(item)
                .map_err(|e| malformed(format!("{place}{e}; {EXPECTED}")))?;
            match run.problem() {
                Some(p) => Err(malformed(format!("{place}{p}"))),
                None => Ok(run),
            }
        })
        .collect()
}

/// The adversarial inputs of a folder (none when it does not exist), by number.
pub fn read_adversarial(dir: &Path) -> Result<Vec<AdversarialInput>, ReportError> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let read_error = |source| ReportError::Read {
        path: dir.to_path_buf(),
        source,
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(read_error)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .collect();
    files.sort_by_key(|p| {
        let stem = stem(p);
        (stem.parse::<u64>().unwrap_or(u64::MAX), stem)
    });
    files.iter().map(|p| read_one(p)).collect()
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// One adversarial input, and its picture when there is one.
fn read_one(path: &Path) -> Result<AdversarialInput, ReportError> {
    let text = std::fs::read_to_string(path).map_err(|source| ReportError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let malformed = |problem: String| ReportError::Malformed {
        path: path.to_path_buf(),
        problem,
    };
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .collect();
    let [(line, cells)] = lines.as_slice() else {
        return Err(malformed(format!(
            "expected one input on one line (comma-separated numbers), got {} lines",
            lines.len()
        )));
    };
    let values = cells
        .split(',')
        .enumerate()
        .map(|(i, cell)| {
            cell.trim()
                .parse::<f32>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| {
                    malformed(format!(
                        "line {}: value {} ('{}') is not a finite number",
                        line + 1,
                        i + 1,
                        cell.trim()
                    ))
                })
        })
        .collect::<Result<Vec<f32>, _>>()?;
    let png_path = path.with_extension("png");
    let png = if png_path.is_file() {
        let bytes = std::fs::read(&png_path).map_err(|source| ReportError::Read {
            path: png_path.clone(),
            source,
        })?;
        if !bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            return Err(ReportError::Malformed {
                path: png_path,
                problem: "not a PNG image".into(),
            });
        }
        Some(bytes)
    } else {
        None
    };
    Ok(AdversarialInput {
        name: stem(path),
        values,
        png,
    })
}

/// The number of non-blank lines of `tests.csv`, `None` when there is no such file.
pub fn count_tests(path: &Path) -> Result<Option<usize>, ReportError> {
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(path).map_err(|source| ReportError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(Some(text.lines().filter(|l| !l.trim().is_empty()).count()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runs_of(text: &str) -> Result<Vec<Run>, ReportError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.json");
        std::fs::write(&path, text).unwrap();
        read_runs(&path)
    }

    #[test]
    fn one_run_or_several() {
        let one = runs_of(r#"{"criterion": "ss", "covered": 3, "total": 4, "extra": 1}"#).unwrap();
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].percent(), 75.0);
        assert_eq!(one[0].seconds(), None);
        let two = runs_of(
            r#"{"runs": [{"criterion": "nc", "covered": 0, "total": 0},
                {"criterion": "ss", "generator": "fuzz", "covered": 1, "total": 2,
                 "history": [{"time_s": 0.5, "covered": 1, "tests": 7}]}]}"#,
        )
        .unwrap();
        assert_eq!(two[1].title(), "ss (fuzz)");
        assert_eq!(
            (two[1].seconds(), two[1].test_count()),
            (Some(0.5), Some(7))
        );
    }

    #[test]
    fn malformed_runs_say_what_was_expected() {
        let e = runs_of("{").unwrap_err().to_string();
        assert!(
            e.contains("report.json: not JSON") && e.contains("expected a run"),
            "{e}"
        );
        let e = runs_of(r#"{"covered": 1, "total": 2}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("missing field `criterion`"), "{e}");
        let e = runs_of(r#"{"runs": [{"criterion": "a", "covered": 3, "total": 2}]}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("runs[0]: covered 3 exceeds total 2"), "{e}");
        let e = runs_of(
            r#"{"criterion": "a", "covered": 1, "total": 2,
                "history": [{"time_s": 2, "covered": 1, "tests": 1}, {"time_s": 1, "covered": 1, "tests": 2}]}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("history[1].time_s is 1"), "{e}");
        assert!(runs_of(r#"{"runs": []}"#).is_err());
        assert!(runs_of("[1]").is_err());
    }
}
