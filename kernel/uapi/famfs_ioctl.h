/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * famfs - user/kernel interface of the famfs kernel module.
 *
 * User space owns every piece of famfs metadata; the module only caches,
 * per file, the list of device ranges ("extents") that back it and serves
 * faults and read/write from that list.  Files are created with creat(2)
 * or open(O_CREAT) in a famfs mount, then given their backing with one of
 * the MAP_CREATE ioctls below; a file that has not been mapped has no data.
 *
 * All offsets and lengths are in bytes, relative to the start of the
 * backing device.  Unless stated otherwise an ioctl returns 0 on success
 * and -1 with errno set on failure.
 */
#ifndef _UAPI_FAMFS_IOCTL_H
#define _UAPI_FAMFS_IOCTL_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define FAMFS_IOC_MAGIC		'u'
#define FAMFSIOC_MAGIC		FAMFS_IOC_MAGIC	/* the original famfs's name */

/* statfs(2) f_type of a famfs mount (same value as the original famfs). */
#define FAMFS_STATFS_MAGIC	0x87b282fd

/*
 * --------------------------------------------------------------------------
 * Version 1 interface: the ioctls 0x50..0x53 of the original famfs kernel
 * module at its KABI version 42, with the same numbers, structure layouts
 * and constant values, so the original famfs user space works unchanged.
 * Fixed-width fields (the enums are 4 bytes on every Linux ABI), so 32-bit
 * callers get the same layout (struct famfs_ioc_map is 56 bytes).
 * --------------------------------------------------------------------------
 */

#define FAMFS_KABI_VERSION	42	/* version of the v1 interface */
#define FAMFS_MAX_EXTENTS	2

/* famfs_ioc_map.extent_type */
enum famfs_extent_type {
	SIMPLE_DAX_EXTENT = 0,
	INVALID_EXTENT_TYPE = 1,
};

/* Value of SIMPLE_DAX_EXTENT before KABI 42; MAP_CREATE accepts it too. */
#define FAMFS_SIMPLE_DAX_EXTENT_PRE42	13

/*
 * What a file stands for (famfs_ioc_map.file_type, famfs_ioc_map2.file_type).
 * SUPERBLOCK and LOG files give DAX access to the on-media superblock and
 * log (the block device itself goes through the page cache, which is
 * private to each host).  Regular files may not overlap the ranges mapped
 * by SUPERBLOCK / LOG files.
 */
enum famfs_file_type {
	FAMFS_REG = 0,
	FAMFS_SUPERBLOCK = 1,
	FAMFS_LOG = 2,
};

/* One contiguous device range. */
struct famfs_extent {
	__u64 offset;
	__u64 len;
};

struct famfs_ioc_map {
	__u32 extent_type;		/* enum famfs_extent_type */
	__u32 file_type;		/* enum famfs_file_type */
	__u64 file_size;
	__u64 ext_list_count;		/* 1 .. FAMFS_MAX_EXTENTS */
	struct famfs_extent ext_list[FAMFS_MAX_EXTENTS];
};

/*
 * MAP_CREATE: give an empty regular file its size and backing.  The file
 * must be open for writing and must not be mapped yet (EEXIST otherwise).
 */
#define FAMFSIOC_MAP_CREATE	_IOW(FAMFS_IOC_MAGIC, 0x50, struct famfs_ioc_map)
/*
 * MAP_GET: read back type, size, extent count and extents of a mapped file.
 * A file with more extents than struct famfs_ioc_map holds (made with
 * MAP_CREATE2), or an interleaved one, fails with E2BIG / EOPNOTSUPP: use
 * MAP_GET2.  ENODATA if the file has no map, EIO if it was truncated.
 */
#define FAMFSIOC_MAP_GET	_IOR(FAMFS_IOC_MAGIC, 0x51, struct famfs_ioc_map)
/*
 * MAP_GETEXT: copy the file's extents (ext_list_count of MAP_GET, at most
 * FAMFS_MAX_EXTENTS) to the array at the argument.  Same errors as MAP_GET.
 */
#define FAMFSIOC_MAP_GETEXT	_IOR(FAMFS_IOC_MAGIC, 0x52, struct famfs_extent)
/* NOP: succeeds on any famfs file; tells user space the module is there. */
#define FAMFSIOC_NOP		_IO(FAMFS_IOC_MAGIC, 0x53)

