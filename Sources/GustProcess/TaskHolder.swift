import Synchronization

/// A task handle that a Sendable class can set once and take once.
final class TaskHolder: Sendable {
    private let task = Mutex<Task<Void, Never>?>(nil)

    func set(_ new: Task<Void, Never>) { task.withLock { $0 = new } }

    func take() -> Task<Void, Never>? { task.withLock { current in defer { current = nil }; return current } }
}
