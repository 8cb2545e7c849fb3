/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Sessions: a container suspended to a CRIU image on disk (its processes
 * gone, its memory freed, its id kept) and woken again in place; forks of
 * a running container into new ones; idle detection. docs/sessions.md. */
#ifndef AGENTRUN_SESSION_H
#define AGENTRUN_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spec/state.h"
#include "util/error.h"

/* The annotation a suspended container's state carries: its image path.
 * Its OCI status is "stopped" (engines know no other word for it). */
#define SESSION_SUSPENDED "org.agentrun.suspended"
/* The default image directory, inside the container's state directory. */
#define SESSION_IMAGE_DIR "image"

/* In a compressed image (suspend --compress): the marker file; its
 * pages-N.img files are pages-N.img.zst (zstd, with checksums). */
#define SESSION_COMPRESSED "agentrun-compressed"

/* Was agentrun built with libzstd? */
bool session_zstd_available(void);
/* Compress the pages files of image (a CRIU image directory): each one
 * streamed to a new file beside it, the marker written, the originals
 * removed only then. A failure leaves the image as it was. */
int session_image_compress(const char *image, struct error *err);
/* Is image compressed (its marker is there)? */
bool session_image_compressed(const char *image);
/* Decompress them beside the compressed ones (which stay); a failure
 * removes what it wrote. */
int session_image_expand(const char *image, struct error *err);
/* After a failed restore: remove the decompressed copies again. */
void session_image_unexpand(const char *image);

/* The image path of a suspended container, NULL when it is not. */
const char *session_suspended(const struct spec_state *st);

/* Refuse to suspend a container an engine (podman/conmon, containerd
 * shims, CRI) created: the engine would see it exit and delete it. NULL:
 * none detected; else the engine's name. */
const char *session_engine(const struct spec_state *st, const struct spec *spec);

/* Is sig one that ends a suspended session without waking it (the image
 * is discarded and the container stopped)? */
bool session_signal_ends(int sig);

/* Discard the image of a suspended container (under its lock: dirfd). */
int session_discard_image(int dirfd, const char *image, struct error *err);
/* Make a suspended image durable: fsync every file below image and the
 * directory, and with parent its parent directory too (suspend made the
 * image directory there). */
int session_image_sync(const char *image, bool parent, struct error *err);

struct suspend_opts {
	const char *root;
	const char *id;
	const char *image_path; /* NULL: ROOT/ID/image */
	bool compress;		/* zstd the pages-*.img files (session_zstd.c) */
};
/* Checkpoint a running (or paused) container to its image and stop it:
 * the processes go, the cgroup goes, the state stays ("stopped" with the
 * annotation). A failure leaves it running. */
int container_suspend(const struct suspend_opts *o, struct error *err);

struct wake_opts {
	const char *root;
	const char *id;
	const char *console_socket; /* a container with a terminal needs one */
	bool lazy_pages;	    /* resume at once, memory pulled on demand (userfaultfd) */
	bool quiet;
};
/* Restore a suspended container in place (same id, bundle and config),
 * detached, its stdio on /dev/null; the image is removed once it runs. A
 * failure leaves it suspended. */
int container_wake(const struct wake_opts *o, struct error *err);

#define FORK_MAX_COPIES 64

struct fork_opts {
	const char *root;
	const char *id;	    /* the running source */
	const char *new_id; /* count 1: the id; else NEWID-1 .. NEWID-N */
	int count;
	const char *bundle_dir;	    /* NULL: next to the source's bundle */
	const char *console_socket; /* each copy's new pty master goes there */
};
/* Fork a running container into count new ones from its exact state:
 * frozen while CRIU dumps it (leave running) and its writable bind mounts
 * (and a writable rootfs) are copied for each copy, then thawed; each copy
 * is restored from the dump with its own bundle (the copies' sources), state
 * entry, cgroup and network namespace. Prints what was cloned how and the
 * pause. A failure leaves the source running and no copy behind. */
int container_fork(const struct fork_opts *o, struct error *err);

/* Idle detection: a container is idle when its cgroup's CPU usage and
 * block I/O counters have not moved for a while. Each scan compares them
 * with the sample kept in the container's state directory (idle.sample:
 * the counters and since when they have not moved, on CLOCK_BOOTTIME) and
 * rewrites it only when they moved. */
#define SESSION_IDLE_SAMPLE "idle.sample"

struct idle_entry {
	char *id;
	char *status;
	bool idle;		   /* not moved for at least the asked time */
	uint64_t still_ns;	   /* how long the counters have not moved */
	uint64_t cpu_ns, io_bytes; /* the counters now */
};
/* Sample every running or paused container under root; idle ones are
 * those still for at least for_ns. */
int session_idle_scan(const char *root, uint64_t for_ns, struct idle_entry **out, size_t *n,
		      struct error *err);
void session_idle_free(struct idle_entry *v, size_t n);

/* Before a command that needs the container running (exec): wake it if it
 * is suspended, or with no_wake refuse with a clear error. Not suspended
 * (or not there): nothing to do, the command says what is wrong. */
int session_wake_for(const char *root, const char *id, bool no_wake, const char *what,
		     struct error *err);

#endif
