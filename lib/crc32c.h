/* SPDX-License-Identifier: Apache-2.0 */
/* CRC32C (Castagnoli), the checksum of every on-media structure. */
#ifndef FAMFS_CRC32C_H
#define FAMFS_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Continue a CRC32C over buf; start with crc = 0. */
uint32_t fam_crc32c(uint32_t crc, const void *buf, size_t len);

#endif
