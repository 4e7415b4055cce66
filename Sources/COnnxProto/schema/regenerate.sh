#!/bin/sh
# Regenerates the protobuf-c sources from onnx_subset.proto (needs protobuf-c-compiler).
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
protoc-c --proto_path=. --c_out="$tmp" onnx_subset.proto
mv "$tmp/onnx_subset.pb-c.h" ../include/onnx_subset.pb-c.h
# The generated .c includes its header by the proto's path; it lives in include/.
mv "$tmp/onnx_subset.pb-c.c" ../onnx_subset.pb-c.c
rmdir "$tmp"
