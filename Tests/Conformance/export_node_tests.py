#!/usr/bin/env python3
"""Export ONNX backend node tests (from the pinned onnx package) for Onyx.

The node test cases ship inside the onnx Python package as code
(``onnx.backend.test.case.node``); this script materialises the ones we want
in the usual backend-test layout so the Swift conformance tests can read them
without Python:

    OUT/<name>/model.onnx
    OUT/<name>/test_data_set_<k>/input_<i>.pb     # i-th *graph input*
    OUT/<name>/test_data_set_<k>/output_<i>.pb    # i-th *graph output*

Files are serialized TensorProto (SequenceProto / OptionalProto for sequence /
optional typed values) whose ``name`` is the graph input/output name.  Omitted
optional node inputs (``''`` in ``node.input``) are not graph inputs and thus
get no file; the data set values map 1:1, in order, onto ``graph.input`` /
``graph.output``.

Modes:

    export_node_tests.py --list-candidates Tests/Conformance/ops.txt
        One line per test case whose nodes (including nested subgraphs) all use
        op types from the file:  name<TAB>op_types<TAB>input dtypes<TAB>output dtypes<TAB>opset

    export_node_tests.py --allowlist Tests/Conformance/allowlist.txt --out Tests/Conformance/generated
        Export every test named in the allowlist (one per line, '#' comments
        and blank lines ignored).  The output directory is wiped first.
"""

from __future__ import annotations

import argparse
import difflib
import shutil
import sys
import time
import warnings
from pathlib import Path
from typing import Any, Iterable, Iterator

import numpy as np
import onnx
from onnx import numpy_helper

# Written into OUT so that we only ever delete a directory we created ourselves.
MARKER = ".exported-by-export_node_tests"
DEFAULT_DOMAINS = ("", "ai.onnx")


# --------------------------------------------------------------------------- #
# Test case collection and introspection
# --------------------------------------------------------------------------- #


def load_test_cases() -> dict[str, Any]:
    """All node test cases of the installed onnx package, keyed by name."""
    from onnx.backend.test.case.node import collect_testcases

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        # Some case generators intentionally overflow / divide by zero.
        warnings.simplefilter("ignore")
        cases = collect_testcases(None)
    by_name: dict[str, Any] = {}
    for case in cases:
        if case.name in by_name:
            raise SystemExit(f"error: duplicate node test name {case.name!r}")
        by_name[case.name] = case
    return by_name


def iter_nodes(graph: onnx.GraphProto) -> Iterator[onnx.NodeProto]:
    """Nodes of a graph and, recursively, of its subgraphs (If/Loop/Scan bodies)."""
    for node in graph.node:
        yield node
        for attr in node.attribute:
            if attr.type == onnx.AttributeProto.GRAPH:
                yield from iter_nodes(attr.g)
            elif attr.type == onnx.AttributeProto.GRAPHS:
                for g in attr.graphs:
                    yield from iter_nodes(g)


def op_key(node: onnx.NodeProto) -> str:
    """Op type, qualified with the domain when it is not the default ONNX domain."""
    return node.op_type if node.domain in DEFAULT_DOMAINS else f"{node.domain}:{node.op_type}"


def model_op_types(model: onnx.ModelProto) -> list[str]:
    return sorted({op_key(n) for n in iter_nodes(model.graph)})


def dtype_name(elem_type: int) -> str:
    name = onnx.TensorProto.DataType.Name(elem_type).lower()
    return {"float": "float32", "double": "float64"}.get(name, name)


def type_name(tp: onnx.TypeProto) -> str:
    kind = tp.WhichOneof("value")
    if kind == "tensor_type":
        return dtype_name(tp.tensor_type.elem_type)
    if kind == "sequence_type":
        return f"seq({type_name(tp.sequence_type.elem_type)})"
    if kind == "optional_type":
        return f"optional({type_name(tp.optional_type.elem_type)})"
    if kind == "sparse_tensor_type":
        return f"sparse({dtype_name(tp.sparse_tensor_type.elem_type)})"
    if kind == "map_type":
        return f"map({dtype_name(tp.map_type.key_type)},{type_name(tp.map_type.value_type)})"
    return str(kind)


def onnx_opset(model: onnx.ModelProto) -> str:
    versions = [str(o.version) for o in model.opset_import if o.domain in DEFAULT_DOMAINS]
    return versions[0] if versions else "-"


