//! Tract runs the shipped graphs as onnxruntime does: on a fixed input (`i mod 251` scaled to
//! [-1, 1]) each output's first values and L2 norm match those onnxruntime 1.32 printed for the
//! same files (`models/README.md`, "Runtime parity").

use tract_onnx::prelude::*;

use crate::model::{floats, load_plan, run_single};

fn fixed_input(shape: [usize; 4]) -> Tensor {
    let n: usize = shape.iter().product();
    let data: Vec<f32> = (0..n).map(|i| (i % 251) as f32 / 125.0 - 1.0).collect();
    Tensor::from_shape(&shape, &data).expect("shape matches the data")
}

fn assert_close(what: &str, got: &[f32], first: [f32; 4], norm: f64) {
    let got_norm = got
        .iter()
        .map(|v| f64::from(*v).powi(2))
        .sum::<f64>()
        .sqrt();
    println!("{what}: first {:?}, norm {got_norm}", &got[..4]);
    for (g, w) in got.iter().zip(first) {
        assert!(
            (g - w).abs() < 1e-3 * w.abs().max(1.0),
            "{what}: {g} vs {w}"
        );
    }
    assert!(
        (got_norm - norm).abs() < 1e-4 * norm,
        "{what}: norm {got_norm} vs {norm}"
    );
}

#[test]
fn mobilefacenet_matches_onnxruntime() {
    let shape = [2, 3, 112, 112];
    let plan = load_plan("face embedding", crate::SHIPPED_EMBEDDER, shape).expect("loads");
    let out = run_single(&plan, fixed_input(shape), 1).expect("runs");
    let values = floats(&out[0]).expect("f32");
    let first = [-0.143_351_35, 0.634_153, 0.433_922_98, 0.153_214_65];
    assert_close("embeddings", &values, first, 30.635_780_224_906_142);
}

#[test]
fn blazeface_matches_onnxruntime() {
    let shape = [1, 3, 128, 128];
    let plan = load_plan("face detector", crate::SHIPPED_DETECTOR, shape).expect("loads");
    let out = run_single(&plan, fixed_input(shape), 2).expect("runs");
    let boxes = floats(&out[0]).expect("f32");
    let first = [-0.126_723_89, -0.666_332_6, 26.929_623, 26.929_205];
    assert_close("regressors", &boxes, first, 2_781.129_395_897_869_5);
    let scores = floats(&out[1]).expect("f32");
    let first = [-5.479_692_5, -4.502_016, -4.895_238_4, -4.134_331_7];
    assert_close("classificators", &scores, first, 218.127_353_448_476_38);
}
