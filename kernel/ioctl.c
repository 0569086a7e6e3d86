// SPDX-License-Identifier: GPL-2.0
/*
 * famfs - DAX file system for shared fabric-attached memory.
 *
 * ioctls: installing and reading back file maps (the famfs v1 interface
 * and our extended one), per-file access with revocation, and the lease
 * that makes a host fence itself when its daemon stops renewing.
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/writeback.h>

#include "famfs_internal.h"

/* ----------------------------------------------------------------------
 * Lease
 */

/* Caller holds lease_lock.  Returns true if the lease just expired. */
static bool famfs_lease_check_locked(struct famfs_sb_info *sbi)
{
	if (!sbi->lease_armed || sbi->lease_expired ||
	    ktime_before(ktime_get(), sbi->lease_deadline))
		return false;
	WRITE_ONCE(sbi->lease_expired, true);
	sbi->lease_expirations++;
	pr_warn("famfs %s: lease of %u ms not renewed: access to all files dropped\n",
		sbi->sb->s_id, sbi->lease_ms);
	return true;
}

/* The deadline passed: revoke from process context, at once. */
enum hrtimer_restart famfs_lease_timer_fn(struct hrtimer *timer)
{
	struct famfs_sb_info *sbi = container_of(timer, struct famfs_sb_info,
						 lease_timer);

	queue_work(system_highpri_wq, &sbi->lease_work);
	return HRTIMER_NORESTART;
}

void famfs_lease_expire_work(struct work_struct *work)
{
	struct famfs_sb_info *sbi = container_of(work, struct famfs_sb_info,
						 lease_work);

	mutex_lock(&sbi->lease_lock);
	if (famfs_lease_check_locked(sbi))
		famfs_revoke_all(sbi->sb);
	mutex_unlock(&sbi->lease_lock);
}

/**
 * famfs_ioc_lease() - FAMFSIOC_LEASE: arm, renew, disable or query the lease
 * @file: any file or directory of the mount
 * @uarg: struct famfs_ioc_lease
 *
 * A lease of duration_ms arms an hrtimer at the absolute deadline
 * now + duration_ms (CLOCK_MONOTONIC); faults and I/O compare the clock
 * with the deadline themselves, and the timer revokes every file.
 *
 * Return: 0, -EPERM without CAP_SYS_ADMIN, -EINVAL on bad flags, non-zero
 * reserved fields or a duration over FAMFS_LEASE_MAX_MS, -EFAULT.
 */
static long famfs_ioc_lease(struct file *file, void __user *uarg)
{
	struct famfs_sb_info *sbi = FAMFS_SB(file_inode(file)->i_sb);
	struct famfs_ioc_lease l;
	ktime_t now, deadline;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&l, uarg, sizeof(l)))
		return -EFAULT;
	if (l.flags & ~FAMFS_LEASE_QUERY || l.reserved[0] || l.reserved[1])
		return -EINVAL;
	if (!(l.flags & FAMFS_LEASE_QUERY) && l.duration_ms > FAMFS_LEASE_MAX_MS)
		return -EINVAL;

	mutex_lock(&sbi->lease_lock);
	if (famfs_lease_check_locked(sbi))
		famfs_revoke_all(sbi->sb);

	l.state = 0;
	if (sbi->lease_armed && !sbi->lease_expired)
		l.state |= FAMFS_LEASE_ACTIVE;
	if (sbi->lease_expired)
		l.state |= FAMFS_LEASE_EXPIRED;

	if (l.flags & FAMFS_LEASE_QUERY) {
		l.duration_ms = sbi->lease_ms;
	} else if (!l.duration_ms) {
		WRITE_ONCE(sbi->lease_armed, false);
		WRITE_ONCE(sbi->lease_expired, false);
		sbi->lease_ms = 0;
		hrtimer_cancel(&sbi->lease_timer);
	} else {
		deadline = ktime_add_ms(ktime_get(), l.duration_ms);
		sbi->lease_ms = l.duration_ms;
		WRITE_ONCE(sbi->lease_deadline, deadline);
		/* Fault paths read the deadline only once armed is seen. */
		smp_wmb();
		WRITE_ONCE(sbi->lease_armed, true);
		WRITE_ONCE(sbi->lease_expired, false);
		hrtimer_start(&sbi->lease_timer, deadline, HRTIMER_MODE_ABS);
	}

	l.remaining_ms = 0;
	now = ktime_get();
	if (sbi->lease_armed && !sbi->lease_expired &&
	    ktime_before(now, sbi->lease_deadline))
		l.remaining_ms = ktime_ms_delta(sbi->lease_deadline, now);
	l.expirations = sbi->lease_expirations;
	mutex_unlock(&sbi->lease_lock);

	return copy_to_user(uarg, &l, sizeof(l)) ? -EFAULT : 0;
}

