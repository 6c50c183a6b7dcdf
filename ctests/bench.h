/*
 * bench.h: what the group messaging benchmarks cpgbench and evsbench
 * share, whatever the library under test: their options, the messages
 * they send (a magic number and the index of their size ahead of the
 * padding) and count on delivery, the loop that sends each size for its
 * seconds while dispatching, the figures they print, and the processes
 * they run.
 *
 * Plain C99 and POSIX, no openais header: cpgbench.c also builds with it
 * against corosync's libcpg (-DCPGBENCH_COROSYNC).  The including file
 * defines _POSIX_C_SOURCE (200809L) before any system header.
 */
#ifndef CTESTS_BENCH_H
#define CTESTS_BENCH_H

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "timing.h"

#define BENCH_MAGIC 0x48434e42u	/* "BNCH" */
#define BENCH_MAX_SIZES 32
#define BENCH_HEADER 8		/* the magic number and the size's index */
#define BENCH_MAX_SIZE 1048576
#define BENCH_MAX_PROCS 64
#define BENCH_DEFAULT_SIZES "16,64,256,1024,4096,16384,65536"
#define BENCH_MAX_PIDS 8

struct bench_options {
	const char *program;	/* the benchmark's name: messages, default group */
	unsigned long sizes[BENCH_MAX_SIZES];
	int nsizes;
	double seconds;
	int procs, want, receive_only, safe;
	long start_at;
	const char *group;
	/* -c: processes (the executives) whose CPU time is read per size */
	long cpu_pids[BENCH_MAX_PIDS];
	int ncpu_pids;
	/* -l: light-load latency mode of cpgbench (one message a millisecond) */
	int latency;
};

/* what this process delivered of each size, from every sender */
static struct {
	unsigned long long msgs, bytes;
} bench_delivered[BENCH_MAX_SIZES];

/* counts a delivered message when it is one of ours, under its size */
static inline void bench_count_delivery(const void *msg, size_t len)
{
	const unsigned char *m = msg;
	uint32_t magic, index;

	if (len < BENCH_HEADER)
		return;
	memcpy(&magic, m, 4);
	memcpy(&index, m + 4, 4);
	if (magic != BENCH_MAGIC || index >= BENCH_MAX_SIZES)
		return;
	bench_delivered[index].msgs++;
	bench_delivered[index].bytes += (unsigned long long)len;
}

static inline void bench_usage(const char *synopsis)
{
	fprintf(stderr, "usage: %s\n", synopsis);
	exit(1);
}

/*
 * The CPU time (user and system, every thread) process PID has spent,
 * in seconds, from /proc/PID/stat; -1 when it cannot be read.
 */
static inline double bench_cpu_seconds(long pid)
{
	char path[64], line[1024], *p;
	unsigned long long utime, stime;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	n = fread(line, 1, sizeof(line) - 1, f);
	fclose(f);
	line[n] = 0;
	/* the command name may hold spaces: the fields follow its last ')' */
	p = strrchr(line, ')');
	if (p == NULL ||
	    sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime,
		   &stime) != 2)
		return -1;
	return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

/* reads the CPU time of every -c process into CPU */
static inline void bench_sample_cpu(const struct bench_options *o, double *cpu)
{
	int k;

	for (k = 0; k < o->ncpu_pids; k++)
		cpu[k] = bench_cpu_seconds(o->cpu_pids[k]);
}

/*
 * Reads the options of the benchmark PROGRAM: -s SIZES (a comma list)
 * -t SECONDS -p PROCS -a START -g GROUP -r -S -c PIDS (a comma list of
 * processes whose CPU time is printed per size), -l when OPTSTRING has
 * it, and -w MEMBERS when OPTSTRING has it (MEMBERS defaults to PROCS).  GROUP defaults to
 * PROGRAM and may have MAX_GROUP bytes.  A mistake prints SYNOPSIS and
 * exits 1.
 */
static inline void bench_parse_options(int argc, char **argv, const char *program,
				       const char *optstring, const char *synopsis, size_t max_group,
				       struct bench_options *o)
{
	char defaults[] = BENCH_DEFAULT_SIZES;
	char *list = defaults, *tok, *save = NULL, *pids = NULL;
	int opt, i, want_given = 0;

