// swift-tools-version:6.0
import PackageDescription

// The libFuzzer target for the model loader and tensor reader. It is its own package so the
// root package never sees `-sanitize=fuzzer`; build and run it with `make fuzz`.
let package = Package(
    name: "OnyxFuzz",
    dependencies: [.package(name: "Onyx", path: "../..")],
    targets: [
        .executableTarget(
            name: "onyx-fuzz-loader", dependencies: ["CFuzzMain", .product(name: "Onyx", package: "Onyx")],
            path: "Sources/FuzzLoader"),
        .target(name: "CFuzzMain", path: "Sources/CFuzzMain"),
    ]
)
