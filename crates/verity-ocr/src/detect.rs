//! Text detection with the PP-OCR DB ("differentiable binarisation") network: the image is
//! scaled to fit a fixed input (736 × 480 for landscape images, 480 × 736 for portrait ones;
//! `tract` cannot prove the network's up- and down-sampling branches line up for a symbolic
//! size, and a fixed size lets it optimise the plan once) and padded with white; the network
//! outputs a text-probability map, and the post-processing here turns it into line boxes:
//! threshold, connected components, a score per component, and the "unclip" expansion the
//! network was trained with (it predicts shrunk text kernels; the box is grown back by
//! `area × ratio / perimeter`).
//!
//! Words on one row are joined into a line, and each line's box follows its tilt (the
//! principal axis of its pixels), so a hand-held photo's few degrees of turn do not make one
//! crop hold two lines.

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

/// A detected line in pixels of the original image: an oriented rectangle (centre, half
/// length along the text, half thickness across it, angle of the text direction).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LineBox {
    pub cx: f32,
    pub cy: f32,
    pub half_length: f32,
    pub half_thickness: f32,
    /// Radians, positive clockwise in image coordinates (y down).
    pub angle: f32,
    pub score: f32,
}

impl LineBox {
    /// The axis-aligned box around it: (x0, y0, x1, y1).
    pub fn bounds(&self) -> (f32, f32, f32, f32) {
        let (s, c) = self.angle.sin_cos();
        let ex = (self.half_length * c).abs() + (self.half_thickness * s).abs();
        let ey = (self.half_length * s).abs() + (self.half_thickness * c).abs();
        (self.cx - ex, self.cy - ey, self.cx + ex, self.cy + ey)
    }
}

