/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: the checkpoint record (agentrun-criu.txt next to CRIU's
 * images) as restore reads it. The image directory is not trusted: it
 * may come from elsewhere. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/criu_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	struct criu_record r;
	struct error err = {0};
	if (criu_record_parse(text, "images", &r, &err) == 0)
		criu_record_free(&r);
	free(text);
	return 0;
}
