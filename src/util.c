/* Helpers every collector and sink leans on: whole-file reads, rooted paths,
 * strict number and duration parsing, time formatting. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "util.h"

int path_join(char *out, size_t outsz, const char *root, const char *rel)
{
	size_t nroot = root ? strlen(root) : 0, nrel = strlen(rel);
	size_t slash = nroot && root[nroot - 1] != '/' && rel[0] != '/';

	/* Every file read passes here: by hand, as snprintf() cost more than
	 * the copy. */
	if (nroot + slash + nrel >= outsz)
		return -ENAMETOOLONG;
	if (nroot)
		memcpy(out, root, nroot);
	if (slash)
		out[nroot] = '/';
	memcpy(out + nroot + slash, rel, nrel + 1);
	return 0;
}

int read_fd(int fd, unsigned int flags, struct buf *b)
{
	off_t off = 0;

	buf_reset(b);
	for (;;) {
		size_t room;
		ssize_t n;

		if (buf_reserve(b, 4096))
			return -ENOMEM;
		room = b->cap - b->len - 1;
		n = flags & READ_FROM_START ? pread(fd, b->data + b->len, room, off)
					    : read(fd, b->data + b->len, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		b->len += (size_t)n;
		off += n;
		if ((flags & READ_WHOLE_AT_ONCE) && (size_t)n < room)
			break;
	}
	buf_cstr(b);
	return 0;
}

enum kernel_fs kernel_fs_of(int fd)
{
	struct statfs st;

	if (fstatfs(fd, &st))
		return KERNEL_FS_NONE;
	if (st.f_type == PROC_SUPER_MAGIC)
		return KERNEL_FS_PROC;
	return st.f_type == SYSFS_MAGIC ? KERNEL_FS_SYS : KERNEL_FS_NONE;
}

int read_file(const char *path, struct buf *b)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int err;

	buf_reset(b);
	if (fd < 0)
		return -errno;
	err = read_fd(fd, 0, b);
	close(fd);
	return err;
}

int read_file_at(const char *root, const char *rel, struct buf *b)
{
	char path[4096];
	int err = path_join(path, sizeof(path), root, rel);

	return err ? err : read_file(path, b);
}

int parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (!*s || *s == '-' || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);

	if (*end)
		return -EINVAL;
	if (errno)
		return -errno;
	*out = v;
	return 0;
}

