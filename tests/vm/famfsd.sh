# SPDX-License-Identifier: GPL-2.0
# famfsd in kernel mode on the shared pmem.  Sourced by vm2.sh in VM3 once
# its replay checks are done and its own mount is gone (any famfsd replay
# removes files the log does not know, so no private vmtool files may be
# in the mount); `run.sh one famfsd` runs it alone on a fresh backing file
# (fsdax switch, mkfs and the same starting tree as VM1 + VM2 leave).
#
# famfsd_scenarios PREFIX expects the log to hold /d/e/file (3000000 bytes,
# pattern 7), /big (8M, pattern 3) and /d/new (2M): 3 files, 2 directories.
# It leaves /d/e/file, /big, /x/y/g (5000000 bytes, pattern 21) and /x/big
# (8M, pattern 23): 4 files, 4 directories, and famfsd stopped, unmounted.
SOCK=/run/famfsd.sock
FD_LOG=/tmp/famfsd.log
export FAMFS_SOCKET=$SOCK

mounted() { grep -q " $MNT famfs " /proc/mounts; }
# jstr KEY: the string KEY has in famfsctl --json output on stdin.
jstr() { sed -n "s/.*\"$1\": *\"\([^\"]*\)\".*/\1/p" | head -n 1; }
fd_log() { tail -n 4 $FD_LOG 2>/dev/null | tr '\n' ' '; }

# fd_start: famfsd in the background; up when its socket answers (bounded).
fd_start() {
	famfsd --device $DEV --mount $MNT --mode kernel --socket $SOCK \
		--log-level debug >> $FD_LOG 2>&1 &
	FD_PID=$!
	_t=600
	while [ $_t -gt 0 ]; do
		[ -S $SOCK ] && famfsctl status >/dev/null 2>&1 && return 0
		kill -0 $FD_PID 2>/dev/null || { wait $FD_PID; return 1; }
		sleep 0.1
		_t=$((_t - 1))
	done
	return 1
}

# fd_stop: SIGTERM, then famfsd's exit status (SIGKILL after 30 s: 137).
fd_stop() {
	kill -TERM $FD_PID 2>/dev/null
	_t=300
	while [ $_t -gt 0 ] && kill -0 $FD_PID 2>/dev/null; do
		sleep 0.1
		_t=$((_t - 1))
	done
	kill -0 $FD_PID 2>/dev/null && kill -KILL $FD_PID
	wait $FD_PID
}

