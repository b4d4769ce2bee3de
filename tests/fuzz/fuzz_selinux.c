/* libFuzzer target: the selinux collector on selinuxfs and its config. */
#include "fuzz_collector.h"

FUZZ_COLLECTOR(collector_selinux, "sys/fs/selinux/enforce", "root/etc/selinux/config")