int parse_i64(const char *s, int64_t *out)
{
	char *end;

	if (!*s || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	long long v = strtoll(s, &end, 10);

	if (*end)
		return -EINVAL;
	if (errno)
		return -errno;
	*out = v;
	return 0;
}

int parse_double(const char *s, double *out)
{
	char *end;

	if (!*s || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	double v = strtod(s, &end);

	if (*end)
		return -EINVAL;
	if (errno)
		return -errno;
	*out = v;
	return 0;
}

int parse_duration_ms(const char *s, uint64_t *out_ms)
{
	static const struct {
		const char *unit;
		uint64_t ms;
	} units[] = {
		/* "ms" before "m" so the longer unit wins. */
		{ "ms", 1 },           { "s", 1000 },           { "m", 60000 },
		{ "h", 3600000 },      { "d", 86400000 },       { "w", 604800000 },
		{ "y", 31536000000ULL },
	};
	uint64_t total = 0;

	if (!*s)
		return -EINVAL;
	if (strcmp(s, "0") == 0) {
		*out_ms = 0;
		return 0;
	}
	while (*s) {
		uint64_t n = 0;
		size_t i, len;

		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		for (; isdigit((unsigned char)*s); s++) {
			if (n > UINT64_MAX / 10)
				return -ERANGE;
			n = n * 10 + (uint64_t)(*s - '0');
		}
		for (i = 0; i < ARRAY_SIZE(units); i++) {
			len = strlen(units[i].unit);
			if (strncmp(s, units[i].unit, len) == 0 &&
			    !(len == 1 && units[i].unit[0] == 'm' && s[1] == 's'))
				break;
		}
		if (i == ARRAY_SIZE(units))
			return -EINVAL;
		if (n && units[i].ms > UINT64_MAX / n)
			return -ERANGE;
		total += n * units[i].ms;
		s += len;
	}
	*out_ms = total;
	return 0;
}

int parse_bytes(const char *s, uint64_t *out)
{
	static const struct {
		const char *suffix;
		uint64_t mult;
	} suffixes[] = {
		{ "KiB", 1ULL << 10 }, { "MiB", 1ULL << 20 }, { "GiB", 1ULL << 30 },
		{ "KB", 1000 },        { "MB", 1000000 },      { "GB", 1000000000 },
		{ "B", 1 },            { "", 1 },
	};
	char num[32];
	size_t n = strspn(s, "0123456789");
	uint64_t v;

	if (!n || n >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, n);
	num[n] = '\0';
	if (parse_u64(num, &v))
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++) {
		if (strcmp(s + n, suffixes[i].suffix) == 0) {
			if (v > UINT64_MAX / suffixes[i].mult)
				return -ERANGE;
			*out = v * suffixes[i].mult;
			return 0;
		}
	}
	return -EINVAL;
}

int parse_bool(const char *s, int *out)
{
	if (!strcmp(s, "true") || !strcmp(s, "1") || !strcmp(s, "yes"))
		*out = 1;
	else if (!strcmp(s, "false") || !strcmp(s, "0") || !strcmp(s, "no"))
		*out = 0;
	else
		return -EINVAL;
	return 0;
}

/* glibc's regcomp() builds one copy of a repeated expression per repetition
 * it may take ("a+" becomes "aa*", "a{1,5}" five nested copies), so nested
 * repetition multiplies: "p" and 77 '+' took 2 GiB, "a{1,1000}{1,10}" 80 MiB.
 * Its parser also recurses once per group, and 30,000 nested groups overflow
 * the stack. So the copies are counted first, the way glibc makes them, and
 * a pattern past these bounds is refused. (Go's regexp, whose syntax the
 * node_exporter flags take, has limits of the same kind.) */
#define REGEX_MAX_DEPTH 100
#define REGEX_MAX_COPIES 4096   /* beyond one per character of the pattern */

struct regex_frame {
	size_t alternatives;    /* copies in the branches before the current one */
	size_t branch;          /* copies in the current branch */
	size_t last;            /* copies in the branch's last atom or group */
};

static size_t add_capped(size_t a, size_t b, size_t cap)
{
	return a >= cap || b >= cap - a ? cap : a + b;
}

static size_t mul_capped(size_t a, size_t b, size_t cap)
{
	return a && b >= cap / a ? cap : a * b;
}

static size_t digits_capped(const char **p)
{
	size_t n = 0;

	for (; isdigit((unsigned char)**p); (*p)++)
		n = add_capped(mul_capped(n, 10, SIZE_MAX), (size_t)(**p - '0'), SIZE_MAX);
	return n;
}

/* The copies glibc makes of an atom under the interval at p ("{n}", "{n,}",
 * "{n,m}"), with *end just past it; 0 when p is not an interval (a literal
 * '{' then). */
static size_t interval_copies(const char *p, const char **end)
{
	size_t n, m = 0;
	bool open = false;

	if (!isdigit((unsigned char)*++p))
		return 0;
	n = digits_capped(&p);
	if (*p == ',') {
		p++;
		open = !isdigit((unsigned char)*p);
		m = digits_capped(&p);
	}
	if (*p != '}')
		return 0;
	*end = p + 1;
	if (open)
		n = add_capped(n, 1, SIZE_MAX);
	return m > n ? m : n ? n : 1;
}

/* Just past the bracket expression opening at p, or NULL when unclosed. */
static const char *bracket_end(const char *p)
{
	p++;
	if (*p == '^')
		p++;
	if (*p == ']')
		p++;
	for (; *p && *p != ']'; p++) {
		if (*p == '[' && (p[1] == ':' || p[1] == '=' || p[1] == '.')) {
			char close[3] = { p[1], ']', 0 };
			const char *end = strstr(p + 2, close);

			if (end)
				p = end + 1;
		}
	}
	return *p ? p + 1 : NULL;
}

int regcomp_bounded(regex_t *re, const char *ere)
{
	struct regex_frame stack[REGEX_MAX_DEPTH + 1] = { 0 }, *f = stack;
	size_t cap = add_capped(strlen(ere), REGEX_MAX_COPIES, SIZE_MAX);
	const char *p = ere;

	while (*p) {
		const char *next = p + 1;
		size_t times = 0, atom = 1;     /* times: a repetition's copies */

		if (*p == '(') {
			if (++f > stack + REGEX_MAX_DEPTH)
				return -E2BIG;
			*f = (struct regex_frame){ 0 };
			atom = 0;
		} else if (*p == ')' && f > stack) {
			atom = add_capped(add_capped(f->alternatives, f->branch, cap), 1, cap);
			f--;
		} else if (*p == '|') {
			f->alternatives = add_capped(f->alternatives, f->branch, cap);
			f->branch = f->last = 0;
			atom = 0;
		} else if (*p == '*' || *p == '?') {
			atom = 0;
		} else if (*p == '+') {
			times = 2;
		} else if (*p == '{') {
			times = interval_copies(p, &next);     /* 0: a literal '{' */
		} else if (*p == '[') {
			next = bracket_end(p);
			if (!next)
				break;         /* glibc's error to give */
		} else if (*p == '\\' && p[1]) {
			next = p + 2;
		}
		if (times) {
			/* The atom's first copy is counted already. */
			f->branch = add_capped(f->branch, mul_capped(f->last, times - 1, cap), cap);
			f->last = mul_capped(f->last, times, cap);
		} else if (atom) {
			f->last = atom;
			f->branch = add_capped(f->branch, atom, cap);
		}
		if (add_capped(f->alternatives, f->branch, cap) >= cap)
			return -E2BIG;
		p = next;
	}
	return regcomp(re, ere, REG_EXTENDED | REG_NOSUB) ? -EINVAL : 0;
}

size_t split_fields(char *line, char **fields, size_t max)
{
	size_t n = 0;
	char *p = line;

	while (n < max) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '\n')
			break;
		fields[n++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n')
			p++;
		if (!*p)
			break;
		*p++ = '\0';
	}
	return n;
}

