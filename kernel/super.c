// SPDX-License-Identifier: GPL-2.0
/*
 * famfs - DAX file system for shared fabric-attached memory.
 *
 * Mount and superblock: fs_context, the DAX holder (memory failure), the
 * per-mount sysfs directory with the fault counters, and module glue.
 */
#include <linux/module.h>
#include <linux/fs_context.h>
#include <linux/fs_parser.h>
#include <linux/namei.h>
#include <linux/seq_file.h>
#include <linux/blkdev.h>
#include <linux/slab.h>
#include <linux/statfs.h>
#include <linux/mm.h>
#include <linux/overflow.h>

#include "famfs_internal.h"

static struct kset *famfs_kset;

/* ----------------------------------------------------------------------
 * sysfs: /sys/fs/famfs/<dev>/
 */

struct famfs_attr {
	struct attribute attr;
	ssize_t (*show)(struct famfs_sb_info *sbi, char *buf);
	ssize_t (*store)(struct famfs_sb_info *sbi, const char *buf,
			 size_t len);
	bool is_counter;
	int counter;			/* enum famfs_fault_kind */
};

/* fault_{pte,pmd,pud}: read the count; write 0 to reset it. */
static ssize_t famfs_counter_show(struct famfs_sb_info *sbi,
				  struct famfs_attr *fa, char *buf)
{
	return sysfs_emit(buf, "%lld\n",
			  atomic64_read(&sbi->faults[fa->counter]));
}

static ssize_t famfs_counter_store(struct famfs_sb_info *sbi,
				   struct famfs_attr *fa, const char *buf,
				   size_t len)
{
	u64 val;
	int rc;

	rc = kstrtou64(buf, 0, &val);
	if (rc)
		return rc;
	if (val != 0)
		return -EINVAL;
	atomic64_set(&sbi->faults[fa->counter], 0);
	return len;
}

#define FAMFS_COUNTER_ATTR(_name, _kind)				\
	static struct famfs_attr famfs_attr_##_name = {			\
		.attr = { .name = #_name, .mode = 0644 },		\
		.is_counter = true,					\
		.counter = _kind,					\
	}

FAMFS_COUNTER_ATTR(fault_pte, FAMFS_FAULT_PTE);
FAMFS_COUNTER_ATTR(fault_pmd, FAMFS_FAULT_PMD);
FAMFS_COUNTER_ATTR(fault_pud, FAMFS_FAULT_PUD);

/* fault_reset: any write clears all three counters. */
static ssize_t fault_reset_store(struct famfs_sb_info *sbi, const char *buf,
				 size_t len)
{
	int i;

	for (i = 0; i < FAMFS_FAULT_KINDS; i++)
		atomic64_set(&sbi->faults[i], 0);
	return len;
}

static struct famfs_attr famfs_attr_fault_reset =
	__ATTR(fault_reset, 0200, NULL, fault_reset_store);

static ssize_t disabled_show(struct famfs_sb_info *sbi, char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(sbi->disabled));
}

static struct famfs_attr famfs_attr_disabled = __ATTR_RO(disabled);

static ssize_t lease_show(struct famfs_sb_info *sbi, char *buf)
{
	ssize_t n;

	mutex_lock(&sbi->lease_lock);
	if (!sbi->lease_armed)
		n = sysfs_emit(buf, "none expirations=%u\n",
			       sbi->lease_expirations);
	else
		n = sysfs_emit(buf, "%s duration_ms=%u expirations=%u\n",
			       sbi->lease_expired || famfs_lease_lapsed(sbi) ?
			       "expired" : "active", sbi->lease_ms,
			       sbi->lease_expirations);
	mutex_unlock(&sbi->lease_lock);
	return n;
}

static struct famfs_attr famfs_attr_lease = __ATTR_RO(lease);

static struct attribute *famfs_sb_attrs[] = {
	&famfs_attr_fault_pte.attr,
	&famfs_attr_fault_pmd.attr,
	&famfs_attr_fault_pud.attr,
	&famfs_attr_fault_reset.attr,
	&famfs_attr_disabled.attr,
	&famfs_attr_lease.attr,
	NULL,
};
ATTRIBUTE_GROUPS(famfs_sb);

