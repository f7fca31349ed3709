//! Line recognition with the PP-OCR CRNN-style recogniser: each line is cut out along its tilt
//! and scaled to the network's height of 48 pixels keeping its aspect, lines of similar width are batched (the
//! batch is padded to its widest line with the normalised zero the network was trained on),
//! and each output row — one softmax over blank + characters per 8-pixel column — is turned into
//! text by a greedy CTC decode: best class per column, repeats merged, blanks dropped.
//!
//! The same output is decoded twice: over every class, and over the MRZ alphabet only.

use image::GrayImage;

use crate::detect::LineBox;

/// The recogniser's input height.
pub const HEIGHT: u32 = 48;
/// The input widths the recogniser is planned for: each line is padded to the narrowest that
/// holds it (a 44-character MRZ line is about 22 heights wide, just under the last).
pub const WIDTHS: [u32; 3] = [320, 640, 1280];
/// Widest line fed to the network; wider crops are squeezed to it.
pub const MAX_WIDTH: u32 = WIDTHS[2];
/// Lines per network call. The plan's batch size must be fixed (its reshapes depend on it), and
/// on one CPU core a batch costs what its lines cost one by one, so a padded batch of 6 would
/// only add the padding's work: lines go one at a time, grouped by width bucket.
pub const BATCH: usize = 1;

/// The recogniser's classes: 0 is the CTC blank, then the model's character list, then space.
#[derive(Debug, Clone)]
pub struct Charset {
    chars: Vec<char>,
    /// Class indices of `A`–`Z`, `0`–`9`, `<`.
    mrz_classes: Vec<usize>,
}

impl Charset {
    /// From the model's character list (one character a line).
    pub fn new(list: &str) -> Self {
        let mut chars = vec!['\0'];
        chars.extend(list.lines().filter_map(|l| l.chars().next()));
        chars.push(' ');
        let mrz_classes = (0..chars.len())
            .filter(|&i| {
                let c = chars[i];
                i > 0 && (c.is_ascii_uppercase() || c.is_ascii_digit() || c == '<')
            })
            .collect();
        Self { chars, mrz_classes }
    }

    pub fn classes(&self) -> usize {
        self.chars.len()
    }
}

/// A decoded line: text and mean probability of its characters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Decoded {
    pub text: String,
    pub confidence: f32,
}

/// One character the greedy decode kept: its class, the output column where it starts and its
/// probability there.
struct Emission {
    class: usize,
    step: usize,
    probability: f32,
}

/// Greedy CTC: best class per column (among blank and `only` when given), repeats merged,
/// blanks dropped.
fn emissions(probs: &[f32], classes: usize, only: Option<&[usize]>) -> Vec<Emission> {
    let mut out = Vec::new();
    let mut previous = 0usize;
    for (step, row) in probs.chunks_exact(classes).enumerate() {
        let best = match only {
            None => argmax(row, 0..classes),
            Some(set) => argmax(row, std::iter::once(0).chain(set.iter().copied())),
        };
        if best != 0 && best != previous {
            out.push(Emission {
                class: best,
                step,
                probability: row[best],
            });
        }
        previous = best;
    }
    out
}

/// Greedy CTC decode of `steps` × `classes` probabilities. With `only`, the best class is
/// chosen among blank and those classes.
pub fn ctc_decode(
    probs: &[f32],
    classes: usize,
    charset: &Charset,
    only: Option<&[usize]>,
) -> Decoded {
    text_of(&emissions(probs, classes, only), charset, None)
}

/// The text of `kept`, with a space put in wherever two characters stand further apart than
/// `word_gap` columns (when given) and none was read between them.
fn text_of(kept: &[Emission], charset: &Charset, word_gap: Option<f32>) -> Decoded {
    let mut text = String::new();
    let (mut sum, mut count) = (0.0f32, 0usize);
    let mut last: Option<(usize, char)> = None;
    for e in kept {
        let Some(&c) = charset.chars.get(e.class) else {
            continue;
        };
        if let (Some(gap), Some((step, before))) = (word_gap, last) {
            if c != ' ' && before != ' ' && (e.step - step) as f32 > gap {
                text.push(' ');
            }
        }
        text.push(c);
        sum += e.probability;
        count += 1;
        last = Some((e.step, c));
    }
    let confidence = if count == 0 { 0.0 } else { sum / count as f32 };
    Decoded { text, confidence }
}

