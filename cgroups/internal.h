/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Inside the cgroups module: the cgroupfs driver's hierarchies and
 * per-version file semantics, the resource-to-file mappings and file
 * helpers. Not part of the API. */
#ifndef AGENTRUN_CGROUP_INTERNAL_H
#define AGENTRUN_CGROUP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroups/cgroup.h"
#include "cgroups/driver.h"

struct cgroup_version_ops;

/* One mounted hierarchy and, once a container is placed, its directory. */
struct cgroup_hier {
	int version;	   /* 1 or 2 */
	char *controllers; /* v1: "cpu,cpuacct" or "name=systemd"; v2: "" */
	char *mountpoint;  /* "/sys/fs/cgroup/memory" */
	char *mount_root;  /* the root field of mountinfo, usually "/" */
	char *own;	   /* this process's cgroup in the hierarchy */
	char *dir;	   /* the container's directory (absolute) */
	int created;	   /* trailing components of dir owned by the container (>= 1) */
	int errnum;	   /* != 0: the directory could not be made (unusable) */
	const struct cgroup_version_ops *vops; /* v1 or v2 file semantics */
};

struct cgroup {
	const struct cgroup_driver_ops *ops; /* the driver that made or opened it */
	/* cgroupfs: the hierarchies and the container's directory in each */
	enum cgroup_mode mode;
	struct cgroup_hier *h;
	size_t n;
	/* systemd: the unit (systemd.c); its cgroup is h[0] once it exists */
	struct cgroup_systemd *sd;
};

/* cgroupfs operations that live outside cgroupfs.c (apply.c, stats.c). */
int cgroupfs_apply(struct cgroup *cg, const struct spec_resources *res, struct error *err);
int cgroupfs_stats(struct cgroup *cg, struct cgroup_stats *out, struct error *err);
int cgroupfs_oom_count(struct cgroup *cg, uint64_t *count, struct error *err);

/* One (file, value) write produced by a mapping. */
struct cgroup_entry {
	const char *controller; /* kernel controller in this version ("blkio", "io") */
	const char *route;	/* the v1 controller serving this field (NULL: controller) */
	const char *field;	/* "linux.resources.memory.limit" */
	const char *file;	/* NULL: no equivalent in this version (see note) */
	const char *value;
	const char *alt_file; /* tried when file does not exist */
	const char *alt_value;
	const char *note; /* why there is no file */
	unsigned flags;
};
#define CGROUP_ENTRY_OPTIONAL 1u    /* skip silently when the file is absent */
#define CGROUP_ENTRY_LENIENT 2u	    /* also ignore "not supported" write errors */
#define CGROUP_ENTRY_CHECK_USAGE 4u /* v2 memory.max: refuse a limit below memory.current */
#define CGROUP_ENTRY_UNIFIED 8u	    /* from linux.resources.unified */

typedef int (*cgroup_entry_fn)(const struct cgroup_entry *e, void *ud, struct error *err);

/* Pure mappings from linux.resources to files, in write order. */
int cgroup_v1_map(const struct spec_resources *res, cgroup_entry_fn fn, void *ud,
		  struct error *err);
int cgroup_v2_map(const struct spec_resources *res, cgroup_entry_fn fn, void *ud,
		  struct error *err);
/* cpu.shares -> cpu.weight; blkio weight (10..1000) -> io.weight (1..10000). */
uint64_t cgroup_shares_to_weight(uint64_t shares);
uint64_t cgroup_blkio_to_io_weight(uint64_t weight);

/* An owned copy of mapping output (tests and apply use it). */
struct cgroup_entries {
	struct cgroup_entry *v;
	size_t n;
};
int cgroup_entries_add(const struct cgroup_entry *e, void *entries, struct error *err);
void cgroup_entries_free(struct cgroup_entries *es);

/* rdma.max: "DEV hca_handle=N hca_object=N". The kernel's device names
 * are shorter than IB_DEVICE_NAME_MAX (64); longer ones are refused. */
