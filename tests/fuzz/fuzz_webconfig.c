/* libFuzzer target: the exporter-toolkit web config (webconfig.c) through
 * webconfig_parse_buffer(), the parse-from-buffer entry point that reads no
 * file, and the Authorization header decoder. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "webconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct webconfig *wc = NULL;
	char err[512], user[256], pass[256];
	char *text;

	log_setup((enum log_level)(LOG_ERROR + 1), LOG_FORMAT_JSON);
	if (webconfig_parse_buffer((const char *)data, size, "/fuzz/web.yml", &wc, err,
				   sizeof(err)) == 0)
		webconfig_free(wc);
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	webconfig_parse_basic_auth(text, user, sizeof(user), pass, sizeof(pass));
	free(text);
	return 0;
}
