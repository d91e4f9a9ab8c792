// Buffers under libmosquitto's socket. libmosquitto reads each MQTT packet with three read(2) calls (the
// fixed header's first byte, the remaining length one byte at a time, then the rest; lib/packet_mosq.c,
// packet__read), writes each packet with its own write(2), and for every packet it queues writes one byte
// to a socket pair that only its own loops read (packet__queue) — for a QoS 1 subscriber, five system calls
// a message. gatewayd runs the network loop itself (MosquittoClient), on one thread, and attaches its
// connected socket here. The `read`, `write` and `socketpair` of this file, to which the dynamic linker binds
// libmosquitto's (and OpenSSL's) calls, then:
//   - serve that socket's reads on that thread from a 64 KiB buffer filled by one real read;
//   - hold that socket's writes on that thread until the loop flushes them, in one write, right after
//     `mosquitto_loop_write` (which the loop calls only once a batch is committed: PUBACKs stay promises);
//   - answer that thread's one-byte wake-ups to libmosquitto's own socket pair without a system call;
// and pass every other call straight to the C library.
//
// Safety: only the attached descriptor on the attaching thread is buffered, and the wake-up pair is
// silenced per thread, so a descriptor number closed and reused elsewhere is never touched; the loop
// detaches before it reconnects and whenever libmosquitto has dropped the socket, polls for writing while
// output is held, and treats held input as readable before it polls.

#define _GNU_SOURCE
#include "buffered_socket.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

typedef ssize_t (*read_function)(int, void *, size_t);
typedef ssize_t (*write_function)(int, const void *, size_t);
typedef int (*socketpair_function)(int, int, int, int[2]);

static _Atomic(read_function) next_read;
static _Atomic(write_function) next_write;
static _Atomic(socketpair_function) next_socketpair;

static _Atomic int attached_fd = -1;
static pthread_t attached_thread;
static unsigned char input[64 * 1024];
static size_t input_head, input_tail;
static unsigned char output[64 * 1024];
static size_t output_length;

static __thread bool capturing_wake_pair;
static __thread int captured_wake_fd = -1;
static __thread int silenced_wake_fd = -1;

static ssize_t real_read(int fd, void *destination, size_t count) {
    read_function function = atomic_load_explicit(&next_read, memory_order_acquire);
    if (function == NULL) {
        function = (read_function)dlsym(RTLD_NEXT, "read");
        if (function == NULL) return syscall(SYS_read, fd, destination, count);
        atomic_store_explicit(&next_read, function, memory_order_release);
    }
    return function(fd, destination, count);
}

static ssize_t real_write(int fd, const void *source, size_t count) {
    write_function function = atomic_load_explicit(&next_write, memory_order_acquire);
    if (function == NULL) {
        function = (write_function)dlsym(RTLD_NEXT, "write");
        if (function == NULL) return syscall(SYS_write, fd, source, count);
        atomic_store_explicit(&next_write, function, memory_order_release);
    }
    return function(fd, source, count);
}

static bool is_attached(int fd) {
    return fd >= 0 && fd == atomic_load_explicit(&attached_fd, memory_order_acquire)
        && pthread_equal(pthread_self(), attached_thread);
}

ssize_t read(int fd, void *destination, size_t count) {
    if (!is_attached(fd) || count == 0) return real_read(fd, destination, count);
    if (input_head == input_tail) {
        // A large payload goes straight to its destination rather than through the buffer.
        if (count >= sizeof(input)) return real_read(fd, destination, count);
        ssize_t received = real_read(fd, input, sizeof(input));
        if (received <= 0) return received;  // end of stream, or the error (EAGAIN…) in errno
        input_head = 0;
        input_tail = (size_t)received;
    }
    size_t available = input_tail - input_head;
    size_t served = count < available ? count : available;
    memcpy(destination, input + input_head, served);
    input_head += served;
    return (ssize_t)served;
}

long gatewayd_socket_flush(int fd) {
    if (!is_attached(fd)) return 0;
    size_t sent = 0;
    while (sent < output_length) {
        ssize_t written = real_write(fd, output + sent, output_length - sent);
        if (written < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            output_length = 0;  // the connection is gone; libmosquitto finds out at its next read or write
            return -1;
        }
        sent += (size_t)written;
    }
    memmove(output, output + sent, output_length - sent);
    output_length -= sent;
    return (long)output_length;
}

ssize_t write(int fd, const void *source, size_t count) {
    if (count == 1 && fd >= 0 && fd == silenced_wake_fd) return 1;
    if (!is_attached(fd) || count == 0) return real_write(fd, source, count);
    if (output_length + count > sizeof(output)) {
        long held = gatewayd_socket_flush(fd);
        if (held < 0) return -1;
        // Still full: libmosquitto keeps the packet and writes it again when the socket is writable.
        if (held > 0) { errno = EAGAIN; return -1; }
        if (count > sizeof(output)) return real_write(fd, source, count);
    }
    memcpy(output + output_length, source, count);
    output_length += count;
    return (ssize_t)count;
}

int socketpair(int domain, int type, int protocol, int pair[2]) {
    socketpair_function function = atomic_load_explicit(&next_socketpair, memory_order_acquire);
    if (function == NULL) {
        function = (socketpair_function)dlsym(RTLD_NEXT, "socketpair");
        if (function == NULL) { errno = ENOSYS; return -1; }
        atomic_store_explicit(&next_socketpair, function, memory_order_release);
    }
    int result = function(domain, type, protocol, pair);
    // libmosquitto's net__socketpair: pair[1] is the end it writes its wake-ups to.
    if (result == 0 && capturing_wake_pair && captured_wake_fd < 0) captured_wake_fd = pair[1];
    return result;
}

bool gatewayd_socket_attach(int fd) {
    if (fd < 0) return false;
    if (is_attached(fd)) return true;
    // Claimed with a placeholder first: the owner's thread and empty buffers are in place before any
    // thread can see the descriptor attached.
    int expected = -1;
    if (!atomic_compare_exchange_strong(&attached_fd, &expected, -2)) return false;
    attached_thread = pthread_self();
    input_head = input_tail = 0;
    output_length = 0;
    atomic_store_explicit(&attached_fd, fd, memory_order_release);
    return true;
}

void gatewayd_socket_detach(int fd) {
    if (!is_attached(fd)) return;
    input_head = input_tail = 0;
    output_length = 0;
    atomic_store_explicit(&attached_fd, -1, memory_order_release);
}

size_t gatewayd_socket_pending_input(int fd) {
    return is_attached(fd) ? input_tail - input_head : 0;
}

size_t gatewayd_socket_pending_output(int fd) {
    return is_attached(fd) ? output_length : 0;
}

void gatewayd_wake_pair_capture_begin(void) {
    capturing_wake_pair = true;
    captured_wake_fd = -1;
}

int gatewayd_wake_pair_capture_end(void) {
    capturing_wake_pair = false;
    int fd = captured_wake_fd;
    captured_wake_fd = -1;
    return fd;
}

void gatewayd_wake_pair_silence(int fd) {
    silenced_wake_fd = fd;
}