/// The column distance above which two characters have a word space between them: 1.7 times
/// the median distance of neighbouring characters. The recogniser (trained mostly on Chinese,
/// written without spaces) often drops the space between words; in a monospaced face a space
/// doubles the distance, in a proportional one it adds about half. `None` for lines of fewer
/// than four characters, whose median says little.
fn word_gap(kept: &[Emission], charset: &Charset) -> Option<f32> {
    let is_space = |e: &Emission| charset.chars.get(e.class) == Some(&' ');
    let mut distances: Vec<usize> = kept
        .windows(2)
        .filter(|w| !is_space(&w[0]) && !is_space(&w[1]))
        .map(|w| w[1].step - w[0].step)
        .collect();
    if distances.len() < 3 {
        return None;
    }
    distances.sort_unstable();
    Some(1.7 * distances[distances.len() / 2] as f32)
}

/// Both decodes of one output row: free text (trimmed, word spaces restored) and MRZ-alphabet
/// text.
pub fn decode_both(probs: &[f32], charset: &Charset) -> (Decoded, String) {
    let classes = charset.classes();
    let kept = emissions(probs, classes, None);
    let mut free = text_of(&kept, charset, word_gap(&kept, charset));
    free.text = free.text.trim().to_owned();
    let mrz = ctc_decode(probs, classes, charset, Some(&charset.mrz_classes)).text;
    (free, mrz)
}

fn argmax(row: &[f32], candidates: impl Iterator<Item = usize>) -> usize {
    let mut best = (0usize, f32::MIN);
    for i in candidates {
        if let Some(&p) = row.get(i) {
            if p > best.1 {
                best = (i, p);
            }
        }
    }
    best.0
}

/// The line under `b` cut out along its tilt and scaled to [`HEIGHT`] (at most
/// [`MAX_WIDTH`] wide), bilinear; outside the image is white.
pub fn line_image(gray: &GrayImage, b: &LineBox) -> GrayImage {
    let (len, thick) = (
        2.0 * b.half_length.max(0.5),
        2.0 * b.half_thickness.max(0.5),
    );
    let width = ((len * HEIGHT as f32 / thick).round() as u32).clamp(HEIGHT / 4, MAX_WIDTH);
    let (s, c) = b.angle.sin_cos();
    GrayImage::from_fn(width, HEIGHT, |ox, oy| {
        let u = (ox as f32 + 0.5) / width as f32 * len - len / 2.0;
        let v = (oy as f32 + 0.5) / HEIGHT as f32 * thick - thick / 2.0;
        let (x, y) = (b.cx + u * c - v * s - 0.5, b.cy + u * s + v * c - 0.5);
        image::Luma([bilinear(gray, x, y)])
    })
}

fn bilinear(gray: &GrayImage, x: f32, y: f32) -> u8 {
    let (w, h) = (gray.width() as f32, gray.height() as f32);
    if x < 0.0 || y < 0.0 || x > w - 1.0 || y > h - 1.0 {
        return 255;
    }
    let (x0, y0) = (x.floor() as u32, y.floor() as u32);
    let (x1, y1) = (
        (x0 + 1).min(gray.width() - 1),
        (y0 + 1).min(gray.height() - 1),
    );
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let p = |x, y| f32::from(gray.get_pixel(x, y).0[0]);
    let top = p(x0, y0) * (1.0 - fx) + p(x1, y0) * fx;
    let bottom = p(x0, y1) * (1.0 - fx) + p(x1, y1) * fx;
    (top * (1.0 - fy) + bottom * fy).round().clamp(0.0, 255.0) as u8
}

