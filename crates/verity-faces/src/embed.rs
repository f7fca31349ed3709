//! MobileFaceNet embeddings (`models/mobilefacenet.onnx`): a 112×112 aligned RGB crop scaled
//! to `(v − 127.5) / 128` in, 192 numbers out. The graph has a fixed batch of two (it was built
//! to compare a pair): faces run two at a time, a single one beside a copy of itself. The output is not
//! normalised; [`Embedding::normalised`] makes it unit length.

use image::RgbImage;
use verity_checks::Embedding;

use crate::align::CROP;
use crate::model::{floats, load_plan, nchw, run_single, EngineError, Plan};

const BATCH: usize = 2;
pub const DIMENSIONS: usize = 192;

pub struct Embedder {
    plan: Plan,
}

impl Embedder {
    pub fn load(bytes: &[u8]) -> Result<Self, EngineError> {
        let side = CROP as usize;
        let plan = load_plan("face embedding", bytes, [BATCH, 3, side, side])?;
        Ok(Self { plan })
    }

    /// The unit-length embeddings of `crops` (`None` where the network gives all zeros), in
    /// order, run two at a time (the graph's fixed batch); an odd last crop runs beside a copy
    /// of itself.
    pub fn embed_all(&self, crops: &[&RgbImage]) -> Result<Vec<Option<Embedding>>, EngineError> {
        let mut out = Vec::with_capacity(crops.len());
        for pair in crops.chunks(BATCH) {
            let batch = [pair[0], *pair.last().unwrap_or(&pair[0])];
            let input = nchw(&batch, |v| (f32::from(v) - 127.5) / 128.0)?;
            let values = floats(&run_single(&self.plan, input, 1)?[0])?;
            if values.len() != BATCH * DIMENSIONS {
                return Err(EngineError::Shape("embedding output is not 2×192"));
            }
            for row in values.chunks(DIMENSIONS).take(pair.len()) {
                out.push(Embedding::normalised(row.to_vec()));
            }
        }
        Ok(out)
    }
}