/**
 * famfs_ioc_set_access() - FAMFSIOC_SET_ACCESS: this host's access to a file
 * @file: a mapped regular file
 * @uarg: struct famfs_ioc_access
 *
 * Lowering fences the file (famfs_lower_access_locked()): dirty cache
 * lines written back, mappings zapped, read(2)/write(2) in progress
 * finished first, pinned pages waited for up to FAMFS_PIN_WAIT_MS.
 *
 * Return: 0; -EBUSY if pages stayed pinned (the new mode is in force);
 * -ETIMEDOUT raising while the lease is expired; -EIO raising on a
 * disabled mount or a truncated file; -ENODATA without a map; -EPERM
 * without CAP_SYS_ADMIN; -EINVAL on a bad mode or non-zero reserved fields.
 */
static long famfs_ioc_set_access(struct file *file, void __user *uarg)
{
	struct inode *inode = file_inode(file);
	struct famfs_sb_info *sbi = FAMFS_SB(inode->i_sb);
	struct famfs_inode_info *fi = FAMFS_I(inode);
	struct famfs_ioc_access a;
	long rc = 0;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.reserved0 || a.reserved[0] || a.reserved[1])
		return -EINVAL;
	if (a.access < FAMFS_ACCESS_NONE || a.access > FAMFS_ACCESS_RW)
		return -EINVAL;
	if (!famfs_fmap_get(inode))
		return -ENODATA;

	/* Held across a raise so that it cannot slip past an expiry. */
	mutex_lock(&sbi->lease_lock);
	famfs_drop_access_early(inode, a.access);
	inode_lock(inode);
	if (a.access <= fi->access) {
		/*
		 * A lowering needs no lease: an expiry only lowers too, and
		 * famfs_revoke_all() takes i_rwsem after us.  The pin wait and
		 * the write-back below may take seconds; the lease's renewal
		 * (FAMFSIOC_LEASE) and the other files' changes must not wait
		 * for them.
		 */
		mutex_unlock(&sbi->lease_lock);
		rc = famfs_lower_access_locked(inode, a.access, jiffies +
					       msecs_to_jiffies(FAMFS_PIN_WAIT_MS));
		inode_unlock(inode);
		return rc;
	}
	if (READ_ONCE(sbi->disabled) || fi->truncated) {
		rc = -EIO;
		goto out;
	}
	if (famfs_lease_check_locked(sbi)) {
		inode_unlock(inode);
		famfs_revoke_all(sbi->sb);
		inode_lock(inode);
	}
	if (sbi->lease_expired) {
		rc = -ETIMEDOUT;
		goto out;
	}
	famfs_raise_access_locked(inode, a.access);
out:
	inode_unlock(inode);
	mutex_unlock(&sbi->lease_lock);
	return rc;
}

/**
 * famfs_ioc_get_access() - FAMFSIOC_GET_ACCESS: effective access now
 * @file: a regular file
 * @uarg: struct famfs_ioc_access (out; reserved fields zero)
 *
 * Return: 0 or -EFAULT.
 */
static long famfs_ioc_get_access(struct file *file, void __user *uarg)
{
	struct famfs_ioc_access a;

	memset(&a, 0, sizeof(a));
	a.access = famfs_effective_access(file_inode(file));
	return copy_to_user(uarg, &a, sizeof(a)) ? -EFAULT : 0;
}

/* ----------------------------------------------------------------------
 * Maps
 */

