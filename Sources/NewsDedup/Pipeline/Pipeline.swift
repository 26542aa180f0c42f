import Foundation
#if canImport(Glibc)
import Glibc
#endif
import LinearAlgebra
import Logging

/// Progress events, for the CLI to print (libraries don't print).
public enum PipelineEvent: Sendable {
    case stageStarted(String)
    case stageFinished(String, seconds: Double, counts: [String: Int])
    case issue(InputIssue)
    /// `run` wrote the results folder: its files and their sizes in bytes.
    case wrote(folder: String, files: [String: Int])
}

/// Everything a run computed, stage by stage.
public struct PipelineState: Sendable {
    public var corpus: Corpus
    public var analyzed: AnalyzedCorpus
    public var model: TFIDFModel?
    public var terms: TermMatrix
    public var kept: KeptShingles
    public var canonicalOrder: [Int]
    public var duplicates: DuplicateGroups
    public var stories: StoryClusters
    public var topics: Topics?
    /// The shared passages of `duplicates.json`, worked out while the later stages run (`run`
    /// only; nil otherwise).
    var passagePrep: PassagePrep? = nil
}

/// The nightly job: read -> analyze -> vectorize -> copies -> svd -> stories -> topics -> write.
/// The SVD runs before the stories so that its reduced vectors are available to them; the
/// topics are labelled after, with the stories they relate to.
public struct Pipeline: Sendable {
    public var configuration: Configuration
    public var observer: @Sendable (PipelineEvent) -> Void
    /// `run` logs stages, input issues and the files written here, with structured metadata,
    /// at `info` level or below. Silent by default.
    public var logger: Logger
    /// Keep history across nights in this state folder (docs/nightly.md); nil: none.
    public var history: HistoryOptions? = nil
    /// Stop before writing (nothing written or committed) when any input had to be skipped.
    public var strict = false
    /// Keep the run's state (at a large night, gigabytes in many arrays) after `run` returns,
    /// until the process exits and the system takes its memory back at once: for a command whose
    /// process ends right after the run (the CLI), freeing it array by array took some 40 ms at
    /// the end of a 50k-article night. Off by default: a process that goes on would keep it.
    public var keepsStateUntilExit = false
    nonisolated(unsafe) private static var keptUntilExit: [PipelineState] = []
    private static let keptLock = NSLock()
    /// How many runs' states are kept until exit (`keepsStateUntilExit`).
    static var statesKeptUntilExit: Int {
        keptLock.lock()
        defer { keptLock.unlock() }
        return keptUntilExit.count
    }

    /// `compute` starts working out the shared passages of `duplicates.json` as soon as the
    /// groups are known (`PassagePrep`); `run` sets it for its own call.
    var prepareWriting = false

    public init(configuration: Configuration, logger: Logger = Pipeline.silentLogger,
                observer: @escaping @Sendable (PipelineEvent) -> Void = { _ in }) {
        self.configuration = configuration
        self.logger = logger
        self.observer = observer
    }

