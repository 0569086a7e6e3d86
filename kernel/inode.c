// SPDX-License-Identifier: GPL-2.0
/*
 * famfs - DAX file system for shared fabric-attached memory.
 *
 * Inodes and directories.  The namespace lives in memory only (dentries
 * are pinned, as in ramfs); user space rebuilds it from the famfs log on
 * every host, including the .meta/.superblock and .meta/.log files that
 * expose the on-media metadata through DAX.
 */
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/time.h>

#include "famfs_internal.h"

struct inode *famfs_get_inode(struct super_block *sb, const struct inode *dir,
			      umode_t mode, dev_t dev)
{
	struct famfs_inode_info *fi = NULL;
	struct inode *inode;

	if (S_ISREG(mode)) {
		fi = kzalloc(sizeof(*fi), GFP_KERNEL);
		if (!fi)
			return NULL;
		fi->access = FAMFS_ACCESS_RW;
	}

	inode = new_inode(sb);
	if (!inode) {
		kfree(fi);
		return NULL;
	}

	inode->i_ino = get_next_ino();
	inode_init_owner(&init_user_ns, inode, dir, mode);
	inode->i_mapping->a_ops = &famfs_dax_aops;
	inode->i_atime = current_time(inode);
	inode->i_mtime = inode->i_atime;
	inode->i_ctime = inode->i_atime;

	switch (mode & S_IFMT) {
	case S_IFREG:
		inode->i_private = fi;
		inode->i_flags |= S_DAX;
		inode->i_op = &famfs_file_inode_operations;
		inode->i_fop = &famfs_file_operations;
		break;
	case S_IFDIR:
		inode->i_op = &famfs_dir_inode_operations;
		inode->i_fop = &famfs_dir_operations;
		/* "." counts as a link. */
		inc_nlink(inode);
		break;
	default:
		init_special_inode(inode, mode, dev);
		break;
	}
	return inode;
}

void famfs_evict_inode(struct inode *inode)
{
	struct famfs_sb_info *sbi = FAMFS_SB(inode->i_sb);
	struct famfs_inode_info *fi = S_ISREG(inode->i_mode) ?
				      FAMFS_I(inode) : NULL;

	truncate_inode_pages_final(&inode->i_data);
	clear_inode(inode);
	if (!fi)
		return;

	famfs_ranges_del(sbi, inode);
	/* Deleting a metadata file gives its range back to regular files. */
	if (fi->fmap && fi->fmap->type != FAMFS_REG) {
		mutex_lock(&sbi->map_lock);
		if (fi->fmap->type == FAMFS_SUPERBLOCK)
			sbi->have_sb_file = false;
		else if (fi->fmap->type == FAMFS_LOG)
			sbi->have_log_file = false;
		mutex_unlock(&sbi->map_lock);
	}
	/*
	 * Lines this host cached from the file's memory must not outlive it:
	 * the memory may become another file's, written by another host.
	 */
	if (fi->fmap && fi->fmap->type == FAMFS_REG)
		famfs_invalidate_cached(inode);
	famfs_fmap_free(fi->fmap);
	kvfree(fi->written);
	kfree(fi);
	inode->i_private = NULL;
}

/*
 * Call @fn on every regular file of @sb, holding a reference on it.
 * @fn may sleep.
 */
void famfs_walk_files(struct super_block *sb,
		      void (*fn)(struct inode *inode, void *arg), void *arg)
{
	struct inode *inode, *prev = NULL;

	spin_lock(&sb->s_inode_list_lock);
	list_for_each_entry(inode, &sb->s_inodes, i_sb_list) {
		spin_lock(&inode->i_lock);
		if ((inode->i_state & (I_FREEING | I_WILL_FREE | I_NEW)) ||
		    !S_ISREG(inode->i_mode)) {
			spin_unlock(&inode->i_lock);
			continue;
		}
		__iget(inode);
		spin_unlock(&inode->i_lock);
		spin_unlock(&sb->s_inode_list_lock);

		fn(inode, arg);
		/* iput() may sleep: drop the previous one outside the lock. */
		iput(prev);
		prev = inode;
		cond_resched();
		spin_lock(&sb->s_inode_list_lock);
	}
	spin_unlock(&sb->s_inode_list_lock);
	iput(prev);
}

static int famfs_mknod(struct user_namespace *mnt_userns, struct inode *dir,
		       struct dentry *dentry, umode_t mode, dev_t dev)
{
	struct inode *inode;

	/* Only files and directories: no device nodes, fifos or sockets. */
	if (!S_ISREG(mode) && !S_ISDIR(mode))
		return -EOPNOTSUPP;

	inode = famfs_get_inode(dir->i_sb, dir, mode, dev);
	if (!inode)
		return -ENOMEM;

	d_instantiate(dentry, inode);
	dget(dentry);		/* pinned until unlink or unmount */
	dir->i_mtime = current_time(dir);
	dir->i_ctime = dir->i_mtime;
	return 0;
}

static int famfs_mkdir(struct user_namespace *mnt_userns, struct inode *dir,
		       struct dentry *dentry, umode_t mode)
{
	int rc = famfs_mknod(mnt_userns, dir, dentry, mode | S_IFDIR, 0);

	if (!rc)
		inc_nlink(dir);
	return rc;
}

static int famfs_create(struct user_namespace *mnt_userns, struct inode *dir,
			struct dentry *dentry, umode_t mode, bool excl)
{
	return famfs_mknod(mnt_userns, dir, dentry, mode | S_IFREG, 0);
}

const struct inode_operations famfs_dir_inode_operations = {
	.create		= famfs_create,
	.lookup		= simple_lookup,
	.link		= simple_link,
	.unlink		= simple_unlink,
	.mkdir		= famfs_mkdir,
	.rmdir		= simple_rmdir,
	.mknod		= famfs_mknod,
	.rename		= simple_rename,
};
