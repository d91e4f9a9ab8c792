import Dispatch
import Foundation
import Synchronization

/// Ctrl-C (SIGINT) and SIGTERM as a flag the simulation loop polls: the first one asks for a clean stop,
/// a second one exits at once.
/// `@unchecked Sendable`: `sources` is only written by `install()` before the flag is shared.
final class InterruptFlag: @unchecked Sendable {
    private let count = Atomic<Int>(0)
    private var sources: [any DispatchSourceSignal] = []

    var isSet: Bool { count.load(ordering: .relaxed) > 0 }

    /// How many interrupts arrived (0, 1, 2 …).
    var interrupts: Int { count.load(ordering: .relaxed) }

    static func install() -> InterruptFlag {
        let flag = InterruptFlag()
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [flag] in
                if flag.count.add(1, ordering: .relaxed).newValue > 1 {
                    FileHandle.standardError.write(Data("\ngatewayd: interrupted again, exiting without waiting\n".utf8))
                    exit(130)
                }
            }
            source.resume()
            flag.sources.append(source)
        }
        return flag
    }
}
