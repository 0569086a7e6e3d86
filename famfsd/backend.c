// SPDX-License-Identifier: Apache-2.0
/*
 * The local famfs: user-space mapping mode (open the device or fabric file
 * and be the log writer) or kernel mode (mount famfs.ko on the device,
 * reach the superblock and log through the mount's DAX meta files, replay
 * every file into the mount, unmount on stop).
 */
#include "backend.h"
#include "famfsd.h"
#include "hostlease.h"
#include "kmount.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static bool module_loaded(void)
{
	return access("/sys/module/famfs", F_OK) == 0 || access("/sys/fs/famfs", F_OK) == 0;
}

static int kernel_mount(struct famfsd *d)
{
	char err[PATH_MAX + 128];
	int e;

	if (fam_kmount_is_famfs(d->cfg.mount)) {
		famfsd_logf(&d->log, LOG_NOTICE, "%s is already a famfs mount; using it",
			    d->cfg.mount);
	} else {
		if (mkdir(d->cfg.mount, 0755) && errno != EEXIST) {
			e = -errno;
			famfsd_logf(&d->log, LOG_ERR, "cannot create mount point %s: %s",
				    d->cfg.mount, strerror(-e));
			return e;
		}
		if (mount(d->cfg.device, d->cfg.mount, "famfs", MS_NOATIME, "dax=always")) {
			e = -errno;
			famfsd_logf(&d->log, LOG_ERR, "mount -t famfs %s %s: %s", d->cfg.device,
				    d->cfg.mount, strerror(-e));
			return e;
		}
		d->mounted = true;
	}
	/* An existing mount may carry an expired lease: .meta is revoked until disarmed. */
	e = famfsd_hostlease_mounted(d);
	if (e)
		return e;
	e = fam_kmount_meta(d->cfg.mount, err, sizeof(err));
	if (e)
		famfsd_logf(&d->log, LOG_ERR, "%s", err);
	return e;
}

/*
 * The request ids of the records in the log (docs/protocol.md, "Retries"):
 * from here on every applied record adds its own (famfsd_on_record).
 */
static void note_requests(struct famfsd *d)
{
	struct fam_log_hdr h = d->fs.log.hdr;
	struct fam_log_cursor c;
	struct fam_rec r;

	fam_log_cursor_head(&d->fs.log, &h, &c);
	while (c.seq < d->fs.ns.applied_seq && fam_log_next(&d->fs.log, &h, &c, &r) == 1)
		fam_reqids_note(&d->reqids, &r);
}

int famfsd_backend_open(struct famfsd *d)
{
	const char *src = d->cfg.device;
	int e;

	d->kernel = d->cfg.mode == FAMFSD_MODE_KERNEL ||
		    (d->cfg.mode == FAMFSD_MODE_AUTO && d->cfg.mount[0] && module_loaded());
	e = famfsd_hostlease_open(d);
	if (e)
		goto fail;
	e = fam_reqids_init(&d->reqids, 0);
	if (e)
		goto fail;
	if (d->kernel) {
		e = kernel_mount(d);
		if (e)
			goto fail;
		src = d->cfg.mount;
	}
	/* In a cluster the writer moves between hosts: no per-host writer lock. */
	e = fam_dev_open(&d->dev, src, d->cfg.n_peers ? 0 : FAM_DEV_WRITER);
	if (e) {
		famfsd_logf(&d->log, LOG_ERR, "%s", d->dev.err);
		goto fail;
	}
	e = fam_fs_open(&d->fs, &d->dev, d->cfg.n_peers ? 0 : FAM_FS_WRITER);
	if (e) {
		famfsd_logf(&d->log, LOG_ERR, "%s", d->fs.err);
		fam_dev_close(&d->dev);
		goto fail;
	}
	d->fs_open = true;
	if (d->kernel) {
		struct fam_kmount_stats st;
		char err[PATH_MAX + 128];

		e = fam_kmount_sync(d->cfg.mount, &d->fs, &st, err, sizeof(err));
		famfsd_logf(&d->log, e ? LOG_WARNING : LOG_INFO,
			    "replayed into %s: %llu dirs and %llu files created, %llu present, %llu removed, %llu failed%s%s",
			    d->cfg.mount, (unsigned long long)st.dirs, (unsigned long long)st.files,
			    (unsigned long long)st.existing, (unsigned long long)st.removed,
			    (unsigned long long)st.failed, e ? ": " : "", e ? err : "");
	}
	note_requests(d);
	famfsd_logf(&d->log, LOG_INFO, "%s mode on %s: %llu files, %llu directories, log seq %llu",
		    d->kernel ? "kernel" : "user-space mapping", d->cfg.device,
		    (unsigned long long)d->fs.ns.n_files, (unsigned long long)d->fs.ns.n_dirs,
		    (unsigned long long)d->fs.log.hdr.committed_seq);
	/* A damaged record stops replay there (lib/fs.c); say so at once, not at the next push. */
	if (d->fs.replay_err)
		famfsd_logf(&d->log, LOG_ERR, "replay at start: %s", d->fs.err);
	return 0;
fail:
	famfsd_backend_close(d);
	return e;
}

int famfsd_replay(struct famfsd *d)
{
	int e;

	/*
	 * A push can be served before the cluster tick after a stall. With the
	 * host lease run out the module has revoked the log mapping too: wait
	 * for the next acknowledged heartbeat, which replays.
	 */
	if (!famfsd_hostlease_check(d) && d->kernel)
		return -ESTALE;
	e = fam_fs_replay(&d->fs, NULL);

	if (e)
		famfsd_logf(&d->log, LOG_ERR, "replay: %s", d->fs.err);
	if (d->kernel && d->fs.replay_rebuilt) {
		/* Rebuilt from a checkpoint: per-record updates may have missed deletions. */
		struct fam_kmount_stats st;
		char err[PATH_MAX + 128];

		if (fam_kmount_sync(d->cfg.mount, &d->fs, &st, err, sizeof(err)))
			famfsd_logf(&d->log, LOG_WARNING, "%s", err);
	}
	return e;
}

void famfsd_backend_close(struct famfsd *d)
{
	famfsd_hostlease_close(d);
	fam_reqids_fini(&d->reqids);
	if (d->fs_open) {
		fam_fs_close(&d->fs);
		fam_dev_close(&d->dev);
		d->fs_open = false;
	}
	if (d->mounted) {
		if (umount2(d->cfg.mount, 0))
			famfsd_logf(&d->log, LOG_WARNING, "umount %s: %s", d->cfg.mount,
				    strerror(errno));
		d->mounted = false;
	}
}
