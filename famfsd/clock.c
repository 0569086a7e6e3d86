// SPDX-License-Identifier: Apache-2.0
/*
 * famfsd's clock: CLOCK_MONOTONIC only (never the wall clock), in
 * milliseconds for leases and timeouts (lib/log.c's clock, which the log
 * checks its store deadline against), in microseconds for durations fed
 * to histograms (a handoff takes well under a millisecond).
 */
#include <stdint.h>
#include <time.h>

#include "famfsd.h"
#include "log.h"

uint64_t famfsd_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* The log's clock (lib/log.c): the master lease is its store deadline. */
uint64_t famfsd_now_ms(void)
{
	return fam_log_now_ms();
}
