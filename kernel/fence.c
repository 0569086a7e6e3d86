// SPDX-License-Identifier: GPL-2.0
/*
 * famfs - DAX file system for shared fabric-attached memory.
 *
 * Fencing this host off a file: the access mode, the zap of every mapping,
 * the wait for pages that are still pinned (by O_DIRECT, vmsplice, io_uring
 * fixed buffers, RDMA), whether or not the file is still mapped anywhere,
 * and the write-back of dirty cache lines; and, when access comes back, the
 * invalidation of the lines this host may still have cached: not in the
 * raise, but at the first touch of each unit after it (famfs_touch_units()).
 * All of it over the 2 MiB units of the file this host used
 * (famfs_note_fault(), famfs_note_write(), famfs_note_io()), not over the
 * whole file.
 */
#include <linux/dax.h>
#include <linux/fs.h>
#include <linux/libnvdimm.h>
#include <linux/mm.h>
#include <linux/pfn_t.h>
#include <linux/sched.h>
#include <linux/wait_bit.h>
#include <linux/writeback.h>

#include "famfs_internal.h"

static int famfs_touch_units(struct inode *inode, unsigned long u,
			     unsigned long last);

/**
 * famfs_units_alloc() - the written, mapped, cached and stale bitmaps
 * @fi: a regular file being mapped
 * @size: its size
 *
 * Return: 0 or -ENOMEM (then every unit counts as set in all four).
 */
int famfs_units_alloc(struct famfs_inode_info *fi, u64 size)
{
	unsigned long units = DIV_ROUND_UP(size, 1ULL << FAMFS_WB_SHIFT);
	unsigned long longs = BITS_TO_LONGS(units);
	unsigned long *map;

	map = kvcalloc(4 * longs, sizeof(unsigned long), GFP_KERNEL);
	if (!map)
		return -ENOMEM;
	fi->units = units;
	fi->mapped = map + longs;
	fi->cached = map + 2 * longs;
	fi->stale = map + 3 * longs;
	fi->written = map;
	return 0;
}

/* The first and last unit of file pages [@pgoff & ~(@pages - 1), + @pages). */
static void famfs_page_units(pgoff_t pgoff, unsigned int pages,
			     unsigned long *u, unsigned long *last)
{
	const unsigned int shift = FAMFS_WB_SHIFT - PAGE_SHIFT;

	*u = (pgoff & ~(pgoff_t)(pages - 1)) >> shift;
	*last = (pgoff | (pages - 1)) >> shift;
}

/* Set the units of file pages [@pgoff & ~(@pages - 1), + @pages) in @map. */
static void famfs_mark(unsigned long *map, unsigned long units, pgoff_t pgoff,
		       unsigned int pages)
{
	unsigned long u, last;

	if (!map)
		return;
	famfs_page_units(pgoff, pages, &u, &last);
	for (; u <= last && u < units; u++)
		if (!test_bit(u, map))
			set_bit(u, map);
}

/**
 * famfs_any_stale() - is a unit of a fault's pages still to be invalidated?
 * @fi: the file
 * @pgoff: a page of the fault
 * @pages: pages the fault would map, naturally aligned
 *
 * A PUD fault asks first: rather than invalidate 512 units for a mapping
 * fs-dax may not even give, it falls back to PMD faults, which invalidate
 * only the units they map.
 */
bool famfs_any_stale(struct famfs_inode_info *fi, pgoff_t pgoff,
		     unsigned int pages)
{
	unsigned long u, last;

	if (!fi->stale || !fi->units)
		return false;
	famfs_page_units(pgoff, pages, &u, &last);
	if (last >= fi->units)
		last = fi->units - 1;
	return u <= last && find_next_bit(fi->stale, last + 1, u) <= last;
}

