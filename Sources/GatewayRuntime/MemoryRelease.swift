#if canImport(Glibc)
import Glibc
#endif

/// Keeps the daemon's heap small with glibc's allocator (measured with `gatewayd-bench`, 100,000
/// devices under load):
/// - one malloc arena for all threads instead of one per thread, so memory one thread frees is reused by
///   the others: ~156 → ~134 MB resident, throughput unchanged (the writer does most of the allocating).
///   glibc reads `MALLOC_ARENA_MAX` once, before the first allocation, and `mallopt` from inside the
///   process comes too late to be reliable (the runtime's threads may already have their arenas), so the
///   daemon re-executes itself once with `MALLOC_ARENA_MAX=1` unless the variable is already set;
/// - the heap freed after start-up (YAML nodes, drafts, validation) handed back to the OS (−20 MB).
/// Both are glibc's, not POSIX: elsewhere nothing happens.
public enum MemoryRelease {
    private typealias Trim = @convention(c) (Int) -> Int32

    /// Call first thing in the daemon's command: returns only when the environment already has
    /// `MALLOC_ARENA_MAX` (set it to anything to keep glibc's default) or the re-exec failed.
    public static func reexecWithSingleArena() {
        #if os(Linux)
        guard getenv("MALLOC_ARENA_MAX") == nil else { return }
        setenv("MALLOC_ARENA_MAX", "1", 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // Only reached when exec failed: run on with the default arenas.
        unsetenv("MALLOC_ARENA_MAX")
        #endif
    }

    static func returnFreedMemory() {
        #if canImport(Glibc)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return }
        _ = unsafeBitCast(symbol, to: Trim.self)(0)
        #endif
    }
}
