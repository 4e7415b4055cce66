// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Onyx",
    products: [
        .library(name: "Onyx", targets: ["Onyx"]),
        .executable(name: "onyx", targets: ["OnyxCLI"]),
        .executable(name: "onyx-bench", targets: ["OnyxBench"]),
    ],
    targets: [
        // OpenBLAS (cblas_sgemm) as a system library found through pkg-config.
        .systemLibrary(
            name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        // libprotobuf-c, the runtime the generated parser calls.
        .systemLibrary(
            name: "CProtobufC", path: "Sources/CProtobufC", pkgConfig: "libprotobuf-c",
            providers: [.apt(["libprotobuf-c-dev"])]),
        // protoc-c output for the subset of onnx.proto we read.
        .target(
            name: "COnnxProto", dependencies: ["CProtobufC"], path: "Sources/COnnxProto",
            exclude: ["schema"]),
        // Hot loops in C: AVX2/FMA by target attribute with a portable fallback.
        .target(name: "COnyxKernels", path: "Sources/COnyxKernels"),
        .target(name: "Onyx", dependencies: ["COpenBLAS", "COnnxProto", "COnyxKernels"]),
        .executableTarget(name: "OnyxCLI", dependencies: ["Onyx"]),
        // The README's usage example, built so it cannot rot.
        .executableTarget(name: "QuickStart", dependencies: ["Onyx"], path: "Examples/QuickStart"),
        // Benchmark harness: the logic is a library so tests can check its arithmetic and formats.
        .target(name: "OnyxBenchKit", dependencies: ["Onyx"], path: "Benchmarks/OnyxBenchKit"),
        .executableTarget(name: "OnyxBench", dependencies: ["OnyxBenchKit"], path: "Benchmarks/OnyxBench"),
        // Test support only (no product uses it): counts heap allocations by interposing
        // malloc in the test executable, for AllocationTests.
        .target(name: "CAllocationCounter", path: "Sources/CAllocationCounter"),
        .testTarget(name: "OnyxTests", dependencies: ["Onyx", "OnyxBenchKit", "CAllocationCounter"]),
    ]
)
