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
// Safety: the attachment and the silenced wake-up pair are per thread (thread-local), so only the attached
// descriptor on the attaching thread is ever buffered — a descriptor number closed and reused elsewhere is
// never touched, and any number of network threads can each attach their own socket; the loop
// detaches before it reconnects and whenever libmosquitto has dropped the socket, polls for writing while
// output is held, and treats held input as readable before it polls.

#define _GNU_SOURCE
#include "buffered_socket.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

typedef ssize_t (*read_function)(int, void *, size_t);
typedef ssize_t (*write_function)(int, const void *, size_t);
typedef int (*socketpair_function)(int, int, int, int[2]);

/// The C library's own functions, looked up once (the next definition after this executable's).
static _Atomic(void *) next_read, next_write, next_socketpair;

static void *next_definition(_Atomic(void *) *cache, const char *name) {
    void *function = atomic_load_explicit(cache, memory_order_acquire);
    if (function == NULL && (function = dlsym(RTLD_NEXT, name)) != NULL) {
        atomic_store_explicit(cache, function, memory_order_release);
    }
    return function;
}

/// A thread's attached socket and its buffers (allocated on attach, freed on detach). Per thread: any number of
/// network threads may each attach one socket, and no other thread ever sees another's.
struct attachment {
    int fd;
    size_t input_head, input_tail;
    size_t output_length;
    unsigned char input[64 * 1024];
    unsigned char output[64 * 1024];
};

static __thread struct attachment *attached;

static __thread bool capturing_wake_pair;
static __thread int captured_wake_fd = -1;
static __thread int silenced_wake_fd = -1;

static ssize_t real_read(int fd, void *destination, size_t count) {
    read_function function = (read_function)next_definition(&next_read, "read");
    return function != NULL ? function(fd, destination, count) : syscall(SYS_read, fd, destination, count);
}

static ssize_t real_write(int fd, const void *source, size_t count) {
    write_function function = (write_function)next_definition(&next_write, "write");
    return function != NULL ? function(fd, source, count) : syscall(SYS_write, fd, source, count);
}

static struct attachment *current(int fd) {
    struct attachment *attachment = attached;
    return attachment != NULL && fd >= 0 && attachment->fd == fd ? attachment : NULL;
}

ssize_t read(int fd, void *destination, size_t count) {
    struct attachment *a = current(fd);
    if (a == NULL || count == 0) return real_read(fd, destination, count);
    if (a->input_head == a->input_tail) {
        // A large payload goes straight to its destination rather than through the buffer.
        if (count >= sizeof(a->input)) return real_read(fd, destination, count);
        ssize_t received = real_read(fd, a->input, sizeof(a->input));
        if (received <= 0) return received;  // end of stream, or the error (EAGAIN…) in errno
        a->input_head = 0;
        a->input_tail = (size_t)received;
    }
    size_t available = a->input_tail - a->input_head;
    size_t served = count < available ? count : available;
    memcpy(destination, a->input + a->input_head, served);
    a->input_head += served;
    return (ssize_t)served;
}

long gatewayd_socket_flush(int fd) {
    struct attachment *a = current(fd);
    if (a == NULL) return 0;
    size_t sent = 0;
    while (sent < a->output_length) {
        ssize_t written = real_write(fd, a->output + sent, a->output_length - sent);
        if (written < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            a->output_length = 0;  // the connection is gone; libmosquitto finds out at its next read or write
            return -1;
        }
        sent += (size_t)written;
    }
    memmove(a->output, a->output + sent, a->output_length - sent);
    a->output_length -= sent;
    return (long)a->output_length;
}

ssize_t write(int fd, const void *source, size_t count) {
    if (count == 1 && fd >= 0 && fd == silenced_wake_fd) return 1;
    struct attachment *a = current(fd);
    if (a == NULL || count == 0) return real_write(fd, source, count);
    if (a->output_length + count > sizeof(a->output)) {
        long held = gatewayd_socket_flush(fd);
        if (held < 0) return -1;
        // Still full: libmosquitto keeps the packet and writes it again when the socket is writable.
        if (held > 0) { errno = EAGAIN; return -1; }
        if (count > sizeof(a->output)) return real_write(fd, source, count);
    }
    memcpy(a->output + a->output_length, source, count);
    a->output_length += count;
    return (ssize_t)count;
}

int socketpair(int domain, int type, int protocol, int pair[2]) {
    socketpair_function function = (socketpair_function)next_definition(&next_socketpair, "socketpair");
    if (function == NULL) { errno = ENOSYS; return -1; }
    int result = function(domain, type, protocol, pair);
    // libmosquitto's net__socketpair: pair[1] is the end it writes its wake-ups to.
    if (result == 0 && capturing_wake_pair && captured_wake_fd < 0) captured_wake_fd = pair[1];
    return result;
}

bool gatewayd_socket_attach(int fd) {
    if (fd < 0) return false;
    if (attached != NULL) return attached->fd == fd;  // one socket a thread: detach the other first
    struct attachment *a = malloc(sizeof(struct attachment));
    if (a == NULL) return false;
    a->fd = fd;
    a->input_head = a->input_tail = 0;
    a->output_length = 0;
    attached = a;
    return true;
}

void gatewayd_socket_detach(int fd) {
    struct attachment *a = current(fd);
    if (a == NULL) return;
    attached = NULL;
    free(a);
}

size_t gatewayd_socket_pending_input(int fd) {
    struct attachment *a = current(fd);
    return a != NULL ? a->input_tail - a->input_head : 0;
}

size_t gatewayd_socket_pending_output(int fd) {
    struct attachment *a = current(fd);
    return a != NULL ? a->output_length : 0;
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
