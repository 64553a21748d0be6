#ifndef CEMBEDDED_H
#define CEMBEDDED_H

#include <stddef.h>

/// Files `serve` sends as they are, compiled into the binary with C23's
/// #embed: an installed binary needs no resource folder beside it (a
/// SwiftPM resource bundle is found only next to the binary or in the
/// build folder), and there is no build step of our own.

/// One file of the dashboard (Sources/HTTPAPI/Dashboard/).
typedef struct {
    const char *name;
    const char *content_type;
    const unsigned char *bytes;
    size_t length;
} audiospool_dashboard_file;

/// How many files there are, and the one at `index` (below the count).
size_t audiospool_dashboard_file_count(void);
const audiospool_dashboard_file *audiospool_dashboard_file_at(size_t index);

/// Sources/HTTPAPI/openapi.json, the HTTP API's contract; its length in `length`.
const unsigned char *audiospool_openapi_document(size_t *length);

#endif
