// SPDX-License-Identifier: GPL-2.0
/*
 * famfs - DAX file system for shared fabric-attached memory.
 *
 * File offset -> device address.  Each file caches its complete extent
 * list (struct famfs_fmap), so a fault never waits for user space.
 */
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/slab.h>

#include "famfs_internal.h"

struct famfs_fmap *famfs_fmap_alloc(u32 count)
{
	struct famfs_fmap *fmap;

	return kvzalloc(struct_size(fmap, ext, count), GFP_KERNEL);
}

void famfs_fmap_free(struct famfs_fmap *fmap)
{
	kvfree(fmap);
}

static bool famfs_ranges_overlap(u64 a, u64 alen, u64 b, u64 blen)
{
	return a < b + blen && b < a + alen;
}

/* Checks common to extents and strips. */
static int famfs_check_range(struct famfs_sb_info *sbi,
			     enum famfs_file_type type, u64 off, u64 len)
{
	u64 end;

	if (!len || !PAGE_ALIGNED(off) || !PAGE_ALIGNED(len))
		return -EINVAL;
	if (check_add_overflow(off, len, &end) || end > sbi->dev_size)
		return -ERANGE;

	switch (type) {
	case FAMFS_SUPERBLOCK:
		if (off != 0 || len > FAMFS_SUPERBLOCK_SIZE)
			return -EINVAL;
		break;
	case FAMFS_LOG:
		if (off < FAMFS_SUPERBLOCK_SIZE)
			return -EPERM;
		break;
	case FAMFS_REG:
		/* Data never lives in the superblock or log region. */
		if (off < FAMFS_SUPERBLOCK_SIZE)
			return -EPERM;
		if (sbi->have_log_file &&
		    famfs_ranges_overlap(off, len, sbi->log_start,
					 sbi->log_len))
			return -EPERM;
		break;
	}
	return 0;
}

/* Bytes of a file of @size that land in strip @s. */
static u64 famfs_strip_need(const struct famfs_fmap *fmap, u32 s)
{
	u64 nchunks = DIV64_U64_ROUND_UP(fmap->size, fmap->chunk_size);
	u64 per = div_u64(nchunks, fmap->nstrips);

	if (s < nchunks - per * fmap->nstrips)
		per++;
	return per * fmap->chunk_size;
}

/*
 * Validate a map before it is installed and fill in the file offsets.
 * Caller holds sbi->map_lock, which keeps the metadata ranges stable.
 * Overlap between regular files is allowed: it is user space's business.
 */
