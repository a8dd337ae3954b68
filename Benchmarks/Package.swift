// swift-tools-version: 6.1
import PackageDescription

/// Portcullis's micro-benchmarks (ordo-one/benchmark), kept in their own package so that the
/// product's dependency graph does not carry the benchmark library. Run from the repository:
///
///     swift package --package-path Benchmarks benchmark --no-progress
///     scripts/bench-check        # the thresholds: fails when one is broken
let package = Package(
    name: "portcullis-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "portcullis", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "PortcullisBenchmarks",
            dependencies: [
                .product(name: "PortcullisLayers", package: "portcullis"),
                .product(name: "CNetfilterQueue", package: "portcullis"),
                .product(name: "PortcullisTestSupport", package: "portcullis"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "PortcullisBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
