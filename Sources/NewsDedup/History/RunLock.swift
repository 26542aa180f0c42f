#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Another run holds the lock.
public struct RunLockError: Error, CustomStringConvertible, Sendable {
    public var path: String
    /// What the holder wrote into the lock file (`pid N since TIME`), when readable.
    public var holder: String

    public var description: String {
        "another newsdedup run is in progress (lock \(path) held\(holder.isEmpty ? "" : " by \(holder)")); "
            + "nothing was done. If no newsdedup process is running, the lock is free already: an advisory "
            + "lock dies with its process, so just run again."
    }
}

/// An exclusive advisory lock (flock(2)) on a file, taken without waiting. The kernel releases it
/// when the process ends, however it ends (kill -9 included), so a stale lock file never blocks a
/// later run.
public final class RunLock: @unchecked Sendable {
    public let path: String
    private var fd: Int32

    /// Takes the lock or throws `RunLockError` at once.
    public init(path: String) throws {
        self.path = path
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw ResultsError.cannotWrite(path: path, reason: "cannot open the lock file: \(String(cString: strerror(errno)))")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            var buffer = [UInt8](repeating: 0, count: 200)
            let n = pread(fd, &buffer, buffer.count, 0)
            close(fd)
            fd = -1
            if code == EWOULDBLOCK {
                let holder = n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : ""
                throw RunLockError(path: path, holder: holder)
            }
            throw ResultsError.cannotWrite(path: path, reason: "cannot lock: \(String(cString: strerror(code)))")
        }
        let note = "pid \(getpid()) since \(ISO8601DateFormatter().string(from: Date()))\n"
        _ = ftruncate(fd, 0)
        _ = note.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    /// Releases the lock (also done when the object goes away or the process ends).
    public func release() {
        if fd >= 0 {
            _ = ftruncate(fd, 0)
            flock(fd, LOCK_UN)
            close(fd)
            fd = -1
        }
    }

    deinit { release() }
}
