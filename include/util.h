/* Small helpers shared by collectors and sinks: reading whole /proc files,
 * joining paths under a configurable root, parsing numbers and durations. */
#ifndef IM_UTIL_H
#define IM_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <regex.h>
#include <time.h>

#include "buf.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Reads all of root/rel (root may be NULL) into b, replacing its content and
 * NUL-terminating it. 0 or -errno (-ENOENT for a missing file). /proc files
 * report size 0, so this reads until EOF rather than trusting st_size. */
int read_file_at(const char *root, const char *rel, struct buf *b);
int read_file(const char *path, struct buf *b);
/* read_fd() flags. READ_FROM_START reads all of the file from offset 0 by
 * pread(): a procfs or sysfs file formats its content afresh for a read at
 * offset 0, so a descriptor kept open reads the current values each time.
 * READ_WHOLE_AT_ONCE is for a file that hands over all it has to one read
 * with room for it, a sysfs attribute (one show() into one page) or a sysctl
 * (one handler call): a short read is then its end, and the read that would
 * return 0 to say so is saved. A procfs seq_file does not qualify: it stops
 * a read where its buffer fills (a page, at first), short of the caller's
 * room, and goes on at the next. */
#define READ_FROM_START 1u
#define READ_WHOLE_AT_ONCE 2u
/* Reads the rest of an open descriptor into b, as read_file() does, or as
 * flags (READ_*) say. */
int read_fd(int fd, unsigned int flags, struct buf *b);
/* Which of procfs and sysfs fd is a file of, if either: the kernel makes
 * its content at each read, and a file there is never replaced under a kept
 * descriptor. KERNEL_FS_NONE is 0. */
enum kernel_fs { KERNEL_FS_NONE, KERNEL_FS_PROC, KERNEL_FS_SYS };
enum kernel_fs kernel_fs_of(int fd);

/* root "/" + rel into out, checking truncation: 0 or -ENAMETOOLONG. */
int path_join(char *out, size_t outsz, const char *root, const char *rel);

/* Strict number parsing: the whole string must be consumed. 0 or -EINVAL/-ERANGE. */
int parse_u64(const char *s, uint64_t *out);
int parse_i64(const char *s, int64_t *out);
int parse_double(const char *s, double *out);
/* Prometheus durations: 1y 1w 1d 1h 1m 1s 1ms and combinations such as 1m30s. */
int parse_duration_ms(const char *s, uint64_t *out_ms);
/* Sizes: a byte count, or with a suffix KiB MiB GiB (and KB MB GB, powers of 1000). */
int parse_bytes(const char *s, uint64_t *out);
int parse_bool(const char *s, int *out);

/* regcomp(re, ere, REG_EXTENDED | REG_NOSUB) for a pattern from the user,
 * refusing first (-E2BIG) what glibc cannot compile in bounded memory and
 * stack: repetition nested so deep it multiplies, or groups nested past 100.
 * 0, -E2BIG or -EINVAL. */
int regcomp_bounded(regex_t *re, const char *ere);

/* Splits line in place at runs of blanks; returns the number of fields stored
 * (at most max). */
size_t split_fields(char *line, char **fields, size_t max);

/* Next line of a NUL-terminated text in place: returns the line (its '\n'
 * replaced by NUL) and advances *cursor, or NULL at the end. */
char *next_line(char **cursor);
/* Makes room for one more element in a growing array: doubles *cap (from
 * first) when *n has reached it. 0 or -ENOMEM (the array is unchanged). */
int array_reserve(void **arr, size_t *cap, size_t n, size_t elem, size_t first);
/* Inserts a slot at index at (<= *n) of a growing array (array_reserve()):
 * the elements from at on move up one, *n grows. Returns the slot, for the
 * caller to fill, or NULL when out of memory (the array is unchanged). */
void *array_insert(void **arr, size_t *cap, size_t *n, size_t elem, size_t first, size_t at);
/* In an array sorted by a uint64_t key at offset 0 of each element, the index
 * of the first element whose key is not below key. */
size_t sorted_u64_lower_bound(const void *arr, size_t n, size_t elem, uint64_t key);
/* Undoes mountinfo's octal escapes (space, tab, newline, backslash) in place. */
void mountinfo_unescape(char *s);

double timespec_seconds(const struct timespec *ts);
double now_realtime(void);
double now_monotonic(void);
/* For durations: a difference of two now_monotonic() values carries both
 * values' rounding (1e-11 s at a day of uptime), printed as 17 noisy digits. */
uint64_t now_monotonic_ns(void);
/* RFC 3339 UTC with milliseconds: 2026-11-26T05:20:14.123Z. out >= 32 bytes. */
void format_rfc3339_ms(double unix_seconds, char *out, size_t outsz);

#endif