static long famfs_install_map(struct file *file, struct famfs_fmap *fmap,
			      int access)
{
	struct inode *inode = file_inode(file);
	struct famfs_sb_info *sbi = FAMFS_SB(inode->i_sb);
	struct famfs_inode_info *fi = FAMFS_I(inode);
	long rc;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;

	inode_lock(inode);
	mutex_lock(&sbi->map_lock);
	if (fi->fmap || fi->truncated || i_size_read(inode)) {
		rc = -EEXIST;
		goto out;
	}
	rc = famfs_fmap_validate(sbi, fmap);
	if (rc)
		goto out;
	/* Without them every unit counts as written, mapped and cached. */
	if (fmap->type == FAMFS_REG && !fi->written)
		famfs_units_alloc(fi, fmap->size);
	rc = famfs_ranges_add(sbi, inode, fmap);
	if (rc)
		goto out;

	if (fmap->type == FAMFS_SUPERBLOCK) {
		sbi->have_sb_file = true;
	} else if (fmap->type == FAMFS_LOG) {
		sbi->log_start = fmap->ext[0].dev_off;
		sbi->log_len = fmap->ext[0].len;
		WRITE_ONCE(sbi->have_log_file, true);
	}
	/*
	 * A file made while this host is fenced (lease expired or lapsed,
	 * memory failure) gets no access until the lease is renewed and
	 * access granted explicitly.  The expiry work sets lease_expired
	 * before it walks the files and takes each one's i_rwsem, so either
	 * we see it here or it revokes this file after us.
	 */
	if (famfs_fenced(sbi))
		access = FAMFS_ACCESS_NONE;
	WRITE_ONCE(fi->access, access);
	i_size_write(inode, fmap->size);
	inode->i_blocks = fmap->size >> SECTOR_SHIFT;
	/* Faults read the map locklessly: publish it complete. */
	smp_store_release(&fi->fmap, fmap);
out:
	mutex_unlock(&sbi->map_lock);
	inode_unlock(inode);
	return rc;
}

/**
 * famfs_ioc_map_create() - FAMFSIOC_MAP_CREATE (v1): give a file its map
 * @file: an empty regular file open for writing
 * @uarg: struct famfs_ioc_map (KABI 42 layout)
 *
 * Return: 0; -EPERM without CAP_SYS_ADMIN or for a range in the
 * superblock/log; -EBADF not open for writing; -EEXIST already mapped (or
 * second superblock/log file); -EINVAL bad type, count, alignment, or size
 * (zero, over s_maxbytes, over the extents); -ERANGE a range past the end
 * of the device; -EFAULT.
 */
static long famfs_ioc_map_create(struct file *file, void __user *uarg)
{
	struct famfs_ioc_map m;
	struct famfs_fmap *fmap;
	long rc;
	u32 i;

	if (copy_from_user(&m, uarg, sizeof(m)))
		return -EFAULT;
	if (m.extent_type != SIMPLE_DAX_EXTENT &&
	    m.extent_type != FAMFS_SIMPLE_DAX_EXTENT_PRE42)
		return -EINVAL;
	if (m.file_type > FAMFS_LOG)
		return -EINVAL;
	if (m.ext_list_count < 1 || m.ext_list_count > FAMFS_MAX_EXTENTS)
		return -EINVAL;

	fmap = famfs_fmap_alloc(m.ext_list_count, 0);
	if (!fmap)
		return -ENOMEM;
	fmap->type = m.file_type;
	fmap->size = m.file_size;
	fmap->ext_count = m.ext_list_count;
	for (i = 0; i < fmap->ext_count; i++) {
		fmap->ext[i].dev_off = m.ext_list[i].offset;
		fmap->ext[i].len = m.ext_list[i].len;
	}
	rc = famfs_install_map(file, fmap, FAMFS_ACCESS_RW);
	if (rc)
		famfs_fmap_free(fmap);
	return rc;
}

/**
 * famfs_ioc_map_create2() - FAMFSIOC_MAP_CREATE2: extents or interleave
 * @file: an empty regular file open for writing
 * @uarg: struct famfs_ioc_map2
 *
 * Return: as famfs_ioc_map_create(); -EINVAL also for unknown flags,
 * non-zero reserved fields, or fields of the other layout (strip fields
 * without FAMFS_MAP2_INTERLEAVED, ext_count/ext_list with it).
 */
