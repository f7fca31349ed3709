//! The two networks, parsed and optimised once by `tract`: the detector for its two fixed
//! input sizes (`detect`), the recogniser for each line-width bucket. The recogniser's character list comes from its ONNX metadata entry
//! `character`, which `tract` keeps as the model property `onnx.metadata_props.character`.

use std::io::Cursor;
use std::sync::Arc;

use image::GrayImage;
use tract_onnx::prelude::*;

use crate::detect::{self, DetectConfig, LineBox, LANDSCAPE};
use crate::recognise::{self, Charset, Decoded};
use crate::OcrError;

type Plan = Arc<TypedRunnableModel>;
type Properties = std::collections::HashMap<String, Arc<Tensor>>;

pub struct Networks {
    /// The detector planned for each fixed input orientation.
    landscape: Plan,
    portrait: Plan,
    /// The recogniser planned for each of [`recognise::WIDTHS`] (its attention blocks reshape
    /// by the input width and batch, which `tract` needs to know).
    recognisers: Vec<Plan>,
    charset: Charset,
}

fn load_error(model: &'static str) -> impl Fn(TractError) -> OcrError {
    move |e| OcrError::Load {
        model,
        message: format!("{e:#}"),
    }
}

fn inference(e: TractError) -> OcrError {
    OcrError::Inference(format!("{e:#}"))
}

/// Parses `bytes`, declares input 0 as f32 of `shape` (`None` = a fresh symbol), optimises.
fn plan(
    model: &'static str,
    bytes: &[u8],
    shape: [Option<usize>; 4],
) -> Result<(Plan, Properties), OcrError> {
    let inference_model = tract_onnx::onnx()
        .model_for_read(&mut Cursor::new(bytes))
        .map_err(load_error(model))?;
    let names = ["N", "C", "H", "W"];
    let dims: TVec<TDim> = shape
        .iter()
        .zip(names)
        .map(|(d, n)| match d {
            Some(v) => v.to_dim(),
            None => inference_model.sym(n).to_dim(),
        })
        .collect();
    let properties = inference_model.properties.clone();
    let plan = inference_model
        .with_input_fact(0, InferenceFact::dt_shape(f32::datum_type(), dims))
        .and_then(|m| m.into_optimized())
        .and_then(|m| m.into_runnable())
        .map_err(load_error(model))?;
    Ok((plan, properties))
}

impl Networks {
    pub fn load(detector: &[u8], recogniser: &[u8]) -> Result<Self, OcrError> {
        let (w, h) = (LANDSCAPE.0 as usize, LANDSCAPE.1 as usize);
        let (landscape, _) = plan("detector", detector, [Some(1), Some(3), Some(h), Some(w)])?;
        let (portrait, _) = plan("detector", detector, [Some(1), Some(3), Some(w), Some(h)])?;
        let mut recognisers = Vec::new();
        let mut meta = Properties::new();
        for width in recognise::WIDTHS {
            let height = recognise::HEIGHT as usize;
            let (plan, properties) = plan(
                "recogniser",
                recogniser,
                [
                    Some(recognise::BATCH),
                    Some(3),
                    Some(height),
                    Some(width as usize),
                ],
            )?;
            recognisers.push(plan);
            meta = properties;
        }
        let list = meta
            .get("onnx.metadata_props.character")
            .and_then(|t| {
                t.try_as_plain_ram()
                    .ok()?
                    .to_scalar::<String>()
                    .ok()
                    .cloned()
            })
            .ok_or(OcrError::NoCharacterList)?;
        Ok(Self {
            landscape,
            portrait,
            recognisers,
            charset: Charset::new(&list),
        })
    }

    /// Line boxes in `gray`'s pixels.
    pub fn detect(&self, gray: &GrayImage, cfg: &DetectConfig) -> Result<Vec<LineBox>, OcrError> {
        let (data, (w, h), scale) = detect::preprocess(gray);
        let input =
            Tensor::from_shape(&[1, 3, h as usize, w as usize], &data).map_err(inference)?;
        let plan = if w >= h {
            &self.landscape
        } else {
            &self.portrait
        };
        let out = plan.run(tvec!(input.into())).map_err(inference)?;
        let map = out
            .first()
            .ok_or_else(|| OcrError::Inference("no detector output".into()))?;
        let shape = map.shape().to_vec();
        let view = map.try_as_plain_ram().map_err(inference)?;
        let prob = view.as_slice::<f32>().map_err(inference)?;
        let (mh, mw) = (shape[shape.len() - 2], shape[shape.len() - 1]);
        // The map has the input's size (or a fraction of it); undo that and the fit.
        let to_original = w as f32 / mw as f32 / scale;
        Ok(detect::boxes(prob, mw, mh, to_original, cfg))
    }

    /// Free and MRZ decodes of each line, in the order given; lines are batched by width.
    pub fn recognise(&self, lines: &[GrayImage]) -> Result<Vec<(Decoded, String)>, OcrError> {
        let widths: Vec<u32> = lines.iter().map(GrayImage::width).collect();
        let order = recognise::batch_order(&widths);
        let mut out: Vec<Option<(Decoded, String)>> = vec![None; lines.len()];
        for chunk in recognise::batches(&order, &widths) {
            let batch: Vec<&GrayImage> = chunk.iter().map(|&i| &lines[i]).collect();
            let (data, width) = recognise::batch_tensor(&batch);
            let bucket = recognise::WIDTHS
                .iter()
                .position(|&w| w == width)
                .unwrap_or(0);
            let shape = [batch.len(), 3, recognise::HEIGHT as usize, width as usize];
            let input = Tensor::from_shape(&shape, &data).map_err(inference)?;
            let result = self.recognisers[bucket]
                .run(tvec!(input.into()))
                .map_err(inference)?;
            let probs = result
                .first()
                .ok_or_else(|| OcrError::Inference("no recogniser output".into()))?;
            let dims = probs.shape().to_vec();
            let view = probs.try_as_plain_ram().map_err(inference)?;
            let all = view.as_slice::<f32>().map_err(inference)?;
            let per_line = all.len() / batch.len().max(1);
            if dims.last().copied() != Some(self.charset.classes()) {
                return Err(OcrError::Inference(format!(
                    "recogniser output {dims:?} does not match {} classes",
                    self.charset.classes()
                )));
            }
            for (k, &i) in chunk.iter().enumerate() {
                let row = &all[k * per_line..(k + 1) * per_line];
                out[i] = Some(recognise::decode_both(row, &self.charset));
            }
        }
        Ok(out.into_iter().flatten().collect())
    }
}