/// Crops wider than this (20 heights, about 30 MRZ characters) are read in two pieces. The
/// recogniser reads a TD1 zone's 30-character lines exactly, but across a TD3 line's 44 it
/// drops and confuses characters (`U` as `0`, `AU` as `00`) even on a clean crop: it was
/// trained on shorter lines.
pub const SPLIT_WIDTH: u32 = 960;

/// `line` as the recogniser should read it: whole, or when wider than [`SPLIT_WIDTH`] cut in
/// two in its middle third at the centre of the lightest stretch a quarter height wide — the
/// middle of a gap between characters, so no character is cut and none is left touching the
/// cut (a single light column can be the narrow gap beside a letter, or a letter's hollow).
pub fn pieces(line: &GrayImage) -> Vec<GrayImage> {
    let (w, h) = line.dimensions();
    if w <= SPLIT_WIDTH {
        return vec![line.clone()];
    }
    let column: Vec<u32> = (0..w)
        .map(|x| (0..h).map(|y| u32::from(line.get_pixel(x, y).0[0])).sum())
        .collect();
    let window = (HEIGHT / 4) as usize;
    let middle = w as usize / 3..2 * w as usize / 3;
    let light = |x: usize| column[x - window / 2..x + window / 2].iter().sum::<u32>();
    let best = middle.clone().map(light).max().unwrap_or(0);
    // The centre of the stretch of equally light windows (a gap wider than the window).
    let lightest: Vec<usize> = middle.filter(|&x| light(x) == best).collect();
    let cut = lightest
        .get(lightest.len() / 2)
        .map_or(w / 2, |&x| x as u32);
    // Each piece gets half a height of the cut column's background on its cut side, as a
    // whole line has its box's margin: the recogniser drops a character next to the edge.
    let margin = HEIGHT / 2;
    let left = GrayImage::from_fn(cut + margin, h, |x, y| *line.get_pixel(x.min(cut), y));
    let right = GrayImage::from_fn(w - cut + margin, h, |x, y| {
        *line.get_pixel(cut + x.saturating_sub(margin), y)
    });
    vec![left, right]
}

/// The narrowest planned width that holds `width`.
pub fn bucket(width: u32) -> u32 {
    WIDTHS
        .iter()
        .copied()
        .find(|&w| w >= width)
        .unwrap_or(MAX_WIDTH)
}

/// Batches of at most [`BATCH`] line indices (taken in `order`) sharing one width bucket.
pub fn batches(order: &[usize], widths: &[u32]) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    for &i in order {
        match out.last_mut() {
            Some(b) if b.len() < BATCH && bucket(widths[b[0]]) == bucket(widths[i]) => b.push(i),
            _ => out.push(vec![i]),
        }
    }
    out
}

/// One batch tensor (N × 3 × HEIGHT × bucket) of `lines`, padded right with zeros to the
/// bucket of the widest.
pub fn batch_tensor(lines: &[&GrayImage]) -> (Vec<f32>, u32) {
    let width = bucket(lines.iter().map(|l| l.width()).max().unwrap_or(HEIGHT));
    let plane = (HEIGHT * width) as usize;
    let mut data = vec![0.0f32; lines.len() * 3 * plane];
    for (n, line) in lines.iter().enumerate() {
        for (y, row) in line.rows().enumerate() {
            for (x, p) in row.enumerate() {
                let v = f32::from(p.0[0]) / 127.5 - 1.0;
                for c in 0..3 {
                    data[(n * 3 + c) * plane + y * width as usize + x] = v;
                }
            }
        }
    }
    (data, width)
}