static ssize_t famfs_attr_show(struct kobject *kobj, struct attribute *attr,
			       char *buf)
{
	struct famfs_sb_info *sbi = container_of(kobj, struct famfs_sb_info,
						 kobj);
	struct famfs_attr *fa = container_of(attr, struct famfs_attr, attr);

	if (fa->is_counter)
		return famfs_counter_show(sbi, fa, buf);
	return fa->show ? fa->show(sbi, buf) : -EIO;
}

static ssize_t famfs_attr_store(struct kobject *kobj, struct attribute *attr,
				const char *buf, size_t len)
{
	struct famfs_sb_info *sbi = container_of(kobj, struct famfs_sb_info,
						 kobj);
	struct famfs_attr *fa = container_of(attr, struct famfs_attr, attr);

	if (fa->is_counter)
		return famfs_counter_store(sbi, fa, buf, len);
	return fa->store ? fa->store(sbi, buf, len) : -EIO;
}

static const struct sysfs_ops famfs_sysfs_ops = {
	.show	= famfs_attr_show,
	.store	= famfs_attr_store,
};

static void famfs_sb_kobj_release(struct kobject *kobj)
{
	struct famfs_sb_info *sbi = container_of(kobj, struct famfs_sb_info,
						 kobj);

	complete(&sbi->kobj_released);
}

static struct kobj_type famfs_sb_ktype = {
	.default_groups	= famfs_sb_groups,
	.sysfs_ops	= &famfs_sysfs_ops,
	.release	= famfs_sb_kobj_release,
};

static int famfs_sysfs_add(struct famfs_sb_info *sbi)
{
	int rc;

	init_completion(&sbi->kobj_released);
	sbi->kobj.kset = famfs_kset;
	rc = kobject_init_and_add(&sbi->kobj, &famfs_sb_ktype, NULL, "%s",
				  sbi->sb->s_id);
	if (rc) {
		kobject_put(&sbi->kobj);
		wait_for_completion(&sbi->kobj_released);
		return rc;
	}
	sbi->kobj_added = true;
	return 0;
}

/* Readers of the attributes hold references on kobj: wait them out. */
static void famfs_sysfs_del(struct famfs_sb_info *sbi)
{
	if (!sbi->kobj_added)
		return;
	kobject_del(&sbi->kobj);
	kobject_put(&sbi->kobj);
	wait_for_completion(&sbi->kobj_released);
	sbi->kobj_added = false;
}

int famfs_sysfs_init(void)
{
	famfs_kset = kset_create_and_add("famfs", NULL, fs_kobj);
	return famfs_kset ? 0 : -ENOMEM;
}

void famfs_sysfs_exit(void)
{
	kset_unregister(famfs_kset);
}

/* ----------------------------------------------------------------------
 * Memory failure
 */

static void famfs_failure_work(struct work_struct *work)
{
	struct famfs_sb_info *sbi = container_of(work, struct famfs_sb_info,
						 failure_work);

	famfs_revoke_all(sbi->sb);
}

struct famfs_failure {
	u64	dev_off;	/* a failed page */
	int	mf_flags;
	int	killed;		/* files whose users were signalled */
};

/* SIGBUS the processes that map the failed page through @inode. */
static void famfs_kill_users(struct inode *inode, void *arg)
{
	struct famfs_fmap *fmap = famfs_fmap_get(inode);
	struct famfs_failure *f = arg;
	u32 i, n;
	u64 foff;

	if (!fmap)
		return;
	n = fmap->nstrips ?: fmap->ext_count;
	for (i = 0; i < n; i++) {
		foff = famfs_fmap_dev_to_file(fmap, i, f->dev_off);
		if (foff == U64_MAX)
			continue;
		if (!mf_dax_kill_procs(inode->i_mapping, foff >> PAGE_SHIFT, 1,
				       f->mf_flags))
			f->killed++;
	}
}

/*
 * Poison (or a fabric timeout reported as poison) in our memory.  The
 * processes mapping the bad pages get SIGBUS right away.  The kernel has
 * no way to tell which other data is still good, so the whole mount is
 * then disabled: every file loses its access, later faults get SIGBUS
 * and read/write EIO.  The revocation runs from a work item, after the
 * signals: zapping first would hide the mappings from memory_failure().
 * @offset is relative to the dax device, which other partitions of the
 * same device share: a failure outside ours is not our business.
 */
