/* libFuzzer target: one JSONL line as --mode=export sees it: jsonl_parse()
 * (src/source/jsonl_parse.c) rebuilds a snapshot, which is then rendered to Prometheus
 * text and JSON as the export loop does before publishing it. */
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
	snapshot_render(s, NULL);
	snapshot_put(s);
	return 0;
}
