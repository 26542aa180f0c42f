import Foundation

/// Errors writing results.
public enum ResultsError: LocalizedError, CustomStringConvertible {
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotWrite(path, reason): return "cannot write \(path): \(reason)"
        }
    }

    public var errorDescription: String? { description }
}

/// Writes a results folder atomically: every file goes into a temporary sibling folder
/// (`<out>.tmp-<pid>`), the manifest last, then the two folders are exchanged in one step
/// (`renameat2(RENAME_EXCHANGE)`), so `<out>` always exists and always holds a complete run; the
/// previous results, now in the temporary folder, are removed after. Where the file system cannot
/// exchange, two renames are used (`<out>` -> `<out>.old-<pid>`, temporary -> `<out>`), and a
/// crash between them is repaired by the next run (`cleanStale`). Leftovers of a killed run are
/// removed by the next run, which holds the results lock (`Pipeline.run`).
public struct ResultsWriter {
    public let output: String

    public init(output: String) { self.output = output }

    public static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return e
    }

    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        var data = try encoder().encode(value)
        data.append(0x0A)
        return data
    }

    /// The lock file of a results folder: `<parent>/.<name>.lock`.
    public static func lockPath(_ output: String) -> String {
        let out = URL(fileURLWithPath: output).standardizedFileURL
        return out.deletingLastPathComponent().appendingPathComponent("." + out.lastPathComponent + ".lock").path
    }

    /// Removes `<out>.tmp-*` and `<out>.old-*` left by a killed run. If `<out>` is missing while
    /// a complete `<out>.old-*` exists (killed between the two renames of the fallback), that one
    /// is put back first. Call it only while holding the results lock.
    public func cleanStale() {
        let fm = FileManager.default
        let out = URL(fileURLWithPath: output).standardizedFileURL
        let parent = out.deletingLastPathComponent(), name = out.lastPathComponent
        guard let names = try? fm.contentsOfDirectory(atPath: parent.path) else { return }
        let olds = names.filter { $0.hasPrefix(name + ".old-") }.sorted()
        if !fm.fileExists(atPath: out.path),
           let complete = olds.first(where: { fm.fileExists(atPath: parent.appendingPathComponent($0).appendingPathComponent("manifest.json").path) }) {
            try? fm.moveItem(at: parent.appendingPathComponent(complete), to: out)
        }
        for leftover in names where leftover.hasPrefix(name + ".tmp-") || leftover.hasPrefix(name + ".old-") {
            try? fm.removeItem(at: parent.appendingPathComponent(leftover))
        }
    }

    /// Exchanges two paths atomically (Linux renameat2 with RENAME_EXCHANGE, looked up at run
    /// time); false when the system or file system cannot.
    static func exchange(_ a: String, _ b: String) -> Bool {
        #if os(Linux)
        typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>?, Int32, UnsafePointer<CChar>?, UInt32) -> Int32
        guard let symbol = dlsym(nil, "renameat2") else { return false }
        let renameat2 = unsafeBitCast(symbol, to: RenameAt2.self)
        let atFDCWD: Int32 = -100, renameExchange: UInt32 = 2
        return renameat2(atFDCWD, a, atFDCWD, b, renameExchange) == 0
        #else
        return false
        #endif
    }

    /// Writes `files` (name -> bytes) then `manifest.json`, and swaps the folder into place.
    public func write(files: [(String, Data)], manifest: () throws -> Data) throws {
        try write(streaming: files.map { (name, data) in (name, { try $0.write(data) }) }, manifest: manifest)
    }

    /// Writes each file of `streaming` by calling its producer with the open file (in order;
    /// a producer streams its bytes instead of handing over the whole file), then `manifest.json`,
    /// and swaps the folder into place.
    public func write(streaming files: [(String, (ResultsFile) throws -> Void)], manifest: () throws -> Data) throws {
        let fm = FileManager.default
        let out = URL(fileURLWithPath: output).standardizedFileURL
        let parent = out.deletingLastPathComponent()
        let pid = ProcessInfo.processInfo.processIdentifier
        let tmp = parent.appendingPathComponent(out.lastPathComponent + ".tmp-\(pid)")
        let old = parent.appendingPathComponent(out.lastPathComponent + ".old-\(pid)")
        do {
            try fm.createDirectory(at: parent, withIntermediateDirectories: true)
            if fm.fileExists(atPath: tmp.path) { try fm.removeItem(at: tmp) }
            try fm.createDirectory(at: tmp, withIntermediateDirectories: true)
            for (i, (name, produce)) in files.enumerated() {
                let file = try ResultsFile(path: tmp.appendingPathComponent(name).path)
                try produce(file)
                try file.close()
                if i == 0 { TestHooks.reached("write-files") }
            }
            try manifest().write(to: tmp.appendingPathComponent("manifest.json"), options: .atomic)
            TestHooks.reached("swap")
            if fm.fileExists(atPath: out.path) {
                if ResultsWriter.exchange(tmp.path, out.path) {
                    TestHooks.reached("swapped")
                    try? fm.removeItem(at: tmp)   // the previous results
                } else {
                    try fm.moveItem(at: out, to: old)
                    try fm.moveItem(at: tmp, to: out)
                    TestHooks.reached("swapped")
                    try? fm.removeItem(at: old)
                }
            } else {
                try fm.moveItem(at: tmp, to: out)
                TestHooks.reached("swapped")
            }
        } catch {
            try? fm.removeItem(at: tmp)
            if !fm.fileExists(atPath: out.path) && fm.fileExists(atPath: old.path) {
                try? fm.moveItem(at: old, to: out)
            }
            throw ResultsError.cannotWrite(path: output, reason: "\(error.localizedDescription)")
        }
    }
}