static long famfs_ioc_map_create2(struct file *file, void __user *uarg)
{
	struct famfs_extent *uext;
	struct famfs_ioc_map2 m;
	struct famfs_fmap *fmap;
	u64 list;
	long rc;
	u32 n, i;

	if (copy_from_user(&m, uarg, sizeof(m)))
		return -EFAULT;
	if (m.flags & ~FAMFS_MAP2_INTERLEAVED || m.reserved0 ||
	    memchr_inv(m.reserved, 0, sizeof(m.reserved)))
		return -EINVAL;
	if (m.file_type > FAMFS_LOG || m.access > FAMFS_ACCESS_RW)
		return -EINVAL;

	if (m.flags & FAMFS_MAP2_INTERLEAVED) {
		n = m.nstrips;
		list = m.strip_list;
		if (!n || n > FAMFS_MAX_STRIPS || m.ext_count || m.ext_list)
			return -EINVAL;
	} else {
		n = m.ext_count;
		list = m.ext_list;
		if (!n || n > FAMFS_MAX_EXTENTS2 || m.nstrips ||
		    m.chunk_size || m.strip_list)
			return -EINVAL;
	}

	uext = vmemdup_user(u64_to_user_ptr(list), array_size(n, sizeof(*uext)));
	if (IS_ERR(uext))
		return PTR_ERR(uext);
	fmap = famfs_fmap_alloc(n, !!(m.flags & FAMFS_MAP2_INTERLEAVED));
	if (!fmap) {
		kvfree(uext);
		return -ENOMEM;
	}
	fmap->type = m.file_type;
	fmap->size = m.file_size;
	if (m.flags & FAMFS_MAP2_INTERLEAVED) {
		fmap->nstrips = n;
		fmap->niext = 1;
		fmap->iext[0].nbytes = m.file_size;
		fmap->iext[0].chunk_size = m.chunk_size;
		fmap->iext[0].nstrips = n;
	} else {
		fmap->ext_count = n;
	}
	for (i = 0; i < n; i++) {
		fmap->ext[i].dev_off = uext[i].offset;
		fmap->ext[i].len = uext[i].len;
	}
	kvfree(uext);

	rc = famfs_install_map(file, fmap, m.access ?: FAMFS_ACCESS_RW);
	if (rc)
		famfs_fmap_free(fmap);
	return rc;
}

/*
 * Copy @n struct famfs_ioc_simple_extent from user space to @out.  This
 * module has one device per mount: devindex must be 0.
 */
static int famfs_v2_copy_simple(struct famfs_fext *out, u64 list, u32 n)
{
	struct famfs_ioc_simple_extent *se;
	int rc = 0;
	u32 i;

	se = vmemdup_user(u64_to_user_ptr(list), array_size(n, sizeof(*se)));
	if (IS_ERR(se))
		return PTR_ERR(se);
	for (i = 0; i < n; i++) {
		if (se[i].devindex) {
			rc = -EINVAL;
			break;
		}
		out[i].dev_off = se[i].offset;
		out[i].len = se[i].len;
	}
	kvfree(se);
	return rc;
}

/*
 * The map of @n (1 .. FAMFS_V2_MAX_INTERLEAVED_EXTENTS) KABI 43
 * interleaved extents at user address @list, each of 1 ..
 * FAMFS_V2_MAX_STRIPS strips, in file order; famfs_fmap_validate() checks
 * the rest.
 */
static struct famfs_fmap *famfs_v2_interleaved(u64 list, u32 n)
{
	struct famfs_ioc_interleaved_ext ie[FAMFS_V2_MAX_INTERLEAVED_EXTENTS];
	struct famfs_fmap *fmap;
	u32 i, strips = 0;
	int rc = 0;

