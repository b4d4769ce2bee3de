/* libFuzzer target: one JSONL line as --mode=export sees it: jsonl_parse()
 * (src/source/jsonl_parse.c) rebuilds a snapshot, which is then rendered to JSON as
 * the export loop does before publishing it, and to every exposition format
 * (deflated too) as the first scrapes of it would. */
#include <stdint.h>
#include <stdio.h>

#include "log.h"
#include "render.h"
#include "source.h"
#include "snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char errbuf[256];
	int err = 0;
	struct snapshot *s;

	log_setup((enum log_level)(LOG_ERROR + 1), LOG_FORMAT_JSON);
	s = jsonl_parse((const char *)data, size, &err, errbuf, sizeof(errbuf));
	if (!s)
		return 0;
	if (!snapshot_render(s, NULL)) {
		for (int f = 0; f < EXPO_FORMATS; f++) {
			const struct buf *body;
			const struct gzjoin_part *z;

			snapshot_expo(s, (enum expo_format)f, &body, &z);
		}
	}
	snapshot_put(s);
	return 0;
}
