//! Text detection with the PP-OCR DB ("differentiable binarisation") network: the image is
//! scaled to fit a fixed input (736 × 480 for landscape images, 480 × 736 for portrait ones;
//! `tract` cannot prove the network's up- and down-sampling branches line up for a symbolic
//! size, and a fixed size lets it optimise the plan once) and padded with white; the network
//! outputs a text-probability map, and the post-processing here turns it into line boxes:
//! threshold, connected components, a score per component, and the "unclip" expansion the
//! network was trained with (it predicts shrunk text kernels; the box is grown back by
//! `area × ratio / perimeter`).
//!
//! Boxes are axis-aligned: documents are photographed roughly upright, and the recogniser
//! tolerates the few degrees of tilt a hand-held photo has.

use image::{imageops, GrayImage};

/// The detector's input for landscape images (width, height); portrait images use it turned.
pub const LANDSCAPE: (u32, u32) = (736, 480);

/// Post-processing parameters (PP-OCR's published defaults, see `models/README.md`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DetectConfig {
    /// Probability above which a map pixel is text.
    pub threshold: f32,
    /// Mean probability a component needs to count as a line.
    pub box_threshold: f32,
    pub unclip_ratio: f32,
    /// Components shorter than this (map pixels) are noise.
    pub min_height: u32,
}

impl Default for DetectConfig {
    fn default() -> Self {
        Self {
            threshold: 0.3,
            box_threshold: 0.5,
            unclip_ratio: 1.6,
            min_height: 3,
        }
    }
}

/// A detected line box in pixels of the original image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LineBox {
    pub x0: f32,
    pub y0: f32,
    pub x1: f32,
    pub y1: f32,
    pub score: f32,
}

/// The input (width, height) for an image of `w`×`h`, and the scale that fits it in.
pub fn fit(w: u32, h: u32) -> ((u32, u32), f32) {
    let (iw, ih) = if w >= h { LANDSCAPE } else { (LANDSCAPE.1, LANDSCAPE.0) };
    let scale = (iw as f32 / w as f32).min(ih as f32 / h as f32).min(2.0);
    ((iw, ih), scale)
}

/// NCHW planes of the network input, normalised as PP-OCR's detector expects:
/// `(v / 255 − 0.5) / 0.5`, the gray value in all three channels, white padding right and
/// below. Returns the planes, the input size and the scale applied.
pub fn preprocess(gray: &GrayImage) -> (Vec<f32>, (u32, u32), f32) {
    let ((iw, ih), scale) = fit(gray.width(), gray.height());
    let (w, h) = (
        ((gray.width() as f32 * scale) as u32).clamp(1, iw),
        ((gray.height() as f32 * scale) as u32).clamp(1, ih),
    );
    let resized = imageops::resize(gray, w, h, imageops::FilterType::Triangle);
    let mut plane = vec![1.0f32; (iw * ih) as usize];
    for (y, row) in resized.rows().enumerate() {
        for (x, p) in row.enumerate() {
            plane[y * iw as usize + x] = f32::from(p.0[0]) / 127.5 - 1.0;
        }
    }
    let mut data = Vec::with_capacity(plane.len() * 3);
    for _ in 0..3 {
        data.extend_from_slice(&plane);
    }
    (data, (iw, ih), scale)
}

/// Boxes from a `w`×`h` probability map, scaled by (`sx`, `sy`) into original pixels and
/// sorted top to bottom, then left to right.
pub fn boxes(prob: &[f32], w: usize, h: usize, sx: f32, sy: f32, cfg: &DetectConfig) -> Vec<LineBox> {
    let mut seen = vec![false; w * h];
    let mut out = Vec::new();
    let mut stack = Vec::new();
    for start in 0..w * h {
        if seen[start] || prob[start] <= cfg.threshold {
            continue;
        }
        let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
        let (mut sum, mut count) = (0.0f32, 0usize);
        seen[start] = true;
        stack.push(start);
        while let Some(i) = stack.pop() {
            let (x, y) = (i % w, i / w);
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
            sum += prob[i];
            count += 1;
            for (nx, ny) in neighbours(x, y, w, h) {
                let j = ny * w + nx;
                if !seen[j] && prob[j] > cfg.threshold {
                    seen[j] = true;
                    stack.push(j);
                }
            }
        }
        let (bw, bh) = ((x1 - x0 + 1) as f32, (y1 - y0 + 1) as f32);
        if (bh as u32) < cfg.min_height || sum / (count as f32) < cfg.box_threshold {
            continue;
        }
        let d = bw * bh * cfg.unclip_ratio / (2.0 * (bw + bh));
        out.push(LineBox {
            x0: ((x0 as f32 - d) * sx).max(0.0),
            y0: ((y0 as f32 - d) * sy).max(0.0),
            x1: ((x1 as f32 + 1.0 + d) * sx).min(w as f32 * sx),
            y1: ((y1 as f32 + 1.0 + d) * sy).min(h as f32 * sy),
            score: sum / count as f32,
        });
    }
    sort_reading_order(&mut out);
    merge_words(out)
}

