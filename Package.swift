// swift-tools-version: 6.0
// OpenCASS: no package dependencies by design. Foundation, Dispatch, XCTest
// and librdkafka (through the CRdKafka system library) are all it uses.
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "OpenCASS",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "cass", targets: ["cass"]),
        .executable(name: "cass-bench", targets: ["cass-bench"]),
    ],
    targets: [
        .systemLibrary(
            name: "CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        // Pure: money, codes, dates, reference data, the CBF reader and writer (ReferenceLoader.load(directory:) reads a folder).
        .target(name: "CASSDomain", swiftSettings: strict),
        // Pure: validation, tax, settlement, numbering.
        .target(name: "CASSEngine", dependencies: ["CASSDomain"], swiftSettings: strict),
        // Pure: the ONE Record XML reader and writer.
        .target(name: "CASSOneRecord", dependencies: ["CASSDomain", "CASSEngine"], swiftSettings: strict),
        // PDF, XLSX, HOT, JSON and statistics renderings of invoices (pure); AtomicFile and FontSet do its file I/O.
        .target(name: "CASSRender", dependencies: ["CASSDomain", "CASSEngine", "CCRC32"], swiftSettings: strict),
        // C: CRC-32 (ZIP's) by carry-less multiply folding (checked at run time; CASSRender's tables otherwise).
        .target(name: "CCRC32"),
        // The deterministic sample dataset generator (pure; generate(into:) writes the files).
        .target(name: "CASSSamples", dependencies: ["CASSDomain"], swiftSettings: strict),
        // Pure: SHA-256, HMAC-SHA256, PBKDF2, kernel random bytes, constant-time compare, hex, base64url.
        .target(name: "CASSCrypto", dependencies: ["CSHA256"], swiftSettings: strict),
        // C: SHA-256 blocks with the x86 SHA extensions (checked at run time; CASSCrypto's Swift rounds otherwise).
        .target(name: "CSHA256"),
        // A small, strict HTTP/1.1 server on POSIX sockets: router, limits, problem+json, SSE.
        .target(name: "CASSHTTP", dependencies: ["CASSCrypto", "CProcess"], swiftSettings: strict),
        // Delivery of notifications: webhooks (HMAC-SHA256 signed), e-mail outbox and SMTP.
        .target(name: "CASSNotify", dependencies: ["CASSDomain", "CASSCrypto", "CProcess"], swiftSettings: strict),
        // Pure: disputes, payments, credit, wallet, direct debit, risk.
        .target(name: "CASSAccounts", dependencies: ["CASSDomain"], swiftSettings: strict),
        // The log abstraction and its in-process implementation.
        .target(name: "CASSLog", swiftSettings: strict),
        // What every Log implementation must do: one suite any test target runs against its log.
        .target(name: "CASSLogContract", dependencies: ["CASSLog"], swiftSettings: strict),
        // The pipeline as data (stage definitions) and the stage workers connecting the pure core to log topics.
        .target(
            name: "CASSWorkers",
            dependencies: ["CASSDomain", "CASSEngine", "CASSLog", "CASSOneRecord", "CASSRender", "CASSNotify", "CASSHTTP", "CASSCrypto", "CProcess"],
            swiftSettings: strict
        ),
        // C: the process's allocator settings (mallopt, malloc_trim) and thread names for the kernel.
        .target(name: "CProcess"),
        // Pure: companies, users, roles, authorization, sessions, lockout, audit, legacy user import.
        .target(name: "CASSAccess", dependencies: ["CASSDomain", "CASSCrypto"], swiftSettings: strict),
        // `cass serve`: users, requests and views over the pipeline (docs/service.md).
        .target(
            name: "CASSService",
            dependencies: ["CASSDomain", "CASSEngine", "CASSLog", "CASSWorkers", "CASSCrypto", "CASSHTTP", "CASSAccess", "CASSAccounts", "CASSRender", "CASSOneRecord", "CASSPortal", "CProcess"],
            swiftSettings: strict
        ),
        // Pure: the browser portal's pages, i18n, locale formatting, SVG charts, static CSS/JS.
        .target(name: "CASSPortal", dependencies: ["CASSDomain"], swiftSettings: strict),
        // The durable embedded log: segments, CRC-32C, group-commit fsync, recovery, compaction.
        .target(name: "CASSFileLog", dependencies: ["CASSLog", "CCRC32C", "CProcess"], swiftSettings: strict),
        // C: CRC-32C with the x86 SSE4.2 crc32 instruction (checked at run time; CASSFileLog's tables otherwise).
        .target(name: "CCRC32C"),
        // The only module above C that touches librdkafka.
        .target(name: "CASSKafka", dependencies: ["CRdKafka", "CASSLog"], swiftSettings: strict),
        .executableTarget(
            name: "cass",
            dependencies: ["CASSDomain", "CASSEngine", "CASSOneRecord", "CASSRender", "CASSSamples", "CASSLog", "CASSWorkers", "CASSKafka", "CASSNotify", "CASSService", "CASSFileLog", "CASSAccess", "CProcess"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "cass-bench",
            dependencies: ["CASSDomain", "CASSEngine", "CASSOneRecord", "CASSRender", "CASSSamples", "CASSLog", "CASSWorkers", "CASSCrypto", "CASSHTTP", "CASSPortal", "CASSFileLog", "CASSService"],
            swiftSettings: strict
        ),
        // Fuzz targets (docs/fuzzing.md): `scripts/fuzz` builds each with libFuzzer;
        // a plain build makes them replayers of saved inputs.
        .executableTarget(name: "fuzz-cbf", dependencies: ["CASSDomain"], swiftSettings: strict),
        .executableTarget(name: "fuzz-xml", dependencies: ["CASSDomain", "CASSOneRecord"], swiftSettings: strict),
        .executableTarget(name: "fuzz-http-request", dependencies: ["CASSHTTP"], swiftSettings: strict),
        .executableTarget(name: "fuzz-jsonld", dependencies: ["CASSDomain", "CASSOneRecord"], swiftSettings: strict),
        .executableTarget(name: "fuzz-reference", dependencies: ["CASSDomain"], swiftSettings: strict),
        .testTarget(name: "CASSDomainTests", dependencies: ["CASSDomain", "CASSSamples"], swiftSettings: strict),
        .testTarget(name: "CASSEngineTests", dependencies: ["CASSDomain", "CASSEngine", "CASSSamples"], swiftSettings: strict),
        .testTarget(name: "CASSOneRecordTests", dependencies: ["CASSDomain", "CASSEngine", "CASSOneRecord", "CASSSamples"], swiftSettings: strict),
        .testTarget(name: "CASSRenderTests", dependencies: ["CASSDomain", "CASSEngine", "CASSRender", "CASSSamples"], swiftSettings: strict),
        .testTarget(name: "CASSAccountsTests", dependencies: ["CASSAccounts", "CASSDomain", "CASSSamples"], swiftSettings: strict),
        .testTarget(name: "CASSCryptoTests", dependencies: ["CASSCrypto"], swiftSettings: strict),
        .testTarget(name: "CASSHTTPTests", dependencies: ["CASSHTTP"], swiftSettings: strict),
        .testTarget(name: "CASSNotifyTests", dependencies: ["CASSNotify", "CASSDomain", "CASSCrypto"], swiftSettings: strict),
        .testTarget(name: "CASSPortalTests", dependencies: ["CASSPortal", "CASSDomain"], swiftSettings: strict),
        .testTarget(name: "CASSLogTests", dependencies: ["CASSLog", "CASSLogContract", "CASSWorkers", "CASSDomain", "CASSEngine"], swiftSettings: strict),
        .testTarget(
            name: "CASSServiceTests",
            dependencies: ["CASSService", "CASSAccess", "CASSDomain", "CASSLog", "CASSWorkers", "CASSPortal", "CASSFileLog"],
            swiftSettings: strict
        ),
        .testTarget(name: "CASSAccessTests", dependencies: ["CASSAccess", "CASSDomain", "CASSCrypto", "CASSSamples"], swiftSettings: strict),
        .testTarget(
            name: "CASSWorkersTests",
            dependencies: ["CASSWorkers", "CASSLog", "CASSDomain", "CASSEngine", "CASSNotify", "CASSSamples"],
            swiftSettings: strict
        ),
        .testTarget(name: "CASSKafkaTests", dependencies: ["CASSKafka", "CASSLog", "CASSLogContract"], swiftSettings: strict),
        // `cass` as a user runs it: the output folder, hostile names and
        // inputs, amounts beyond 64 bits, the command-line preamble.
        .testTarget(
            name: "CASSCommandTests",
            dependencies: ["CASSDomain", "CASSOneRecord", "CASSSamples", "CASSWorkers", "CASSEngine", "CASSLog", "CASSNotify"],
            swiftSettings: strict
        ),
        // Appends records and prints each acknowledged offset: the crash tests SIGKILL it.
        .executableTarget(name: "filelog-torture", dependencies: ["CASSFileLog", "CASSLog"], swiftSettings: strict),
        .testTarget(
            name: "CASSFileLogTests",
            dependencies: ["CASSFileLog", "CASSLog", "filelog-torture", "CASSWorkers", "CASSSamples", "CASSDomain", "CASSEngine"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CASSEndToEndTests",
            dependencies: ["CASSDomain", "CASSEngine", "CASSSamples", "CASSWorkers", "CASSLog", "CASSKafka"],
            swiftSettings: strict
        ),
    ]
)
