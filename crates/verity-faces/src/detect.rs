//! BlazeFace short-range face detection (`models/face_detection_short_range.onnx`): square
//! windows of (a copy at most 640 px long of) the image letterboxed to 128×128 in [-1, 1], the
//! 896 anchor outputs decoded as MediaPipe's SSD calculator does, overlapping detections merged,
//! and each face detected again in a window around it in the full image for precise key points.
//!
//! Windows: the whole image, plus squares of the shorter side sliding along the longer one (a
//! portrait on a wide ID card is too small for the model in the whole-card view). A detection
//! that touches the edge of a window inside the image is dropped: the face is cut there and
//! lies whole in a neighbouring window.

use image::{imageops, Rgb, RgbImage};
use tract_onnx::prelude::*;

use crate::model::{floats, load_plan, run_single, EngineError, Plan};

pub(crate) const SIZE: usize = 128;
/// Score (after the sigmoid) above which an anchor is a face. MediaPipe uses 0.5; the tests on
/// a blank image and a camera test pattern show no candidate near it.
const MIN_SCORE: f32 = 0.6;
/// Longest side of the copy the first pass searches (see [`Detector::detect`]).
const SEARCH_SIDE: u32 = 640;
/// Detections overlapping more than this (intersection over union) are one face.
const NMS_IOU: f32 = 0.3;

/// A detection in image pixels: box corners and the six key points (eye, eye, nose tip, mouth
/// centre, ear, ear — MediaPipe's order).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    pub score: f32,
    pub min: [f32; 2],
    pub max: [f32; 2],
    pub points: [[f32; 2]; 6],
}

impl Candidate {
    fn area(&self) -> f32 {
        (self.max[0] - self.min[0]).max(0.0) * (self.max[1] - self.min[1]).max(0.0)
    }

    fn iou(&self, other: &Candidate) -> f32 {
        let w = (self.max[0].min(other.max[0]) - self.min[0].max(other.min[0])).max(0.0);
        let h = (self.max[1].min(other.max[1]) - self.min[1].max(other.min[1])).max(0.0);
        let inter = w * h;
        let union = self.area() + other.area() - inter;
        if union <= 0.0 {
            0.0
        } else {
            inter / union
        }
    }

    fn scaled(mut self, by: f32) -> Self {
        for v in self
            .min
            .iter_mut()
            .chain(self.max.iter_mut())
            .chain(self.points.iter_mut().flatten())
        {
            *v *= by;
        }
        self
    }

    fn side(&self) -> f32 {
        (self.max[0] - self.min[0]).max(self.max[1] - self.min[1])
    }
}

/// A square region of the image in pixels; it may extend past the image (padded black).
#[derive(Debug, Clone, Copy)]
struct Window {
    x: f32,
    y: f32,
    side: f32,
}

pub struct Detector {
    plan: Plan,
    anchors: Vec<[f32; 2]>,
}

impl Detector {
    pub fn load(bytes: &[u8]) -> Result<Self, EngineError> {
        let plan = load_plan("face detector", bytes, [1, 3, SIZE, SIZE])?;
        Ok(Self {
            plan,
            anchors: anchors(),
        })
    }

    /// Every face in `image`, largest first.
    pub fn detect(&self, image: &RgbImage) -> Result<Vec<Candidate>, EngineError> {
        // Every window is shrunk to 128 pixels, so the search can run on a small copy (what
        // the model sees is the same); only the refinement reads the full-size image.
        let long = image.width().max(image.height());
        let (search, factor) = if long > SEARCH_SIDE {
            let f = SEARCH_SIDE as f32 / long as f32;
            let (w, h) = (image.width() as f32 * f, image.height() as f32 * f);
            let small = imageops::resize(
                image,
                w.round().max(1.0) as u32,
                h.round().max(1.0) as u32,
                imageops::FilterType::Triangle,
            );
            (std::borrow::Cow::Owned(small), f)
        } else {
            (std::borrow::Cow::Borrowed(image), 1.0)
        };
        let (w, h) = (search.width() as f32, search.height() as f32);
        let mut all = Vec::new();
        for window in windows(w, h) {
            let inner = window.side < w.max(h);
            for c in self.run(&search, window)? {
                if !inner || inside_or_at_image_edge(&c, window, w, h) {
                    all.push(c.scaled(1.0 / factor));
                }
            }
        }
        let mut faces = Vec::new();
        for face in suppress(all) {
            faces.push(self.refine(image, face)?);
        }
        faces.sort_by(|a, b| b.area().total_cmp(&a.area()));
        Ok(faces)
    }

