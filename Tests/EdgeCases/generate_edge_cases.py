#!/usr/bin/env python3
"""Generate a differential corpus of attribute edge cases for every op Onyx runs.

Each case is a small hand-built model (mostly a single node) whose golden
outputs come from onnxruntime (CPU execution provider, all graph optimizations
disabled).  The layout is the ONNX backend-test one::

    OUT/<case>/model.onnx
    OUT/<case>/test_data_set_0/input_<i>.pb     # i-th fed graph input (TensorProto named like it)
    OUT/<case>/test_data_set_0/output_<i>.pb    # i-th graph output

Graph inputs are real (fed) graph inputs unless a case is about a constant
input (Reshape's shape, Pad's pads, Clip's min/max, ...): those come as an
initializer and, where onnxruntime accepts it, once more as a fed graph input.
Models whose opset selects IR version 3 (opsets 7 and 8) also list their
initializers among the graph inputs, as that IR version requires.

Usage::

    generate_edge_cases.py --out Tests/EdgeCases/generated    # wipe OUT, write every case
    generate_edge_cases.py --out DIR --only conv              # only cases whose name contains 'conv'
    generate_edge_cases.py --out DIR --cross-check            # also compare onnxruntime with
        # onnx.reference (the spec's executable reference) and with onnx shape
        # inference; prints `xcheck NAME: ...` for each disagreement, labelled
        # when it is one of the KNOWN_CROSS_CHECK_NOTES
    generate_edge_cases.py --out DIR --list                   # print the case names

A case onnxruntime rejects is not written (`skipped NAME: reason`).  Cases where
onnxruntime's result disagrees with the ONNX spec are dropped on purpose; they
are listed in ORT_DEVIATIONS with the reason.  Spec-valid attribute values that
onnxruntime rejects outright (even LRN sizes, 3-D LRN input, Conv dilations with
auto_pad SAME_*, int64 Relu) are left out, with a comment where they would be.
Everything is deterministic: inputs come from numpy generators with fixed seeds
(one per op section).  Check a build of Onyx against the corpus with
Tests/EdgeCases/check_with_cli.sh.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

# Written into OUT so that we only ever wipe a directory we created ourselves.
MARKER = ".generated-by-generate_edge_cases"

# Cases whose onnxruntime result does not follow the ONNX spec.  They are not
# written, because a golden from onnxruntime would test Onyx against the wrong
# answer.  (Found with --cross-check against onnx.reference plus reading the
# operator spec; see the comment on each entry.)
ORT_DEVIATIONS: dict[str, str] = {
    # Dropout-7 and -10 at inference: onnxruntime returns Y = X (right) but an all-zero / all-false
    # mask, i.e. "every element dropped", which contradicts Y = X.  The mask marks the kept
    # elements (Dropout-12 spells it out: output = scale * data * mask), so a copy of the input
    # goes with an all-true mask; onnx.reference returns all true for these versions, and
    # onnxruntime's own Dropout-12+ masks are all true (those cases are kept).
    "dropout_with_mask_op7": "Dropout-7 inference mask is all 0.0 (spec semantics: all 1.0)",
    "dropout_ratio_attr_mask_op10": "Dropout-10 inference mask is all false (spec semantics: all true)",
}


# --------------------------------------------------------------------------- #
# Case description
# --------------------------------------------------------------------------- #


class K:
    """An initializer (constant) node input."""

    def __init__(self, value: np.ndarray) -> None:
        self.value = np.asarray(value)


@dataclass
class Case:
    name: str
    opset: int
    nodes: list[onnx.NodeProto]
    inputs: list[tuple[str, np.ndarray]]  # fed graph inputs, in order
    outputs: list[str]
    inits: list[tuple[str, np.ndarray]] = field(default_factory=list)
    symbolic: dict[str, dict[int, str]] = field(default_factory=dict)  # input -> {axis: dim_param}
    out_types: dict[str, int] = field(default_factory=dict)  # output -> TensorProto type, where inference has none


CASES: list[Case] = []
_NAMES: set[str] = set()


def add(case: Case) -> None:
    if case.name in _NAMES:
        raise SystemExit(f"error: duplicate case name {case.name!r}")
    _NAMES.add(case.name)
    CASES.append(case)


def node_case(name: str, opset: int, op: str, ins: list, n_out: int = 1,
              out_names: list[str] | None = None, symbolic=None, out_types=None, **attrs) -> None:
    """One-node case.  `ins` items: ndarray = fed graph input, K(arr) = initializer,
    None = omitted optional input ('')."""
    inputs, inits, names = [], [], []
    for i, item in enumerate(ins):
        if item is None:
            names.append("")
        elif isinstance(item, K):
            n = f"c{i}"
            inits.append((n, item.value))
            names.append(n)
        else:
            n = f"x{i}"
            inputs.append((n, np.asarray(item)))
            names.append(n)
    # Trailing omitted inputs are simply left off.
    while names and names[-1] == "":
        names.pop()
    outs = out_names or [f"y{j}" for j in range(n_out)]
    attrs = {k: v for k, v in attrs.items() if v is not None}
    node = helper.make_node(op, names, outs, name=f"{op.lower()}_node", **attrs)
    add(Case(name, opset, [node], inputs, outs, inits, symbolic or {},
             {outs[i]: t for i, t in (out_types or {}).items()}))


def f32(a) -> np.ndarray:
    return np.asarray(a, dtype=np.float32)


def i64(a) -> np.ndarray:
    return np.asarray(a, dtype=np.int64)


def randn(rng: np.random.Generator, *shape, scale: float = 1.0) -> np.ndarray:
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def randint(rng: np.random.Generator, *shape, lo: int = -20, hi: int = 20) -> np.ndarray:
    return rng.integers(lo, hi, size=shape, dtype=np.int64)


def distinct(rng: np.random.Generator, *shape) -> np.ndarray:
    """Distinct float32 values (a shuffled, scaled permutation), so max-pooling has no ties."""
    n = int(np.prod(shape))
    return ((rng.permutation(n) - n / 2) * 0.25).astype(np.float32).reshape(shape)


def ax(axis: int) -> str:
    """Case-name fragment for an axis: axis2, axis_neg1."""
    return f"axis{axis}" if axis >= 0 else f"axis_neg{-axis}"


def nonzero(rng: np.random.Generator, *shape) -> np.ndarray:
    """Float32 values bounded away from zero (divisors)."""
    a = rng.standard_normal(shape)
    return (np.sign(a) * (np.abs(a) + 0.5)).astype(np.float32)


# --------------------------------------------------------------------------- #
# Conv
# --------------------------------------------------------------------------- #


def conv_cases() -> None:
    rng = np.random.default_rng(1001)

    def conv(name, opsets, x_shape, w_shape, bias=True, ks=True, w_input=False, symbolic=None, **attrs):
        for opset in opsets:
            x = randn(rng, *x_shape)
            w = randn(rng, *w_shape, scale=0.5)
            b = randn(rng, w_shape[0])
            wi = w if w_input else K(w)
            bi = (b if w_input else K(b)) if bias else None
            node_case(f"{name}_op{opset}", opset, "Conv", [x, wi, bi],
                      kernel_shape=list(w_shape[2:]) if ks else None, symbolic=symbolic, **attrs)

    # Conv's semantics are the same in Conv-1, -11 and -22 (opsets 7..10, 11..21, 22+); the
    # basic cases run at all three, the others at one of them.
    # (onnxruntime rejects dilations combined with auto_pad SAME_*, so there is no such case.)
    # 2-D
    conv("conv2d_basic", [7, 11, 22], [1, 3, 7, 7], [4, 3, 3, 3])
    conv("conv2d_nobias", [11], [1, 3, 6, 6], [2, 3, 3, 3], bias=False)
    conv("conv2d_kernel_shape_omitted", [7], [1, 2, 6, 5], [3, 2, 3, 2], ks=False, pads=[1, 1, 1, 1])
    conv("conv2d_group2", [11], [1, 4, 6, 6], [6, 2, 3, 3], group=2, pads=[1, 1, 1, 1])
    conv("conv2d_group2_stride2_nobias", [13], [2, 4, 7, 7], [4, 2, 3, 3], bias=False, group=2, strides=[2, 2])
    conv("conv2d_group3_1x1", [22], [1, 6, 4, 5], [9, 2, 1, 1], group=3)
    conv("conv2d_depthwise_mult1", [7], [1, 4, 7, 7], [4, 1, 3, 3], group=4, pads=[1, 1, 1, 1])
    conv("conv2d_depthwise_mult2_stride2", [13], [2, 4, 8, 8], [8, 1, 3, 3], group=4, strides=[2, 2], pads=[1, 1, 1, 1])
    conv("conv2d_depthwise_dilated_pads", [11], [1, 3, 7, 8], [3, 1, 3, 3], group=3, dilations=[2, 2],
         pads=[2, 2, 2, 2])
    conv("conv2d_depthwise_k5_asym_pads", [18], [1, 2, 6, 6], [2, 1, 5, 5], group=2, pads=[2, 1, 2, 3])
    conv("conv2d_stride2", [7], [1, 2, 9, 10], [3, 2, 3, 3], strides=[2, 2])
    conv("conv2d_strides_3_2_pads", [22], [1, 2, 9, 10], [3, 2, 3, 3], strides=[3, 2], pads=[1, 0, 1, 1])
    conv("conv2d_stride_gt_kernel", [11], [1, 2, 9, 9], [2, 2, 2, 2], strides=[3, 3])
    conv("conv2d_dilations2", [7], [1, 2, 9, 9], [3, 2, 3, 3], dilations=[2, 2])
    conv("conv2d_dilations_1_3", [22], [1, 2, 8, 11], [3, 2, 3, 3], dilations=[1, 3])
    conv("conv2d_asym_pads", [11], [1, 2, 6, 6], [3, 2, 3, 3], pads=[1, 0, 2, 1])
    conv("conv2d_dilated_asym_pads", [22], [1, 2, 7, 8], [3, 2, 3, 3], dilations=[2, 2], pads=[2, 1, 0, 3])
    conv("conv2d_strided_dilated_asym_pads", [13], [2, 3, 9, 8], [4, 3, 3, 2], strides=[2, 3], dilations=[2, 1],
         pads=[1, 2, 2, 0])
    # Pads as large as the kernel: the border windows see only padding (output = bias).
    conv("conv2d_pads_eq_kernel", [11], [1, 2, 4, 4], [2, 2, 2, 2], pads=[2, 2, 2, 2])
    for mode, opsets in [("SAME_UPPER", [7]), ("SAME_LOWER", [22]), ("VALID", [11])]:
        tag = mode.lower()
        conv(f"conv2d_auto_{tag}_stride2_odd", opsets, [1, 2, 7, 9], [3, 2, 3, 3], strides=[2, 2], auto_pad=mode)
        if mode != "VALID":
            conv(f"conv2d_auto_{tag}_even_kernel", [11], [1, 2, 6, 7], [2, 2, 2, 4], auto_pad=mode)
            conv(f"conv2d_auto_{tag}_k4_stride2", [13], [1, 2, 8, 9], [2, 2, 4, 4], strides=[2, 2], auto_pad=mode)
    conv("conv2d_1x1_stride2", [11], [1, 4, 7, 6], [5, 4, 1, 1], strides=[2, 2])
    conv("conv2d_1x1_stride2_asym_pads", [13], [1, 3, 5, 5], [2, 3, 1, 1], strides=[2, 2], pads=[1, 0, 0, 1])
    conv("conv2d_batch3", [22], [3, 3, 6, 6], [4, 3, 3, 3], pads=[1, 1, 1, 1])
    conv("conv2d_batch3_symbolic_n", [13], [3, 2, 5, 5], [3, 2, 3, 3], strides=[2, 2], symbolic={"x0": {0: "N"}})
    conv("conv2d_nonsquare", [11], [1, 2, 5, 11], [3, 2, 3, 2], pads=[1, 0, 1, 1])
    conv("conv2d_kernel_eq_input", [11], [2, 3, 5, 5], [4, 3, 5, 5])
    conv("conv2d_kernel_eq_input_pads1", [11], [1, 2, 4, 4], [3, 2, 4, 4], pads=[1, 1, 1, 1])
    conv("conv2d_weights_as_inputs", [11], [1, 3, 5, 5], [2, 3, 3, 3], w_input=True, pads=[1, 1, 1, 1])
    conv("conv2d_many_channels", [13], [1, 33, 5, 5], [17, 33, 3, 3], pads=[1, 1, 1, 1])
    # 1-D
    conv("conv1d_basic", [7, 22], [2, 3, 10], [4, 3, 3])
    conv("conv1d_nobias_kernel_shape_omitted", [11], [1, 2, 8], [3, 2, 2], bias=False, ks=False)
    conv("conv1d_stride3_pads", [13], [1, 2, 11], [3, 2, 4], strides=[3], pads=[2, 1])
    conv("conv1d_dilation2", [11], [1, 2, 12], [3, 2, 3], dilations=[2])
    conv("conv1d_asym_pads", [7], [1, 2, 7], [3, 2, 3], pads=[0, 2])
    conv("conv1d_depthwise_mult1", [11], [2, 3, 9], [3, 1, 3], group=3, pads=[1, 1])
    conv("conv1d_depthwise_mult2_stride2", [22], [1, 3, 9], [6, 1, 3], group=3, strides=[2])
    for mode in ["SAME_UPPER", "SAME_LOWER"]:
        conv(f"conv1d_auto_{mode.lower()}_stride2", [11], [1, 2, 11], [3, 2, 4], strides=[2], auto_pad=mode)
    # 3-D (not a priority for Onyx, but a shape the spec allows)
    conv("conv3d_strides_pads", [11], [1, 2, 4, 5, 6], [3, 2, 2, 3, 2], strides=[1, 2, 2], pads=[0, 1, 1, 1, 0, 0])


# --------------------------------------------------------------------------- #
# Gemm / MatMul
# --------------------------------------------------------------------------- #


def gemm_cases() -> None:
    rng = np.random.default_rng(2002)
    M, Kd, N = 3, 4, 5

    def ab(ta, tb, m=M, k=Kd, n=N):
        a = randn(rng, *((k, m) if ta else (m, k)))
        b = randn(rng, *((n, k) if tb else (k, n)))
        return a, b

    # Gemm-7 (opsets 7, 8) needs C; Gemm-9 widens types; Gemm-11 makes C optional; Gemm-13 bfloat16.
    for opset, combos in [(7, [(0, 0), (1, 1)]), (9, [(1, 0)]), (11, [(1, 1)]),
                          (13, [(0, 0), (0, 1), (1, 0), (1, 1)])]:
        for ta, tb in combos:
            a, b = ab(ta, tb)
            node_case(f"gemm_transA{ta}_transB{tb}_op{opset}", opset, "Gemm", [a, K(b), K(randn(rng, N))],
                      transA=ta or None, transB=tb or None)
    for opset in [7, 13]:
        a, b = ab(0, 1)
        node_case(f"gemm_alpha_beta_op{opset}", opset, "Gemm", [a, K(b), K(randn(rng, M, N))],
                  alpha=0.5, beta=2.0, transB=1)
    a, b = ab(1, 0)
    node_case("gemm_beta0_op11", 11, "Gemm", [a, K(b), K(randn(rng, N))], beta=0.0, transA=1)
    c_shapes = {"n": [N], "1n": [1, N], "m1": [M, 1], "mn": [M, N], "scalar": []}
    for tag, shape in c_shapes.items():
        a, b = ab(0, 0)
        node_case(f"gemm_c_{tag}_op13", 13, "Gemm", [a, K(b), K(randn(rng, *shape))], alpha=1.5, beta=-0.5)
    for tag in ["m1", "scalar"]:
        a, b = ab(0, 1)
        node_case(f"gemm_c_{tag}_op7", 7, "Gemm", [a, K(b), K(randn(rng, *c_shapes[tag]))], transB=1)
    for tag in ["m1"]:
        a, b = ab(0, 0)
        node_case(f"gemm_c_{tag}_as_input_op11", 11, "Gemm", [a, b, randn(rng, *c_shapes[tag])])
    for opset, (ta, tb) in [(11, (0, 0)), (13, (1, 1))]:
        a, b = ab(ta, tb)
        node_case(f"gemm_no_c_transA{ta}_transB{tb}_op{opset}", opset, "Gemm", [a, K(b)],
                  transA=ta or None, transB=tb or None, alpha=0.7)
    a, b = ab(0, 1)
    node_case("gemm_no_c_beta_given_op13", 13, "Gemm", [a, K(b)], beta=3.0, transB=1)
    a, b = ab(0, 1, m=1, k=7, n=3)
    node_case("gemm_m1_op13", 13, "Gemm", [a, K(b), K(randn(rng, 3))], transB=1)
    a, b = ab(0, 0, m=4, k=1, n=3)
    node_case("gemm_k1_op13", 13, "Gemm", [a, b, randn(rng, 3)])
    a, b = ab(1, 1, m=6, k=9, n=1)
    node_case("gemm_n1_trans_both_op9", 9, "Gemm", [a, K(b), K(randn(rng, 1))], transA=1, transB=1, alpha=-1.0)
    a, b = ab(0, 1, m=2, k=40, n=33)
    node_case("gemm_fc_symbolic_batch_op13", 13, "Gemm", [a, K(b), K(randn(rng, 33))], transB=1,
              symbolic={"x0": {0: "N"}})


def matmul_cases() -> None:
    rng = np.random.default_rng(3003)
    shapes = [
        ("1d_2d", [4], [4, 3]),
        ("2d_1d", [3, 4], [4]),
        ("1d_1d", [5], [5]),
        ("3d_3d", [2, 3, 4], [2, 4, 5]),
        ("4d_2d", [2, 3, 4, 5], [5, 2]),
        ("2d_4d", [3, 4], [2, 2, 4, 5]),
        ("bcast_2134_542", [2, 1, 3, 4], [5, 4, 2]),
        ("bcast_14_345", [1, 4], [3, 4, 5]),
        ("3d_1d", [2, 3, 4], [4]),
        ("k1", [3, 1], [1, 4]),
    ]
    opsets = [7, 9, 13]
    for i, (tag, sa, sb) in enumerate(shapes):
        opset = opsets[i % len(opsets)]
        node_case(f"matmul_{tag}_op{opset}", opset, "MatMul", [randn(rng, *sa), randn(rng, *sb)])
    node_case("matmul_3d_2d_b_init_op11", 11, "MatMul", [randn(rng, 2, 3, 8), K(randn(rng, 8, 6))])
    node_case("matmul_int64_op13", 13, "MatMul", [randint(rng, 3, 4, lo=-5, hi=5), randint(rng, 4, 2, lo=-5, hi=5)])


# --------------------------------------------------------------------------- #
# Unary activations and math
# --------------------------------------------------------------------------- #


def unary_cases() -> None:
    rng = np.random.default_rng(4004)
    extremes = f32([-1000, -100, -50, -20, -1, -1e-6, 0, 1e-6, 1, 20, 50, 100, 1000])
    # (onnxruntime has no int64 Relu-14 kernel, so Relu runs on float only.)
    for opset in [7, 14]:
        node_case(f"relu_op{opset}", opset, "Relu", [randn(rng, 3, 4, 5)])
    node_case("relu_scalar_op13", 13, "Relu", [f32(-2.5)])
    node_case("relu_empty_op13", 13, "Relu", [np.zeros((2, 0, 3), np.float32)])
    node_case("leakyrelu_default_alpha_op7", 7, "LeakyRelu", [randn(rng, 3, 4, 5)])
    node_case("leakyrelu_alpha0.3_op16", 16, "LeakyRelu", [randn(rng, 3, 4, 5)], alpha=0.3)
    node_case("leakyrelu_alpha_negative_op16", 16, "LeakyRelu", [randn(rng, 2, 6)], alpha=-1.5)
    for op in ["Sigmoid", "Tanh"]:
        node_case(f"{op.lower()}_op7", 7, op, [randn(rng, 3, 4, 5, scale=3)])
        node_case(f"{op.lower()}_extremes_op13", 13, op, [extremes])
    node_case("exp_op7", 7, "Exp", [randn(rng, 3, 4, 5, scale=3)])
    node_case("exp_extremes_op13", 13, "Exp", [f32([-1000, -100, -87, -20, -1, 0, 1e-6, 1, 20, 80, 88])])
    node_case("log_op7", 7, "Log", [np.abs(randn(rng, 3, 4, 5, scale=5)) + f32(1e-3)])
    node_case("log_extremes_op13", 13, "Log", [f32([1e-38, 1e-30, 1e-6, 0.5, 1, 2, 1e6, 1e30, 3e38])])
    node_case("sqrt_op7", 7, "Sqrt", [np.abs(randn(rng, 3, 4, 5, scale=5))])
    node_case("sqrt_extremes_op13", 13, "Sqrt", [f32([0, 1e-38, 1e-12, 0.25, 1, 4, 1e12, 3e38])])
    node_case("abs_op7", 7, "Abs", [randn(rng, 3, 4, 5)])
    node_case("abs_int64_op13", 13, "Abs", [randint(rng, 3, 7)])
    node_case("neg_op13", 13, "Neg", [randn(rng, 3, 4, 5)])
    node_case("neg_int64_op13", 13, "Neg", [randint(rng, 3, 7)])
    node_case("neg_int32_op13", 13, "Neg", [rng.integers(-100, 100, size=(4, 3), dtype=np.int32)])
    node_case("neg_empty_op13", 13, "Neg", [np.zeros((0, 4), np.float32)])


def clip_cases() -> None:
    rng = np.random.default_rng(5005)

    def x():
        return randn(rng, 3, 4, 5, scale=2)

    # Clip-6 (opsets 7..10): min/max attributes, defaulting to -FLT_MAX / FLT_MAX.
    node_case("clip_attr_min_only_op7", 7, "Clip", [x()], min=-0.5)
    node_case("clip_attr_max_only_op7", 7, "Clip", [x()], max=0.7)
    node_case("clip_attr_both_op7", 7, "Clip", [x()], min=-1.0, max=1.5)
    node_case("clip_attr_neither_op7", 7, "Clip", [x()])
    node_case("clip_attr_relu6_op10", 10, "Clip", [x()], min=0.0, max=6.0)
    # Clip-11/12/13: min and max are optional scalar inputs ('' skips min).
    for opset in [11, 13]:
        if opset == 13:
            node_case("clip_both_op13", 13, "Clip", [x(), K(f32(-1.0)), K(f32(1.5))])
            # min > max: every element becomes max (the result of min(max(x, lo), hi)).
            node_case("clip_min_gt_max_op13", 13, "Clip", [x(), K(f32(1.0)), K(f32(-1.0))])
            continue
        node_case(f"clip_min_only_op{opset}", opset, "Clip", [x(), K(f32(-0.5))])
        node_case(f"clip_max_only_op{opset}", opset, "Clip", [x(), None, K(f32(0.7))])
        node_case(f"clip_neither_op{opset}", opset, "Clip", [x()])
    node_case("clip_both_as_inputs_op11", 11, "Clip", [x(), f32(-0.3), f32(0.4)])
    node_case("clip_min_input_max_omitted_op13", 13, "Clip", [x(), f32(0.1)])
    node_case("clip_min_gt_max_inputs_op13", 13, "Clip", [x(), f32(2.0), f32(0.5)])
    node_case("clip_int64_op13", 13, "Clip", [randint(rng, 3, 5), K(i64(-5)), K(i64(7))])
    node_case("clip_int64_max_only_op12", 12, "Clip", [randint(rng, 3, 5), None, K(i64(3))])


def softmax_cases() -> None:
    rng = np.random.default_rng(6006)
    big = np.concatenate([randn(rng, 2, 3, 6, scale=100), f32(np.full((2, 3, 1), 100.0)),
                          f32(np.full((2, 3, 1), -100.0))], axis=2)
    for op in ["Softmax", "LogSoftmax"]:
        low = op.lower()
        full = op == "Softmax"  # LogSoftmax gets a subset of the same geometries
        # Before opset 13 the input is coerced to 2-D at `axis` ([prod(dims[:axis]), prod(dims[axis:])])
        # and normalised over the second dim; the default axis is 1.
        for axis in ([0] if full else [2]):
            node_case(f"{low}_{ax(axis)}_4d_op7", 7, op, [randn(rng, 2, 3, 4, 5, scale=2)], axis=axis)
        for axis in ([0, 2, -1, -3] if full else [0, -1]):
            node_case(f"{low}_{ax(axis)}_4d_op11", 11, op, [randn(rng, 2, 3, 4, 5, scale=2)], axis=axis)
        node_case(f"{low}_default_axis_4d_op11", 11, op, [randn(rng, 2, 3, 4, 5)])
        node_case(f"{low}_large_magnitude_op11", 11, op, [big], axis=1)
        # Opset 13+: normalise along the one axis; the default axis is -1.
        for axis in ([0, 1, -1] if full else []):
            node_case(f"{low}_{ax(axis)}_3d_op13", 13, op, [randn(rng, 3, 4, 5, scale=2)], axis=axis)
        for axis in ([1] if full else [2]):
            node_case(f"{low}_{ax(axis)}_4d_op13", 13, op, [randn(rng, 2, 3, 4, 5, scale=2)], axis=axis)
        node_case(f"{low}_default_axis_3d_op13", 13, op, [randn(rng, 3, 4, 5)])
        node_case(f"{low}_large_magnitude_op13", 13, op, [big], axis=-1)
        if full:
            node_case(f"{low}_large_magnitude_axis0_op13", 13, op, [big * f32(10)], axis=0)
            node_case(f"{low}_1d_op13", 13, op, [randn(rng, 7)])
            node_case(f"{low}_axis_size1_op13", 13, op, [randn(rng, 3, 1, 4)], axis=1)
            node_case(f"{low}_equal_values_op13", 13, op, [f32(np.full((2, 5), 1000.0))])


# --------------------------------------------------------------------------- #
# Pooling
# --------------------------------------------------------------------------- #

# (tag, input shape, attributes, minimum opset for MaxPool, minimum opset for AveragePool)
# ceil_mode and MaxPool dilations arrive in opset 10, AveragePool dilations in opset 19.
# Output size with explicit pads: floor or ceil((in + pads - dilation * (k - 1) - 1) / stride) + 1,
# where (spec text since onnx 1.16, and onnxruntime) a window that would start in the right padding
# is dropped.  onnx's C++ shape inference still counts that window (e.g. 4 instead of 3 for the
# len5_k2_s2_p1 case) - which is why the generated models declare output ranks only.
POOL_GEOMETRIES = [
    ("1d_k3_s2", [1, 2, 9], dict(kernel_shape=[3], strides=[2]), 7, 7),
    ("1d_pads_1_2", [2, 2, 8], dict(kernel_shape=[3], pads=[1, 2]), 7, 7),
    ("2d_k2_s2", [1, 3, 6, 6], dict(kernel_shape=[2, 2], strides=[2, 2]), 7, 7),
    ("2d_k3_default_strides", [2, 2, 5, 5], dict(kernel_shape=[3, 3]), 7, 7),
    ("2d_strides_1_2", [1, 2, 7, 8], dict(kernel_shape=[3, 3], strides=[1, 2]), 7, 7),
    ("2d_stride_gt_kernel", [1, 2, 8, 8], dict(kernel_shape=[2, 2], strides=[3, 3]), 7, 7),
    ("2d_asym_pads", [1, 2, 6, 7], dict(kernel_shape=[3, 3], pads=[0, 1, 2, 1]), 7, 7),
    ("2d_pads1_stride2", [1, 2, 7, 7], dict(kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]), 7, 7),
    ("2d_same_upper_stride2", [1, 2, 7, 9], dict(kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_UPPER"), 7, 7),
    ("2d_same_lower_stride2", [1, 2, 7, 9], dict(kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_LOWER"), 7, 7),
    ("2d_same_upper_k2", [1, 2, 5, 6], dict(kernel_shape=[2, 2], auto_pad="SAME_UPPER"), 7, 7),
    ("2d_same_lower_k2", [1, 2, 5, 6], dict(kernel_shape=[2, 2], auto_pad="SAME_LOWER"), 7, 7),
    ("2d_valid_stride2", [1, 2, 7, 9], dict(kernel_shape=[3, 3], strides=[2, 2], auto_pad="VALID"), 7, 7),
    ("2d_kernel_eq_input", [2, 2, 4, 5], dict(kernel_shape=[4, 5]), 7, 7),
    ("2d_dilations2", [1, 2, 7, 7], dict(kernel_shape=[2, 2], dilations=[2, 2]), 10, 19),
    ("2d_dilations_unequal_pads", [1, 2, 8, 7], dict(kernel_shape=[3, 2], dilations=[2, 3], pads=[1, 0, 1, 1]), 10, 19),
    ("2d_dilations_stride2_ceil", [1, 2, 8, 9], dict(kernel_shape=[2, 2], dilations=[2, 2], strides=[2, 2],
                                                     ceil_mode=1), 10, 19),
    # (6 + 2 - 3) / 2 = 2.5: ceil gives 4 windows, the last one starting on the last input element.
    ("1d_len6_k3_s2_p1_ceil", [1, 2, 6], dict(kernel_shape=[3], strides=[2], pads=[1, 1], ceil_mode=1), 10, 10),
    ("1d_len6_k3_s2_p1_floor", [1, 2, 6], dict(kernel_shape=[3], strides=[2], pads=[1, 1], ceil_mode=0), 10, 10),
    # ceil_mode where the extra window would start in the right padding (so it is dropped).
    ("1d_len5_k2_s2_p1_ceil", [1, 2, 5], dict(kernel_shape=[2], strides=[2], pads=[1, 1], ceil_mode=1), 10, 10),
    ("1d_len4_k2_s3_p1_ceil", [1, 2, 4], dict(kernel_shape=[2], strides=[3], pads=[1, 1], ceil_mode=1), 10, 10),
    ("1d_len5_k3_s2_p0_2_ceil", [1, 2, 5], dict(kernel_shape=[3], strides=[2], pads=[0, 2], ceil_mode=1), 10, 10),
    ("2d_ceil_no_pads", [1, 2, 6, 7], dict(kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1), 10, 10),
    ("2d_ceil_asym_pads", [1, 2, 6, 7], dict(kernel_shape=[3, 3], strides=[2, 2], pads=[1, 0, 0, 1], ceil_mode=1),
     10, 10),
    ("2d_ceil_pads1_k2_s2", [1, 2, 5, 5], dict(kernel_shape=[2, 2], strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1),
     10, 10),
    ("3d_k2_s2", [1, 2, 4, 5, 6], dict(kernel_shape=[2, 2, 2], strides=[2, 2, 2]), 7, 7),
    ("3d_pads_ceil", [1, 2, 4, 5, 5], dict(kernel_shape=[2, 3, 2], strides=[2, 2, 2], pads=[0, 1, 1, 1, 0, 0],
                                           ceil_mode=1), 10, 10),
]
MAXPOOL_OPSETS = [8, 10, 11, 12, 22]
AVGPOOL_OPSETS = [7, 10, 11, 19, 22]
# Geometries AveragePool runs with count_include_pad=1 as well, and ones only MaxPool runs.
COUNT_INCLUDE_PAD = {"1d_pads_1_2", "2d_asym_pads", "2d_same_upper_stride2", "2d_dilations_unequal_pads",
                     "1d_len6_k3_s2_p1_ceil", "1d_len5_k2_s2_p1_ceil", "2d_ceil_no_pads", "2d_ceil_asym_pads",
                     "3d_pads_ceil"}
MAXPOOL_ONLY = {"1d_k3_s2", "2d_k3_default_strides", "2d_strides_1_2", "2d_stride_gt_kernel", "3d_k2_s2"}


def _pick_opset(opsets: list[int], minimum: int, i: int) -> int:
    """One of the allowed opsets, rotating with `i` so that every opset gets used."""
    allowed = [o for o in opsets if o >= minimum]
    return allowed[i % len(allowed)]


def pool_cases() -> None:
    rng = np.random.default_rng(7007)
    for i, (tag, shape, attrs, min_max, min_avg) in enumerate(POOL_GEOMETRIES):
        opset = _pick_opset(MAXPOOL_OPSETS, max(min_max, 8), i)
        node_case(f"maxpool_{tag}_op{opset}", opset, "MaxPool", [distinct(rng, *shape)], **attrs)
        if tag in MAXPOOL_ONLY:
            continue
        opset = _pick_opset(AVGPOOL_OPSETS, min_avg, i + 2)
        node_case(f"averagepool_{tag}_op{opset}", opset, "AveragePool", [randn(rng, *shape)], **attrs)
        if tag in COUNT_INCLUDE_PAD:
            opset = _pick_opset(AVGPOOL_OPSETS, min_avg, i + 4)
            node_case(f"averagepool_{tag}_count_include_pad_op{opset}", opset, "AveragePool",
                      [randn(rng, *shape)], count_include_pad=1, **attrs)
    node_case("averagepool_2d_count_include_pad0_explicit_op11", 11, "AveragePool", [randn(rng, 1, 2, 5, 5)],
              kernel_shape=[3, 3], pads=[1, 1, 1, 1], count_include_pad=0)
    # MaxPool with the Indices output: flat indices into the unpadded input, batch and channel
    # included; storage_order=1 flattens the spatial dims column-major.
    idx_geoms = [
        ("2d_k2_s2", [2, 3, 4, 6], dict(kernel_shape=[2, 2], strides=[2, 2]), 8),
        ("2d_nonsquare_pads", [2, 2, 5, 4], dict(kernel_shape=[3, 2], pads=[1, 0, 1, 1]), 8),
        ("2d_ceil", [1, 2, 5, 7], dict(kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1), 10),
        ("2d_dilations", [1, 2, 6, 6], dict(kernel_shape=[2, 2], dilations=[2, 2]), 10),
        ("3d", [1, 2, 3, 4, 4], dict(kernel_shape=[2, 2, 2], strides=[1, 2, 2]), 8),
    ]
    for j, (tag, shape, attrs, minimum) in enumerate(idx_geoms):
        for order in ((0, 1) if j < 3 else (j % 2,)):
            opset = _pick_opset(MAXPOOL_OPSETS, minimum, 2 * j + order)
            node_case(f"maxpool_indices_{tag}_storage_order{order}_op{opset}", opset, "MaxPool",
                      [distinct(rng, *shape)], n_out=2, storage_order=order or None, **attrs)
    for op in ["GlobalAveragePool", "GlobalMaxPool"]:
        low = op.lower()
        node_case(f"{low}_3d_op7", 7, op, [randn(rng, 2, 3, 7)])
        node_case(f"{low}_4d_op22", 22, op, [randn(rng, 2, 3, 4, 5)])
        node_case(f"{low}_1x1_op13", 13, op, [randn(rng, 2, 3, 1, 1)])
        if op == "GlobalAveragePool":
            node_case(f"{low}_large_spatial_op13", 13, op, [randn(rng, 1, 4, 33, 31)])
        else:
            node_case(f"{low}_5d_op13", 13, op, [randn(rng, 1, 2, 3, 2, 4)])


# --------------------------------------------------------------------------- #
# Normalization
# --------------------------------------------------------------------------- #


def norm_cases() -> None:
    rng = np.random.default_rng(8008)

    def params(c):
        return (randn(rng, c), randn(rng, c), randn(rng, c),
                (rng.uniform(0.2, 2.0, c)).astype(np.float32))

    # BatchNormalization-7 (spatial attribute), -9, -14 (training_mode), -15 (separate param types).
    shapes = {"2d": [4, 3], "3d": [2, 3, 5], "4d": [2, 3, 4, 5]}
    for tag, opsets in [("2d", [7, 15]), ("3d", [9]), ("4d", [7, 14])]:
        for opset in opsets:
            shape = shapes[tag]
            s, b, m, v = params(shape[1])
            node_case(f"batchnorm_{tag}_op{opset}", opset, "BatchNormalization",
                      [randn(rng, *shape), K(s), K(b), K(m), K(v)])
    for opset in [9]:
        s, b, m, v = params(3)
        node_case(f"batchnorm_epsilon_op{opset}", opset, "BatchNormalization",
                  [randn(rng, 2, 3, 4, 4), K(s), K(b), K(m), K(v)], epsilon=0.1, momentum=0.5)
    s, b, m, v = params(4)
    node_case("batchnorm_params_as_inputs_op15", 15, "BatchNormalization", [randn(rng, 2, 4, 3, 3), s, b, m, v],
              epsilon=1e-3)
    s, b, m, v = params(3)
    node_case("batchnorm_training_mode0_op14", 14, "BatchNormalization",
              [randn(rng, 2, 3, 4, 4), K(s), K(b), K(m), K(v)], training_mode=0)
    s, b, m, v = params(2)
    node_case("batchnorm_5d_op15", 15, "BatchNormalization", [randn(rng, 1, 2, 3, 2, 4), K(s), K(b), K(m), K(v)])
    s, b, m, v = params(3)
    node_case("batchnorm_tiny_var_op15", 15, "BatchNormalization",
              [randn(rng, 2, 3, 2, 2), K(s), K(b), K(m), K(f32([0.0, 1e-8, 1e-3]))], epsilon=1e-5)
    # BatchNormalization-7's spatial=0: per-activation statistics, parameters of shape [C, H, W].
    c, h, w = 2, 3, 3
    pshape = (c, h, w)
    node_case("batchnorm_spatial0_op7", 7, "BatchNormalization",
              [randn(rng, 2, c, h, w), K(randn(rng, *pshape)), K(randn(rng, *pshape)), K(randn(rng, *pshape)),
               K(rng.uniform(0.2, 2.0, pshape).astype(np.float32))], spatial=0)

    # LRN.  The spec allows any size (window [c - floor((size-1)/2), c + ceil((size-1)/2)]), but
    # onnxruntime only accepts odd sizes and 4-D inputs, so there are no even-size or 3-D cases.
    for size in [1, 3, 5]:
        node_case(f"lrn_size{size}_op13", 13, "LRN", [randn(rng, 2, 6, 3, 4, scale=3)], size=size)
    node_case("lrn_size3_op7", 7, "LRN", [randn(rng, 2, 6, 3, 4, scale=3)], size=3)
    for opset in [13]:
        node_case(f"lrn_params_op{opset}", opset, "LRN", [randn(rng, 1, 5, 4, 4, scale=3)], size=3,
                  alpha=0.01, beta=0.5, bias=2.0)
    node_case("lrn_size_gt_channels_op13", 13, "LRN", [randn(rng, 1, 3, 4, 4, scale=3)], size=7, beta=1.0)


# --------------------------------------------------------------------------- #
# Elementwise binary / variadic
# --------------------------------------------------------------------------- #


def binary_cases() -> None:
    rng = np.random.default_rng(9009)
    bcasts = [
        ("same", [3, 4, 5], [3, 4, 5]),
        ("345_5", [3, 4, 5], [5]),
        ("315_141", [3, 1, 5], [1, 4, 1]),
        ("345_scalar", [3, 4, 5], []),
        ("scalar_345", [], [3, 4, 5]),
        ("345_1", [3, 4, 5], [1]),
        ("45_345", [4, 5], [3, 4, 5]),
        ("31_14", [3, 1], [1, 4]),
        ("341_15", [3, 4, 1], [1, 5]),
        ("2d_4d", [4, 5], [2, 3, 4, 5]),
        ("empty_03_3", [0, 3], [3]),
    ]
    ops = ["Add", "Sub", "Mul", "Div"]
    opsets = [7, 13, 14]
    # Each broadcast pattern with two of the four ops (rotating), at rotating opsets.
    for i, (tag, sa, sb) in enumerate(bcasts):
        for j in ((0, 1) if tag in ("scalar_345", "45_345", "315_141") else (0,)):
            op = ops[(i + 2 * j) % 4]
            opset = opsets[(i + j) % len(opsets)]
            b = nonzero(rng, *sb) if op == "Div" else randn(rng, *sb)
            node_case(f"{op.lower()}_bcast_{tag}_op{opset}", opset, op, [randn(rng, *sa), b])
    for i, op in enumerate(ops):
        opset = [7, 14][i % 2]
        a = randint(rng, 3, 4, lo=-50, hi=50)
        b = randint(rng, 4, lo=-9, hi=10)
        if op == "Div":
            b[b == 0] = 3
        node_case(f"{op.lower()}_int64_bcast_op{opset}", opset, op, [a, b])
    node_case("sub_int64_scalar_init_op13", 13, "Sub", [randint(rng, 2, 3), K(i64(-3))])
    node_case("mul_int64_scalar_init_op13", 13, "Mul", [K(i64(-3)), randint(rng, 2, 3)])
    node_case("add_int32_op13", 13, "Add",
              [rng.integers(-50, 50, (2, 3), dtype=np.int32), rng.integers(1, 9, (3,), dtype=np.int32)])
    # Integer Div truncates toward zero in onnxruntime (C semantics), unlike numpy's floor division.
    node_case("div_int64_negative_operands_op13", 13, "Div",
              [i64([7, -7, 7, -7, 1, -1, 0, 9, -9, 100]), i64([2, 2, -2, -2, 3, 3, 5, -4, 4, -7])])
    node_case("div_float_signed_zero_op13", 13, "Div", [f32([0.0, -0.0, 1.0, -1.0]), f32([3.0, 2.0, -4.0, 8.0])])
    node_case("add_float_init_bias_op13", 13, "Add", [randn(rng, 2, 4, 3, 3), K(randn(rng, 4, 1, 1))])
    add(Case("mul_same_input_twice_op13", 13, [helper.make_node("Mul", ["x", "x"], ["y"])],
             [("x", randn(rng, 3, 4))], ["y"]))

    # Sum / Max / Min: Sum-6 / Max-6 / Min-6 (opset 7) need equal shapes; -8 broadcast; Max/Min-12 add ints.
    for op in ["Sum", "Max", "Min"]:
        low = op.lower()
        node_case(f"{low}_3_inputs_equal_shapes_op7", 7, op, [randn(rng, 3, 4) for _ in range(3)])
        node_case(f"{low}_3_inputs_bcast_op13", 13, op, [randn(rng, 3, 1, 5), randn(rng, 4, 1), randn(rng, 1)])
        node_case(f"{low}_2_inputs_bcast_op8", 8, op, [randn(rng, 3, 4, 5), randn(rng, 5)])
    node_case("sum_1_input_op7", 7, "Sum", [randn(rng, 3, 4)])
    node_case("max_1_input_op8", 8, "Max", [randn(rng, 2, 3, 4)])
    node_case("min_1_input_op13", 13, "Min", [randn(rng, 2, 3, 4)])
    node_case("sum_scalar_and_tensor_op13", 13, "Sum", [f32(0.25), randn(rng, 2, 3)])
    node_case("sum_4_inputs_op13", 13, "Sum", [randn(rng, 2, 3) for _ in range(4)])
    node_case("min_3_inputs_bcast_grows_rank_op13", 13, "Min", [randn(rng, 5), randn(rng, 4, 1), randn(rng, 3, 1, 1)])
    node_case("max_int64_op13", 13, "Max", [randint(rng, 3, 4), randint(rng, 4)])
    node_case("min_int64_op12", 12, "Min", [randint(rng, 3, 4), randint(rng, 3, 1)])
    node_case("max_3_inputs_init_op12", 12, "Max", [randn(rng, 2, 3), K(f32(0.0)), K(randn(rng, 3))])


# --------------------------------------------------------------------------- #
# Data movement and shapes
# --------------------------------------------------------------------------- #


def concat_cases() -> None:
    rng = np.random.default_rng(10010)
    node_case("concat_axis0_op7", 7, "Concat", [randn(rng, 2, 3), randn(rng, 4, 3)], axis=0)
    node_case("concat_axis_last_3d_op11", 11, "Concat", [randn(rng, 2, 3, 1), randn(rng, 2, 3, 4), randn(rng, 2, 3, 2)],
              axis=2)
    node_case("concat_axis1_4d_op13", 13, "Concat", [randn(rng, 1, 2, 3, 3), randn(rng, 1, 5, 3, 3)], axis=1)
    node_case("concat_axis_neg1_op11", 11, "Concat", [randn(rng, 2, 3), randn(rng, 2, 2)], axis=-1)
    node_case("concat_axis_neg3_op13", 13, "Concat", [randn(rng, 1, 3, 2), randn(rng, 2, 3, 2)], axis=-3)
    node_case("concat_int64_op13", 13, "Concat", [randint(rng, 3), randint(rng, 2), K(i64([-1]))], axis=0)
    node_case("concat_int64_2d_op7", 7, "Concat", [randint(rng, 2, 2), randint(rng, 2, 3)], axis=1)
    node_case("concat_zero_size_input_op13", 13, "Concat",
              [randn(rng, 2, 3), np.zeros((2, 0), np.float32), randn(rng, 2, 1)], axis=1)
    node_case("concat_zero_size_first_op11", 11, "Concat", [np.zeros((0, 3), np.float32), randn(rng, 2, 3)], axis=0)
    node_case("concat_single_input_op13", 13, "Concat", [randn(rng, 2, 3)], axis=1)
    node_case("concat_init_and_input_op13", 13, "Concat", [K(randn(rng, 1, 4)), randn(rng, 3, 4)], axis=0)
    node_case("concat_1d_many_op13", 13, "Concat", [randn(rng, i + 1) for i in range(5)], axis=0)


def shape_op_cases() -> None:
    rng = np.random.default_rng(11011)
    x = lambda *s: randn(rng, *s)  # noqa: E731
    # Flatten: axis in [0, r] (Flatten-1/9), negative from Flatten-11.
    for opset, axes in [(7, [0, 4]), (11, [-1, -4]), (13, [2]), (21, [-3])]:
        for axis in axes:
            node_case(f"flatten_{ax(axis)}_op{opset}", opset, "Flatten", [x(2, 3, 4, 5)], axis=axis)
    node_case("flatten_default_axis_op13", 13, "Flatten", [x(2, 3, 4)])
    node_case("flatten_int64_op13", 13, "Flatten", [randint(rng, 2, 3, 2)], axis=2)
    node_case("flatten_1d_axis0_op13", 13, "Flatten", [x(6)], axis=0)

    # Reshape: 0 copies the input dim (unless allowzero=1, opset 14+), -1 is inferred.
    node_case("reshape_minus1_op7", 7, "Reshape", [x(2, 3, 4), K(i64([4, -1]))])
    node_case("reshape_zero_copies_op21", 21, "Reshape", [x(2, 3, 4), K(i64([0, 0, 2, 2]))])
    node_case("reshape_zero_and_minus1_op13", 13, "Reshape", [x(2, 3, 4), K(i64([0, -1]))])
    node_case("reshape_to_scalar_op13", 13, "Reshape", [x(1, 1), K(np.zeros((0,), np.int64))])
    node_case("reshape_scalar_to_1d_op13", 13, "Reshape", [f32(3.5), K(i64([1]))])
    node_case("reshape_int64_data_op13", 13, "Reshape", [randint(rng, 2, 6), K(i64([0, 3, -1]))])
    node_case("reshape_add_unit_dims_op13", 13, "Reshape", [x(6), K(i64([1, 2, 1, 3, 1]))])
    for opset in [7, 13]:
        node_case(f"reshape_shape_as_input_op{opset}", opset, "Reshape", [x(2, 3, 4), i64([4, 0, -1])])
    node_case("reshape_allowzero1_zero_in_shape_op14", 14, "Reshape", [np.zeros((0, 4), np.float32), K(i64([4, 0]))],
              allowzero=1)
    node_case("reshape_allowzero1_zero_in_shape_input_op14", 14, "Reshape",
              [np.zeros((3, 0, 2), np.float32), i64([0, 2, 3])], allowzero=1)
    node_case("reshape_allowzero1_no_zero_op14", 14, "Reshape", [x(2, 3, 4), K(i64([4, -1, 2]))], allowzero=1)
    node_case("reshape_allowzero0_explicit_op14", 14, "Reshape", [x(2, 3, 4), K(i64([0, 4, 3]))], allowzero=0)
    node_case("reshape_empty_zero_copies_op13", 13, "Reshape", [np.zeros((0, 4), np.float32), K(i64([0, 2, 2]))])

    # Transpose: no perm reverses the dims.
    node_case("transpose_default_perm_3d_op7", 7, "Transpose", [x(2, 3, 4)])
    node_case("transpose_perm_0312_op13", 13, "Transpose", [x(2, 3, 4, 5)], perm=[0, 3, 1, 2])
    node_case("transpose_perm_021_op7", 7, "Transpose", [x(2, 3, 4)], perm=[0, 2, 1])
    node_case("transpose_perm_2310_op21", 21, "Transpose", [x(2, 3, 4, 5)], perm=[2, 3, 1, 0])
    node_case("transpose_int64_op13", 13, "Transpose", [randint(rng, 2, 3, 4)], perm=[2, 0, 1])
    node_case("transpose_5d_op13", 13, "Transpose", [x(2, 1, 3, 2, 2)], perm=[4, 2, 0, 3, 1])
    node_case("transpose_unit_dims_op13", 13, "Transpose", [x(1, 5, 1, 3)], perm=[3, 0, 2, 1])

    # Squeeze / Unsqueeze: axes attribute until opset 12 (negative from 11), an input from 13.
    node_case("squeeze_axes_attr_op7", 7, "Squeeze", [x(1, 3, 1, 4)], axes=[0, 2])
    node_case("squeeze_no_axes_op7", 7, "Squeeze", [x(1, 3, 1, 4, 1)])
    node_case("squeeze_negative_axes_op11", 11, "Squeeze", [x(2, 1, 3, 1)], axes=[-1, -3])
    node_case("squeeze_to_scalar_op11", 11, "Squeeze", [x(1, 1)])
    node_case("squeeze_axes_init_op13", 13, "Squeeze", [x(1, 3, 1, 4), K(i64([2, 0]))])
    node_case("squeeze_axes_input_op13", 13, "Squeeze", [x(1, 3, 1, 4), i64([-2])])
    node_case("squeeze_no_axes_op13", 13, "Squeeze", [x(1, 3, 1, 1, 4)])
    node_case("unsqueeze_unsorted_axes_op7", 7, "Unsqueeze", [x(3, 4)], axes=[3, 0, 1])
    node_case("unsqueeze_negative_axes_op11", 11, "Unsqueeze", [x(3, 4)], axes=[-1, 0])
    node_case("unsqueeze_unsorted_negative_axes_op11", 11, "Unsqueeze", [x(3, 4)], axes=[4, -5, 2])
    node_case("unsqueeze_scalar_op11", 11, "Unsqueeze", [f32(1.5)], axes=[0])
    node_case("unsqueeze_unsorted_axes_init_op13", 13, "Unsqueeze", [x(3, 4), K(i64([4, 0, -3]))])
    node_case("unsqueeze_axes_input_op13", 13, "Unsqueeze", [x(2, 3), i64([-1, 1])])
    node_case("unsqueeze_axes_init_op21", 21, "Unsqueeze", [x(2, 3), K(i64([2, 0]))])
    node_case("unsqueeze_int64_scalar_op13", 13, "Unsqueeze", [i64(5), K(i64([0]))])

    # Dropout at inference: Y is a copy of X; the optional mask is all true (opset 12+: see ORT_DEVIATIONS
    # for the opset 7..11 masks).
    for opset in [7, 10]:
        node_case(f"dropout_op{opset}", opset, "Dropout", [x(3, 4)])
    # Dropout-7's mask has the data type (T); shape inference does not type it, so it is given here.
    node_case("dropout_with_mask_op7", 7, "Dropout", [x(3, 4)], n_out=2, out_types={1: TensorProto.FLOAT})
    node_case("dropout_ratio_attr_op10", 10, "Dropout", [x(2, 5)], ratio=0.3)
    node_case("dropout_ratio_attr_mask_op10", 10, "Dropout", [x(2, 5)], n_out=2, ratio=0.3)
    for opset in [12, 22]:
        node_case(f"dropout_with_mask_op{opset}", opset, "Dropout", [x(3, 4)], n_out=2)
    node_case("dropout_ratio_input_mask_op12", 12, "Dropout", [x(2, 5), K(f32(0.3))], n_out=2)
    node_case("dropout_training_mode_false_op13", 13, "Dropout", [x(2, 5), K(f32(0.7)), K(np.array(False))],
              n_out=2)
    node_case("dropout_ratio_as_input_op13", 13, "Dropout", [x(2, 5), f32(0.25)])
    node_case("dropout_seed_op13", 13, "Dropout", [x(2, 5), K(f32(0.5))], seed=3)

    # Identity
    node_case("identity_op7", 7, "Identity", [x(2, 3)])
    node_case("identity_int64_op13", 13, "Identity", [randint(rng, 4)])
    node_case("identity_empty_op16", 16, "Identity", [np.zeros((0, 2), np.float32)])
    node_case("identity_bool_op13", 13, "Identity", [np.array([True, False, True])])
    add(Case("identity_of_initializer_op13", 13, [helper.make_node("Identity", ["w"], ["y"])], [], ["y"],
             inits=[("w", randn(rng, 2, 2))]))


def constant_cases() -> None:
    rng = np.random.default_rng(12012)

    def const_case(name, opset, attr_name, attr_value, x=None):
        """Constant node; added to a fed input when x is given, else the sole graph output."""
        nodes = [helper.make_node("Constant", [], ["k"], **{attr_name: attr_value})]
        if x is None:
            add(Case(name, opset, nodes, [], ["k"]))
        else:
            nodes.append(helper.make_node("Add", ["x", "k"], ["y"]))
            add(Case(name, opset, nodes, [("x", x)], ["y"]))

    # Constant: `value` (all opsets), value_float(s)/value_int(s) from opset 12.
    for opset in [7, 13]:
        const_case(f"constant_value_tensor_add_op{opset}", opset, "value",
                   numpy_helper.from_array(randn(rng, 2, 3), "v"), x=randn(rng, 4, 2, 3))
    const_case("constant_value_tensor_only_output_op9", 9, "value", numpy_helper.from_array(randn(rng, 3, 2), "v"))
    const_case("constant_value_int64_op13", 13, "value", numpy_helper.from_array(i64([[1, -2], [3, 4]]), "v"),
               x=randint(rng, 2, 2))
    const_case("constant_value_scalar_tensor_op11", 11, "value", numpy_helper.from_array(f32(2.5), "v"),
               x=randn(rng, 3))
    const_case("constant_value_empty_tensor_op13", 13, "value",
               numpy_helper.from_array(np.zeros((0, 3), np.float32), "v"))
    const_case("constant_value_float_op12", 12, "value_float", -1.25, x=randn(rng, 2, 3))
    const_case("constant_value_floats_op21", 21, "value_floats", [0.5, -1.0, 2.0], x=randn(rng, 2, 3))
    const_case("constant_value_int_op21", 21, "value_int", -7, x=randint(rng, 3))
    const_case("constant_value_ints_op12", 12, "value_ints", [3, -1, 4, 1], x=randint(rng, 2, 4))
    const_case("constant_value_float_only_output_op13", 13, "value_float", 3.0)
    const_case("constant_value_ints_only_output_op13", 13, "value_ints", [5, 6])

    # ConstantOfShape (opset 9+; value defaults to float32 0).
    node_case("constantofshape_default_value_op9", 9, "ConstantOfShape", [K(i64([2, 3]))])
    node_case("constantofshape_float_value_op9", 9, "ConstantOfShape", [K(i64([3, 1, 2]))],
              value=numpy_helper.from_array(f32([2.5]), "value"))
    node_case("constantofshape_float_value_op21", 21, "ConstantOfShape", [K(i64([2, 2]))],
              value=numpy_helper.from_array(f32([-2.5]), "value"))
    node_case("constantofshape_int64_value_op13", 13, "ConstantOfShape", [K(i64([4]))],
              value=numpy_helper.from_array(i64([-7]), "value"))
    node_case("constantofshape_shape_with_zero_op13", 13, "ConstantOfShape", [K(i64([2, 0, 3]))],
              value=numpy_helper.from_array(f32([1.0]), "value"))
    node_case("constantofshape_empty_shape_scalar_op13", 13, "ConstantOfShape", [K(np.zeros((0,), np.int64))],
              value=numpy_helper.from_array(f32([4.0]), "value"))
    node_case("constantofshape_shape_as_input_op13", 13, "ConstantOfShape", [i64([3, 2])],
              value=numpy_helper.from_array(f32([-0.5]), "value"))
    node_case("constantofshape_shape_as_input_default_op9", 9, "ConstantOfShape", [i64([1, 4])])
    node_case("constantofshape_shape_input_with_zero_op13", 13, "ConstantOfShape", [i64([0, 5])])

    # Shape; start/end from opset 15 (negative counts from the back, clamped to [0, rank]).
    for opset in [7, 15]:
        node_case(f"shape_op{opset}", opset, "Shape", [randn(rng, 2, 3, 4)])
    node_case("shape_scalar_input_op13", 13, "Shape", [f32(1.0)])
    node_case("shape_empty_int64_input_op13", 13, "Shape", [randint(rng, 5, 0, 2)])
    for tag, kw in [("start1", dict(start=1)), ("end_neg1", dict(end=-1)), 
                    ("end_out_of_range", dict(end=10)), ("start_out_of_range_neg", dict(start=-10)),
                    ("start_gt_end", dict(start=3, end=1)), ("start_neg_end_neg", dict(start=-3, end=-1)),
                    ("start_eq_rank", dict(start=4))]:
        node_case(f"shape_{tag}_op15", 15, "Shape", [randn(rng, 2, 3, 4, 5)], **kw)
    node_case("shape_start_end_op21", 21, "Shape", [randn(rng, 2, 3, 4)], start=-2, end=100)

    # Gather (negative indices are spec'd from Gather-11).
    data = lambda *s: randn(rng, *s)  # noqa: E731
    for opset in [7, 13]:
        node_case(f"gather_axis0_op{opset}", opset, "Gather", [data(5, 4), i64([0, 3, 1, 3])], axis=0)
    node_case("gather_axis1_op7", 7, "Gather", [data(3, 5, 2), i64([4, 0])], axis=1)
    node_case("gather_default_axis_2d_indices_op11", 11, "Gather", [data(5, 3), i64([[0, 1], [4, 2]])])
    node_case("gather_axis_neg1_op13", 13, "Gather", [data(3, 4, 5), i64([4, 0, 2])], axis=-1)
    node_case("gather_axis_neg2_3d_op11", 11, "Gather", [data(2, 4, 3), i64([[3, 1]])], axis=-2)
    node_case("gather_negative_indices_op11", 11, "Gather", [data(6, 3), i64([-1, 0, -6, 2])], axis=0)
    node_case("gather_int32_negative_indices_op13", 13, "Gather", [data(3, 5), np.array([[-1, -5], [2, 0]], np.int32)],
              axis=1)
    node_case("gather_scalar_index_op13", 13, "Gather", [data(5, 4), i64(3)], axis=0)
    node_case("gather_scalar_negative_index_axis1_op11", 11, "Gather", [data(2, 5, 3), i64(-2)], axis=1)
    node_case("gather_2d_indices_axis1_op13", 13, "Gather", [data(2, 5, 3), i64([[0, 4, 1], [2, 2, 3]])], axis=1)
    node_case("gather_int64_data_op13", 13, "Gather", [randint(rng, 4, 3), i64([[3], [0]])], axis=0)
    node_case("gather_embedding_init_data_op13", 13, "Gather", [K(data(10, 4)), i64([[1, 9, 3], [0, 0, 5]])])
    node_case("gather_indices_init_op13", 13, "Gather", [data(4, 6), K(i64([5, -1, 0]))], axis=1)
    node_case("gather_empty_indices_op13", 13, "Gather", [data(4, 3), np.zeros((0,), np.int64)], axis=0)


def pad_cases() -> None:
    rng = np.random.default_rng(13013)
    x = lambda *s: randn(rng, *s)  # noqa: E731
    # Pad-2 (opsets 7..10): pads and value are attributes.  (Pad-2 is float-only in the spec,
    # so there is no int64 case for the attribute form.)
    node_case("pad_attr_constant_value_op7", 7, "Pad", [x(2, 3)], pads=[0, 1, 2, 0], value=1.5)
    node_case("pad_attr_constant_default_op10", 10, "Pad", [x(2, 3, 4)], pads=[1, 0, 1, 0, 2, 1])
    node_case("pad_attr_edge_op7", 7, "Pad", [x(1, 2, 3, 3)], pads=[0, 0, 2, 1, 0, 0, 1, 2], mode="edge")
    node_case("pad_attr_reflect_op10", 10, "Pad", [x(1, 2, 4, 4)], pads=[0, 0, 1, 2, 0, 0, 3, 1], mode="reflect")
    # Pad-11/13/18/19: pads (and constant_value, axes) are inputs; negative pads crop.
    for opset in [11]:
        node_case(f"pad_constant_value_op{opset}", opset, "Pad", [x(2, 3, 4), K(i64([0, 1, 2, 1, 0, 1])), K(f32(-2.0))])
        node_case(f"pad_edge_op{opset}", opset, "Pad", [x(1, 2, 3, 4), K(i64([0, 0, 2, 1, 0, 0, 1, 3]))], mode="edge")
        node_case(f"pad_reflect_op{opset}", opset, "Pad", [x(1, 2, 4, 5), K(i64([0, 0, 3, 1, 0, 0, 1, 4]))],
                  mode="reflect")
    node_case("pad_constant_value_op18", 18, "Pad", [x(2, 3, 4), K(i64([0, 1, 2, 1, 0, 1])), K(f32(-2.0))])
    node_case("pad_constant_absent_op13", 13, "Pad", [x(2, 3), K(i64([1, 2, 0, 1]))])
    node_case("pad_negative_crop_op11", 11, "Pad", [x(3, 5), K(i64([-1, 2, 0, -2]))])
    for opset in [11, 13]:
        node_case(f"pad_pads_as_input_op{opset}", opset, "Pad", [x(2, 3), i64([1, 0, 0, 2])])
    node_case("pad_constant_value_as_input_op13", 13, "Pad", [x(2, 3), K(i64([1, 1, 1, 1])), f32(9.0)])
    node_case("pad_pads_and_value_as_inputs_op11", 11, "Pad", [x(3, 2), i64([0, 2, 1, 0]), f32(-1.0)])
    node_case("pad_int64_constant_op13", 13, "Pad", [randint(rng, 2, 3), K(i64([1, 0, 0, 1])), K(i64(-9))])
    node_case("pad_reflect_max_width_op13", 13, "Pad", [x(3, 4), K(i64([2, 3, 2, 3]))], mode="reflect")
    node_case("pad_edge_size1_dim_op13", 13, "Pad", [x(1, 3), K(i64([2, 0, 3, 1]))], mode="edge")
    node_case("pad_negative_and_positive_edge_op13", 13, "Pad", [x(4, 5), K(i64([-1, 1, 2, -2]))], mode="edge")
    node_case("pad_negative_reflect_op13", 13, "Pad", [x(4, 5), K(i64([1, -2, -1, 1]))], mode="reflect")
    node_case("pad_empty_input_constant_op13", 13, "Pad", [np.zeros((0, 3), np.float32), K(i64([1, 0, 1, 0]))])
    # Opset 18+: optional axes input (pads then only cover those axes; axes may be negative).
    node_case("pad_axes_op18", 18, "Pad", [x(2, 3, 4), K(i64([1, 2])), None, K(i64([1]))])
    node_case("pad_axes_negative_op18", 18, "Pad", [x(2, 3, 4), K(i64([1, 0, 2, 3])), K(f32(0.5)), K(i64([-1, 0]))])
    node_case("pad_axes_unsorted_edge_op18", 18, "Pad", [x(2, 3, 4), K(i64([0, 1, 2, 1])), None, K(i64([2, 1]))],
              mode="edge")
    node_case("pad_axes_reflect_op18", 18, "Pad", [x(1, 3, 4, 4), K(i64([1, 2, 3, 1])), None, K(i64([2, 3]))],
              mode="reflect")
    node_case("pad_axes_as_input_op18", 18, "Pad", [x(2, 3, 4), K(i64([1, 1])), None, i64([-2])])
    node_case("pad_wrap_op19", 19, "Pad", [x(3, 4), K(i64([1, 2, 2, 1]))], mode="wrap")


def resize_cases() -> None:
    """Resize/Upsample and ConvTranspose against onnxruntime (the node tests use ONNX's reference)."""
    rng = np.random.default_rng(17017)
    x = lambda *s: randn(rng, *s)  # noqa: E731
    empty = K(np.zeros((0,), np.float32))
    # Upsample-7/9 and Resize-10: asymmetric coordinates; nearest picks floor(o / scale).
    node_case("upsample_nearest_scale3_op7", 7, "Upsample", [x(1, 2, 2, 3)], scales=[1.0, 1.0, 3.0, 2.0])
    node_case("upsample_linear_op9", 9, "Upsample", [x(1, 1, 3, 3), K(f32([1, 1, 2, 2.5]))], mode="linear")
    node_case("resize_nearest_scale3_op10", 10, "Resize", [x(1, 2, 2, 3), K(f32([1, 1, 3, 1.5]))])
    node_case("resize_linear_op10", 10, "Resize", [x(1, 1, 3, 4), K(f32([1, 1, 1.5, 0.5]))], mode="linear")
    for coord in ["half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric"]:
        for mode in ["nearest", "linear", "cubic"]:
            node_case(f"resize_{mode}_{coord}_up_op13", 13, "Resize", [x(1, 2, 3, 4), empty, K(f32([1, 1, 2.5, 1.75]))],
                      mode=mode, coordinate_transformation_mode=coord)
        node_case(f"resize_linear_{coord}_sizes_down_op13", 13, "Resize", [x(2, 1, 7, 5), empty, empty, K(i64([2, 1, 3, 2]))],
                  mode="linear", coordinate_transformation_mode=coord)
    for nearest in ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"]:
        node_case(f"resize_nearest_{nearest}_op11", 11, "Resize", [x(1, 1, 4, 4), K(f32([])), K(f32([1, 1, 1.6, 0.6]))],
                  nearest_mode=nearest)
    node_case("resize_cubic_exclude_outside_op13", 13, "Resize", [x(1, 1, 5, 5), empty, K(f32([1, 1, 0.7, 1.9]))],
              mode="cubic", exclude_outside=1, cubic_coeff_a=-0.5)
    node_case("resize_tf_crop_extrapolate_op13", 13, "Resize",
              [x(1, 1, 4, 4), K(f32([0, 0, -0.2, 0.3, 1, 1, 0.8, 1.3])), K(f32([1, 1, 1.5, 1.25]))],
              mode="linear", coordinate_transformation_mode="tf_crop_and_resize", extrapolation_value=7.0)
    node_case("resize_nearest_3d_input_op13", 13, "Resize", [x(2, 3, 5), empty, K(f32([1, 2, 0.6]))])
    # ConvTranspose: strides, pads, dilations, output_padding, groups, 1-D, output_shape, SAME.
    node_case("convtranspose_strided_padded_op11", 11, "ConvTranspose", [x(1, 3, 4, 5), K(x(3, 2, 3, 3)), K(x(2))],
              strides=[2, 3], pads=[1, 0, 2, 1], output_padding=[1, 2])
    node_case("convtranspose_dilated_group_op11", 11, "ConvTranspose", [x(2, 4, 3, 3), K(x(4, 3, 2, 3))],
              dilations=[2, 1], group=2, strides=[1, 2])
    node_case("convtranspose_1d_op11", 11, "ConvTranspose", [x(1, 2, 7), K(x(2, 3, 4)), K(x(3))], strides=[3], pads=[2, 1])
    node_case("convtranspose_output_shape_op11", 11, "ConvTranspose", [x(1, 1, 3, 3), K(x(1, 2, 3, 3))],
              strides=[3, 2], output_shape=[10, 8])
    node_case("convtranspose_same_upper_op11", 11, "ConvTranspose", [x(1, 2, 3, 4), K(x(2, 2, 3, 2))],
              strides=[2, 2], auto_pad="SAME_UPPER")
    node_case("convtranspose_same_lower_op11", 11, "ConvTranspose", [x(1, 2, 3, 4), K(x(2, 2, 3, 3))],
              strides=[2, 2], auto_pad="SAME_LOWER")


def data_op_cases() -> None:
    """Slice, Split, Cast, reductions, comparisons and the newer activations against onnxruntime."""
    rng = np.random.default_rng(19019)
    x = lambda *s, scale=1.0: randn(rng, *s, scale=scale)  # noqa: E731
    # Slice: attribute form (opset 1..9), inputs with negative steps and clamped bounds.
    node_case("slice_attr_op9", 9, "Slice", [x(3, 5, 4)], starts=[1, -3], ends=[3, 1000], axes=[0, 1])
    node_case("slice_neg_steps_clamped_op13", 13, "Slice",
              [x(4, 6), K(i64([100, -1])), K(i64([-100, -7])), K(i64([0, 1])), K(i64([-2, -3]))])
    node_case("slice_int64_data_op13", 13, "Slice", [randint(rng, 5, 3), K(i64([1])), K(i64([5])), K(i64([0])), K(i64([2]))])
    node_case("slice_runtime_bounds_op13", 13, "Slice", [x(2, 7), i64([1]), i64([-1]), K(i64([1]))])
    # Split: attribute sizes (opset 11), input sizes (13), num_outputs with a short last part (18).
    node_case("split_attr_sizes_op11", 11, "Split", [x(2, 7)], n_out=3, axis=1, split=[2, 4, 1])
    node_case("split_equal_negative_axis_op13", 13, "Split", [x(6, 2, 3)], n_out=3, axis=-3)
    node_case("split_num_outputs_uneven_op18", 18, "Split", [x(2, 7)], n_out=3, axis=1, num_outputs=3)
    # Cast among the supported types (float to int truncates toward zero).
    node_case("cast_float_to_int32_op13", 13, "Cast", [f32([[-2.7, -0.5, 0.0, 0.5, 2.7, 100.9]])], to=onnx.TensorProto.INT32)
    node_case("cast_int64_to_float_op13", 13, "Cast", [randint(rng, 3, 4)], to=onnx.TensorProto.FLOAT)
    node_case("cast_float_to_bool_op13", 13, "Cast", [f32([[0.0, -0.0, 1e-30, -3.0]])], to=onnx.TensorProto.BOOL)
    node_case("cast_float_to_uint8_op13", 13, "Cast", [f32([[0.0, 1.9, 200.2, 255.0]])], to=onnx.TensorProto.UINT8)
    # Reductions: attribute axes (old opsets), input axes (new), keepdims off, all axes.
    node_case("reducemean_attr_axes_op13", 13, "ReduceMean", [x(2, 3, 4, 5)], axes=[2, 3])
    node_case("reducemean_input_axes_op18", 18, "ReduceMean", [x(2, 3, 4), K(i64([-1, 0]))], keepdims=0)
    node_case("reducesum_all_axes_op13", 13, "ReduceSum", [x(3, 4, 5)], keepdims=0)
    node_case("reducesum_noop_empty_axes_op13", 13, "ReduceSum", [x(3, 4), K(np.zeros((0,), np.int64))],
              noop_with_empty_axes=1)
    node_case("reducemax_int64_op13", 13, "ReduceMax", [randint(rng, 3, 5)], axes=[1])
    node_case("reducemin_keepdims_op18", 18, "ReduceMin", [x(2, 3, 4), K(i64([1]))])
    node_case("argmax_last_index_op13", 13, "ArgMax", [f32([[1, 3, 3, 2], [5, 5, 1, 5]])], axis=1, select_last_index=1)
    node_case("argmin_axis0_nokeep_op13", 13, "ArgMin", [x(4, 3)], axis=0, keepdims=0)
    # Activations and math.
    for op, attrs in [("HardSigmoid", {"alpha": 0.3, "beta": 0.4}), ("HardSwish", {}), ("Elu", {"alpha": 0.7}),
                      ("Selu", {}), ("Softplus", {}), ("Softsign", {}), ("Erf", {}), ("Reciprocal", {}),
                      ("Floor", {}), ("Ceil", {})]:
        node_case(f"{op.lower()}_op14", 14, op, [x(3, 7, scale=4.0)], **attrs)
    node_case("prelu_channel_slope_op9", 9, "PRelu", [x(2, 3, 4, 4), K(x(3, 1, 1))])
    node_case("prelu_scalar_slope_op16", 16, "PRelu", [x(2, 5), K(f32([0.25]))])
    node_case("pow_float_int_exponent_op15", 15, "Pow", [x(3, 4), K(i64([2]))])
    node_case("pow_broadcast_op13", 13, "Pow", [np.abs(x(3, 4)) + 0.1, f32([0.5, 1.5, -1.0, 3.0])])
    node_case("mean_three_inputs_op13", 13, "Mean", [x(2, 3), x(3), x(1, 3)])
    # Comparisons, logic and Where.
    node_case("greater_broadcast_op13", 13, "Greater", [x(2, 3, 4), x(4)])
    node_case("equal_int64_op13", 13, "Equal", [randint(rng, 3, 4, lo=0, hi=3), randint(rng, 4, lo=0, hi=3)])
    node_case("where_broadcast_op16", 16, "Where", [x(3, 1) > 0, x(1, 4), x(3, 4)])
    node_case("not_and_op13", 13, "And", [x(2, 3) > 0, x(3) > 0])
    # Expand, Tile, Range, DepthToSpace, LayerNormalization, InstanceNormalization.
    node_case("expand_bidirectional_op13", 13, "Expand", [x(3, 1), K(i64([2, 1, 4]))])
    node_case("tile_op13", 13, "Tile", [x(2, 3), K(i64([2, 3]))])
    node_case("range_float_op11", 11, "Range", [f32(1.5), f32(-2.0), f32(-0.75)])
    node_case("range_int64_op11", 11, "Range", [i64(-3), i64(10), i64(4)])
    node_case("depthtospace_crd_op13", 13, "DepthToSpace", [x(1, 8, 2, 3)], blocksize=2, mode="CRD")
    node_case("spacetodepth_op13", 13, "SpaceToDepth", [x(1, 2, 4, 6)], blocksize=2)
    node_case("layernorm_axis_minus2_op17", 17, "LayerNormalization", [x(2, 3, 4, 5), K(x(4, 5)), K(x(4, 5))], axis=-2)
    node_case("layernorm_no_bias_op17", 17, "LayerNormalization", [x(3, 8), K(x(8))], epsilon=1e-3)
    node_case("instancenorm_op6", 7, "InstanceNormalization", [x(2, 3, 4, 5), K(x(3)), K(x(3))], epsilon=1e-4)
    # The other reductions: attribute axes (opset 13), input axes (18), integers, large values
    # for LogSumExp (exp alone would overflow), empty reduced axes.
    node_case("reduceprod_attr_axes_op13", 13, "ReduceProd", [x(2, 3, 4)], axes=[1])
    node_case("reduceprod_int64_op18", 18, "ReduceProd", [randint(rng, 3, 4, lo=-4, hi=5), K(i64([0]))], keepdims=0)
    node_case("reducel1_op13", 13, "ReduceL1", [x(3, 4, 5)], axes=[0, 2])
    node_case("reducel1_int32_op18", 18, "ReduceL1", [rng.integers(-9, 9, size=(3, 4), dtype=np.int32), K(i64([-1]))])
    node_case("reducel2_op18", 18, "ReduceL2", [x(2, 3, 4), K(i64([1, 2]))], keepdims=0)
    node_case("reducesumsquare_all_axes_op13", 13, "ReduceSumSquare", [x(3, 4)], keepdims=0)
    node_case("reducesumsquare_int64_op18", 18, "ReduceSumSquare", [randint(rng, 2, 5), K(i64([1]))])
    node_case("reducelogsum_op18", 18, "ReduceLogSum", [np.abs(x(3, 4, 5)) + f32(0.1), K(i64([2]))])
    node_case("reducelogsum_attr_op13", 13, "ReduceLogSum", [np.abs(x(3, 4)) + f32(0.1)], axes=[0], keepdims=0)
    node_case("reducelogsumexp_large_op18", 18, "ReduceLogSumExp", [x(3, 6, scale=200.0), K(i64([1]))])
    node_case("reducelogsumexp_op13", 13, "ReduceLogSumExp", [x(2, 3, 4)], axes=[0, 2])
    node_case("reducelogsumexp_neg_inf_op18", 18, "ReduceLogSumExp",
              [f32([[-np.inf, -np.inf], [0.0, -np.inf], [np.inf, 1.0]]), K(i64([1]))])
    node_case("reducel2_empty_axis_op18", 18, "ReduceL2", [np.zeros((3, 0, 2), np.float32), K(i64([1]))])
    node_case("reduceprod_empty_axis_op18", 18, "ReduceProd", [np.zeros((2, 0), np.float32), K(i64([1]))])
    # Activations and math added with them.
    wide = x(3, 7, scale=4.0)
    for op, opset, attrs in [("Celu", 12, {"alpha": 0.6}), ("ThresholdedRelu", 10, {"alpha": 0.4}),
                             ("Shrink", 9, {"bias": 0.3, "lambd": 0.8}), ("Mish", 18, {}), ("Round", 11, {}),
                             ("Tan", 7, {}), ("Atan", 7, {}), ("Sinh", 9, {}), ("Cosh", 9, {}), ("Asinh", 9, {}),
                             ("Gelu", 20, {}), ("Gelu", 20, {"approximate": "tanh"})]:
        tag = "_" + attrs["approximate"] if "approximate" in attrs else ""
        node_case(f"{op.lower()}{tag}_op{opset}", opset, op, [wide], **attrs)
    unit = f32(np.clip(x(3, 5), -0.99, 0.99))
    for op in ["Asin", "Acos", "Atanh"]:
        node_case(f"{op.lower()}_op7" if op != "Atanh" else "atanh_op9", 7 if op != "Atanh" else 9, op, [unit])
    node_case("acosh_op9", 9, "Acosh", [np.abs(x(3, 5)) + f32(1.0)])
    node_case("round_halves_op11", 11, "Round", [f32([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.49, -3.51])])
    node_case("sign_int64_op13", 13, "Sign", [randint(rng, 3, 5, lo=-3, hi=4)])
    node_case("sign_float_op13", 13, "Sign", [f32([-2.0, -0.0, 0.0, 1e-30, 5.0])])
    node_case("isnan_op13", 13, "IsNaN", [f32([np.nan, 0.0, -np.inf, 1.0, np.inf])])
    node_case("isinf_negative_only_op10", 10, "IsInf", [f32([np.nan, -np.inf, np.inf, 1.0])], detect_positive=0)
    # Mod (integer: divisor's sign; fmod: dividend's), CumSum, Trilu, Hardmax, TopK, OneHot,
    # GatherElements, Size at the opsets models use.
    node_case("mod_int64_python_op13", 13, "Mod", [i64([[-7, 7, -7, 7, 0]]), i64([3, 3, -3, -3, 5])])
    node_case("mod_int32_fmod_op13", 13, "Mod", [rng.integers(-50, 50, size=(3, 4), dtype=np.int32),
                                                 np.array([3, -7, 5, 11], np.int32)], fmod=1)
    node_case("mod_float_fmod_op13", 13, "Mod", [x(3, 4, scale=10.0), f32([1.5, -2.5, 3.0, 0.7])], fmod=1)
    node_case("cumsum_float_reverse_exclusive_op14", 14, "CumSum", [x(3, 5), K(i64(1))], exclusive=1, reverse=1)
    node_case("cumsum_int64_axis0_op11", 11, "CumSum", [randint(rng, 4, 3), K(np.array(0, np.int32))])
    node_case("trilu_upper_float_k_op14", 14, "Trilu", [x(2, 4, 5), K(i64(1))])
    node_case("trilu_lower_neg_k_op14", 14, "Trilu", [x(5, 3), K(i64(-2))], upper=0)
    node_case("hardmax_coerce_op11", 11, "Hardmax", [x(2, 3, 4)], axis=1)
    node_case("hardmax_ties_op13", 13, "Hardmax", [f32([[1, 3, 3, 2], [0, 0, 0, 0]])])
    node_case("topk_float_axis1_op11", 11, "TopK", [x(3, 6, 2), K(i64([4]))], n_out=2, axis=1)
    node_case("topk_smallest_ties_op11", 11, "TopK", [f32([[2, 1, 1, 3, 1, 0]]), K(i64([3]))], n_out=2, largest=0)
    node_case("topk_attr_k_op9", 9, "TopK", [x(2, 5)], n_out=2, k=2)
    node_case("onehot_int64_axis1_op11", 11, "OneHot", [i64([[1, -1, 4], [0, 9, -6]]), K(f32(5.0)), K(f32([0.0, 2.0]))], axis=1)
    node_case("onehot_float_indices_op9", 9, "OneHot", [f32([0.0, 2.7, 1.0]), K(i64([3])), K(i64([-1, 1]))])
    node_case("gather_elements_int32_axis1_op13", 13, "GatherElements",
              [x(3, 4), np.array([[3, 0], [-1, 2], [1, 1]], np.int32)], axis=1)
    node_case("size_op13", 13, "Size", [x(2, 3, 5)])
    # Scatter and GatherND at the opsets before the newest (no reduction, then add/mul), with
    # int data, negative indices and batch_dims; NonZero over floats and ints; EyeLike.
    node_case("scatter_elements_op11", 11, "ScatterElements",
              [x(3, 4), i64([[1, 0, 2, 2], [0, -1, 1, 2]]), x(2, 4)], axis=0)
    node_case("scatter_elements_add_int64_op16", 16, "ScatterElements",
              [randint(rng, 2, 5), i64([[4, 4, 0], [1, -5, 1]]), randint(rng, 2, 3)], axis=1, reduction="add")
    node_case("scatternd_rows_op13", 13, "ScatterND", [x(4, 3), i64([[2], [0]]), x(2, 3)])
    node_case("scatternd_mul_elements_op16", 16, "ScatterND", [x(2, 3, 2), i64([[1, 2, 0], [0, -1, 1]]), x(2)],
              reduction="mul")
    node_case("gathernd_op11", 11, "GatherND", [x(3, 4, 2), i64([[[1, 3]], [[2, -1]]])])
    node_case("gathernd_batch_dims_op12", 12, "GatherND", [x(2, 3, 4), i64([[[2], [0]], [[1], [1]]])], batch_dims=1)
    node_case("nonzero_float_op13", 13, "NonZero", [f32([[0.0, 1.5, -0.0], [2.0, 0.0, np.nan]])])
    node_case("nonzero_int64_op13", 13, "NonZero", [i64([[[0, 3], [0, 0]], [[-1, 0], [0, 7]]])])
    node_case("eyelike_k_neg_float_op9", 9, "EyeLike", [x(4, 3)], k=-1)
    node_case("eyelike_dtype_int64_op9", 9, "EyeLike", [x(3, 5)], k=2, dtype=onnx.TensorProto.INT64)
    # LpNormalization with a zero vector, MeanVarianceNormalization over non-default axes.
    # (GroupNormalization-21 has no case here: onnx's shape inference gives its function no
    # output type, so the model cannot be built; its two ONNX node tests cover it.)
    node_case("lpnorm_l1_zero_row_op13", 13, "LpNormalization", [f32([[0.0, 0.0, 0.0], [1.0, -2.0, 3.0]])], p=1)
    node_case("lpnorm_l2_axis0_op13", 13, "LpNormalization", [x(3, 4)], axis=0)
    node_case("mvn_default_axes_op9", 9, "MeanVarianceNormalization", [x(2, 3, 4, 5)])
    node_case("mvn_axes_last_op9", 9, "MeanVarianceNormalization", [x(3, 8)], axes=[1])
    node_case("imagescaler_op8", 8, "ImageScaler", [x(2, 3, 4, 5)], out_types={0: onnx.TensorProto.FLOAT},
              scale=0.5, bias=[0.1, -2.0, 3.0])


def quant_cases() -> None:
    """QuantizeLinear, DequantizeLinear and DynamicQuantizeLinear: per tensor, per axis
    (negative axis too), blocked (opset 21), 16-bit types, ties, saturation, no zero point."""
    rng = np.random.default_rng(21021)
    x = lambda *s, scale=1.0: randn(rng, *s, scale=scale)  # noqa: E731
    u8 = lambda a: np.array(a, np.uint8)  # noqa: E731
    s8 = lambda a: np.array(a, np.int8)  # noqa: E731
    node_case("quantize_per_tensor_uint8_op10", 10, "QuantizeLinear", [x(3, 5, scale=4.0), K(f32(0.05)), K(u8(128))])
    node_case("quantize_ties_saturation_int8_op13", 13, "QuantizeLinear",
              [f32([-1000.0, -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 126.5, 1000.0, np.inf, -np.inf]),
               K(f32(1.0)), K(s8(-1))])
    node_case("quantize_default_uint8_op13", 13, "QuantizeLinear", [x(2, 6), K(f32(0.01))])
    node_case("quantize_per_axis_int8_op13", 13, "QuantizeLinear",
              [x(2, 3, 4), K(f32([0.1, 0.02, 0.5])), K(s8([-3, 0, 5]))], axis=1)
    node_case("quantize_negative_axis_uint8_op13", 13, "QuantizeLinear",
              [x(3, 4), K(f32([0.01, 0.02, 0.03, 0.04])), K(u8([0, 10, 128, 255]))], axis=-1)
    node_case("quantize_runtime_scale_op13", 13, "QuantizeLinear", [x(4, 3), f32(0.02), s8(4)])
    node_case("quantize_blocked_int8_op21", 21, "QuantizeLinear",
              [x(3, 5), K(f32(np.abs(x(3, 2)) + 0.01)), K(s8(rng.integers(-5, 5, size=(3, 2))))], axis=1, block_size=3)
    node_case("quantize_int16_op21", 21, "QuantizeLinear", [x(4, 4, scale=100.0), K(f32(0.004)), K(np.array(-7, np.int16))])
    node_case("quantize_uint16_output_dtype_op21", 21, "QuantizeLinear", [x(3, 3, scale=10.0), K(f32(0.001))],
              output_dtype=onnx.TensorProto.UINT16)
    node_case("dequantize_per_tensor_uint8_op10", 10, "DequantizeLinear",
              [u8(rng.integers(0, 256, size=(3, 4))), K(f32(0.05)), K(u8(128))])
    node_case("dequantize_per_axis_int8_op13", 13, "DequantizeLinear",
              [s8(rng.integers(-128, 128, size=(2, 3, 2))), K(f32([0.1, 0.02, 0.5])), K(s8([-3, 0, 5]))], axis=1)
    node_case("dequantize_int32_no_zero_point_op13", 13, "DequantizeLinear",
              [np.array([[-2**31, -5, 0, 7, 2**31 - 1]], np.int32), K(f32(0.001))])
    node_case("dequantize_blocked_uint8_op21", 21, "DequantizeLinear",
              [u8(rng.integers(0, 256, size=(5, 4))), K(f32(np.abs(x(2, 4)) + 0.01)), K(u8(rng.integers(0, 256, size=(2, 4))))],
              axis=0, block_size=3)
    node_case("dequantize_int16_op21", 21, "DequantizeLinear",
              [np.array([-32768, -1, 0, 1, 32767], np.int16), K(f32(0.5)), K(np.array(-2, np.int16))])
    node_case("dynamic_quantize_op11", 11, "DynamicQuantizeLinear", [x(3, 7, scale=3.0)], n_out=3)
    node_case("dynamic_quantize_positive_op11", 11, "DynamicQuantizeLinear", [np.abs(x(10)) + f32(0.5)], n_out=3)
    # (No all-zero case: onnxruntime gives scale 1, ONNX's reference 1/255, the spec text 0.)
    # A QDQ pair around a Conv (how quantized models carry weights): dequantized at load.
    w = rng.integers(-127, 128, size=(4, 2, 3, 3)).astype(np.int8)
    add(Case("qdq_conv_weights_op13", 13, [
        helper.make_node("DequantizeLinear", ["wq", "ws", "wz"], ["w"], axis=0),
        helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"]),
        helper.make_node("DequantizeLinear", ["xq", "xs", "xz"], ["xd"]),
        helper.make_node("Conv", ["xd", "w"], ["y"], pads=[1, 1, 1, 1]),
    ], [("x", x(1, 2, 6, 6))], ["y"],
        [("wq", w), ("ws", f32([0.01, 0.02, 0.005, 0.03])), ("wz", s8([0, 0, 0, 0])), ("xs", f32(0.02)), ("xz", u8(128))],
        {}, {}))


def einsum_cases() -> None:
    """Einsum: matmul-like, batched, implicit output, ellipsis broadcast across ranks,
    diagonals and traces, outer products, full sums, three operands, integers."""
    rng = np.random.default_rng(12012)
    x = lambda *s: randn(rng, *s)  # noqa: E731
    node_case("einsum_matmul_op12", 12, "Einsum", [x(3, 4), x(4, 5)], equation="ij,jk->ik")
    node_case("einsum_batch_matmul_op12", 12, "Einsum", [x(2, 3, 4), x(2, 4, 5)], equation="bij,bjk->bik")
    node_case("einsum_implicit_op12", 12, "Einsum", [x(3, 4), x(4, 5)], equation="ij,jk")
    node_case("einsum_ellipsis_broadcast_op12", 12, "Einsum", [x(2, 1, 3, 4), x(1, 5, 4, 2)], equation="...ij,...jk->...ik",
              out_types={0: onnx.TensorProto.FLOAT})
    node_case("einsum_diagonal_op12", 12, "Einsum", [x(4, 4)], equation="ii->i")
    node_case("einsum_trace_implicit_op12", 12, "Einsum", [x(5, 5)], equation="ii")
    node_case("einsum_outer_op12", 12, "Einsum", [x(3), x(4)], equation="i,j->ij")
    node_case("einsum_sum_all_op12", 12, "Einsum", [x(3, 4)], equation="ij->")
    node_case("einsum_transpose_spaces_op12", 12, "Einsum", [x(2, 3, 4)], equation="a b c -> c a b")
    node_case("einsum_three_operands_op12", 12, "Einsum", [x(2, 3), x(3, 4), x(4, 2)], equation="ij,jk,kl->il")
    node_case("einsum_attention_scores_op12", 12, "Einsum", [x(1, 2, 5, 8), x(1, 2, 6, 8)], equation="bhqd,bhkd->bhqk")
    node_case("einsum_int64_matvec_op12", 12, "Einsum", [randint(rng, 3, 4), randint(rng, 4)], equation="ij,j->i")


def graph_cases() -> None:
    rng = np.random.default_rng(14014)
    mk = helper.make_node

    def unsq(opset, src, dst, axes):
        if opset >= 13:
            return [mk("Constant", [], [dst + "_axes"], value=numpy_helper.from_array(i64(axes), "a")),
                    mk("Unsqueeze", [src, dst + "_axes"], [dst])]
        return [mk("Unsqueeze", [src], [dst], axes=axes)]

    # Flatten-by-batch: Shape -> Gather(0) -> Unsqueeze -> Concat(-1) -> Reshape.
    for opset in [11, 13]:
        nodes = [mk("Shape", ["x"], ["s"]),
                 mk("Gather", ["s", "i0"], ["n"], axis=0),
                 *unsq(opset, "n", "n1", [0]),
                 mk("Concat", ["n1", "minus1"], ["shape"], axis=0),
                 mk("Reshape", ["x", "shape"], ["y"])]
        add(Case(f"graph_shape_gather_unsqueeze_concat_reshape_op{opset}", opset, nodes,
                 [("x", randn(rng, 3, 2, 4, 5))], ["y"], inits=[("i0", i64(0)), ("minus1", i64([-1]))]))
    # Swap the last two dims' sizes via Gather of the shape, then Reshape; output the shape too.
    nodes = [mk("Shape", ["x"], ["s"]),
             mk("Gather", ["s", "perm"], ["s2"], axis=0),
             mk("Reshape", ["x", "s2"], ["y"]),
             mk("Identity", ["s2"], ["shape_out"])]
    add(Case("graph_shape_gather_reshape_two_outputs_op13", 13, nodes, [("x", randn(rng, 2, 3, 4))],
             ["y", "shape_out"], inits=[("perm", i64([0, 2, 1]))]))
    # Shape arithmetic on int64: [N, C*H*W / 2, 2] from Mul/Div of gathered scalar dims.
    nodes = [mk("Shape", ["x"], ["s"]),
             mk("Gather", ["s", "i0"], ["n"]),
             mk("Gather", ["s", "i1"], ["c"]),
             mk("Gather", ["s", "i2"], ["h"]),
             mk("Gather", ["s", "i3"], ["w"]),
             mk("Mul", ["c", "h"], ["ch"]),
             mk("Mul", ["ch", "w"], ["chw"]),
             mk("Div", ["chw", "two"], ["half"]),
             mk("Unsqueeze", ["n", "ax0"], ["n_u"]),
             mk("Unsqueeze", ["half", "ax0"], ["half_u"]),
             mk("Unsqueeze", ["two", "ax0"], ["two_u"]),
             mk("Concat", ["n_u", "half_u", "two_u"], ["shape"], axis=0),
             mk("Reshape", ["x", "shape"], ["y"])]
    add(Case("graph_shape_int64_arithmetic_reshape_op13", 13, nodes, [("x", randn(rng, 2, 3, 2, 4))], ["y"],
             inits=[("i0", i64(0)), ("i1", i64(1)), ("i2", i64(2)), ("i3", i64(3)), ("two", i64(2)),
                    ("ax0", i64([0]))]))
    # Shape(start=1) -> ConstantOfShape(1.0) -> Mul with x (broadcast over the batch).
    nodes = [mk("Shape", ["x"], ["s"], start=1),
             mk("ConstantOfShape", ["s"], ["ones"], value=numpy_helper.from_array(f32([1.5]), "v")),
             mk("Mul", ["x", "ones"], ["y"])]
    add(Case("graph_shape_start_constantofshape_mul_op15", 15, nodes, [("x", randn(rng, 2, 3, 4))], ["y"]))
    # Shape -> Gather(2-D indices) -> Sub/Add on int64 shapes -> output int64.
    nodes = [mk("Shape", ["x"], ["s"]),
             mk("Gather", ["s", "idx"], ["g"]),
             mk("Sub", ["g", "one"], ["gm"]),
             mk("Neg", ["gm"], ["y"])]
    add(Case("graph_shape_gather_sub_neg_int64_op13", 13, nodes, [("x", randn(rng, 2, 3, 4, 5))], ["y"],
             inits=[("idx", i64([[3, 0], [1, 2]])), ("one", i64(1))]))
    # Pad whose pads come from a Concat of Shape-derived values.
    nodes = [mk("Shape", ["x"], ["s"]),
             mk("Gather", ["s", "i0"], ["d0"]),
             mk("Sub", ["d0", "one"], ["d0m"]),
             mk("Unsqueeze", ["d0m", "ax0"], ["p"]),
             mk("Concat", ["zero", "p", "zero", "one1"], ["pads"], axis=0),
             mk("Pad", ["x", "pads"], ["y"])]
    add(Case("graph_shape_derived_pads_op13", 13, nodes, [("x", randn(rng, 3, 4))], ["y"],
             inits=[("i0", i64(0)), ("one", i64(1)), ("ax0", i64([0])), ("zero", i64([0])), ("one1", i64([1]))]))
    # A tiny CNN: Conv -> BN -> Clip(0,6) -> MaxPool -> Flatten -> Gemm -> Softmax, opsets 9 and 13.
    for opset in [9, 13]:
        w = randn(rng, 4, 2, 3, 3, scale=0.5)
        cl = ([mk("Clip", ["bn"], ["r"], min=0.0, max=6.0)] if opset < 11
              else [mk("Clip", ["bn", "lo", "hi"], ["r"])])
        nodes = [mk("Conv", ["x", "w", "b"], ["c"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
                 mk("BatchNormalization", ["c", "s", "bb", "m", "v"], ["bn"]),
                 *cl,
                 mk("MaxPool", ["r"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
                 mk("Flatten", ["p"], ["f"], axis=1),
                 mk("Gemm", ["f", "fw", "fb"], ["g"], transB=1),
                 mk("Softmax", ["g"], ["y"], axis=1)]
        inits = [("w", w), ("b", randn(rng, 4)), ("s", randn(rng, 4)), ("bb", randn(rng, 4)), ("m", randn(rng, 4)),
                 ("v", rng.uniform(0.5, 2, 4).astype(np.float32)), ("fw", randn(rng, 3, 36, scale=0.3)),
                 ("fb", randn(rng, 3))]
        if opset >= 11:
            inits += [("lo", f32(0.0)), ("hi", f32(6.0))]
        add(Case(f"graph_tiny_cnn_op{opset}", opset, nodes, [("x", randn(rng, 2, 2, 6, 6))], ["y"], inits=inits))
    # Residual: x -> Conv -> Relu -> Add(x) -> GlobalAveragePool -> Squeeze -> LogSoftmax.
    nodes = [mk("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
             mk("Relu", ["c"], ["r"]),
             mk("Add", ["r", "x"], ["a"]),
             mk("GlobalAveragePool", ["a"], ["g"]),
             mk("Squeeze", ["g", "axes"], ["sq"]),
             mk("LogSoftmax", ["sq"], ["y"], axis=-1)]
    add(Case("graph_residual_gap_squeeze_logsoftmax_op13", 13, nodes, [("x", randn(rng, 2, 3, 4, 4))], ["y"],
             inits=[("w", randn(rng, 3, 3, 3, 3, scale=0.3)), ("axes", i64([2, 3]))]))
    # Attention-ish: Transpose + MatMul + Div + Softmax + MatMul, with an intermediate also as an output.
    nodes = [mk("Transpose", ["k"], ["kt"], perm=[0, 2, 1]),
             mk("MatMul", ["q", "kt"], ["s"]),
             mk("Div", ["s", "scale"], ["ss"]),
             mk("Softmax", ["ss"], ["p"], axis=-1),
             mk("MatMul", ["p", "v"], ["y"])]
    add(Case("graph_attention_matmul_softmax_op13", 13, nodes,
             [("q", randn(rng, 2, 3, 4)), ("k", randn(rng, 2, 5, 4)), ("v", randn(rng, 2, 5, 6))], ["y", "p"],
             inits=[("scale", f32(2.0))]))
    # Same tensor consumed by two branches, and a graph output that is also consumed further.
    nodes = [mk("Sigmoid", ["x"], ["s"]),
             mk("Tanh", ["x"], ["t"]),
             mk("Mul", ["s", "t"], ["m"]),
             mk("Sum", ["m", "s", "t"], ["y"]),
             mk("Exp", ["m"], ["e"]),
             mk("Log", ["e"], ["z"])]
    add(Case("graph_fanout_and_inner_output_op13", 13, nodes, [("x", randn(rng, 3, 4))], ["y", "m", "z"]))
    # Dropout (mask as a graph output) -> Identity -> LeakyRelu.
    nodes = [mk("Dropout", ["x"], ["d", "mask"]),
             mk("Identity", ["d"], ["i"]),
             mk("LeakyRelu", ["i"], ["y"], alpha=0.2)]
    add(Case("graph_dropout_identity_leakyrelu_op12", 12, nodes, [("x", randn(rng, 2, 5))], ["y", "mask"]))

    # Graphs shaped like the patterns a runtime's graph rewrites look for (identity removal,
    # constant folding, Conv+BatchNormalization folding, activation and residual-add fusion),
    # including the conditions under which a rewrite must not fire.
    nodes = [mk("Identity", ["x"], ["a"]), mk("Identity", ["a"], ["b"]), mk("Relu", ["b"], ["y"])]
    add(Case("graph_identity_chain_relu_op13", 13, nodes, [("x", randn(rng, 3, 4))], ["y"]))
    nodes = [mk("Dropout", ["x"], ["d", "mask"]), mk("Relu", ["d"], ["y"])]
    add(Case("graph_dropout_mask_is_graph_output_op13", 13, nodes, [("x", randn(rng, 3, 4))], ["y", "mask"]))
    nodes = [mk("Constant", [], ["k"], value=numpy_helper.from_array(f32([[1.0, -2.0, 0.5]]), "k")),
             mk("Mul", ["k", "two"], ["k2"]),
             mk("ConstantOfShape", ["shape"], ["ones"], value=numpy_helper.from_array(f32([1.0]), "v")),
             mk("Add", ["k2", "ones"], ["k3"]),
             mk("Add", ["x", "k3"], ["y"])]
    add(Case("graph_constant_subgraph_op13", 13, nodes, [("x", randn(rng, 4, 3))], ["y"],
             inits=[("two", f32(2.0)), ("shape", i64([4, 3]))]))

    def conv_w(m, c, k=3):
        return randn(rng, m, c, k, k, scale=0.4)

    def bn_inits(prefix, c):
        return [(f"{prefix}_s", randn(rng, c)), (f"{prefix}_b", randn(rng, c)), (f"{prefix}_m", randn(rng, c)),
                (f"{prefix}_v", rng.uniform(0.3, 2.0, c).astype(np.float32))]

    def bn(src, dst, prefix, **kw):
        return mk("BatchNormalization", [src, f"{prefix}_s", f"{prefix}_b", f"{prefix}_m", f"{prefix}_v"], [dst], **kw)

    # Conv (no bias) -> BN with a non-default epsilon, at the BN-7 and BN-15 opsets.
    for opset in [7, 15]:
        nodes = [mk("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]), bn("c", "y", "bn", epsilon=1e-2)]
        add(Case(f"graph_conv_nobias_bn_op{opset}", opset, nodes, [("x", randn(rng, 2, 3, 5, 5))], ["y"],
                 inits=[("w", conv_w(4, 3))] + bn_inits("bn", 4)))
    # Depthwise Conv with bias -> BN -> Relu.
    nodes = [mk("Conv", ["x", "w", "b"], ["c"], group=4, pads=[1, 1, 1, 1], strides=[2, 2]),
             bn("c", "n", "bn"), mk("Relu", ["n"], ["y"])]
    add(Case("graph_depthwise_conv_bn_relu_op11", 11, nodes, [("x", randn(rng, 1, 4, 7, 7))], ["y"],
             inits=[("w", randn(rng, 4, 1, 3, 3)), ("b", randn(rng, 4))] + bn_inits("bn", 4)))
    # Two Convs share one weight initializer; only the first is followed by BN.
    nodes = [mk("Conv", ["x", "w"], ["c1"], pads=[1, 1, 1, 1]), bn("c1", "y1", "bn"),
             mk("Conv", ["x", "w"], ["y2"], pads=[1, 1, 1, 1])]
    add(Case("graph_shared_weight_conv_bn_and_plain_conv_op13", 13, nodes, [("x", randn(rng, 1, 2, 4, 4))],
             ["y1", "y2"], inits=[("w", conv_w(3, 2))] + bn_inits("bn", 3)))
    # Conv output read by BN and also a graph output (BN must not be folded away from it).
    nodes = [mk("Conv", ["x", "w"], ["c"]), bn("c", "y", "bn")]
    add(Case("graph_conv_output_also_graph_output_bn_op13", 13, nodes, [("x", randn(rng, 1, 2, 5, 5))], ["y", "c"],
             inits=[("w", conv_w(3, 2))] + bn_inits("bn", 3)))
    # Conv weights fed at run time, then BN.
    nodes = [mk("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]), bn("c", "y", "bn")]
    add(Case("graph_conv_weights_input_bn_op13", 13, nodes, [("x", randn(rng, 1, 2, 4, 4)), ("w", conv_w(3, 2))],
             ["y"], inits=bn_inits("bn", 3)))
    # Conv -> Relu where the Conv output is also a graph output (no fusion possible).
    nodes = [mk("Conv", ["x", "w", "b"], ["c"]), mk("Relu", ["c"], ["y"])]
    add(Case("graph_conv_relu_conv_output_also_graph_output_op13", 13, nodes, [("x", randn(rng, 1, 2, 5, 5))],
             ["y", "c"], inits=[("w", conv_w(3, 2)), ("b", randn(rng, 3))]))
    # Conv -> Clip variants: opset-9 attribute bounds (ReLU6), min only, min > max, bounds as graph inputs.
    nodes = [mk("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1]), mk("Clip", ["c"], ["y"], min=0.0, max=6.0)]
    add(Case("graph_conv_clip_attr_relu6_op9", 9, nodes, [("x", randn(rng, 1, 2, 4, 4, scale=3))], ["y"],
             inits=[("w", conv_w(3, 2)), ("b", randn(rng, 3))]))
    nodes = [mk("Conv", ["x", "w"], ["c"]), mk("Clip", ["c", "lo"], ["y"])]
    add(Case("graph_conv_clip_min_only_op13", 13, nodes, [("x", randn(rng, 1, 2, 5, 5))], ["y"],
             inits=[("w", conv_w(3, 2)), ("lo", f32(-0.25))]))
    nodes = [mk("Conv", ["x", "w"], ["c"]), mk("Clip", ["c", "lo", "hi"], ["y"])]
    add(Case("graph_conv_clip_min_gt_max_op13", 13, nodes, [("x", randn(rng, 1, 2, 5, 5))], ["y"],
             inits=[("w", conv_w(3, 2)), ("lo", f32(0.5)), ("hi", f32(-0.5))]))
    nodes = [mk("Gemm", ["x", "w", "b"], ["g"], transB=1), mk("Clip", ["g", "lo", "hi"], ["y"])]
    add(Case("graph_gemm_clip_bounds_as_inputs_op11", 11, nodes,
             [("x", randn(rng, 3, 6)), ("lo", f32(-0.3)), ("hi", f32(0.6))], ["y"],
             inits=[("w", randn(rng, 4, 6)), ("b", randn(rng, 4))]))
    nodes = [mk("Gemm", ["x", "w"], ["g"]), mk("LeakyRelu", ["g"], ["y"])]
    add(Case("graph_gemm_no_c_leakyrelu_default_alpha_op13", 13, nodes, [("x", randn(rng, 3, 6))], ["y"],
             inits=[("w", randn(rng, 6, 5))]))
    # Residual adds onto a Conv output: classic x + Conv(x) -> Relu; broadcast [C,1,1] addend;
    # an addend larger than the Conv output (the Add broadcasts the Conv output up); Add(c, c).
    nodes = [mk("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1]), mk("Add", ["x", "c"], ["a"]),
             mk("Relu", ["a"], ["y"])]
    add(Case("graph_conv_residual_add_relu_op13", 13, nodes, [("x", randn(rng, 2, 3, 4, 4))], ["y"],
             inits=[("w", conv_w(3, 3)), ("b", randn(rng, 3))]))
    nodes = [mk("Conv", ["x", "w"], ["c"]), mk("Add", ["c", "r"], ["y"])]
    add(Case("graph_conv_add_broadcast_channel_bias_op13", 13, nodes, [("x", randn(rng, 2, 2, 5, 5))], ["y"],
             inits=[("w", conv_w(3, 2)), ("r", randn(rng, 3, 1, 1))]))
    nodes = [mk("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]), mk("Add", ["r", "c"], ["a"]), mk("Relu", ["a"], ["y"])]
    add(Case("graph_conv_add_addend_larger_than_conv_output_op13", 13, nodes,
             [("x", randn(rng, 1, 2, 4, 4)), ("r", randn(rng, 3, 3, 4, 4))], ["y"], inits=[("w", conv_w(3, 2))]))
    nodes = [mk("Conv", ["x", "w"], ["c"]), mk("Add", ["c", "c"], ["y"])]
    add(Case("graph_conv_add_itself_op13", 13, nodes, [("x", randn(rng, 1, 2, 4, 4))], ["y"],
             inits=[("w", conv_w(2, 2))]))


# --------------------------------------------------------------------------- #
# Model building, goldens, writing
# --------------------------------------------------------------------------- #

NP_TO_ONNX = {np.dtype(k): v for k, v in {
    np.float32: TensorProto.FLOAT, np.float64: TensorProto.DOUBLE, np.int64: TensorProto.INT64,
    np.int32: TensorProto.INT32, np.bool_: TensorProto.BOOL, np.int8: TensorProto.INT8,
    np.uint8: TensorProto.UINT8, np.int16: TensorProto.INT16, np.uint16: TensorProto.UINT16}.items()}


def build_model(case: Case) -> tuple[onnx.ModelProto, onnx.ModelProto]:
    """The case's model (output types filled in) and its shape-inferred copy."""
    opsets = [helper.make_opsetid("", case.opset)]
    ir = helper.find_min_ir_version_for(opsets)

    def vi(name, arr, symbolic=None):
        dims = list(arr.shape)
        for axis, p in (symbolic or {}).items():
            dims[axis] = p
        return helper.make_tensor_value_info(name, NP_TO_ONNX[arr.dtype], dims)

    inputs = [vi(n, a, case.symbolic.get(n)) for n, a in case.inputs]
    if ir < 4:  # IR version 3 requires every initializer to be a graph input too.
        inputs += [vi(n, a) for n, a in case.inits]
    outputs = [helper.make_empty_tensor_value_info(n) for n in case.outputs]
    graph = helper.make_graph(case.nodes, case.name, inputs, outputs,
                              initializer=[numpy_helper.from_array(a, n) for n, a in case.inits])
    model = helper.make_model_gen_version(graph, producer_name="onyx-edge-cases", opset_imports=opsets)
    # Output element types come from onnx shape inference (or the case's out_types); main() later
    # declares each output's rank (the checker wants a shape on every graph output).
    inferred = onnx.shape_inference.infer_shapes(model)
    types = {v.name: v.type.tensor_type.elem_type for v in inferred.graph.output}
    for out in model.graph.output:
        et = case.out_types.get(out.name) or types.get(out.name, 0)
        if not et:
            raise ValueError(f"shape inference gave no element type for output {out.name!r}")
        out.type.tensor_type.elem_type = et
    model.doc_string = f"Onyx edge case '{case.name}' (generated by Tests/EdgeCases/generate_edge_cases.py)"
    return model, inferred


def run_ort(model: onnx.ModelProto, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    so.log_severity_level = 4
    so.intra_op_num_threads = 1
    sess = ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])
    return sess.run([o.name for o in model.graph.output], feeds)


def close(got: np.ndarray, want: np.ndarray) -> bool:
    """The tolerance of Tests/compare_outputs.py."""
    if got.shape != want.shape or got.dtype != want.dtype:
        return False
    g, w = got.astype(np.float64), want.astype(np.float64)
    return bool(np.all(np.abs(g - w) <= 1e-4 + 1e-3 * np.abs(w)))


# Disagreements --cross-check reports that were checked by hand (independent numpy code written
# from the spec agrees with onnxruntime).  A report on a case that contains one of these op
# types is labelled with the note, so that new disagreements stand out.
KNOWN_CROSS_CHECK_NOTES = {
    "Softmax": "onnx.reference applies Softmax-13 single-axis semantics to Softmax-1/11 (coerce-to-2-D)",
    "LogSoftmax": "onnx.reference applies LogSoftmax-13 single-axis semantics to LogSoftmax-1/11",
    "MaxPool": "onnx.reference MaxPool mishandles asymmetric/SAME_LOWER pads; onnx shape inference keeps "
               "ceil_mode windows that start in the right padding (the spec text drops them)",
    "AveragePool": "onnx shape inference keeps ceil_mode windows that start in the right padding "
                   "(the spec text and onnxruntime drop them)",
    "GlobalMaxPool": "onnx.reference GlobalMaxPool reduces the wrong axes for rank != 4",
    "BatchNormalization": "onnx.reference BatchNormalization-7/9 are broken for inference",
    "LRN": "onnx.reference LRN differs from the spec formula, which onnxruntime follows",
    "Unsqueeze": "onnx.reference Unsqueeze inserts unsorted axes in the given order",
    "Pad": "onnx.reference Pad cannot crop (negative pads)",
}


def cross_check(case: Case, model: onnx.ModelProto, inferred: onnx.ModelProto, feeds, outs) -> list[str]:
    """Disagreements between onnxruntime and (a) onnx.reference, (b) onnx shape inference."""
    from onnx.reference import ReferenceEvaluator

    notes = []
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            ref = ReferenceEvaluator(model).run(None, feeds)
        for name, r, o in zip(case.outputs, ref, outs):
            r = np.asarray(r)
            if not close(o, r.astype(o.dtype) if r.shape == o.shape else r):
                detail = f"{r.dtype}{list(r.shape)} vs ort {o.dtype}{list(o.shape)}"
                if r.shape == o.shape:
                    d = np.abs(r.astype(np.float64) - o.astype(np.float64))
                    i = int(np.argmax(d))
                    detail += f", flat {i}: ref {r.flat[i]} ort {o.flat[i]}"
                notes.append(f"reference differs on {name}: {detail}")
    except Exception as e:  # noqa: BLE001 - the reference lacks some attribute forms
        notes.append(f"reference failed: {type(e).__name__}: {str(e).splitlines()[0][:150]}")
    for v, o in zip(inferred.graph.output, outs):
        dims = v.type.tensor_type.shape.dim if v.type.tensor_type.HasField("shape") else None
        if dims is not None and all(d.HasField("dim_value") for d in dims):
            shape = tuple(d.dim_value for d in dims)
            if shape != o.shape:
                notes.append(f"shape inference says {list(shape)} for {v.name}, ort gives {list(o.shape)}")
    return notes


def write_case(out_dir: Path, case: Case, model: onnx.ModelProto, feeds, outs) -> None:
    d = out_dir / case.name
    data = d / "test_data_set_0"
    data.mkdir(parents=True)
    (d / "model.onnx").write_bytes(model.SerializeToString())
    for i, (name, _) in enumerate(case.inputs):
        (data / f"input_{i}.pb").write_bytes(numpy_helper.from_array(feeds[name], name).SerializeToString())
    for i, (name, arr) in enumerate(zip(case.outputs, outs)):
        (data / f"output_{i}.pb").write_bytes(numpy_helper.from_array(np.asarray(arr), name).SerializeToString())


def collect() -> list[Case]:
    for section in [conv_cases, gemm_cases, matmul_cases, unary_cases, clip_cases, softmax_cases, pool_cases,
                    norm_cases, binary_cases, concat_cases, shape_op_cases, constant_cases, pad_cases, resize_cases, data_op_cases, quant_cases, einsum_cases, graph_cases]:
        section()
    return CASES


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, type=Path, help="output directory (wiped first)")
    ap.add_argument("--only", help="only cases whose name contains this substring")
    ap.add_argument("--cross-check", action="store_true",
                    help="compare onnxruntime with onnx.reference and onnx shape inference")
    ap.add_argument("--list", action="store_true", help="list case names and exit")
    args = ap.parse_args()
    start = time.time()
    cases = collect()
    if args.only:
        cases = [c for c in cases if args.only in c.name]
    if args.list:
        print("\n".join(c.name for c in cases))
        return

    out = args.out
    if out.exists():
        if any(out.iterdir()) and not (out / MARKER).exists():
            sys.exit(f"error: {out} exists and was not written by this script; refusing to wipe it")
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / MARKER).write_text("Written by Tests/EdgeCases/generate_edge_cases.py; wiped on every run.\n")

    written = skipped = 0
    xchecks = 0
    for case in cases:
        if case.name in ORT_DEVIATIONS:
            print(f"skipped {case.name}: onnxruntime deviates from the spec: {ORT_DEVIATIONS[case.name]}")
            skipped += 1
            continue
        try:
            model, inferred = build_model(case)
        except Exception as e:  # noqa: BLE001
            print(f"skipped {case.name}: cannot build model: {type(e).__name__}: {str(e).splitlines()[0][:200]}")
            skipped += 1
            continue
        feeds = {n: a for n, a in case.inputs}
        try:
            outs = run_ort(model, feeds)
        except Exception as e:  # noqa: BLE001
            msg = " ".join(str(e).split())[:240]
            print(f"skipped {case.name}: onnxruntime: {msg}")
            skipped += 1
            continue
        # Declare each output's rank with unknown dims: onnx shape inference does not always agree
        # with the spec text (pooling ceil_mode, see pool_cases), and the goldens carry the shapes.
        for vi, arr in zip(model.graph.output, outs):
            shape = vi.type.tensor_type.shape
            shape.Clear()
            for _ in np.shape(arr):
                shape.dim.add()
        try:
            onnx.checker.check_model(model, full_check=True)
        except Exception as e:  # noqa: BLE001
            print(f"skipped {case.name}: onnx checker: {type(e).__name__}: {' '.join(str(e).split())[:240]}")
            skipped += 1
            continue
        if args.cross_check:
            for note in cross_check(case, model, inferred, feeds, outs):
                ops = {n.op_type for n in case.nodes}
                known = "; ".join(v for k, v in KNOWN_CROSS_CHECK_NOTES.items() if k in ops)
                print(f"xcheck {case.name}: {note}" + (f" [known: {known}]" if known else ""))
                xchecks += 1
        write_case(out, case, model, feeds, outs)
        written += 1
    if args.cross_check:
        print(f"cross-check notes: {xchecks}")
    print(f"wrote {out} in {time.time() - start:.1f} s")
    print(f"generated {written} cases, skipped {skipped}")


if __name__ == "__main__":
    main()
