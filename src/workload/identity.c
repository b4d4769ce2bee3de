/* Who owns a cgroup: the identity a path below the cgroup2 root spells out,
 * and the pod and container names the kubelet's log layout gives.
 *
 * The layouts, by driver (the id is the runtime's container id):
 *   systemd units        /system.slice/nginx.service
 *   docker               /system.slice/docker-<id>.scope    /docker/<id>
 *   containerd (CRI)     .../cri-containerd-<id>.scope
 *   CRI-O                .../crio-<id>.scope
 *   podman               /machine.slice/libpod-<id>.scope   /libpod_parent/libpod-<id>
 *   kubelet, systemd     /kubepods.slice/kubepods-burstable.slice/
 *                          kubepods-burstable-pod<uid, '-' as '_'>.slice/cri-containerd-<id>.scope
 *   kubelet, cgroupfs    /kubepods/burstable/pod<uid>/<id>   (guaranteed: /kubepods/pod<uid>/<id>)
 * A pod's own cgroup (no container yet) is kind pod with no container id.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "workload.h"

const char *workload_kind_name(enum workload_kind k)
{
	static const char *const names[] = { "cgroup", "unit", "container", "pod" };

	return k < ARRAY_SIZE(names) ? names[k] : "cgroup";
}

/* Copies n bytes of s into the identity's buffer; "" when it does not fit. */
static const char *keep(struct workload_identity *id, size_t *used, const char *s, size_t n)
{
	char *out = id->id_buf + *used;

	if (n + 1 > sizeof(id->id_buf) - *used)
		return "";
	memcpy(out, s, n);
	out[n] = '\0';
	*used += n + 1;
	return out;
}

static bool has_prefix(const char *s, size_t n, const char *prefix)
{
	size_t p = strlen(prefix);

	return n >= p && !memcmp(s, prefix, p);
}

static bool has_suffix(const char *s, size_t n, const char *suffix)
{
	size_t p = strlen(suffix);

	return n >= p && !memcmp(s + n - p, suffix, p);
}

static bool all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return n > 0;
}

/* The container id of one path segment, or NULL: "<runtime>-<id>.scope" of
 * the systemd driver, or a bare id as the cgroupfs driver names it (and as
 * /docker/<id> and /libpod_parent/libpod-<id> do). */
static const char *segment_container(const char *seg, size_t n, size_t *idlen)
{
	static const char *const prefixes[] = { "docker-", "cri-containerd-", "crio-", "libpod-" };

	if (has_suffix(seg, n, ".scope")) {
		n -= strlen(".scope");
		for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++) {
			size_t p = strlen(prefixes[i]);

			/* libpod-conmon-<id> is podman's monitor, not the container. */
			if (has_prefix(seg, n, prefixes[i]) && all_hex(seg + p, n - p)) {
				*idlen = n - p;
				return seg + p;
			}
		}
		return NULL;
	}
	if (has_prefix(seg, n, "libpod-") && all_hex(seg + 7, n - 7)) {
		*idlen = n - 7;
		return seg + 7;
	}
	/* Runtimes write 64 hex digits; shorter hex names are too easily
	 * something else. */
	if (n == 64 && all_hex(seg, n)) {
		*idlen = n;
		return seg;
	}
	return NULL;
}

/* "pod<uid>" (cgroupfs) or "kubepods[-qos]-pod<uid with '_'>.slice" (systemd):
 * the uid, with dashes, into id. */
static bool segment_pod(struct workload_identity *id, size_t *used, const char *seg, size_t n)
{
	const char *p = NULL;
	char uid[64];
	size_t len;

	if (has_suffix(seg, n, ".slice")) {
		n -= strlen(".slice");
		for (size_t i = 0; i + 3 < n; i++)
			if (!memcmp(seg + i, "pod", 3) && (i == 0 || seg[i - 1] == '-'))
				p = seg + i + 3;
	} else if (has_prefix(seg, n, "pod")) {
		p = seg + 3;
	}
	if (!p)
		return false;
	len = n - (size_t)(p - seg);
	if (len == 0 || len >= sizeof(uid))
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = p[i] == '_' ? '-' : p[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == '-'))
			return false;
		uid[i] = c;
	}
	id->pod_uid = keep(id, used, uid, len);
	return true;
}

static const char *segment_qos(const char *seg, size_t n)
{
	static const char *const classes[] = { "burstable", "besteffort" };

	for (size_t i = 0; i < ARRAY_SIZE(classes); i++) {
		size_t c = strlen(classes[i]);

		if ((n == c && !memcmp(seg, classes[i], c)) ||
		    (has_prefix(seg, n, "kubepods-") && n == 9 + c + 6 &&
		     !memcmp(seg + 9, classes[i], c) && has_suffix(seg, n, ".slice")))
			return classes[i];
	}
	return NULL;
}