/**
 * famfs_note_fault() - record a fault, read or write, before it maps
 * @inode: the file
 * @pgoff: a page of the fault
 * @pages: pages the fault maps (1, PMD or PUD), naturally aligned
 *
 * Called under the invalidate lock (shared), before dax_iomap_fault():
 * the stale units among the pages are invalidated (famfs_touch_units()),
 * then the pages are recorded as possibly pinned through the mapping
 * (famfs_pinned_page()) and their lines as cached on this host
 * (famfs_invalidate_cached()).
 *
 * Return: 0, or -EIO if a stale unit could not be invalidated: the fault
 * must not map it.
 */
int famfs_note_fault(struct inode *inode, pgoff_t pgoff, unsigned int pages)
{
	struct famfs_inode_info *fi = FAMFS_I(inode);
	unsigned long u, last;
	int rc;

	famfs_page_units(pgoff, pages, &u, &last);
	rc = famfs_touch_units(inode, u, last);
	if (rc)
		return rc;
	famfs_mark(fi->mapped, fi->units, pgoff, pages);
	famfs_mark(fi->cached, fi->units, pgoff, pages);
	return 0;
}

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
	famfs_mark(fi->written, fi->units, pgoff, pages);
}

/**
 * famfs_note_io() - record read(2)/write(2) of file bytes [@pos, + @len)
 * @inode: the file
 * @pos: the first byte
 * @len: bytes, > 0
 *
 * Called under i_rwsem (shared for a read) from famfs_iomap_begin(),
 * before the copy: the copy goes through the kernel's own address of the
 * memory, so the stale units it reaches are invalidated first
 * (famfs_touch_units()), and it leaves lines in this host's caches as a
 * mapping does.
 *
 * Return: 0, or -EIO if a stale unit could not be invalidated: the copy
 * must not run.
 */
int famfs_note_io(struct inode *inode, u64 pos, u64 len)
{
	struct famfs_inode_info *fi = FAMFS_I(inode);
	unsigned long u = pos >> FAMFS_WB_SHIFT;
	unsigned long last = (pos + len - 1) >> FAMFS_WB_SHIFT;
	int rc;

	rc = famfs_touch_units(inode, u, last);
	if (rc || !fi->cached)
		return rc;
	for (; u <= last && u < fi->units; u++)
		if (!test_bit(u, fi->cached))
			set_bit(u, fi->cached);
	return 0;
}

/*
 * What famfs_range_walk() calls for each run of pages that the device maps
 * contiguously: @nr pages from kernel address @kaddr, first pfn @pfn.
 * Returns 0 to go on, or stops the walk with its result.
 */
typedef int (*famfs_unit_fn)(struct inode *inode, void *kaddr, pfn_t pfn,
			     long nr, void *arg);

/*
 * Units a walk takes at once (one resolve and one dax_direct_access() per
 * extent within them): 64 units, 128 MiB, then a cond_resched().
 */
#define FAMFS_WALK_UNITS	64

/*
 * Call @fn on the memory of units [@u, @u + @n) of @inode (the part of
 * them within the file's pages), one call per run of pages the device maps
 * contiguously, not one per unit.  Returns 0, @fn's non-zero result, or
 * -EIO when the device cannot give an address for it.
 */
static int famfs_range_walk(struct inode *inode, unsigned long u,
			    unsigned long n, famfs_unit_fn fn, void *arg)
{
	struct famfs_sb_info *sbi = FAMFS_SB(inode->i_sb);
	struct famfs_fmap *fmap = famfs_fmap_get(inode);
	u64 pos = (u64)u << FAMFS_WB_SHIFT, end, dev, contig;
	long left, nr;
	pgoff_t pgoff;
	void *kaddr;
	pfn_t pfn;
	int id, rc = 0;

	if (!fmap)
		return 0;
	end = min_t(u64, pos + ((u64)n << FAMFS_WB_SHIFT),
		    round_up(fmap->size, PAGE_SIZE));
	id = dax_read_lock();
	while (pos < end && !rc) {
		rc = famfs_fmap_resolve(sbi, fmap, pos, &dev, &contig);
		if (rc)
			break;
		contig = min(contig, end - pos);
		pgoff = (sbi->dax_part_off + dev) >> PAGE_SHIFT;
		left = DIV_ROUND_UP(contig, PAGE_SIZE);
		pos += contig;
		while (left > 0 && !rc) {
			nr = dax_direct_access(sbi->dax_dev, pgoff, left,
					       DAX_ACCESS, &kaddr, &pfn);
			if (nr <= 0) {
				rc = nr ?: -EIO;
				break;
			}
			nr = min(nr, left);
			rc = fn(inode, kaddr, pfn, nr, arg);
			pgoff += nr;
			left -= nr;
		}
	}
	dax_read_unlock(id);
	return rc;
}

