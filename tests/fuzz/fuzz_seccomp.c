/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: linux.seccomp to a libseccomp filter (runtime/seccomp.c),
 * built and never loaded. The input is the seccomp object; the harness
 * wraps it in a config, so every byte goes to the seccomp part. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/seccomp.h"
#include "spec/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char head[] = "{\"ociVersion\":\"1.3.0\",\"linux\":{\"seccomp\":";
	static const char tail[] = "}}";
	size_t len = sizeof(head) - 1 + size + sizeof(tail) - 1;
	char *json = malloc(len + 1);
	if (!json)
		return 0;
	memcpy(json, head, sizeof(head) - 1);
	memcpy(json + sizeof(head) - 1, data, size);
	memcpy(json + sizeof(head) - 1 + size, tail, sizeof(tail));
	struct spec *s = NULL;
	struct error err = {0};
	if (spec_parse(json, len, "config.json", &s, &err) == 0) {
		if (spec_validate(s, "config.json", &err) == 0) {
			struct seccomp_filter *f = NULL;
			if (seccomp_build(s, &f, &err) == 0)
				seccomp_filter_free(f);
		}
		spec_free(s);
	}
	free(json);
	return 0;
}
