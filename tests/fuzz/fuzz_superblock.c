// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: the superblock decoder (and the log header decoder,
 * its sibling) on arbitrary bytes. Whatever decodes must re-encode to
 * bytes that decode to the same values.
 */
#include "format.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fam_sb sb, sb2;
	struct fam_sb_disk d;
	struct fam_log_hdr h, h2;
	struct fam_log_hdr_disk hd;

	if (fam_sb_decode(data, size, &sb) == 0) {
		fam_sb_encode(&sb, &d);
		memset(&sb2, 0xff, sizeof(sb2));
		if (fam_sb_decode(&d, sizeof(d), &sb2) != 0 || memcmp(&sb, &sb2, sizeof(sb)))
			abort();
		if (sb.data_offset > sb.device_size || sb.log_size > sb.device_size ||
		    sb.data_offset < sb.log_offset + sb.log_size)
			abort();	/* the decoder promised consistent geometry */
	}
	if (fam_log_hdr_decode(data, size, &h) == 0) {
		fam_log_hdr_encode(&h, &hd);
		memset(&h2, 0xff, sizeof(h2));
		if (fam_log_hdr_decode(&hd, sizeof(hd), &h2) != 0 || memcmp(&h, &h2, sizeof(h)))
			abort();
		if (h.head >= h.area_size || h.tail >= h.area_size)
			abort();
	}
	return 0;
}
