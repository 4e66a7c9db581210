//! Constant tensors of an ONNX graph: decoding initializers, and numpy-style broadcasting.

use crate::network::Precision;
use crate::onnx_proto::{tensor_proto::DataType, TensorProto};

/// The values of a constant tensor.
#[derive(Debug, Clone, PartialEq)]
pub enum TensorData {
    /// Floating-point values, stored as f64 (exact for float32 data).
    Float(Vec<f64>, Precision),
    /// Integer values (shapes, axes, indices); booleans as 0/1.
    Int(Vec<i64>),
}

/// A tensor whose value is known when the model is read.
#[derive(Debug, Clone, PartialEq)]
pub struct ConstTensor {
    pub shape: Vec<usize>,
    pub data: TensorData,
}

impl ConstTensor {
    pub fn len(&self) -> usize {
        match &self.data {
            TensorData::Float(v, _) => v.len(),
            TensorData::Int(v) => v.len(),
        }
    }

    /// The values as floats (integers converted).
    pub fn floats(&self) -> Vec<f64> {
        match &self.data {
            TensorData::Float(v, _) => v.clone(),
            TensorData::Int(v) => v.iter().map(|x| *x as f64).collect(),
        }
    }

    /// The values as integers, when the tensor holds integers.
    pub fn ints(&self) -> Option<&[i64]> {
        match &self.data {
            TensorData::Int(v) => Some(v),
            TensorData::Float(..) => None,
        }
    }

    /// The precision of float data (float32 for integer data, which only meets floats in
    /// float32 models in practice).
    pub fn precision(&self) -> Precision {
        match &self.data {
            TensorData::Float(_, p) => *p,
            TensorData::Int(_) => Precision::F32,
        }
    }

    /// A float tensor, rounding each value to f32 when the precision says so.
    pub fn float(shape: Vec<usize>, values: Vec<f64>, precision: Precision) -> ConstTensor {
        let values = match precision {
            Precision::F32 => values.into_iter().map(|v| v as f32 as f64).collect(),
            Precision::F64 => values,
        };
        ConstTensor {
            shape,
            data: TensorData::Float(values, precision),
        }
    }

    /// The same data with another shape of equal size.
    pub fn reshaped(&self, shape: Vec<usize>) -> ConstTensor {
        ConstTensor {
            shape,
            data: self.data.clone(),
        }
    }
}

/// Decodes an initializer or a `Constant` node's tensor; `Err` says what is wrong.
pub fn decode(t: &TensorProto) -> Result<ConstTensor, String> {
    let mut shape = Vec::with_capacity(t.dims.len());
    for &d in &t.dims {
        if d < 0 {
            return Err(format!("has a negative dimension {d}"));
        }
        shape.push(d as usize);
    }
    let n: usize = shape.iter().product();
    if !t.external_data.is_empty() || t.data_location == Some(1) {
        return Err("stores its data in an external file, which vera does not read".into());
    }
    let raw = t.raw_data.as_deref().filter(|r| !r.is_empty());
    let data_type = t.data_type.unwrap_or(0);
    let data = match DataType::try_from(data_type) {
        Ok(DataType::Float) => TensorData::Float(
            match raw {
                Some(r) => chunks::<4>(r, n)?
                    .map(|b| f32::from_le_bytes(b) as f64)
                    .collect(),
                None => t.float_data.iter().map(|v| *v as f64).collect(),
            },
            Precision::F32,
        ),
        Ok(DataType::Double) => TensorData::Float(
            match raw {
                Some(r) => chunks::<8>(r, n)?.map(f64::from_le_bytes).collect(),
                None => t.double_data.clone(),
            },
            Precision::F64,
        ),
        Ok(DataType::Int64) => TensorData::Int(match raw {
            Some(r) => chunks::<8>(r, n)?.map(i64::from_le_bytes).collect(),
            None => t.int64_data.clone(),
        }),
        Ok(DataType::Int32) => TensorData::Int(match raw {
            Some(r) => chunks::<4>(r, n)?
                .map(|b| i32::from_le_bytes(b) as i64)
                .collect(),
            None => t.int32_data.iter().map(|v| *v as i64).collect(),
        }),
        Ok(DataType::Bool) | Ok(DataType::Int8) | Ok(DataType::Uint8) => {
            TensorData::Int(match raw {
                Some(r) => r
                    .iter()
                    .map(|b| match DataType::try_from(data_type) {
                        Ok(DataType::Int8) => *b as i8 as i64,
                        _ => *b as i64,
                    })
                    .collect(),
                None => t.int32_data.iter().map(|v| *v as i64).collect(),
            })
        }
        Ok(other) => {
            return Err(format!(
            "has element type {}, which vera does not support (float, double, int64, int32, bool)",
            other.as_str_name()
        ))
        }
        Err(_) => return Err(format!("has an unknown element type {data_type}")),
    };
    let tensor = ConstTensor { shape, data };
    if tensor.len() != n {
        return Err(format!(
            "declares shape {:?} ({n} values) but holds {} values",
            tensor.shape,
            tensor.len()
        ));
    }
    Ok(tensor)
}

