//! Dense row-major matrices: the weights of an affine layer.

use serde::Serialize;

/// A dense `rows × cols` matrix of f64, stored row by row.
///
/// Weights read from float32 files are stored exactly (every f32 is an f64), so evaluating in
/// f32 recovers the file's values bit for bit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Matrix {
    rows: usize,
    cols: usize,
    data: Vec<f64>,
}

impl Matrix {
    /// A matrix from its rows laid end to end; `None` when `data.len() != rows * cols`.
    pub fn from_row_major(rows: usize, cols: usize, data: Vec<f64>) -> Option<Matrix> {
        (rows.checked_mul(cols) == Some(data.len())).then_some(Matrix { rows, cols, data })
    }

    /// The all-zero matrix.
    pub fn zeros(rows: usize, cols: usize) -> Matrix {
        Matrix {
            rows,
            cols,
            data: vec![0.0; rows * cols],
        }
    }

    /// The identity matrix of size `n`.
    pub fn identity(n: usize) -> Matrix {
        let mut m = Matrix::zeros(n, n);
        for i in 0..n {
            m.set(i, i, 1.0);
        }
        m
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn cols(&self) -> usize {
        self.cols
    }

    pub fn get(&self, r: usize, c: usize) -> f64 {
        self.data[r * self.cols + c]
    }

    pub fn set(&mut self, r: usize, c: usize, v: f64) {
        self.data[r * self.cols + c] = v;
    }

    /// Row `r` as a slice of `cols` entries.
    pub fn row(&self, r: usize) -> &[f64] {
        &self.data[r * self.cols..(r + 1) * self.cols]
    }

    /// All entries, row by row.
    pub fn as_slice(&self) -> &[f64] {
        &self.data
    }

    /// The product `self · other` in f64.
    pub fn matmul(&self, other: &Matrix) -> Matrix {
        assert_eq!(
            self.cols, other.rows,
            "matrix product of incompatible shapes"
        );
        let mut out = Matrix::zeros(self.rows, other.cols);
        for r in 0..self.rows {
            for k in 0..self.cols {
                let a = self.get(r, k);
                if a == 0.0 {
                    continue;
                }
                let src = other.row(k);
                let dst = &mut out.data[r * other.cols..(r + 1) * other.cols];
                for (d, s) in dst.iter_mut().zip(src) {
                    *d += a * s;
                }
            }
        }
        out
    }

    /// The product `self · v` in f64.
    pub fn mul_vec(&self, v: &[f64]) -> Vec<f64> {
        assert_eq!(
            self.cols,
            v.len(),
            "matrix-vector product of incompatible shapes"
        );
        (0..self.rows)
            .map(|r| self.row(r).iter().zip(v).map(|(a, b)| a * b).sum())
            .collect()
    }

    /// Multiplies row `r` by `s[r]` (a diagonal matrix on the left).
    pub fn scale_rows(&mut self, s: &[f64]) {
        for (r, &f) in s.iter().enumerate().take(self.rows) {
            for v in &mut self.data[r * self.cols..(r + 1) * self.cols] {
                *v *= f;
            }
        }
    }

    /// Multiplies column `c` by `s[c]` (a diagonal matrix on the right).
    pub fn scale_cols(&mut self, s: &[f64]) {
        for r in 0..self.rows {
            for (v, f) in self.data[r * self.cols..(r + 1) * self.cols]
                .iter_mut()
                .zip(s)
            {
                *v *= f;
            }
        }
    }

    /// Number of non-zero entries.
    pub fn nonzeros(&self) -> usize {
        self.data.iter().filter(|v| **v != 0.0).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn product_matches_hand_computation() {
        let a = Matrix::from_row_major(2, 3, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
        let b = Matrix::from_row_major(3, 1, vec![1.0, 0.5, -1.0]).unwrap();
        assert_eq!(a.matmul(&b).as_slice(), &[-1.0, 0.5]);
        assert_eq!(a.mul_vec(&[1.0, 0.5, -1.0]), vec![-1.0, 0.5]);
        assert!(Matrix::from_row_major(2, 2, vec![1.0]).is_none());
    }

    #[test]
    fn diagonal_scaling() {
        let mut a = Matrix::identity(2);
        a.scale_rows(&[2.0, 3.0]);
        a.scale_cols(&[5.0, 7.0]);
        assert_eq!(a.as_slice(), &[10.0, 0.0, 0.0, 21.0]);
        assert_eq!(a.nonzeros(), 2);
    }
}
