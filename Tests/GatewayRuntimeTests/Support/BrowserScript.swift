import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A browser script (Python + Selenium driving Debian's headless Chromium) run as a child process. The script
/// asks the test to act with lines `@@ <command> [argument]` on its stdout; ``run(_:)`` hands each command to
/// `handle`, writes its answer back on the script's stdin, and keeps every other line as the script's log.
struct BrowserScript {
    let script: URL
    let arguments: [String]

    struct Outcome {
        var status: Int32
        var log: String
    }

    /// What is missing for a browser test on this machine, if anything (`scripts/install-deps.sh` installs it).
    static func missingTools() -> [String] {
        var missing = ["/usr/bin/chromium", "/usr/bin/chromedriver", "/usr/bin/python3"].filter { !FileManager.default.isExecutableFile(atPath: $0) }
        if missing.isEmpty {
            let check = Process()
            check.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            check.arguments = ["-c", "import selenium"]
            check.standardOutput = FileHandle.nullDevice
            check.standardError = FileHandle.nullDevice
            if (try? check.run()) == nil { missing.append("python3-selenium") } else {
                check.waitUntilExit()
                if check.terminationStatus != 0 { missing.append("python3-selenium") }
            }
        }
        return missing
    }

    /// Runs the script to its end (killed after `limit`), answering its commands with `handle`.
    func run(limit: Duration = .seconds(150), _ handle: (String) async -> String) async throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-u", script.path] + arguments
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()

        // The script's output, line by line, read on a thread of its own (reads block).
        let (lines, continuation) = AsyncStream.makeStream(of: String.self)
        let reader = output.fileHandleForReading
        Thread {
            var pending = Data()
            while true {
                let chunk = reader.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                while let newline = pending.firstIndex(of: 0x0A) {
                    continuation.yield(String(decoding: pending[pending.startIndex..<newline], as: UTF8.self))
                    pending.removeSubrange(pending.startIndex...newline)
                }
            }
            if !pending.isEmpty { continuation.yield(String(decoding: pending, as: UTF8.self)) }
            continuation.finish()
        }.start()

        // A script that hangs is ended (it fails), so the suite never waits for ever.
        let pid = process.processIdentifier
        let watchdog = DispatchWorkItem { kill(pid, SIGTERM) }
        DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(Int(limit.components.seconds)), execute: watchdog)
        var log: [String] = []
        for await line in lines {
            if line.hasPrefix("@@ ") {
                let answer = await handle(String(line.dropFirst(3)))
                log.append("\(line) → \(answer)")
                input.fileHandleForWriting.write(Data((answer + "\n").utf8))
            } else {
                log.append(line)
                print(line)
            }
        }
        process.waitUntilExit()
        watchdog.cancel()
        return Outcome(status: process.terminationStatus, log: log.joined(separator: "\n"))
    }
}
