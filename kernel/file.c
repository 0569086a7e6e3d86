// SPDX-License-Identifier: GPL-2.0
/*
 * famfs - DAX file system for shared fabric-attached memory.
 *
 * File operations: read/write and faults go straight to the memory through
 * fs/dax.c; there is no page cache.  Every entry point checks this host's
 * access to the file (see FAMFSIOC_SET_ACCESS and FAMFSIOC_LEASE).
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/huge_mm.h>
#include <linux/uio.h>
#include <linux/pagemap.h>
#include <linux/pfn_t.h>
#include <linux/writeback.h>

#include "famfs_internal.h"

/* The lease deadline passed; the timer may not have revoked access yet. */
bool famfs_lease_lapsed(struct famfs_sb_info *sbi)
{
	if (!READ_ONCE(sbi->lease_armed))
		return false;
	/* Pairs with smp_wmb() in famfs_ioc_lease(). */
	smp_rmb();
	return !ktime_before(ktime_get(), READ_ONCE(sbi->lease_deadline));
}

/* This host is fenced off the whole mount (lease, memory failure). */
bool famfs_fenced(struct famfs_sb_info *sbi)
{
	return READ_ONCE(sbi->disabled) || READ_ONCE(sbi->lease_expired) ||
	       famfs_lease_lapsed(sbi);
}

/* This host's access to @inode right now, mount-wide fencing included. */
int famfs_effective_access(struct inode *inode)
{
	struct famfs_sb_info *sbi = FAMFS_SB(inode->i_sb);

	if (famfs_fenced(sbi) || READ_ONCE(FAMFS_I(inode)->truncated))
		return FAMFS_ACCESS_NONE;
	return READ_ONCE(FAMFS_I(inode)->access);
}

/*
 * May this host do I/O on @inode?  Called with i_rwsem held, which a
 * revocation takes exclusive: once SET_ACCESS (or the lease expiry)
 * returns, no read(2)/write(2) that passed this check is still running.
 */
static int famfs_io_allowed(struct inode *inode, bool write)
{
	int access;

	if (READ_ONCE(FAMFS_SB(inode->i_sb)->disabled) ||
	    READ_ONCE(FAMFS_I(inode)->truncated))
		return -EIO;
	if (!famfs_fmap_get(inode))
		return -ENODATA;
	access = famfs_effective_access(inode);
	if (access == FAMFS_ACCESS_NONE)
		return -EACCES;
	if (write && access != FAMFS_ACCESS_RW)
		return -EPERM;
	return 0;
}

static ssize_t famfs_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct inode *inode = file_inode(iocb->ki_filp);
	ssize_t ret;

	if (!iov_iter_count(to))
		return 0;

	inode_lock_shared(inode);
	ret = famfs_io_allowed(inode, false);
	if (!ret)
		ret = dax_iomap_rw(iocb, to, &famfs_iomap_ops);
	inode_unlock_shared(inode);

	if (ret >= 0)
		file_accessed(iocb->ki_filp);
	return ret;
}

/* Writes stay within the file: its size is fixed by its map. */
static ssize_t famfs_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct file *file = iocb->ki_filp;
	struct inode *inode = file_inode(file);
	ssize_t ret;
	loff_t size;

	inode_lock(inode);
	ret = famfs_io_allowed(inode, true);
	if (ret)
		goto out;
	ret = generic_write_checks(iocb, from);
	if (ret <= 0)
		goto out;
	size = i_size_read(inode);
	if (iocb->ki_pos >= size) {
		ret = -ENOSPC;
		goto out;
	}
	iov_iter_truncate(from, size - iocb->ki_pos);
	ret = file_remove_privs(file);
	if (ret)
		goto out;
	ret = dax_iomap_rw(iocb, from, &famfs_iomap_ops);
out:
	inode_unlock(inode);
	if (ret > 0)
		ret = generic_write_sync(iocb, ret);
	return ret;
}

