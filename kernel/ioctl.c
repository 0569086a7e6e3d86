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

#include "famfs_internal.h"

/* ----------------------------------------------------------------------
 * Access and revocation
 */

/*
 * Set @inode's access.  Lowering it zaps every mapping of the file under
 * the invalidate lock, so each later touch faults again and meets the
 * new mode.  Private copy-on-write pages stay: they are the process's own
 * memory.  Returns -EBUSY if pages stay pinned (I/O in flight) after
 * the zap; the new mode is in force regardless.
 */
static int __famfs_set_access(struct inode *inode, int access)
{
	struct address_space *mapping = inode->i_mapping;
	struct famfs_inode_info *fi = FAMFS_I(inode);
	int rc = 0;

	filemap_invalidate_lock(mapping);
	if (access < fi->access)
		atomic64_inc(&FAMFS_SB(inode->i_sb)->revocations);
	if (access <= fi->access) {
		WRITE_ONCE(fi->access, access);
		unmap_mapping_range(mapping, 0, 0, 0);
		if (dax_layout_busy_page_range(mapping, 0, LLONG_MAX))
			rc = -EBUSY;
	} else {
		WRITE_ONCE(fi->access, access);
	}
	filemap_invalidate_unlock(mapping);
	return rc;
}

void famfs_set_access(struct inode *inode, int access)
{
	__famfs_set_access(inode, access);
}

static void famfs_revoke_one(struct inode *inode, void *arg)
{
	famfs_set_access(inode, FAMFS_ACCESS_NONE);
}

/* Drop this host's access to every file of the mount. */
void famfs_revoke_all(struct super_block *sb)
{
	famfs_walk_files(sb, famfs_revoke_one, NULL);
}

/* ----------------------------------------------------------------------
 * Lease
 */

/* Caller holds lease_lock.  Returns true if the lease just expired. */
static bool famfs_lease_check_locked(struct famfs_sb_info *sbi)
{
	if (!sbi->lease_armed || sbi->lease_expired ||
	    time_before(jiffies, sbi->lease_deadline))
		return false;
	sbi->lease_expired = true;
	sbi->lease_expirations++;
	pr_warn("famfs %s: lease of %u ms not renewed: access to all files dropped\n",
		sbi->sb->s_id, sbi->lease_ms);
	return true;
}

void famfs_lease_expire_work(struct work_struct *work)
{
	struct famfs_sb_info *sbi = container_of(to_delayed_work(work),
						 struct famfs_sb_info,
						 lease_work);

	mutex_lock(&sbi->lease_lock);
	if (famfs_lease_check_locked(sbi))
		famfs_revoke_all(sbi->sb);
	else if (sbi->lease_armed && !sbi->lease_expired)
		mod_delayed_work(system_wq, &sbi->lease_work,
				 sbi->lease_deadline - jiffies);
	mutex_unlock(&sbi->lease_lock);
}

static long famfs_ioc_lease(struct file *file, void __user *uarg)
{
	struct famfs_sb_info *sbi = FAMFS_SB(file_inode(file)->i_sb);
	struct famfs_ioc_lease l;
	unsigned long delay;

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
		sbi->lease_expired = false;
		sbi->lease_ms = 0;
		cancel_delayed_work(&sbi->lease_work);
	} else {
		delay = msecs_to_jiffies(l.duration_ms);
		sbi->lease_ms = l.duration_ms;
		WRITE_ONCE(sbi->lease_deadline, jiffies + delay);
		/* Fault paths read the deadline only once armed is seen. */
		smp_wmb();
		WRITE_ONCE(sbi->lease_armed, true);
		sbi->lease_expired = false;
		mod_delayed_work(system_wq, &sbi->lease_work, delay);
	}

	l.remaining_ms = 0;
	if (sbi->lease_armed && !sbi->lease_expired &&
	    time_before(jiffies, sbi->lease_deadline))
		l.remaining_ms = jiffies_to_msecs(sbi->lease_deadline - jiffies);
	l.expirations = sbi->lease_expirations;
	mutex_unlock(&sbi->lease_lock);

	return copy_to_user(uarg, &l, sizeof(l)) ? -EFAULT : 0;
}

static long famfs_ioc_set_access(struct file *file, void __user *uarg)
{
	struct inode *inode = file_inode(file);
	struct famfs_sb_info *sbi = FAMFS_SB(inode->i_sb);
	struct famfs_inode_info *fi = FAMFS_I(inode);
	struct famfs_ioc_access a;
	long rc;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.reserved0 || a.reserved[0] || a.reserved[1])
		return -EINVAL;
	if (a.access < FAMFS_ACCESS_NONE || a.access > FAMFS_ACCESS_RW)
		return -EINVAL;
	if (!famfs_fmap_get(file_inode(file)))
		return -ENODATA;

	/* Held across the change so a raise cannot slip past an expiry. */
	mutex_lock(&sbi->lease_lock);
	if (a.access > READ_ONCE(fi->access)) {
		if (READ_ONCE(sbi->disabled)) {
			rc = -EIO;
			goto out;
		}
		if (famfs_lease_check_locked(sbi))
			famfs_revoke_all(sbi->sb);
		if (sbi->lease_expired) {
			rc = -ETIMEDOUT;
			goto out;
		}
	}
	rc = __famfs_set_access(inode, a.access);
