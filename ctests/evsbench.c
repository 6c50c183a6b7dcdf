/* link: -levs */
/*
 * evsbench: EVS throughput for a range of message sizes.
 *
 *   evsbench [-s SIZES] [-t SECONDS] [-p PROCS] [-a START] [-g KEY] [-r] [-S]
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
 *
 * Prints, per size, what this instance's first process sent and what it
 * delivered from all senders (messages/s and MB/s, MB = 10^6 bytes), and
 * one "RESULT size=... sent=... delivered=... mbps=..." line per size for
 * scripts.  Figures are measured, never judged: the exit status is 0
 * unless a call failed.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openais/evs.h>

#define MAGIC 0x48434e42u	/* "BNCH" */
#define MAX_SIZES 32
#define HEADER 8

struct phase_count {
	unsigned long long msgs, bytes;
};

static struct phase_count delivered[MAX_SIZES];

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

static void on_deliver(unsigned int nodeid, void *msg, int msg_len)
{
	const unsigned char *m = msg;
	uint32_t phase;

	(void)nodeid;
	if (msg_len < HEADER || get32(m) != MAGIC)
		return;
	phase = get32(m + 4);
	if (phase < MAX_SIZES) {
		delivered[phase].msgs++;
		delivered[phase].bytes += (unsigned long long)msg_len;
	}
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* dispatches what is pending, waiting at most wait_ms for something */
static int pump(evs_handle_t h, int fd, int wait_ms)
{
	struct pollfd p = { fd, POLLIN, 0 };
	evs_error_t rc;

	if (poll(&p, 1, wait_ms) < 0)
		return errno == EINTR ? 0 : -1;
	if (!p.revents)
		return 0;
	rc = evs_dispatch(h, EVS_DISPATCH_ALL);
	if (rc != EVS_OK) {
		fprintf(stderr, "evsbench: evs_dispatch: %d\n", (int)rc);
		return -1;
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: evsbench [-s SIZES] [-t SECONDS] [-p PROCS] [-a START] "
		"[-g KEY] [-r] [-S]\n");
	exit(1);
}

struct options {
	unsigned long sizes[MAX_SIZES];
	int nsizes;
	double seconds;
	int procs, receive_only, safe;
	long start_at;
	const char *group;
};

/* one process: join, run every size; returns the exit status */
static int run(const struct options *o, int report)
{
	evs_callbacks_t callbacks = { on_deliver, NULL };
	struct evs_group group;
	unsigned long long sent[MAX_SIZES];
	unsigned char *buf;
	unsigned long max = 0;
	evs_handle_t h;
	evs_error_t rc;
	unsigned int local = 0, members[64], nmembers = 64;
	double quiet_since;
	unsigned long long total_before;
	int fd, i, k;

	for (i = 0; i < o->nsizes; i++)
		if (o->sizes[i] > max)
			max = o->sizes[i];
	buf = calloc(1, max);
	if (buf == NULL)
		return 1;
	memset(&group, 0, sizeof(group));
	memcpy(group.key, o->group, strlen(o->group));

	for (k = 0; (rc = evs_initialize(&h, &callbacks)) == EVS_ERR_TRY_AGAIN && k < 50; k++)
		poll(NULL, 0, 100);
	if (rc != EVS_OK) {
		fprintf(stderr, "evsbench: evs_initialize: %d\n", (int)rc);
		return 1;
	}
	evs_membership_get(h, &local, members, &nmembers);
	evs_fd_get(h, &fd);
	rc = evs_join(h, &group, 1);
	if (rc != EVS_OK) {
		fprintf(stderr, "evsbench: evs_join: %d\n", (int)rc);
		return 1;
	}
	while (o->start_at && time(NULL) < o->start_at)
		if (pump(h, fd, 50) < 0)
			return 1;
	if (report) {
		printf("evsbench: node %u, %u node(s), %d process(es) here%s, "
		       "%.1f s per size, guarantee %s\n", local, nmembers, o->procs,
		       o->receive_only ? " receiving only" : "", o->seconds,
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
			rc = evs_mcast_joined(h, o->safe ? EVS_TYPE_SAFE : EVS_TYPE_AGREED, &iov, 1);
			if (rc == EVS_OK) {
				sent[i]++;
				if (pump(h, fd, 0) < 0)
					return 1;
			} else if (rc == EVS_ERR_TRY_AGAIN) {
				if (pump(h, fd, 1) < 0)
					return 1;
			} else {
				fprintf(stderr, "evsbench: evs_mcast_joined: %d\n", (int)rc);
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
	evs_leave(h, &group, 1);
	evs_finalize(h);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	struct options o;
	pid_t kids[64];
	char *list = NULL, *tok, *save = NULL;
	int opt, i, status = 0;

	memset(&o, 0, sizeof(o));
	o.seconds = 2;
	o.procs = 1;
	o.group = "evsbench";
	while ((opt = getopt(argc, argv, "s:t:p:a:g:rS")) != -1) {
		switch (opt) {
		case 's': list = optarg; break;
		case 't': o.seconds = atof(optarg); break;
		case 'p': o.procs = atoi(optarg); break;
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
	    strlen(o.group) > sizeof(((struct evs_group *)0)->key))
		usage();
	for (i = 1; i < o.procs; i++) {
		kids[i] = fork();
		if (kids[i] == 0)
			_exit(run(&o, 0));
		if (kids[i] < 0) {
			perror("evsbench: fork");
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