/// The input (width, height) for an image of `w`×`h`, and the scale that fits it in.
pub fn fit(w: u32, h: u32) -> ((u32, u32), f32) {
    let (iw, ih) = if w >= h {
        LANDSCAPE
    } else {
        (LANDSCAPE.1, LANDSCAPE.0)
    };
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

/// One connected region of the thresholded map.
struct Component {
    pixels: Vec<(usize, usize)>,
    sum: f32,
    /// (x0, y0, x1, y1), inclusive.
    bounds: (usize, usize, usize, usize),
}

impl Component {
    fn centre_y(&self) -> f32 {
        (self.bounds.1 + self.bounds.3) as f32 / 2.0
    }
    fn thickness(&self) -> usize {
        self.bounds.3 - self.bounds.1 + 1
    }
    fn absorb(&mut self, other: Component) {
        let (a, b) = (self.bounds, other.bounds);
        self.bounds = (a.0.min(b.0), a.1.min(b.1), a.2.max(b.2), a.3.max(b.3));
        self.sum += other.sum;
        self.pixels.extend(other.pixels);
    }
}

fn components(prob: &[f32], w: usize, h: usize, cfg: &DetectConfig) -> Vec<Component> {
    let mut seen = vec![false; w * h];
    let mut out = Vec::new();
    let mut stack = Vec::new();
    for start in 0..w * h {
        if seen[start] || prob[start] <= cfg.threshold {
            continue;
        }
        let mut c = Component {
            pixels: Vec::new(),
            sum: 0.0,
            bounds: (usize::MAX, usize::MAX, 0, 0),
        };
        seen[start] = true;
        stack.push(start);
        while let Some(i) = stack.pop() {
            let (x, y) = (i % w, i / w);
            let (x0, y0, x1, y1) = c.bounds;
            c.bounds = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
            c.sum += prob[i];
            c.pixels.push((x, y));
            for (nx, ny) in neighbours(x, y, w, h) {
                let j = ny * w + nx;
                if !seen[j] && prob[j] > cfg.threshold {
                    seen[j] = true;
                    stack.push(j);
                }
            }
        }
        let mean = c.sum / c.pixels.len() as f32;
        if c.thickness() >= cfg.min_height as usize && mean >= cfg.box_threshold {
            out.push(c);
        }
    }
    out
}

/// Joins components on one row whose gap is under two line heights: the detector splits
/// lines at word spaces, and word crops that overlap make the recogniser read the neighbour's
/// first letter. Lines come out in reading order (top to bottom, then left to right).
fn join_words(mut comps: Vec<Component>) -> Vec<Component> {
    comps.sort_by(|a, b| a.centre_y().total_cmp(&b.centre_y()));
    let mut rows: Vec<Vec<Component>> = Vec::new();
    for c in comps {
        let row = rows.iter_mut().find(|r| {
            let half = r[0].thickness().min(c.thickness()) as f32 / 2.0;
            (r[0].centre_y() - c.centre_y()).abs() < half.max(1.0)
        });
        match row {
            Some(r) => r.push(c),
            None => rows.push(vec![c]),
        }
    }
    let mut out: Vec<Component> = Vec::new();
    for mut row in rows {
        row.sort_by_key(|c| c.bounds.0);
        let mut current: Option<Component> = None;
        for c in row {
            match current.as_mut() {
                Some(a) if c.bounds.0 <= a.bounds.2 + 2 * a.thickness().max(c.thickness()) => {
                    a.absorb(c)
                }
                _ => out.extend(current.replace(c)),
            }
        }
        out.extend(current);
    }
    out
}

/// The oriented rectangle around a component (principal axis of its pixels, so a photo's tilt
/// is followed), grown by the unclip distance and scaled by `scale` into original pixels.
fn oriented(c: &Component, cfg: &DetectConfig, scale: f32) -> LineBox {
    let n = c.pixels.len() as f32;
    let (sx, sy) = c
        .pixels
        .iter()
        .fold((0.0, 0.0), |(a, b), &(x, y)| (a + x as f32, b + y as f32));
    let (mx, my) = (sx / n + 0.5, sy / n + 0.5);
    let (mut sxx, mut syy, mut sxy) = (0.0f32, 0.0f32, 0.0f32);
    for &(x, y) in &c.pixels {
        let (dx, dy) = (x as f32 + 0.5 - mx, y as f32 + 0.5 - my);
        (sxx, syy, sxy) = (sxx + dx * dx, syy + dy * dy, sxy + dx * dy);
    }
    // Text is within a few degrees of horizontal; short or blobby components keep angle 0.
    let mut angle = 0.5 * (2.0 * sxy).atan2(sxx - syy);
    if sxx < 9.0 * syy || angle.abs() > 0.26 {
        angle = 0.0;
    }
    let (s, co) = angle.sin_cos();
    let (mut u0, mut u1, mut v0, mut v1) = (f32::MAX, f32::MIN, f32::MAX, f32::MIN);
    for &(x, y) in &c.pixels {
        let (dx, dy) = (x as f32 + 0.5 - mx, y as f32 + 0.5 - my);
        let (u, v) = (dx * co + dy * s, -dx * s + dy * co);
        (u0, u1) = (u0.min(u - 0.5), u1.max(u + 0.5));
        (v0, v1) = (v0.min(v - 0.5), v1.max(v + 0.5));
    }
    let (len, thick) = (u1 - u0, v1 - v0);
    let d = len * thick * cfg.unclip_ratio / (2.0 * (len + thick));
    let (uc, vc) = ((u0 + u1) / 2.0, (v0 + v1) / 2.0);
    LineBox {
        cx: (mx + uc * co - vc * s) * scale,
        cy: (my + uc * s + vc * co) * scale,
        half_length: (len / 2.0 + d) * scale,
        half_thickness: (thick / 2.0 + d) * scale,
        angle,
        score: c.sum / n,
    }
}

/// Lines from a `w`×`h` probability map, scaled by `scale` into original pixels, in reading
/// order.
pub fn boxes(prob: &[f32], w: usize, h: usize, scale: f32, cfg: &DetectConfig) -> Vec<LineBox> {
    join_words(components(prob, w, h, cfg))
        .iter()
        .map(|c| oriented(c, cfg, scale))
        .collect()
}

/// 8-connected neighbours inside the map.
fn neighbours(x: usize, y: usize, w: usize, h: usize) -> impl Iterator<Item = (usize, usize)> {
    let xs = x.saturating_sub(1)..=(x + 1).min(w - 1);
    xs.flat_map(move |nx| (y.saturating_sub(1)..=(y + 1).min(h - 1)).map(move |ny| (nx, ny)))
        .filter(move |&(nx, ny)| (nx, ny) != (x, y))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tilted_line_gets_a_tilted_box() {
        let (w, h) = (200usize, 40usize);
        let mut prob = vec![0.0f32; w * h];
        for x in 10..190usize {
            let y = 15 + x / 20; // about 2.9 degrees
            for dy in 0..4 {
                prob[(y + dy) * w + x] = 0.9;
            }
        }
        let b = boxes(&prob, w, h, 1.0, &DetectConfig::default());
        assert_eq!(b.len(), 1);
        assert!((b[0].angle.to_degrees() - 2.86).abs() < 0.5, "{:?}", b[0]);
        // An axis-aligned box would be about 9.5 thick each side of its centre.
        assert!(b[0].half_thickness < 7.0, "{:?}", b[0]);
    }

    #[test]
    fn images_fit_the_fixed_input_by_orientation() {
        assert_eq!(fit(856, 540), ((736, 480), 736.0 / 856.0));
        assert_eq!(fit(540, 856).0, (480, 736));
        assert_eq!(
            fit(100, 50).1,
            2.0,
            "small images are enlarged at most twice"
        );
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
        let b = boxes(&prob, w, h, 2.0, &DetectConfig::default());
        assert_eq!(b.len(), 2, "{b:?}");
        // Two words on one row with a narrow gap become one line.
        let (w2, h2) = (40usize, 8usize);
        let mut words = vec![0.0f32; w2 * h2];
        for y in 3..6 {
            for x in (2..12).chain(15..30) {
                words[y * w2 + x] = 0.9;
            }
        }
        assert_eq!(
            boxes(&words, w2, h2, 1.0, &DetectConfig::default()).len(),
            1
        );
        assert!(b[0].cy < b[1].cy);
        // 16×3 kernel: d = 48 × 1.6 / 38 ≈ 2.02 map pixels, times the scale of 2.
        let (x0, ..) = b[0].bounds();
        assert!((x0 - (22.0 - 2.02) * 2.0).abs() < 0.1, "{:?}", b[0]);
        assert_eq!(b[0].angle, 0.0);
        assert!((b[0].score - 0.8).abs() < 1e-4);
    }
}
