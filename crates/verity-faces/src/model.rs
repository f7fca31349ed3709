//! Loading an ONNX graph into a tract plan with a fixed input shape, running it, and the one
//! error type of this crate.

use std::sync::Arc;

use image::RgbImage;
use thiserror::Error;
use tract_onnx::prelude::*;

pub(crate) type Plan = Arc<TypedRunnableModel>;

/// Why the engine could not load or run.
#[derive(Debug, Error)]
pub enum EngineError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("the {model} model does not load: {message}")]
    Load {
        model: &'static str,
        message: String,
    },
    #[error("inference failed: {0}")]
    Inference(String),
    #[error("unexpected model output: {0}")]
    Shape(&'static str),
}

impl From<TractError> for EngineError {
    fn from(e: TractError) -> Self {
        Self::Inference(format!("{e:#}"))
    }
}

/// Parses, types and optimises `bytes` for one input of `shape` (f32).
pub(crate) fn load_plan(
    model: &'static str,
    bytes: &[u8],
    shape: [usize; 4],
) -> Result<Plan, EngineError> {
    let load = || -> TractResult<Plan> {
        tract_onnx::onnx()
            .model_for_read(&mut &*bytes)?
            .with_input_fact(0, f32::fact(shape).into())?
            .into_optimized()?
            .into_runnable()
    };
    load().map_err(|e| EngineError::Load {
        model,
        message: format!("{e:#}"),
    })
}

/// Runs `plan` on one input and checks it produced `outputs` tensors.
pub(crate) fn run_single(
    plan: &Plan,
    input: Tensor,
    outputs: usize,
) -> Result<TVec<TValue>, EngineError> {
    let out = plan.run(tvec!(input.into()))?;
    if out.len() != outputs {
        return Err(EngineError::Shape("wrong number of outputs"));
    }
    Ok(out)
}

/// A model output's values, in row-major order.
pub(crate) fn floats(tensor: &Tensor) -> Result<Vec<f32>, EngineError> {
    Ok(tensor.try_as_plain_ram()?.as_slice::<f32>()?.to_vec())
}

/// `images` as one N×3×H×W tensor (all the same size), each channel value mapped by `scale`.
pub(crate) fn nchw(images: &[&RgbImage], scale: impl Fn(u8) -> f32) -> Result<Tensor, EngineError> {
    let Some(first) = images.first() else {
        return Err(EngineError::Shape("no image to batch"));
    };
    let (w, h) = (first.width() as usize, first.height() as usize);
    let mut data = Vec::with_capacity(images.len() * 3 * w * h);
    for image in images {
        if (image.width() as usize, image.height() as usize) != (w, h) {
            return Err(EngineError::Shape("batched images differ in size"));
        }
        data.extend(planes(image, &scale));
    }
    Ok(Tensor::from_shape(&[images.len(), 3, h, w], &data)?)
}

fn planes(image: &RgbImage, scale: &impl Fn(u8) -> f32) -> Vec<f32> {
    let (w, h) = (image.width() as usize, image.height() as usize);
    let mut data = vec![0f32; 3 * w * h];
    for (x, y, p) in image.enumerate_pixels() {
        let at = y as usize * w + x as usize;
        for c in 0..3 {
            data[c * w * h + at] = scale(p.0[c]);
        }
    }
    data
}
