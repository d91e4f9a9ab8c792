#if canImport(Glibc)
import Glibc
#endif

/// Gives the operating system back the heap freed after start-up. Reading a registry of 100,000 devices
/// (YAML nodes, drafts, validation) frees tens of megabytes that glibc would otherwise keep in its arenas
/// for the life of the daemon. `malloc_trim` is looked up at run time: it is glibc's, not POSIX.
enum MemoryRelease {
    private typealias Trim = @convention(c) (Int) -> Int32

    static func returnFreedMemory() {
        #if canImport(Glibc)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return }
        _ = unsafeBitCast(symbol, to: Trim.self)(0)
        #endif
    }
}
