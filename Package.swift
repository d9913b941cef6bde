// swift-tools-version:6.1
import PackageDescription

let strict: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

let package = Package(
    name: "Gust",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "gust", targets: ["gust"])
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swiftwasm/WasmKit.git", from: "0.4.2"),
    ],
    targets: [
        .target(name: "GustCore", swiftSettings: strict),
        // libseccomp, which compiles the sandbox's syscall filter (apt: libseccomp-dev).
        .systemLibrary(name: "CSeccomp", pkgConfig: "libseccomp", providers: [.apt(["libseccomp-dev"])]),
        // Network namespaces made on a thread of their own (Sources/CNetns/netns.c).
        .target(name: "CNetns"),
        .target(
            name: "GustSigV4",
            dependencies: ["GustCore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict),
        .target(name: "GustStore", dependencies: ["GustCore"], swiftSettings: strict),
        // Wire-format pieces every AWS-compatible service shares: the request/answer handed over
        // by the gateway, the JSON error shape, ARNs, pagination tokens.
        .target(name: "GustAWSWire", swiftSettings: strict),
        .target(
            name: "GustQueue",
            dependencies: [
                "GustAWSWire", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // DynamoDB: tables, items, expressions, streams, the JSON API (Sources/GustTables).
        .target(
            name: "GustTables",
            dependencies: [
                "GustAWSWire", .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // S3: buckets, objects (files), the REST API, bucket notifications.
        .target(
            name: "GustObjectStore",
            dependencies: ["GustAWSWire", "GustSigV4", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict),
        .target(
            name: "GustStoreSQLite",
            dependencies: ["GustCore", "GustStore", "GustQueue", "GustEvents", "GustObjectStore", "GustTables", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict),
        .target(
            name: "GustRuntime",
            dependencies: [
                "GustCore", .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict),
        .target(
            name: "GustProcess",
            dependencies: [
                "GustCore", "GustRuntime", "GustHTTPServer", "CSeccomp", "CNetns",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .target(
            name: "GustWasm",
            dependencies: [
                "GustCore", "GustRuntime",
                .product(name: "WasmKit", package: "WasmKit"),
                .product(name: "WasmKitWASI", package: "WasmKit"),
                .product(name: "WASI", package: "WasmKit"),
                .product(name: "WasmParser", package: "WasmKit"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .target(
            name: "GustHTTPServer",
            dependencies: [.product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio")]),
        .target(
            name: "GustHTTP",
            dependencies: [
                "GustCore", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: strict),
        .target(
            name: "GustScheduler",
            dependencies: [
                "GustCore", "GustStore", "GustRuntime",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        // What every event source shares: the async path's policy (retries, destinations, DLQ) and
        // the pollers of event source mappings.
        .target(
            name: "GustEvents",
            dependencies: [
                "GustCore", "GustStore", "GustScheduler", "GustQueue", "GustAWSWire", "GustObjectStore", "GustTables",
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        .target(
            name: "GustControl",
            dependencies: [
                "GustCore", "GustStore", "GustScheduler",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            swiftSettings: strict),
        .target(
            name: "GustGateway",
            dependencies: [
                "GustCore", "GustStore", "GustScheduler", "GustSigV4", "GustControl", "GustHTTP", "GustHTTPServer",
                "GustAWSWire", "GustEvents", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .target(
            name: "GustServer",
            dependencies: [
                "GustCore", "GustStore", "GustStoreSQLite", "GustRuntime", "GustProcess", "GustWasm",
                "GustScheduler", "GustGateway", "GustControl", "GustSigV4", "GustQueue", "GustHTTPServer", "GustEvents", "GustObjectStore",
                "GustTables",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .target(
            name: "GustClient",
            dependencies: ["GustCore", "GustSigV4"],
            swiftSettings: strict),
        .target(
            name: "GustCommands",
            dependencies: [
                "GustCore", "GustClient", "GustServer", "GustProcess", "GustAWSWire",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "gust",
            dependencies: [
                "GustCommands", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "gust-bench",
            dependencies: [
                "GustCore", "GustControl", "GustProcess", "GustRuntime", "GustScheduler", "GustSigV4", "GustStoreSQLite",
                "GustWasm",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Benchmarks/Sources/gust-bench",
            swiftSettings: strict),
        // The baseline for the wasm throughput benchmark: a bare Hummingbird hello world.
        .executableTarget(
            name: "hello-nio",
            dependencies: [.product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio")],
            path: "Benchmarks/Sources/hello-nio"
        ),
        .executableTarget(
            name: "hello-hummingbird",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird")],
            path: "Benchmarks/Sources/hello-hummingbird",
            swiftSettings: strict),
        .target(
            name: "GustTesting",
            dependencies: [
                "GustCore", "GustServer", "GustClient", "GustSigV4",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            swiftSettings: strict),
        .testTarget(name: "GustCoreTests", dependencies: ["GustCore"]),
        .testTarget(name: "GustSigV4Tests", dependencies: ["GustSigV4"]),
        .testTarget(name: "GustTablesTests", dependencies: ["GustTables", "GustAWSWire", "GustStoreSQLite"]),
        .testTarget(name: "GustQueueTests", dependencies: ["GustQueue", "GustAWSWire", "GustStoreSQLite"]),
        .testTarget(
            name: "GustStoreSQLiteTests",
            dependencies: ["GustStoreSQLite", "GustStore", "GustControl", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(
            name: "GustRuntimeTests",
            dependencies: ["GustRuntime", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")]),
        .testTarget(name: "GustSchedulerTests", dependencies: ["GustScheduler", "GustStoreSQLite"]),
        .testTarget(name: "GustObjectStoreTests", dependencies: ["GustObjectStore", "GustStoreSQLite"]),
        .testTarget(name: "GustEventsTests", dependencies: ["GustEvents", "GustQueue", "GustStoreSQLite", "GustScheduler"]),
        .testTarget(
            name: "GustHTTPTests",
            dependencies: [
                "GustHTTP", "GustCore", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]),
        .testTarget(name: "GustProcessTests", dependencies: ["GustProcess", "GustRuntime"]),
        .testTarget(
            name: "GustWasmTests",
            dependencies: ["GustWasm", "GustRuntime", .product(name: "WAT", package: "WasmKit")]),
        .testTarget(
            name: "GustControlTests",
            dependencies: ["GustControl", .product(name: "ZIPFoundation", package: "ZIPFoundation")]),
        .testTarget(name: "GustIntegrationTests", dependencies: ["GustTesting", "GustClient"]),
        .testTarget(name: "GustCommandsTests", dependencies: ["GustCommands", .product(name: "ZIPFoundation", package: "ZIPFoundation")]),
        .testTarget(
            name: "GustHTTPServerTests",
            dependencies: [
                "GustHTTPServer", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOEmbedded", package: "swift-nio"),
            ]),
        .testTarget(
            name: "GustGatewayTests",
            dependencies: [
                "GustGateway", "GustHTTP", "GustCore", "GustScheduler", "GustSigV4", "GustAWSWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]),
    ]
)