# --------------------------------------------------------------------------- #
# --list-candidates
# --------------------------------------------------------------------------- #


def read_name_list(path: Path) -> list[str]:
    """Non-blank lines with '#' comments stripped; whitespace-separated tokens also allowed."""
    names: list[str] = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0]
        names.extend(line.split())
    return names


def list_candidates(cases: dict[str, Any], ops_file: Path) -> int:
    allowed_ops = set(read_name_list(ops_file))
    matched = 0
    for name in sorted(cases):
        model = cases[name].model
        ops = model_op_types(model)
        if not ops or not set(ops) <= allowed_ops:
            continue
        matched += 1
        ins = ",".join(type_name(vi.type) for vi in model.graph.input)
        outs = ",".join(type_name(vi.type) for vi in model.graph.output)
        print(f"{name}\t{','.join(ops)}\t{ins}\t{outs}\t{onnx_opset(model)}")
    print(f"# {matched} of {len(cases)} node tests use only ops from {ops_file}", file=sys.stderr)
    return 0


# --------------------------------------------------------------------------- #
# --allowlist / --out export
# --------------------------------------------------------------------------- #


_CONTAINER_KINDS = {"tensor_type": "TENSOR", "sequence_type": "SEQUENCE",
                    "map_type": "MAP", "optional_type": "OPTIONAL", "sparse_tensor_type": "SPARSE_TENSOR"}


def serialize_value(value: Any, vi: onnx.ValueInfoProto, where: str) -> bytes:
    """Serialize one data-set value as the proto matching the graph value's type."""
    kind = vi.type.WhichOneof("value")
    if kind == "tensor_type":
        if isinstance(value, onnx.TensorProto):
            tensor = onnx.TensorProto()
            tensor.CopyFrom(value)
            tensor.name = vi.name
        else:
            arr = np.asarray(value)  # also turns numpy scalars into 0-d arrays
            tensor = numpy_helper.from_array(arr, name=vi.name)
        want = vi.type.tensor_type.elem_type
        if want and tensor.data_type != want:
            raise SystemExit(f"error: {where}: value has dtype {dtype_name(tensor.data_type)} "
                             f"but graph declares {dtype_name(want)}")
        return tensor.SerializeToString()
    # For sequences/optionals numpy_helper's `dtype` is the *container element kind*
    # (SequenceProto.TENSOR, OptionalProto.SEQUENCE, ...), not a tensor dtype.
    if kind == "sequence_type":
        elem_kind = _CONTAINER_KINDS[vi.type.sequence_type.elem_type.WhichOneof("value")]
        proto = numpy_helper.from_list(list(value), name=vi.name,
                                       dtype=getattr(onnx.SequenceProto, elem_kind))
        return proto.SerializeToString()
    if kind == "optional_type":
        elem_kind = _CONTAINER_KINDS[vi.type.optional_type.elem_type.WhichOneof("value")]
        proto = numpy_helper.from_optional(value, name=vi.name,
                                           dtype=getattr(onnx.OptionalProto, elem_kind))
        return proto.SerializeToString()
    raise SystemExit(f"error: {where}: unsupported value type {type_name(vi.type)}")


def write_values(values: Iterable[Any], infos: Iterable[onnx.ValueInfoProto], dir_: Path,
                 prefix: str, where: str) -> None:
    values, infos = list(values), list(infos)
    if len(values) != len(infos):
        raise SystemExit(f"error: {where}: {len(values)} {prefix} values for {len(infos)} graph {prefix}s")
    for i, (value, vi) in enumerate(zip(values, infos)):
        (dir_ / f"{prefix}_{i}.pb").write_bytes(serialize_value(value, vi, f"{where} {prefix} {i} ({vi.name})"))


def export_case(case: Any, out: Path) -> None:
    case_dir = out / case.name
    case_dir.mkdir()
    (case_dir / "model.onnx").write_bytes(case.model.SerializeToString())
    for k, (inputs, outputs) in enumerate(case.data_sets or []):
        ds = case_dir / f"test_data_set_{k}"
        ds.mkdir()
        write_values(inputs, case.model.graph.input, ds, "input", f"{case.name} data set {k}")
        write_values(outputs, case.model.graph.output, ds, "output", f"{case.name} data set {k}")


