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

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

#define MAGIC 0x48434e42u	/* "BNCH" */
#define MAX_SIZES 32
#define HEADER 8

struct phase_count {
	unsigned long long msgs, bytes;
};

static struct phase_count delivered[MAX_SIZES];
static int members_now;

static void put32(unsigned char *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static uint32_t get32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static void on_deliver(cpg_handle_t handle, BENCH_CONST struct cpg_name *group,
		       uint32_t nodeid, uint32_t pid, void *msg, bench_len_t msg_len)
{
	const unsigned char *m = msg;
	uint32_t phase;

	(void)handle;
	(void)group;
	(void)nodeid;
	(void)pid;
	if (msg_len < HEADER || get32(m) != MAGIC)
		return;
	phase = get32(m + 4);
	if (phase < MAX_SIZES) {
		delivered[phase].msgs++;
		delivered[phase].bytes += (unsigned long long)msg_len;
	}
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

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* dispatches what is pending, waiting at most wait_ms for something */
static int pump(cpg_handle_t h, int fd, int wait_ms)
{
	struct pollfd p = { fd, POLLIN, 0 };
	bench_rc_t rc;

	if (poll(&p, 1, wait_ms) < 0)
		return errno == EINTR ? 0 : -1;
	if (!p.revents)
		return 0;
	rc = cpg_dispatch(h, BENCH_DISPATCH_ALL);
	if (rc != BENCH_OK) {
		fprintf(stderr, "cpgbench: cpg_dispatch: %d\n", (int)rc);
		return -1;
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: cpgbench [-s SIZES] [-t SECONDS] [-p PROCS] [-w MEMBERS] "
		"[-a START] [-g GROUP] [-r] [-S]\n");
	exit(1);
}

struct options {
	unsigned long sizes[MAX_SIZES];
	int nsizes;
	double seconds;
	int procs, want, receive_only, safe;
	long start_at;
	const char *group;
};

/* one process: join, wait, run every size; returns the exit status */
static int run(const struct options *o, int report)
{
	cpg_callbacks_t callbacks;
	struct cpg_name group;
	unsigned long long sent[MAX_SIZES];
	unsigned char *buf;
	unsigned long max = 0;
	cpg_handle_t h;
	bench_rc_t rc;
	unsigned int local = 0;
	double t0, quiet_since;
	unsigned long long total_before;
	int fd, i, k;

	memset(&callbacks, 0, sizeof(callbacks));
	callbacks.cpg_deliver_fn = on_deliver;
	callbacks.cpg_confchg_fn = on_confchg;
	for (i = 0; i < o->nsizes; i++)
		if (o->sizes[i] > max)
			max = o->sizes[i];
	buf = calloc(1, max);
	if (buf == NULL)
		return 1;
	memset(&group, 0, sizeof(group));
	group.length = (uint32_t)strlen(o->group);
	memcpy(group.value, o->group, group.length);

	for (k = 0; (rc = cpg_initialize(&h, &callbacks)) == BENCH_TRY_AGAIN && k < 50; k++)
		poll(NULL, 0, 100);
	if (rc != BENCH_OK) {
		fprintf(stderr, "cpgbench: cpg_initialize: %d\n", (int)rc);
		return 1;
	}
	cpg_local_get(h, &local);
	cpg_fd_get(h, &fd);
	for (k = 0; (rc = cpg_join(h, &group)) == BENCH_TRY_AGAIN && k < 50; k++)
		poll(NULL, 0, 100);
	if (rc != BENCH_OK) {
		fprintf(stderr, "cpgbench: cpg_join: %d\n", (int)rc);
		return 1;
	}
	t0 = now_s();
	while (members_now < o->want) {
		if (now_s() - t0 > 60) {
			fprintf(stderr, "cpgbench: %d of %d members after 60 s\n", members_now,
				o->want);
			return 1;
		}
		if (pump(h, fd, 100) < 0)
			return 1;
	}
	while (o->start_at && time(NULL) < o->start_at)
		if (pump(h, fd, 50) < 0)
			return 1;
	if (report) {
		printf("cpgbench (%s): node %u, %d process(es) here%s, %d member(s), "
		       "%.1f s per size, guarantee %s\n", LIBRARY, local, o->procs,
		       o->receive_only ? " receiving only" : "", members_now, o->seconds,
		       o->safe ? "safe" : "agreed");
		printf("%9s %14s %16s %15s\n", "size", "sent msg/s", "delivered msg/s",
		       "delivered MB/s");
		fflush(stdout);
	}
	for (i = 0; i < o->nsizes; i++) {
		struct iovec iov = { buf, o->sizes[i] };
		double start = now_s(), end = start + o->seconds;

		sent[i] = 0;
		put32(buf, MAGIC);
		put32(buf + 4, (uint32_t)i);
		while (now_s() < end) {
			if (o->receive_only) {
				if (pump(h, fd, 10) < 0)
					return 1;
				continue;
			}
			rc = cpg_mcast_joined(h, o->safe ? CPG_TYPE_SAFE : CPG_TYPE_AGREED, &iov, 1);
			if (rc == BENCH_OK) {
				sent[i]++;
				if (pump(h, fd, 0) < 0)
					return 1;
			} else if (rc == BENCH_TRY_AGAIN) {
				if (pump(h, fd, 1) < 0)
					return 1;
			} else {
				fprintf(stderr, "cpgbench: cpg_mcast_joined: %d\n", (int)rc);
				return 1;
			}
		}
		if (report && i > 0) {
			double s = o->seconds;

			printf("%9lu %14.0f %16.0f %15.2f\n", o->sizes[i - 1], sent[i - 1] / s,
			       delivered[i - 1].msgs / s, delivered[i - 1].bytes / s / 1e6);
			printf("RESULT size=%lu sent=%.0f delivered=%.0f mbps=%.3f\n",
			       o->sizes[i - 1], sent[i - 1] / s, delivered[i - 1].msgs / s,
			       delivered[i - 1].bytes / s / 1e6);
			fflush(stdout);
		}
	}
	/* what is still on its way belongs to the last size */
	quiet_since = now_s();
	total_before = 0;
	while (now_s() - quiet_since < 0.5) {
		unsigned long long total = 0;

		if (pump(h, fd, 50) < 0)
			return 1;
		for (i = 0; i < o->nsizes; i++)
			total += delivered[i].msgs;
		if (total != total_before) {
			total_before = total;
			quiet_since = now_s();
		}
	}
	if (report) {
		double s = o->seconds;

		i = o->nsizes - 1;
		printf("%9lu %14.0f %16.0f %15.2f\n", o->sizes[i], sent[i] / s,
		       delivered[i].msgs / s, delivered[i].bytes / s / 1e6);
		printf("RESULT size=%lu sent=%.0f delivered=%.0f mbps=%.3f\n", o->sizes[i],
		       sent[i] / s, delivered[i].msgs / s, delivered[i].bytes / s / 1e6);
	}
	cpg_leave(h, &group);
	cpg_finalize(h);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	struct options o;
	pid_t kids[64];
	char *list = NULL, *tok, *save = NULL;
	int opt, i, status = 0, want_given = 0;

	memset(&o, 0, sizeof(o));
	o.seconds = 2;
	o.procs = 1;
	o.group = "cpgbench";
	while ((opt = getopt(argc, argv, "s:t:p:w:a:g:rS")) != -1) {
		switch (opt) {
		case 's': list = optarg; break;
		case 't': o.seconds = atof(optarg); break;
		case 'p': o.procs = atoi(optarg); break;
		case 'w': o.want = atoi(optarg); want_given = 1; break;
		case 'a': o.start_at = atol(optarg); break;
		case 'g': o.group = optarg; break;
		case 'r': o.receive_only = 1; break;
		case 'S': o.safe = 1; break;
		default: usage();
		}
	}
	if (list == NULL)
		list = strdup("16,64,256,1024,4096,16384,65536");
	for (tok = strtok_r(list, ",", &save); tok && o.nsizes < MAX_SIZES;
	     tok = strtok_r(NULL, ",", &save))
		o.sizes[o.nsizes++] = strtoul(tok, NULL, 0);
	for (i = 0; i < o.nsizes; i++)
		if (o.sizes[i] < HEADER || o.sizes[i] > 1048576)
			usage();
	if (o.nsizes == 0 || o.seconds <= 0 || o.procs < 1 || o.procs > 64 ||
	    strlen(o.group) > CPG_MAX_NAME_LENGTH)
		usage();
	if (!want_given)
		o.want = o.procs;
	for (i = 1; i < o.procs; i++) {
		kids[i] = fork();
		if (kids[i] == 0)
			_exit(run(&o, 0));
		if (kids[i] < 0) {
			perror("cpgbench: fork");
			return 1;
		}
	}
	status = run(&o, 1);
	for (i = 1; i < o.procs; i++) {
		int ws;

		if (waitpid(kids[i], &ws, 0) == kids[i] && (!WIFEXITED(ws) || WEXITSTATUS(ws)))
			status = 1;
	}
	return status;
}