static int famfs_dax_notify_failure(struct dax_device *dax_dev, u64 offset,
				    u64 len, int mf_flags)
{
	struct super_block *sb = dax_holder(dax_dev);
	struct famfs_sb_info *sbi = sb ? FAMFS_SB(sb) : NULL;
	struct famfs_failure f = { .mf_flags = mf_flags };
	u64 start, end, off, stop;
	bool first;

	if (!sbi)
		return -EOPNOTSUPP;
	/* The failed range, clamped to our partition. */
	if (check_add_overflow(offset, len, &end))
		end = U64_MAX;
	start = max(offset, sbi->dax_part_off);
	end = min(end, sbi->dax_part_off + sbi->dev_size);
	if (!len || start >= end)
		return -EOPNOTSUPP;
	start -= sbi->dax_part_off;
	end -= sbi->dax_part_off;

	spin_lock(&sbi->state_lock);
	first = !sbi->disabled;
	WRITE_ONCE(sbi->disabled, true);
	spin_unlock(&sbi->state_lock);
	if (first)
		pr_err("famfs %s: memory failure at offset %#llx len %#llx: mount disabled\n",
		       sb->s_id, start, end - start);

	/* Bounded: a failure report covers a page or a few. */
	off = round_down(start, PAGE_SIZE);
	stop = min(end, off + (512ULL << PAGE_SHIFT));
	for (; off < stop; off += PAGE_SIZE) {
		f.dev_off = off;
		famfs_walk_files(sb, famfs_kill_users, &f);
	}

	spin_lock(&sbi->state_lock);
	if (!sbi->dying)
		schedule_work(&sbi->failure_work);
	spin_unlock(&sbi->state_lock);

	/* Nothing of ours maps it: let the generic handler have a look. */
	return f.killed ? 0 : -EOPNOTSUPP;
}

static const struct dax_holder_operations famfs_dax_holder_ops = {
	.notify_failure	= famfs_dax_notify_failure,
};

/* ----------------------------------------------------------------------
 * Superblock
 */

static int famfs_show_options(struct seq_file *m, struct dentry *root)
{
	struct famfs_sb_info *sbi = FAMFS_SB(root->d_sb);

	if (sbi->root_mode != 0755)
		seq_printf(m, ",mode=%o", sbi->root_mode);
	seq_puts(m, ",dax=always");
	return 0;
}

static int famfs_statfs(struct dentry *dentry, struct kstatfs *buf)
{
	struct famfs_sb_info *sbi = FAMFS_SB(dentry->d_sb);
	int rc = simple_statfs(dentry, buf);

	/* Allocation is user space's business: report the raw size only. */
	buf->f_blocks = sbi->dev_size >> PAGE_SHIFT;
	return rc;
}

static const struct super_operations famfs_super_ops = {
	.statfs		= famfs_statfs,
	.drop_inode	= generic_delete_inode,
	.evict_inode	= famfs_evict_inode,
	.show_options	= famfs_show_options,
};

struct famfs_fs_context {
	umode_t	root_mode;
	bool	filled;		/* fill_super ran: this is a new superblock */
	dev_t	dax_devt;	/* a /dev/dax source: its device number */
	char	dax_name[32];	/* and its name (daxN.M) */
};

enum famfs_param {
	FAMFS_OPT_MODE,
	FAMFS_OPT_DAX,
	FAMFS_OPT_DAX_TYPE,
};

enum {
	FAMFS_DAX_ALWAYS,
	FAMFS_DAX_NEVER,
	FAMFS_DAX_INODE,
};

static const struct constant_table famfs_param_dax[] = {
	{"always",	FAMFS_DAX_ALWAYS},
	{"never",	FAMFS_DAX_NEVER},
	{"inode",	FAMFS_DAX_INODE},
	{}
};

static const struct fs_parameter_spec famfs_fs_parameters[] = {
	fsparam_u32oct("mode",	FAMFS_OPT_MODE),
	fsparam_flag("dax",	FAMFS_OPT_DAX),
	fsparam_enum("dax",	FAMFS_OPT_DAX_TYPE, famfs_param_dax),
	{}
};

