// The files serve sends as they are, embedded. Clang lists each #embed'ed
// file in the dependency file it writes, so editing one rebuilds this.
#include "CEmbedded.h"

#pragma clang diagnostic ignored "-Wc23-extensions"

static const unsigned char index_html[] = {
#embed "../HTTPAPI/Dashboard/index.html"
};
static const unsigned char dashboard_css[] = {
#embed "../HTTPAPI/Dashboard/dashboard.css"
};
static const unsigned char page_js[] = {
#embed "../HTTPAPI/Dashboard/page.js"
};
static const unsigned char cards_js[] = {
#embed "../HTTPAPI/Dashboard/cards.js"
};
static const unsigned char queue_js[] = {
#embed "../HTTPAPI/Dashboard/queue.js"
};
static const unsigned char submit_js[] = {
#embed "../HTTPAPI/Dashboard/submit.js"
};
static const unsigned char farm_js[] = {
#embed "../HTTPAPI/Dashboard/farm.js"
};
static const unsigned char waveform_js[] = {
#embed "../HTTPAPI/Dashboard/waveform.js"
};
static const unsigned char dashboard_js[] = {
#embed "../HTTPAPI/Dashboard/dashboard.js"
};
static const unsigned char favicon_svg[] = {
#embed "../HTTPAPI/Dashboard/favicon.svg"
};

static const audiospool_dashboard_file files[] = {
    {"index.html", "text/html; charset=utf-8", index_html, sizeof index_html},
    {"dashboard.css", "text/css; charset=utf-8", dashboard_css, sizeof dashboard_css},
    {"page.js", "text/javascript; charset=utf-8", page_js, sizeof page_js},
    {"cards.js", "text/javascript; charset=utf-8", cards_js, sizeof cards_js},
    {"queue.js", "text/javascript; charset=utf-8", queue_js, sizeof queue_js},
    {"submit.js", "text/javascript; charset=utf-8", submit_js, sizeof submit_js},
    {"farm.js", "text/javascript; charset=utf-8", farm_js, sizeof farm_js},
    {"waveform.js", "text/javascript; charset=utf-8", waveform_js, sizeof waveform_js},
    {"dashboard.js", "text/javascript; charset=utf-8", dashboard_js, sizeof dashboard_js},
    {"favicon.svg", "image/svg+xml", favicon_svg, sizeof favicon_svg},
};
size_t audiospool_dashboard_file_count(void) { return sizeof files / sizeof files[0]; }

const audiospool_dashboard_file *audiospool_dashboard_file_at(size_t index) { return &files[index]; }

static const unsigned char openapi_json[] = {
#embed "../HTTPAPI/openapi.json"
};

const unsigned char *audiospool_openapi_document(size_t *length) {
    *length = sizeof openapi_json;
    return openapi_json;
}
