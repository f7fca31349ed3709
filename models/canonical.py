"""Rewrites an ONNX file produced by tflite2onnx in a canonical order.

tflite2onnx 0.4.1 emits initializers and value_info in set order, which changes from run to
run; sorting them by name makes the bytes (and so the SHA-256 in models/README.md)
reproducible. The graph itself is not changed.
"""
import sys

import onnx


def canonical(path: str) -> None:
    model = onnx.load(path)
    graph = model.graph
    for field in (graph.initializer, graph.value_info):
        items = sorted(field, key=lambda t: t.name)
        del field[:]
        field.extend(items)
    onnx.save(model, path)


if __name__ == "__main__":
    for p in sys.argv[1:]:
        canonical(p)