static int famfs_parse_param(struct fs_context *fc, struct fs_parameter *param)
{
	struct famfs_fs_context *ctx = fc->fs_private;
	struct fs_parse_result result;
	int opt;

	/* -ENOPARAM lets the VFS handle "source" and unknown keys. */
	opt = fs_parse(fc, famfs_fs_parameters, param, &result);
	if (opt < 0)
		return opt;

	switch (opt) {
	case FAMFS_OPT_MODE:
		ctx->root_mode = result.uint_32 & S_IALLUGO;
		break;
	case FAMFS_OPT_DAX:
		break;
	case FAMFS_OPT_DAX_TYPE:
		if (result.uint_32 != FAMFS_DAX_ALWAYS)
			return invalfc(fc, "famfs is DAX only: dax=%s not supported",
				       param->string);
		break;
	}
	return 0;
}

/* The mount's state, before the device is opened. */
static struct famfs_sb_info *famfs_sbi_alloc(struct super_block *sb,
					     struct fs_context *fc)
{
	struct famfs_fs_context *ctx = fc->fs_private;
	struct famfs_sb_info *sbi;

	sbi = kzalloc(sizeof(*sbi), GFP_KERNEL);
	if (!sbi)
		return NULL;
	sb->s_fs_info = sbi;
	sbi->sb = sb;
	sbi->root_mode = ctx->root_mode;
	mutex_init(&sbi->map_lock);
	mutex_init(&sbi->lease_lock);
	spin_lock_init(&sbi->state_lock);
	sbi->ranges = RB_ROOT_CACHED;
	INIT_WORK(&sbi->failure_work, famfs_failure_work);
	INIT_WORK(&sbi->lease_work, famfs_lease_expire_work);
	hrtimer_init(&sbi->lease_timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
	sbi->lease_timer.function = famfs_lease_timer_fn;
	return sbi;
}

/* Once the dax device is held and its size known: the rest is common. */
static int famfs_fill_common(struct super_block *sb, struct fs_context *fc)
{
	struct famfs_fs_context *ctx = fc->fs_private;
	struct famfs_sb_info *sbi = FAMFS_SB(sb);
	struct inode *root;
	int rc;

	if (sbi->dev_size <= FAMFS_SUPERBLOCK_SIZE) {
		errorf(fc, "famfs: %s is too small", fc->source);
		return -EINVAL;
	}
	sb->s_maxbytes = MAX_LFS_FILESIZE;
	sb->s_magic = FAMFS_STATFS_MAGIC;
	sb->s_op = &famfs_super_ops;
	sb->s_time_gran = 1;

	root = famfs_get_inode(sb, NULL, S_IFDIR | sbi->root_mode, 0);
	sb->s_root = d_make_root(root);
	if (!sb->s_root)
		return -ENOMEM;

	rc = famfs_sysfs_add(sbi);
	if (rc)
		return rc;
	ctx->filled = true;
	return 0;
}

/* A pmem block device in fsdax mode. */
static int famfs_fill_super(struct super_block *sb, struct fs_context *fc)
{
	struct famfs_sb_info *sbi = famfs_sbi_alloc(sb, fc);

	if (!sbi)
		return -ENOMEM;
	sbi->dax_dev = fs_dax_get_by_bdev(sb->s_bdev, &sbi->dax_part_off,
					  sb, &famfs_dax_holder_ops);
	if (!sbi->dax_dev) {
		errorf(fc, "famfs: %pg does not support DAX (is the namespace in fsdax mode?)",
		       sb->s_bdev);
		return -EOPNOTSUPP;
	}
	sbi->dev_size = bdev_nr_bytes(sb->s_bdev);
	if (!sb_set_blocksize(sb, PAGE_SIZE)) {
		errorf(fc, "famfs: %pg: cannot use page-size blocks",
		       sb->s_bdev);
		return -EINVAL;
	}
	return famfs_fill_common(sb, fc);
}

/*
 * famfs on /dev/dax (a device-dax instance in devdax mode) needs the
 * dev_dax_iomap kernel interface: fs_dax_get() to hold the dax device,
 * and dax_operations on device-dax (kernel/patches/, CONFIG_DEV_DAX_IOMAP).
 * The build detects fs_dax_get() in the kernel's dax.h.  Without it, a
 * character device is refused clearly rather than with the generic
 * ENOTBLK.
 */
#ifdef FAMFS_HAVE_DEV_DAX_IOMAP
static int famfs_devdax_source(struct fs_context *fc, struct path *path)
{
	struct famfs_fs_context *ctx = fc->fs_private;

	ctx->dax_devt = d_inode(path->dentry)->i_rdev;
	strscpy(ctx->dax_name, path->dentry->d_name.name,
		sizeof(ctx->dax_name));
	return 0;
}

/* Size of the device: the page offsets direct_access() translates. */
static u64 famfs_devdax_size(struct dax_device *dax_dev)
{
	pgoff_t pgoff = 0;
	long nr;
	int id;

	id = dax_read_lock();
	for (;;) {
		nr = dax_direct_access(dax_dev, pgoff, LONG_MAX / PAGE_SIZE,
				       DAX_ACCESS, NULL, NULL);
		if (nr <= 0)
			break;
		pgoff += nr;
		cond_resched();
	}
	dax_read_unlock(id);
	return (u64)pgoff << PAGE_SHIFT;
}

static int famfs_devdax_open(struct super_block *sb, struct fs_context *fc)
{
	struct famfs_fs_context *ctx = fc->fs_private;
	struct famfs_sb_info *sbi = FAMFS_SB(sb);
	struct dax_device *dax_dev;

	dax_dev = fs_dax_get(ctx->dax_devt, sb, &famfs_dax_holder_ops);
	if (IS_ERR(dax_dev)) {
		int rc = PTR_ERR(dax_dev);

		if (rc == -EBUSY)
			errorf(fc, "famfs: %s is in use by another file system",
			       fc->source);
		else if (rc == -EOPNOTSUPP)
			errorf(fc, "famfs: %s: device-dax without fs-dax (CONFIG_DEV_DAX_IOMAP)",
			       fc->source);
		else
			errorf(fc, "famfs: %s is not a live dax device",
			       fc->source);
		pr_err("famfs: %s: cannot hold the dax device: %d\n",
		       fc->source, rc);
		return rc;
	}
	sbi->dax_dev = dax_dev;
	sbi->dax_part_off = 0;
	sbi->dev_size = famfs_devdax_size(dax_dev);
	strscpy(sb->s_id, ctx->dax_name, sizeof(sb->s_id));
	return 0;
}
#else
static int famfs_devdax_source(struct fs_context *fc, struct path *path)
{
	pr_err("famfs: %s: devdax mode needs the dev_dax_iomap kernel patches (fs_dax_get(), CONFIG_DEV_DAX_IOMAP), which this kernel lacks; use a /dev/pmem device in fsdax mode, or famfs's user-space mapping mode on /dev/dax\n",
	       fc->source);
	errorf(fc, "famfs: %s: devdax needs dev_dax_iomap kernel support",
	       fc->source);
	return -EOPNOTSUPP;
}

static int famfs_devdax_open(struct super_block *sb, struct fs_context *fc)
{
	return -EOPNOTSUPP;
}
#endif

/* A /dev/dax character device (devdax mode). */
static int famfs_fill_super_devdax(struct super_block *sb,
				   struct fs_context *fc)
{
	int rc;

