/* Private helpers for the collectors that walk a /sys class directory
 * (netclass, bonding, infiniband, fibrechannel): one attribute file read
 * through the device's directory descriptor into a stack buffer, and its
 * number parsed the way procfs's sysfs package parses it.
 *
 * An attribute is one short line the kernel formats itself, so one read()
 * of a fixed buffer is enough; reading through the directory's fd saves a
 * path walk per attribute, which adds up over ~20 attributes per device.
 */
#ifndef IM_COLLECT_SYSATTR_H
#define IM_COLLECT_SYSATTR_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Larger than any attribute these collectors read (ifalias is at most 256
 * bytes); a longer file is an error, not a silent cut. */
#define SYSATTR_MAX 512

/* Reads an attribute from its open descriptor fd into out (SYSATTR_MAX
 * bytes) with surrounding whitespace dropped, as procfs's SysReadFile trims
 * it. A read at offset 0 makes sysfs call the attribute's show() again, so a
 * descriptor kept open gives the current value each time. Returns the
 * length, or -errno: -EINVAL, -EOPNOTSUPP come from attributes the device
 * does not support right now (speed of a link that is down), -EFBIG from a
 * file too long, -EBADMSG from a NUL inside (not -EINVAL, which means
 * "absent"). */
static inline int sysattr_pread(int fd, char *out)
{
	ssize_t n = pread(fd, out, SYSATTR_MAX, 0);
	size_t start = 0;

	if (n < 0)
		return -errno;
	if (n == SYSATTR_MAX)
		return -EFBIG;
	if (memchr(out, '\0', (size_t)n))
		return -EBADMSG;
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' ' || out[n - 1] == '\t'))
		n--;
	out[n] = '\0';
	while (out[start] == ' ' || out[start] == '\t' || out[start] == '\n')
		start++;
	if (start)
		memmove(out, out + start, (size_t)n - start + 1);
	return (int)((size_t)n - start);
}

/* sysattr_pread() of dirfd/name, opened for this one read; -ENOENT when the
 * device has no such attribute. */
static inline int sysattr_read(int dirfd, const char *name, char *out)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	int n;

	if (fd < 0)
		return -errno;
	n = sysattr_pread(fd, out);
	close(fd);
	return n;
}

/* True for the read errors that mean "this device has no such value now";
 * procfs ignores exactly these (canIgnoreError in sysfs/net_class.go). */
static inline bool sysattr_absent(int err)
{
	return err == -ENOENT || err == -EACCES || err == -EPERM || err == -EOPNOTSUPP ||
	       err == -EINVAL || err == -ENODEV;
}

/* A signed integer in C/Go base-prefix form, the whole string: the kernel
 * prints most attributes in decimal, some ("flags") as 0x-prefixed hex. */
static inline int sysattr_i64(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (!*s || *s == ' ' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 0);
	if (*end || end == s)
		return -EINVAL;
	if (errno)
		return -errno;
	*out = v;
	return 0;
}

#endif
