/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The famfs on-media format (version 1). All integers are little-endian and
 * fixed width; every structure ends in a CRC32C over all bytes before it.
 *
 *   [0, 2 MiB)                       superblock + per-host slots
 *   [2 MiB, 2 MiB + log_size)        metadata log: two header copies, then records
 *   [data_offset, device_size)       data, allocated in alloc_unit units
 *
 * docs/format.md is the prose version of this file.
 */
#ifndef FAMFS_FORMAT_H
#define FAMFS_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <limits.h>
#include <stdbool.h>

#define FAM_MiB			(1024ULL * 1024)
#define FAM_PMD_SIZE		(2 * FAM_MiB)
#define FAM_SB_REGION_SIZE	(2 * FAM_MiB)
#define FAM_LOG_OFFSET		FAM_SB_REGION_SIZE
#define FAM_LOG_SIZE_DEFAULT	(8 * FAM_MiB)
#define FAM_LOG_SIZE_MIN	(256 * 1024ULL)
#define FAM_ALLOC_UNIT_DEFAULT	FAM_PMD_SIZE
#define FAM_ALLOC_UNIT_MIN	4096ULL
#define FAM_ALLOC_UNIT_MAX	(1024 * FAM_MiB)

#define FAM_VERSION		1
/* Feature flags: none are defined yet; unknown incompat bits refuse the mount. */
#define FAM_FEATURE_INCOMPAT_SUPP	0ULL
#define FAM_FEATURE_RO_COMPAT_SUPP	0ULL

#define FAM_SB_MAGIC		"FAMFS\0SB"
#define FAM_LOG_MAGIC		"FAMFSLOG"
#define FAM_MAGIC_LEN		8

/* Per-host slots (leases, heartbeats, replay positions): written by their host only. */
#define FAM_HOST_SLOTS_OFFSET	(64 * 1024ULL)
#define FAM_HOST_SLOT_SIZE	256
#define FAM_MAX_HOSTS		256

/* Paths: at most PATH_MAX - 1 bytes (a C string fits PATH_MAX); never truncated. */
#define FAM_PATH_MAX		(PATH_MAX - 1)
#define FAM_NAME_MAX		255
/* Extents per file in one CREATE record. */
#define FAM_MAX_EXTENTS		1024

struct fam_sb_disk {
	uint8_t  magic[FAM_MAGIC_LEN];
	uint32_t version;
	uint32_t sb_size;
	uint64_t features_compat;
	uint64_t features_incompat;
	uint64_t features_ro_compat;
	uint8_t  uuid[16];
	uint64_t device_size;
	uint64_t log_offset;
	uint64_t log_size;
	uint64_t data_offset;
	uint64_t alloc_unit;
	uint32_t max_hosts;
	uint32_t host_slot_size;
	uint64_t host_slots_offset;
	uint64_t create_time_ns;
	char     label[32];
	uint8_t  reserved[96];
	uint32_t pad;
	uint32_t crc;
};
_Static_assert(sizeof(struct fam_sb_disk) == 256, "superblock is 256 bytes");

/* Native-endian view of the superblock. */
struct fam_sb {
	uint32_t version;
	uint64_t features_compat, features_incompat, features_ro_compat;
	uint8_t  uuid[16];
	uint64_t device_size;
	uint64_t log_offset, log_size;
	uint64_t data_offset;
	uint64_t alloc_unit;
	uint32_t max_hosts;
	uint64_t create_time_ns;
	char     label[33];
};

/*
 * Log header. Two copies, at log_offset and log_offset + 4 KiB; a writer
 * always overwrites the older copy (update_count & 1 selects the slot), so a
 * torn header write leaves the previous header intact.
 */
#define FAM_LOG_HDR_SLOT	4096
#define FAM_LOG_HDR_AREA	(2 * FAM_LOG_HDR_SLOT)

struct fam_log_hdr_disk {
	uint8_t  magic[FAM_MAGIC_LEN];
	uint32_t version;
	uint32_t hdr_size;
	uint8_t  uuid[16];
	uint64_t update_count;
	uint64_t area_size;	/* bytes of the record area after the header area */
	uint64_t committed_seq;	/* seq of the last committed record; 0: none */
	uint64_t head;		/* offset in the record area of the oldest live record */
	uint64_t head_seq;	/* its seq */
	uint64_t tail;		/* offset where the next record goes */
	uint64_t epoch;		/* master epoch of the last commit */
	uint64_t wrap_count;
	uint8_t  reserved[24];
	uint32_t pad;
	uint32_t crc;
};
_Static_assert(sizeof(struct fam_log_hdr_disk) == 128, "log header is 128 bytes");

struct fam_log_hdr {
	uint64_t update_count;
	uint64_t area_size;
	uint64_t committed_seq;
	uint64_t head, head_seq;
	uint64_t tail;
	uint64_t epoch;
	uint64_t wrap_count;
	uint8_t  uuid[16];
};

/*
 * Records: header, payload, zero padding, CRC32C of everything before the
 * CRC. len is the whole record, a multiple of 8. A record never straddles the
 * end of the record area: a PAD record (or, when fewer than FAM_REC_MIN
 * bytes remain, nothing) fills the rest and the next record starts at 0.
 */
struct fam_rec_hdr_disk {
	uint32_t len;
	uint16_t type;
	uint16_t flags;
	uint64_t seq;
	uint64_t epoch;
};
_Static_assert(sizeof(struct fam_rec_hdr_disk) == 24, "record header is 24 bytes");

