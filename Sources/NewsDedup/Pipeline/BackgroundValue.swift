import Dispatch
import LinearAlgebra

/// A value computed on another thread while the caller does other work; `value` waits for it.
/// With one thread (`Parallel.threads == 1`) it is computed at once, on the caller's thread,
/// so that a serial run stays serial.
final class BackgroundValue<Value>: @unchecked Sendable {
    private var result: Value?
    private let done = DispatchSemaphore(value: 0)

    init(_ body: @escaping @Sendable () -> Value) {
        if Parallel.threads <= 1 {
            result = body()
            done.signal()
            return
        }
        DispatchQueue.global().async {
            self.result = body()
            self.done.signal()
        }
    }

    /// Waits for the value (once; the semaphore is not signalled again).
    func value() -> Value {
        done.wait()
        return result!
    }
}
