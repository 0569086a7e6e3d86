// SPDX-License-Identifier: Apache-2.0
/* CRC32C: known vectors, hardware vs table implementation, chaining. */
#include "testutil.h"
#include "crc32c.h"

/* Defined in lib/crc32c.c for this test; not in the public header. */
extern uint32_t fam_crc32c_sw(uint32_t crc, const void *buf, size_t len);

START_TEST(test_vectors)
{
	uint8_t buf[32];

	ck_assert_uint_eq(fam_crc32c(0, "123456789", 9), 0xE3069283u);
	ck_assert_uint_eq(fam_crc32c_sw(0, "123456789", 9), 0xE3069283u);
	ck_assert_uint_eq(fam_crc32c(0, "", 0), 0);
	/* RFC 3720 (iSCSI) appendix B.4 vectors. */
	memset(buf, 0, sizeof(buf));
	ck_assert_uint_eq(fam_crc32c(0, buf, 32), 0x8A9136AAu);
	ck_assert_uint_eq(fam_crc32c_sw(0, buf, 32), 0x8A9136AAu);
	memset(buf, 0xff, sizeof(buf));
	ck_assert_uint_eq(fam_crc32c(0, buf, 32), 0x62A8AB43u);
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)i;
	ck_assert_uint_eq(fam_crc32c(0, buf, 32), 0x46DD794Eu);
	ck_assert_uint_eq(fam_crc32c_sw(0, buf, 32), 0x46DD794Eu);
}
END_TEST

START_TEST(test_hw_vs_sw_random)
{
	static uint8_t buf[8192 + 16];
	uint64_t s = 0x9e3779b97f4a7c15ULL;

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)tu_rand(&s);
	for (int iter = 0; iter < 20000; iter++) {
		size_t off = tu_rand_below(&s, 16), len = tu_rand_below(&s, 8192);
		uint32_t seed = iter % 3 ? 0 : (uint32_t)tu_rand(&s);

		ck_assert_uint_eq(fam_crc32c(seed, buf + off, len),
				  fam_crc32c_sw(seed, buf + off, len));
	}
}
END_TEST

START_TEST(test_chaining)
{
	uint8_t buf[1000];
	uint64_t s = 42;

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)tu_rand(&s);
	for (size_t cut = 0; cut <= sizeof(buf); cut += 37) {
		uint32_t whole = fam_crc32c(0, buf, sizeof(buf));
		uint32_t part = fam_crc32c(fam_crc32c(0, buf, cut), buf + cut, sizeof(buf) - cut);

		ck_assert_uint_eq(whole, part);
		ck_assert_uint_eq(fam_crc32c_sw(fam_crc32c_sw(0, buf, cut), buf + cut,
						sizeof(buf) - cut), whole);
	}
}
END_TEST

START_TEST(test_detects_single_bit)
{
	uint8_t buf[256];
	uint32_t ref;

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7);
	ref = fam_crc32c(0, buf, sizeof(buf));
	for (size_t i = 0; i < sizeof(buf); i++) {
		for (int b = 0; b < 8; b++) {
			buf[i] ^= (uint8_t)(1u << b);
			ck_assert_uint_ne(fam_crc32c(0, buf, sizeof(buf)), ref);
			buf[i] ^= (uint8_t)(1u << b);
		}
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("crc32c");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_vectors);
	tcase_add_test(tc, test_hw_vs_sw_random);
	tcase_add_test(tc, test_chaining);
	tcase_add_test(tc, test_detects_single_bit);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
