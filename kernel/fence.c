// SPDX-License-Identifier: GPL-2.0
/*
 * famfs - DAX file system for shared fabric-attached memory.
 *
 * Fencing this host off a file: the access mode, the write-back of dirty
 * cache lines, the zap of every mapping, and the wait for pages that are
 * still pinned (by O_DIRECT, vmsplice, io_uring fixed buffers, RDMA),
 * whether or not the file is still mapped anywhere.
 */
#include <linux/dax.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/pfn_t.h>
#include <linux/sched.h>
#include <linux/wait_bit.h>
#include <linux/writeback.h>

#include "famfs_internal.h"

/**
 * famfs_note_write() - record a write fault for famfs_writeback()
 * @fi: the file
 * @pgoff: a page of the fault
 * @pages: pages the fault maps (1, PMD or PUD), naturally aligned
 *
 * Called under the invalidate lock (shared), after the fault.
 */
void famfs_note_write(struct famfs_inode_info *fi, pgoff_t pgoff,
		      unsigned int pages)
{
	const unsigned int shift = FAMFS_WB_SHIFT - PAGE_SHIFT;
	unsigned long u = (pgoff & ~(pgoff_t)(pages - 1)) >> shift;
	unsigned long last = (pgoff | (pages - 1)) >> shift;

	if (!fi->written)
		return;
	for (; u <= last && u < fi->written_units; u++)
		if (!test_bit(u, fi->written))
			set_bit(u, fi->written);
}

static int famfs_writeback_range(struct inode *inode, loff_t start,
				 loff_t end)
{
	struct writeback_control wbc = {
		.sync_mode	= WB_SYNC_ALL,
		.nr_to_write	= LONG_MAX,
		.range_start	= start,
		.range_end	= end,
	};

	return dax_writeback_mapping_range(inode->i_mapping,
					   FAMFS_SB(inode->i_sb)->dax_dev, &wbc);
}

/*
 * Write back the CPU cache lines this host dirtied through mappings of
 * @inode: the dirty entries fs-dax tracks for fsync(2), limited to the
 * FAMFS_WB_SHIFT units that took a write fault since the last write-back
 * (fs-dax on this kernel tags entries dirty on read faults too, which would
 * make every lowering write back all that was ever mapped).  Each entry is
 * write-protected first, so a store after this faults (and meets the new
 * access, since the caller holds the invalidate lock exclusive).
 */
static int famfs_writeback(struct inode *inode)
{
	struct famfs_inode_info *fi = FAMFS_I(inode);
	unsigned long n = fi->written_units, rs, re = 0;
	int rc;

	if (!fi->written)
		return famfs_writeback_range(inode, 0, LLONG_MAX);
	for (;;) {
		rs = find_next_bit(fi->written, n, re);
		if (rs >= n)
			return 0;
		re = find_next_zero_bit(fi->written, n, rs);
		rc = famfs_writeback_range(inode, (loff_t)rs << FAMFS_WB_SHIFT,
					   ((loff_t)re << FAMFS_WB_SHIFT) - 1);
		if (rc)
			return rc;
		bitmap_clear(fi->written, rs, re - rs);
	}
}

/*
 * The first page of device range [@dev_off, @dev_off + @len) that fs-dax
 * gave to @mapping and that is referenced beyond the one reference fs-dax
 * pages keep while idle: a pin.  Caller holds dax_read_lock().
 */
static struct page *famfs_range_pinned(struct famfs_sb_info *sbi,
				       struct address_space *mapping,
				       u64 dev_off, u64 len)
{
	pgoff_t pgoff = (sbi->dax_part_off + dev_off) >> PAGE_SHIFT;
	long left = len >> PAGE_SHIFT, nr, j;
	struct page *page;
	pfn_t pfn;

	while (left > 0) {
		nr = dax_direct_access(sbi->dax_dev, pgoff, left, DAX_ACCESS,
				       NULL, &pfn);
		if (nr <= 0 || !pfn_t_has_page(pfn))
			return NULL;
		nr = min(nr, left);
		for (j = 0; j < nr; j++) {
			page = pfn_to_page(pfn_t_to_pfn(pfn) + j);
			if (READ_ONCE(page->mapping) == mapping &&
			    page_ref_count(page) > 1)
				return page;
		}
		pgoff += nr;
		left -= nr;
		cond_resched();
	}
	return NULL;
}

/*
 * A pinned page of @inode's memory, or NULL.  dax_layout_busy_page() only
 * looks while some mapping of the file exists (mapping_mapped()); a pin
 * taken through a mapping that its process has since unmapped is found
 * here instead, by walking the device pages of every extent or strip of
 * the file (fs-dax sets page->mapping on the pages it maps, and pins hold
 * a reference on top of the idle one).  Only files that were ever mapped
 * (famfs_claim()) can have such pages.
 */
