#!/usr/bin/env python3
"""Generate the Onyx test/benchmark models and their golden data.

Every model is built by hand with ``onnx.helper`` (no torch), with weights drawn
from fixed numpy seeds, so running the script twice produces identical model
files.  Golden outputs are computed with onnxruntime on the CPU execution
provider with *all graph optimizations disabled*, so the goldens are the plain
per-node math rather than the result of fused kernels.

Layout written (same as the ONNX backend tests)::

    Models/<name>/model.onnx
    Models/<name>/test_data_set_<k>/input_<i>.pb    (TensorProto, named like the graph input)
    Models/<name>/test_data_set_<k>/output_<i>.pb   (TensorProto, named like the graph output)

Usage::

    python Models/generate.py                      # small models (committed)
    python Models/generate.py --only lenet5        # a subset of the small models
    python Models/generate.py --full               # full-size models into Models/full/ (git-ignored)
    python Models/generate.py --full --only resnet18
    python Models/generate.py --list               # list model names
"""

from __future__ import annotations

import argparse
import collections
import shutil
import sys
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

MODELS_DIR = Path(__file__).resolve().parent
FULL_DIR = MODELS_DIR / "full"

BN_EPSILON = 1e-5
BATCH_DIM = "N"


def _seed_for(name: str) -> int:
    """A stable per-model seed (crc32 is stable across runs, unlike hash())."""
    return zlib.crc32(name.encode("utf-8"))


# --------------------------------------------------------------------------- #
# Graph builder
# --------------------------------------------------------------------------- #