	if (!famfs_sbi_alloc(sb, fc))
		return -ENOMEM;
	rc = famfs_devdax_open(sb, fc);
	if (rc)
		return rc;
	sb->s_blocksize = PAGE_SIZE;
	sb->s_blocksize_bits = PAGE_SHIFT;
	return famfs_fill_common(sb, fc);
}

static int famfs_check_source(struct fs_context *fc)
{
	struct path path;
	umode_t mode;
	int rc;

	if (!fc->source)
		return invalfc(fc, "No source specified");
	rc = kern_path(fc->source, LOOKUP_FOLLOW, &path);
	if (rc)
		return rc;
	mode = d_inode(path.dentry)->i_mode;
	rc = S_ISCHR(mode) ? famfs_devdax_source(fc, &path) : 0;
	path_put(&path);
	return rc;
}

static int famfs_get_tree(struct fs_context *fc)
{
	struct famfs_fs_context *ctx = fc->fs_private;
	struct super_block *sb;
	int rc;

	rc = famfs_check_source(fc);
	if (rc)
		return rc;

	/* One mount per dax device: fs_dax_get() has one holder. */
	if (ctx->dax_devt)
		return get_tree_nodev(fc, famfs_fill_super_devdax);

	rc = get_tree_bdev(fc, famfs_fill_super);
	if (rc || ctx->filled)
		return rc;

	/*
	 * get_tree_bdev() handed us the superblock of an existing mount of
	 * this device.  One mount per device: give it back.
	 */
	sb = fc->root->d_sb;
	dput(fc->root);
	fc->root = NULL;
	deactivate_locked_super(sb);
	errorf(fc, "famfs: %s is already mounted", fc->source);
	return -EBUSY;
}

static int famfs_reconfigure(struct fs_context *fc)
{
	sync_filesystem(fc->root->d_sb);
	return 0;
}

static void famfs_free_fc(struct fs_context *fc)
{
	kfree(fc->fs_private);
}

static const struct fs_context_operations famfs_context_ops = {
	.free		= famfs_free_fc,
	.parse_param	= famfs_parse_param,
	.get_tree	= famfs_get_tree,
	.reconfigure	= famfs_reconfigure,
};

static int famfs_init_fs_context(struct fs_context *fc)
{
	struct famfs_fs_context *ctx;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	ctx->root_mode = 0755;
	fc->fs_private = ctx;
	fc->ops = &famfs_context_ops;
	return 0;
}

static void famfs_kill_sb(struct super_block *sb)
{
	struct famfs_sb_info *sbi = FAMFS_SB(sb);

	if (sbi) {
		/* No lease expiry or failure work may run past this point. */
		mutex_lock(&sbi->lease_lock);
		sbi->lease_armed = false;
		mutex_unlock(&sbi->lease_lock);
		spin_lock(&sbi->state_lock);
		sbi->dying = true;
		spin_unlock(&sbi->state_lock);
		hrtimer_cancel(&sbi->lease_timer);
		cancel_work_sync(&sbi->lease_work);
		cancel_work_sync(&sbi->failure_work);
		famfs_sysfs_del(sbi);
	}

	/* Our dentries are pinned (as in ramfs): drop them first. */
	if (sb->s_root)
		d_genocide(sb->s_root);
	if (sb->s_bdev)
		kill_block_super(sb);
	else
		kill_anon_super(sb);

	if (sbi) {
		fs_put_dax(sbi->dax_dev, sb);
		kfree(sbi);
	}
}

static struct file_system_type famfs_fs_type = {
	.owner			= THIS_MODULE,
	.name			= "famfs",
	.init_fs_context	= famfs_init_fs_context,
	.parameters		= famfs_fs_parameters,
	.kill_sb		= famfs_kill_sb,
	.fs_flags		= FS_REQUIRES_DEV,
};

static int __init famfs_init(void)
{
	int rc;

	rc = famfs_sysfs_init();
	if (rc)
		return rc;
	rc = register_filesystem(&famfs_fs_type);
	if (rc)
		famfs_sysfs_exit();
	return rc;
}

static void __exit famfs_exit(void)
{
	unregister_filesystem(&famfs_fs_type);
	famfs_sysfs_exit();
}

module_init(famfs_init);
module_exit(famfs_exit);

/*
 * The original famfs exposes its KABI version as the read-only module
 * parameter famfs_kabi_version (/sys/module/famfs/parameters/), which its
 * user space may compare with the version it was built for.  This module
 * serves the KABI 42 ioctls and the KABI 43 ones at once; it reports 43
 * unless loaded with famfs_kabi_version=42 (for user space built at 42).
 * Nothing else depends on the value.
 */
static unsigned int famfs_kabi_version = FAMFS_V2_KABI_VERSION;

static int famfs_kabi_set(const char *val, const struct kernel_param *kp)
{
	unsigned int v;
	int rc = kstrtouint(val, 0, &v);

	if (rc)
		return rc;
	if (v != FAMFS_KABI_VERSION && v != FAMFS_V2_KABI_VERSION)
		return -EINVAL;
	*(unsigned int *)kp->arg = v;
	return 0;
}

static const struct kernel_param_ops famfs_kabi_ops = {
	.set	= famfs_kabi_set,
	.get	= param_get_uint,
};

module_param_cb(famfs_kabi_version, &famfs_kabi_ops, &famfs_kabi_version,
		0444);
MODULE_PARM_DESC(famfs_kabi_version,
		 "original famfs KABI version reported: 43 (default) or 42");

MODULE_DESCRIPTION("famfs: DAX file system for shared fabric-attached memory");
MODULE_LICENSE("GPL");
MODULE_ALIAS_FS("famfs");
