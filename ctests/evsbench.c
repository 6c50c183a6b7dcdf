/* link: -levs */
/*
 * evsbench: EVS throughput for a range of message sizes.
 *
 *   evsbench [-s SIZES] [-t SECONDS] [-p PROCS] [-a START] [-g KEY] [-r] [-S]
 *            [-c PIDS]
 *
 * Joins the group KEY (default "evsbench", zero-padded to 32 bytes) and,
 * for each size of SIZES (a comma list, default
 * 16,64,256,1024,4096,16384,65536), multicasts messages of that size to
 * the joined group as fast as the cluster takes them for SECONDS (default
 * 2), retrying on EVS_ERR_TRY_AGAIN, while dispatching every delivery.
 * -p runs PROCS processes here (default 1), each a sender and a member;
 * -r makes this instance receive only; -a waits until the wall clock
 * reaches START (seconds since the epoch) so that instances on several
 * nodes run their sizes together.  -S multicasts with EVS_TYPE_SAFE.
 * -c PIDS (a comma list, e.g. the executives) prints, per size, the CPU
 * time each of those processes spent while the size was sent, per
 * message delivered here.
 *
 * Prints, per size, what this instance's first process sent and what it
 * delivered from all senders (messages/s and MB/s, MB = 10^6 bytes), and
 * one "RESULT size=... sent=... delivered=... mbps=..." line per size for
 * scripts.  Figures are measured, never judged: the exit status is 0
 * unless a call failed.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <string.h>
#include <sys/uio.h>

#include <openais/evs.h>

#include "bench.h"

static void on_deliver(unsigned int nodeid, void *msg, int msg_len)
{
	(void)nodeid;
	bench_count_delivery(msg, (size_t)msg_len);
}

static int dispatch(void *ctx)
{
	evs_error_t rc = evs_dispatch(*(evs_handle_t *)ctx, EVS_DISPATCH_ALL);

	if (rc != EVS_OK) {
		fprintf(stderr, "evsbench: evs_dispatch: %d\n", (int)rc);
		return -1;
	}
	return 0;
}

static int mcast(void *ctx, struct iovec *iov, int safe)
{
	evs_error_t rc = evs_mcast_joined(*(evs_handle_t *)ctx, safe ? EVS_TYPE_SAFE : EVS_TYPE_AGREED,
					  iov, 1);

	if (rc == EVS_OK)
		return 1;
	if (rc == EVS_ERR_TRY_AGAIN)
		return 0;
	fprintf(stderr, "evsbench: evs_mcast_joined: %d\n", (int)rc);
	return -1;
}

/* one process: join, run every size; returns the exit status */
static int run(const struct bench_options *o, int report)
{
	evs_callbacks_t callbacks = { on_deliver, NULL };
	struct evs_group group;
	evs_handle_t h;
	struct bench_library lib = { -1, dispatch, mcast, &h };
	evs_error_t rc;
	unsigned int local = 0, members[64], nmembers = 64;
	int status;

	memset(&group, 0, sizeof(group));
	memcpy(group.key, o->group, strlen(o->group));

	RETRY(rc, evs_initialize(&h, &callbacks), EVS_ERR_TRY_AGAIN, 51, 100);
	if (rc != EVS_OK) {
		fprintf(stderr, "evsbench: evs_initialize: %d\n", (int)rc);
		return 1;
	}
	evs_membership_get(h, &local, members, &nmembers);
	evs_fd_get(h, &lib.fd);
	rc = evs_join(h, &group, 1);
	if (rc != EVS_OK) {
		fprintf(stderr, "evsbench: evs_join: %d\n", (int)rc);
		return 1;
	}
	if (bench_wait_start(&lib, o) < 0)
		return 1;
	if (report) {
		printf("evsbench: node %u, %u node(s), %d process(es) here%s, "
		       "%.1f s per size, guarantee %s\n", local, nmembers, o->procs,
		       o->receive_only ? " receiving only" : "", o->seconds,
		       o->safe ? "safe" : "agreed");
		bench_print_columns();
	}
	status = bench_run_sizes(&lib, o, report);
	if (status != 0)
		return status;
	evs_leave(h, &group, 1);
	evs_finalize(h);
	return 0;
}

int main(int argc, char **argv)
{
	struct bench_options o;

	bench_parse_options(argc, argv, "evsbench", "s:t:p:a:g:rSc:",
			    "evsbench [-s SIZES] [-t SECONDS] [-p PROCS] [-a START] "
			    "[-g KEY] [-r] [-S] [-c PIDS]", sizeof(((struct evs_group *)0)->key), &o);
	return bench_spawn(&o, run);
}