	if (!n || n > FAMFS_V2_MAX_INTERLEAVED_EXTENTS)
		return ERR_PTR(-EINVAL);
	if (copy_from_user(ie, u64_to_user_ptr(list), n * sizeof(ie[0])))
		return ERR_PTR(-EFAULT);
	for (i = 0; i < n; i++) {
		if (!ie[i].ie_nstrips || ie[i].ie_nstrips > FAMFS_V2_MAX_STRIPS)
			return ERR_PTR(-EINVAL);
		strips += ie[i].ie_nstrips;
	}
	fmap = famfs_fmap_alloc(strips, n);
	if (!fmap)
		return ERR_PTR(-ENOMEM);
	fmap->nstrips = strips;
	fmap->niext = n;
	for (i = 0, strips = 0; i < n && !rc; i++) {
		fmap->iext[i].nbytes = ie[i].ie_nbytes;
		fmap->iext[i].chunk_size = ie[i].ie_chunk_size;
		fmap->iext[i].first = strips;
		fmap->iext[i].nstrips = ie[i].ie_nstrips;
		rc = famfs_v2_copy_simple(&fmap->ext[strips], ie[i].ie_strips,
					  ie[i].ie_nstrips);
		strips += ie[i].ie_nstrips;
	}
	if (rc) {
		famfs_fmap_free(fmap);
		return ERR_PTR(rc);
	}
	return fmap;
}

/**
 * famfs_ioc_map_create_v2() - FAMFSIOC_MAP_CREATE_V2 (original KABI 43)
 * @file: an empty regular file open for writing
 * @uarg: struct famfs_ioc_fmap: simple extents, or up to
 *	FAMFS_V2_MAX_INTERLEAVED_EXTENTS interleaved extents laid out in order
 *	in the file (each holds ie_nbytes of it, the last one the rest)
 *
 * Return: as famfs_ioc_map_create(); -EINVAL also for an unknown extent
 * type, a non-zero devindex (one device per mount), more than 4
 * interleaved extents or 16 strips in one, an interleaved extent that
 * holds none of the file or (but the last) ends inside a page.
 */
static long famfs_ioc_map_create_v2(struct file *file, void __user *uarg)
{
	struct famfs_ioc_fmap m;
	struct famfs_fmap *fmap;
	long rc;
	u32 n;

	if (copy_from_user(&m, uarg, sizeof(m)))
		return -EFAULT;
	if (m.fioc_file_type > FAMFS_LOG)
		return -EINVAL;
	n = m.fioc_nextents;
	switch (m.fioc_ext_type) {
	case FAMFS_IOC_EXT_SIMPLE:
		if (!n || n > FAMFS_MAX_EXTENTS2)
			return -EINVAL;
		fmap = famfs_fmap_alloc(n, 0);
		if (!fmap)
			return -ENOMEM;
		fmap->ext_count = n;
		rc = famfs_v2_copy_simple(fmap->ext, m.fioc_list, n);
		if (rc)
			goto out;
		break;
	case FAMFS_IOC_EXT_INTERLEAVE:
		fmap = famfs_v2_interleaved(m.fioc_list, n);
		if (IS_ERR(fmap))
			return PTR_ERR(fmap);
		break;
	default:
		return -EINVAL;
	}
	fmap->type = m.fioc_file_type;
	fmap->size = m.fioc_file_size;
	rc = famfs_install_map(file, fmap, FAMFS_ACCESS_RW);
out:
	if (rc)
		famfs_fmap_free(fmap);
	return rc;
}

/* Fill @g with @fmap, as far as it holds it (the first interleaved extent). */
static void famfs_v2_fill(struct famfs_ioc_get_fmap *g,
			  const struct famfs_fmap *fmap)
{
	const struct famfs_iext *ie = fmap->iext;
	struct famfs_ioc_simple_extent *se;
	u32 i, n;

	g->iocmap.fioc_file_size = fmap->size;
	g->iocmap.fioc_file_type = fmap->type;
	if (ie) {
		g->iocmap.fioc_ext_type = FAMFS_IOC_EXT_INTERLEAVE;
		g->iocmap.fioc_nextents = fmap->niext;
		g->ks.ikie.ie_nstrips = ie->nstrips;
		g->ks.ikie.ie_chunk_size = ie->chunk_size;
		g->ks.ikie.ie_nbytes = ie->nbytes;
		se = g->ks.kie_strips;
		n = min_t(u32, ie->nstrips, FAMFS_V2_MAX_STRIPS);
	} else {
		g->iocmap.fioc_ext_type = FAMFS_IOC_EXT_SIMPLE;
		g->iocmap.fioc_nextents = fmap->ext_count;
		se = g->ikse;
		n = min_t(u32, fmap->ext_count, FAMFS_MAX_EXTENTS);
	}
	for (i = 0; i < n; i++) {
		/* The first interleaved extent's strips start at ext[0]. */
		se[i].offset = fmap->ext[i].dev_off;
		se[i].len = fmap->ext[i].len;
	}
}

