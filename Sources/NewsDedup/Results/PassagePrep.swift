import Foundation
#if canImport(Glibc)
import Glibc
#endif
import LinearAlgebra

/// The shared passages of `duplicates.json` (and the texts the report quotes), worked out
/// group by group on a thread of idle priority from the moment the duplicate groups are known:
/// it runs only on a core the later stages leave idle (their serial steps, the ends of their
/// parallel ones), so by the time the results are written most passages are ready and
/// `ResultsBuilder.writeDuplicates` only serializes them. Writing calls `take()`, which stops
/// the thread after the group it is on; the groups not reached are worked out there as before.
/// A passage depends only on the two texts, so the file is the same bytes however far the
/// thread got.
final class PassagePrep: @unchecked Sendable {
    /// One group's passages (one per member, "" for the canonical), for these members, and the
    /// texts of its members in the report's set.
    struct Prepared: Sendable {
        var canonical: Int
        var members: [Int]
        var passages: [String]
        var texts: [(Int, String)]
    }

    private let lock = NSLock()
    private var stopping = false
    private let slots: UnsafeMutablePointer<Prepared?>
    private let count: Int
    private let finished = DispatchSemaphore(value: 0)
    private var taken: [Prepared?]?

    /// Starts the thread on `groups` of `corpus`; `keep`: the articles whose texts the report
    /// quotes. Nothing is started with one worker thread (`Parallel.threads == 1`): `take()`
    /// then returns no prepared group.
    init(corpus: Corpus, groups: [DuplicateGroup], keep: Set<Int>) {
        count = groups.count
        slots = .allocate(capacity: max(1, count))
        slots.initialize(repeating: nil, count: max(1, count))
        if Parallel.threads <= 1 || groups.isEmpty {
            finished.signal()
            return
        }
        Thread { [self] in
            PassagePrep.idlePriority()
            for gi in groups.indices {
                lock.lock()
                let stop = stopping
                lock.unlock()
                if stop { break }
                // Written before the next check of `stopping`; `take` reads it after `finished`.
                slots[gi] = PassagePrep.prepare(groups[gi], corpus: corpus, keep: keep)
            }
            finished.signal()
        }.start()
    }

    /// Group `g`'s passages, reading each member's text once and keeping those in `keep`.
    static func prepare(_ g: DuplicateGroup, corpus: Corpus, keep: Set<Int>) -> Prepared {
        var texts: [(Int, String)] = []
        let passages = ResultsBuilder.passages(of: g) { i in
            let t = corpus.text(of: i)
            if keep.contains(i) { texts.append((i, t)) }
            return t
        }
        return Prepared(canonical: g.canonical, members: g.members, passages: passages, texts: texts)
    }

    deinit {
        slots.deinitialize(count: max(1, count))
        slots.deallocate()
    }

    /// Stops the thread (after the group it is on) and hands over every group it finished, by
    /// group index (nil: not reached). Once; later calls return the same.
    func take() -> [Prepared?] {
        if let taken { return taken }
        lock.lock()
        stopping = true
        lock.unlock()
        finished.wait()
        let result = Array(UnsafeBufferPointer(start: slots, count: count))
        taken = result
        return result
    }

    /// Puts the calling thread in Linux's `SCHED_IDLE` class: it runs only when a core has
    /// nothing else to run. Elsewhere (or if refused) it keeps its priority.
    static func idlePriority() {
        #if os(Linux)
        var param = sched_param()
        param.sched_priority = 0
        _ = pthread_setschedparam(pthread_self(), 5 /* SCHED_IDLE */, &param)
        #endif
    }
}
