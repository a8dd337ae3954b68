// swift-tools-version: 6.1
import PackageDescription

/// Portcullis: a strict userspace packet filter behind iptables NFQUEUE.
/// Module layering (dependencies point down only) is described in docs/architecture.md.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "portcullis",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "portcullis", targets: ["portcullis"]),
        // The layers as libraries, for the benchmark package in Benchmarks/ (not a public API).
        .library(name: "PortcullisLayers", targets: ["Wire", "Rules", "Engine", "Log", "QueueIO", "SystemCalls", "Serve"]),
        .library(name: "CNetfilterQueue", targets: ["CNetfilterQueue"]),
        // Packet builders and the reference checksum, for the benchmark package (not a public API).
        .library(name: "PortcullisTestSupport", targets: ["TestSupport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CNetfilterQueue",
            pkgConfig: "libnetfilter_queue",
            providers: [.apt(["libnetfilter-queue-dev", "libmnl-dev"])]
        ),
        .systemLibrary(name: "CLinux", path: "Sources/CLinux"),
        // Capture files (pcap, pcapng) for `run --capture` and `replay`.
        .systemLibrary(name: "CPcap", pkgConfig: "libpcap", providers: [.apt(["libpcap-dev"])]),
        // gzip-rotated verdict logs for `report`.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // SHA-256 for the log's hash chain and the ruleset digest.
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .target(
            name: "Wire",
            swiftSettings: strict + [.enableExperimentalFeature("Lifetimes")]
        ),
        .target(name: "Rules", dependencies: ["Wire"], swiftSettings: strict),
        .target(
            name: "Engine",
            dependencies: ["Wire", "Rules"],
            // Test builds only: see Engine+FaultInjection.swift.
            swiftSettings: strict + [.define("PORTCULLIS_FAULT_INJECTION", .when(configuration: .debug))]
        ),
        .target(
            name: "Log",
            dependencies: [
                "Engine", "Wire", "Rules", "CPcap", "CZlib", "COpenSSL", "SystemCalls",
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: strict
        ),
        // Reads what Log wrote: `report` (summary, history, filters) and `report --verify`.
        .target(
            name: "Reporting",
            dependencies: [
                "Log", "Engine", "Wire", "Rules", "CZlib", "SystemCalls",
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "QueueIO",
            dependencies: ["CNetfilterQueue", "CLinux", "SystemCalls", .product(name: "SystemPackage", package: "swift-system")],
            swiftSettings: strict
        ),
        // The raw C calls swift-system lacks, with errno captured at once and EINTR retried in one place.
        .target(
            name: "SystemCalls",
            dependencies: [.product(name: "SystemPackage", package: "swift-system")],
            swiftSettings: strict
        ),
        // The run loop of one queue: the per-packet glue between the queue, the engine and the log.
        .target(
            name: "Serve",
            dependencies: [
                "QueueIO", "Engine", "Log", "Rules", "SystemCalls",
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "portcullis",
            dependencies: [
                "Serve", "SystemCalls", "QueueIO", "Engine", "Log", "Reporting", "Rules", "Wire", "CLinux",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        // Shared by the test targets and the benchmarks: packet builders with an independent
        // RFC 1071 checksum, and the seeded generator. Not a test target itself, so it can be linked.
        .target(
            name: "TestSupport",
            dependencies: ["Wire", "Rules", "QueueIO", "CNetfilterQueue", .product(name: "SystemPackage", package: "swift-system")],
            path: "Tests/TestSupport",
            swiftSettings: strict + [.enableExperimentalFeature("Lifetimes")]
        ),
        .testTarget(
            name: "WireTests", dependencies: ["Wire", "TestSupport"],
            swiftSettings: strict + [.enableExperimentalFeature("Lifetimes")]
        ),
        .testTarget(name: "RulesTests", dependencies: ["Rules", "Wire", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "Rules", "Wire", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "LogTests", dependencies: ["Log", "Reporting", "Engine", "Rules", "Wire", "CZlib", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "ReportingTests", dependencies: ["Reporting", "Log", "Engine", "Rules", "Wire", "CZlib"], swiftSettings: strict),
        .testTarget(name: "QueueIOTests", dependencies: ["QueueIO", "CNetfilterQueue", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "SystemCallsTests", dependencies: ["SystemCalls", .product(name: "SystemPackage", package: "swift-system")], swiftSettings: strict),
        .testTarget(
            name: "ServeTests",
            dependencies: ["Serve", "QueueIO", "Engine", "Log", "Rules", "Wire", "SystemCalls", "CNetfilterQueue", "TestSupport"],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)