/*
 * Call @fn on every unit set in @map (every unit when @map is NULL), a run
 * of consecutive set units (at most FAMFS_WALK_UNITS) at a time, clearing
 * the units of each run @fn returned 0 for.  Returns 0 or the first
 * non-zero result (the units of that run and of later ones are left as
 * they are).  Callers hold the invalidate lock and i_rwsem exclusive, or
 * no fault or I/O of the file can run: nothing sets a bit meanwhile.
 */
static int famfs_units_walk(struct inode *inode, unsigned long *map,
			    famfs_unit_fn fn, void *arg)
{
	unsigned long n = FAMFS_I(inode)->units, u, next;
	struct famfs_fmap *fmap = famfs_fmap_get(inode);
	int rc;

	if (!map && fmap)
		n = DIV_ROUND_UP(fmap->size, 1ULL << FAMFS_WB_SHIFT);
	for (u = 0; u < n; u = next) {
		if (map) {
			u = find_next_bit(map, n, u);
			if (u >= n)
				break;
			next = find_next_zero_bit(map, n, u);
		} else {
			next = n;
		}
		next = min(next, u + FAMFS_WALK_UNITS);
		rc = famfs_range_walk(inode, u, next - u, fn, arg);
		if (rc)
			return rc;
		if (map)
			bitmap_clear(map, u, next - u);
		cond_resched();
	}
	return 0;
}

static int famfs_wb_fn(struct inode *inode, void *kaddr, pfn_t pfn, long nr,
		       void *arg)
{
	dax_flush(FAMFS_SB(inode->i_sb)->dax_dev, kaddr, nr << PAGE_SHIFT);
	*(u64 *)arg += nr << PAGE_SHIFT;
	return 0;
}

/*
 * Write back the CPU cache lines this host dirtied through mappings of
 * @inode: the FAMFS_WB_SHIFT units that took a write fault since the last
 * write-back (fs-dax on this kernel tags entries dirty on read faults too,
 * so its dirty entries would be every entry ever faulted), through the
 * kernel's own address of the memory, with one fence at the end.  Called
 * after the zap, with faults and read(2)/write(2) excluded: nothing can
 * store to the file's memory from this host meanwhile, so no entry needs
 * the write-protection dax_writeback_mapping_range() gives each one.
 * As dax_flush(), nothing to do when the device's write cache is off.
 * fs-dax's dirty tags stay set: a later fsync(2) writes those entries
 * back again (correct, only redundant).
 */
static int famfs_writeback(struct inode *inode)
{
	struct famfs_sb_info *sbi = FAMFS_SB(inode->i_sb);
	struct famfs_inode_info *fi = FAMFS_I(inode);
	u64 bytes = 0;
	int rc;

	if (!dax_write_cache_enabled(sbi->dax_dev)) {
		if (fi->written)
			bitmap_zero(fi->written, fi->units);
		return 0;
	}
	rc = famfs_units_walk(inode, fi->written, famfs_wb_fn, &bytes);
	if (bytes) {
		wmb();	/* sfence: the clwb above are complete */
		atomic64_add(bytes, &sbi->writeback_bytes);
	}
	return rc;
}

struct famfs_pin_scan {
	struct page	*page;
	u64		pages;
};

