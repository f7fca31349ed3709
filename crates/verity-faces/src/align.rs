//! Face alignment: the similarity transform (rotation, uniform scale, translation; no
//! reflection) that best maps the detector's eyes, nose tip and mouth centre onto the standard
//! 112×112 template MobileFaceNet was trained on, and the warp of the face into that crop.
//! Embeddings of unaligned crops do not separate people; aligned ones do (see
//! `models/README.md`, "Calibration").

use image::{Rgb, RgbImage};

pub const CROP: u32 = 112;

/// The ArcFace/InsightFace 112×112 template: image-left eye, image-right eye, nose tip, and the
/// midpoint of its two mouth corners (41.5493, 92.3655) and (70.7299, 92.2041), since the
/// detector gives one mouth point.
const TEMPLATE: [[f32; 2]; 4] = [
    [38.2946, 51.6963],
    [73.5318, 51.5014],
    [56.0252, 71.7366],
    [56.1396, 92.2848],
];

/// `x' = a·x − b·y + tx`, `y' = b·x + a·y + ty`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Similarity {
    pub a: f32,
    pub b: f32,
    pub tx: f32,
    pub ty: f32,
}

impl Similarity {
    /// Least-squares fit of `src` onto `dst` (closed form of Umeyama's method in 2-D).
    /// `None` when the source points coincide.
    pub fn fit(src: &[[f32; 2]], dst: &[[f32; 2]]) -> Option<Self> {
        let n = src.len().min(dst.len()) as f32;
        let mean = |pts: &[[f32; 2]]| {
            let (sx, sy) = pts
                .iter()
                .fold((0.0, 0.0), |(x, y), p| (x + p[0], y + p[1]));
            [sx / n, sy / n]
        };
        let (ms, md) = (mean(src), mean(dst));
        let (mut dot, mut cross, mut norm) = (0.0f32, 0.0f32, 0.0f32);
        for (p, q) in src.iter().zip(dst) {
            let (px, py) = (p[0] - ms[0], p[1] - ms[1]);
            let (qx, qy) = (q[0] - md[0], q[1] - md[1]);
            dot += px * qx + py * qy;
            cross += px * qy - py * qx;
            norm += px * px + py * py;
        }
        if norm <= f32::EPSILON {
            return None;
        }
        let (a, b) = (dot / norm, cross / norm);
        Some(Self {
            a,
            b,
            tx: md[0] - (a * ms[0] - b * ms[1]),
            ty: md[1] - (b * ms[0] + a * ms[1]),
        })
    }

    pub fn apply(&self, p: [f32; 2]) -> [f32; 2] {
        [
            self.a * p[0] - self.b * p[1] + self.tx,
            self.b * p[0] + self.a * p[1] + self.ty,
        ]
    }

    /// The inverse transform; `None` for a degenerate (zero-scale) one.
    pub fn inverse(&self) -> Option<Self> {
        let det = self.a * self.a + self.b * self.b;
        if det <= f32::EPSILON {
            return None;
        }
        let (a, b) = (self.a / det, -self.b / det);
        Some(Self {
            a,
            b,
            tx: -(a * self.tx - b * self.ty),
            ty: -(b * self.tx + a * self.ty),
        })
    }
}

/// The 112×112 aligned crop of the face whose key points are `points` (image-left eye,
/// image-right eye, nose tip, mouth centre); `None` when they are degenerate.
pub fn aligned_crop(image: &RgbImage, points: [[f32; 2]; 4]) -> Option<RgbImage> {
    let to_template = Similarity::fit(&points, &TEMPLATE)?;
    let back = to_template.inverse()?;
    Some(RgbImage::from_fn(CROP, CROP, |u, v| {
        let [x, y] = back.apply([u as f32, v as f32]);
        bilinear(image, x, y)
    }))
}

/// Bilinear sample at `(x, y)`, clamped to the image's border.
fn bilinear(image: &RgbImage, x: f32, y: f32) -> Rgb<u8> {
    let (w, h) = (image.width() as f32 - 1.0, image.height() as f32 - 1.0);
    let (x, y) = (x.clamp(0.0, w.max(0.0)), y.clamp(0.0, h.max(0.0)));
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let (x0, y0) = (x0 as u32, y0 as u32);
    let x1 = (x0 + 1).min(image.width().saturating_sub(1));
    let y1 = (y0 + 1).min(image.height().saturating_sub(1));
    let (p00, p10) = (image.get_pixel(x0, y0).0, image.get_pixel(x1, y0).0);
    let (p01, p11) = (image.get_pixel(x0, y1).0, image.get_pixel(x1, y1).0);
    let mut out = [0u8; 3];
    for c in 0..3 {
        let top = f32::from(p00[c]) * (1.0 - fx) + f32::from(p10[c]) * fx;
        let bottom = f32::from(p01[c]) * (1.0 - fx) + f32::from(p11[c]) * fx;
        out[c] = (top * (1.0 - fy) + bottom * fy).round().clamp(0.0, 255.0) as u8;
    }
    Rgb(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_recovers_a_known_transform() {
        let t = Similarity {
            a: 0.8,
            b: 0.3,
            tx: 5.0,
            ty: -2.0,
        };
        let src = [[10.0, 20.0], [40.0, 22.0], [25.0, 35.0], [26.0, 50.0]];
        let dst: Vec<[f32; 2]> = src.iter().map(|p| t.apply(*p)).collect();
        let fit = Similarity::fit(&src, &dst).expect("distinct points");
        for (v, w) in [(fit.a, t.a), (fit.b, t.b), (fit.tx, t.tx), (fit.ty, t.ty)] {
            assert!((v - w).abs() < 1e-3, "{fit:?}");
        }
        let inv = fit.inverse().expect("invertible");
        let back = inv.apply(fit.apply([7.0, 9.0]));
        assert!((back[0] - 7.0).abs() < 1e-3 && (back[1] - 9.0).abs() < 1e-3);
    }

    #[test]
    fn coincident_points_do_not_align() {
        let img = RgbImage::new(10, 10);
        assert!(aligned_crop(&img, [[5.0, 5.0]; 4]).is_none());
    }
}