/**
 * famfs_ioc_map_get_v2() - FAMFSIOC_MAP_GET_V2 (original KABI 43)
 * @file: a regular file
 * @uarg: struct famfs_ioc_get_fmap (out)
 *
 * The structure holds 2 simple extents, or one interleaved extent of up
 * to 16 strips.  For a map it cannot hold, the header is filled with the
 * real counts (fioc_nextents: extents or interleaved extents) and the
 * structure with as much as it holds, and the call fails with -E2BIG.
 *
 * Return: 0; -E2BIG more than 2 simple extents, more than one interleaved
 * extent, or more than 16 strips (the structure written); -ENODATA no map;
 * -EIO truncated; -EFAULT.
 */
static long famfs_ioc_map_get_v2(struct file *file, void __user *uarg)
{
	struct inode *inode = file_inode(file);
	struct famfs_fmap *fmap = famfs_fmap_get(inode);
	struct famfs_ioc_get_fmap *g;
	bool fits;
	long rc = 0;

	if (!fmap)
		return -ENODATA;
	if (READ_ONCE(FAMFS_I(inode)->truncated))
		return -EIO;
	if (fmap->niext)
		fits = fmap->niext == 1 && fmap->nstrips <= FAMFS_V2_MAX_STRIPS;
	else
		fits = fmap->ext_count <= FAMFS_MAX_EXTENTS;
	g = kzalloc(sizeof(*g), GFP_KERNEL);
	if (!g)
		return -ENOMEM;
	famfs_v2_fill(g, fmap);
	if (copy_to_user(uarg, g, sizeof(*g)))
		rc = -EFAULT;
	kfree(g);
	return rc ?: fits ? 0 : -E2BIG;
}

/* Copy up to @cap extents of @fmap to @list. */
static int famfs_copy_exts(const struct famfs_fmap *fmap, u32 cap, u64 list)
{
	u32 n = min(cap, fmap->nstrips ?: fmap->ext_count);
	struct famfs_extent *out;
	int rc = 0;
	u32 i;

	if (!n)
		return 0;
	out = kvmalloc_array(n, sizeof(*out), GFP_KERNEL);
	if (!out)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		out[i].offset = fmap->ext[i].dev_off;
		out[i].len = fmap->ext[i].len;
	}
	if (copy_to_user(u64_to_user_ptr(list), out, n * sizeof(*out)))
		rc = -EFAULT;
	kvfree(out);
	return rc;
}

/* The map of @file as the v1 interface can express it, or an error. */
static struct famfs_fmap *famfs_v1_fmap(struct file *file)
{
	struct inode *inode = file_inode(file);
	struct famfs_fmap *fmap = famfs_fmap_get(inode);

	if (!fmap)
		return ERR_PTR(-ENODATA);
	if (READ_ONCE(FAMFS_I(inode)->truncated))
		return ERR_PTR(-EIO);
	if (fmap->nstrips)
		return ERR_PTR(-EOPNOTSUPP);	/* interleaved: MAP_GET2 */
	if (fmap->ext_count > FAMFS_MAX_EXTENTS)
		return ERR_PTR(-E2BIG);		/* more than v1 holds */
	return fmap;
}

/**
 * famfs_ioc_map_get() - FAMFSIOC_MAP_GET (v1): read back a file's map
 * @file: a regular file
 * @uarg: struct famfs_ioc_map (out)
 *
 * Never reports more extents than struct famfs_ioc_map holds.
 *
 * Return: 0; -ENODATA no map; -EIO truncated; -EOPNOTSUPP interleaved;
 * -E2BIG more than FAMFS_MAX_EXTENTS extents (use MAP_GET2); -EFAULT.
 */
