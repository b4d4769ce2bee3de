/* libFuzzer target: the BPF side's /proc/diskstats reader (src/bpf/diskname.c),
 * which names the disk latency labels. The input is procfs/diskstats; names
 * are looked up for devices that are and are not in it, which rereads it. */
#include <stdint.h>
#include <stdio.h>

#include "bpf/diskname.h"
#include "fuzz_collector.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t devs[] = {8u << 20,	8u << 20 | 1, 259u << 20,
					253u << 20 | 5, 0xffffffffu,  0};
	struct disk_names *d;
	char name[64];

	fuzz_setup_tree();
	fuzz_put("proc/diskstats", data, size);
	d = disk_names_new(fuzz_proc);
	if (!d)
		return 0;
	for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++)
		disk_names_get(d, devs[i], name, sizeof(name));
	disk_names_free(d);
	return 0;
}