	memset(o, 0, sizeof(*o));
	o->program = program;
	o->seconds = 2;
	o->procs = 1;
	o->group = program;
	while ((opt = getopt(argc, argv, optstring)) != -1) {
		switch (opt) {
		case 's': list = optarg; break;
		case 't': o->seconds = atof(optarg); break;
		case 'p': o->procs = atoi(optarg); break;
		case 'w': o->want = atoi(optarg); want_given = 1; break;
		case 'a': o->start_at = atol(optarg); break;
		case 'g': o->group = optarg; break;
		case 'r': o->receive_only = 1; break;
		case 'S': o->safe = 1; break;
		case 'c': pids = optarg; break;
		case 'l': o->latency = 1; break;
		default: bench_usage(synopsis);
		}
	}
	for (tok = strtok_r(list, ",", &save); tok && o->nsizes < BENCH_MAX_SIZES;
	     tok = strtok_r(NULL, ",", &save))
		o->sizes[o->nsizes++] = strtoul(tok, NULL, 0);
	for (tok = pids ? strtok_r(pids, ",", &save) : NULL;
	     tok && o->ncpu_pids < BENCH_MAX_PIDS; tok = strtok_r(NULL, ",", &save))
		o->cpu_pids[o->ncpu_pids++] = strtol(tok, NULL, 10);
	for (i = 0; i < o->nsizes; i++)
		if (o->sizes[i] < BENCH_HEADER || o->sizes[i] > BENCH_MAX_SIZE)
			bench_usage(synopsis);
	if (o->nsizes == 0 || o->seconds <= 0 || o->procs < 1 || o->procs > BENCH_MAX_PROCS ||
	    strlen(o->group) > max_group)
		bench_usage(synopsis);
	if (!want_given)
		o->want = o->procs;
}

/* the library under test, as the shared loop drives it */
struct bench_library {
	int fd;					/* readable: something to dispatch */
	int (*dispatch)(void *ctx);		/* 0, or -1 once it said why */
	/* 1 sent, 0 refused for now (try again), -1 failed once it said why */
	int (*mcast)(void *ctx, struct iovec *iov, int safe);
	void *ctx;
};

/* dispatches what is pending, waiting at most WAIT_MS for something */
static inline int bench_pump(const struct bench_library *lib, int wait_ms)
{
	struct pollfd p = { lib->fd, POLLIN, 0 };

	if (poll(&p, 1, wait_ms) < 0)
		return errno == EINTR ? 0 : -1;
	if (!p.revents)
		return 0;
	return lib->dispatch(lib->ctx);
}

/* dispatches until the wall clock reaches -a START, when it was given */
static inline int bench_wait_start(const struct bench_library *lib, const struct bench_options *o)
{
	while (o->start_at && time(NULL) < o->start_at)
		if (bench_pump(lib, 50) < 0)
			return -1;
	return 0;
}

/* the column titles, under the benchmark's own first line */
static inline void bench_print_columns(void)
{
	printf("%9s %14s %16s %15s\n", "size", "sent msg/s", "delivered msg/s", "delivered MB/s");
	fflush(stdout);
}

/*
 * The figures of size I: a table row and a line for scripts; with -c,
 * a "CPU size=... pid=... seconds=... us_per_msg=..." line per process:
 * its CPU time while the size was sent (CPU0 to CPU1) per message
 * delivered here.
 */
static inline void bench_print_size(const struct bench_options *o, int i, unsigned long long sent,
				    const double *cpu0, const double *cpu1)
{
	double s = o->seconds;
	int k;

	printf("%9lu %14.0f %16.0f %15.2f\n", o->sizes[i], sent / s, bench_delivered[i].msgs / s,
	       bench_delivered[i].bytes / s / 1e6);
	printf("RESULT size=%lu sent=%.0f delivered=%.0f mbps=%.3f\n", o->sizes[i], sent / s,
	       bench_delivered[i].msgs / s, bench_delivered[i].bytes / s / 1e6);
	for (k = 0; k < o->ncpu_pids; k++) {
		if (cpu0[k] < 0 || cpu1[k] < 0 || bench_delivered[i].msgs == 0)
			printf("CPU size=%lu pid=%ld seconds=n/a us_per_msg=n/a\n", o->sizes[i],
			       o->cpu_pids[k]);
		else
			printf("CPU size=%lu pid=%ld seconds=%.3f us_per_msg=%.2f\n", o->sizes[i],
			       o->cpu_pids[k], cpu1[k] - cpu0[k],
			       (cpu1[k] - cpu0[k]) * 1e6 / (double)bench_delivered[i].msgs);
	}
}

