/* SPDX-License-Identifier: GPL-2.0 */
/*
 * famfs - DAX file system for shared fabric-attached memory.
 *
 * Definitions shared by the files of the module.
 */
#ifndef _FAMFS_INTERNAL_H
#define _FAMFS_INTERNAL_H

#include <linux/fs.h>
#include <linux/dax.h>
#include <linux/hrtimer.h>
#include <linux/interval_tree.h>
#include <linux/iomap.h>
#include <linux/kobject.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "uapi/famfs_ioctl.h"

/* On-media layout constant: the superblock region never holds file data. */
#define FAMFS_SUPERBLOCK_SIZE	(2ULL << 20)

/* Longest lease famfsd may ask for. */
#define FAMFS_LEASE_MAX_MS	(24U * 3600 * 1000)

/* How long a revocation waits for pinned pages (O_DIRECT, vmsplice...). */
#define FAMFS_PIN_WAIT_MS	2000

/* read(2)/write(2) re-check access at least every this many bytes. */
#define FAMFS_IO_CHUNK		(2ULL << 20)

/* One device range of a file, with the file offset it starts at. */
struct famfs_fext {
	u64	dev_off;
	u64	len;
	u64	file_off;
};

/*
 * One interleaved extent: file bytes [file_off, file_off + nbytes) (the
 * last one may claim more than the file has) are striped in chunks of
 * chunk_size over the strips ext[first .. first + nstrips).
 */
struct famfs_iext {
	u64	file_off;
	u64	nbytes;
	u64	chunk_size;
	u32	first;
	u32	nstrips;
};

/*
 * The backing of one file, immutable once installed.  A file is either a
 * concatenation of extents (niext 0), or niext interleaved extents laid
 * out in order in the file, whose strips are in ext[] (file_off unused).
 */
struct famfs_fmap {
	enum famfs_file_type	type;
	u64			size;
	u32			ext_count;
	u32			nstrips;	/* strips of all iext[] */
	u32			niext;
	struct famfs_iext	*iext;		/* niext, after ext[] */
	struct famfs_fext	ext[];		/* ext_count or nstrips */
};

/*
 * A device range of a regular file, in the mount's tree of mapped ranges
 * (famfs_sb_info.ranges): used to keep regular files out of the log
 * whatever the order of creation, and to refuse faults on memory that
 * another file has faulted (fs-dax keeps one owner per page).
 */
struct famfs_range {
	struct interval_tree_node	node;	/* [dev_off, dev_off + len - 1] */
	struct inode			*inode;
};

/* Per-inode state; i_private of regular files points here. */
struct famfs_inode_info {
	struct famfs_fmap	*fmap;		/* NULL until mapped */
	int			access;		/* enum famfs_access */
	bool			truncated;	/* size changed: unusable */
	bool			faulted;	/* ever mapped: famfs_claim() done */
	struct famfs_range	*ranges;	/* REG: one per extent or strip */
	/*
	 * REG: four bitmaps of one bit per 2 MiB unit (FAMFS_WB_SHIFT) of
	 * the file, in one allocation (written is its start; all four NULL
	 * if it failed: then every unit counts as set, and a raise from none
	 * invalidates the whole file at once).
	 *   written: took a write fault since the last write-back;
	 *   mapped:  took a fault (read or write) since its last pin check
	 *            found no pin: only those pages can be GUP-pinned;
	 *   cached:  touched by this host (fault, read(2), write(2)) since
	 *            its lines were last invalidated: all it can have cached;
	 *   stale:   cached when access was last raised from none, and not
	 *            invalidated since: the first touch must invalidate it
	 *            (famfs_touch_units()).
	 * written, mapped and cached bits are set under the invalidate lock
	 * shared (faults) or i_rwsem (I/O), cleared with both held exclusive.
	 * stale bits are set with both held exclusive (a raise), and cleared
	 * under either held shared, only once the unit's invalidation is
	 * complete: whoever sees a unit not stale may touch it.
	 */
	unsigned long		*written;
	unsigned long		*mapped;
	unsigned long		*cached;
	unsigned long		*stale;
	unsigned long		units;
};

/* Granularity of the write-fault, mapping and cache records (one PMD). */
#define FAMFS_WB_SHIFT		21

enum famfs_fault_kind {
	FAMFS_FAULT_PTE,
	FAMFS_FAULT_PMD,
	FAMFS_FAULT_PUD,
	FAMFS_FAULT_KINDS,
};

struct famfs_sb_info {
	struct super_block	*sb;
	struct dax_device	*dax_dev;
	u64			dax_part_off;
	u64			dev_size;
	umode_t			root_mode;

