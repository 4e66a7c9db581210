//! A test suite: network inputs read from a CSV file (one input per line, comma-separated
//! numbers, no header), stored row by row in f32, the precision the tests are run in.
//!
//! The file is read by [`crate::testing::tests_file`].

use crate::testing::tests_file::TestsFileError;
use std::path::Path;

/// Inputs of one width, laid end to end.
#[derive(Debug, Clone, PartialEq)]
pub struct TestSuite {
    width: usize,
    values: Vec<f32>,
}

impl TestSuite {
    /// A suite from inputs laid end to end; `None` when `values` is not a whole number of
    /// inputs of `width` values (or `width` is 0).
    pub fn new(width: usize, values: Vec<f32>) -> Option<TestSuite> {
        (width > 0 && values.len().is_multiple_of(width)).then_some(TestSuite { width, values })
    }

    /// Number of values in one input.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Number of tests.
    pub fn len(&self) -> usize {
        self.values.len() / self.width
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Test `i` (0-based).
    pub fn input(&self, i: usize) -> &[f32] {
        &self.values[i * self.width..(i + 1) * self.width]
    }
}

/// Reads a tests file for a network of `width` inputs (see [`crate::testing::tests_file`]).
pub fn read_tests(path: &Path, width: usize) -> Result<TestSuite, TestsFileError> {
    let batch = crate::testing::tests_file::read_tests(path, width)?;
    Ok(TestSuite {
        width: batch.cols(),
        values: batch.as_slice().to_vec(),
    })
}
