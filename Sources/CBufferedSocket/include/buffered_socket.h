#ifndef GATEWAYD_BUFFERED_SOCKET_H
#define GATEWAYD_BUFFERED_SOCKET_H

#include <stdbool.h>
#include <stddef.h>

/// Serves the calling thread's `read(2)` calls on `fd` from a 64 KiB buffer filled with one `read` of the
/// socket at a time, and holds its `write(2)` calls until ``gatewayd_socket_flush``. One socket a thread
/// (thread-local): returns false (and changes nothing) when the thread has another attached. The buffers start
/// empty.
bool gatewayd_socket_attach(int fd);

/// Stops buffering `fd` (if it is the attached one) and drops what the buffers hold.
void gatewayd_socket_detach(int fd);

/// Bytes of `fd` read from the socket and not yet handed out (0 when `fd` is not attached): data that
/// `poll` can no longer see.
size_t gatewayd_socket_pending_input(int fd);

/// Bytes written to `fd` and held, not yet sent.
size_t gatewayd_socket_pending_output(int fd);

/// Sends what the writes to `fd` left held, in as few `write` calls as the socket takes; returns what is
/// still held (the socket is full: flush again when `poll` says it is writable), or -1 with `errno` set.
long gatewayd_socket_flush(int fd);

/// Marks the start and end of `mosquitto_new` on the calling thread: the socket pair libmosquitto opens for
/// its own loops' wake-ups is noted, and returned by the end call (-1 if none was opened).
void gatewayd_wake_pair_capture_begin(void);
int gatewayd_wake_pair_capture_end(void);

/// On the calling thread only, one-byte writes to `fd` (libmosquitto's wake-up pair, which nothing reads
/// when the caller runs its own network loop) are answered without a system call. -1 turns it off.
void gatewayd_wake_pair_silence(int fd);

#endif