def prepare_out_dir(out: Path) -> None:
    if out.exists():
        if not out.is_dir():
            raise SystemExit(f"error: {out} exists and is not a directory")
        if any(out.iterdir()) and not (out / MARKER).exists():
            raise SystemExit(f"error: refusing to wipe {out}: it is not empty and was not created by "
                             f"this script (no {MARKER} file)")
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / MARKER).write_text("Generated by Tests/Conformance/export_node_tests.py; do not edit.\n")


def check_coverage(cases: dict[str, Any], names: list[str], ops_file: Path, excluded_file: Path) -> None:
    """Every node test using only supported ops must be allowlisted or excluded with a reason."""
    allowed_ops = set(read_name_list(ops_file))
    excluded: dict[str, str] = {}
    for line in excluded_file.read_text().splitlines():
        body, _, reason = line.partition("#")
        if not body.strip():
            continue
        if not reason.strip():
            raise SystemExit(f"error: {excluded_file}: '{body.strip()}' is excluded without a reason")
        excluded[body.strip()] = reason.strip()
    both = sorted(set(names) & set(excluded))
    if both:
        raise SystemExit(f"error: both allowlisted and excluded: {', '.join(both)}")
    candidates = [n for n, c in cases.items()
                  if model_op_types(c.model) and set(model_op_types(c.model)) <= allowed_ops]
    uncovered = sorted(set(candidates) - set(names) - set(excluded))
    if uncovered:
        raise SystemExit("error: node tests of supported ops neither allowlisted nor excluded:\n  "
                         + "\n  ".join(uncovered))
    print(f"coverage: {len(candidates)} node tests use supported ops: "
          f"{len(set(candidates) & set(names))} allowlisted, {len(set(candidates) & set(excluded))} excluded with reasons")


def export(cases: dict[str, Any], allowlist: Path, out: Path,
           ops_file: Path | None = None, excluded_file: Path | None = None) -> int:
    names = read_name_list(allowlist)
    if ops_file is not None and excluded_file is not None:
        check_coverage(cases, names, ops_file, excluded_file)
    seen: set[str] = set()
    duplicates = sorted({n for n in names if n in seen or seen.add(n)})
    if duplicates:
        print(f"warning: duplicate allowlist entries ignored: {', '.join(duplicates)}", file=sys.stderr)
    names = list(dict.fromkeys(names))
    unknown = [n for n in names if n not in cases]
    if unknown:
        lines = []
        for n in unknown:
            close = difflib.get_close_matches(n, cases.keys(), n=3)
            lines.append(f"  {n}" + (f"  (did you mean: {', '.join(close)}?)" if close else ""))
        raise SystemExit(f"error: {len(unknown)} name(s) in {allowlist} are not node tests of "
                         f"onnx {onnx.__version__}:\n" + "\n".join(lines))
    prepare_out_dir(out)
    for n in names:
        export_case(cases[n], out)
    print(f"exported {len(names)} tests")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--list-candidates", metavar="OPS_FILE", type=Path,
                      help="list tests whose nodes only use op types from OPS_FILE")
    mode.add_argument("--allowlist", type=Path, help="export the tests named in this file")
    parser.add_argument("--out", type=Path, help="output directory for --allowlist (wiped first)")
    parser.add_argument("--ops", type=Path, help="with --excluded: check every test of these ops is covered")
    parser.add_argument("--excluded", type=Path, help="tests left out, one per line with a '# reason'")
    args = parser.parse_args(argv)

    if args.allowlist is not None and args.out is None:
        parser.error("--allowlist requires --out")
    if args.list_candidates is not None and not args.list_candidates.is_file():
        parser.error(f"ops file not found: {args.list_candidates}")
    if args.allowlist is not None and not args.allowlist.is_file():
        parser.error(f"allowlist not found: {args.allowlist}")

    t0 = time.perf_counter()
    cases = load_test_cases()
    if args.list_candidates is not None:
        rc = list_candidates(cases, args.list_candidates)
    else:
        rc = export(cases, args.allowlist, args.out, args.ops, args.excluded)
    print(f"# took {time.perf_counter() - t0:.1f}s", file=sys.stderr)
    return rc


if __name__ == "__main__":
    sys.exit(main())
