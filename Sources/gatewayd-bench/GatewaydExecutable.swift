import ArgumentParser
import Foundation

/// The `gatewayd` the user's-path benchmarks run: `--gatewayd`, or the one built beside this benchmark.
enum GatewaydExecutable {
    static func resolve(_ given: String?) throws -> String {
        let path = given ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("gatewayd").path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw ValidationError("no gatewayd at \(path): swift build -c release --product gatewayd")
        }
        return path
    }
}
