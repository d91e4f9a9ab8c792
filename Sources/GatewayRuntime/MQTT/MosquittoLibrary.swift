internal import CMosquitto

/// libmosquitto's process-wide initialisation. `mosquitto.h`: "This function is *not* thread safe" —
/// a Swift `static let` runs its initialiser exactly once, under a lock, so every client goes through it.
enum MosquittoLibrary {
    static let initialized: Void = {
        // Always MOSQ_ERR_SUCCESS on Linux (lib/mosquitto.c); anything else leaves no usable library.
        do { try check(mosquitto_lib_init(), "mosquitto_lib_init") } catch { fatalError("\(error)") }
    }()

    /// The version of the library linked at run time, e.g. `2.0.11`.
    static var version: String {
        var major: Int32 = 0, minor: Int32 = 0, revision: Int32 = 0
        _ = mosquitto_lib_version(&major, &minor, &revision)  // returns the packed version, not a status
        return "\(major).\(minor).\(revision)"
    }
}
