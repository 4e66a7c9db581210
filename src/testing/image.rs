//! Grayscale PNG images of network inputs: a value in [0, 1] per pixel, row by row.
//!
//! Used by the report for 28×28 (and other square) inputs, and by test generators to save
//! adversarial inputs next to their CSV files.

use std::io;
use std::path::Path;

/// The PNG (8-bit grayscale) of `pixels`, row-major, `width × height` values in [0, 1].
///
/// A value `v` becomes the gray level `round(255·clamp(v, 0, 1))` (0 black, 255 white); NaN
/// is drawn black. Errors when `pixels` does not hold `width × height` values or the image is
/// empty.
pub fn png_bytes(pixels: &[f32], width: usize, height: usize) -> io::Result<Vec<u8>> {
    let count = width.checked_mul(height);
    if count != Some(pixels.len()) || pixels.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "an image of {width}×{height} pixels needs {} values, got {}",
                count.map_or("too many".to_string(), |c| c.to_string()),
                pixels.len()
            ),
        ));
    }
    let (w, h) = match (u32::try_from(width), u32::try_from(height)) {
        (Ok(w), Ok(h)) => (w, h),
        _ => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("an image of {width}×{height} pixels is too large for PNG"),
            ))
        }
    };
    let levels: Vec<u8> = pixels.iter().map(|&v| gray_level(v)).collect();
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, w, h);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(io::Error::other)?;
    writer.write_image_data(&levels).map_err(io::Error::other)?;
    writer.finish().map_err(io::Error::other)?;
    Ok(bytes)
}

/// Writes the PNG of `pixels` (see [`png_bytes`]) to `path`.
pub fn write_png(path: &Path, pixels: &[f32], width: usize, height: usize) -> io::Result<()> {
    std::fs::write(path, png_bytes(pixels, width, height)?)
}

/// The side of a square image with `values` pixels, when `values` is a square of at least 4×4
/// (28×28 for MNIST, 7×7 for a pooled digit); smaller or non-square inputs are not images.
pub fn square_side(values: usize) -> Option<usize> {
    let side = (values as f64).sqrt().round() as usize;
    (side >= 4 && side * side == values).then_some(side)
}

/// The 8-bit gray level of a value in [0, 1] (clamped; NaN is black).
fn gray_level(v: f32) -> u8 {
    if v.is_nan() {
        return 0;
    }
    (v.clamp(0.0, 1.0) * 255.0).round() as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_round_trips_through_a_decoder() {
        let pixels = [0.0, 0.5, 1.0, 2.0, -1.0, f32::NAN];
        let bytes = png_bytes(&pixels, 3, 2).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        let decoder = png::Decoder::new(bytes.as_slice());
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (3, 2));
        assert_eq!(&buf[..6], &[0, 128, 255, 255, 0, 0]);
    }

    #[test]
    fn wrong_sizes_are_errors() {
        let e = png_bytes(&[0.0; 5], 3, 2).unwrap_err();
        assert!(e.to_string().contains("needs 6 values, got 5"), "{e}");
        assert!(png_bytes(&[], 0, 0).is_err());
    }

    #[test]
    fn squares_are_images() {
        assert_eq!(square_side(784), Some(28));
        assert_eq!(square_side(49), Some(7));
        assert_eq!(square_side(5), None);
        assert_eq!(square_side(9), None);
        assert_eq!(square_side(50), None);
    }
}