/*
 * fs-dax pages are ZONE_DEVICE pages, and ZONE_DEVICE needs
 * SPARSEMEM_VMEMMAP: the struct pages of a run of pfns are one array, and
 * famfs_pin_fn() walks them by pointer.
 */
#if IS_ENABLED(CONFIG_ZONE_DEVICE) && !IS_ENABLED(CONFIG_SPARSEMEM_VMEMMAP)
#error "famfs: ZONE_DEVICE without SPARSEMEM_VMEMMAP"
#endif

/*
 * The first page of [@page, @end) referenced more than once, or @end.  An
 * idle fs-dax page has a count of 1: the counts of 8 pages or'ed together
 * are above 1 only if one of them is (a count of 0 or 1 adds no higher
 * bit).  One load per page and one test per 8 pages: the scan of a mapped
 * GiB reads 262144 counts.
 */
static struct page *famfs_busy_page(struct page *page, struct page *end)
{
#ifdef FAMFS_BUG_PIN_STRIDE
	/* Deliberately wrong (check-vm-bug-kcost): the first page of 8 only. */
	for (; page < end; page += 8)
		if (page_ref_count(page) > 1)
			return page;
	return end;
#endif
	for (; end - page >= 8; page += 8)
		if ((page_ref_count(page) | page_ref_count(page + 1) |
		     page_ref_count(page + 2) | page_ref_count(page + 3) |
		     page_ref_count(page + 4) | page_ref_count(page + 5) |
		     page_ref_count(page + 6) | page_ref_count(page + 7)) > 1)
			break;
	for (; page < end; page++)
		if (page_ref_count(page) > 1)
			return page;
	return end;
}

/*
 * A page of the run fs-dax gave to @inode's mapping that is referenced
 * beyond the one reference fs-dax pages keep while idle: a pin.  The same
 * test as fs-dax's dax_busy_page() on the pages of the file's entries.
 */
static int famfs_pin_fn(struct inode *inode, void *kaddr, pfn_t pfn, long nr,
			void *arg)
{
	struct famfs_pin_scan *ps = arg;
	struct page *page, *end;

	if (!pfn_t_has_page(pfn))
		return 0;
	ps->pages += nr;
	page = pfn_to_page(pfn_t_to_pfn(pfn));
	for (end = page + nr; ; page++) {
		page = famfs_busy_page(page, end);
		if (page == end)
			return 0;
		if (READ_ONCE(page->mapping) == inode->i_mapping) {
			ps->page = page;
			return 1;
		}
	}
}

/*
 * A pinned page of @inode's memory, or NULL.  A page can only be pinned
 * (get_user_pages) through a mapping, and every fault first marks its
 * units in fi->mapped (famfs_note_fault()); the caller zapped every
 * mapping and holds the invalidate lock exclusive, so no new pin can be
 * taken, and only the marked units need a look.  A unit found without a
 * pin is cleared; one with a pin stays marked for the next check.  This
 * also finds pins whose mapping is already gone (the process unmapped
 * it), which fs-dax's dax_layout_busy_page() does not look for.
 */
static struct page *famfs_pinned_page(struct inode *inode)
{
	struct famfs_inode_info *fi = FAMFS_I(inode);
	struct famfs_pin_scan ps = { };

	if (!READ_ONCE(fi->faulted))
		return NULL;
	famfs_units_walk(inode, fi->mapped, famfs_pin_fn, &ps);
	atomic64_add(ps.pages, &FAMFS_SB(inode->i_sb)->pin_scan_pages);
	return ps.page;
}

/*
 * Wait until no page of @inode is pinned, as fs-dax file systems do
 * before they change a file's layout; give up at @deadline (jiffies).
 * Caller holds the invalidate lock, zapped every mapping, and the file's
 * access already forbids new mappings.  Returns 0, or -EBUSY if pages
 * are still pinned.
 */
