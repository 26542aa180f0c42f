// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "NewsDedup",
    platforms: [.macOS(.v13)],
    // MARK: - Public API
    products: [
        .library(name: "NewsDedup", targets: ["NewsDedup"]),
        .executable(name: "newsdedup", targets: ["newsdedup"]),
        .executable(name: "newsdedup-bench", targets: ["newsdedup-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        // MARK: - Implementation details
        /// Module map and header only: links Debian's generic `libblas` and `liblapack`,
        /// so `update-alternatives` can swap in OpenBLAS without a rebuild.
        .systemLibrary(
            name: "CBLASLAPACK",
            path: "Sources/CBLASLAPACK",
            providers: [.apt(["libblas-dev", "liblapack-dev"])]
        ),
        /// Dense matrices, BLAS products, QR, SVD and the randomized truncated SVD.
        /// The only module that imports `CBLASLAPACK`.
        .target(name: "LinearAlgebra", dependencies: ["CBLASLAPACK"]),
        /// The pipeline: reading, text analysis, TF-IDF, copies, stories, topics, results, report.
        /// Logs through swift-log; reads configuration files with TOMLKit; keeps the history
        /// across nights in SQLite through GRDB (History/, the only importer of GRDB).
        .target(
            name: "NewsDedup",
            dependencies: [
                "LinearAlgebra",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        /// The command-line tool: parses, validates, calls `NewsDedup`.
        .executableTarget(
            name: "newsdedup",
            dependencies: [
                "NewsDedup",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // MARK: - Benchmarks (outside the unit tests)
        /// The deterministic synthetic corpus generator (benchmarks and scale tests).
        .target(name: "SyntheticNews", path: "Benchmarks/SyntheticNews"),
        .executableTarget(
            name: "newsdedup-bench",
            dependencies: [
                "NewsDedup", "LinearAlgebra", "SyntheticNews",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/newsdedup-bench"
        ),
        /// libFuzzer target for the readers (scripts/fuzz-readers.sh builds it with -sanitize=fuzzer).
        .executableTarget(name: "reader-fuzz", dependencies: ["NewsDedup"], path: "Fuzz/reader-fuzz"),
        // MARK: - Tests
        .testTarget(name: "LinearAlgebraTests", dependencies: ["LinearAlgebra"], exclude: ["Fixtures"]),
        .testTarget(name: "NewsDedupTests", dependencies: ["NewsDedup", "SyntheticNews"], exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v6]
)
