#ifndef CDASHBOARD_H
#define CDASHBOARD_H

#include <stddef.h>

/// One file of the dashboard (Sources/HTTPAPI/Dashboard/), compiled into
/// the binary with C23's #embed: an installed binary needs no resource
/// folder beside it, and there is no build step of our own.
typedef struct {
    const char *name;
    const char *content_type;
    const unsigned char *bytes;
    size_t length;
} audiospool_dashboard_file;

/// How many files there are, and the one at `index` (below the count).
size_t audiospool_dashboard_file_count(void);
const audiospool_dashboard_file *audiospool_dashboard_file_at(size_t index);

#endif
