/* libFuzzer target: what a cgroup path says about its owner
 * (workload_parse_path), on arbitrary bytes, checking that every string it
 * hands back ends inside the identity's own buffer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "workload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(const struct workload_identity *id, const char *s)
{
	const char *end = id->id_buf + sizeof(id->id_buf);

	if (!*s)
		return;
	if (s < id->id_buf || s >= end || !memchr(s, '\0', (size_t)(end - s)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *path = malloc(size + 1);
	struct workload_identity id;

	if (!path)
		return 0;
	memcpy(path, data, size);
	path[size] = '\0';
	workload_parse_path(path, &id);
	inside(&id, id.unit);
	inside(&id, id.container_id);
	inside(&id, id.pod_uid);
	if ((id.kind == WORKLOAD_POD) != (id.pod_uid[0] != '\0'))
		abort();
	free(path);
	return 0;
}
