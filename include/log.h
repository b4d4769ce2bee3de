/* Structured logging: one JSON object (or logfmt line) per record, on stderr and
 * optionally in a file a log shipper reads. Fields after the message are
 * key/value string pairs (the macros close the list):
 *   log_warn("collector", "collector failed", "collector", "cpu", "err", strerror(e));
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

void log_emit(enum log_level level, const char *component, const char *msg, ...)
	__attribute__((sentinel));

#define log_debug(comp, msg, ...) log_emit(LOG_DEBUG, comp, msg, ##__VA_ARGS__, NULL)
#define log_info(comp, msg, ...)  log_emit(LOG_INFO, comp, msg, ##__VA_ARGS__, NULL)
#define log_warn(comp, msg, ...)  log_emit(LOG_WARN, comp, msg, ##__VA_ARGS__, NULL)
#define log_error(comp, msg, ...) log_emit(LOG_ERROR, comp, msg, ##__VA_ARGS__, NULL)

#endif