static struct page *famfs_pinned_page(struct inode *inode)
{
	struct famfs_sb_info *sbi = FAMFS_SB(inode->i_sb);
	struct famfs_fmap *fmap = famfs_fmap_get(inode);
	struct page *page = NULL;
	u32 i, n;
	int id;

	if (!fmap || !READ_ONCE(FAMFS_I(inode)->faulted))
		return NULL;
	n = fmap->nstrips ?: fmap->ext_count;
	id = dax_read_lock();
	for (i = 0; i < n && !page; i++)
		page = famfs_range_pinned(sbi, inode->i_mapping,
					  fmap->ext[i].dev_off,
					  fmap->ext[i].len);
	dax_read_unlock(id);
	return page;
}

/*
 * Wait until no page of @inode is pinned, as fs-dax file systems do
 * before they change a file's layout; give up at @deadline (jiffies).
 * Caller holds the invalidate lock, and the file's access already forbids
 * new mappings.  Returns 0, or -EBUSY if pages are still pinned.
 */
static int famfs_wait_pins(struct inode *inode, unsigned long deadline)
{
	struct page *page;
	long left;

	for (;;) {
		page = dax_layout_busy_page(inode->i_mapping);
		if (!page)
			page = famfs_pinned_page(inode);
		if (!page)
			return 0;
		left = (long)(deadline - jiffies);
		if (left <= 0)
			return -EBUSY;
		/* fs-dax wakes this when the page's count drops back to 1. */
		wait_var_event_timeout(&page->_refcount,
				       page_ref_count(page) == 1,
				       min_t(long, left, HZ / 10));
	}
}

/**
 * famfs_lower_access_locked() - fence this host off a file
 * @inode: a regular file, i_rwsem held exclusive by the caller
 * @access: the new mode, lower than or equal to the current one
 * @pin_deadline: jiffies until which to wait for pinned pages
 *
 * In this order, under the invalidate lock (which faults take shared;
 * read(2)/write(2) are excluded by i_rwsem): the new mode is set (if the
 * caller did not already, see famfs_drop_access_early()), so no new
 * fault or I/O can succeed; dirty cache lines are written back; every
 * mapping is zapped (private copy-on-write pages stay: they are the
 * process's own memory); pinned pages are waited for, also those whose
 * mapping is already gone.
 *
 * Return: 0; -EBUSY if pages stayed pinned until @pin_deadline, or the
 * writeback's error.  The new mode is in force in every case.
 */
int famfs_lower_access_locked(struct inode *inode, int access,
			      unsigned long pin_deadline)
{
	struct address_space *mapping = inode->i_mapping;
	struct famfs_inode_info *fi = FAMFS_I(inode);
	int rc, rc2;

	filemap_invalidate_lock(mapping);
	if (access < fi->access)
		atomic64_inc(&FAMFS_SB(inode->i_sb)->revocations);
	WRITE_ONCE(fi->access, access);
	rc = famfs_writeback(inode);
	unmap_mapping_range(mapping, 0, 0, 0);
	rc2 = famfs_wait_pins(inode, pin_deadline);
	filemap_invalidate_unlock(mapping);
	return rc ?: rc2;
}

/**
 * famfs_drop_access_early() - lower access before waiting for i_rwsem
 * @inode: a regular file
 * @access: the new mode
 *
 * A read(2)/write(2) under way re-checks access at each range
 * (famfs_iomap_begin()), so it stops at the next FAMFS_IO_CHUNK boundary
 * instead of running to its end while the revocation waits.  Callers
 * serialise on lease_lock.
 */
void famfs_drop_access_early(struct inode *inode, int access)
{
	struct famfs_inode_info *fi = FAMFS_I(inode);

	if (access < READ_ONCE(fi->access)) {
		atomic64_inc(&FAMFS_SB(inode->i_sb)->revocations);
		WRITE_ONCE(fi->access, access);
	}
}

static void famfs_revoke_one(struct inode *inode, void *arg)
{
	unsigned long *deadline = arg;

	famfs_drop_access_early(inode, FAMFS_ACCESS_NONE);
	inode_lock(inode);
	if (famfs_lower_access_locked(inode, FAMFS_ACCESS_NONE, *deadline))
		pr_warn("famfs %s: ino %lu: pages still pinned after revocation\n",
			inode->i_sb->s_id, inode->i_ino);
	inode_unlock(inode);
}

/**
 * famfs_revoke_all() - drop this host's access to every file of the mount
 * @sb: the mount
 *
 * Lease expiry and memory failure: every file is fenced as by
 * famfs_lower_access_locked(), all of them within one pin deadline.
 */
void famfs_revoke_all(struct super_block *sb)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(FAMFS_PIN_WAIT_MS);

	famfs_walk_files(sb, famfs_revoke_one, &deadline);
}
