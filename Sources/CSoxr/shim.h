#include <soxr.h>

// soxr's quality and data-type constants are macros Swift cannot import.
static inline unsigned long audiospool_soxr_hq(void) { return SOXR_HQ; }
