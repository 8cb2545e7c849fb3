/* SPDX-License-Identifier: GPL-2.0-or-later */
/* linux.seccomp through libseccomp: the filter is built before the
 * container reports ready (so errors fail `create`) and loaded last. */
#ifndef AGENTRUN_SECCOMP_H
#define AGENTRUN_SECCOMP_H

#include <stdbool.h>

#include "spec/spec.h"

struct seccomp_filter;

/* Build the filter of spec (NULL when there is none). */
int seccomp_build(const struct spec *spec, struct seccomp_filter **out, struct error *err);
/* Does the filter use SCMP_ACT_NOTIFY? */
bool seccomp_has_notify(const struct seccomp_filter *f);
/* Load it; with notify, *notify_fd gets the listener fd. */
int seccomp_apply(struct seccomp_filter *f, int *notify_fd, struct error *err);
void seccomp_filter_free(struct seccomp_filter *f);

/* The compiled program, cached: libseccomp takes milliseconds to compile a
 * long allowlist (the agent profile), so `create` and `exec` build the
 * filter in agentrun before the fork, the compiled program read from or
 * written to ROOT/SECCOMP_CACHE_DIR/KEY. KEY is the SHA-256 of
 * linux.seccomp as parsed with libseccomp's version, API level, the native
 * arch, the kernel release and a format version. The directory is 0700
 * and ours, an entry a regular file of ours (written nameless, O_TMPFILE,
 * and linked in whole) (not group- or
 * other-writable, one link, opened without following a symlink) with the
 * key and a digest of the program in a header; anything else about it and
 * the filter is compiled as without a cache (never none). A filter with
 * SCMP_ACT_NOTIFY is not prepared here (*out NULL): the child builds it.
 * rootfd < 0: no cache. docs/security.md says what the cache trusts. */
#define SECCOMP_CACHE_DIR ".seccomp-cache"
int seccomp_prepare(const struct spec *spec, int rootfd, struct seccomp_filter **out,
		    struct error *err);

/* For tests: the pieces of the cache, and a prepared filter's program
 * (NULL when it is loaded through libseccomp). */
#include <stddef.h>
#include <stdint.h>
struct sock_filter;
void seccomp_cache_key(const struct spec_seccomp *s, uint8_t key[32]);
int seccomp_cache_dir_open(int rootfd);
int seccomp_cache_load(int dirfd, const uint8_t key[32], struct sock_filter **prog,
		       size_t *n_insns);
int seccomp_cache_store(int dirfd, const uint8_t key[32], const struct sock_filter *prog,
			size_t n_insns);
/* Keep the newest `keep` entries (by mtime), remove the rest: a store that
 * adds an entry calls it with SECCOMP_CACHE_MAX, so the cache of a host
 * that sees ever new filters stays bounded (at most 256 programs of at
 * most 32 KiB). Names that are not entries are left alone. */
#define SECCOMP_CACHE_MAX 256
int seccomp_cache_prune(int dirfd, size_t keep);
const struct sock_filter *seccomp_program(const struct seccomp_filter *f, size_t *n_insns,
					  unsigned int *flags);

/* The actions, operators, architectures and flags this build knows
 * (NULL-terminated, for `features`). */
extern const char *const seccomp_action_names[];
extern const char *const seccomp_operator_names[];
extern const char *const seccomp_arch_names[];
extern const char *const seccomp_flag_names[];
/* Flags this libseccomp and kernel can apply (NULL-terminated, static). */
const char *const *seccomp_supported_flags(void);

#endif
