/* libFuzzer target: the daemon's own /proc/self/stat and /proc/stat btime
 * parsers (procself.c), which take the text as a C string. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "procself.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct procself ps;
	double btime = 0;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&ps, 0, sizeof(ps));
	procself_parse_stat(text, 100, 4096, 1.7e9, &ps);
	procself_parse_btime(text, &btime);
	free(text);
	return 0;
}
