/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The famfs release version: the one place it is defined. famfsd, famfsctl,
 * mkfs.famfs and fsck.famfs print it (--version), famfsd reports it in
 * Status, and the Makefile reads it from here for the DKMS source folder
 * (/usr/src/famfs-VERSION) and `make deb` (checked against debian/changelog).
 */
#ifndef FAMFS_VERSION_H
#define FAMFS_VERSION_H

#define FAMFS_VERSION "0.1.0"

#endif
