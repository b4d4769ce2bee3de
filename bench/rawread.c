/* The floor for one collection: read the same /proc and /sys files (and
 * statfs the same mounts) that infra-monitor reads, in a tight loop with no
 * parsing, and print the mean wall time per pass in microseconds.
 *   rawread PASSES PATH...     a PATH "statfs:/mnt" means statfs("/mnt") */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static char buf[1 << 16];
	long passes = argc > 1 ? atol(argv[1]) : 0;
	double start;

	if (passes <= 0 || argc < 3) {
		fprintf(stderr, "usage: rawread PASSES PATH...\n");
		return 2;
	}
	start = now();
	for (long p = 0; p < passes; p++) {
		for (int i = 2; i < argc; i++) {
			struct statfs sf;
			int fd;

			if (strncmp(argv[i], "statfs:", 7) == 0) {
				statfs(argv[i] + 7, &sf);
				continue;
			}
			fd = open(argv[i], O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				continue;
			while (read(fd, buf, sizeof(buf)) > 0)
				;
			close(fd);
		}
	}
	printf("%.1f\n", (now() - start) / (double)passes * 1e6);
	return 0;
}
