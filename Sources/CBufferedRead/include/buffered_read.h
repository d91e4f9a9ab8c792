#ifndef GATEWAYD_BUFFERED_READ_H
#define GATEWAYD_BUFFERED_READ_H

#include <stdbool.h>
#include <stddef.h>

/// Serves the calling thread's `read(2)` calls on `fd` from a 64 KiB buffer filled with one `read` of the
/// socket at a time. One socket in the process at a time: returns false (and changes nothing) when another
/// is attached. The buffer starts empty.
bool gatewayd_read_buffer_attach(int fd);

/// Stops buffering `fd` (if it is the attached one) and drops what the buffer holds.
void gatewayd_read_buffer_detach(int fd);

/// Bytes of `fd` read from the socket and not yet handed out (0 when `fd` is not attached): data that
/// `poll` can no longer see.
size_t gatewayd_read_buffer_pending(int fd);

#endif
