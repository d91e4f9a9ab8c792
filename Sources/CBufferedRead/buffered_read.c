// A read buffer under libmosquitto, which reads each MQTT packet with three read(2) calls (the fixed
// header's first byte, the remaining length one byte at a time, then the rest; lib/packet_mosq.c,
// packet__read) — three system calls for every message of a subscriber. The network loop of
// gatewayd (MosquittoClient) attaches its connected socket; this file's `read`, which the dynamic linker
// binds libmosquitto's (and OpenSSL's) calls to, serves that socket on that thread from a 64 KiB buffer
// filled by one real read, and passes every other call straight to the C library's `read`.
//
// Safety: only the attached descriptor on the attaching thread is buffered, so a descriptor number that is
// closed and reused elsewhere is never served stale bytes; the loop detaches before it reconnects and
// whenever libmosquitto has dropped the socket, and treats pending bytes as readable before it polls.

#define _GNU_SOURCE
#include "buffered_read.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

typedef ssize_t (*read_function)(int, void *, size_t);

static _Atomic(read_function) next_read;
static _Atomic int attached_fd = -1;
static pthread_t attached_thread;
static unsigned char buffer[64 * 1024];
static size_t head, tail;

static ssize_t real_read(int fd, void *destination, size_t count) {
    read_function function = atomic_load_explicit(&next_read, memory_order_acquire);
    if (function == NULL) {
        function = (read_function)dlsym(RTLD_NEXT, "read");
        if (function == NULL) return syscall(SYS_read, fd, destination, count);
        atomic_store_explicit(&next_read, function, memory_order_release);
    }
    return function(fd, destination, count);
}

static bool is_attached(int fd) {
    return fd >= 0 && fd == atomic_load_explicit(&attached_fd, memory_order_acquire)
        && pthread_equal(pthread_self(), attached_thread);
}

ssize_t read(int fd, void *destination, size_t count) {
    if (!is_attached(fd) || count == 0) return real_read(fd, destination, count);
    if (head == tail) {
        // A large payload goes straight to its destination rather than through the buffer.
        if (count >= sizeof(buffer)) return real_read(fd, destination, count);
        ssize_t received = real_read(fd, buffer, sizeof(buffer));
        if (received <= 0) return received;  // end of stream, or the error (EAGAIN…) in errno
        head = 0;
        tail = (size_t)received;
    }
    size_t available = tail - head;
    size_t served = count < available ? count : available;
    memcpy(destination, buffer + head, served);
    head += served;
    return (ssize_t)served;
}

bool gatewayd_read_buffer_attach(int fd) {
    if (fd < 0) return false;
    if (is_attached(fd)) return true;
    // Claimed with a placeholder first: the owner's thread and an empty buffer are in place before any
    // thread can see the descriptor attached.
    int expected = -1;
    if (!atomic_compare_exchange_strong(&attached_fd, &expected, -2)) return false;
    attached_thread = pthread_self();
    head = tail = 0;
    atomic_store_explicit(&attached_fd, fd, memory_order_release);
    return true;
}

void gatewayd_read_buffer_detach(int fd) {
    if (!is_attached(fd)) return;
    head = tail = 0;
    atomic_store_explicit(&attached_fd, -1, memory_order_release);
}

size_t gatewayd_read_buffer_pending(int fd) {
    return is_attached(fd) ? tail - head : 0;
}