/*
 * --------------------------------------------------------------------------
 * The original famfs's KABI 43 ("v2") map ioctls 0x54 / 0x55, same numbers
 * and layouts for 64-bit callers.  The original declares the two list
 * pointers as C pointers; here they are __u64 (a 32-bit caller using this
 * header gets the 64-bit layout).  Up to 4 interleaved extents per map,
 * laid out in order in the file (each holds ie_nbytes of it, the last one
 * the rest).  Limit of this module: devindex must be 0 (one device per
 * mount).
 * --------------------------------------------------------------------------
 */

#define FAMFS_V2_KABI_VERSION		43	/* version of this interface */
#define FAMFS_V2_MAX_STRIPS		16	/* strips per interleaved extent */
#define FAMFS_V2_MAX_INTERLEAVED_EXTENTS 4	/* per map */

/* famfs_ioc_fmap.fioc_ext_type */
enum famfs_ioc_ext_type {
	FAMFS_IOC_EXT_SIMPLE = 0,
	FAMFS_IOC_EXT_INTERLEAVE = 1,
};

struct famfs_ioc_simple_extent {
	__u64 devindex;		/* 0 */
	__u64 offset;
	__u64 len;
};

struct famfs_ioc_interleaved_ext {
	__u64 ie_nstrips;	/* 1 .. FAMFS_V2_MAX_STRIPS */
	__u64 ie_chunk_size;
	__u64 ie_nbytes;	/* bytes of the file in this extent */
	__u64 ie_strips;	/* user pointer to struct famfs_ioc_simple_extent[] */
};

struct famfs_ioc_fmap {
	__u64 fioc_file_size;
	__u32 fioc_file_type;	/* enum famfs_file_type */
	__u32 fioc_ext_type;	/* enum famfs_ioc_ext_type */
	__u32 fioc_nextents;	/* simple extents, or interleaved extents (1-4) */
	__u32 fioc_pad;		/* padding in the original: ignored */
	__u64 fioc_list;	/* user pointer: simple or interleaved extents */
};

/* MAP_GET_V2 output: at most 2 simple extents, or 1 interleaved of <= 16 strips. */
struct famfs_ioc_get_fmap {
	struct famfs_ioc_fmap iocmap;	/* fioc_list comes back 0 */
	union {
		struct famfs_ioc_simple_extent ikse[FAMFS_MAX_EXTENTS];
		struct {
			struct famfs_ioc_interleaved_ext ikie;
			struct famfs_ioc_simple_extent kie_strips[FAMFS_V2_MAX_STRIPS];
		} ks;
	};
};

/*
 * MAP_CREATE_V2: as MAP_CREATE (same rules and errors), from a simple
 * extent list or 1-4 interleaved extents (fioc_list points to an array of
 * fioc_nextents struct famfs_ioc_interleaved_ext).  MAP_GET_V2: read it
 * back; for a map that does not fit struct famfs_ioc_get_fmap (more than
 * 2 extents, more than one interleaved extent) the header carries the
 * real counts, the rest as much as fits, and the call fails with E2BIG.
 */
#define FAMFSIOC_MAP_CREATE_V2	_IOW(FAMFS_IOC_MAGIC, 0x54, struct famfs_ioc_fmap)
#define FAMFSIOC_MAP_GET_V2	_IOR(FAMFS_IOC_MAGIC, 0x55, struct famfs_ioc_get_fmap)

/*
 * --------------------------------------------------------------------------
 * famfs extensions (this project).  Fixed-width fields, explicit padding,
 * identical layout on every ABI.  Reserved fields must be zero on input
 * (EINVAL otherwise) and are zeroed on output.
 * --------------------------------------------------------------------------
 */

/* Limits of a single MAP_CREATE2. */
#define FAMFS_MAX_EXTENTS2	4096
#define FAMFS_MAX_STRIPS	64

/*
 * Access this host has to a file's data.  NONE: faults get SIGBUS,
 * read(2)/write(2) fail with EACCES.  RO: write faults get SIGBUS,
 * write(2) fails with EPERM and mmap(PROT_WRITE, MAP_SHARED) with EACCES.
 * RW: no restriction beyond the file's mode bits.
 * FAMFS_ACCESS_DEFAULT is only valid in MAP_CREATE2 and means RW.
 */
