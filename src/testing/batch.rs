//! A batch of f32 vectors, one row per test: the inputs of a test suite, or one layer's
//! activations over it.

/// A dense `rows × cols` matrix of f32, stored row by row (row `t` is test `t`).
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    rows: usize,
    cols: usize,
    data: Vec<f32>,
}

impl Batch {
    /// A batch from its rows laid end to end; `None` when `data.len() != rows * cols`.
    pub fn from_row_major(rows: usize, cols: usize, data: Vec<f32>) -> Option<Batch> {
        (rows.checked_mul(cols) == Some(data.len())).then_some(Batch { rows, cols, data })
    }

    /// A batch from its rows; `None` when they are not all `cols` long.
    pub fn from_rows(cols: usize, rows: &[Vec<f32>]) -> Option<Batch> {
        if rows.iter().any(|r| r.len() != cols) {
            return None;
        }
        Some(Batch {
            rows: rows.len(),
            cols,
            data: rows.concat(),
        })
    }

    /// The empty batch of vectors of width `cols`.
    pub fn empty(cols: usize) -> Batch {
        Batch {
            rows: 0,
            cols,
            data: Vec::new(),
        }
    }

    /// The number of tests.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The width of every vector.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Value `c` of test `r`.
    pub fn get(&self, r: usize, c: usize) -> f32 {
        self.data[r * self.cols + c]
    }

    /// Test `r`'s vector.
    pub fn row(&self, r: usize) -> &[f32] {
        &self.data[r * self.cols..(r + 1) * self.cols]
    }

    /// Every test's vector, first to last.
    pub fn iter_rows(&self) -> impl Iterator<Item = &[f32]> + '_ {
        // `chunks_exact(0)` panics; a batch of zero-width vectors has `rows` empty rows.
        (0..self.rows).map(move |r| self.row(r))
    }

    /// All values, row by row.
    pub fn as_slice(&self) -> &[f32] {
        &self.data
    }

    pub(crate) fn as_mut_slice(&mut self) -> &mut [f32] {
        &mut self.data
    }

    /// Appends test `row` (`None`, and nothing appended, when its width is wrong).
    pub fn push_row(&mut self, row: &[f32]) -> Option<()> {
        (row.len() == self.cols).then(|| {
            self.data.extend_from_slice(row);
            self.rows += 1;
        })
    }

    /// The batch of the given tests, in the given order.
    pub fn select_rows(&self, rows: &[usize]) -> Batch {
        let mut data = Vec::with_capacity(rows.len() * self.cols);
        for &r in rows {
            data.extend_from_slice(self.row(r));
        }
        Batch {
            rows: rows.len(),
            cols: self.cols,
            data,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_and_selection() {
        let mut b = Batch::from_rows(2, &[vec![1.0, 2.0], vec![3.0, 4.0]]).unwrap();
        assert_eq!(b.push_row(&[5.0]), None);
        b.push_row(&[5.0, 6.0]).unwrap();
        assert_eq!(b.rows(), 3);
        assert_eq!(b.get(2, 1), 6.0);
        let s = b.select_rows(&[2, 0]);
        assert_eq!(s.as_slice(), &[5.0, 6.0, 1.0, 2.0]);
        assert_eq!(s.iter_rows().count(), 2);
        assert!(Batch::from_row_major(2, 2, vec![0.0; 3]).is_none());
        assert_eq!(
            Batch::from_row_major(3, 0, vec![])
                .unwrap()
                .iter_rows()
                .count(),
            3
        );
    }
}
