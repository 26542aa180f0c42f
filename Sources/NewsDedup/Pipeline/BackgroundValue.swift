import Foundation
import LinearAlgebra

/// A value computed on another thread while the caller does other work; `value` waits for it.
/// With one thread (`Parallel.threads == 1`) it is computed at once, on the caller's thread,
/// so that a serial run stays serial.
///
/// The thread is a thread of its own, not a task of Dispatch's pool: `Parallel` runs inside it
/// at full width (a `concurrentPerform` nested in a pool's apply gets fewer threads), and a
/// waiter inside it never holds a pool worker that the awaited value needs.
final class BackgroundValue<Value>: @unchecked Sendable {
    private var result: Value?
    private let done = DispatchSemaphore(value: 0)

    init(_ body: @escaping @Sendable () -> Value) {
        if Parallel.threads <= 1 {
            result = body()
            done.signal()
            return
        }
        Thread {
            self.result = body()
            self.done.signal()
        }.start()
    }

    /// Waits for the value (once; the semaphore is not signalled again).
    func value() -> Value {
        done.wait()
        return result!
    }
}