int famfs_fmap_validate(struct famfs_sb_info *sbi, struct famfs_fmap *fmap)
{
	u64 total = 0;
	u32 i;
	int rc;

	switch (fmap->type) {
	case FAMFS_REG:
		break;
	case FAMFS_SUPERBLOCK:
	case FAMFS_LOG:
		if (fmap->nstrips || fmap->ext_count != 1)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	if (!fmap->size)
		return -EINVAL;

	if (fmap->nstrips) {
		if (fmap->nstrips > FAMFS_MAX_STRIPS || !fmap->chunk_size ||
		    !PAGE_ALIGNED(fmap->chunk_size))
			return -EINVAL;
		for (i = 0; i < fmap->nstrips; i++) {
			rc = famfs_check_range(sbi, fmap->type,
					       fmap->ext[i].dev_off,
					       fmap->ext[i].len);
			if (rc)
				return rc;
			if (fmap->ext[i].len < famfs_strip_need(fmap, i))
				return -EINVAL;
		}
		return 0;
	}

	if (!fmap->ext_count || fmap->ext_count > FAMFS_MAX_EXTENTS2)
		return -EINVAL;
	for (i = 0; i < fmap->ext_count; i++) {
		rc = famfs_check_range(sbi, fmap->type, fmap->ext[i].dev_off,
				       fmap->ext[i].len);
		if (rc)
			return rc;
		fmap->ext[i].file_off = total;
		if (check_add_overflow(total, fmap->ext[i].len, &total))
			return -ERANGE;
	}
	if (total < fmap->size)
		return -EINVAL;

	/* One superblock file and one log file per mount. */
	if ((fmap->type == FAMFS_SUPERBLOCK && sbi->have_sb_file) ||
	    (fmap->type == FAMFS_LOG && sbi->have_log_file))
		return -EEXIST;
	return 0;
}

/* Device offset of file offset @pos and bytes contiguous from there. */
static u64 famfs_fmap_resolve(const struct famfs_fmap *fmap, u64 pos,
			      u64 *contig)
{
	const struct famfs_fext *e;
	u32 lo, hi;

	if (fmap->nstrips) {
		u64 within, chunk, row;
		u32 strip;

		chunk = div64_u64_rem(pos, fmap->chunk_size, &within);
		row = div_u64_rem(chunk, fmap->nstrips, &strip);
		*contig = fmap->chunk_size - within;
		return fmap->ext[strip].dev_off + row * fmap->chunk_size +
		       within;
	}

	/* Binary search for the last extent starting at or before pos. */
	lo = 0;
	hi = fmap->ext_count;
	while (hi - lo > 1) {
		u32 mid = lo + (hi - lo) / 2;

		if (fmap->ext[mid].file_off <= pos)
			lo = mid;
		else
			hi = mid;
	}
	e = &fmap->ext[lo];
	*contig = e->file_off + e->len - pos;
	return e->dev_off + (pos - e->file_off);
}

/*
 * File offset at which entry @i of @fmap (an extent or a strip) holds the
 * device byte @dev_off, or U64_MAX if it does not.  Used to find the
 * users of poisoned memory.
 */
u64 famfs_fmap_dev_to_file(const struct famfs_fmap *fmap, u32 i, u64 dev_off)
{
	const struct famfs_fext *e = &fmap->ext[i];
	u64 rel, row, within, foff;

	if (dev_off < e->dev_off || dev_off - e->dev_off >= e->len)
		return U64_MAX;
	rel = dev_off - e->dev_off;
	if (!fmap->nstrips) {
		foff = e->file_off + rel;
	} else {
		row = div64_u64_rem(rel, fmap->chunk_size, &within);
		foff = (row * fmap->nstrips + i) * fmap->chunk_size + within;
	}
	return foff < fmap->size ? foff : U64_MAX;
}

static int famfs_iomap_begin(struct inode *inode, loff_t pos, loff_t length,
			     unsigned int flags, struct iomap *iomap,
			     struct iomap *srcmap)
{
	struct famfs_sb_info *sbi = FAMFS_SB(inode->i_sb);
	struct famfs_fmap *fmap = famfs_fmap_get(inode);
	u64 start = pos & PAGE_MASK;
	u64 dev_off, contig;

	/*
	 * dax_iomap_rw() asks before it clamps a read to i_size: past the
	 * end (or in a file without a map, whose size is 0) report a hole,
	 * which reads as end of file.
	 */
	if (!fmap || start >= fmap->size) {
		iomap->type = IOMAP_HOLE;
		iomap->flags = 0;
		iomap->addr = IOMAP_NULL_ADDR;
		iomap->offset = pos;
		iomap->length = length;
		iomap->bdev = inode->i_sb->s_bdev;
		iomap->dax_dev = sbi->dax_dev;
		return 0;
	}

	dev_off = famfs_fmap_resolve(fmap, start, &contig);

	iomap->type = IOMAP_MAPPED;
	iomap->flags = 0;
	iomap->offset = start;
	iomap->length = min_t(u64, contig, length + (pos - start));
	iomap->addr = dev_off + sbi->dax_part_off;
	iomap->bdev = inode->i_sb->s_bdev;
	iomap->dax_dev = sbi->dax_dev;
	return 0;
}

const struct iomap_ops famfs_iomap_ops = {
	.iomap_begin	= famfs_iomap_begin,
};
