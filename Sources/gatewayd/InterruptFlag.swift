import Dispatch
import Foundation
import Synchronization

/// Ctrl-C (SIGINT) and SIGTERM as a flag the simulation loop polls: the first one asks for a clean stop,
/// a second one (more than a second later: one Ctrl-C can reach us twice, e.g. through `timeout`) exits
/// at once.
///
/// `@unchecked Sendable`: `sources` is only written by `install()` before the flag is shared.
final class InterruptFlag: @unchecked Sendable {
    /// Uptime in nanoseconds of the first interrupt; 0 = none yet.
    private let firstAt = Atomic<UInt64>(0)
    private var sources: [any DispatchSourceSignal] = []

    var isSet: Bool { firstAt.load(ordering: .relaxed) != 0 }

    static func install() -> InterruptFlag {
        let flag = InterruptFlag()
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [flag] in flag.interrupted() }
            source.resume()
            flag.sources.append(source)
        }
        return flag
    }

    private func interrupted() {
        let now = max(1, DispatchTime.now().uptimeNanoseconds)
        let (exchanged, first) = firstAt.compareExchange(expected: 0, desired: now, ordering: .relaxed)
        if !exchanged, now - first > 1_000_000_000 {
            FileHandle.standardError.write(Data("\ngatewayd: interrupted again, exiting without waiting\n".utf8))
            exit(130)
        }
    }
}