/// Splits little-endian raw data into `n` chunks of `B` bytes, checking the length.
fn chunks<const B: usize>(
    raw: &[u8],
    n: usize,
) -> Result<impl Iterator<Item = [u8; B]> + '_, String> {
    if raw.len() != n * B {
        return Err(format!(
            "holds {} bytes of raw data where {n} values need {}",
            raw.len(),
            n * B
        ));
    }
    Ok(raw.chunks_exact(B).map(|c| {
        let mut b = [0u8; B];
        b.copy_from_slice(c);
        b
    }))
}

/// The numpy broadcast of two shapes, or `None` when they are incompatible.
pub fn broadcast_shape(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let rank = a.len().max(b.len());
    let dim = |s: &[usize], i: usize| {
        let offset = rank - s.len();
        if i < offset {
            1
        } else {
            s[i - offset]
        }
    };
    (0..rank)
        .map(|i| match (dim(a, i), dim(b, i)) {
            (x, y) if x == y => Some(x),
            (1, y) => Some(y),
            (x, 1) => Some(x),
            _ => None,
        })
        .collect()
}

/// Repeats `values` (of shape `from`) to fill shape `to`, which `from` broadcasts to.
pub fn broadcast_to<T: Copy>(values: &[T], from: &[usize], to: &[usize]) -> Vec<T> {
    let n: usize = to.iter().product();
    let offset = to.len() - from.len();
    let mut out = Vec::with_capacity(n);
    let mut index = vec![0usize; to.len()];
    for _ in 0..n {
        let mut src = 0;
        for (i, &f) in from.iter().enumerate() {
            let idx = if f == 1 { 0 } else { index[i + offset] };
            src = src * f + idx;
        }
        out.push(values[src]);
        for axis in (0..to.len()).rev() {
            index[axis] += 1;
            if index[axis] < to[axis] {
                break;
            }
            index[axis] = 0;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasting_follows_numpy() {
        assert_eq!(broadcast_shape(&[1, 5], &[5]), Some(vec![1, 5]));
        assert_eq!(broadcast_shape(&[2, 1], &[1, 3]), Some(vec![2, 3]));
        assert_eq!(broadcast_shape(&[2], &[3]), None);
        assert_eq!(
            broadcast_to(&[1, 2, 3], &[3], &[2, 3]),
            vec![1, 2, 3, 1, 2, 3]
        );
        assert_eq!(
            broadcast_to(&[1, 2], &[2, 1], &[2, 3]),
            vec![1, 1, 1, 2, 2, 2]
        );
        assert_eq!(broadcast_to(&[7], &[], &[2]), vec![7, 7]);
    }

    #[test]
    fn raw_data_length_is_checked() {
        let t = TensorProto {
            dims: vec![2],
            data_type: Some(DataType::Float as i32),
            raw_data: Some(vec![0; 7]),
            ..Default::default()
        };
        assert!(decode(&t).unwrap_err().contains("7 bytes"));
        let t = TensorProto {
            dims: vec![2],
            data_type: Some(DataType::Float as i32),
            float_data: vec![1.0],
            ..Default::default()
        };
        assert!(decode(&t).unwrap_err().contains("holds 1 values"));
    }
}