	/*
	 * Ranges claimed by the SUPERBLOCK and LOG files, if mapped, and the
	 * ranges of every mapped regular file.
	 */
	struct mutex		map_lock;
	struct rb_root_cached	ranges;
	bool			have_sb_file;
	bool			have_log_file;
	u64			log_start;
	u64			log_len;

	/* Set on memory failure: no access is granted any more. */
	spinlock_t		state_lock;
	bool			disabled;
	bool			dying;
	struct work_struct	failure_work;

	/*
	 * Self-fencing lease: an hrtimer at the absolute deadline
	 * (CLOCK_MONOTONIC) queues lease_work, which revokes every file.
	 * I/O and faults compare the clock with the deadline themselves.
	 */
	struct mutex		lease_lock;
	bool			lease_armed;
	bool			lease_expired;
	u32			lease_ms;
	ktime_t			lease_deadline;
	u32			lease_expirations;
	struct hrtimer		lease_timer;
	struct work_struct	lease_work;

	atomic64_t		faults[FAMFS_FAULT_KINDS];
	atomic64_t		refused_faults;
	atomic64_t		revocations;
	atomic64_t		pin_scan_pages;
	atomic64_t		writeback_bytes;
	atomic64_t		invalidated_bytes;
	struct kobject		kobj;
	bool			kobj_added;
	struct completion	kobj_released;
};

static inline struct famfs_sb_info *FAMFS_SB(struct super_block *sb)
{
	return sb->s_fs_info;
}

static inline struct famfs_inode_info *FAMFS_I(struct inode *inode)
{
	return inode->i_private;
}

/* The map of a file, or NULL; safe without locks. */
static inline struct famfs_fmap *famfs_fmap_get(struct inode *inode)
{
	/*
	 * Pairs with smp_store_release() in famfs_install_map(), which
	 * publishes a map once, complete: readers see every extent.
	 */
	return smp_load_acquire(&FAMFS_I(inode)->fmap);
}

/* super.c */
int famfs_sysfs_init(void);
void famfs_sysfs_exit(void);

/* inode.c */
extern const struct inode_operations famfs_dir_inode_operations;
struct inode *famfs_get_inode(struct super_block *sb, const struct inode *dir,
			      umode_t mode, dev_t dev);
void famfs_evict_inode(struct inode *inode);
void famfs_walk_files(struct super_block *sb,
		      void (*fn)(struct inode *inode, void *arg), void *arg);

/* file.c */
extern const struct file_operations famfs_file_operations;
extern const struct file_operations famfs_dir_operations;
extern const struct inode_operations famfs_file_inode_operations;
extern const struct address_space_operations famfs_dax_aops;
bool famfs_lease_lapsed(struct famfs_sb_info *sbi);
bool famfs_fenced(struct famfs_sb_info *sbi);
int famfs_effective_access(struct inode *inode);

/* iomap.c */
extern const struct iomap_ops famfs_iomap_ops;
struct famfs_fmap *famfs_fmap_alloc(u32 count, u32 niext);
void famfs_fmap_free(struct famfs_fmap *fmap);
int famfs_fmap_validate(struct famfs_sb_info *sbi, struct famfs_fmap *fmap);
int famfs_ranges_add(struct famfs_sb_info *sbi, struct inode *inode,
		     struct famfs_fmap *fmap);
void famfs_ranges_del(struct famfs_sb_info *sbi, struct inode *inode);
int famfs_claim(struct inode *inode);
u64 famfs_fmap_dev_to_file(const struct famfs_fmap *fmap, u32 i, u64 dev_off);
int famfs_fmap_resolve(struct famfs_sb_info *sbi, const struct famfs_fmap *fmap,
		       u64 pos, u64 *dev, u64 *contig);

/* fence.c */
int famfs_units_alloc(struct famfs_inode_info *fi, u64 size);
bool famfs_any_stale(struct famfs_inode_info *fi, pgoff_t pgoff,
		     unsigned int pages);
int famfs_note_fault(struct inode *inode, pgoff_t pgoff, unsigned int pages);
void famfs_note_write(struct famfs_inode_info *fi, pgoff_t pgoff,
		      unsigned int pages);
int famfs_note_io(struct inode *inode, u64 pos, u64 len);
int famfs_lower_access_locked(struct inode *inode, int access,
			      unsigned long pin_deadline);
void famfs_raise_access_locked(struct inode *inode, int access);
void famfs_invalidate_cached(struct inode *inode);
void famfs_drop_access_early(struct inode *inode, int access);
void famfs_revoke_all(struct super_block *sb);

/* ioctl.c */
long famfs_file_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
long famfs_dir_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
void famfs_lease_expire_work(struct work_struct *work);
enum hrtimer_restart famfs_lease_timer_fn(struct hrtimer *timer);

#endif /* _FAMFS_INTERNAL_H */
