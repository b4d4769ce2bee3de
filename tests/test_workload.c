/* Workloads: identities from cgroup paths, names from a kubelet log layout,
 * id -> path by walking a tree, and the cap with its exact "other". */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "collect_assert.h"
#include "render.h"
#include "snapshot.h"
#include "util.h"
#include "workload.h"

#define CID "3f2a9c1b7e4d5a6f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7"
#define UID "8b0a4cb4-4d4e-4b1a-9a63-0e1c5b1b7c1a"
#define UID_ "8b0a4cb4_4d4e_4b1a_9a63_0e1c5b1b7c1a"

static void test_identity_paths(void **state)
{
	static const struct {
		const char *path;
		enum workload_kind kind;
		const char *unit, *container_id, *pod_uid, *qos;
	} cases[] = {
		{ "/system.slice/nginx.service", WORKLOAD_UNIT, "nginx.service", "", "", "" },
		{ "/user.slice/user-1000.slice/session-3.scope", WORKLOAD_UNIT, "session-3.scope", "", "", "" },
		{ "/system.slice/docker-" CID ".scope", WORKLOAD_CONTAINER, "", CID, "", "" },
		{ "/docker/" CID, WORKLOAD_CONTAINER, "", CID, "", "" },
		{ "/system.slice/containerd.service/cri-containerd-" CID ".scope", WORKLOAD_CONTAINER, "", CID, "", "" },
		{ "/machine.slice/libpod-" CID ".scope", WORKLOAD_CONTAINER, "", CID, "", "" },
		{ "/machine.slice/libpod-conmon-" CID ".scope", WORKLOAD_UNIT, "libpod-conmon-" CID ".scope", "", "", "" },
		{ "/libpod_parent/libpod-" CID, WORKLOAD_CONTAINER, "", CID, "", "" },
		{ "/system.slice/crio-" CID ".scope", WORKLOAD_CONTAINER, "", CID, "", "" },
		{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice/cri-containerd-" CID ".scope",
		  WORKLOAD_POD, "", CID, UID, "burstable" },
		{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_ ".slice/crio-" CID ".scope",
		  WORKLOAD_POD, "", CID, UID, "besteffort" },
		{ "/kubepods.slice/kubepods-pod" UID_ ".slice/docker-" CID ".scope", WORKLOAD_POD, "", CID, UID, "guaranteed" },
		{ "/kubepods/burstable/pod" UID "/" CID, WORKLOAD_POD, "", CID, UID, "burstable" },
		{ "/kubepods/pod" UID "/" CID, WORKLOAD_POD, "", CID, UID, "guaranteed" },
		{ "/kubepods/besteffort/pod" UID, WORKLOAD_POD, "", "", UID, "besteffort" },
		{ "/", WORKLOAD_CGROUP, "", "", "", "" },
		{ "/init.scope/../x", WORKLOAD_UNIT, "init.scope", "", "", "" },
		{ "/my-group/deadbeef", WORKLOAD_CGROUP, "", "", "", "" },
		{ "/system.slice", WORKLOAD_CGROUP, "", "", "", "" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct workload_identity id;

		workload_parse_path(cases[i].path, &id);
		if (id.kind != cases[i].kind || strcmp(id.unit, cases[i].unit) ||
		    strcmp(id.container_id, cases[i].container_id) ||
		    strcmp(id.pod_uid, cases[i].pod_uid) || strcmp(id.qos, cases[i].qos))
			fail_msg("%s: got kind %s unit '%s' container '%s' pod '%s' qos '%s'",
				 cases[i].path, workload_kind_name(id.kind), id.unit, id.container_id,
				 id.pod_uid, id.qos);
	}
}

/* Paths longer than the identity's buffer and full of odd bytes never crash
 * and never produce a torn string. */
static void test_identity_hostile(void **state)
{
	char path[8192];
	struct workload_identity id;

	for (size_t i = 0; i < sizeof(path) - 1; i++)
		path[i] = i % 70 == 0 ? '/' : "ab\"\\\n\xc3\xa9-_."[i % 10];
	path[sizeof(path) - 1] = '\0';
	workload_parse_path(path, &id);
	assert_int_equal(id.kind, WORKLOAD_CGROUP);
	snprintf(path, sizeof(path), "/kubepods/pod%0500d/%s", 1, CID);
	workload_parse_path(path, &id);
	assert_int_equal(id.kind, WORKLOAD_CONTAINER);
}

static void touch(const char *dir, const char *rel)
{
	char p[4096];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	fd = open(p, O_CREAT | O_WRONLY, 0644);
	assert_true(fd >= 0);
	close(fd);
}

static void mkdirf(const char *dir, const char *rel)
{
	char p[4096];

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

static void test_pod_names(void **state)
{
	char dir[] = "/tmp/im-podlogs-XXXXXX";
	char cmd[4200];
	struct pod_names *n = pod_names_new();
	struct workload_identity id;

	assert_non_null(mkdtemp(dir));
	mkdirf(dir, "pods");
	mkdirf(dir, "containers");
	mkdirf(dir, "pods/shop_web-7d9f8-x2k4q_" UID);
	mkdirf(dir, "pods/broken-name");
	touch(dir, "containers/web-7d9f8-x2k4q_shop_nginx-" CID ".log");
	touch(dir, "containers/not-a-log.txt");
	touch(dir, "containers/a_b_c-nothex.log");
	assert_int_equal(pod_names_load(n, dir), 0);
	workload_parse_path("/kubepods/burstable/pod" UID "/" CID, &id);
	pod_names_apply(n, &id);
	assert_string_equal(id.namespace_, "shop");
	assert_string_equal(id.pod, "web-7d9f8-x2k4q");
	assert_string_equal(id.container, "nginx");
	/* A pod the logs do not know keeps empty names. */
	workload_parse_path("/kubepods/podffff/" CID, &id);
	assert_string_equal(id.namespace_, "");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(pod_names_load(n, dir), -ENOENT);
	pod_names_free(n);
}

static uint64_t ino(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_ino;
}

static void test_cgroup_paths(void **state)
{
	char dir[] = "/tmp/im-cgroup-XXXXXX", p[4200];
	struct cgroup_paths *c;
	uint64_t a, b;
	size_t walks;

	assert_non_null(mkdtemp(dir));
	mkdirf(dir, "system.slice");
	mkdirf(dir, "system.slice/a.service");
	snprintf(p, sizeof(p), "%s/system.slice/a.service", dir);
	a = ino(p);
	c = cgroup_paths_new(dir, 1.0, 5.0);
	assert_non_null(c);
	assert_string_equal(cgroup_paths_lookup(c, a, 100.0), "/system.slice/a.service");
	assert_string_equal(cgroup_paths_lookup(c, ino(dir), 100.0), "/");

	/* A cgroup made after the walk is found by the next one, but no walk
	 * happens sooner than rescan_min_s after the last. */
	mkdirf(dir, "b");
	snprintf(p, sizeof(p), "%s/b", dir);
	b = ino(p);
	assert_null(cgroup_paths_lookup(c, b, 100.5));
	assert_string_equal(cgroup_paths_lookup(c, b, 101.5), "/b");

	/* Gone from the tree: named through the grace period, then forgotten. */
	assert_int_equal(rmdir(p), 0);
	assert_int_equal(cgroup_paths_rescan(c, 103.0), 0);
	assert_string_equal(cgroup_paths_lookup(c, b, 103.0), "/b");
	assert_int_equal(cgroup_paths_rescan(c, 107.0), 0);
	assert_null(cgroup_paths_lookup(c, b, 107.0));

	/* Named by the kernel as it was made: known at once, no walk needed
	 * (rescan_min_s has not passed), and gone once a walk past the grace
	 * period has not found it, as a walk's find is. */
	assert_int_equal(cgroup_paths_learn(c, 777, "/short/lived", 107.2), 0);
	assert_string_equal(cgroup_paths_lookup(c, 777, 107.3), "/short/lived");
	assert_int_equal(cgroup_paths_rescan(c, 110.0), 0);
	assert_string_equal(cgroup_paths_lookup(c, 777, 110.0), "/short/lived");
	assert_int_equal(cgroup_paths_rescan(c, 112.5), 0);
	assert_null(cgroup_paths_lookup(c, 777, 112.5));
	/* Removed, as the kernel says: named for the grace period, then
	 * forgotten without a walk. */
	walks = cgroup_paths_walks(c);
	assert_int_equal(cgroup_paths_learn(c, 778, "/brief", 112.6), 0);
	cgroup_paths_removed(c, 778, 112.7);
	cgroup_paths_expire(c, 114.0);
	assert_string_equal(cgroup_paths_lookup(c, 778, 114.0), "/brief");
	assert_false(cgroup_paths_gone(c, 778, 114.0));
	assert_true(cgroup_paths_gone(c, 778, 117.8));
	assert_false(cgroup_paths_gone(c, a, 117.8));
	cgroup_paths_expire(c, 117.8);
	assert_false(cgroup_paths_gone(c, 778, 117.8));
	assert_int_equal(cgroup_paths_walks(c), walks);
	assert_null(cgroup_paths_lookup(c, 778, 117.8));
	/* The same id renamed by a later report keeps the newer path. */
	assert_int_equal(cgroup_paths_learn(c, a, "/system.slice/b.service", 118.0), 0);
	assert_string_equal(cgroup_paths_lookup(c, a, 118.0), "/system.slice/b.service");

	/* A plain directory is not a cgroup2 mount (as one left by umount),
	 * nor the top of a hierarchy, whose id is 1. */
	assert_int_equal(cgroup_paths_check(c), -ENOTDIR);
	assert_false(cgroup_paths_at_top(c));

	/* The tree vanishes: an error, not a crash; what was known stays. */
	snprintf(p, sizeof(p), "rm -rf '%s'", dir);
	assert_int_equal(system(p), 0);
	assert_int_equal(cgroup_paths_rescan(c, 120.0), -ENOENT);
	assert_int_equal(cgroup_paths_check(c), -ENOENT);
	cgroup_paths_free(c);
}

/* ------------------------------------------------------------------------ */
/* Hostile cgroup names, from the tree to every rendering                   */

/* The text formats' label value escaping, written out independently of
 * render_prom.c: backslash, double quote and newline, nothing else. */
static void escape_ref(const char *v, char *out, size_t outsz)
{
	size_t n = 0;

	for (; *v && n + 3 < outsz; v++) {
		if (*v == '\\' || *v == '"' || *v == '\n')
			out[n++] = '\\';
		out[n++] = *v == '\n' ? 'n' : *v;
	}
	out[n] = '\0';
}

/* Whether any string in j (object values and keys, array items) equals s. */
static bool json_has_string(json_t *j, const char *s)
{
	const char *key;
	json_t *v;
	size_t i;

	if (json_is_string(j))
		return !strcmp(json_string_value(j), s);
	if (json_is_array(j))
		json_array_foreach(j, i, v)
			if (json_has_string(v, s))
				return true;
	if (json_is_object(j))
		json_object_foreach(j, key, v)
			if (!strcmp(key, s) || json_has_string(v, s))
				return true;
	return false;
}

/* Every line of a text exposition is a comment or a sample: a raw newline
 * from a label value would start a line with anything else. */
static void assert_text_lines(const struct buf *b)
{
	for (size_t at = 0; at < b->len;) {
		const char *line = b->data + at, *nl = memchr(line, '\n', b->len - at);
		char c = line[0];

		if (!(c == '#' || c == '_' || c == ':' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
			fail_msg("torn line at %zu: %.60s", at, line);
		at = nl ? (size_t)(nl - b->data) + 1 : b->len;
	}
}

/* Cgroup names may hold any byte but '/' and NUL. Made as real directories,
 * named by the resolver's walk (ids are inode numbers, as on a cgroup2
 * mount), exported as the cgroup label of a snapshot and rendered: each
 * text format escapes them so they read back whole, JSON decodes to the
 * same bytes. The last is a 4 KiB path of 16 levels. */
static void test_hostile_names_rendered(void **state)
{
	static const char *const names[] = { "q\"uote\"", "back\\slash\\", "new\nline\n",
					     "caf\xc3\xa9-\xe2\x9c\x93-\xf0\x9f\x90\xb3",
					     "docker-\"};\\n.scope" };
	enum { NNAMES = sizeof(names) / sizeof(names[0]), LEVELS = 16, LEVEL_LEN = 250 };
	char dir[] = "/tmp/im-hostile-XXXXXX", p[8500], want[4200], esc[8400];
	uint64_t ids[NNAMES + 1];
	struct cgroup_paths *c;
	struct metric_set *ms = ms_new();
	struct snapshot *snap = snapshot_new();
	struct family *info, *rq;
	json_error_t jerr;
	json_t *j;
	int fd;

	assert_non_null(mkdtemp(dir));
	assert_non_null(ms);
	assert_non_null(snap);
	for (size_t i = 0; i < NNAMES; i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		assert_int_equal(mkdir(p, 0755), 0);
		ids[i] = ino(p);
	}
	/* Level by level with mkdirat(): no single syscall sees the whole path. */
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	for (int l = 0; l < LEVELS; l++) {
		/* Whole characters only: an invalid UTF-8 name is another case. */
		static const char *const units[] = { "a", "\"", "\\", "\xc3\xa9", "b" };
		char level[LEVEL_LEN + 1];
		size_t len = 0;
		int sub;

		while (len < LEVEL_LEN - 1) {
			const char *u = units[(len + (size_t)l) % 5];

			memcpy(level + len, u, strlen(u));
			len += strlen(u);
		}
		level[len] = '\0';
		assert_int_equal(mkdirat(fd, level, 0755), 0);
		sub = openat(fd, level, O_RDONLY | O_DIRECTORY);
		assert_true(sub >= 0);
		close(fd);
		fd = sub;
	}
	{
		struct stat st;

		assert_int_equal(fstat(fd, &st), 0);
		ids[NNAMES] = st.st_ino;
		close(fd);
	}

	c = cgroup_paths_new(dir, 1.0, 5.0);
	assert_non_null(c);
	assert_int_equal(cgroup_paths_rescan(c, 10.0), 0);
	info = ms_family(ms, "infra_monitor_cgroup_info", METRIC_GAUGE, "Names.");
	rq = ms_family(ms, "infra_monitor_cgroup_runqueue_latency_seconds_count", METRIC_COUNTER, "");
	for (size_t i = 0; i <= NNAMES; i++) {
		const char *path = cgroup_paths_lookup(c, ids[i], 10.0);
		struct workload_identity id;

		assert_non_null(path);
		if (i < NNAMES) {
			snprintf(want, sizeof(want), "/%s", names[i]);
			assert_string_equal(path, want);
		} else {
			assert_in_range(strlen(path), 4000, 4095);
		}
		workload_parse_path(path, &id);
		ms_add(ms, info, 1, "cgroup", path, "kind", workload_kind_name(id.kind), "unit",
		       id.unit, "container_id", id.container_id, NULL);
		ms_add(ms, rq, (double)(i + 1), "cgroup", path, NULL);
	}
	assert_int_equal(ms_error(ms), 0);
	assert_int_equal(snapshot_add_set(snap, ms), 0);
	assert_int_equal(snapshot_render(snap, NULL), 0);

	for (int f = EXPO_TEXT; f <= EXPO_OPENMETRICS; f++) {
		const struct buf *b;

		assert_int_equal(snapshot_expo(snap, (enum expo_format)f, &b, NULL), 0);
		assert_text_lines(b);
		for (size_t i = 0; i <= NNAMES; i++) {
			const char *path = cgroup_paths_lookup(c, ids[i], 10.0);

			escape_ref(path, esc, sizeof(esc));
			snprintf(p, sizeof(p), "cgroup=\"%s\"", esc);
			if (!memmem(b->data, b->len, p, strlen(p)))
				fail_msg("format %d: no %.80s", f, p);
		}
	}
	j = json_loadb(snap->jsonl.data, snap->jsonl.len, 0, &jerr);
	if (!j)
		fail_msg("JSONL line: %s at %d", jerr.text, jerr.position);
	for (size_t i = 0; i <= NNAMES; i++)
		if (!json_has_string(j, cgroup_paths_lookup(c, ids[i], 10.0)))
			fail_msg("JSONL: cgroup %zu not decoded whole", i);
	json_decref(j);

	snapshot_put(snap);
	cgroup_paths_free(c);
	snprintf(p, sizeof(p), "rm -rf '%s'", dir);
	assert_int_equal(system(p), 0);
}

static void test_cgroup2_mount(void **state)
{
	struct fixture_paths fp;
	struct collect_ctx ctx = fixture_ctx(&fp, "default");
	char out[256];

	assert_int_equal(cgroup2_mount(ctx.procfs, out, sizeof(out)), 0);
	assert_string_equal(out, "/sys/fs/cgroup");
	ctx = fixture_ctx(&fp, "does-not-exist");
	assert_int_equal(cgroup2_mount(ctx.procfs, out, sizeof(out)), -ENOENT);
}

/* The cap's rules, checked at every export of a random run: per key the
 * exported rows plus other equal the total, exported values and other only
 * grow, at most max_series ids are exported. */
struct sim {
	uint64_t sum[2][3];      /* per key: emitted total of the export */
	uint64_t last[64][2][3]; /* last exported values per id (ids < 64) */
	uint64_t other[2][3];
	size_t exported_ids;
	uint64_t seen_ids;
};

static void sim_emit(void *arg, uint64_t id, uint32_t key, const uint64_t *vals)
{
	struct sim *s = arg;

	for (int k = 0; k < 3; k++) {
		s->sum[key][k] += vals[k];
		if (!id) {
			assert_true(vals[k] >= s->other[key][k]);
			s->other[key][k] = vals[k];
		}
	}
	if (id && !(s->seen_ids & (1ull << id))) {
		s->seen_ids |= 1ull << id;
		s->exported_ids++;
	}
}

static void test_cap_is_exact(void **state)
{
	const struct workload_policy pol = { .max_series = 5, .window_s = 30, .hold_s = 20 };
	struct workload_selector *sel = workload_selector_new(&pol);
	struct workload_ledger *led = workload_ledger_new(3, 1);
	uint64_t cur[64][2][3] = { { { 0 } } }, total[2][3] = { { 0 } };
	bool dead[64] = { false };

	srand(7);
	for (int t = 1; t <= 400; t++) {
		struct sim s = { 0 };

		for (int id = 1; id < 64; id++) {
			uint64_t ev;

			if (dead[id])
				continue;
			/* A few busy ids, many quiet ones, a wave that moves. */
			ev = (uint64_t)(rand() % (id < 4 ? 50 : 3)) + (id == (t / 40) + 4 ? 80 : 0);
			for (int key = 0; key < 2; key++) {
				uint64_t d = ev * (uint64_t)(key + 1);

				cur[id][key][0] += d;
				cur[id][key][1] += d / 2;
				cur[id][key][2] += d * 1000;
				for (int k = 0; k < 3; k++)
					total[key][k] += k == 0 ? d : k == 1 ? d / 2 : d * 1000;
				uint64_t events;

				assert_int_equal(workload_ledger_update(led, (uint64_t)id, (uint32_t)key,
									cur[id][key], &events), 0);
				assert_int_equal(events, d);
			}
			workload_selector_note(sel, (uint64_t)id, ev);
			/* Now and then a workload dies: its rows go. */
			if (id > 10 && rand() % 500 == 0) {
				dead[id] = true;
				workload_ledger_drop(led, (uint64_t)id);
				workload_selector_forget(sel, (uint64_t)id);
			}
		}
		workload_selector_decide(sel, t * 15.0);
		assert_true(workload_selector_exported(sel) <= pol.max_series);
		memset(&s, 0, sizeof(s));
		workload_ledger_export(led, sel, sim_emit, &s);
		for (int key = 0; key < 2; key++)
			for (int k = 0; k < 3; k++)
				if (s.sum[key][k] != total[key][k])
					fail_msg("t=%d key %d counter %d: exported+other %lu != total %lu", t,
						 key, k, (unsigned long)s.sum[key][k],
						 (unsigned long)total[key][k]);
		assert_true(s.exported_ids <= pol.max_series);
	}
	workload_ledger_free(led);
	workload_selector_free(sel);
}

/* A workload promoted out of other starts at zero, its earlier events stay
 * in other; a new one keeps its first burst; demoted by idleness after hold_s. */
static void capture(void *arg, uint64_t id, uint32_t key, const uint64_t *vals)
{
	uint64_t *out = arg;

	out[id] = vals[0];
}

static void test_cap_promotion(void **state)
{
	const struct workload_policy pol = { .max_series = 1, .window_s = 10, .hold_s = 30 };
	struct workload_selector *sel = workload_selector_new(&pol);
	struct workload_ledger *led = workload_ledger_new(1, 1);
	uint64_t v1 = 0, v2 = 0, out[3], ev;

	/* Interval 1: id 1 new and busy, promoted at once: a new workload's
	 * first burst is its own (other never showed it). */
	v1 = 100;
	workload_ledger_update(led, 1, 0, &v1, &ev);
	workload_selector_note(sel, 1, 100);
	workload_selector_decide(sel, 15);
	memset(out, 0xff, sizeof(out));
	workload_ledger_export(led, sel, capture, out);
	assert_int_equal(out[1], 100);
	assert_int_equal(out[0], 0);

	/* Interval 2: 10 more for id 1; id 2 does 5, under other (one place). */
	v1 = 110;
	v2 = 5;
	workload_ledger_update(led, 1, 0, &v1, &ev);
	workload_ledger_update(led, 2, 0, &v2, &ev);
	workload_selector_note(sel, 1, 10);
	workload_selector_note(sel, 2, 5);
	workload_selector_decide(sel, 30);
	workload_ledger_export(led, sel, capture, out);
	assert_int_equal(out[1], 110);
	assert_int_equal(out[0], 5);

	/* id 1 goes quiet, id 2 gets far busier: swapped; id 1's 110 move into
	 * other, id 2 starts at zero (other already showed its first 5). */
	v2 = 1005;
	workload_ledger_update(led, 1, 0, &v1, &ev);
	workload_ledger_update(led, 2, 0, &v2, &ev);
	workload_selector_note(sel, 2, 1000);
	workload_selector_decide(sel, 45);
	workload_ledger_export(led, sel, capture, out);
	assert_int_equal(workload_selector_epoch(sel, 1), 0);
	assert_int_equal(out[2], 0);
	assert_int_equal(out[0], 1115);

	/* Idle for longer than hold_s: demoted, its series gone into other. */
	workload_selector_decide(sel, 80);
	assert_int_equal(workload_selector_exported(sel), 0);
	workload_ledger_free(led);
	workload_selector_free(sel);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identity_paths),
		cmocka_unit_test(test_identity_hostile),
		cmocka_unit_test(test_pod_names),
		cmocka_unit_test(test_cgroup_paths),
		cmocka_unit_test(test_cgroup2_mount),
		cmocka_unit_test(test_hostile_names_rendered),
		cmocka_unit_test(test_cap_is_exact),
		cmocka_unit_test(test_cap_promotion),
	};
	return cmocka_run_group_tests_name("workload", tests, NULL, NULL);
}
