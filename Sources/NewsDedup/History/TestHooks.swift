#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A test-only way to die at a chosen moment: when the environment variable
/// `NEWSDEDUP_TEST_KILL_AT` names a point the run reaches, the process sends itself SIGKILL there,
/// exactly as `kill -9` would. The kill tests (NightlyTests) use it to show that the previous
/// results and the state database survive a crash at every stage. Unset, it costs one look-up.
public enum TestHooks {
    /// The points, in the order a run reaches them: every stage's start (`read` ... `topics`),
    /// `history`, `write`, then inside writing and committing.
    public static let points = ["read", "analyze", "vectorize", "copies", "svd", "stories", "topics", "history",
                                "write", "write-files", "swap", "swapped", "commit", "committed"]

    static let target: String? = ProcessInfo.processInfo.environment["NEWSDEDUP_TEST_KILL_AT"]

    /// Kills the process with SIGKILL when `point` is the one named by `NEWSDEDUP_TEST_KILL_AT`.
    @inline(__always)
    public static func reached(_ point: String) {
        guard let target, target == point else { return }
        kill(getpid(), SIGKILL)
        // SIGKILL cannot be caught; wait for it to land.
        while true { pause() }
    }
}
