import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The database (vital signs, residents' addresses, relatives' numbers) and snapshots are the operator's alone:
/// created 0600 / 0700 under a 077 umask, and an existing database readable by others is refused.
public enum FilePermissions {
    /// Files and directories the daemon creates from now on get no group or other permissions.
    public static func restrictUmask() {
        umask(0o077)
    }

    /// Throws when the database or its WAL/SHM exists with permissions for group or others (unless
    /// `allowInsecure`, then it only returns the warning to log).
    public static func checkDatabase(_ path: String, allowInsecure: Bool) throws(SettingError) -> String? {
        var findings: [String] = []
        for file in [path, path + "-wal", path + "-shm"] {
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: file),
                  let permissions = attributes[.posixPermissions] as? NSNumber else { continue }
            let mode = permissions.intValue & 0o777
            if mode & 0o077 != 0 { findings.append("\(file) is mode \(String(mode, radix: 8))") }
        }
        guard !findings.isEmpty else { return nil }
        let text = findings.joined(separator: ", ")
        if allowInsecure { return "\(text): readable by other local users (allowed by --allow-insecure-permissions)" }
        throw SettingError("\(text): other local users can read residents' data. Run `chmod 600 \(path)*` "
                           + "or start with --allow-insecure-permissions")
    }
}
