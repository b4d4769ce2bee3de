/* libFuzzer target: the textfile collector's parser of the Prometheus text
 * format (textfile_parse()), then the renderer over what it accepted, which
 * must never emit a line the parser would refuse. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "collector.h"
#include "metrics.h"
#include "render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), err[256];
	struct metric_set *ms = ms_new(), *again = ms_new();
	const struct family **fams;
	struct buf out;
	size_t n;

	if (!text || !ms || !again)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	buf_init(&out);
	if (!textfile_parse(ms, text, size, &n, err, sizeof(err))) {
		fams = malloc((ms_nfamilies(ms) + 1) * sizeof(*fams));
		if (!fams)
			abort();
		for (size_t i = 0; i < ms_nfamilies(ms); i++)
			fams[i] = ms_family_at(ms, i);
		render_prom(&out, fams, ms_nfamilies(ms));
		free(fams);
		if (!out.oom && textfile_parse(again, buf_cstr(&out), out.len, &n, err, sizeof(err)))
			abort();        /* our own output must read back */
	}
	buf_free(&out);
	ms_free(again);
	ms_free(ms);
	free(text);
	return 0;
}
