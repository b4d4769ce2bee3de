/* The one log module: structured records on stderr and in an optional file.
 *
 * Each record is formatted into one buffer and written with a single write()
 * per destination, so concurrent threads never interleave inside a line and a
 * shipper tailing the file never sees half a record.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "util.h"

static enum log_level min_level = LOG_INFO;
static enum log_format format = LOG_FORMAT_JSON;
static int file_fd = -1;
static char *file_path;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

const char *const log_level_names[] = { "debug", "info", "warn", "error", NULL };
const char *const log_format_names[] = { "json", "logfmt", NULL };

void log_setup(enum log_level level, enum log_format fmt)
{
	min_level = level;
	format = fmt;
}

int log_enabled(enum log_level level)
{
	return level >= min_level;
}

static int open_log(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);

	return fd < 0 ? -errno : fd;
}

int log_open_file(const char *path)
{
	int fd = -1, err = 0;
	char *copy = NULL;

	if (path) {
		copy = strdup(path);
		fd = copy ? open_log(path) : -ENOMEM;
		if (fd < 0) {
			free(copy);
			return fd;
		}
	}
	pthread_mutex_lock(&lock);
	if (file_fd >= 0)
		close(file_fd);
	free(file_path);
	file_fd = fd;
	file_path = copy;
	pthread_mutex_unlock(&lock);
	return err;
}

int log_reopen(void)
{
	int fd, err = 0;

	pthread_mutex_lock(&lock);
	if (file_path) {
		/* Open the new file before closing the old one: a failed reopen
		 * (the directory gone) keeps logging to the old file. */
		fd = open_log(file_path);
		if (fd >= 0) {
			close(file_fd);
			file_fd = fd;
		} else {
			err = fd;
		}
	}
	pthread_mutex_unlock(&lock);
	return err;
}

void log_close(void)
{
	log_open_file(NULL);
}

/* logfmt quotes a value when it holds a blank, a quote, '=' or a control byte. */
static void put_logfmt_value(struct buf *b, const char *v)
{
	if (*v && !strpbrk(v, " \"=\t\n\\")) {
		buf_puts(b, v);
		return;
	}
	buf_put_json_str(b, v);
}

static void put_field(struct buf *b, const char *key, const char *val)
{
	if (format == LOG_FORMAT_JSON) {
		buf_putc(b, ',');
		buf_put_json_str(b, key);
		buf_putc(b, ':');
		buf_put_json_str(b, val ? val : "");
	} else {
		buf_putc(b, ' ');
		buf_puts(b, key);
		buf_putc(b, '=');
		put_logfmt_value(b, val ? val : "");
	}
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/* Opens a record: everything up to and including the component field. */
static void begin_record(struct buf *b, enum log_level level, const char *component,
			 const char *msg)
{
	char ts[40];

	format_rfc3339_ms(now_realtime(), ts, sizeof(ts));
	if (format == LOG_FORMAT_JSON) {
		buf_puts(b, "{\"ts\":\"");
		buf_puts(b, ts);
		buf_puts(b, "\",\"level\":\"");
		buf_puts(b, log_level_names[level]);
		buf_puts(b, "\",\"msg\":");
		buf_put_json_str(b, msg);
	} else {
		buf_printf(b, "ts=%s level=%s msg=", ts, log_level_names[level]);
		put_logfmt_value(b, msg);
	}
	put_field(b, "component", component);
}

/* Closes the record and writes it whole to every destination. */
static void end_record(struct buf *b)
{
	if (format == LOG_FORMAT_JSON)
		buf_putc(b, '}');
	buf_putc(b, '\n');
	if (!b->oom) {
		pthread_mutex_lock(&lock);
		write_all(STDERR_FILENO, b->data, b->len);
		if (file_fd >= 0)
			write_all(file_fd, b->data, b->len);
		pthread_mutex_unlock(&lock);
	}
	buf_free(b);
}

void log_write(enum log_level level, const char *component, int err, const char *const *kv,
	       const char *fmt, ...)
{
	struct buf msg, b;
	va_list ap;

	if (level < min_level)
		return;
	buf_init(&msg);
	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	buf_init(&b);
	begin_record(&b, level, component, msg.oom ? fmt : buf_cstr(&msg));
	for (; kv && kv[0]; kv += 2)
		put_field(&b, kv[0], kv[1]);
	if (err)
		put_field(&b, "err", strerror(err < 0 ? -err : err));
	end_record(&b);
	buf_free(&msg);
}
