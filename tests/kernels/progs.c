// SPDX-License-Identifier: GPL-2.0
/* Lists loaded BPF programs as a JSON array, with what Debian 12's bpftool 7.1 does not show:
 * the verifier's processed-instruction count (verified_insns, kernel >= 5.16), and the owning
 * process found through /proc/PID/fdinfo (bpftool's pid iterator is not built into Debian's).
 *   progs [PID]    only the programs PID holds a file descriptor of
 * Fields: id, name, type, verified_insns, run_cnt, run_time_ns, xlated_len, jited_len. Static, for
 * the kernel matrix's guests. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define MAX_IDS 4096

static int owned[MAX_IDS], nowned;

static void scan_pid(const char *pid)
{
	char dir[64], path[320], line[256];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%s/fdinfo", pid);
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d)) && nowned < MAX_IDS) {
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			if (!strncmp(line, "prog_id:", 8))
				owned[nowned++] = atoi(line + 8);
		fclose(f);
	}
	closedir(d);
}

static int is_owned(unsigned int id)
{
	for (int i = 0; i < nowned; i++)
		if ((unsigned int)owned[i] == id)
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	__u32 id = 0;
	int first = 1;

	if (argc > 1)
		scan_pid(argv[1]);
	printf("[");
	while (bpf_prog_get_next_id(id, &id) == 0) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		const char *type;
		int fd;

		if (argc > 1 && !is_owned(id))
			continue;
		fd = bpf_prog_get_fd_by_id(id);
		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
			close(fd);
			continue;
		}
		close(fd);
		type = libbpf_bpf_prog_type_str(info.type);
		printf("%s\n {\"id\":%u,\"name\":\"%s\",\"type\":\"%s\",\"verified_insns\":%u,"
		       "\"run_cnt\":%llu,\"run_time_ns\":%llu,\"xlated_len\":%u,\"jited_len\":%u}",
		       first ? "" : ",", info.id, info.name, type ? type : "unknown", info.verified_insns,
		       (unsigned long long)info.run_cnt, (unsigned long long)info.run_time_ns,
		       info.xlated_prog_len, info.jited_prog_len);
		first = 0;
	}
	printf("\n]\n");
	return 0;
}
