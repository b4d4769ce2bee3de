/* /metrics: the current snapshot's exposition and a short tail measured now.
 *
 * A scrape sends the snapshot's exposition as it is (or its deflate stream,
 * wrapped in a gzip member), followed by the process metrics, the self
 * counters and the live health lines. The first scrape of a snapshot in a
 * format renders (and deflates) it once for every later one
 * (snapshot_expo()); a response holds a snapshot reference and points into
 * its buffers until the last byte is sent, so a slow client costs memory
 * only for its own tail.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "buf.h"
#include "gzjoin.h"
#include "health.h"
#include "http_internal.h"
#include "log.h"
#include "negotiate.h"
#include "procself.h"
#include "render.h"
#include "snapshot.h"
#include "util.h"

/* The live tail is about 3.5 KiB: level 1 compresses it to 969 bytes in 15 us
 * here, level 6 to 929 bytes in 22 us, on every scrape. */
#define TAIL_GZIP_LEVEL 1

/* One /metrics response in flight: the snapshot it points into and the tail
 * that follows. Freed by libmicrohttpd when the response is done. */
struct scrape {
	struct http_server *srv;        /* its in_flight count holds this one */
	struct snapshot *snap;  /* a reference, dropped in scrape_free() */
	struct buf tail;        /* live text, or its deflate stream and the gzip trailer */
	uint8_t gz_header[GZJOIN_HEADER_LEN];
};

/* Families of the live tail: process, self counters, health (about 15). */
#define MAX_LIVE_FAMILIES 32

/* The live tail in the scrape's format: process metrics, self counters and
 * health, measured per scrape; OpenMetrics ends here, with "# EOF". */
static void render_live(const struct http_server *srv, const struct snapshot *s,
			enum expo_format fmt, struct buf *out)
{
	static atomic_int warned;
	const struct family *fams[MAX_LIVE_FAMILIES];
	struct metric_set *ms = ms_new();
	struct procself ps;
	int err = procself_read(&ps);
	size_t n;

	/* Repeats every scrape if it happens at all: say it once. */
	if (err && !atomic_exchange(&warned, 1))
		log_warn_errno(COMPONENT, err, NULL,
			       "reading process metrics failed; some are omitted");
	if (!ms) {
		out->oom = 1;
		return;
	}
	if (srv->exporter_metrics) {
		procself_fill(ms, &ps);
		self_counters_fill(ms);
	}
	http_health_fill_metrics(srv, s, ms);
	n = ms_nfamilies(ms);
	for (size_t i = 0; i < n && i < ARRAY_SIZE(fams); i++)
		fams[i] = ms_family_at(ms, i);
	if (ms_error(ms) || n > ARRAY_SIZE(fams))
		out->oom = 1;
	else
		render_expo(out, fmt, fams, n);
	if (fmt == EXPO_OPENMETRICS)
		buf_puts(out, RENDER_OM_EOF);
	ms_free(ms);
}

static void scrape_free(void *cls)
{
	struct scrape *sc = cls;

	atomic_fetch_sub(&sc->srv->in_flight, 1);
	snapshot_put(sc->snap);
	buf_free(&sc->tail);
	free(sc);
}

static void iov_add(struct MHD_IoVec *iov, unsigned int *n, const void *p, size_t len)
{
	/* Empty parts are left out: a NULL base is not a valid entry. */
	if (len)
		iov[(*n)++] = (struct MHD_IoVec){ .iov_base = p, .iov_len = len };
}

enum MHD_Result http_serve_metrics(struct http_server *srv, const struct web_state *ws,
				   struct MHD_Connection *c)
{
	struct snapshot *s = snapshot_get();
	struct MHD_IoVec iov[3];
	unsigned int n = 0;
	struct MHD_Response *r = NULL;
	struct scrape *sc = NULL;
	enum expo_format fmt = negotiate_format(
		MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT));
	const struct buf *body;
	const struct gzjoin_part *body_z = NULL;
	struct buf live;
	int gzip, err = -ENOMEM;
	enum MHD_Result ret;

	buf_init(&live);
	if (!s)
		return http_queue(c, MHD_HTTP_SERVICE_UNAVAILABLE, ws->no_snapshot,
				  srv->telemetry_path);
	/* promhttp's MaxRequestsInFlight: a response still being written (a slow
	 * reader) holds its place until libmicrohttpd frees it. */
	if (atomic_fetch_add(&srv->in_flight, 1) >= srv->max_in_flight && srv->max_in_flight) {
		atomic_fetch_sub(&srv->in_flight, 1);
		snapshot_put(s);
		return http_queue(c, MHD_HTTP_SERVICE_UNAVAILABLE, ws->too_many,
				  srv->telemetry_path);
	}
	sc = calloc(1, sizeof(*sc));
	if (!sc) {
		atomic_fetch_sub(&srv->in_flight, 1);
		goto out;
	}
	sc->srv = srv;
	sc->snap = s;
	s = NULL;       /* now owned by sc */
	buf_init(&sc->tail);
	gzip = http_wants_gzip(c);
	err = snapshot_expo(sc->snap, fmt, &body, gzip ? &body_z : NULL);
	if (err && gzip) {
		log_warn_errno(COMPONENT, err, NULL,
			       "compressing the exposition failed; serving identity");
		gzip = 0;
		err = snapshot_expo(sc->snap, fmt, &body, NULL);
	}
	if (err)
		goto out;
	render_live(srv, sc->snap, fmt, &live);
	err = -ENOMEM;
	if (live.oom)
		goto out;
	gzip = gzip && body_z->len == body->len;
	if (gzip) {
		err = gzjoin_finish(&sc->tail, body_z, live.data, live.len,
				    TAIL_GZIP_LEVEL);
		if (err) {
			/* Identity always works; say once per failure why gzip did not. */
			log_warn_errno(COMPONENT, err, NULL,
				       "compressing the live tail failed; serving identity");
			buf_reset(&sc->tail);
			gzip = 0;
		}
	}
	if (gzip) {
		gzjoin_header(sc->gz_header);
		iov_add(iov, &n, sc->gz_header, sizeof(sc->gz_header));
		iov_add(iov, &n, body_z->z.data, body_z->z.len);
	} else {
		buf_free(&sc->tail);
		sc->tail = live;
		buf_init(&live);
		iov_add(iov, &n, body->data, body->len);
	}
	iov_add(iov, &n, sc->tail.data, sc->tail.len);
	err = -ENOMEM;
	r = MHD_create_response_from_iovec(iov, n, scrape_free, sc);
	if (!r)
		goto out;
	sc = NULL;      /* now owned by r */
	if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				    negotiate_content_type(fmt)) != MHD_YES ||
	    MHD_add_response_header(r, MHD_HTTP_HEADER_VARY,
				    MHD_HTTP_HEADER_ACCEPT ", " MHD_HTTP_HEADER_ACCEPT_ENCODING) !=
		    MHD_YES ||
	    (gzip && MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip") !=
			     MHD_YES) ||
	    http_add_config_headers(r, ws->wc))
		goto out;
	ret = http_queue(c, MHD_HTTP_OK, r, srv->telemetry_path);
	MHD_destroy_response(r);
	buf_free(&live);
	return ret;
out:
	log_warn_errno(COMPONENT, err, NULL, "building the /metrics response failed");
	if (r)
		MHD_destroy_response(r);
	if (sc)
		scrape_free(sc);
	snapshot_put(s);
	buf_free(&live);
	return http_queue(c, MHD_HTTP_INTERNAL_SERVER_ERROR, ws->server_error,
			  srv->telemetry_path);
}