static long famfs_ioc_map_get(struct file *file, void __user *uarg)
{
	struct famfs_fmap *fmap = famfs_v1_fmap(file);
	struct famfs_ioc_map m;
	u32 i;

	if (IS_ERR(fmap))
		return PTR_ERR(fmap);
	memset(&m, 0, sizeof(m));
	m.extent_type = SIMPLE_DAX_EXTENT;
	m.file_type = fmap->type;
	m.file_size = fmap->size;
	m.ext_list_count = fmap->ext_count;
	for (i = 0; i < fmap->ext_count; i++) {
		m.ext_list[i].offset = fmap->ext[i].dev_off;
		m.ext_list[i].len = fmap->ext[i].len;
	}
	return copy_to_user(uarg, &m, sizeof(m)) ? -EFAULT : 0;
}

/**
 * famfs_ioc_map_getext() - FAMFSIOC_MAP_GETEXT (v1): read back the extents
 * @file: a regular file
 * @uarg: array of the ext_list_count struct famfs_extent MAP_GET reported
 *
 * Return: as famfs_ioc_map_get().
 */
static long famfs_ioc_map_getext(struct file *file, void __user *uarg)
{
	struct famfs_fmap *fmap = famfs_v1_fmap(file);

	if (IS_ERR(fmap))
		return PTR_ERR(fmap);
	return famfs_copy_exts(fmap, fmap->ext_count, (u64)(uintptr_t)uarg);
}

/**
 * famfs_ioc_map_get2() - FAMFSIOC_MAP_GET2: read back any map
 * @file: a regular file
 * @uarg: struct famfs_ioc_map2: in, list capacities and pointers (reserved
 *	fields zero); out, the map, counts in full
 *
 * Return: 0; -E2BIG if a list was too small (counts set, the list filled
 * up to its capacity); -EOPNOTSUPP a KABI 43 map of more than one
 * interleaved extent (one chunk size here: use MAP_GET_V2); -ENODATA no
 * map; -EIO truncated; -EINVAL non-zero reserved fields; -EFAULT.
 */
static long famfs_ioc_map_get2(struct file *file, void __user *uarg)
{
	struct inode *inode = file_inode(file);
	struct famfs_fmap *fmap = famfs_fmap_get(inode);
	struct famfs_ioc_map2 m;
	u32 cap, count;
	long rc;

	if (copy_from_user(&m, uarg, sizeof(m)))
		return -EFAULT;
	if (m.reserved0 || memchr_inv(m.reserved, 0, sizeof(m.reserved)))
		return -EINVAL;
	if (!fmap)
		return -ENODATA;
	if (READ_ONCE(FAMFS_I(inode)->truncated))
		return -EIO;

	if (fmap->niext > 1)
		return -EOPNOTSUPP;	/* one chunk size: MAP_GET_V2 */
	if (fmap->nstrips) {
		cap = m.nstrips;
		count = fmap->nstrips;
		rc = famfs_copy_exts(fmap, cap, m.strip_list);
	} else {
		cap = m.ext_count;
		count = fmap->ext_count;
		rc = famfs_copy_exts(fmap, cap, m.ext_list);
	}
	if (rc)
		return rc;

	m.file_type = fmap->type;
	m.flags = fmap->nstrips ? FAMFS_MAP2_INTERLEAVED : 0;
	m.file_size = fmap->size;
	m.ext_count = fmap->nstrips ? 0 : count;
	m.nstrips = fmap->nstrips;
	m.chunk_size = fmap->niext ? fmap->iext[0].chunk_size : 0;
	m.access = famfs_effective_access(inode);
	if (copy_to_user(uarg, &m, sizeof(m)))
		return -EFAULT;
	return cap < count ? -E2BIG : 0;
}

/* ----------------------------------------------------------------------
 * Counters
 */

/**
 * famfs_ioc_get_stats() - FAMFSIOC_GET_STATS: the mount's counters
 * @file: any file or directory of the mount
 * @uarg: struct famfs_ioc_stats (out)
 *
 * Return: 0 or -EFAULT.
 */
