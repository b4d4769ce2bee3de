/* libFuzzer target: the /metrics Accept header (src/http/negotiate.c). Any
 * bytes give one of the formats; a header naming only protobuf, as Prometheus
 * sends it, must still pick protobuf after whatever the input appended. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "negotiate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PB "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;" \
	   "encoding=delimited"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + sizeof(PB) + 1);
	enum expo_format f;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	f = negotiate_format(s);
	if (f >= EXPO_FORMATS || !negotiate_content_type(f))
		abort();
	/* Protobuf at q=1 first wins over anything after it (ties keep the first). */
	memcpy(s, PB ",", sizeof(PB));
	memcpy(s + sizeof(PB), data, size);
	s[sizeof(PB) + size] = '\0';
	if (!memchr(data, '\0', size) && negotiate_format(s) != EXPO_PROTOBUF)
		abort();
	free(s);
	return 0;
}
