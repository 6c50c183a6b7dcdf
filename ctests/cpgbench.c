/* link: -lcpg */
/*
 * cpgbench: CPG throughput for a range of message sizes.
 *
 *   cpgbench [-s SIZES] [-t SECONDS] [-p PROCS] [-w MEMBERS] [-a START]
 *            [-g GROUP] [-r] [-S]
 *
 * Joins GROUP (default "cpgbench") and, for each size of SIZES (a comma
 * list, default 16,64,256,1024,4096,16384,65536), multicasts messages of
 * that size as fast as the cluster takes them for SECONDS (default 2),
 * retrying on CPG_ERR_TRY_AGAIN, while dispatching every delivery.  -p
 * runs PROCS processes here (default 1), each a sender and a member; -r
 * makes this instance receive only.  -w waits until MEMBERS processes are
 * in the group (default PROCS), -a waits until the wall clock reaches
 * START (seconds since the epoch) so that instances on several nodes run
 * their sizes together.  -S multicasts with CPG_TYPE_SAFE.
 *
 * Prints, per size, what this instance's first process sent and what it
 * delivered from all senders (messages/s and MB/s, MB = 10^6 bytes), and
 * one "RESULT size=... sent=... delivered=... mbps=..." line per size for
 * scripts.  Figures are measured, never judged: the exit status is 0
 * unless a call failed.
 *
 * The same file builds against corosync's libcpg with -DCPGBENCH_COROSYNC
 * (corosync's cpg.h spells the codes, the dispatch flags and the callback
 * argument types differently; only calls both libraries have are used).
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>

#ifdef CPGBENCH_COROSYNC
#include <corosync/cpg.h>
#define BENCH_OK CS_OK
#define BENCH_TRY_AGAIN CS_ERR_TRY_AGAIN
#define BENCH_DISPATCH_ALL CS_DISPATCH_ALL
#define BENCH_CONST const
typedef cs_error_t bench_rc_t;
typedef size_t bench_len_t;
#define LIBRARY "corosync libcpg"
#else
#include <openais/cpg.h>
#define BENCH_OK CPG_OK
#define BENCH_TRY_AGAIN CPG_ERR_TRY_AGAIN
#define BENCH_DISPATCH_ALL CPG_DISPATCH_ALL
#define BENCH_CONST
typedef cpg_error_t bench_rc_t;
typedef int bench_len_t;
#define LIBRARY "openais-rs libcpg"
#endif

#include "bench.h"

static int members_now;

static void on_deliver(cpg_handle_t handle, BENCH_CONST struct cpg_name *group,
		       uint32_t nodeid, uint32_t pid, void *msg, bench_len_t msg_len)
{
	(void)handle;
	(void)group;
	(void)nodeid;
	(void)pid;
	bench_count_delivery(msg, (size_t)msg_len);
}

static void on_confchg(cpg_handle_t handle, BENCH_CONST struct cpg_name *group,
		       BENCH_CONST struct cpg_address *members, bench_len_t nmembers,
		       BENCH_CONST struct cpg_address *left, bench_len_t nleft,
		       BENCH_CONST struct cpg_address *joined, bench_len_t njoined)
{
	(void)handle;
	(void)group;
	(void)members;
	(void)left;
	(void)nleft;
	(void)joined;
	(void)njoined;
	members_now = (int)nmembers;
}

static int dispatch(void *ctx)
{
	bench_rc_t rc = cpg_dispatch(*(cpg_handle_t *)ctx, BENCH_DISPATCH_ALL);

	if (rc != BENCH_OK) {
		fprintf(stderr, "cpgbench: cpg_dispatch: %d\n", (int)rc);
		return -1;
	}
	return 0;
}

static int mcast(void *ctx, struct iovec *iov, int safe)
{
	bench_rc_t rc = cpg_mcast_joined(*(cpg_handle_t *)ctx, safe ? CPG_TYPE_SAFE : CPG_TYPE_AGREED,
					 iov, 1);

	if (rc == BENCH_OK)
		return 1;
	if (rc == BENCH_TRY_AGAIN)
		return 0;
	fprintf(stderr, "cpgbench: cpg_mcast_joined: %d\n", (int)rc);
	return -1;
}

/* one process: join, wait, run every size; returns the exit status */
static int run(const struct bench_options *o, int report)
{
	cpg_callbacks_t callbacks;
	struct cpg_name group;
	cpg_handle_t h;
	struct bench_library lib = { -1, dispatch, mcast, &h };
	bench_rc_t rc;
	unsigned int local = 0;
	double t0;
	int status;

	memset(&callbacks, 0, sizeof(callbacks));
	callbacks.cpg_deliver_fn = on_deliver;
	callbacks.cpg_confchg_fn = on_confchg;
	memset(&group, 0, sizeof(group));
	group.length = (uint32_t)strlen(o->group);
	memcpy(group.value, o->group, group.length);

	RETRY(rc, cpg_initialize(&h, &callbacks), BENCH_TRY_AGAIN, 51, 100);
	if (rc != BENCH_OK) {
		fprintf(stderr, "cpgbench: cpg_initialize: %d\n", (int)rc);
		return 1;
	}
	cpg_local_get(h, &local);
	cpg_fd_get(h, &lib.fd);
	RETRY(rc, cpg_join(h, &group), BENCH_TRY_AGAIN, 51, 100);
	if (rc != BENCH_OK) {
		fprintf(stderr, "cpgbench: cpg_join: %d\n", (int)rc);
		return 1;
	}
	t0 = now_seconds();
	while (members_now < o->want) {
		if (now_seconds() - t0 > 60) {
			fprintf(stderr, "cpgbench: %d of %d members after 60 s\n", members_now,
				o->want);
			return 1;
		}
		if (bench_pump(&lib, 100) < 0)
			return 1;
	}
	if (bench_wait_start(&lib, o) < 0)
		return 1;
	if (report) {
		printf("cpgbench (%s): node %u, %d process(es) here%s, %d member(s), "
		       "%.1f s per size, guarantee %s\n", LIBRARY, local, o->procs,
		       o->receive_only ? " receiving only" : "", members_now, o->seconds,
		       o->safe ? "safe" : "agreed");
		bench_print_columns();
	}
	status = bench_run_sizes(&lib, o, report);
	if (status != 0)
		return status;
	cpg_leave(h, &group);
	cpg_finalize(h);
	return 0;
}

int main(int argc, char **argv)
{
	struct bench_options o;

	bench_parse_options(argc, argv, "cpgbench", "s:t:p:w:a:g:rS",
			    "cpgbench [-s SIZES] [-t SECONDS] [-p PROCS] [-w MEMBERS] "
			    "[-a START] [-g GROUP] [-r] [-S]", CPG_MAX_NAME_LENGTH, &o);
	return bench_spawn(&o, run);
}
