/* link: -lcpg */
/*
 * cpgbench: CPG throughput for a range of message sizes.
 *
 *   cpgbench [-s SIZES] [-t SECONDS] [-p PROCS] [-w MEMBERS] [-a START]
 *            [-g GROUP] [-r] [-S] [-c PIDS] [-l]
 *
 * Joins GROUP (default "cpgbench") and, for each size of SIZES (a comma
 * list, default 16,64,256,1024,4096,16384,65536), multicasts messages of
 * that size as fast as the cluster takes them for SECONDS (default 2),
 * retrying on CPG_ERR_TRY_AGAIN, while dispatching every delivery.  -p
 * runs PROCS processes here (default 1), each a sender and a member; -r
 * makes this instance receive only.  -w waits until MEMBERS processes are
 * in the group (default PROCS), -a waits until the wall clock reaches
 * START (seconds since the epoch) so that instances on several nodes run
 * their sizes together.  -S multicasts with CPG_TYPE_SAFE.  -c PIDS (a
 * comma list, e.g. the executives) prints, per size, the CPU time each of
 * those processes spent while the size was sent, per message delivered
 * here ("CPU size=... pid=... seconds=... us_per_msg=...").
 *
 * -l measures latency at light load instead: one message of the first
 * size every millisecond for SECONDS, each carrying the CLOCK_MONOTONIC
 * time it was handed to cpg_mcast_joined; the time from there to its
 * delivery back to this process gives "LATENCY size=... count=...
 * p50_us=... p99_us=... max_us=..." (messages refused with TRY_AGAIN are
 * sent at the next millisecond).
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
#include <sys/select.h>
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

#define LATENCY_MAGIC 0x4e43544cu	/* "LTCN" */
#define LATENCY_HEADER 16		/* the magic number, the sender's PID, the time */

/* latency mode: the delays measured (seconds), for messages of this process */
static double *latency_samples;
static size_t latency_count, latency_capacity;

/* records the delay of a latency message this process sent */
static void latency_delivery(const void *msg, size_t len)
{
	const unsigned char *m = msg;
	uint32_t magic, pid;
	double sent_at, delay;

	if (len < LATENCY_HEADER)
		return;
	memcpy(&magic, m, 4);
	memcpy(&pid, m + 4, 4);
	if (magic != LATENCY_MAGIC || pid != (uint32_t)getpid())
		return;
	memcpy(&sent_at, m + 8, 8);
	delay = now_seconds() - sent_at;
	if (latency_count < latency_capacity)
		latency_samples[latency_count++] = delay;
}

static void on_deliver(cpg_handle_t handle, BENCH_CONST struct cpg_name *group,
		       uint32_t nodeid, uint32_t pid, void *msg, bench_len_t msg_len)
{
	(void)handle;
	(void)group;
	(void)nodeid;
	(void)pid;
	if (latency_samples != NULL)
		latency_delivery(msg, (size_t)msg_len);
	else
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

static int compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* dispatches what arrives until the monotonic clock reaches UNTIL */
static int pump_until(const struct bench_library *lib, double until)
{
	for (;;) {
		double left = until - now_seconds();
		struct timespec ts;
		fd_set readable;
		int n;

		if (left <= 0)
			return 0;
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
		FD_ZERO(&readable);
		FD_SET(lib->fd, &readable);
		n = pselect(lib->fd + 1, &readable, NULL, NULL, &ts, NULL);
		if (n < 0 && errno != EINTR)
			return -1;
		if (n > 0 && lib->dispatch(lib->ctx) < 0)
			return -1;
	}
}

/*
 * Latency mode: a message of the first size every millisecond for
 * o->seconds, each stamped with the time it is handed to the library;
 * prints the percentiles of its delay until delivered back here.
 */
static int run_latency(const struct bench_library *lib, const struct bench_options *o)
{
	size_t size = o->sizes[0] < LATENCY_HEADER ? LATENCY_HEADER : o->sizes[0];
	unsigned char *buf = calloc(1, size);
	uint32_t magic = LATENCY_MAGIC, pid = (uint32_t)getpid();
	struct iovec iov = { buf, size };
	unsigned long sent = 0, refused = 0;
	double start, next, quiet_since;
	size_t before;

	latency_capacity = (size_t)(o->seconds * 1000) + 16;
	latency_samples = calloc(latency_capacity, sizeof(double));
	if (buf == NULL || latency_samples == NULL)
		return 1;
	memcpy(buf, &magic, 4);
	memcpy(buf + 4, &pid, 4);
	start = now_seconds();
	for (next = start; next < start + o->seconds; next += 0.001) {
		double t;
		int r;

		if (pump_until(lib, next) < 0)
			return 1;
		t = now_seconds();
		memcpy(buf + 8, &t, 8);
		r = lib->mcast(lib->ctx, &iov, o->safe);
		if (r < 0)
			return 1;
		if (r > 0)
			sent++;
		else
			refused++;
	}
	/* the last messages still on their way */
	quiet_since = now_seconds();
	before = latency_count;
	while (latency_count < sent && now_seconds() - quiet_since < 1.0) {
		if (pump_until(lib, now_seconds() + 0.05) < 0)
			return 1;
		if (latency_count != before) {
			before = latency_count;
			quiet_since = now_seconds();
		}
	}
	qsort(latency_samples, latency_count, sizeof(double), compare_doubles);
	if (latency_count == 0) {
		printf("LATENCY size=%zu count=0 p50_us=n/a p99_us=n/a max_us=n/a sent=%lu refused=%lu\n",
		       size, sent, refused);
	} else {
		printf("LATENCY size=%zu count=%zu p50_us=%.0f p99_us=%.0f max_us=%.0f sent=%lu "
		       "refused=%lu\n", size, latency_count,
		       latency_samples[(latency_count - 1) / 2] * 1e6,
		       latency_samples[(latency_count * 99 - 1) / 100] * 1e6,
		       latency_samples[latency_count - 1] * 1e6, sent, refused);
	}
	fflush(stdout);
	free(buf);
	return 0;
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
		if (!o->latency)
			bench_print_columns();
	}
	status = o->latency ? run_latency(&lib, o) : bench_run_sizes(&lib, o, report);
	if (status != 0)
		return status;
	cpg_leave(h, &group);
	cpg_finalize(h);
	return 0;
}

int main(int argc, char **argv)
{
	struct bench_options o;

	bench_parse_options(argc, argv, "cpgbench", "s:t:p:w:a:g:rSc:l",
			    "cpgbench [-s SIZES] [-t SECONDS] [-p PROCS] [-w MEMBERS] "
			    "[-a START] [-g GROUP] [-r] [-S] [-c PIDS] [-l]", CPG_MAX_NAME_LENGTH, &o);
	return bench_spawn(&o, run);
}
