internal import CMosquitto

/// libmosquitto's process-wide initialisation. `mosquitto.h`: "This function is *not* thread safe" —
/// a Swift `static let` runs its initialiser exactly once, under a lock, so every client goes through it.
enum MosquittoLibrary {
    static let initialized: Void = { _ = mosquitto_lib_init() }()

    /// The version of the library linked at run time, e.g. `2.0.11`.
    static var version: String {
        var major: Int32 = 0, minor: Int32 = 0, revision: Int32 = 0
        _ = mosquitto_lib_version(&major, &minor, &revision)
        return "\(major).\(minor).\(revision)"
    }
}
