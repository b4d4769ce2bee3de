/* The statfs prober's child program (prober.h). The daemon carries it inside
 * its own binary and runs it from a memfd in the process it forks, so the
 * child maps a few KiB of its own instead of sharing, copy-on-write, the
 * daemon's 8 MiB of libraries and heap. Freestanding (no libc, built with
 * its own flags in the Makefile): it only reads a path, calls statfs() and
 * writes the answer.
 *
 * fd 0 is its end of the SOCK_SEQPACKET pair: one path per message in, one
 * struct prober_reply per message out. It exits on EOF or a failed write.
 */
#include <asm/statfs.h> /* the kernel's struct statfs: the generic 64-bit layout */
#include <asm/unistd.h>
#include <linux/limits.h>
#include <linux/prctl.h>

#include "prober_wire.h"

static long syscall3(long nr, long a, long b, long c)
{
#if defined(__x86_64__)
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return ret;
#elif defined(__aarch64__)
	register long x8 __asm__("x8") = nr;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;

	__asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
	return x0;
#else
#error "prober_child.c: add this architecture's system call convention"
#endif
}

void prober_child_main(void) __attribute__((noreturn, used));

void prober_child_main(void)
{
	/* A kernel execveat() names the process after the memfd or the fd
	 * number; ps should show what the forked copy showed. */
	static const char name[] = "infra-monitor";
	char path[PATH_MAX + 1];

	syscall3(__NR_prctl, PR_SET_NAME, (long)name, 0);
	for (;;) {
		struct statfs st;
		struct prober_reply r;
		long n = syscall3(__NR_read, 0, (long)path, PATH_MAX);
		long err;

		if (n <= 0)
			break;
		path[n] = '\0';
		err = syscall3(__NR_statfs, (long)path, (long)&st, 0);
		r.err = err < 0 ? -err : 0;
		r.fs.bsize = err ? 0 : (uint64_t)st.f_bsize;
		r.fs.blocks = err ? 0 : (uint64_t)st.f_blocks;
		r.fs.bfree = err ? 0 : (uint64_t)st.f_bfree;
		r.fs.bavail = err ? 0 : (uint64_t)st.f_bavail;
		r.fs.files = err ? 0 : (uint64_t)st.f_files;
		r.fs.ffree = err ? 0 : (uint64_t)st.f_ffree;
		if (syscall3(__NR_write, 0, (long)&r, sizeof(r)) != (long)sizeof(r))
			break;
	}
	syscall3(__NR_exit_group, 0, 0, 0);
	__builtin_unreachable();
}

/* The entry point: no stack frame to return to, and the stack aligned as a
 * call expects. */
__asm__(".text\n"
	".globl _start\n"
	"_start:\n"
#if defined(__x86_64__)
	"	xor %ebp, %ebp\n"
	"	and $-16, %rsp\n"
	"	call prober_child_main\n"
#elif defined(__aarch64__)
	"	mov x29, xzr\n"
	"	bl prober_child_main\n"
#endif
);