/*
 * Sends each size for its seconds (unless receiving only), retrying
 * what is refused, while dispatching every delivery; a size's figures
 * are printed (with REPORT) once the next size has started, since its
 * messages are still being delivered until then, and the last size's
 * once nothing has arrived for half a second.  Returns the exit status.
 */
static inline int bench_run_sizes(const struct bench_library *lib, const struct bench_options *o,
				  int report)
{
	unsigned long long sent[BENCH_MAX_SIZES], total_before;
	double cpu[BENCH_MAX_SIZES + 1][BENCH_MAX_PIDS];
	unsigned long max = 0;
	unsigned char *buf;
	double quiet_since;
	int i;

	for (i = 0; i < o->nsizes; i++)
		if (o->sizes[i] > max)
			max = o->sizes[i];
	buf = calloc(1, max);
	if (buf == NULL)
		return 1;
	bench_sample_cpu(o, cpu[0]);
	for (i = 0; i < o->nsizes; i++) {
		struct iovec iov = { buf, o->sizes[i] };
		uint32_t magic = BENCH_MAGIC, index = (uint32_t)i;
		double end = now_seconds() + o->seconds;

		sent[i] = 0;
		memcpy(buf, &magic, 4);
		memcpy(buf + 4, &index, 4);
		while (now_seconds() < end) {
			int r;

			if (o->receive_only) {
				if (bench_pump(lib, 10) < 0)
					goto failed;
				continue;
			}
			r = lib->mcast(lib->ctx, &iov, o->safe);
			if (r < 0)
				goto failed;
			if (r > 0)
				sent[i]++;
			if (bench_pump(lib, r > 0 ? 0 : 1) < 0)
				goto failed;
		}
		bench_sample_cpu(o, cpu[i + 1]);
		if (report && i > 0) {
			bench_print_size(o, i - 1, sent[i - 1], cpu[i - 1], cpu[i]);
			fflush(stdout);
		}
	}
	/* what is still on its way belongs to the last size */
	quiet_since = now_seconds();
	total_before = 0;
	while (now_seconds() - quiet_since < 0.5) {
		unsigned long long total = 0;

		if (bench_pump(lib, 50) < 0)
			goto failed;
		for (i = 0; i < o->nsizes; i++)
			total += bench_delivered[i].msgs;
		if (total != total_before) {
			total_before = total;
			quiet_since = now_seconds();
		}
	}
	if (report)
		bench_print_size(o, o->nsizes - 1, sent[o->nsizes - 1], cpu[o->nsizes - 1],
				 cpu[o->nsizes]);
	free(buf);
	return 0;
failed:
	free(buf);
	return 1;
}

/*
 * Runs RUN in o->procs processes, this one reporting; returns the exit
 * status: 1 when any of them failed.
 */
static inline int bench_spawn(const struct bench_options *o,
			      int (*run)(const struct bench_options *o, int report))
{
	pid_t kids[BENCH_MAX_PROCS];
	int i, status;

	for (i = 1; i < o->procs; i++) {
		kids[i] = fork();
		if (kids[i] == 0)
			_exit(run(o, 0));
		if (kids[i] < 0) {
			fprintf(stderr, "%s: fork: %s\n", o->program, strerror(errno));
			return 1;
		}
	}
	status = run(o, 1);
	for (i = 1; i < o->procs; i++) {
		int ws;

		if (waitpid(kids[i], &ws, 0) == kids[i] && (!WIFEXITED(ws) || WEXITSTATUS(ws)))
			status = 1;
	}
	return status;
}

#endif /* CTESTS_BENCH_H */