char *next_line(char **cursor)
{
	char *line = *cursor, *nl;

	if (!line || !*line)
		return NULL;
	nl = strchr(line, '\n');
	if (nl) {
		*nl = '\0';
		*cursor = nl + 1;
	} else {
		*cursor = line + strlen(line);
	}
	return line;
}

double timespec_seconds(const struct timespec *ts)
{
	return (double)ts->tv_sec + (double)ts->tv_nsec / 1e9;
}

double now_realtime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return timespec_seconds(&ts);
}

double now_monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return timespec_seconds(&ts);
}

uint64_t now_monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

void format_rfc3339_ms(double unix_seconds, char *out, size_t outsz)
{
	time_t sec = (time_t)floor(unix_seconds);
	int ms = (int)((unix_seconds - (double)sec) * 1000.0);
	struct tm tm;

	if (ms > 999)
		ms = 999;
	gmtime_r(&sec, &tm);
	snprintf(out, outsz, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

/* Undoes the kernel's mangling (fs/proc_namespace.c: space, tab, newline and
 * backslash as \ooo) in place. Anything that is not a valid escape of a
 * non-NUL byte is kept as it is. */
void mountinfo_unescape(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			int c = (s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0');

			if (c) {
				*w++ = (char)c;
				s += 3;
				continue;
			}
		}
		*w++ = *s;
	}
	*w = '\0';
}

int array_reserve(void **arr, size_t *cap, size_t n, size_t elem, size_t first)
{
	size_t ncap;
	void *grown;

	if (n < *cap)
		return 0;
	ncap = *cap ? 2 * *cap : first;
	grown = realloc(*arr, ncap * elem);
	if (!grown)
		return -ENOMEM;
	*arr = grown;
	*cap = ncap;
	return 0;
}

void *array_insert(void **arr, size_t *cap, size_t *n, size_t elem, size_t first, size_t at)
{
	char *slot;

	if (array_reserve(arr, cap, *n, elem, first))
		return NULL;
	slot = (char *)*arr + at * elem;
	memmove(slot + elem, slot, (*n - at) * elem);
	(*n)++;
	return slot;
}

size_t sorted_u64_lower_bound(const void *arr, size_t n, size_t elem, uint64_t key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint64_t k;

		memcpy(&k, (const char *)arr + mid * elem, sizeof(k));
		if (k < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}