    /// The same face detected in a window about twice its size: the model then sees it large,
    /// and its key points (which alignment and the head turn depend on) move by less than a
    /// pixel of the model's input.
    fn refine(&self, image: &RgbImage, face: Candidate) -> Result<Candidate, EngineError> {
        let side = face.side() * 2.2;
        let cx = (face.min[0] + face.max[0]) / 2.0;
        let cy = (face.min[1] + face.max[1]) / 2.0;
        let window = Window {
            x: cx - side / 2.0,
            y: cy - side / 2.0,
            side,
        };
        let best = self
            .run(image, window)?
            .into_iter()
            .filter(|c| c.iou(&face) > NMS_IOU)
            .max_by(|a, b| a.score.total_cmp(&b.score));
        Ok(best.unwrap_or(face))
    }

    /// Candidates above [`MIN_SCORE`] in one window, in image pixels.
    fn run(&self, image: &RgbImage, window: Window) -> Result<Vec<Candidate>, EngineError> {
        let input = window_tensor(image, window)?;
        let raw = run_single(&self.plan, input, 2)?;
        let (boxes, scores) = (floats(&raw[0])?, floats(&raw[1])?);
        if boxes.len() != self.anchors.len() * 16 || scores.len() != self.anchors.len() {
            return Err(EngineError::Shape(
                "detector outputs do not match its anchors",
            ));
        }
        let scale = window.side / SIZE as f32;
        let to_image =
            |v: f32, anchor: f32, origin: f32| (v + anchor * SIZE as f32) * scale + origin;
        let mut out = Vec::new();
        for (i, anchor) in self.anchors.iter().enumerate() {
            let score = sigmoid(scores[i]);
            if score < MIN_SCORE {
                continue;
            }
            let r = &boxes[i * 16..i * 16 + 16];
            let (cx, cy) = (
                to_image(r[0], anchor[0], window.x),
                to_image(r[1], anchor[1], window.y),
            );
            let (hw, hh) = (r[2] * scale / 2.0, r[3] * scale / 2.0);
            let mut points = [[0.0; 2]; 6];
            for (k, p) in points.iter_mut().enumerate() {
                let (px, py) = (r[4 + 2 * k], r[5 + 2 * k]);
                *p = [
                    to_image(px, anchor[0], window.x),
                    to_image(py, anchor[1], window.y),
                ];
            }
            if hw > 0.0 && hh > 0.0 {
                out.push(Candidate {
                    score,
                    min: [cx - hw, cy - hh],
                    max: [cx + hw, cy + hh],
                    points,
                });
            }
        }
        Ok(out)
    }
}

/// The whole image, then squares of the shorter side every half side along the longer one.
fn windows(w: f32, h: f32) -> Vec<Window> {
    let long = w.max(h);
    let short = w.min(h);
    let mut out = vec![Window {
        x: (w - long) / 2.0,
        y: (h - long) / 2.0,
        side: long,
    }];
    if long > short * 1.2 {
        let steps = ((long - short) / (short / 2.0)).ceil() as usize;
        for i in 0..=steps {
            let offset = ((long - short) * i as f32 / steps.max(1) as f32).round();
            let (x, y) = if w > h { (offset, 0.0) } else { (0.0, offset) };
            out.push(Window { x, y, side: short });
        }
    }
    out
}