out:
	mutex_unlock(&sbi->lease_lock);
	return rc;
}

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
	if (fi->fmap || i_size_read(inode)) {
		rc = -EEXIST;
		goto out;
	}
	rc = famfs_fmap_validate(sbi, fmap);
	if (rc)
		goto out;

	if (fmap->type == FAMFS_SUPERBLOCK) {
		sbi->have_sb_file = true;
	} else if (fmap->type == FAMFS_LOG) {
		sbi->have_log_file = true;
		sbi->log_start = fmap->ext[0].dev_off;
		sbi->log_len = fmap->ext[0].len;
	}
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

static long famfs_ioc_map_create(struct file *file, void __user *uarg)
{
	struct famfs_ioc_map m;
	struct famfs_fmap *fmap;
	long rc;
	u32 i;

	if (copy_from_user(&m, uarg, sizeof(m)))
		return -EFAULT;
	if (m.extent_type != SIMPLE_DAX_EXTENT)
		return -EINVAL;
	if ((unsigned int)m.file_type > FAMFS_LOG)
		return -EINVAL;
	if (m.ext_list_count < 1 || m.ext_list_count > FAMFS_MAX_EXTENTS)
		return -EINVAL;

	fmap = famfs_fmap_alloc(m.ext_list_count);
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
		if (!n || n > FAMFS_MAX_STRIPS || m.ext_count)
			return -EINVAL;
	} else {
		n = m.ext_count;
		list = m.ext_list;
		if (!n || n > FAMFS_MAX_EXTENTS2 || m.nstrips || m.chunk_size)
			return -EINVAL;
	}

	uext = vmemdup_user(u64_to_user_ptr(list), array_size(n, sizeof(*uext)));
	if (IS_ERR(uext))
		return PTR_ERR(uext);
	fmap = famfs_fmap_alloc(n);
	if (!fmap) {
		kvfree(uext);
		return -ENOMEM;
	}
	fmap->type = m.file_type;
	fmap->size = m.file_size;
	if (m.flags & FAMFS_MAP2_INTERLEAVED) {
		fmap->nstrips = n;
		fmap->chunk_size = m.chunk_size;
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

static long famfs_ioc_map_get(struct file *file, void __user *uarg)
{
	struct famfs_fmap *fmap = famfs_fmap_get(file_inode(file));
	struct famfs_ioc_map m;
	u32 i;

	if (!fmap)
		return -ENODATA;
	if (fmap->nstrips)
		return -EOPNOTSUPP;	/* interleaved: use MAP_GET2 */

	memset(&m, 0, sizeof(m));
	m.extent_type = SIMPLE_DAX_EXTENT;
	m.file_type = fmap->type;
	m.file_size = fmap->size;
	m.ext_list_count = fmap->ext_count;
	for (i = 0; i < min_t(u32, fmap->ext_count, FAMFS_MAX_EXTENTS); i++) {
		m.ext_list[i].offset = fmap->ext[i].dev_off;
		m.ext_list[i].len = fmap->ext[i].len;
	}
	return copy_to_user(uarg, &m, sizeof(m)) ? -EFAULT : 0;
}

/* v1 semantics: the caller sized the array from MAP_GET's count. */
static long famfs_ioc_map_getext(struct file *file, void __user *uarg)
{
	struct famfs_fmap *fmap = famfs_fmap_get(file_inode(file));

	if (!fmap)
		return -ENODATA;
	if (fmap->nstrips)
		return -EOPNOTSUPP;
	return famfs_copy_exts(fmap, fmap->ext_count, (u64)(uintptr_t)uarg);
}

static long famfs_ioc_map_get2(struct file *file, void __user *uarg)
{
	struct famfs_fmap *fmap = famfs_fmap_get(file_inode(file));
	struct famfs_ioc_map2 m;
	u32 cap, count;
	long rc;

	if (copy_from_user(&m, uarg, sizeof(m)))
		return -EFAULT;
	if (!fmap)
		return -ENODATA;

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
	m.chunk_size = fmap->chunk_size;
	m.access = famfs_effective_access(file_inode(file));
	m.reserved0 = 0;
	memset(m.reserved, 0, sizeof(m.reserved));
	if (copy_to_user(uarg, &m, sizeof(m)))
		return -EFAULT;
	return cap < count ? -E2BIG : 0;
}

/* ----------------------------------------------------------------------
 * Counters
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
	mutex_lock(&sbi->lease_lock);
	st.lease_expirations = sbi->lease_expirations;
	mutex_unlock(&sbi->lease_lock);
	if (copy_to_user(uarg, &st, sizeof(st)))
		return -EFAULT;
	return 0;
}

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

/* Directories take the mount-wide ioctls only. */
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
