/// One result per item for work split over lanes (`concurrentPerform`):
/// each slot is written by exactly one lane and read only after every lane
/// has finished, so no lock is taken per item. A lock per item had two
/// lanes queue on each other where the work per item was small (the
/// manifest's 9,000 files after a close with documents).
/// @unchecked Sendable: the callers keep to that rule (one writer per
/// slot, reads after the lanes are joined).
final class LaneSlots<Element>: @unchecked Sendable {
    private let storage: UnsafeMutableBufferPointer<Element?>

    init(count: Int) {
        storage = .allocate(capacity: count)
        storage.initialize(repeating: nil)
    }

    deinit {
        storage.baseAddress?.deinitialize(count: storage.count)
        storage.deallocate()
    }

    var count: Int { storage.count }

    func set(_ index: Int, _ value: Element?) { storage[index] = value }

    func value(at index: Int) -> Element? { storage[index] }

    /// Every slot in order, nil where nothing was set.
    func all() -> [Element?] { Array(storage) }
}