static int famfs_wait_pins(struct inode *inode, unsigned long deadline)
{
	struct page *page;
	long left;

	for (;;) {
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

static int famfs_inval_fn(struct inode *inode, void *kaddr, pfn_t pfn,
			  long nr, void *arg)
{
	/* clflushopt of every line, fenced before and after. */
	arch_invalidate_pmem(kaddr, nr << PAGE_SHIFT);
	*(u64 *)arg += nr << PAGE_SHIFT;
	return 0;
}

/*
 * Invalidate the stale units among units [@u, @last] of @inode before this
 * host touches them (a fault maps them, read(2)/write(2) copies through the
 * kernel's address).  Called with the invalidate lock (faults) or i_rwsem
 * (I/O) held, at least shared.
 *
 * Why nobody reads a stale line: stale bits are set only by a raise from
 * none, which holds both locks exclusive, so no fault or I/O runs while
 * they are set, and none that started before the raise is still running.
 * Every later fault and copy calls this first, for every unit it reaches.
 * Two of them may race on one unit (faults share the invalidate lock,
 * reads share i_rwsem): each sees the bit set and invalidates the unit,
 * which is harmless twice (and counted twice); the bit is cleared only
 * after the invalidation has completed (arch_invalidate_pmem() fences after
 * its clflushopt), with release ordering, so whoever sees it clear finds no
 * stale line of the unit in any cache of this host and may map or copy.
 * Only a fault or a copy can bring a unit's lines into this host's caches,
 * and neither starts on a stale unit before this has run for it.  Lowering
 * to none leaves the bits as they are: with no access there is no touch; a
 * later raise adds the units cached since.  Eviction invalidates stale and
 * cached units (famfs_invalidate_cached()).
 *
 * Returns 0, or -EIO if a unit could not be invalidated (it stays stale).
 */
static int famfs_touch_units(struct inode *inode, unsigned long u,
			     unsigned long last)
{
	struct famfs_sb_info *sbi = FAMFS_SB(inode->i_sb);
	struct famfs_inode_info *fi = FAMFS_I(inode);
	unsigned long end;
	u64 bytes = 0;
	int rc = 0;

	if (!fi->stale || u >= fi->units)
		return 0;
	end = min(last + 1, fi->units);
	for (u = find_next_bit(fi->stale, end, u); u < end;
	     u = find_next_bit(fi->stale, end, u + 1)) {
#ifndef FAMFS_BUG_TOUCH_NO_INVAL
		rc = famfs_range_walk(inode, u, 1, famfs_inval_fn, &bytes);
		if (rc)
			break;
#endif
		/* After the fence that ends the invalidation. */
		clear_bit_unlock(u, fi->stale);
	}
	if (bytes)
		atomic64_add(bytes, &sbi->invalidated_bytes);
	if (rc) {
		pr_warn_ratelimited("famfs %s: ino %lu: cannot invalidate a stale unit\n",
				    inode->i_sb->s_id, inode->i_ino);
		return -EIO;
	}
	return 0;
}

/**
 * famfs_invalidate_cached() - drop this host's cached lines of a file
 * @inode: a regular file; no fault or I/O of it can run (access none, or
 *	   the inode is being evicted)
 *
 * Invalidates (clflushopt, through the kernel's address of the memory)
 * every unit marked in fi->cached or fi->stale, and clears them.  Faults and
 * read(2)/write(2) are the only ways this host touches a file's memory,
 * and both mark the units first (famfs_note_fault(), famfs_note_io()), so
 * the lines of other units cannot be in this host's caches: hardware
 * prefetchers do not cross a 4 KiB page, and the units are whole pages.
 */
void famfs_invalidate_cached(struct inode *inode)
{
	struct famfs_sb_info *sbi = FAMFS_SB(inode->i_sb);
	struct famfs_inode_info *fi = FAMFS_I(inode);
	u64 bytes = 0;

	if (READ_ONCE(sbi->disabled))
		return;	/* do not touch memory that failed */
	if (fi->stale) {
		bitmap_or(fi->cached, fi->cached, fi->stale, fi->units);
		bitmap_zero(fi->stale, fi->units);
	}
	if (famfs_units_walk(inode, fi->cached, famfs_inval_fn, &bytes))
		pr_warn_ratelimited("famfs %s: ino %lu: cannot invalidate its cached lines\n",
				    inode->i_sb->s_id, inode->i_ino);
	atomic64_add(bytes, &sbi->invalidated_bytes);
}

/**
 * famfs_raise_access_locked() - give this host more access to a file
 * @inode: a regular file, i_rwsem held exclusive by the caller
 * @access: the new mode, higher than the current one
 *
 * From none, the lines this host may still have cached from before the
 * file was taken away (another host may have written the memory since)
 * must not be read.  The raise does not invalidate them: under the
 * invalidate lock and i_rwsem, both exclusive, it moves the units that
 * can have cached lines (fi->cached) to fi->stale, and each is invalidated
 * at its first touch (famfs_touch_units()).  The raise costs one pass over
 * the bitmaps, whatever this host had cached.  Without bitmaps (their
 * allocation failed) the whole file is invalidated here, as before.
 */
void famfs_raise_access_locked(struct inode *inode, int access)
{
	struct address_space *mapping = inode->i_mapping;
	struct famfs_inode_info *fi = FAMFS_I(inode);

	filemap_invalidate_lock(mapping);
	if (fi->access == FAMFS_ACCESS_NONE) {
		if (fi->stale) {
			bitmap_or(fi->stale, fi->stale, fi->cached, fi->units);
			bitmap_zero(fi->cached, fi->units);
		} else {
			famfs_invalidate_cached(inode);
		}
	}
	WRITE_ONCE(fi->access, access);
	filemap_invalidate_unlock(mapping);
}

/*
 * Remove every mapping of @inode's pages from every page table (private
 * copy-on-write copies stay: they are the process's own memory), as
 * unmap_mapping_range() over the whole file would, but over the span from
 * the first to the last unit set in fi->mapped only.  Caller holds the
 * invalidate lock exclusive.
 *
 * Why nothing outside the span is mapped: a page of the file gets into a
 * page table only through famfs_dax_huge_fault() (fork and mremap copy or
 * move entries at the same file offsets), which marks its unit in
 * fi->mapped under the invalidate lock shared, before dax_iomap_fault()
 * installs the entry (a PUD fault after it, still under the lock).  A bit
 * is cleared only by famfs_pinned_page(), after a zap like this one under
 * the lock held exclusive since, which removed every entry of the marked
 * units, hence every entry.  So at any time every entry lies in a marked
 * unit.  Without the bitmap (its allocation failed) the whole file is
 * zapped.
 */
static void famfs_zap(struct inode *inode)
{
	struct famfs_inode_info *fi = FAMFS_I(inode);
	unsigned long first, last;

	if (!fi->mapped) {
		unmap_mapping_range(inode->i_mapping, 0, 0, 0);
		return;
	}
	first = find_first_bit(fi->mapped, fi->units);
	if (first >= fi->units)
		return;
	last = find_last_bit(fi->mapped, fi->units);
#ifdef FAMFS_BUG_ZAP_WRITTEN
	/* Deliberately wrong (check-vm-bug-kcost): the written units only. */
	first = find_first_bit(fi->written, fi->units);
	if (first >= fi->units)
		return;
	last = find_last_bit(fi->written, fi->units);
#endif
	unmap_mapping_range(inode->i_mapping, (loff_t)first << FAMFS_WB_SHIFT,
			    (loff_t)(last - first + 1) << FAMFS_WB_SHIFT, 0);
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
 * fault or I/O can succeed; every mapping is zapped (private copy-on-write
 * pages stay: they are the process's own memory), so no store from this
 * host reaches the memory any more; pinned pages are waited for, also
 * those whose mapping is already gone (I/O into a pinned page may still
 * store to it); then the dirty cache lines are written back.
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
	famfs_zap(inode);
	rc2 = famfs_wait_pins(inode, pin_deadline);
	rc = famfs_writeback(inode);
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
