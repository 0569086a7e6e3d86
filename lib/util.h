/* SPDX-License-Identifier: Apache-2.0 */
/* Small helpers shared by the tools: sizes and UUIDs as people write them. */
#ifndef FAMFS_UTIL_H
#define FAMFS_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* "4096", "4K", "2M", "1G", "1T" (binary units, optional trailing 'iB'/'B'). -EINVAL or -ERANGE. */
int fam_parse_size(const char *s, uint64_t *out);
/* 37-byte buffer: "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx". */
void fam_uuid_str(const uint8_t uuid[16], char out[37]);
/* "512 MiB"-style, into buf. */
const char *fam_size_str(uint64_t bytes, char *buf, size_t cap);

#endif
