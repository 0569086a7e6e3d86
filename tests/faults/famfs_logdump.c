// SPDX-License-Identifier: Apache-2.0
/*
 * Test helper: print every committed record still in a famfs log, one JSON
 * object per line, from the head to the committed seq:
 *
 *   {"seq":N,"type":"OWNER","off":DEVICE_OFFSET,"len":N,"epoch":N,
 *    "path":"/p","host":H,"mode":"rw","grant_epoch":N}
 *
 * plus "prev_host" and "prev_epoch" on an OWNER record that is a handoff (it
 * replaces that host's grant) and "req_id" (32 hex digits) on a record made
 * by a client request that carried an id.
 *
 * "off" is the record's byte offset in the device (for the fault tests that
 * flip a byte in a committed record). A last line {"end":"clean"|"damaged",
 * "error":"..."} says whether the walk reached the committed seq.
 * Read-only; exit 0 clean, 4 damaged, 1 could not read the device.
 */
#include "device.h"
#include "flush.h"
#include "log.h"

#include <errno.h>
#include <json.h>
#include <stdio.h>
#include <string.h>

static const char *const mode_name[] = { "none", "ro", "rw" };

static void print_rec(const struct fam_rec *r, uint64_t off, uint64_t len)
{
	json_object *j = json_object_new_object();
	const char *path = NULL;
	uint32_t plen = 0;

	json_object_object_add(j, "seq", json_object_new_uint64(r->seq));
	json_object_object_add(j, "type", json_object_new_string(fam_rec_type_name(r->type)));
	json_object_object_add(j, "off", json_object_new_uint64(off));
	json_object_object_add(j, "len", json_object_new_uint64(len));
	json_object_object_add(j, "epoch", json_object_new_uint64(r->epoch));
	if (fam_rec_has_req(r)) {
		char hex[2 * FAM_REQ_ID_LEN + 1];

		for (int i = 0; i < FAM_REQ_ID_LEN; i++)
			snprintf(hex + 2 * i, 3, "%02x", r->req_id[i]);
		json_object_object_add(j, "req_id", json_object_new_string(hex));
	}
	switch (r->type) {
	case FAM_REC_MKDIR:
	case FAM_REC_CREATE:
		path = r->u.node.path;
		plen = r->u.node.path_len;
		break;
	case FAM_REC_DELETE:
		path = r->u.del.path;
		plen = r->u.del.path_len;
		break;
	case FAM_REC_RENAME:
		path = r->u.ren.from;
		plen = r->u.ren.from_len;
		json_object_object_add(j, "to", json_object_new_string_len(r->u.ren.to,
									   (int)r->u.ren.to_len));
		break;
	case FAM_REC_OWNER:
		path = r->u.owner.path;
		plen = r->u.owner.path_len;
		json_object_object_add(j, "host", json_object_new_int64(r->u.owner.host));
		json_object_object_add(j, "mode", json_object_new_string(
			r->u.owner.mode < 3 ? mode_name[r->u.owner.mode] : "?"));
		if (r->u.owner.has_prev) {
			json_object_object_add(j, "prev_host",
					       json_object_new_int64(r->u.owner.prev_host));
			json_object_object_add(j, "prev_epoch",
					       json_object_new_uint64(r->u.owner.prev_epoch));
		}
		json_object_object_add(j, "grant_epoch",
				       json_object_new_uint64(r->u.owner.grant_epoch));
		break;
	case FAM_REC_CHECKPOINT:
		json_object_object_add(j, "phase", json_object_new_string(
			r->u.ckpt.phase == FAM_CKPT_BEGIN ? "begin" : "end"));
		break;
	}
	if (path)
		json_object_object_add(j, "path", json_object_new_string_len(path, (int)plen));
	printf("%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN |
						     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(j);
}

int main(int argc, char **argv)
{
	struct fam_dev dev;
	struct fam_sb sb;
	struct fam_log log;
	struct fam_log_cursor c;
	struct fam_rec r;
	uint8_t *base;
	int err, rc = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: famfs_logdump DEVICE\n");
		return 2;
	}
	if (fam_dev_open(&dev, argv[1], FAM_DEV_RDONLY)) {
		fprintf(stderr, "famfs_logdump: cannot open %s: %s\n", argv[1], dev.err);
		return 1;
	}
	fam_invalidate(fam_dev_sb(&dev), sizeof(struct fam_sb_disk));
	err = fam_sb_decode(fam_dev_sb(&dev), sizeof(struct fam_sb_disk), &sb);
	if (!err)
		err = fam_dev_map_log(&dev, sb.log_offset, sb.log_size, &base);
	if (!err)
		err = fam_log_open(&log, base, sb.log_size, sb.uuid);
	if (err) {
		fprintf(stderr, "famfs_logdump: %s: no readable superblock or log header: %s\n",
			argv[1], strerror(-err));
		rc = 1;
		goto out;
	}
	fam_log_cursor_head(&log, &log.hdr, &c);
	for (;;) {
		uint64_t off = c.off;

		err = fam_log_next(&log, &log.hdr, &c, &r);
		if (err != 1)
			break;
		if (r.type != FAM_REC_PAD)
			print_rec(&r, sb.log_offset + (uint64_t)(log.area - log.base) + off,
				  c.off > off ? c.off - off : fam_rec_size(&r));
	}
	if (err) {
		printf("{\"end\":\"damaged\",\"seq\":%llu,\"error\":\"%s\"}\n",
		       (unsigned long long)c.seq, strerror(-err));
		rc = 4;
	} else {
		printf("{\"end\":\"clean\",\"committed_seq\":%llu}\n",
		       (unsigned long long)log.hdr.committed_seq);
	}
out:
	fam_dev_close(&dev);
	return rc;
}