/// Whether `c` lies inside `window`, except on sides where the window meets the image's edge
/// (a face cut by the image is cut in every window).
fn inside_or_at_image_edge(c: &Candidate, window: Window, w: f32, h: f32) -> bool {
    let margin = window.side * 0.02;
    let (x1, y1) = (window.x + window.side, window.y + window.side);
    (c.min[0] >= window.x + margin || window.x <= 0.0)
        && (c.min[1] >= window.y + margin || window.y <= 0.0)
        && (c.max[0] <= x1 - margin || x1 >= w)
        && (c.max[1] <= y1 - margin || y1 >= h)
}

/// Non-maximum suppression: the best-scoring detection of each overlapping group survives; a
/// detection mostly inside a better one is the same face too.
fn suppress(mut all: Vec<Candidate>) -> Vec<Candidate> {
    all.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut kept: Vec<Candidate> = Vec::new();
    for c in all {
        let same = kept.iter().any(|k| {
            let overlap = k.iou(&c);
            let inter = overlap * (k.area() + c.area()) / (1.0 + overlap);
            overlap > NMS_IOU || inter > 0.6 * c.area().min(k.area())
        });
        if !same {
            kept.push(c);
        }
    }
    kept
}

/// MediaPipe's SSD anchors for the short-range model: strides 8 (2 per cell) and 16 (6 per
/// cell), centred in their cells, in units of the input size.
fn anchors() -> Vec<[f32; 2]> {
    let mut out = Vec::with_capacity(896);
    for (stride, per_cell) in [(8usize, 2usize), (16, 6)] {
        let n = SIZE / stride;
        for y in 0..n {
            for x in 0..n {
                let centre = [(x as f32 + 0.5) / n as f32, (y as f32 + 0.5) / n as f32];
                out.extend(std::iter::repeat_n(centre, per_cell));
            }
        }
    }
    out
}

fn sigmoid(v: f32) -> f32 {
    // MediaPipe clips raw scores so the exponential cannot overflow.
    1.0 / (1.0 + (-v.clamp(-80.0, 80.0)).exp())
}

/// The window cut out (black outside the image), resized to 128×128, as NCHW in [-1, 1].
fn window_tensor(image: &RgbImage, window: Window) -> Result<Tensor, EngineError> {
    let side = window.side.round().max(1.0) as u32;
    let mut square = RgbImage::from_pixel(side, side, Rgb([0, 0, 0]));
    let (wx, wy) = (window.x.round() as i64, window.y.round() as i64);
    let (x0, y0) = (wx.max(0) as u32, wy.max(0) as u32);
    let x1 = ((wx + i64::from(side)).min(i64::from(image.width()))).max(0) as u32;
    let y1 = ((wy + i64::from(side)).min(i64::from(image.height()))).max(0) as u32;
    if x1 > x0 && y1 > y0 {
        let part = imageops::crop_imm(image, x0, y0, x1 - x0, y1 - y0).to_image();
        imageops::replace(&mut square, &part, i64::from(x0) - wx, i64::from(y0) - wy);
    }
    let small = imageops::resize(
        &square,
        SIZE as u32,
        SIZE as u32,
        imageops::FilterType::Triangle,
    );
    crate::model::nchw(&[&small], |v| f32::from(v) / 127.5 - 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_match_the_model_outputs() {
        assert_eq!(anchors().len(), 896);
    }

    #[test]
    fn windows_cover_a_wide_card_with_overlap() {
        let w = windows(856.0, 540.0);
        assert_eq!(w[0].side, 856.0);
        assert!(w.len() >= 3, "{w:?}");
        assert_eq!(w[1].x, 0.0);
        assert_eq!(w.last().map(|l| l.x + l.side), Some(856.0));
        assert_eq!(windows(500.0, 500.0).len(), 1);
    }

    #[test]
    fn overlapping_detections_merge() {
        let c = |x: f32, score| Candidate {
            score,
            min: [x, 0.0],
            max: [x + 10.0, 10.0],
            points: [[0.0; 2]; 6],
        };
        let kept = suppress(vec![c(0.0, 0.7), c(1.0, 0.9), c(50.0, 0.8)]);
        assert_eq!(kept.len(), 2);
        assert_eq!(kept[0].score, 0.9);
    }
}