enum famfs_access {
	FAMFS_ACCESS_DEFAULT = 0,
	FAMFS_ACCESS_NONE = 1,
	FAMFS_ACCESS_RO = 2,
	FAMFS_ACCESS_RW = 3,
};

/* famfs_ioc_map2.flags */
#define FAMFS_MAP2_INTERLEAVED	0x1U	/* backing is the strip set */

/*
 * A file's backing is either a list of extents, concatenated in order
 * (flags without FAMFS_MAP2_INTERLEAVED), or one interleaved extent:
 * nstrips strips (each a device range) with a chunk size; file offset o
 * lies in chunk c = o / chunk_size, which lives in strip c % nstrips at
 * offset (c / nstrips) * chunk_size + o % chunk_size of that strip.
 *
 * Offsets, lengths and chunk_size must be multiples of the page size;
 * 2 MiB-aligned backing lets the module serve 2 MiB (PMD) faults.
 * The extents (or strips) must cover file_size.
 */
struct famfs_ioc_map2 {
	__u32 file_type;	/* enum famfs_file_type */
	__u32 flags;		/* FAMFS_MAP2_* */
	__u64 file_size;
	/*
	 * CREATE2: number of entries at ext_list.  GET2: in, capacity of
	 * ext_list; out, number of extents of the file.
	 */
	__u32 ext_count;
	__u32 access;		/* enum famfs_access: initial (CREATE2) / current (GET2) */
	__u64 ext_list;		/* user pointer to struct famfs_extent[] */
	/* Interleave, used with FAMFS_MAP2_INTERLEAVED only. */
	__u32 nstrips;		/* like ext_count, for strip_list */
	__u32 reserved0;
	__u64 chunk_size;
	__u64 strip_list;	/* user pointer to struct famfs_extent[] */
	__u64 reserved[4];
};

/*
 * MAP_CREATE2: like MAP_CREATE, with up to FAMFS_MAX_EXTENTS2 extents or an
 * interleaved extent of up to FAMFS_MAX_STRIPS strips, and an initial
 * access mode.
 */
#define FAMFSIOC_MAP_CREATE2	_IOW(FAMFS_IOC_MAGIC, 0x60, struct famfs_ioc_map2)
/*
 * MAP_GET2: read back a file's map.  Extents (strips) are copied into
 * ext_list (strip_list) up to the capacity given; counts come back in full.
 * A list too small for the file fails with E2BIG after setting the counts.
 * ENODATA if the file has no map yet.
 */
#define FAMFSIOC_MAP_GET2	_IOWR(FAMFS_IOC_MAGIC, 0x61, struct famfs_ioc_map2)

struct famfs_ioc_access {
	__u32 access;		/* enum famfs_access, never DEFAULT */
	__u32 reserved0;
	__u64 reserved[2];
};

/*
 * SET_ACCESS: set this host's access to a mapped file.  Needs
 * CAP_SYS_ADMIN.  Lowering it (or setting the same mode) fences the file:
 * read(2)/write(2) in progress finish first, the CPU cache lines this
 * host dirtied through mappings are written back, live mappings are
 * zapped (the next touch faults again and gets SIGBUS where the new mode
 * forbids it), and pages still pinned (O_DIRECT, vmsplice) are waited for
 * up to 2 s: EBUSY if some still are (the new mode is in force anyway).
 * Raising it while the mount's lease has expired fails with ETIMEDOUT; on
 * a mount disabled by a memory failure, or a truncated file, with EIO.
 */
#define FAMFSIOC_SET_ACCESS	_IOW(FAMFS_IOC_MAGIC, 0x62, struct famfs_ioc_access)
/* GET_ACCESS: this host's current access to a mapped file. */
#define FAMFSIOC_GET_ACCESS	_IOR(FAMFS_IOC_MAGIC, 0x63, struct famfs_ioc_access)

/* famfs_ioc_lease.flags (in) */
#define FAMFS_LEASE_QUERY	0x1U		/* only report, change nothing */
/* famfs_ioc_lease.state (out) */
#define FAMFS_LEASE_ACTIVE	0x1U		/* a lease is armed */
#define FAMFS_LEASE_EXPIRED	0x2U		/* expired since last renewal */

struct famfs_ioc_lease {
	__u32 duration_ms;	/* in: lease length; 0 disables the lease */
	__u32 flags;		/* in: FAMFS_LEASE_QUERY */
	__u32 state;		/* out: FAMFS_LEASE_* state before this call */
	__u32 expirations;	/* out: times the lease expired since mount */
	__u64 remaining_ms;	/* out: time left after this call (0 if none) */
	__u64 reserved[2];
};

