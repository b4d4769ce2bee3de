/* privsep.c: the /proc status parser, and the capability drop of every
 * thread, run in a forked child (the drop is one-way) with extra threads
 * already running, as libmicrohttpd's and the sampler's are in the daemon. */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture.h"
#include "config.h"
#include "log.h"
#include "privsep.h"

static void test_parse_status(void **state)
{
	static const char text[] = "Name:\tinfra-monitor\nUid:\t0\t0\t0\t0\n"
				   "CapInh:\t0000000000000000\nCapPrm:\t000001ffffffffff\n"
				   "CapEff:\t0000000000200000\nCapBnd:\t000001ffffffffff\n"
				   "CapAmb:\t0000000000000000\nNoNewPrivs:\t1\nSeccomp:\t0\n";
	struct privsep_caps c;

	assert_int_equal(privsep_parse_status(text, &c), 0);
	assert_true(c.eff == 0x200000ULL);
	assert_true(c.prm == 0x1ffffffffffULL);
	assert_true(c.bnd == 0x1ffffffffffULL);
	assert_true(c.amb == 0);
	assert_int_equal(c.no_new_privs, 1);
	assert_int_equal(c.seccomp, 0);
	assert_int_equal(privsep_parse_status("CapEff:\t0\nCapPrm:\t0\nCapBnd:\t0\nSeccomp:\t2\n"
					      "Seccomp_filters:\t1\n", &c), 0);
	assert_int_equal(c.seccomp, 2);
	assert_int_equal(c.no_new_privs, -1);
	/* No capability lines: not a status file. */
	assert_int_equal(privsep_parse_status("Name:\tx\n", &c), -ENOENT);
	assert_int_equal(privsep_parse_status("CapEff:\tzz\nCapPrm:\t0\nCapBnd:\t0\n", &c),
			 -EINVAL);
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int stop;

static void *idle_thread(void *arg)
{
	pthread_mutex_lock(&lock);
	while (!stop)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	return NULL;
}

/* In the child: 0 when every thread holds nothing and has no_new_privs. */
static int child_drop(void)
{
	char *argv[] = {"infra-monitor", "--no-collector.bpf", NULL};
	pthread_t t[4];
	struct config cfg;
	struct dirent *e;
	int bad = 0, n = 0;
	DIR *d;

	if (config_load(&cfg, 2, argv))
		return 10;
	for (int i = 0; i < 4; i++)
		if (pthread_create(&t[i], NULL, idle_thread, NULL))
			return 11;
	if (privsep_drop(&cfg))
		return 12;
	d = opendir("/proc/self/task");
	while (d && (e = readdir(d))) {
		struct privsep_caps c;
		char path[300], text[4096];
		FILE *f;
		size_t len;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/status", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		len = fread(text, 1, sizeof(text) - 1, f);
		fclose(f);
		text[len] = '\0';
		n++;
		if (privsep_parse_status(text, &c) || c.eff || c.prm || c.bnd || c.amb ||
		    c.no_new_privs != 1)
			bad++;
	}
	if (d)
		closedir(d);
	config_free(&cfg);
	return n == 5 && !bad ? 0 : 13;
}

static void test_drop_every_thread(void **state)
{
	int status;
	pid_t pid;

	if (geteuid() != 0) {
		fprintf(stderr, "test_privsep: not root, drop test skipped\n");
		skip();
	}
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(child_drop());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_status),
	    cmocka_unit_test(test_drop_every_thread),
	};

	log_setup(LOG_WARN, LOG_FORMAT_JSON);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
