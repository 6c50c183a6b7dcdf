/* link: -lcpg */
/*
 * cpgbench-openais: CPG throughput measured the way openais's own
 * test/cpgbench.c measures it, to show that its loop runs here unchanged:
 *
 *     do {
 *         cpg_flow_control_state_get(handle, &state);
 *         if (state == CPG_FLOW_CONTROL_DISABLED)
 *             cpg_mcast_joined(handle, CPG_TYPE_AGREED, &iov, 1);
 *         cpg_dispatch(handle, CPG_DISPATCH_ALL);
 *     } while (!alarm_notice);
 *
 * A multicast refused with CPG_ERR_TRY_AGAIN is not retried: the program
 * waits for the flow control state to go back to DISABLED, which only the
 * executive's notice (read by cpg_dispatch) does. So a run through a
 * pause of a node (SIGSTOP) finishes only if that notice comes.
 *
 *   cpgbench-openais [-t SECONDS] [-n SIZES] [-g GROUP] [-m MAX_STALL]
 *
 * Joins GROUP (default "cpg_bm", openais's), then for each of SIZES sizes
 * (default 5: 1000, 2000, ... bytes, openais's steps) multicasts for
 * SECONDS (default 10, openais's) with alarm(2). Prints per size what was
 * delivered (messages, TP/s, MB/s) and how long the flow control state
 * stayed ENABLED at the most. Exits 1 when a call fails with anything
 * but CPG_ERR_TRY_AGAIN, or when the state stays ENABLED for MAX_STALL
 * seconds (default 30): the program would wait forever.
 */
#define _POSIX_C_SOURCE 200809L

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <openais/cpg.h>

#include "timing.h"

static volatile sig_atomic_t alarm_notice;
static unsigned long long delivered, delivered_bytes;
static char data[500000];

static void on_alarm(int sig)
{
	(void)sig;
	alarm_notice = 1;
}

static void deliver(cpg_handle_t handle, struct cpg_name *group, uint32_t nodeid, uint32_t pid, void *msg,
		    int msg_len)
{
	(void)handle;
	(void)group;
	(void)nodeid;
	(void)pid;
	(void)msg;
	delivered++;
	delivered_bytes += (unsigned long long)msg_len;
}

static void confchg(cpg_handle_t handle, struct cpg_name *group, struct cpg_address *members, int nmembers,
		    struct cpg_address *left, int nleft, struct cpg_address *joined, int njoined)
{
	(void)handle;
	(void)group;
	(void)members;
	(void)left;
	(void)joined;
	printf("configuration change: %d members, %d left, %d joined\n", nmembers, nleft, njoined);
}

static cpg_callbacks_t callbacks = { deliver, confchg };

/* one size: 0, or 1 when a call failed or flow control never cleared */
static int benchmark(cpg_handle_t handle, int size, int seconds, int max_stall)
{
	struct iovec iov = { data, (size_t)size };
	cpg_flow_control_state_t state;
	unsigned long long try_again = 0;
	double t0, t1, stalled_since = 0, longest = 0;
	cpg_error_t rc;

	delivered = delivered_bytes = 0;
	alarm_notice = 0;
	alarm((unsigned int)seconds);
	t0 = now_seconds();
	do {
		rc = cpg_flow_control_state_get(handle, &state);
		if (rc != CPG_OK) {
			printf("cpg_flow_control_state_get returned %d\n", (int)rc);
			return 1;
		}
		if (state == CPG_FLOW_CONTROL_DISABLED) {
			if (stalled_since > 0) {
				if (now_seconds() - stalled_since > longest)
					longest = now_seconds() - stalled_since;
				stalled_since = 0;
			}
			rc = cpg_mcast_joined(handle, CPG_TYPE_AGREED, &iov, 1);
			if (rc == CPG_ERR_TRY_AGAIN)
				try_again++;
			else if (rc != CPG_OK) {
				printf("cpg_mcast_joined returned %d\n", (int)rc);
				return 1;
			}
		} else if (stalled_since == 0) {
			stalled_since = now_seconds();
		} else if (now_seconds() - stalled_since > max_stall) {
			printf("flow control stayed enabled for %d s: the program would wait forever\n", max_stall);
			return 1;
		}
		rc = cpg_dispatch(handle, CPG_DISPATCH_ALL);
		if (rc != CPG_OK) {
			printf("cpg dispatch returned error %d\n", (int)rc);
			return 1;
		}
	} while (alarm_notice == 0 || stalled_since > 0);
	t1 = now_seconds();
	printf("%8llu messages received %6d bytes per write %7.3f Seconds runtime %9.3f TP/s %7.3f MB/s"
	       " (%llu TRY_AGAIN, flow control enabled %.3f s at the longest)\n",
	       delivered, size, t1 - t0, (double)delivered / (t1 - t0),
	       (double)delivered_bytes / (t1 - t0) / 1000000.0, try_again, longest);
	printf("RESULT size=%d delivered=%llu seconds=%.3f try_again=%llu longest_stall=%.3f\n", size, delivered,
	       t1 - t0, try_again, longest);
	return 0;
}

int main(int argc, char **argv)
{
	struct cpg_name group;
	cpg_handle_t handle;
	const char *name = "cpg_bm";
	int seconds = 10, sizes = 5, max_stall = 30, opt, i, status = 0;
	cpg_error_t rc;
	struct sigaction sa;

	while ((opt = getopt(argc, argv, "t:n:g:m:")) != -1) {
		switch (opt) {
		case 't':
			seconds = atoi(optarg);
			break;
		case 'n':
			sizes = atoi(optarg);
			break;
		case 'g':
			name = optarg;
			break;
		case 'm':
			max_stall = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: %s [-t SECONDS] [-n SIZES] [-g GROUP] [-m MAX_STALL]\n", argv[0]);
			return 2;
		}
	}
	if (seconds < 1 || sizes < 1 || sizes > 400 || max_stall < 1 || strlen(name) >= CPG_MAX_NAME_LENGTH) {
		fprintf(stderr, "cpgbench-openais: bad option value\n");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	memset(data, 'x', sizeof(data));

	rc = cpg_initialize(&handle, &callbacks);
	if (rc != CPG_OK) {
		printf("cpg_initialize returned %d\n", (int)rc);
		return 1;
	}
	memset(&group, 0, sizeof(group));
	group.length = (uint32_t)strlen(name);
	memcpy(group.value, name, group.length);
	RETRY(rc, cpg_join(handle, &group), CPG_ERR_TRY_AGAIN, 300, 100);
	if (rc != CPG_OK) {
		printf("cpg_join returned %d\n", (int)rc);
		return 1;
	}
	for (i = 0; i < sizes && status == 0; i++)
		status = benchmark(handle, 1000 * (i + 1), seconds, max_stall);
	cpg_finalize(handle);
	return status;
}
