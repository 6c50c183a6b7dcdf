/* link: -lSaLck */
/*
 * lckbench: lock service throughput from one node.
 *
 *   lckbench [-t SECONDS] [-p PROCS] [-n NAME]
 *
 * Uncontended: one process locks and unlocks an EX lock on a resource of
 * its own over and over for SECONDS (default 2); prints the lock/unlock
 * pairs per second.  Contended: PROCS processes (default 2, each with its
 * own library handle) lock and unlock one EX lock in turn for SECONDS;
 * every unlock hands the lock to a waiting process, so the pairs per
 * second are the hand-over rate.  Figures, not a test: the exit status
 * only tells whether the calls worked.  SA_AIS_ERR_TRY_AGAIN answers
 * are retried and counted.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openais/saAis.h>
#include <openais/saLck.h>

#include "sa_name.h"
#include "timing.h"

#define TIMEOUT (10LL * SA_TIME_ONE_SECOND)

struct result {
	unsigned long long pairs, retries;
	double seconds;
};

/* lock/unlock pairs on NAME for SECONDS; 0 when every call worked */
static int run(const SaNameT *name, double seconds, struct result *out)
{
	SaLckHandleT h;
	SaLckResourceHandleT r;
	SaVersionT v = { 'B', 1, 1 };
	SaLckLockIdT id;
	SaLckLockStatusT st;
	SaAisErrorT rc;
	double start, end;

	memset(out, 0, sizeof(*out));
	RETRY(rc, saLckInitialize(&h, NULL, &v), SA_AIS_ERR_TRY_AGAIN, 40, 250);
	if (rc != SA_AIS_OK) {
		fprintf(stderr, "lckbench: saLckInitialize: %d\n", (int)rc);
		return 1;
	}
	RETRY(rc, saLckResourceOpen(h, name, SA_LCK_RESOURCE_CREATE, TIMEOUT, &r),
	      SA_AIS_ERR_TRY_AGAIN, 40, 250);
	if (rc != SA_AIS_OK) {
		fprintf(stderr, "lckbench: saLckResourceOpen: %d\n", (int)rc);
		return 1;
	}
	start = now_seconds();
	end = start + seconds;
	while (now_seconds() < end) {
		rc = saLckResourceLock(r, &id, SA_LCK_EX_LOCK_MODE, 0, 0, TIMEOUT, &st);
		if (rc == SA_AIS_ERR_TRY_AGAIN) {
			out->retries++;
			continue;
		}
		if (rc != SA_AIS_OK || st != SA_LCK_LOCK_GRANTED) {
			fprintf(stderr, "lckbench: saLckResourceLock: %d, status %d\n", (int)rc, (int)st);
			return 1;
		}
		do {
			rc = saLckResourceUnlock(id, TIMEOUT);
			if (rc == SA_AIS_ERR_TRY_AGAIN)
				out->retries++;
		} while (rc == SA_AIS_ERR_TRY_AGAIN);
		if (rc != SA_AIS_OK) {
			fprintf(stderr, "lckbench: saLckResourceUnlock: %d\n", (int)rc);
			return 1;
		}
		out->pairs++;
	}
	out->seconds = now_seconds() - start;
	saLckResourceClose(r);
	saLckFinalize(h);
	return 0;
}

int main(int argc, char **argv)
{
	double seconds = 2.0;
	int procs = 2, c, i, failed = 0;
	const char *base = "lckbench";
	SaNameT n;
	struct result res, total;
	int fds[64][2];
	pid_t pids[64];

	while ((c = getopt(argc, argv, "t:p:n:")) != -1) {
		switch (c) {
		case 't': seconds = atof(optarg); break;
		case 'p': procs = atoi(optarg); break;
		case 'n': base = optarg; break;
		default:
			fprintf(stderr, "usage: %s [-t SECONDS] [-p PROCS] [-n NAME]\n", argv[0]);
			return 1;
		}
	}
	if (seconds <= 0 || procs < 2 || procs > 64) {
		fprintf(stderr, "%s: SECONDS must be positive, PROCS 2..64\n", argv[0]);
		return 1;
	}

	sa_name_printf(&n, "%s-%ld-alone", base, (long)getpid());
	if (run(&n, seconds, &res) != 0)
		return 1;
	printf("lckbench: uncontended: %llu lock/unlock pairs in %.2f s: %.0f pairs/s (%llu retries)\n",
	       res.pairs, res.seconds, res.pairs / res.seconds, res.retries);

	sa_name_printf(&n, "%s-%ld-shared", base, (long)getpid());
	for (i = 0; i < procs; i++) {
		if (pipe(fds[i]) != 0)
			return 1;
		pids[i] = fork();
		if (pids[i] < 0)
			return 1;
		if (pids[i] == 0) {
			int rc = run(&n, seconds, &res);

			if (write(fds[i][1], &res, sizeof(res)) != (ssize_t)sizeof(res))
				rc = 1;
			_exit(rc);
		}
		close(fds[i][1]);
	}
	memset(&total, 0, sizeof(total));
	for (i = 0; i < procs; i++) {
		int status;

		if (read(fds[i][0], &res, sizeof(res)) != (ssize_t)sizeof(res))
			failed = 1;
		waitpid(pids[i], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed = 1;
		total.pairs += res.pairs;
		total.retries += res.retries;
		if (res.seconds > total.seconds)
			total.seconds = res.seconds;
	}
	if (failed || total.seconds <= 0)
		return 1;
	printf("lckbench: contended, %d processes on one EX lock: %llu hand-overs in %.2f s: "
	       "%.0f hand-overs/s (%llu retries)\n", procs, total.pairs, total.seconds,
	       total.pairs / total.seconds, total.retries);
	return 0;
}
