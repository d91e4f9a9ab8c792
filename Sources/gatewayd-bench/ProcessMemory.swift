import Foundation

/// Resident memory of a process from /proc (Linux).
enum ProcessMemory {
    /// Peak resident set size (VmHWM) in MiB, or `nil` when /proc has no answer.
    static func peakRSSMegabytes(pid: Int32) -> Double? { field("VmHWM:", pid: pid) }

    /// Resident set size now (VmRSS) in MiB.
    static func currentRSSMegabytes(pid: Int32) -> Double? { field("VmRSS:", pid: pid) }

    private static func field(_ name: String, pid: Int32) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(name) {
            let kilobytes = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
            return kilobytes / 1024
        }
        return nil
    }
}