static vm_fault_t famfs_dax_huge_fault(struct vm_fault *vmf,
				       enum page_entry_size pe_size)
{
	struct inode *inode = file_inode(vmf->vma->vm_file);
	struct famfs_sb_info *sbi = FAMFS_SB(inode->i_sb);
	bool write = (vmf->flags & FAULT_FLAG_WRITE) &&
		     (vmf->vma->vm_flags & VM_SHARED);
	vm_fault_t ret;
	bool mapped;
	pfn_t pfn;
	int access;

	/*
	 * The invalidate lock orders us against SET_ACCESS: either this
	 * fault sees the lowered access, or it completes before the
	 * revocation zaps what it mapped.
	 */
	filemap_invalidate_lock_shared(inode->i_mapping);
	access = famfs_effective_access(inode);
	if (!famfs_fmap_get(inode)) {
		/*
		 * No map yet (size 0: nothing to map).  Once there is one,
		 * this acquire orders its bitmaps, written before it was
		 * published, before the marking below: no entry can be
		 * installed in a unit famfs_zap() and the pin check skip.
		 */
		ret = VM_FAULT_SIGBUS;
	} else if (access == FAMFS_ACCESS_NONE ||
		   (write && access != FAMFS_ACCESS_RW)) {
		atomic64_inc(&sbi->refused_faults);
		ret = VM_FAULT_SIGBUS;
	} else if (famfs_claim(inode)) {
		ret = VM_FAULT_SIGBUS;	/* another file maps this memory */
	} else {
		unsigned int pages = pe_size == PE_SIZE_PUD ?
				     PTRS_PER_PMD * PTRS_PER_PTE :
				     pe_size == PE_SIZE_PMD ? PTRS_PER_PTE : 1;

		/*
		 * Before the entry exists: a pin or a cached line needs it,
		 * and a stale unit is invalidated (famfs_note_fault()).
		 * fs-dax answers PUD faults with VM_FAULT_FALLBACK (then a
		 * PMD or PTE fault follows): those are marked only if they
		 * mapped, or a 1 GiB region would be marked for nothing; and
		 * one that covers a stale unit falls back at once, so that
		 * the PMD faults invalidate only the units they map.
		 */
		if (pe_size == PE_SIZE_PUD &&
		    famfs_any_stale(FAMFS_I(inode), vmf->pgoff, pages))
			ret = VM_FAULT_FALLBACK;
		else if (pe_size != PE_SIZE_PUD &&
			 famfs_note_fault(inode, vmf->pgoff, pages))
			ret = VM_FAULT_SIGBUS;
		else
			ret = dax_iomap_fault(vmf, pe_size, &pfn, NULL,
					      &famfs_iomap_ops);
		mapped = !(ret & (VM_FAULT_ERROR | VM_FAULT_FALLBACK));
		/* No stale unit in it (the lock is held): nothing to fail. */
		if (pe_size == PE_SIZE_PUD && mapped)
			famfs_note_fault(inode, vmf->pgoff, pages);
		if (write && mapped)
			famfs_note_write(FAMFS_I(inode), vmf->pgoff, pages);
	}
	filemap_invalidate_unlock_shared(inode->i_mapping);

	if (ret & VM_FAULT_NOPAGE) {
		switch (pe_size) {
		case PE_SIZE_PTE:
			atomic64_inc(&sbi->faults[FAMFS_FAULT_PTE]);
			break;
		case PE_SIZE_PMD:
			atomic64_inc(&sbi->faults[FAMFS_FAULT_PMD]);
			break;
		case PE_SIZE_PUD:
			atomic64_inc(&sbi->faults[FAMFS_FAULT_PUD]);
			break;
		}
	}
	return ret;
}

static vm_fault_t famfs_dax_fault(struct vm_fault *vmf)
{
	return famfs_dax_huge_fault(vmf, PE_SIZE_PTE);
}

static const struct vm_operations_struct famfs_vm_ops = {
	.fault		= famfs_dax_fault,
	.huge_fault	= famfs_dax_huge_fault,
	.page_mkwrite	= famfs_dax_fault,
	.pfn_mkwrite	= famfs_dax_fault,
};

