#if canImport(Glibc)
import Glibc
#endif

/// Gives the operating system back the heap freed after start-up. Reading a registry of 100,000 devices
/// (YAML nodes, drafts, validation) frees tens of megabytes that glibc would otherwise keep in its arenas
/// for the life of the daemon (measured with `gatewayd-bench`: −20 MB resident at 100,000 devices).
/// `malloc_trim` is glibc's, not POSIX: it is looked up at run time and skipped where it is missing.
/// (Operators may also set `MALLOC_ARENA_MAX=1` in the daemon's environment: one arena for all threads,
/// another −10 MB under load at 100,000 devices. It must be set before the process starts; `mallopt`
/// from inside comes too late, once the runtime's threads have their arenas.)
enum MemoryRelease {
    private typealias Trim = @convention(c) (Int) -> Int32

    static func returnFreedMemory() {
        #if canImport(Glibc)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return }
        _ = unsafeBitCast(symbol, to: Trim.self)(0)
        #endif
    }
}
