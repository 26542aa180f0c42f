import ArgumentParser
import Foundation
import Logging
import NewsDedup
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// stderr, shared by the log handler and the progress display: a live status line (on a
/// terminal) is cleared before any other line is written, then drawn again.
final class Console: @unchecked Sendable {
    static let shared = Console()

    let isTerminal = isatty(STDERR_FILENO) == 1
    private let lock = NSLock()
    private var status: String?

    /// Writes one line to stderr.
    func line(_ text: String) {
        lock.lock(); defer { lock.unlock() }
        write((status != nil ? "\r\u{1B}[2K" : "") + text + "\n" + (status ?? ""))
    }

    /// Replaces the live status line (nil removes it). Only on a terminal.
    func setStatus(_ text: String?) {
        guard isTerminal else { return }
        lock.lock(); defer { lock.unlock() }
        status = text
        write("\r\u{1B}[2K" + (text ?? ""))
    }

    private func write(_ s: String) {
        FileHandle.standardError.write(Data(s.utf8))
    }
}

/// swift-log handler writing `level: message key=value ...` lines to stderr through `Console`.
/// Warnings and errors print as `warning: message` (the form compilers use).
struct ConsoleLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level
    let label: String

    init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var all = self.metadata
        if let explicit = event.metadata { all.merge(explicit) { $1 } }
        var text = "\(event.level.rawValue): \(event.message)"
        if !all.isEmpty {
            text += " " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.format($0.value))" }.joined(separator: " ")
        }
        Console.shared.line(text)
    }

    static func format(_ v: Logger.Metadata.Value) -> String {
        switch v {
        case let .string(s): return s.contains(" ") || s.isEmpty ? "\"\(s)\"" : s
        case let .stringConvertible(c): return "\(c)"
        case let .array(a): return "[" + a.map(format).joined(separator: ",") + "]"
        case let .dictionary(d): return "{" + d.sorted { $0.key < $1.key }.map { "\($0.key)=\(format($0.value))" }.joined(separator: ",") + "}"
        }
    }
}

/// The CLI's logger: stderr, at `level`.
func makeLogger(level: Logger.Level) -> Logger {
    Logger(label: "newsdedup") { label in ConsoleLogHandler(label: label, level: level) }
}

/// Per-stage progress on stderr. Live (a ticking status line, then one line per stage) on a
/// terminal; plain lines when forced with `--progress`; nothing otherwise.
final class Progress: @unchecked Sendable {
    enum Mode { case off, plain, live }

    let mode: Mode
    private let lock = NSLock()
    private let started = Date()
    private var stage: String?
    private var stageStarted = Date()
    private var articles: Int?
    private var timer: DispatchSourceTimer?
    private var tick = 0

    init(mode: Mode) { self.mode = mode }

    func stageStarted(_ name: String) {
        guard mode != .off else { return }
        lock.lock()
        stage = name
        stageStarted = Date()
        lock.unlock()
        guard mode == .live else { return }
        redraw()
        if timer == nil {
            let t = DispatchSource.makeTimerSource(queue: .global(qos: .utility))
            t.schedule(deadline: .now() + .milliseconds(200), repeating: .milliseconds(200))
            t.setEventHandler { [weak self] in self?.redraw() }
            t.resume()
            timer = t
        }
    }

    func stageFinished(_ name: String, seconds: Double, counts: [String: Int]) {
        guard mode != .off else { return }
        lock.lock()
        if name == "read" { articles = counts["articles"] }
        let n = articles
        stage = nil
        lock.unlock()
        var text = "[\(name)]".padding(toLength: 12, withPad: " ", startingAt: 0) + String(format: "%7.2fs", seconds)
        if let n, n > 0, name != "write" {
            text += "  " + (seconds > 0.0005 ? "\(Self.rate(Double(n) / seconds)) articles/s" : "-").padding(toLength: 22, withPad: " ", startingAt: 0)
        }
        let detail = counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        Console.shared.setStatus(nil)
        Console.shared.line(text + "  " + detail)
    }

    /// Stops the ticker and removes the status line.
    func finish() {
        timer?.cancel()
        timer = nil
        Console.shared.setStatus(nil)
    }

    private func redraw() {
        lock.lock()
        guard let stage else { lock.unlock(); return }
        let elapsed = Date().timeIntervalSince(stageStarted), total = Date().timeIntervalSince(started)
        tick += 1
        let spinner = Array("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")[tick % 10]
        let n = articles
        lock.unlock()
        var text = "\(spinner) [\(stage)] \(String(format: "%.1f", elapsed))s"
        if let n { text += " on \(Self.count(n)) articles" }
        text += String(format: " · %.1fs in all", total)
        Console.shared.setStatus(text)
    }

    static func rate(_ r: Double) -> String {
        if r >= 1e6 { return String(format: "%.1fM", r / 1e6) }
        if r >= 1e4 { return String(format: "%.0fk", r / 1e3) }
        if r >= 1e3 { return String(format: "%.1fk", r / 1e3) }
        return String(format: "%.0f", r)
    }

    static func count(_ n: Int) -> String {
        let s = String(n)
        var out = ""
        for (i, c) in s.enumerated() {
            if i > 0, (s.count - i) % 3 == 0 { out += "," }
            out.append(c)
        }
        return out
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
