// SPDX-License-Identifier: Apache-2.0
/*
 * CRC32C: the SSE4.2 crc32 instruction where the CPU has it, a slice-by-one
 * table otherwise. Both give the same result (checked by the unit tests).
 */
#include "crc32c.h"

#include <string.h>
#if defined(__x86_64__)
#include <cpuid.h>
#include <nmmintrin.h>
#endif

#define CRC32C_POLY_REFLECTED 0x82f63b78u

static uint32_t crc32c_table[256];
static int crc32c_hw = -1;

static void crc32c_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ ((c & 1) ? CRC32C_POLY_REFLECTED : 0);
		crc32c_table[i] = c;
	}
#if defined(__x86_64__)
	unsigned int a, b, c, d;

	crc32c_hw = __get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSE4_2);
#else
	crc32c_hw = 0;
#endif
}

static uint32_t crc32c_sw(uint32_t crc, const unsigned char *p, size_t len)
{
	while (len--)
		crc = crc32c_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2")))
static uint32_t crc32c_sse42(uint32_t crc, const unsigned char *p, size_t len)
{
	uint64_t c = crc;

	while (len >= 8) {
		uint64_t v;

		memcpy(&v, p, 8);
		c = _mm_crc32_u64(c, v);
		p += 8;
		len -= 8;
	}
	crc = (uint32_t)c;
	while (len--)
		crc = _mm_crc32_u8(crc, *p++);
	return crc;
}
#endif

/* Exposed for the unit test that compares both implementations. */
uint32_t fam_crc32c_sw(uint32_t crc, const void *buf, size_t len);

uint32_t fam_crc32c_sw(uint32_t crc, const void *buf, size_t len)
{
	if (crc32c_hw < 0)
		crc32c_init();
	return ~crc32c_sw(~crc, buf, len);
}

uint32_t fam_crc32c(uint32_t crc, const void *buf, size_t len)
{
	if (crc32c_hw < 0)
		crc32c_init();
#if defined(__x86_64__)
	if (crc32c_hw)
		return ~crc32c_sse42(~crc, buf, len);
#endif
	return ~crc32c_sw(~crc, buf, len);
}
