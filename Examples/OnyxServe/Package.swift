// swift-tools-version:6.0
import PackageDescription

// The example HTTP server lives in its own package so that `import Onyx` never pulls in an
// HTTP stack: only people who build this folder download Hummingbird and Prometheus.
let package = Package(
    name: "OnyxServe",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "onyx-serve", targets: ["OnyxServeApp"]),
        .library(name: "OnyxServe", targets: ["OnyxServe"]),
    ],
    dependencies: [
        .package(name: "Onyx", path: "../.."),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // Config, routes, metrics and the inference service: everything but `main`, so tests
        // can start the same application in-process.
        .target(
            name: "OnyxServe",
            dependencies: [
                .product(name: "Onyx", package: "Onyx"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(name: "OnyxServeApp", dependencies: ["OnyxServe"]),
        .testTarget(
            name: "OnyxServeTests",
            dependencies: [
                "OnyxServe",
                .product(name: "Onyx", package: "Onyx"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]),
    ]
)
