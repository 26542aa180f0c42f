/// `manifest.json`: what was read, what was skipped and why, the settings, per-stage counts
/// and seconds, the BLAS library loaded, versions. Written last, so its presence marks a
/// complete run.
public struct RunManifest: Codable, Sendable {
    public struct Stage: Codable, Sendable {
        public var name: String
        public var seconds: Double
        public var counts: [String: Int]
    }
    public struct ArticleCounts: Codable, Sendable {
        public var read: Int
        public var skipped: Int
        public var repaired: Int
    }
    public var schemaVersion = ResultsSchema.version
    public var tool = ResultsSchema.tool
    public var toolVersion = ResultsSchema.toolVersion
    public var inputs: [String]
    public var files: Int
    public var ignoredFiles: [String]
    public var articles: ArticleCounts
    public var issues: [InputIssue]
    public var configuration: Configuration
    public var threads: Int
    public var blasLibraries: [String]
    /// The threads OpenBLAS uses (`BLASLibrary.shareCores`); absent for other BLAS libraries.
    public var blasThreads: Int?
    /// How freed memory was handled (`Pipeline.memoryPolicy`); absent in manifests written before.
    public var memory: Pipeline.MemoryPolicy?
    public var stages: [Stage]
    public var totalSeconds: Double
    public var outputs: [String]
    public var startedAt: String
    public var finishedAt: String
    public var complete: Bool
    /// With history (docs/nightly.md): the night this run is, and the state folder. Absent otherwise.
    public var night: String? = nil
    public var state: String? = nil
}