void workload_parse_path(const char *path, struct workload_identity *id)
{
	const char *seg = path, *qos = NULL, *unit = NULL;
	size_t used = 0, unit_len = 0;
	bool kubepods = false;

	*id = (struct workload_identity){ .kind = WORKLOAD_CGROUP };
	id->unit = id->container_id = id->pod_uid = id->qos = "";
	id->namespace_ = id->pod = id->container = "";
	while (*seg) {
		size_t n, idlen;
		const char *cid;

		while (*seg == '/')
			seg++;
		n = strcspn(seg, "/");
		if (!n)
			break;
		if ((kubepods || has_prefix(seg, n, "kubepods")) && !id->pod_uid[0] &&
		    (segment_pod(id, &used, seg, n) || segment_qos(seg, n))) {
			qos = id->pod_uid[0] ? qos : segment_qos(seg, n);
			kubepods = true;
		} else if (has_prefix(seg, n, "kubepods")) {
			kubepods = true;
		} else if ((cid = segment_container(seg, n, &idlen))) {
			id->container_id = keep(id, &used, cid, idlen);
		} else if (has_suffix(seg, n, ".service") || has_suffix(seg, n, ".scope")) {
			unit = seg;
			unit_len = n;
		}
		seg += n;
	}
	if (id->pod_uid[0]) {
		id->kind = WORKLOAD_POD;
		/* A pod without a QoS segment is guaranteed (the kubelet's layout). */
		id->qos = qos ? qos : "guaranteed";
	} else if (id->container_id[0]) {
		id->kind = WORKLOAD_CONTAINER;
	} else if (unit) {
		id->kind = WORKLOAD_UNIT;
		id->unit = keep(id, &used, unit, unit_len);
	}
}

/* ------------------------------------------------------------------------ */
/* Pod and container names from the kubelet's log directories               */

struct pod_entry {
	char *key;      /* pod uid or container id */
	char *a, *b;    /* namespace and pod, or container name */
};

struct pod_names {
	struct pod_entry *pods, *containers;
	size_t npods, ncontainers;
};

struct pod_names *pod_names_new(void)
{
	return calloc(1, sizeof(struct pod_names));
}

static void entries_free(struct pod_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(e[i].key);
		free(e[i].a);
		free(e[i].b);
	}
	free(e);
}

void pod_names_free(struct pod_names *n)
{
	if (!n)
		return;
	entries_free(n->pods, n->npods);
	entries_free(n->containers, n->ncontainers);
	free(n);
}

static int entry_add(struct pod_entry **e, size_t *n, const char *key, size_t klen,
		     const char *a, size_t alen, const char *b, size_t blen)
{
	struct pod_entry *grown = realloc(*e, (*n + 1) * sizeof(**e));
	struct pod_entry x;

	if (!grown)
		return -ENOMEM;
	*e = grown;
	x = (struct pod_entry){ strndup(key, klen), strndup(a, alen), b ? strndup(b, blen) : NULL };
	if (!x.key || !x.a || (b && !x.b)) {
		free(x.key);
		free(x.a);
		free(x.b);
		return -ENOMEM;
	}
	(*e)[(*n)++] = x;
	return 0;
}

/* "<namespace>_<pod>_<uid>": Kubernetes names cannot hold '_', so the two
 * underscores are the separators. */
static int add_pod_dir(struct pod_names *n, const char *name)
{
	const char *u1 = strchr(name, '_'), *u2 = u1 ? strchr(u1 + 1, '_') : NULL;

	if (!u2 || strchr(u2 + 1, '_') || u1 == name || u2 == u1 + 1 || !u2[1])
		return 0;
	return entry_add(&n->pods, &n->npods, u2 + 1, strlen(u2 + 1), name,
			 (size_t)(u1 - name), u1 + 1, (size_t)(u2 - u1 - 1));
}

/* "<pod>_<namespace>_<container>-<id>.log" */
static int add_container_log(struct pod_names *n, const char *name)
{
	size_t len = strlen(name);
	const char *u1 = strchr(name, '_'), *u2 = u1 ? strchr(u1 + 1, '_') : NULL, *dash;

	if (!u2 || !has_suffix(name, len, ".log"))
		return 0;
	len -= 4;
	dash = memrchr(u2 + 1, '-', len - (size_t)(u2 + 1 - name));
	if (!dash || dash == u2 + 1 || !all_hex(dash + 1, len - (size_t)(dash + 1 - name)))
		return 0;
	return entry_add(&n->containers, &n->ncontainers, dash + 1,
			 len - (size_t)(dash + 1 - name), u2 + 1, (size_t)(dash - u2 - 1), NULL, 0);
}

static int scan_dir(struct pod_names *n, const char *dir, const char *sub,
		    int (*add)(struct pod_names *, const char *))
{
	char path[4096];
	struct dirent *de;
	DIR *d;
	int err = 0;

	if (path_join(path, sizeof(path), dir, sub))
		return -ENAMETOOLONG;
	d = opendir(path);
	if (!d)
		return -errno;
	while (!err && (de = readdir(d)))
		if (de->d_name[0] != '.')
			err = add(n, de->d_name);
	closedir(d);
	return err;
}

int pod_names_load(struct pod_names *n, const char *dir)
{
	int e1, e2;

	entries_free(n->pods, n->npods);
	entries_free(n->containers, n->ncontainers);
	*n = (struct pod_names){ 0 };
	e1 = scan_dir(n, dir, "pods", add_pod_dir);
	e2 = scan_dir(n, dir, "containers", add_container_log);
	if (e1 == -ENOMEM || e2 == -ENOMEM)
		return -ENOMEM;
	return e1 && e2 ? e1 : 0;
}

static const struct pod_entry *entry_find(const struct pod_entry *e, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(e[i].key, key))
			return &e[i];
	return NULL;
}

void pod_names_apply(const struct pod_names *n, struct workload_identity *id)
{
	const struct pod_entry *e;

	if (id->pod_uid[0] && (e = entry_find(n->pods, n->npods, id->pod_uid))) {
		id->namespace_ = e->a;
		id->pod = e->b;
	}
	if (id->container_id[0] && (e = entry_find(n->containers, n->ncontainers, id->container_id)))
		id->container = e->a;
}