/*
 * LEASE: set and renew the mount's lease (self-fencing).  May be issued on
 * any file or directory of the mount; needs CAP_SYS_ADMIN.  Each call arms
 * the lease for duration_ms from now (an absolute CLOCK_MONOTONIC
 * deadline).  From the deadline on, faults and I/O are refused; if the
 * lease is not renewed in time the module fences every file of the mount
 * by itself (as SET_ACCESS to NONE does).  A renewal after expiry re-arms
 * the lease but restores no access: user space sets it again per file
 * with SET_ACCESS; files mapped while expired start with access NONE.
 * The default is no lease (0).
 */
#define FAMFSIOC_LEASE		_IOWR(FAMFS_IOC_MAGIC, 0x64, struct famfs_ioc_lease)

/*
 * Counters of one mount since it was mounted.  They only grow, except
 * that writing the mount's sysfs attribute fault_reset clears the three
 * fault-size counters.  Faults are counted once each, by the size of the mapping that served them;
 * refused faults are those answered with SIGBUS because this host's
 * access forbids them (access NONE after a revocation, a lease expiry
 * or a memory failure; a write with read-only access).
 */
struct famfs_ioc_stats {
	__u64 pte_faults;		/* served with a page-size mapping */
	__u64 pmd_faults;		/* served with a 2 MiB mapping */
	__u64 pud_faults;		/* served with a 1 GiB mapping */
	__u64 refused_faults;		/* answered with SIGBUS */
	__u64 revocations;		/* a file's access was lowered */
	__u64 lease_expirations;	/* the mount's lease ran out */
	/*
	 * Since features (before: reserved, zero; old modules still return
	 * zero, so FAMFS_FEATURE_* bits say which of these are counted).
	 */
	__u64 pin_scan_pages;		/* pages checked for pins by lowerings */
	__u64 writeback_bytes;		/* written back from CPU caches by lowerings */
	__u64 invalidated_bytes;	/* invalidated by this module (below) */
	__u64 features;			/* FAMFS_FEATURE_* */
};

/*
 * famfs_ioc_stats.features: what the module does on SET_ACCESS.
 *   PIN_SCAN_MAPPED        a lowering checks for pins only the 2 MiB units
 *                          mapped since their last clean check
 *                          (pin_scan_pages counts the pages checked);
 *   WRITEBACK_KADDR        a lowering writes back the units that took a
 *                          write fault through the kernel's address of the
 *                          memory (writeback_bytes); set only while the
 *                          device's write cache is on (dax_flush() flushes
 *                          nothing otherwise): then user space need not
 *                          walk the lines itself on a revocation;
 *   INVALIDATE_ON_RAISE    a raise from NONE invalidates every unit this
 *                          host touched since it last invalidated it (faults,
 *                          read(2), write(2); also done when the file is
 *                          evicted): user space need not walk the lines
 *                          itself (invalidated_bytes);
 *   INVALIDATE_ON_TOUCH    (with INVALIDATE_ON_RAISE) the raise itself
 *                          invalidates nothing: it marks those units stale,
 *                          and each is invalidated at its first touch after
 *                          the raise (fault or read(2)/write(2)), before
 *                          the touch; the guarantee is the same (no line
 *                          cached from before the raise is read through the
 *                          module), the raise takes constant time, and
 *                          invalidated_bytes grows at the first touches,
 *                          not at the raise.  Evicting the file invalidates
 *                          the stale units left.
 */
#define FAMFS_FEATURE_PIN_SCAN_MAPPED		0x1ULL
#define FAMFS_FEATURE_WRITEBACK_KADDR		0x2ULL
#define FAMFS_FEATURE_INVALIDATE_ON_RAISE	0x4ULL
#define FAMFS_FEATURE_INVALIDATE_ON_TOUCH	0x8ULL

/*
 * GET_STATS: read the mount's counters.  May be issued on any file or
 * directory of the mount (famfsd uses .meta/.superblock); needs no
 * capability.
 */
#define FAMFSIOC_GET_STATS	_IOR(FAMFS_IOC_MAGIC, 0x65, struct famfs_ioc_stats)

#endif /* _UAPI_FAMFS_IOCTL_H */