/// Joins boxes on one row whose gap is under a line height: the detector splits lines at word
/// spaces, and overlapping word crops make the recogniser read the neighbour's first letter.
fn merge_words(boxes: Vec<LineBox>) -> Vec<LineBox> {
    let mut out: Vec<LineBox> = Vec::with_capacity(boxes.len());
    for b in boxes {
        let joined = out.last_mut().filter(|a| {
            let (ha, hb) = (a.y1 - a.y0, b.y1 - b.y0);
            let overlap = a.y1.min(b.y1) - a.y0.max(b.y0);
            overlap > 0.6 * ha.min(hb) && b.x0 - a.x1 < ha.max(hb) && b.x0 >= a.x0
        });
        match joined {
            Some(a) => {
                a.score = a.score.min(b.score);
                (a.x0, a.y0, a.x1, a.y1) = (a.x0.min(b.x0), a.y0.min(b.y0), a.x1.max(b.x1), a.y1.max(b.y1));
            }
            None => out.push(b),
        }
    }
    out
}

/// 8-connected neighbours inside the map.
fn neighbours(x: usize, y: usize, w: usize, h: usize) -> impl Iterator<Item = (usize, usize)> {
    let xs = x.saturating_sub(1)..=(x + 1).min(w - 1);
    xs.flat_map(move |nx| {
        (y.saturating_sub(1)..=(y + 1).min(h - 1)).map(move |ny| (nx, ny))
    })
    .filter(move |&(nx, ny)| (nx, ny) != (x, y))
}

/// Top to bottom; boxes whose vertical centres are within half a line height count as one row
/// and go left to right.
fn sort_reading_order(boxes: &mut [LineBox]) {
    boxes.sort_by(|a, b| {
        let (ca, cb) = ((a.y0 + a.y1) / 2.0, (b.y0 + b.y1) / 2.0);
        let half = ((a.y1 - a.y0).min(b.y1 - b.y0)) / 2.0;
        if (ca - cb).abs() < half {
            a.x0.total_cmp(&b.x0)
        } else {
            ca.total_cmp(&cb)
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_fit_the_fixed_input_by_orientation() {
        assert_eq!(fit(856, 540), ((736, 480), 736.0 / 856.0));
        assert_eq!(fit(540, 856).0, (480, 736));
        assert_eq!(fit(100, 50).1, 2.0, "small images are enlarged at most twice");
    }

    #[test]
    fn two_blobs_become_two_unclipped_boxes_in_reading_order() {
        let (w, h) = (40usize, 20usize);
        let mut prob = vec![0.0f32; w * h];
        // A line at rows 12-14 (left) and one at rows 3-5 (right): reading order is top first.
        for y in 12..15 {
            for x in 2..20 {
                prob[y * w + x] = 0.9;
            }
        }
        for y in 3..6 {
            for x in 22..38 {
                prob[y * w + x] = 0.8;
            }
        }
        // A faint blob below the box threshold is dropped.
        prob[18 * w + 5] = 0.35;
        let b = boxes(&prob, w, h, 2.0, 2.0, &DetectConfig::default());
        assert_eq!(b.len(), 2, "{b:?}");
        // Two words on one row with a narrow gap become one line.
        let (w2, h2) = (40usize, 8usize);
        let mut words = vec![0.0f32; w2 * h2];
        for y in 3..6 {
            for x in (2..12).chain(15..30) {
                words[y * w2 + x] = 0.9;
            }
        }
        assert_eq!(boxes(&words, w2, h2, 1.0, 1.0, &DetectConfig::default()).len(), 1);
        assert!(b[0].y0 < b[1].y0);
        // 16×3 kernel: d = 48 × 1.6 / 38 ≈ 2.02 map pixels, times the scale of 2.
        assert!((b[0].x0 - (22.0 - 2.02) * 2.0).abs() < 0.1, "{:?}", b[0]);
        assert!((b[0].score - 0.8).abs() < 1e-4);
    }
}
