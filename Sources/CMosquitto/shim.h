#ifndef CMOSQUITTO_SHIM_H
#define CMOSQUITTO_SHIM_H

#include <mosquitto.h>

/// The libmosquitto version the headers describe, as one number (major*1000000 + minor*1000 + revision).
/// Swift cannot import the function-like arithmetic of LIBMOSQUITTO_VERSION_NUMBER reliably, so expose it.
static inline int CMosquitto_headerVersion(void) {
    return LIBMOSQUITTO_VERSION_NUMBER;
}

#endif