static int famfs_file_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct inode *inode = file_inode(file);
	int access, rc;

	if (READ_ONCE(FAMFS_SB(inode->i_sb)->disabled) ||
	    READ_ONCE(FAMFS_I(inode)->truncated))
		return -EIO;
	access = famfs_effective_access(inode);
	if (access == FAMFS_ACCESS_NONE)
		return -EACCES;
	if ((vma->vm_flags & VM_SHARED) && (vma->vm_flags & VM_WRITE) &&
	    access != FAMFS_ACCESS_RW)
		return -EACCES;
	/* Refused here already, with a clear error, if another file mapped it. */
	rc = famfs_claim(inode);
	if (rc)
		return rc;

	file_accessed(file);
	vma->vm_ops = &famfs_vm_ops;
	vma->vm_flags |= VM_HUGEPAGE;
	return 0;
}

/* Write back CPU caches for what this host dirtied through mappings. */
static int famfs_fsync(struct file *file, loff_t start, loff_t end,
		       int datasync)
{
	return file_write_and_wait_range(file, start, end);
}

static int famfs_dax_writepages(struct address_space *mapping,
				struct writeback_control *wbc)
{
	struct famfs_sb_info *sbi = FAMFS_SB(mapping->host->i_sb);

	return dax_writeback_mapping_range(mapping, sbi->dax_dev, wbc);
}

const struct address_space_operations famfs_dax_aops = {
	.writepages	= famfs_dax_writepages,
	.direct_IO	= noop_direct_IO,
	.dirty_folio	= noop_dirty_folio,
};

const struct file_operations famfs_file_operations = {
	.llseek			= generic_file_llseek,
	.read_iter		= famfs_read_iter,
	.write_iter		= famfs_write_iter,
	.mmap			= famfs_file_mmap,
	.fsync			= famfs_fsync,
	.get_unmapped_area	= thp_get_unmapped_area,
	.splice_read		= generic_file_splice_read,
	.splice_write		= iter_file_splice_write,
	.unlocked_ioctl		= famfs_file_ioctl,
	.compat_ioctl		= compat_ptr_ioctl,
};

const struct file_operations famfs_dir_operations = {
	.open		= dcache_dir_open,
	.release	= dcache_dir_close,
	.llseek		= dcache_dir_lseek,
	.read		= generic_read_dir,
	.iterate_shared	= dcache_readdir,
	.fsync		= noop_fsync,
	.unlocked_ioctl	= famfs_dir_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

/*
 * The size of a famfs file is set by its map, once.  As in the original
 * famfs, truncating a mapped file to another size succeeds and leaves the
 * file unusable (I/O and mmap fail with EIO, faults get SIGBUS, access
 * cannot be raised) until it is deleted and created again: it is fenced
 * like a revocation first.  An unmapped file's size cannot be set.
 */
static int famfs_setattr(struct user_namespace *mnt_userns,
			 struct dentry *dentry, struct iattr *iattr)
{
	struct inode *inode = d_inode(dentry);
	struct famfs_inode_info *fi = FAMFS_I(inode);
	int rc;

	rc = setattr_prepare(mnt_userns, dentry, iattr);
	if (rc)
		return rc;
	if ((iattr->ia_valid & ATTR_SIZE) &&
	    iattr->ia_size != i_size_read(inode)) {
		if (!famfs_fmap_get(inode))
			return -EINVAL;
		/* i_rwsem is held by our caller. */
		WRITE_ONCE(fi->truncated, true);
		if (famfs_lower_access_locked(inode, FAMFS_ACCESS_NONE, jiffies +
					      msecs_to_jiffies(FAMFS_PIN_WAIT_MS)))
			pr_warn("famfs %s: ino %lu truncated with pages still pinned\n",
				inode->i_sb->s_id, inode->i_ino);
		i_size_write(inode, iattr->ia_size);
	}
	setattr_copy(mnt_userns, inode, iattr);
	return 0;
}

const struct inode_operations famfs_file_inode_operations = {
	.setattr	= famfs_setattr,
	.getattr	= simple_getattr,
};