class GraphBuilder:
    """Accumulates nodes and initializers for one model.

    Layer helpers take the name of an input tensor and return the name of the
    output tensor, so models read like a forward pass.  All random weights come
    from ``self.rng`` in construction order, which makes the models
    deterministic.
    """

    def __init__(self, name: str, opset: int, seed: int | None = None) -> None:
        self.name = name
        self.opset = opset
        self.rng = np.random.default_rng(_seed_for(name) if seed is None else seed)
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self._counters: collections.Counter[str] = collections.Counter()
        self._shared: dict[str, str] = {}

    # -- naming / raw graph pieces -------------------------------------------

    def fresh(self, prefix: str) -> str:
        self._counters[prefix] += 1
        return f"{prefix}_{self._counters[prefix]}"

    def initializer(self, prefix: str, array: np.ndarray) -> str:
        name = self.fresh(prefix)
        self.initializers.append(numpy_helper.from_array(np.require(array, requirements="C"), name=name))
        return name

    def shared_initializer(self, key: str, array: np.ndarray) -> str:
        """An initializer created once and reused by every node that asks for `key`."""
        if key not in self._shared:
            self.initializers.append(numpy_helper.from_array(np.require(array, requirements="C"), name=key))
            self._shared[key] = key
        return self._shared[key]

    def op(self, op_type: str, inputs: Sequence[str], num_outputs: int = 1, **attrs) -> str | list[str]:
        """Append a node; returns its output name (or list of names if num_outputs > 1)."""
        outputs = [self.fresh(op_type.lower()) for _ in range(num_outputs)]
        node = helper.make_node(op_type, list(inputs), outputs, name=self.fresh(op_type), **attrs)
        self.nodes.append(node)
        return outputs[0] if num_outputs == 1 else outputs

    # -- weight initialisation -------------------------------------------------

    def he_normal(self, shape: Sequence[int], fan_in: int, gain: float = 2.0) -> np.ndarray:
        std = np.sqrt(gain / fan_in)
        return (self.rng.standard_normal(shape) * std).astype(np.float32)

    def small_uniform(self, shape: Sequence[int], bound: float) -> np.ndarray:
        return self.rng.uniform(-bound, bound, size=shape).astype(np.float32)

    # -- layers ----------------------------------------------------------------

    def conv(
        self,
        x: str,
        cin: int,
        cout: int,
        kernel: int,
        stride: int = 1,
        pad: int = 0,
        group: int = 1,
        bias: bool = False,
    ) -> str:
        fan_in = (cin // group) * kernel * kernel
        w = self.initializer("conv_w", self.he_normal((cout, cin // group, kernel, kernel), fan_in))
        inputs = [x, w]
        if bias:
            inputs.append(self.initializer("conv_b", self.small_uniform((cout,), 1.0 / np.sqrt(fan_in))))
        return self.op(
            "Conv",
            inputs,
            kernel_shape=[kernel, kernel],
            strides=[stride, stride],
            pads=[pad, pad, pad, pad],
            group=group,
            dilations=[1, 1],
        )

    def batchnorm(self, x: str, channels: int, gamma_range: tuple[float, float] = (0.5, 1.5)) -> str:
        """Inference-mode BatchNormalization with non-trivial statistics (var > 0)."""
        rng = self.rng
        scale = rng.uniform(*gamma_range, size=channels).astype(np.float32)
        bias = rng.normal(0.0, 0.1, size=channels).astype(np.float32)
        mean = rng.normal(0.0, 0.1, size=channels).astype(np.float32)
        var = rng.uniform(0.5, 1.5, size=channels).astype(np.float32)
        inputs = [
            x,
            self.initializer("bn_scale", scale),
            self.initializer("bn_bias", bias),
            self.initializer("bn_mean", mean),
            self.initializer("bn_var", var),
        ]
        return self.op("BatchNormalization", inputs, epsilon=BN_EPSILON)

    def relu(self, x: str) -> str:
        return self.op("Relu", [x])

    def relu6(self, x: str) -> str:
        """Clip(0, 6): attribute form before opset 11, input form from opset 11 on."""
        if self.opset < 11:
            return self.op("Clip", [x], min=0.0, max=6.0)
        lo = self.shared_initializer("clip_min", np.array(0.0, dtype=np.float32))
        hi = self.shared_initializer("clip_max", np.array(6.0, dtype=np.float32))
        return self.op("Clip", [x, lo, hi])

    def conv_bn(self, x: str, cin: int, cout: int, kernel: int, stride: int = 1, pad: int = 0,
                group: int = 1, act: str | None = "relu",
                gamma_range: tuple[float, float] = (0.5, 1.5)) -> str:
        y = self.conv(x, cin, cout, kernel, stride=stride, pad=pad, group=group, bias=False)
        y = self.batchnorm(y, cout, gamma_range=gamma_range)
        if act == "relu":
            y = self.relu(y)
        elif act == "relu6":
            y = self.relu6(y)
        elif act == "hardswish":
            y = self.op("HardSwish", [y])
        elif act is not None:
            raise ValueError(f"unknown activation {act!r}")
        return y

    def maxpool(self, x: str, kernel: int, stride: int, pad: int = 0, ceil_mode: bool = False) -> str:
        attrs = dict(kernel_shape=[kernel, kernel], strides=[stride, stride], pads=[pad, pad, pad, pad])
        if ceil_mode:
            if self.opset < 10:
                raise ValueError("MaxPool ceil_mode needs opset >= 10")
            attrs["ceil_mode"] = 1
        return self.op("MaxPool", [x], **attrs)

    def global_avg_pool(self, x: str) -> str:
        return self.op("GlobalAveragePool", [x])

    def flatten(self, x: str, axis: int = 1) -> str:
        return self.op("Flatten", [x], axis=axis)

    def gemm(self, x: str, fin: int, fout: int, classifier: bool = False) -> str:
        """Fully connected layer, PyTorch weight layout [fout, fin] with transB=1.

        Hidden layers use He init; a classifier layer uses a 1/sqrt(fan_in)
        scale so the logits stay O(1) and a following Softmax is not saturated.
        """
        gain = 1.0 if classifier else 2.0
        w = self.initializer("fc_w", self.he_normal((fout, fin), fin, gain=gain))
        b = self.initializer("fc_b", self.small_uniform((fout,), 1.0 / np.sqrt(fin)))
        return self.op("Gemm", [x, w, b], alpha=1.0, beta=1.0, transA=0, transB=1)

    def add(self, a: str, b: str) -> str:
        return self.op("Add", [a, b])

    def concat(self, xs: Sequence[str], axis: int) -> str:
        return self.op("Concat", list(xs), axis=axis)

    def softmax(self, x: str, axis: int = 1) -> str:
        return self.op("Softmax", [x], axis=axis)

    def dropout(self, x: str, ratio: float) -> str:
        """Dropout (identity at inference). `ratio` is an attribute before opset 12."""
        if self.opset < 12:
            return self.op("Dropout", [x], ratio=ratio)
        r = self.initializer("dropout_ratio", np.array(ratio, dtype=np.float32))
        return self.op("Dropout", [x, r])

    def unsqueeze(self, x: str, axes: Sequence[int]) -> str:
        if self.opset < 13:
            return self.op("Unsqueeze", [x], axes=list(axes))
        a = self.initializer("unsqueeze_axes", np.array(axes, dtype=np.int64))
        return self.op("Unsqueeze", [x, a])

    def constant(self, array: np.ndarray) -> str:
        """A Constant node (rather than an initializer)."""
        return self.op("Constant", [], value=numpy_helper.from_array(array, name=self.fresh("const")))

    # -- finalisation ----------------------------------------------------------

    def build(self, x_in: str, in_shape: Sequence[int], y_out: str, out_shape: Sequence[int],
              input_name: str = "input", output_name: str = "output") -> onnx.ModelProto:
        """Wrap everything into a model with a symbolic batch dim on input and output.

        `x_in` / `y_out` are the internal tensor names used while building;
        they are renamed to `input_name` / `output_name`.
        """
        rename = {x_in: input_name, y_out: output_name}
        for node in self.nodes:
            for i, n in enumerate(node.input):
                node.input[i] = rename.get(n, n)
            for i, n in enumerate(node.output):
                node.output[i] = rename.get(n, n)
        graph = helper.make_graph(
            self.nodes,
            self.name,
            inputs=[helper.make_tensor_value_info(input_name, TensorProto.FLOAT, [BATCH_DIM, *in_shape])],
            outputs=[helper.make_tensor_value_info(output_name, TensorProto.FLOAT, [BATCH_DIM, *out_shape])],
            initializer=self.initializers,
        )
        # make_model_gen_version picks the IR version matching the opset, so
        # the files stay loadable by older runtimes.
        model = helper.make_model_gen_version(
            graph,
            producer_name="onyx-models-generate",
            opset_imports=[helper.make_opsetid("", self.opset)],
        )
        model.doc_string = f"Onyx test model '{self.name}' (random weights, generated by Models/generate.py)"
        return model


# --------------------------------------------------------------------------- #
# Shared building blocks
# --------------------------------------------------------------------------- #

# Gamma range for the last BN of a residual branch: smaller than usual so the
# variance does not double at every residual Add (deep nets would blow up).
RESIDUAL_GAMMA = (0.1, 0.4)


def basic_block(g: GraphBuilder, x: str, cin: int, cout: int, stride: int) -> str:
    """ResNet basic block: 3x3 conv-bn-relu, 3x3 conv-bn, add skip, relu."""
    y = g.conv_bn(x, cin, cout, 3, stride=stride, pad=1, act="relu")
    y = g.conv_bn(y, cout, cout, 3, stride=1, pad=1, act=None, gamma_range=RESIDUAL_GAMMA)
    skip = x
    if stride != 1 or cin != cout:
        skip = g.conv_bn(x, cin, cout, 1, stride=stride, act=None)
    return g.relu(g.add(y, skip))


def bottleneck_block(g: GraphBuilder, x: str, cin: int, width: int, stride: int) -> str:
    """ResNet-50 bottleneck (torchvision v1.5: stride on the 3x3 conv), expansion 4."""
    cout = width * 4
    y = g.conv_bn(x, cin, width, 1, act="relu")
    y = g.conv_bn(y, width, width, 3, stride=stride, pad=1, act="relu")
    y = g.conv_bn(y, width, cout, 1, act=None, gamma_range=RESIDUAL_GAMMA)
    skip = x
    if stride != 1 or cin != cout:
        skip = g.conv_bn(x, cin, cout, 1, stride=stride, act=None)
    return g.relu(g.add(y, skip))


def inverted_residual(g: GraphBuilder, x: str, cin: int, cout: int, stride: int, expand: int) -> str:
    """MobileNetV2 block: [1x1 expand-bn-relu6] -> 3x3 depthwise-bn-relu6 -> 1x1 project-bn (+ skip)."""
    hidden = cin * expand
    use_residual = stride == 1 and cin == cout
    y = x
    if expand != 1:
        y = g.conv_bn(y, cin, hidden, 1, act="relu6")
    y = g.conv_bn(y, hidden, hidden, 3, stride=stride, pad=1, group=hidden, act="relu6")
    y = g.conv_bn(y, hidden, cout, 1, act=None,
                  gamma_range=RESIDUAL_GAMMA if use_residual else (0.5, 1.5))
    return g.add(y, x) if use_residual else y


def fire(g: GraphBuilder, x: str, cin: int, squeeze: int, expand1: int, expand3: int) -> str:
    """SqueezeNet fire module (convs with bias, as in torchvision)."""
    s = g.relu(g.conv(x, cin, squeeze, 1, bias=True))
    e1 = g.relu(g.conv(s, squeeze, expand1, 1, bias=True))
    e3 = g.relu(g.conv(s, squeeze, expand3, 3, pad=1, bias=True))
    return g.concat([e1, e3], axis=1)


def flatten_via_shape_ops(g: GraphBuilder, x: str) -> str:
    """Reshape x to [N, -1] with the target shape computed at run time:

    Shape -> Gather(0) -> Unsqueeze -> Concat([n], Constant[-1]) -> Reshape.
    Exercises int64 shape arithmetic instead of a plain Flatten.
    """
    shape = g.op("Shape", [x])
    zero = g.initializer("gather_index", np.array(0, dtype=np.int64))  # scalar index -> scalar output
    n = g.op("Gather", [shape, zero], axis=0)
    n1 = g.unsqueeze(n, [0])
    minus_one = g.constant(np.array([-1], dtype=np.int64))
    target = g.concat([n1, minus_one], axis=0)
    return g.op("Reshape", [x, target])


def squeeze_excite(g: GraphBuilder, x: str, channels: int, reduced: int) -> str:
    """MobileNetV3 squeeze-and-excitation: x * HardSigmoid(conv(relu(conv(mean(x)))))."""
    s = g.global_avg_pool(x)
    s = g.relu(g.conv(s, channels, reduced, 1, bias=True))
    s = g.conv(s, reduced, channels, 1, bias=True)
    s = g.op("HardSigmoid", [s], alpha=1.0 / 6, beta=0.5)   # torch's hardsigmoid
    return g.op("Mul", [x, s])


def channel_shuffle(g: GraphBuilder, x: str, channels: int, size: int, groups: int = 2) -> str:
    """ShuffleNet channel shuffle: Reshape [N, g, C/g, H, W] -> Transpose -> Reshape [N, C, H, W]."""
    split = g.constant(np.array([0, groups, channels // groups, size, size], dtype=np.int64))
    y = g.op("Reshape", [x, split])
    y = g.op("Transpose", [y], perm=[0, 2, 1, 3, 4])
    merged = g.constant(np.array([0, channels, size, size], dtype=np.int64))
    return g.op("Reshape", [y, merged])


# --------------------------------------------------------------------------- #
# Small models (committed)
# --------------------------------------------------------------------------- #


def build_mlp_fraud() -> onnx.ModelProto:
    g = GraphBuilder("mlp_fraud", opset=13)
    x = "x"
    y = g.relu(g.gemm(x, 30, 64))
    y = g.relu(g.gemm(y, 64, 32))
    y = g.gemm(y, 32, 2, classifier=True)
    y = g.softmax(y, axis=1)
    return g.build(x, [30], y, [2])


def build_lenet5() -> onnx.ModelProto:
    g = GraphBuilder("lenet5", opset=11)
    x = "x"
    y = g.relu(g.conv(x, 1, 6, 5, pad=2, bias=True))      # 6x28x28
    y = g.maxpool(y, 2, 2)                                 # 6x14x14
    y = g.relu(g.conv(y, 6, 16, 5, bias=True))            # 16x10x10
    y = g.maxpool(y, 2, 2)                                 # 16x5x5
    y = g.flatten(y)                                       # 400
    y = g.relu(g.gemm(y, 400, 120))
    y = g.relu(g.gemm(y, 120, 84))
    y = g.gemm(y, 84, 10, classifier=True)
    return g.build(x, [1, 28, 28], y, [10])


def build_resnet_mini() -> onnx.ModelProto:
    g = GraphBuilder("resnet_mini", opset=13)
    x = "x"
    y = g.conv(x, 3, 16, 3, pad=1, bias=True)              # first conv keeps its bias
    y = g.relu(g.batchnorm(y, 16))                         # 16x32x32
    y = basic_block(g, y, 16, 16, stride=1)                # 16x32x32
    y = basic_block(g, y, 16, 32, stride=2)                # 32x16x16, 1x1 projection on the skip
    y = g.flatten(g.global_avg_pool(y))
    y = g.gemm(y, 32, 10, classifier=True)
    return g.build(x, [3, 32, 32], y, [10])


def _mobilenet_block_model(name: str, opset: int) -> onnx.ModelProto:
    # Same seed for both opset variants so they carry identical weights.
    g = GraphBuilder(name, opset=opset, seed=_seed_for("mobilenet_block"))
    x = "x"
    y = inverted_residual(g, x, 16, 16, stride=1, expand=6)    # 16x16x16 (+ residual)
    y = inverted_residual(g, y, 16, 24, stride=2, expand=6)    # 24x8x8 (no residual)
    y = g.flatten(g.global_avg_pool(y))
    y = g.gemm(y, 24, 10, classifier=True)
    y = g.softmax(y, axis=1)
    return g.build(x, [16, 16, 16], y, [10])


def build_mobilenet_block() -> onnx.ModelProto:
    return _mobilenet_block_model("mobilenet_block", opset=11)


def build_mobilenet_block_opset9() -> onnx.ModelProto:
    return _mobilenet_block_model("mobilenet_block_opset9", opset=9)


def build_squeezenet_fire() -> onnx.ModelProto:
    g = GraphBuilder("squeezenet_fire", opset=12)
    x = "x"
    # pad 1 makes the spatial sizes even (32, 16) so ceil_mode actually changes
    # the MaxPool output size (16 instead of 15, 8 instead of 7).
    y = g.relu(g.conv(x, 3, 64, 3, stride=2, pad=1, bias=True))   # 64x32x32
    y = g.maxpool(y, 3, 2, ceil_mode=True)                         # 64x16x16
    y = fire(g, y, 64, 16, 64, 64)                                 # 128x16x16
    y = fire(g, y, 128, 16, 64, 64)                                # 128x16x16
    y = g.maxpool(y, 3, 2, ceil_mode=True)                         # 128x8x8
    y = g.relu(g.conv(y, 128, 10, 1, bias=True))                   # 10x8x8
    y = g.global_avg_pool(y)                                       # 10x1x1
    y = flatten_via_shape_ops(g, y)                                # 10
    y = g.softmax(y, axis=1)
    return g.build(x, [3, 64, 64], y, [10])


def build_mobilenetv3_block() -> onnx.ModelProto:
    g = GraphBuilder("mobilenetv3_block", opset=14)
    x = "x"
    stem = g.conv_bn(x, 3, 16, 3, stride=2, pad=1, act="hardswish")           # 16x16x16
    y = g.conv_bn(stem, 16, 48, 1, act="hardswish")                            # expand
    y = g.conv_bn(y, 48, 48, 5, pad=2, group=48, act="hardswish")              # 5x5 depthwise
    y = squeeze_excite(g, y, 48, 12)
    y = g.conv_bn(y, 48, 16, 1, act=None, gamma_range=RESIDUAL_GAMMA)          # project
    y = g.add(y, stem)                                                         # residual
    y = g.op("HardSwish", [g.flatten(g.global_avg_pool(y))])                   # 16
    y = g.op("HardSwish", [g.gemm(y, 16, 32)])
    y = g.gemm(y, 32, 10, classifier=True)                                     # logits
    return g.build(x, [3, 32, 32], y, [10])


def build_shufflenet_unit() -> onnx.ModelProto:
    g = GraphBuilder("shufflenet_unit", opset=13)
    x = "x"
    y = g.conv_bn(x, 3, 24, 3, stride=2, pad=1)                                # 24x16x16
    # ShuffleNetV2 unit: half the channels pass through, half go through a branch.
    split = g.initializer("split", np.array([12, 12], dtype=np.int64))
    keep, branch = g.op("Split", [y, split], num_outputs=2, axis=1)
    b = g.conv_bn(branch, 12, 12, 1)
    b = g.conv_bn(b, 12, 12, 3, pad=1, group=12, act=None)
    b = g.conv_bn(b, 12, 12, 1)
    y = channel_shuffle(g, g.concat([keep, b], axis=1), 24, 16)
    # Second unit takes its halves with Slice (as torch exports x[:, :c] / x[:, c:]).
    starts, ends, axes = (g.initializer(n, np.array(v, dtype=np.int64))
                          for n, v in (("starts", [0]), ("ends", [12]), ("axes", [1])))
    keep = g.op("Slice", [y, starts, ends, axes])
    starts2, ends2 = (g.initializer(n, np.array(v, dtype=np.int64)) for n, v in (("starts", [12]), ("ends", [2**62])))
    branch = g.op("Slice", [y, starts2, ends2, axes])
    b = g.conv_bn(branch, 12, 12, 1)
    b = g.conv_bn(b, 12, 12, 3, pad=1, group=12, act=None)
    b = g.conv_bn(b, 12, 12, 1)
    y = channel_shuffle(g, g.concat([keep, b], axis=1), 24, 16)
    y = g.op("ReduceMean", [y], axes=[2, 3], keepdims=0)                      # x.mean([2, 3])
    y = g.gemm(y, 24, 10, classifier=True)
    y = g.softmax(y, axis=1)
    return g.build(x, [3, 32, 32], y, [10])


# --------------------------------------------------------------------------- #
# Full-size models (--full, git-ignored)
# --------------------------------------------------------------------------- #


def _resnet(name: str, block: str, layers: Sequence[int]) -> onnx.ModelProto:
    g = GraphBuilder(name, opset=13)
    x = "x"
    y = g.conv_bn(x, 3, 64, 7, stride=2, pad=3, act="relu")        # 64x112x112
    y = g.maxpool(y, 3, 2, pad=1)                                  # 64x56x56
    cin = 64
    for stage, (width, count) in enumerate(zip((64, 128, 256, 512), layers)):
        for i in range(count):
            stride = 2 if (stage > 0 and i == 0) else 1
            if block == "basic":
                y = basic_block(g, y, cin, width, stride)
                cin = width
            else:
                y = bottleneck_block(g, y, cin, width, stride)
                cin = width * 4
    y = g.flatten(g.global_avg_pool(y))
    y = g.gemm(y, cin, 1000, classifier=True)
    return g.build(x, [3, 224, 224], y, [1000])


def build_resnet18() -> onnx.ModelProto:
    return _resnet("resnet18", "basic", [2, 2, 2, 2])


def build_resnet50() -> onnx.ModelProto:
    return _resnet("resnet50", "bottleneck", [3, 4, 6, 3])


def build_mobilenetv2() -> onnx.ModelProto:
    g = GraphBuilder("mobilenetv2", opset=11)
    x = "x"
    y = g.conv_bn(x, 3, 32, 3, stride=2, pad=1, act="relu6")       # 32x112x112
    cin = 32
    # (expansion t, output channels c, repeats n, first stride s), torchvision width 1.0
    settings = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
                (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]
    for t, c, n, s in settings:
        for i in range(n):
            y = inverted_residual(g, y, cin, c, stride=s if i == 0 else 1, expand=t)
            cin = c
    y = g.conv_bn(y, cin, 1280, 1, act="relu6")                     # 1280x7x7
    y = g.flatten(g.global_avg_pool(y))
    y = g.dropout(y, 0.2)
    y = g.gemm(y, 1280, 1000, classifier=True)
    return g.build(x, [3, 224, 224], y, [1000])


def build_squeezenet1_1() -> onnx.ModelProto:
    g = GraphBuilder("squeezenet1_1", opset=12)
    x = "x"
    y = g.relu(g.conv(x, 3, 64, 3, stride=2, bias=True))           # 64x111x111
    y = g.maxpool(y, 3, 2, ceil_mode=True)                          # 64x55x55
    y = fire(g, y, 64, 16, 64, 64)
    y = fire(g, y, 128, 16, 64, 64)
    y = g.maxpool(y, 3, 2, ceil_mode=True)                          # 128x27x27
    y = fire(g, y, 128, 32, 128, 128)
    y = fire(g, y, 256, 32, 128, 128)
    y = g.maxpool(y, 3, 2, ceil_mode=True)                          # 256x13x13
    y = fire(g, y, 256, 48, 192, 192)
    y = fire(g, y, 384, 48, 192, 192)
    y = fire(g, y, 384, 64, 256, 256)
    y = fire(g, y, 512, 64, 256, 256)                               # 512x13x13
    y = g.relu(g.conv(y, 512, 1000, 1, bias=True))                  # 1000x13x13
    y = g.flatten(g.global_avg_pool(y))
    return g.build(x, [3, 224, 224], y, [1000])


# --------------------------------------------------------------------------- #
# Registry, golden data and I/O
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class ModelSpec:
    name: str
    build: Callable[[], onnx.ModelProto]
    batches: tuple[int, ...] = field(default=(1, 3))
    # Models sharing a data_seed get identical random inputs (and must have the same input shape).
    data_seed: str | None = None


SMALL_MODELS = [
    ModelSpec("mlp_fraud", build_mlp_fraud),
    ModelSpec("lenet5", build_lenet5),
    ModelSpec("resnet_mini", build_resnet_mini),
    ModelSpec("mobilenet_block", build_mobilenet_block),
    # Same weights and inputs as mobilenet_block: the goldens must agree up to float rounding.
    ModelSpec("mobilenet_block_opset9", build_mobilenet_block_opset9, data_seed="mobilenet_block"),
    ModelSpec("squeezenet_fire", build_squeezenet_fire),
    ModelSpec("mobilenetv3_block", build_mobilenetv3_block),
    ModelSpec("shufflenet_unit", build_shufflenet_unit),
]

FULL_MODELS = [
    ModelSpec("resnet18", build_resnet18, batches=(1, 4)),
    ModelSpec("resnet50", build_resnet50, batches=(1,)),
    ModelSpec("mobilenetv2", build_mobilenetv2, batches=(1,)),
    ModelSpec("squeezenet1_1", build_squeezenet1_1, batches=(1,)),
]


def _dims(value_info: onnx.ValueInfoProto) -> list[int | str]:
    return [d.dim_param if d.HasField("dim_param") else d.dim_value
            for d in value_info.type.tensor_type.shape.dim]


def check(model: onnx.ModelProto) -> None:
    """onnx checker + strict shape inference; the inferred output shape must match the declared one."""
    onnx.checker.check_model(model)
    inferred = onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True, data_prop=True)
    declared = {o.name: _dims(o) for o in model.graph.output}
    for out in inferred.graph.output:
        got = _dims(out)
        if got != declared[out.name]:
            raise AssertionError(f"{model.graph.name}: inferred shape {got} for '{out.name}' "
                                 f"!= declared {declared[out.name]}")


def make_session(model_bytes: bytes) -> ort.InferenceSession:
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    opts.log_severity_level = 3  # errors only
    return ort.InferenceSession(model_bytes, sess_options=opts, providers=["CPUExecutionProvider"])


def random_input(value_info: onnx.ValueInfoProto, batch: int, rng: np.random.Generator) -> np.ndarray:
    shape = [batch if isinstance(d, str) else d for d in _dims(value_info)]
    return rng.standard_normal(shape).astype(np.float32)


def _fmt_size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError


def write_model(spec: ModelSpec, root: Path) -> None:
    t0 = time.perf_counter()
    model = spec.build()
    check(model)
    t_build = time.perf_counter() - t0

    out_dir = root / spec.name
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    model_bytes = model.SerializeToString()
    model_path = out_dir / "model.onnx"
    model_path.write_bytes(model_bytes)

    t1 = time.perf_counter()
    sess = make_session(model_bytes)
    op_counts = collections.Counter(n.op_type for n in model.graph.node)
    print(f"wrote {model_path.relative_to(MODELS_DIR.parent)}  "
          f"({_fmt_size(len(model_bytes))}, opset {model.opset_import[0].version}, "
          f"IR {model.ir_version}, {len(model.graph.node)} nodes: "
          + ", ".join(f"{k}x{v}" for k, v in sorted(op_counts.items())) + ")")

    for k, batch in enumerate(spec.batches):
        rng = np.random.default_rng(_seed_for(spec.data_seed or spec.name) + 1000 + k)
        feeds = {vi.name: random_input(vi, batch, rng) for vi in model.graph.input}
        outputs = sess.run(None, feeds)
        ds_dir = out_dir / f"test_data_set_{k}"
        ds_dir.mkdir()
        for i, vi in enumerate(model.graph.input):
            (ds_dir / f"input_{i}.pb").write_bytes(
                numpy_helper.from_array(feeds[vi.name], name=vi.name).SerializeToString())
        for i, (vi, arr) in enumerate(zip(model.graph.output, outputs)):
            if not np.all(np.isfinite(arr)):
                raise AssertionError(f"{spec.name}: non-finite golden output")
            (ds_dir / f"output_{i}.pb").write_bytes(
                numpy_helper.from_array(arr, name=vi.name).SerializeToString())
        out0 = outputs[0]
        print(f"    {ds_dir.relative_to(MODELS_DIR.parent)}: input {list(feeds[model.graph.input[0].name].shape)}"
              f" -> output {list(out0.shape)}  (mean {out0.mean():+.4f}, std {out0.std():.4f}, "
              f"max |y| {np.abs(out0).max():.4f})")
    t_run = time.perf_counter() - t1
    print(f"    build+check {t_build:.2f}s, onnxruntime goldens {t_run:.2f}s")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true",
                        help="generate the full-size benchmark models into Models/full/ instead")
    parser.add_argument("--only", action="append", default=[], metavar="NAME",
                        help="generate only these models (repeatable or comma-separated)")
    parser.add_argument("--list", action="store_true", help="list model names and exit")
    args = parser.parse_args(argv)

    specs = FULL_MODELS if args.full else SMALL_MODELS
    root = FULL_DIR if args.full else MODELS_DIR
    if args.list:
        for s in SMALL_MODELS:
            print(f"{s.name}")
        for s in FULL_MODELS:
            print(f"{s.name}  (--full)")
        return 0

    wanted = [n for item in args.only for n in item.split(",") if n]
    if wanted:
        known = {s.name: s for s in specs}
        unknown = [n for n in wanted if n not in known]
        if unknown:
            kind = "full-size" if args.full else "small"
            parser.error(f"unknown {kind} model(s): {', '.join(unknown)}; "
                         f"choose from {', '.join(known)}" + ("" if args.full else " (or pass --full)"))
        specs = [known[n] for n in wanted]

    print(f"onnx {onnx.__version__}, onnxruntime {ort.__version__}, numpy {np.__version__}")
    t0 = time.perf_counter()
    for spec in specs:
        write_model(spec, root)
    print(f"done: {len(specs)} model(s) in {time.perf_counter() - t0:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
