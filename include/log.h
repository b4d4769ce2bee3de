/* Structured logging: one JSON object (or logfmt line) per record, on stderr and
 * optionally in a file a log shipper reads.
 *
 * Every record has ts, level, msg and component, then string fields. The message
 * is a printf format, checked by the compiler; fields come as one LOG_KV() list
 * (or NULL), whose array type rejects a value that is not a string. The _errno
 * forms take a -errno, as our functions return it, and add an "err" field with
 * its text, the way ntpd's log_warn differs from log_warnx:
 *
 *   log_warn_errno(COMPONENT, err, LOG_KV("path", dir), "cannot list JSONL directory");
 *   log_infof("main", NULL, "stopped");
 *
 * Keep the message constant where the record repeats, and put what varies in
 * fields, so the messages can be grepped and counted.
 */
#ifndef IM_LOG_H
#define IM_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };
enum log_format { LOG_FORMAT_JSON, LOG_FORMAT_LOGFMT };

/* Indexed by the enums, NULL-terminated: the flag parser's choices. */
extern const char *const log_level_names[];
extern const char *const log_format_names[];

void log_setup(enum log_level level, enum log_format format);
/* Opens (or, on SIGHUP, reopens) the log file; NULL closes it. 0 or -errno. */
int log_open_file(const char *path);
int log_reopen(void);
void log_close(void);
int log_enabled(enum log_level level);

/* Key/value string pairs for one record: LOG_KV("path", p, "step", "fsync"). */
#define LOG_KV(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* One record. err: a -errno (its sign is ignored) adds "err"; 0 adds nothing.
 * kv: a LOG_KV() list or NULL. */
void log_write(enum log_level level, const char *component, int err, const char *const *kv,
	       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#define log_debugf(comp, kv, ...) log_write(LOG_DEBUG, comp, 0, kv, __VA_ARGS__)
#define log_infof(comp, kv, ...)  log_write(LOG_INFO, comp, 0, kv, __VA_ARGS__)
#define log_warnf(comp, kv, ...)  log_write(LOG_WARN, comp, 0, kv, __VA_ARGS__)
#define log_errorf(comp, kv, ...) log_write(LOG_ERROR, comp, 0, kv, __VA_ARGS__)

#define log_debug_errno(comp, err, kv, ...) log_write(LOG_DEBUG, comp, err, kv, __VA_ARGS__)
#define log_info_errno(comp, err, kv, ...)  log_write(LOG_INFO, comp, err, kv, __VA_ARGS__)
#define log_warn_errno(comp, err, kv, ...)  log_write(LOG_WARN, comp, err, kv, __VA_ARGS__)
#define log_error_errno(comp, err, kv, ...) log_write(LOG_ERROR, comp, err, kv, __VA_ARGS__)

#endif