/*
 * Record header flags. FAM_REC_F_EXT: the payload ends in an extension, at
 * the first 8-byte boundary after the type's own fields:
 *   u32 ext_len, u32 ext_flags, u8 req_id[16]
 *   [FAM_EXT_PREV, OWNER only: u32 prev_host, u32 pad, u64 prev_epoch]
 * Readers that predate it ignore both the flag and the trailing bytes.
 */
#define FAM_REC_F_EXT	0x0001
#define FAM_REC_F_KNOWN	FAM_REC_F_EXT
#define FAM_EXT_PREV	0x0001	/* OWNER: the grant replaces prev_host's grant (a handoff) */
#define FAM_EXT_KNOWN	FAM_EXT_PREV
#define FAM_REQ_ID_LEN	16

#define FAM_REC_ALIGN	8
#define FAM_REC_MIN	32		/* header + crc, aligned */
#define FAM_REC_MAX	(1024 * 1024)	/* one record is at most 1 MiB */

enum fam_rec_type {
	FAM_REC_MKDIR = 1,
	FAM_REC_CREATE = 2,
	FAM_REC_DELETE = 3,
	FAM_REC_RENAME = 4,
	FAM_REC_OWNER = 5,
	FAM_REC_CHECKPOINT = 6,
	FAM_REC_PAD = 7,
};

struct fam_extent {
	uint64_t offset;	/* device byte offset */
	uint64_t len;		/* bytes */
};
_Static_assert(sizeof(struct fam_extent) == 16, "extent is 16 bytes");

enum fam_owner_mode { FAM_OWN_NONE = 0, FAM_OWN_RO = 1, FAM_OWN_RW = 2 };
enum fam_ckpt_phase { FAM_CKPT_BEGIN = 1, FAM_CKPT_END = 2 };

/* Space freed by a DELETE at free_seq, reusable once every host replayed past it. */
struct fam_pending_free {
	uint64_t free_seq;
	struct fam_extent ext;
};

/* A decoded record. Pointers refer into the caller's buffer (paths are not NUL-terminated there). */
struct fam_rec {
	uint16_t type;
	uint16_t flags;			/* FAM_REC_F_*; the encoder sets F_EXT when needed */
	uint64_t seq;
	uint64_t epoch;
	/* The client request that made the record (all zero: none; FAM_REC_F_EXT). */
	uint8_t req_id[FAM_REQ_ID_LEN];
	union {
		struct {
			uint64_t ino;
			uint32_t mode, uid, gid;
			uint64_t size;			/* CREATE only */
			uint32_t n_ext;			/* CREATE only */
			const struct fam_extent *ext;	/* CREATE only; may be unaligned on decode */
			const char *path;
			uint32_t path_len;
		} node;					/* MKDIR, CREATE */
		struct {
			uint64_t ino;
			const char *path;
			uint32_t path_len;
		} del;
		struct {
			uint64_t ino;
			const char *from, *to;
			uint32_t from_len, to_len;
		} ren;
		struct {
			uint32_t host;
			uint32_t mode;		/* enum fam_owner_mode */
			uint64_t grant_epoch;
			const char *path;
			uint32_t path_len;
			/* FAM_EXT_PREV: one atomic handoff from prev_host's grant */
			bool has_prev;
			uint32_t prev_host;
			uint64_t prev_epoch;
		} owner;
		struct {
			uint32_t phase;		/* enum fam_ckpt_phase */
			uint32_t n_pending;
			uint64_t next_ino;
			uint64_t n_records;	/* END: records between BEGIN and END */
			const struct fam_pending_free *pending;
		} ckpt;
	} u;
};

/* Superblock: encode (computes the CRC) and decode (verifies everything). */
void fam_sb_encode(const struct fam_sb *sb, struct fam_sb_disk *d);
int fam_sb_decode(const void *buf, size_t len, struct fam_sb *sb);
/* Compute the layout for a device; fills sb. Returns 0 or -EINVAL / -ENOSPC. */
int fam_sb_layout(struct fam_sb *sb, uint64_t device_size, uint64_t log_size,
		  uint64_t alloc_unit);

void fam_log_hdr_encode(const struct fam_log_hdr *h, struct fam_log_hdr_disk *d);
int fam_log_hdr_decode(const void *buf, size_t len, struct fam_log_hdr *h);

/* Records: encoded size, encode into buf (returns length or -errno), decode (returns length or -errno). */
size_t fam_rec_size(const struct fam_rec *r);
int fam_rec_encode(const struct fam_rec *r, void *buf, size_t cap);
int fam_rec_decode(const void *buf, size_t avail, struct fam_rec *r);
/* Copy an extent out of a decoded record (they may be unaligned). */
void fam_rec_extent(const struct fam_rec *r, uint32_t i, struct fam_extent *out);
void fam_rec_pending(const struct fam_rec *r, uint32_t i, struct fam_pending_free *out);

const char *fam_rec_type_name(unsigned int type);
/* Does the record carry a client request id? */
bool fam_rec_has_req(const struct fam_rec *r);

/* Path rules: absolute, no empty/./.. components, <= FAM_PATH_MAX, names <= FAM_NAME_MAX. */
int fam_path_check(const char *path, size_t len);
/* One name (path component): the same rules, and no '/' or NUL in it. */
int fam_name_check(const char *name, size_t len);

static inline uint64_t fam_round_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

#endif