static long famfs_ioc_get_stats(struct file *file, void __user *uarg)
{
	struct famfs_sb_info *sbi = FAMFS_SB(file_inode(file)->i_sb);
	struct famfs_ioc_stats st;

	memset(&st, 0, sizeof(st));
	st.pte_faults = atomic64_read(&sbi->faults[FAMFS_FAULT_PTE]);
	st.pmd_faults = atomic64_read(&sbi->faults[FAMFS_FAULT_PMD]);
	st.pud_faults = atomic64_read(&sbi->faults[FAMFS_FAULT_PUD]);
	st.refused_faults = atomic64_read(&sbi->refused_faults);
	st.revocations = atomic64_read(&sbi->revocations);
	st.pin_scan_pages = atomic64_read(&sbi->pin_scan_pages);
	st.writeback_bytes = atomic64_read(&sbi->writeback_bytes);
	st.invalidated_bytes = atomic64_read(&sbi->invalidated_bytes);
	st.features = FAMFS_FEATURE_PIN_SCAN_MAPPED |
		      FAMFS_FEATURE_INVALIDATE_ON_RAISE |
		      FAMFS_FEATURE_INVALIDATE_ON_TOUCH;
	/* dax_flush() flushes nothing while the write cache is off. */
	if (dax_write_cache_enabled(sbi->dax_dev))
		st.features |= FAMFS_FEATURE_WRITEBACK_KADDR;
	mutex_lock(&sbi->lease_lock);
	st.lease_expirations = sbi->lease_expirations;
	mutex_unlock(&sbi->lease_lock);
	if (copy_to_user(uarg, &st, sizeof(st)))
		return -EFAULT;
	return 0;
}

/**
 * famfs_file_ioctl() - ioctls of regular files
 * @file: the file
 * @cmd: FAMFSIOC_*; FAMFSIOC_NOP always succeeds (is this famfs?)
 * @arg: the argument, a user pointer
 *
 * Return: the handler's result, -ENOTTY for unknown commands.
 */
long famfs_file_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case FAMFSIOC_NOP:
		return 0;
	case FAMFSIOC_MAP_CREATE:
		return famfs_ioc_map_create(file, uarg);
	case FAMFSIOC_MAP_GET:
		return famfs_ioc_map_get(file, uarg);
	case FAMFSIOC_MAP_GETEXT:
		return famfs_ioc_map_getext(file, uarg);
	case FAMFSIOC_MAP_CREATE_V2:
		return famfs_ioc_map_create_v2(file, uarg);
	case FAMFSIOC_MAP_GET_V2:
		return famfs_ioc_map_get_v2(file, uarg);
	case FAMFSIOC_MAP_CREATE2:
		return famfs_ioc_map_create2(file, uarg);
	case FAMFSIOC_MAP_GET2:
		return famfs_ioc_map_get2(file, uarg);
	case FAMFSIOC_SET_ACCESS:
		return famfs_ioc_set_access(file, uarg);
	case FAMFSIOC_GET_ACCESS:
		return famfs_ioc_get_access(file, uarg);
	case FAMFSIOC_LEASE:
		return famfs_ioc_lease(file, uarg);
	case FAMFSIOC_GET_STATS:
		return famfs_ioc_get_stats(file, uarg);
	}
	return -ENOTTY;
}

/**
 * famfs_dir_ioctl() - ioctls of directories: the mount-wide ones only
 * @file: the directory
 * @cmd: FAMFSIOC_NOP, FAMFSIOC_LEASE or FAMFSIOC_GET_STATS
 * @arg: the argument, a user pointer
 *
 * Return: the handler's result, -ENOTTY for other commands.
 */
long famfs_dir_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	switch (cmd) {
	case FAMFSIOC_NOP:
		return 0;
	case FAMFSIOC_LEASE:
		return famfs_ioc_lease(file, (void __user *)arg);
	case FAMFSIOC_GET_STATS:
		return famfs_ioc_get_stats(file, (void __user *)arg);
	}
	return -ENOTTY;
}
