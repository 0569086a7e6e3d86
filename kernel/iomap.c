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
#include <linux/sort.h>

#include "famfs_internal.h"

/*
 * A zeroed map for @count extents or strips and @niext interleaved
 * extents (kept after ext[], so simple maps pay nothing for them).
 */
struct famfs_fmap *famfs_fmap_alloc(u32 count, u32 niext)
{
	struct famfs_fmap *fmap;

	fmap = kvzalloc(size_add(struct_size(fmap, ext, count),
				 array_size(niext, sizeof(*fmap->iext))),
			GFP_KERNEL);
	if (fmap && niext)
		fmap->iext = (struct famfs_iext *)&fmap->ext[count];
	return fmap;
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

/*
 * Bytes that strip @s of interleaved extent @ie must hold for the @used
 * bytes of the file it holds, computed without overflow (chunk_size >=
 * PAGE_SIZE, so the chunk count fits).
 */
static int famfs_strip_need(const struct famfs_iext *ie, u64 used, u32 s,
			    u64 *need)
{
	u64 rem, nchunks, per;
	u32 extra;

	nchunks = div64_u64_rem(used, ie->chunk_size, &rem);
	if (rem)
		nchunks++;
	per = div_u64_rem(nchunks, ie->nstrips, &extra);
	if (s < extra)
		per++;
	if (check_mul_overflow(per, ie->chunk_size, need))
		return -ERANGE;
	return 0;
}

/* File bytes that @ie holds: up to the end of the file. */
static u64 famfs_iext_used(const struct famfs_fmap *fmap,
			   const struct famfs_iext *ie)
{
	return min(ie->nbytes, fmap->size - ie->file_off);
}

/*
 * Validate the interleaved extents of @fmap and set their file offsets:
 * laid out in order, each holding some of the file (all but the last end
 * on a page boundary, so no page straddles two), all of them together at
 * least the file size; each of 1 .. FAMFS_MAX_STRIPS strips (their sum
 * nstrips), a page-aligned chunk, every strip in the device and large
 * enough for its share.
 */
static int famfs_iext_validate(struct famfs_sb_info *sbi,
			       struct famfs_fmap *fmap)
{
	struct famfs_iext *ie;
	u64 off = 0, need;
	u32 i, s, strips = 0;
	int rc;