#define CGROUP_RDMA_NAME_MAX 63
int cgroup_rdma_value(const struct spec_rdma *r, char *buf, size_t len, struct error *err);

/* Devices: "c 1:3 rwm" for a rule; the default allow list. */
int cgroup_device_rule(const struct spec_device_cgroup *d, char *buf, size_t len,
		       struct error *err);
extern const struct spec_device_cgroup cgroup_default_devices[];
extern const size_t cgroup_n_default_devices;
/* v2: the eBPF device program that decides as v1's devices controller
 * would after deny-all, res->devices and the defaults; and attaching it to a cgroup in place
 * of the programs attached before. apply = build + attach (rootless: a
 * refused load is skipped). */
struct bpf_insn;
int cgroup_devfilter_build(const struct spec_resources *res, struct bpf_insn **out, size_t *n,
			   struct error *err);
int cgroup_devfilter_attach(const char *dir, const struct bpf_insn *insns, size_t n,
			    struct error *err);
int cgroup_devfilter_apply(const char *dir, const struct spec_resources *res, struct error *err);

/* Detection: parse /proc/self/mountinfo and /proc/self/cgroup text. */
int cgroup_parse_hierarchies(const char *mountinfo, const char *proc_cgroup,
			     struct cgroup_hier **out, size_t *n, enum cgroup_mode *mode,
			     struct error *err);
int cgroup_load_hierarchies(struct cgroup_hier **out, size_t *n, enum cgroup_mode *mode,
			    struct error *err);
void cgroup_hiers_free(struct cgroup_hier *h, size_t n);
/* The hierarchy with this v1 controller (or "name=x"), the v2 one for NULL. */
struct cgroup_hier *cgroup_find(struct cgroup *cg, int version, const char *controller);
bool cgroup_list_has(const char *list, const char *item, char sep);
/* path is root or below it. */
bool cgroup_path_under(const char *path, const char *root);

/* How cgroupfs handles one hierarchy of a version (v1.c, v2.c). */
struct cgroup_version_ops {
	const char *name;
	/* After the directories were made: cpuset copy (v1), controllers (v2). */
	int (*prepare)(struct cgroup *cg, struct cgroup_hier *h, struct error *err);
	/* Write one mapped entry into h->dir. */
	int (*write)(struct cgroup_hier *h, const struct cgroup_entry *e, struct error *err);
	int (*freeze)(struct cgroup_hier *h, bool frozen, struct error *err);
	int (*is_frozen)(struct cgroup_hier *h, bool *frozen, struct error *err);
	/* SIGKILL everything at once; NULL or returns 1 when not supported. */
	int (*kill)(struct cgroup_hier *h, struct error *err);
};
extern const struct cgroup_version_ops cgroup_v1_ops;
extern const struct cgroup_version_ops cgroup_v2_ops;
/* v2: make sure controller is enabled for h->dir (NULL: all available). */
int cgroup_v2_enable(struct cgroup_hier *h, const char *controller, struct error *err);

/* Files. Errors read "write PATH: strerror" / "read PATH: strerror". */
int cgroup_write(const char *dir, const char *file, const char *value, struct error *err);
int cgroup_read(const char *dir, const char *file, char **out, struct error *err);
bool cgroup_exists(const char *dir, const char *file);
/* Write a mapped entry into dir: the alternative file when the first is
 * absent, OPTIONAL/LENIENT handling; errors are prefixed with the field. */
int cgroup_write_entry(const char *dir, const struct cgroup_entry *e, struct error *err);
/* "2MB" (digits, then KB/MB/GB/TB); an interface or device name. */
bool cgroup_page_size_valid(const char *s);
bool cgroup_name_valid(const char *s);
/* dir without its last k components ("/a/b/c", 1 -> "/a/b"). */
char *cgroup_strip(const char *dir, int k);
char *cgroup_join(const char *a, const char *b);
/* Sleep for a backoff step: 0.125 ms doubling up to 64 ms. */
void cgroup_backoff(unsigned *step);
/* Milliseconds on CLOCK_MONOTONIC. */
uint64_t cgroup_now_ms(void);

#endif