    /// A logger that drops everything (the default: a library does not print unless asked).
    public static let silentLogger = Logger(label: "newsdedup", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Runs every stage and writes the results folder atomically: the JSON files, `report.html`
    /// (`ReportBuilder`), then `manifest.json`. Returns the manifest.
    @discardableResult
    public func run(inputs: [String], output: String) throws -> RunManifest {
        let started = Date()
        var stages: [RunManifest.Stage] = []
        let logger = self.logger, forward = observer
        logger.info("run started", metadata: ["inputs": .array(inputs.map { .string($0) }), "output": .string(output),
                                              "threads": .stringConvertible(configuration.threads ?? Parallel.threads)])
        var logged = self
        logged.prepareWriting = true
        logged.observer = { event in
            switch event {
            case let .stageStarted(name):
                logger.debug("stage started", metadata: ["stage": .string(name)])
            case let .stageFinished(name, seconds, counts):
                var metadata: Logger.Metadata = ["stage": .string(name), "seconds": .string(String(format: "%.3f", seconds))]
                for (k, v) in counts { metadata[k] = .stringConvertible(v) }
                logger.info("stage finished", metadata: metadata)
            case let .issue(issue):
                var metadata: Logger.Metadata = ["file": .string(issue.file), "action": .string(issue.action.rawValue),
                                                 "reason": .string(issue.reason)]
                if let line = issue.line { metadata["line"] = .stringConvertible(line) }
                logger.info("input issue", metadata: metadata)
            case .wrote: break
            }
            forward(event)
        }
        // One run at a time per results folder and per state folder (released when the process
        // ends, however it ends); leftovers of a killed run are removed under the lock.
        let outLock = try RunLock(path: ResultsWriter.lockPath(output))
        let stateLock = try history.map { try RunLock(path: ($0.stateFolder as NSString).appendingPathComponent("lock")) }
        defer { stateLock?.release(); outLock.release() }
        ResultsWriter(output: output).cleanStale()
        let store = try history.map { try HistoryStore(folder: $0.stateFolder) }
        var state = try logged.compute(inputs: inputs, stages: &stages)
        // However the run ends, the passages thread stops (writing takes its work first).
        let passagePrep = state.passagePrep
        defer { _ = passagePrep?.take() }
        if history != nil {
            // A night places its articles by date: an undated one is reported (kept, repaired).
            let told = Set(state.corpus.issues.filter { $0.reason.contains("date") }.map { "\($0.file)\u{1F}\($0.line ?? 0)" })
            let undated = state.corpus.articles.filter { $0.date == nil && !told.contains("\($0.file)\u{1F}\($0.line ?? 0)") }.map {
                InputIssue(file: $0.file, line: $0.line, action: .repaired,
                           reason: "no date: article kept without one (the night and the story date window ignore it)")
            }
            undated.forEach { logged.observer(.issue($0)) }
            state.corpus.issues += undated
        }
        let skipped = state.corpus.issues.filter { $0.action == .skipped }.count
        if strict && skipped > 0 { throw PipelineError.skippedInputs(skipped) }
        // History (docs/nightly.md): link tonight to earlier nights, rewriting group and story ids.
        var night: (step: NightHistory, links: NightLinks)?
        if let history, let store {
            TestHooks.reached("history")
            logged.observer(.stageStarted("history"))
            let t = Date()
            let step = NightHistory(store: store, configuration: configuration,
                                    night: history.night ?? NightHistory.deriveNight(state.corpus.articles))
            let links = try step.link(&state)
            night = (step, links)
            let seconds = Date().timeIntervalSince(t)
            stages.append(.init(name: "history", seconds: seconds, counts: links.lookups))
            logged.observer(.stageFinished("history", seconds: seconds, counts: links.lookups))
        }
        let t0 = Date()
        TestHooks.reached("write")
        logged.observer(.stageStarted("write"))
        // Each file is streamed into the results folder (ResultsWriter); the report gets the texts
        // the duplicates pass read for the groups it shows, and is built on another thread while
        // the files between them are written (their serial parts, joins and kernel writes, leave
        // a core free).
        var outputs = ["duplicates.json", "clusters.json", "topics.json", "report.html", "manifest.json"]
        if night != nil { outputs.insert("history.json", at: 3) }
        let cross = Dictionary((night?.links.groups ?? []).map { ($0.group, $0) }, uniquingKeysWith: { a, _ in a })
        let nightName = night?.links.night ?? ""
        var report: BackgroundValue<String>?
        var sizes: [String: Int] = [:]
        func timed(_ name: String, _ body: @escaping (ResultsFile) throws -> Void) -> (String, (ResultsFile) throws -> Void) {
            (name, { file in
                let t = Date()
                try body(file)
                sizes[name] = file.bytesWritten
                logger.debug("file written", metadata: ["file": .string(name), "bytes": .stringConvertible(file.bytesWritten),
                                                        "seconds": .string(String(format: "%.3f", Date().timeIntervalSince(t)))])
            })
        }
        var manifest: RunManifest?
        var files = [
            timed("duplicates.json") {
                let texts = try ResultsBuilder.writeDuplicates(
                    state, to: $0, keepingTextsOf: ReportBuilder.textsNeeded(state: state, caps: configuration.report),
                    prepared: state.passagePrep?.take() ?? [],
                    adjust: cross.isEmpty ? nil : { gi, g in
                        if let c = cross[gi] { NightHistory.annotate(&g, cross: c, night: nightName) }
                    })
                // The page shows the stages computed so far (writing is timed in the manifest only).
                let pageManifest = makeManifest(inputs: inputs, state: state, stages: stages, started: started, outputs: outputs)
                report = BackgroundValue { [state] in ReportBuilder.html(state: state, manifest: pageManifest, texts: texts) }
            },
            timed("clusters.json") { try ResultsBuilder.writeClusters(state, to: $0) },
            timed("topics.json") { try ResultsBuilder.writeTopics(state, to: $0) },
        ]
        if let night {
            files.append(timed("history.json") { file in
                try file.write(ResultsWriter.encode(NightHistory.historyFile(
                    links: night.links, state: state, retentionDays: configuration.history.retentionDays)))
            })
        }
        try ResultsWriter(output: output).write(streaming: files + [
            timed("report.html") { file in
                try file.write(report!.value())
                report = nil
            },
        ]) {
            let writeSeconds = Date().timeIntervalSince(t0)
            stages.append(.init(name: "write", seconds: writeSeconds, counts: ["files": outputs.count]))
            var m = makeManifest(inputs: inputs, state: state, stages: stages, started: started, outputs: outputs)
            m.night = night?.links.night
            m.state = history?.stateFolder
            manifest = m
            let data = try ResultsWriter.encode(m)
            sizes["manifest.json"] = data.count
            return data
        }
        logged.observer(.stageFinished("write", seconds: Date().timeIntervalSince(t0), counts: ["files": outputs.count]))
        // The state commit comes after the results are in place: tonight's results depend only on
        // earlier nights, so a crash before or during this one transaction leaves a state that
        // the rerun of the same night turns into the same results (docs/nightly.md).
        if let night {
            let pruned = try night.step.commit(night.links)
            TestHooks.reached("committed")
            logger.info("history committed", metadata: ["night": .string(night.links.night), "pruned": .stringConvertible(pruned.count)])
        }
        logger.info("results written", metadata: ["output": .string(output),
                                                  "bytes": .dictionary(sizes.mapValues { .stringConvertible($0) })])
        observer(.wrote(folder: output, files: sizes))
        if keepsStateUntilExit {
            Pipeline.keptLock.lock()
            Pipeline.keptUntilExit.append(state)
            Pipeline.keptLock.unlock()
        }
        return manifest!
    }

    /// Every stage but writing; used by `run` and by `explain`.
    public func compute(inputs: [String], stages: inout [RunManifest.Stage]) throws -> PipelineState {
        if let threads = configuration.threads { Parallel.threads = max(1, threads) }
        Pipeline.applyMemoryPolicy(for: inputs)
        BLASLibrary.shareCores()
        func timed<T>(_ name: String, _ body: () throws -> (T, [String: Int])) rethrows -> T {
            TestHooks.reached(name)
            observer(.stageStarted(name))
            let t = Date()
            let (value, counts) = try body()
            let seconds = Date().timeIntervalSince(t)
            stages.append(.init(name: name, seconds: seconds, counts: counts))
            observer(.stageFinished(name, seconds: seconds, counts: counts))
            return value
        }
        // Reading streams: each batch of articles is tokenized (pass 1) as soon as it is read,
        // and its texts are released (`Corpus.text(of:)` reads one again for the few outputs
        // that quote it), so a night's texts are never all in memory.
        let analyzer = TextAnalyzer(tfidf: configuration.tfidf, shingleSize: configuration.copies.shingleSize)
        var stream = TextAnalyzer.TokenStream(analyzer: analyzer)
        let corpus = timed("read") { () -> (Corpus, [String: Int]) in
            let c = Pipeline.read(inputs, configuration: configuration, into: &stream)
            for issue in c.issues { observer(.issue(issue)) }
            return (c, ["articles": c.articles.count, "files": c.files.count,
                        "skipped": c.issues.filter { $0.action == .skipped }.count,
                        "repaired": c.issues.filter { $0.action == .repaired }.count])
        }
        // The released texts were small heap blocks: give their pages back to the system before
        // the large arrays of the next stages are allocated (glibc keeps freed heap otherwise).
        Pipeline.returnFreedMemory()
        var (analyzed, kept) = timed("analyze") { () -> ((AnalyzedCorpus, KeptShingles), [String: Int]) in
            var tokenized = stream.finish()
            let articles = corpus.articles
            // The shingle sets move into `kept` (compacted in place); the analyzed corpus keeps
            // only their sizes (`explain` recomputes a pair's full sets from the text).
            let all = tokenized.analyzed.shingles
            tokenized.analyzed.shingles = []
            let kept = KeptShingles.select(shingles: all, start: tokenized.analyzed.shingleStart,
                                           sources: articles.map(\.source), configuration: configuration.copies)
            let a = analyzer.terms(tokenized, boilerplate: kept.boilerplateShingles, hasBoilerplate: kept.hasBoilerplate)
            return ((a, kept), ["terms": a.terms.count, "shingles": a.shingleStart.last ?? 0, "keptShingles": kept.hashes.count,
                                "commonShingles": kept.commonShingles.count, "boilerplateShingles": kept.boilerplateShingles.count,
                                "tokens": a.tokenCounts.reduce(0) { $0 + Int($1) }])
        }
        Pipeline.returnFreedMemory()
        let articles = corpus.articles
        let (model, terms) = try timed("vectorize") { () -> ((TFIDFModel?, TermMatrix), [String: Int]) in
            do {
                let model = try TFIDFVectorizer(configuration.tfidf).fit(analyzed)
                let terms = model.transform(analyzed)
                return ((model, terms), ["vocabulary": terms.vocabulary.count, "nonzeros": terms.matrix.nonzeroCount])
            } catch VectorizingError.noTermsRemain where articles.count < 2 || analyzed.termIDs.isEmpty {
                // Nothing to vectorize (an empty night): empty rows, the later stages see no terms.
                let empty = CSRMatrix(rows: articles.count, columns: 0, rowStart: [Int](repeating: 0, count: articles.count + 1),
                                      columnIndex: [], values: [])
                return ((nil, TermMatrix(matrix: empty, vocabulary: [], idf: [])), ["vocabulary": 0, "nonzeros": 0])
            }
        }
        // The raw term counts live on in the matrix: release them (4 bytes + 4 per entry).
        analyzed.termIDs = []
        analyzed.termCounts = []
        analyzed.termStart = []
        analyzed.termRank = []
        Pipeline.returnFreedMemory()
        let order = CopyDetector.canonicalOrder(articles, analyzed: analyzed)
        var rank = [Int](repeating: 0, count: articles.count)
        for (r, d) in order.enumerated() { rank[d] = r }
        let duplicates = timed("copies") { () -> (DuplicateGroups, [String: Int]) in
            let d = CopyDetector(configuration.copies).detect(articles: articles, analyzed: analyzed, kept: kept, terms: terms, order: order)
            let s = d.stats
            return (d, ["bands": s.bands, "rows": s.rows,
                                "candidatePairs": s.candidatePairs, "oversizedBuckets": s.oversizedBuckets,
                                "verifiedPairs": s.verifiedPairs, "groups": s.groups, "articlesInGroups": s.articlesInGroups])
        }
        // From here on the duplicate groups are final: their shared passages are worked out on
        // a thread of idle priority (cores the later stages leave idle) for `run` to write.
        let passagePrep = prepareWriting
            ? PassagePrep(corpus: corpus, groups: duplicates.groups,
                          keep: ReportBuilder.textsNeeded(groups: duplicates.groups, caps: configuration.report))
            : nil
        // A later stage that fails stops the thread (a successful run hands it to `run`).
        var handedOver = false
        defer { if !handedOver { _ = passagePrep?.take() } }
        let fit = try timed("svd") { () -> (TopicModel.Fit?, [String: Int]) in
            guard terms.matrix.rows > 1, terms.matrix.columns > 1 else { return (nil, ["components": 0]) }
            let f = try TopicModel(configuration.topics).fit(terms: terms)
            return (f, ["components": f.svd.singularValues.count])
        }
        let stories = timed("stories") { () -> (StoryClusters, [String: Int]) in
            let s = StoryClusterer(configuration.stories).cluster(articles: articles, terms: terms, duplicates: duplicates,
                                                                  canonicalRank: rank, reduced: fit?.vectors, names: analyzed.names)
            let st = s.stats
            return (s, ["voices": st.voices, "candidatePairs": st.candidatePairs, "edges": st.edges, "unsharedNamePairs": st.unsharedNamePairs,
                        "merges": st.merges, "clusters": st.clusters, "multiArticleClusters": st.multiArticleClusters])
        }
        let topics = timed("topics") { () -> (Topics?, [String: Int]) in
            guard let fit else { return (nil, ["topics": 0]) }
            let t = TopicModel(configuration.topics).label(fit, terms: terms, stories: stories)
            return (t, ["topics": t.topics.count])
        }
        handedOver = true
        return PipelineState(corpus: corpus, analyzed: analyzed, model: model, terms: terms, kept: kept,
                             canonicalOrder: order, duplicates: duplicates, stories: stories, topics: topics,
                             passagePrep: passagePrep)
    }

    /// The read stage: reads `inputs`, tokenizing each batch (pass 1, into `stream`) as soon as it
    /// is read and releasing its texts. `newsdedup-bench read` times it alone.
    public static func read(_ inputs: [String], configuration: Configuration, into stream: inout TextAnalyzer.TokenStream) -> Corpus {
        CorpusReader(configuration: configuration.reader).read(paths: inputs) { corpus, range in
            corpus.articles.withUnsafeMutableBufferPointer { buffer in
                let shared = SharedMutableBuffer(buffer)
                // The text is moved out and the article edited in place (through the pointer: the
                // buffer's subscript copies the whole `Article` to read it and again to set it).
                stream.add(count: range.count) { i -> (title: String, text: String) in
                    let article = shared.base + (range.lowerBound + i)
                    var text = ""
                    swap(&text, &article.pointee.text)
                    article.pointee.textReleased = true
                    return (article.pointee.title, text)
                }
            }
        }
    }

    /// Sets the memory policy for a run over `inputs` (`memoryPolicy`), as `compute` does.
    public static func applyMemoryPolicy(for inputs: [String]) {
        apply(memoryPolicy(inputBytes: inputBytes(inputs), physicalMemory: ProcessInfo.processInfo.physicalMemory))
    }

    /// How the run's freed memory is handled (glibc's malloc; elsewhere nothing is set).
    public enum MemoryPolicy: String, Codable, Sendable {
        /// Freed heap stays with the process and is reused by the next stage's arrays: far fewer
        /// page faults (at 50k articles 750k → 210k, about 1 s less system time) for a peak RSS
        /// up to twice as high. Chosen when that peak stays small beside the machine's memory.
        case keepFreed
        /// Arrays of 1 MiB and more are mapped pages, returned to the system as soon as they are
        /// freed, and the heap is trimmed between stages, so peak RSS follows what is live.
        case returnFreed
    }

    /// Peak RSS with `keepFreed`, per input byte, rounded up: 4.4 at 50k and 4.5 at 200k
    /// synthetic articles (3.6 KB each).
    static let keptPeakPerInputByte: UInt64 = 5

    /// `keepFreed` when the input (bytes on disk) times `keptPeakPerInputByte` is at most a
    /// quarter of physical memory (24 GiB: inputs up to 1.2 GiB, about 330k articles of
    /// 3.6 KB); `returnFreed` otherwise or when either size is unknown (0).
    public static func memoryPolicy(inputBytes: UInt64, physicalMemory: UInt64) -> MemoryPolicy {
        guard inputBytes > 0, physicalMemory > 0 else { return .returnFreed }
        let (peak, overflow) = inputBytes.multipliedReportingOverflow(by: keptPeakPerInputByte)
        return !overflow && peak <= physicalMemory / 4 ? .keepFreed : .returnFreed
    }

    /// Bytes of the regular files at `paths` (folders walked, hidden entries included: an
    /// upper bound of what the reader reads).
    static func inputBytes(_ paths: [String]) -> UInt64 {
        let fm = FileManager.default
        var total: UInt64 = 0
        func size(_ path: String) -> UInt64 {
            guard let a = try? fm.attributesOfItem(atPath: path), a[.type] as? FileAttributeType == .typeRegular else { return 0 }
            return (a[.size] as? NSNumber)?.uint64Value ?? 0
        }
        for path in paths {
            var isFolder: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isFolder) else { continue }
            if !isFolder.boolValue { total &+= size(path); continue }
            guard let walk = fm.enumerator(atPath: path) else { continue }
            while let relative = walk.nextObject() as? String { total &+= size(path + "/" + relative) }
        }
        return total
    }