	if (!fmap->niext || fmap->niext > FAMFS_V2_MAX_INTERLEAVED_EXTENTS ||
	    fmap->ext_count || !fmap->nstrips ||
	    fmap->nstrips > FAMFS_MAX_STRIPS)
		return -EINVAL;
	for (i = 0; i < fmap->niext; i++) {
		ie = &fmap->iext[i];
		if (!ie->nstrips || ie->nstrips > FAMFS_MAX_STRIPS ||
		    ie->first != strips || !ie->chunk_size ||
		    !PAGE_ALIGNED(ie->chunk_size) || !ie->nbytes ||
		    off >= fmap->size)
			return -EINVAL;
		if (i + 1 < fmap->niext && !PAGE_ALIGNED(ie->nbytes))
			return -EINVAL;
		if (check_add_overflow(strips, ie->nstrips, &strips) ||
		    strips > fmap->nstrips)
			return -EINVAL;
		ie->file_off = off;
		for (s = 0; s < ie->nstrips; s++) {
			struct famfs_fext *e = &fmap->ext[ie->first + s];

			rc = famfs_check_range(sbi, fmap->type, e->dev_off,
					       e->len);
			if (rc)
				return rc;
			rc = famfs_strip_need(ie, famfs_iext_used(fmap, ie), s,
					      &need);
			if (rc)
				return rc;
			if (e->len < need)
				return -EINVAL;
		}
		if (check_add_overflow(off, ie->nbytes, &off))
			off = U64_MAX;	/* more than any file size */
	}
	if (strips != fmap->nstrips || off < fmap->size)
		return -EINVAL;
	return 0;
}

static int famfs_fext_cmp(const void *a, const void *b)
{
	const struct famfs_fext *x = a, *y = b;

	if (x->dev_off != y->dev_off)
		return x->dev_off < y->dev_off ? -1 : 1;
	return 0;
}

/*
 * A file may not map the same memory twice (fs-dax keeps one file offset
 * per page).  Entries are already range-checked, so ends do not overflow.
 */
static int famfs_check_self_overlap(const struct famfs_fmap *fmap, u32 n)
{
	struct famfs_fext *copy;
	int rc = 0;
	u32 i;

	if (n < 2)
		return 0;
	copy = kvmalloc_array(n, sizeof(*copy), GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, fmap->ext, n * sizeof(*copy));
	sort(copy, n, sizeof(*copy), famfs_fext_cmp, NULL);
	for (i = 1; i < n; i++) {
		if (copy[i - 1].dev_off + copy[i - 1].len > copy[i].dev_off) {
			rc = -EINVAL;
			break;
		}
	}
	kvfree(copy);
	return rc;
}

/* Does any mapped regular file use memory in [off, off + len)? */
static bool famfs_ranges_used(struct famfs_sb_info *sbi, u64 off, u64 len)
{
	return interval_tree_iter_first(&sbi->ranges, off, off + len - 1);
}

/*
 * Validate a map before it is installed and fill in the file offsets.
 * Caller holds sbi->map_lock, which keeps the metadata ranges and the
 * tree of regular files' ranges stable.  All arithmetic is checked: the
 * file size never exceeds what the extents (strips) provide nor
 * s_maxbytes, every entry lies inside the device, regular files stay out
 * of the superblock and log, and a log may not be placed over memory a
 * regular file already uses.  Overlap between regular files is allowed
 * (user space's business) but only one of them can be mmapped at a time
 * (famfs_claim()).
 */
int famfs_fmap_validate(struct famfs_sb_info *sbi, struct famfs_fmap *fmap)
{
	u64 total = 0;
	u32 i, n;
	int rc;

	switch (fmap->type) {
	case FAMFS_REG:
		break;
	case FAMFS_SUPERBLOCK:
	case FAMFS_LOG:
		if (fmap->nstrips || fmap->niext || fmap->ext_count != 1)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	if (!fmap->size || fmap->size > (u64)sbi->sb->s_maxbytes)
		return -EINVAL;

	if (fmap->nstrips || fmap->niext) {
		rc = famfs_iext_validate(sbi, fmap);
		if (rc)
			return rc;
		n = fmap->nstrips;
	} else {
		n = fmap->ext_count;
		if (!n || n > FAMFS_MAX_EXTENTS2)
			return -EINVAL;
		for (i = 0; i < n; i++) {
			rc = famfs_check_range(sbi, fmap->type,
					       fmap->ext[i].dev_off,
					       fmap->ext[i].len);
			if (rc)
				return rc;
			fmap->ext[i].file_off = total;
			if (check_add_overflow(total, fmap->ext[i].len, &total))
				return -ERANGE;
		}
		if (total < fmap->size)
			return -EINVAL;
	}
	rc = famfs_check_self_overlap(fmap, n);
	if (rc)
		return rc;

	/* One superblock file and one log file per mount. */
	if ((fmap->type == FAMFS_SUPERBLOCK && sbi->have_sb_file) ||
	    (fmap->type == FAMFS_LOG && sbi->have_log_file))
		return -EEXIST;
	/* Whatever the order of creation: no data in the log. */
	if (fmap->type == FAMFS_LOG &&
	    famfs_ranges_used(sbi, fmap->ext[0].dev_off, fmap->ext[0].len))
		return -EPERM;
	return 0;
}

/*
 * Enter the ranges of a regular file's validated @fmap into the mount's
 * tree.  Caller holds sbi->map_lock.
 */
int famfs_ranges_add(struct famfs_sb_info *sbi, struct inode *inode,
		     struct famfs_fmap *fmap)
{
	struct famfs_inode_info *fi = FAMFS_I(inode);
	u32 i, n = fmap->nstrips ?: fmap->ext_count;
	struct famfs_range *r;

	if (fmap->type != FAMFS_REG)
		return 0;
	r = kvcalloc(n, sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		r[i].inode = inode;
		r[i].node.start = fmap->ext[i].dev_off;
		r[i].node.last = fmap->ext[i].dev_off + fmap->ext[i].len - 1;
		interval_tree_insert(&r[i].node, &sbi->ranges);
	}
	fi->ranges = r;
	return 0;
}

/* Remove @inode's ranges from the tree (eviction). */
void famfs_ranges_del(struct famfs_sb_info *sbi, struct inode *inode)
{
	struct famfs_inode_info *fi = FAMFS_I(inode);
	struct famfs_fmap *fmap = fi->fmap;
	u32 i, n;

	if (!fi->ranges)
		return;
	n = fmap->nstrips ?: fmap->ext_count;
	mutex_lock(&sbi->map_lock);
	for (i = 0; i < n; i++)
		interval_tree_remove(&fi->ranges[i].node, &sbi->ranges);
	mutex_unlock(&sbi->map_lock);
	kvfree(fi->ranges);
	fi->ranges = NULL;
}

/*
 * Before the first mapping of a regular file: on this kernel fs-dax
 * records one owner (mapping, index) per page, and faulting a page that
 * another file already mapped would trip its warnings.  Refuse, with a
 * message naming both files, when another file that was mapped shares
 * memory with this one.  The claim lasts until the file is evicted (its
 * DAX entries, and so the page owners, live until then).
 * Returns 0 or -EBUSY.
 */
int famfs_claim(struct inode *inode)
{
	struct famfs_sb_info *sbi = FAMFS_SB(inode->i_sb);
	struct famfs_inode_info *fi = FAMFS_I(inode);
	struct interval_tree_node *it;
	struct famfs_range *other;
	u32 i, n;
	int rc = 0;

	if (READ_ONCE(fi->faulted) || !fi->ranges)
		return 0;
	n = fi->fmap->nstrips ?: fi->fmap->ext_count;
	mutex_lock(&sbi->map_lock);
	for (i = 0; i < n && !rc; i++) {
		struct interval_tree_node *me = &fi->ranges[i].node;

		for (it = interval_tree_iter_first(&sbi->ranges, me->start,
						   me->last);
		     it; it = interval_tree_iter_next(it, me->start, me->last)) {
			other = container_of(it, struct famfs_range, node);
			if (other->inode == inode ||
			    !FAMFS_I(other->inode)->faulted)
				continue;
			pr_warn_ratelimited("famfs %s: file ino %lu shares memory at %#llx with mapped file ino %lu: mapping refused\n",
					    inode->i_sb->s_id, inode->i_ino,
					    (u64)max(me->start, it->start),
					    other->inode->i_ino);
			rc = -EBUSY;
			break;
		}
	}
	if (!rc)
		WRITE_ONCE(fi->faulted, true);
	mutex_unlock(&sbi->map_lock);
	return rc;
}

/*
 * Device offset of file offset @pos (< fmap->size) and bytes contiguous
 * from there.  Validation makes every result lie inside the device and,
 * for regular files, outside the superblock and log; this is asserted
 * again here before the address reaches fs/dax.c.
 */
int famfs_fmap_resolve(struct famfs_sb_info *sbi, const struct famfs_fmap *fmap,
		       u64 pos, u64 *dev, u64 *contig)
{
	const struct famfs_fext *e;
	u64 rel, end;
	u32 lo, hi;

	if (fmap->niext) {
		const struct famfs_iext *ie = NULL;
		u64 within, chunk, row, local, used;
		u32 i, strip;

		for (i = 0; i < fmap->niext; i++) {
			used = famfs_iext_used(fmap, &fmap->iext[i]);
			if (pos >= fmap->iext[i].file_off &&
			    pos - fmap->iext[i].file_off < used) {
				ie = &fmap->iext[i];
				break;
			}
		}
		if (!ie)
			goto bad;
		local = pos - ie->file_off;
		chunk = div64_u64_rem(local, ie->chunk_size, &within);
		row = div_u64_rem(chunk, ie->nstrips, &strip);
		e = &fmap->ext[ie->first + strip];
		if (check_mul_overflow(row, ie->chunk_size, &rel) ||
		    check_add_overflow(rel, within, &rel) || rel >= e->len)
			goto bad;
		*contig = min3(ie->chunk_size - within, e->len - rel,
			       used - local);
	} else {
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
		rel = pos - e->file_off;
		if (pos < e->file_off || rel >= e->len)
			goto bad;
		*contig = e->len - rel;
	}
	*dev = e->dev_off + rel;
	if (check_add_overflow(*dev, *contig, &end) || end > sbi->dev_size)
		goto bad;
	if (fmap->type == FAMFS_REG &&
	    (*dev < FAMFS_SUPERBLOCK_SIZE ||
	     (READ_ONCE(sbi->have_log_file) &&
	      famfs_ranges_overlap(*dev, *contig, sbi->log_start,
				   sbi->log_len))))
		goto bad;
	return 0;
bad:
	pr_err_ratelimited("famfs %s: file offset %#llx resolves outside the data area: refused\n",
			   sbi->sb->s_id, pos);
	return -EIO;
}

/*
 * File offset at which entry @i of @fmap (an extent or a strip) holds the
 * device byte @dev_off, or U64_MAX if it does not.  Used to find the
 * users of poisoned memory.
 */
u64 famfs_fmap_dev_to_file(const struct famfs_fmap *fmap, u32 i, u64 dev_off)
{
	const struct famfs_fext *e = &fmap->ext[i];
	const struct famfs_iext *ie;
	u64 rel, row, within, foff;
	u32 k;

	if (dev_off < e->dev_off || dev_off - e->dev_off >= e->len)
		return U64_MAX;
	rel = dev_off - e->dev_off;
	if (!fmap->niext) {
		foff = e->file_off + rel;
		return foff < fmap->size ? foff : U64_MAX;
	}
	for (k = 0; k < fmap->niext; k++) {
		ie = &fmap->iext[k];
		if (i < ie->first || i - ie->first >= ie->nstrips)
			continue;
		row = div64_u64_rem(rel, ie->chunk_size, &within);
		foff = (row * ie->nstrips + i - ie->first) * ie->chunk_size +
		       within;
		if (foff < famfs_iext_used(fmap, ie))
			return ie->file_off + foff;
	}
	return U64_MAX;
}

static int famfs_iomap_begin(struct inode *inode, loff_t pos, loff_t length,
			     unsigned int flags, struct iomap *iomap,
			     struct iomap *srcmap)
{
	struct famfs_sb_info *sbi = FAMFS_SB(inode->i_sb);
	struct famfs_fmap *fmap = famfs_fmap_get(inode);
	u64 start = pos & PAGE_MASK;
	u64 dev_off, contig, len;
	int access, rc;

	/*
	 * Access is checked again for every range of a read(2)/write(2) (at
	 * most FAMFS_IO_CHUNK bytes each) and of a fault, so I/O under way
	 * stops at the next range once a lease deadline passes.
	 */
	access = famfs_effective_access(inode);
	if (access == FAMFS_ACCESS_NONE)
		return READ_ONCE(FAMFS_I(inode)->truncated) ||
		       READ_ONCE(sbi->disabled) ? -EIO : -EACCES;
	if ((flags & IOMAP_WRITE) && access != FAMFS_ACCESS_RW)
		return -EPERM;
	if (!fmap)
		return -ENODATA;

	/*
	 * dax_iomap_rw() asks before it clamps a read to i_size: past the
	 * end report a hole, which reads as end of file.
	 */
	if (start >= fmap->size) {
		iomap->type = IOMAP_HOLE;
		iomap->flags = 0;
		iomap->addr = IOMAP_NULL_ADDR;
		iomap->offset = pos;
		iomap->length = length;
		iomap->bdev = inode->i_sb->s_bdev;
		iomap->dax_dev = sbi->dax_dev;
		return 0;
	}

	rc = famfs_fmap_resolve(sbi, fmap, start, &dev_off, &contig);
	if (rc)
		return rc;
	len = min_t(u64, contig, length + (pos - start));
	if (!(flags & IOMAP_FAULT)) {
		len = min_t(u64, len, FAMFS_IO_CHUNK);
		/*
		 * read(2)/write(2) touch the memory through the direct map:
		 * stale units are invalidated before the copy.
		 */
		rc = famfs_note_io(inode, start, len);
		if (rc)
			return rc;
	}

	iomap->type = IOMAP_MAPPED;
	iomap->flags = 0;
	iomap->offset = start;
	iomap->length = len;
	iomap->addr = dev_off + sbi->dax_part_off;
	iomap->bdev = inode->i_sb->s_bdev;
	iomap->dax_dev = sbi->dax_dev;
	return 0;
}

const struct iomap_ops famfs_iomap_ops = {
	.iomap_begin	= famfs_iomap_begin,
};
