/* libFuzzer target: what a cgroup path says about its owner
 * (workload_parse_path), on arbitrary bytes, checking that every string it
 * hands back ends inside the identity's own buffer; and the path as a label
 * value, as every renderer escapes it: the text formats' escaping must read
 * back to the same bytes on one line, the JSON string must parse and decode
 * to them (invalid UTF-8 excepted, which becomes U+FFFD). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "render.h"
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

/* Undoes the text formats' three escapes; aborts on anything else after a
 * backslash, on a raw newline and on an unescaped double quote. */
static void text_round_trip(const char *path)
{
	struct buf b;
	size_t n = 0;
	char *back;

	buf_init(&b);
	render_prom_label_value(&b, path);
	if (b.oom || !(back = malloc(b.len + 1)))
		goto out;
	for (size_t i = 0; i < b.len; i++) {
		char c = b.data[i];

		if (c == '\n' || c == '"')
			abort();
		if (c == '\\') {
			if (++i == b.len)
				abort();
			c = b.data[i] == 'n' ? '\n' : b.data[i];
			if (b.data[i] != 'n' && b.data[i] != '\\' && b.data[i] != '"')
				abort();
		}
		back[n++] = c;
	}
	back[n] = '\0';
	if (strcmp(back, path))
		abort();
	free(back);
out:
	buf_free(&b);
}

static void json_round_trip(const char *path)
{
	json_error_t e;
	json_t *j;
	struct buf b;

	buf_init(&b);
	buf_putc(&b, '[');
	buf_put_json_str(&b, path);
	buf_putc(&b, ']');
	if (b.oom)
		goto out;
	j = json_loadb(b.data, b.len, 0, &e);
	if (!j || !json_is_string(json_array_get(j, 0)))
		abort();
	if (strcmp(json_string_value(json_array_get(j, 0)), path) &&
	    !memmem(b.data, b.len, "\\ufffd", 6))
		abort();
	json_decref(j);
out:
	buf_free(&b);
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
	text_round_trip(path);
	json_round_trip(path);
	free(path);
	return 0;
}