famfsd_scenarios() {
	P=$1
	grep -q "^famfs " /proc/modules || load_famfs
	mkdir -p $MNT
	rm -f $FD_LOG /tmp/dsrc /tmp/dbad
	truncate -s 5000000 /tmp/dsrc && $T fill /tmp/dsrc 21 >/dev/null
	truncate -s 5000000 /tmp/dbad && $T fill /tmp/dbad 22 >/dev/null

	# 1. Start: famfsd mounts famfs itself, maps the meta files, replays.
	if mounted; then
		fail "$P starts in kernel mode and mounts $MNT itself" "$MNT already mounted"
		return 1
	fi
	if fd_start && mounted; then
		pass "$P starts in kernel mode and mounts $MNT itself"
	else
		fail "$P starts in kernel mode and mounts $MNT itself" "$(fd_log)"
		kill -KILL $FD_PID 2>/dev/null
		return 1
	fi
	_sb=$(stat -c %s $MNT/.meta/.superblock 2>&1) _lg=$(stat -c %s $MNT/.meta/.log 2>&1)
	[ "$_sb $_lg" = "2097152 8388608" ] && pass "$P mapped .meta/.superblock (2M) and .meta/.log (8M)" ||
		fail "$P mapped the .meta files" "sizes: $_sb $_lg"
	_o=
	[ "$($T verify $MNT/d/e/file 7 2>&1)" = "ok 3000000" ] || _o="$_o /d/e/file"
	[ "$($T verify $MNT/big 3 2>&1)" = "ok 8388608" ] || _o="$_o /big"
	[ -f $MNT/d/new ] || _o="$_o /d/new"
	grep -q "replayed into $MNT: 2 dirs and 3 files created, 0 present, 0 removed, 0 failed" $FD_LOG ||
		_o="$_o log: $(grep replayed $FD_LOG)"
	[ -z "$_o" ] && pass "$P replayed the log into the mount (files of famfsctl local, identical bytes)" ||
		fail "$P replayed the log into the mount" "$_o"
	ctl_json /tmp/st status
	_o="$(jstr mode < /tmp/st) $(jstr mount < /tmp/st) $(jstr device < /tmp/st) $(jnum files < /tmp/st)f/$(jnum directories < /tmp/st)d"
	[ "$_o" = "kernel $MNT $DEV 3f/2d" ] && pass "$P famfsctl status --json: mode kernel, mount $MNT, 3 files, 2 dirs" ||
		fail "$P famfsctl status --json" "$_o $(tr -d '\n ' < /tmp/st | head -c 200)"

	# 2. Changes through the daemon appear in the mount at once.
	famfsctl mkdir -p /x/y > /tmp/o 2>&1 && [ -d $MNT/x/y ] &&
		pass "$P famfsctl mkdir -p /x/y: in the mount" ||
		fail "$P famfsctl mkdir -p /x/y" "$(cat /tmp/o) $(ls -R $MNT | tr '\n' ' ')"
	if famfsctl cp /tmp/dsrc famfs:/x/y/f > /tmp/o 2>&1 && cmp /tmp/dsrc $MNT/x/y/f >> /tmp/o 2>&1 &&
	   [ "$($T verify $MNT/x/y/f 21 2>&1)" = "ok 5000000" ]; then
		pass "$P famfsctl cp famfs:/x/y/f: identical bytes in the mount (cmp, mmap)"
	else
		fail "$P famfsctl cp famfs:/x/y/f" "$(tr '\n' ' ' < /tmp/o) $($T verify $MNT/x/y/f 21 2>&1)"
	fi
	if famfsctl verify /x/y/f /tmp/dsrc > /tmp/o 2>&1; then
		if famfsctl verify /x/y/f /tmp/dbad >> /tmp/o 2>&1; then
			fail "$P famfsctl verify" "a different file compared equal"
		else
			pass "$P famfsctl verify /x/y/f: equal to its source, a different file is not"
		fi
	else
		fail "$P famfsctl verify /x/y/f" "$(tr '\n' ' ' < /tmp/o)"
	fi
	if famfsctl creat --size 8M /x/big > /tmp/o 2>&1 && [ "$(stat -c %s $MNT/x/big 2>&1)" = 8388608 ]; then
		pmd_check "$P famfsctl creat --size 8M /x/big: mmap takes PMD faults only (4 x 2M)" $MNT/x/big 4
	else
		fail "$P famfsctl creat --size 8M /x/big" "$(cat /tmp/o) $(ls -l $MNT/x 2>&1 | tr '\n' ' ')"
	fi
	rm -f /tmp/bigout
	if $T fillmm $MNT/x/big 23 >/dev/null && famfsctl cp famfs:/x/big /tmp/bigout > /tmp/o 2>&1 &&
	   [ "$($T verify /tmp/bigout 23 2>&1)" = "ok 8388608" ]; then
		pass "$P bytes written through the mount come out of famfsctl cp famfs:/x/big"
	else
		fail "$P famfsctl cp out of /x/big" "$(tr '\n' ' ' < /tmp/o) $($T verify /tmp/bigout 23 2>&1)"
	fi
	if famfsctl mv /x/y/f /x/y/g > /tmp/o 2>&1 && [ ! -e $MNT/x/y/f ] && cmp /tmp/dsrc $MNT/x/y/g >/dev/null 2>&1 &&
	   [ "$(famfsctl ls /x/y 2>&1)" = g ]; then
		pass "$P famfsctl mv /x/y/f /x/y/g: renamed in the mount, same bytes"
	else
		fail "$P famfsctl mv" "$(cat /tmp/o) $(ls $MNT/x/y 2>&1 | tr '\n' ' ') ls: $(famfsctl ls /x/y 2>&1)"
	fi
	if famfsctl creat --size 64K /x/tmp > /tmp/o 2>&1 && [ -f $MNT/x/tmp ] &&
	   famfsctl rm /x/tmp /d/new >> /tmp/o 2>&1 && [ ! -e $MNT/x/tmp ] && [ ! -e $MNT/d/new ]; then
		pass "$P famfsctl rm (a daemon-made and a replayed file): gone from the mount"
	else
		fail "$P famfsctl rm" "$(tr '\n' ' ' < /tmp/o) $(ls $MNT/x $MNT/d 2>&1 | tr '\n' ' ')"
	fi

	# 3. SIGTERM: exit 0, unmounted, socket gone; a restart brings it all back.
	fd_stop; _rc=$?
	if [ $_rc = 0 ] && ! mounted && [ ! -e $SOCK ] && ! famfsctl status >/dev/null 2>&1; then
		pass "$P SIGTERM: exit 0, $MNT unmounted, socket removed"
	else
		fail "$P SIGTERM" "rc=$_rc $(grep " $MNT " /proc/mounts) $(ls -l $SOCK 2>&1) $(fd_log)"
	fi
	if fd_start && mounted; then
		_o=
		cmp /tmp/dsrc $MNT/x/y/g >/dev/null 2>&1 || _o="$_o /x/y/g"
		[ "$($T verify $MNT/x/big 23 2>&1)" = "ok 8388608" ] || _o="$_o /x/big"
		[ "$($T verify $MNT/d/e/file 7 2>&1)" = "ok 3000000" ] || _o="$_o /d/e/file"
		[ -e $MNT/d/new ] || [ -e $MNT/x/tmp ] || [ -e $MNT/x/y/f ] && _o="$_o removed files back"
		grep -q "replayed into $MNT: 4 dirs and 4 files created, 0 present, 0 removed, 0 failed" $FD_LOG ||
			_o="$_o log: $(grep replayed $FD_LOG | tail -n 1)"
		[ -z "$_o" ] && pass "$P restart remounts; every file back with identical bytes" ||
			fail "$P restart" "$_o"
	else
		fail "$P restart remounts" "$(fd_log)"
	fi
	_o=$(fsck.famfs $MNT 2>&1)
	case $_o in
	*"clean, 4 files, 4 directories"*) pass "$P fsck.famfs $MNT clean (4 files, 4 dirs)" ;;
	*) fail "$P fsck.famfs $MNT" "$_o" ;;
	esac
	fd_stop; _rc=$?
	[ $_rc = 0 ] && ! mounted && pass "$P second stop: exit 0, unmounted" ||
		fail "$P second stop" "rc=$_rc $(fd_log)"
	grep -E 'error|warning' $FD_LOG | head -n 3 | sed 's/^/famfsd log: /'
	ok "$P rmmod famfs after famfsd (no reference left)" rmmod famfs
	if dmesg | grep -qE 'BUG:|WARNING:|Oops|Busy inodes'; then
		fail "$P kernel log clean" "$(dmesg | grep -E 'BUG:|WARNING:|Oops|Busy inodes' | head -n 1)"
	else
		pass "$P kernel log clean"
	fi
}

# Alone (run.sh one famfsd): a fresh file system with VM3's starting tree.
if [ "${FAMFS_ROLE:-}" = one ]; then
	. /tests/lib.sh
	load_nvdimm && fsdax_switch || { fail "one fsdax" "$DEV"; exit 1; }
	mkfs.famfs --force $DEV >/dev/null || { fail "one mkfs.famfs" "$DEV"; exit 1; }
	load_famfs
	mkdir -p $MNT
	mount -t famfs -o dax=always,noatime $DEV $MNT
	truncate -s 3000000 /tmp/src1 && $T fill /tmp/src1 7 >/dev/null
	famfsctl local mkdir -p $MNT /d/e && famfsctl local cp $MNT /tmp/src1 /d/e/file &&
		famfsctl local creat --size 8M $MNT /big && $T fillmm $MNT/big 3 >/dev/null &&
		famfsctl local creat --size 2M $MNT /d/new || fail "one starting tree" "famfsctl local"
	umount $MNT
	famfsd_scenarios "famfsd"
	cat $FD_LOG
fi
