//! MobileFaceNet embeddings (`models/mobilefacenet.onnx`): a 112×112 aligned RGB crop scaled
//! to `(v − 127.5) / 128` in, 192 numbers out. The graph has a fixed batch of two (it was built
//! to compare a pair); a single face is run beside a copy of itself. The output is not
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

    /// The unit-length embedding of an aligned crop; `None` if the network gives all zeros.
    pub fn embed(&self, crop: &RgbImage) -> Result<Option<Embedding>, EngineError> {
        let input = nchw(&[crop, crop], |v| (f32::from(v) - 127.5) / 128.0)?;
        let out = run_single(&self.plan, input, 1)?;
        let values = floats(&out[0])?;
        if values.len() != BATCH * DIMENSIONS {
            return Err(EngineError::Shape("embedding output is not 2×192"));
        }
        Ok(Embedding::normalised(values[..DIMENSIONS].to_vec()))
    }
}
