//! Testing toolkit for networks: mutation analysis of test suites, the HTML report of a test
//! generation run, and grayscale images of inputs.

pub mod image;
pub mod mutate;
pub mod report;
