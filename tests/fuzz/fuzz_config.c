/* libFuzzer target: the YAML config file (--config.file), through
 * config_load() as main() calls it, then the same input as flags. */
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[PATH_MAX], flag[PATH_MAX + 32];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	char *argv[4] = {"infra-monitor", flag, NULL, NULL};
	char *arg;
	int fd;

	if (!path[0]) {
		const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";

		snprintf(path, sizeof(path), "%s/im-fuzz-config-%d.yml", tmp, (int)getpid());
		snprintf(flag, sizeof(flag), "--config.file=%s", path);
		/* Errors go to stderr by design; the fuzzer's own reports use fd 2. */
		stderr = fopen("/dev/null", "w");
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	config_load(&cfg, 2, argv);
	config_free(&cfg);

	/* The same bytes as one command-line argument. */
	arg = malloc(size + 1);
	if (!arg)
		return 0;
	memcpy(arg, data, size);
	arg[size] = '\0';
	argv[1] = arg;
	config_load(&cfg, 2, argv);
	config_free(&cfg);
	argv[1] = flag;
	free(arg);
	return 0;
}