    /// The policy in force (set by `compute`; `returnFreedMemory` consults it).
    nonisolated(unsafe) static var memory = MemoryPolicy.returnFreed

    /// Sets glibc's malloc for `policy`; all three parameters each time, so a later run in the
    /// same process gets its own policy.
    static func apply(_ policy: MemoryPolicy) {
        memory = policy
        #if canImport(Glibc)
        typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(nil, "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: MallOpt.self)
        let (mmapThreshold, trimThreshold, topPad): (Int32, Int32, Int32) = switch policy {
        // 32 MiB is the largest mmap threshold glibc accepts; the night's big arrays stay in the heap.
        case .keepFreed: (32 << 20, 1 << 30, 64 << 20)
        // glibc's own trim threshold and top pad; a fixed 1 MiB mmap threshold (glibc would raise
        // it after each free, and the night's large arrays would then stay in the heap).
        case .returnFreed: (1 << 20, 128 << 10, 0)
        }
        _ = mallopt(-3, mmapThreshold)   // M_MMAP_THRESHOLD
        _ = mallopt(-1, trimThreshold)   // M_TRIM_THRESHOLD
        _ = mallopt(-2, topPad)          // M_TOP_PAD
        #endif
    }

    /// Returns free heap pages to the system (`malloc_trim`), so peak RSS follows what is live;
    /// nothing under `keepFreed` (the next stage reuses them).
    static func returnFreedMemory() {
        guard memory == .returnFreed else { return }
        #if canImport(Glibc)
        // glibc's malloc_trim is not in Swift's Glibc module: look it up (absent elsewhere).
        typealias Trim = @convention(c) (Int) -> Int32
        if let symbol = dlsym(nil, "malloc_trim") { _ = unsafeBitCast(symbol, to: Trim.self)(0) }
        #endif
    }

    func makeManifest(inputs: [String], state: PipelineState, stages: [RunManifest.Stage], started: Date,
                      outputs: [String]) -> RunManifest {
        let iso = ISO8601DateFormatter()
        let issues = state.corpus.issues.sorted()
        return RunManifest(
            inputs: inputs, files: state.corpus.files.count, ignoredFiles: state.corpus.ignoredFiles,
            articles: .init(read: state.corpus.articles.count,
                            skipped: issues.filter { $0.action == .skipped }.count,
                            repaired: issues.filter { $0.action == .repaired }.count),
            issues: issues, configuration: configuration, threads: Parallel.threads,
            blasLibraries: BLASLibrary.loaded, blasThreads: BLASLibrary.threads, memory: Pipeline.memory, stages: stages,
            totalSeconds: stages.reduce(0) { $0 + $1.seconds }, outputs: outputs.sorted(),
            startedAt: iso.string(from: started), finishedAt: iso.string(from: Date()), complete: true)
    }
}
