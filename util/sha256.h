/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SHA-256 (FIPS 180-4), for content keys (the seccomp filter cache). */
#ifndef AGENTRUN_SHA256_H
#define AGENTRUN_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32

struct sha256 {
	uint32_t h[8];
	uint64_t len; /* bytes hashed so far */
	uint8_t buf[64];
	size_t n; /* bytes in buf */
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, uint8_t out[SHA256_LEN]);
/* One call: out = SHA-256(data). */
void sha256(const void *data, size_t len, uint8_t out[SHA256_LEN]);
/* Lower-case hex of a digest into hex (2 * SHA256_LEN + 1 bytes). */
void sha256_hex(const uint8_t digest[SHA256_LEN], char hex[2 * SHA256_LEN + 1]);

#endif