/// Order in which to batch lines: by width, so each batch pads little.
pub fn batch_order(widths: &[u32]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..widths.len()).collect();
    order.sort_by_key(|&i| widths[i]);
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    fn charset() -> Charset {
        Charset::new("O\n0\nA\n<\n中\n")
    }

    /// One-hot-ish rows for a class sequence (class index per time step).
    fn rows(seq: &[usize], classes: usize) -> Vec<f32> {
        seq.iter()
            .flat_map(|&k| {
                (0..classes).map(move |i| if i == k { 0.9 } else { 0.1 / classes as f32 })
            })
            .collect()
    }

    #[test]
    fn greedy_ctc_merges_repeats_and_drops_blanks() {
        let cs = charset();
        // classes: 0 blank, 1 O, 2 0, 3 A, 4 <, 5 中, 6 space
        let probs = rows(&[3, 3, 0, 3, 4, 4, 0, 0, 5, 6], cs.classes());
        let d = ctc_decode(&probs, cs.classes(), &cs, None);
        assert_eq!(d.text, "AA<中 ");
        assert!((d.confidence - 0.9).abs() < 1e-5);
    }

    #[test]
    fn the_mrz_decode_never_leaves_the_mrz_alphabet() {
        let cs = charset();
        let mut probs = rows(&[1, 0, 5, 0, 3], cs.classes());
        // At step 2 the free decode says 中; among MRZ classes `<` is next best.
        probs[2 * cs.classes() + 4] = 0.05;
        let (free, mrz) = decode_both(&probs, &cs);
        assert_eq!(free.text, "O中A");
        assert_eq!(mrz, "O<A");
    }

    #[test]
    fn a_dropped_word_space_is_restored_from_the_characters_spacing() {
        let cs = charset();
        // `AA` `AA` at a pitch of 3 columns, then a gap of 6: `AOA AO` read without its space.
        let seq = [3, 0, 0, 1, 0, 0, 3, 0, 0, 0, 0, 0, 3, 0, 0, 1, 0, 0];
        let (free, mrz) = decode_both(&rows(&seq, cs.classes()), &cs);
        assert_eq!(free.text, "AOA AO");
        assert_eq!(mrz, "AOAAO", "the MRZ decode has no spaces");
        // Evenly spaced characters get none.
        let even = [3, 0, 0, 1, 0, 0, 3, 0, 0, 1, 0, 0, 3];
        assert_eq!(decode_both(&rows(&even, cs.classes()), &cs).0.text, "AOAOA");
    }

    #[test]
    fn a_long_line_is_cut_in_the_middle_of_its_widest_middle_gap() {
        // Dark but for one light column at x = 450 (a letter's hollow) and a light stretch
        // 500..530 (a gap between letters): the cut is at the gap's centre.
        let line = GrayImage::from_fn(1200, HEIGHT, |x, _| {
            let light = x == 450 || (500..530).contains(&x);
            image::Luma([if light { 250 } else { 20 }])
        });
        let parts = pieces(&line);
        let margin = HEIGHT / 2;
        let widths: Vec<u32> = parts.iter().map(GrayImage::width).collect();
        assert_eq!(widths, vec![515 + margin, 1200 - 515 + margin]);
        assert_eq!(
            parts[0].get_pixel(515 + margin - 1, 0).0[0],
            250,
            "light margin"
        );
        let short = GrayImage::new(SPLIT_WIDTH, HEIGHT);
        assert_eq!(pieces(&short).len(), 1);
    }

    #[test]
    fn batches_pad_to_the_widest_line() {
        let a = GrayImage::from_pixel(10, HEIGHT, image::Luma([255]));
        let b = GrayImage::from_pixel(20, HEIGHT, image::Luma([0]));
        let (data, width) = batch_tensor(&[&a, &b]);
        assert_eq!(width, 320);
        assert_eq!(data.len(), 2 * 3 * 320 * HEIGHT as usize);
        assert_eq!((data[0], data[10]), (1.0, 0.0), "white, then padding");
        assert_eq!(batch_order(&[30, 10, 20]), vec![1, 2, 0]);
        let widths = [100, 700, 50];
        let groups = batches(&batch_order(&widths), &widths);
        assert_eq!(groups, vec![vec![2], vec![0], vec![1]]);
    }
}
