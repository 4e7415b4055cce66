"""Compares onyx's output_<i>.pb files with golden output_<i>.pb files.

usage: compare_outputs.py GOT_DIR WANT_DIR
Passes when |got - want| <= 1e-4 + 1e-3 * |want| elementwise, names, shapes and dtypes equal.
"""
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper


def load(path):
    t = onnx.TensorProto()
    t.ParseFromString(Path(path).read_bytes())
    return t.name, numpy_helper.to_array(t)


def main(got_dir, want_dir):
    wants = sorted(Path(want_dir).glob("output_*.pb"))
    if not wants:
        sys.exit(f"no golden outputs in {want_dir}")
    for want_path in wants:
        got_path = Path(got_dir) / want_path.name
        if not got_path.exists():
            sys.exit(f"{got_path} missing")
        got_name, got = load(got_path)
        want_name, want = load(want_path)
        if want_name and got_name != want_name:
            sys.exit(f"{want_path.name}: name {got_name!r} != {want_name!r}")
        if got.shape != want.shape or got.dtype != want.dtype:
            sys.exit(f"{want_path.name}: {got.dtype}{got.shape} != {want.dtype}{want.shape}")
        diff = np.abs(got.astype(np.float64) - want.astype(np.float64))
        bound = 1e-4 + 1e-3 * np.abs(want.astype(np.float64))
        if not np.all(diff <= bound):
            i = int(np.argmax(diff - bound))
            sys.exit(f"{want_path.name}: max excess at flat {i}: got {got.flat[i]} want {want.flat[i]}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
