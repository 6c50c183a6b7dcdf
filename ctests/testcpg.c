/* link: -lcpg */
/*
 * testcpg: join a closed process group, print its configuration changes
 * and messages, and multicast every line typed on standard input.
 *
 *   testcpg [-g GROUP] [-n COUNT] [-t SECONDS] [-s]
 *
 * GROUP defaults to "GROUP".  -s multicasts with CPG_TYPE_SAFE (else
 * CPG_TYPE_AGREED).  Stops on SIGINT/SIGTERM, after COUNT callbacks (-n),
 * or after SECONDS (-t); end of input does not stop it.  Exit status: 0 on
 * a normal stop, 1 on an error, 2 when -t ran out before the -n callbacks
 * arrived.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <openais/cpg.h>

static volatile sig_atomic_t stop_requested;
static unsigned long callbacks_seen;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static const char *reason_name(uint32_t reason)
{
	switch (reason) {
	case CPG_REASON_JOIN: return "join";
	case CPG_REASON_LEAVE: return "leave";
	case CPG_REASON_NODEDOWN: return "node down";
	case CPG_REASON_NODEUP: return "node up";
	case CPG_REASON_PROCDOWN: return "process down";
	default: return "unknown";
	}
}

static void print_group(const struct cpg_name *g)
{
	printf("%.*s", (int)(g->length < CPG_MAX_NAME_LENGTH ? g->length : CPG_MAX_NAME_LENGTH),
	       g->value);
}

static void print_list(const char *title, const struct cpg_address *a, int n, int reasons)
{
	int i;

	printf("  %s (%d):\n", title, n);
	for (i = 0; i < n; i++) {
		printf("    node %u pid %u", a[i].nodeid, a[i].pid);
		if (reasons)
			printf(" (%s)", reason_name(a[i].reason));
		printf("\n");
	}
}

static void on_confchg(cpg_handle_t handle, struct cpg_name *group,
		       struct cpg_address *members, int nmembers,
		       struct cpg_address *left, int nleft,
		       struct cpg_address *joined, int njoined)
{
	(void)handle;
	callbacks_seen++;
	printf("CONFIGURATION CHANGE of group ");
	print_group(group);
	printf("\n");
	print_list("members", members, nmembers, 0);
	print_list("left", left, nleft, 1);
	print_list("joined", joined, njoined, 1);
	fflush(stdout);
}

static void on_deliver(cpg_handle_t handle, struct cpg_name *group, uint32_t nodeid,
		       uint32_t pid, void *msg, int msg_len)
{
	const unsigned char *m = msg;
	int i;

	(void)handle;
	callbacks_seen++;
	printf("DELIVER from node %u pid %u to ", nodeid, pid);
	print_group(group);
	printf(" (%d bytes): ", msg_len);
	for (i = 0; i < msg_len; i++)
		putchar(m[i] >= 32 && m[i] < 127 ? m[i] : '.');
	printf("\n");
	fflush(stdout);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	cpg_callbacks_t callbacks = { on_deliver, on_confchg };
	const char *group_text = "GROUP";
	unsigned long max_callbacks = 0, seconds = 0;
	cpg_guarantee_t guarantee = CPG_TYPE_AGREED;
	struct cpg_name group;
	struct sigaction sa;
	cpg_handle_t h;
	cpg_error_t rc;
	unsigned int local;
	long long deadline = 0;
	int fd, opt, input_open = 1, status = 0;

	while ((opt = getopt(argc, argv, "g:n:t:s")) != -1) {
		switch (opt) {
		case 'g': group_text = optarg; break;
		case 'n': max_callbacks = strtoul(optarg, NULL, 0); break;
		case 't': seconds = strtoul(optarg, NULL, 0); break;
		case 's': guarantee = CPG_TYPE_SAFE; break;
		default:
			fprintf(stderr, "usage: testcpg [-g GROUP] [-n COUNT] [-t SECONDS] [-s]\n");
			return 1;
		}
	}
	if (strlen(group_text) > CPG_MAX_NAME_LENGTH) {
		fprintf(stderr, "testcpg: group name longer than %d bytes\n", CPG_MAX_NAME_LENGTH);
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	memset(&group, 0, sizeof(group));
	group.length = strlen(group_text);
	memcpy(group.value, group_text, group.length);

	rc = cpg_initialize(&h, &callbacks);
	if (rc != CPG_OK) {
		fprintf(stderr, "testcpg: cpg_initialize: error %u\n", (unsigned)rc);
		return 1;
	}
	if (cpg_local_get(h, &local) == CPG_OK)
		printf("local node id %u, pid %d\n", local, (int)getpid());
	rc = cpg_join(h, &group);
	if (rc != CPG_OK) {
		fprintf(stderr, "testcpg: cpg_join: error %u\n", (unsigned)rc);
		cpg_finalize(h);
		return 1;
	}
	cpg_fd_get(h, &fd);
	if (seconds)
		deadline = now_ms() + (long long)seconds * 1000;
	printf("joined group %s; type lines to multicast them\n", group_text);
	fflush(stdout);

	while (!stop_requested && (max_callbacks == 0 || callbacks_seen < max_callbacks)) {
		struct pollfd p[2];
		int wait = -1;

		if (deadline) {
			long long left = deadline - now_ms();

			if (left <= 0) {
				status = max_callbacks ? 2 : 0;
				break;
			}
			wait = (int)(left > 1000 ? 1000 : left);
		}
		p[0].fd = fd;
		p[0].events = POLLIN;
		p[1].fd = input_open ? 0 : -1;
		p[1].events = POLLIN;
		if (poll(p, 2, wait) < 0) {
			if (errno == EINTR)
				continue;
			perror("testcpg: poll");
			status = 1;
			break;
		}
		if (p[0].revents) {
			rc = cpg_dispatch(h, CPG_DISPATCH_ALL);
			if (rc != CPG_OK) {
				fprintf(stderr, "testcpg: cpg_dispatch: error %u\n", (unsigned)rc);
				status = 1;
				break;
			}
		}
		if (p[1].revents) {
			char line[4096];
			ssize_t n = read(0, line, sizeof(line));

			if (n <= 0) {
				input_open = 0;
			} else {
				struct iovec iov = { line, (size_t)n };

				while (n > 0 && line[n - 1] == '\n')
					iov.iov_len = (size_t)--n;
				do {
					rc = cpg_mcast_joined(h, guarantee, &iov, 1);
					if (rc == CPG_ERR_TRY_AGAIN)
						poll(NULL, 0, 10);
				} while (rc == CPG_ERR_TRY_AGAIN && !stop_requested);
				if (rc != CPG_OK)
					fprintf(stderr, "testcpg: cpg_mcast_joined: error %u\n",
						(unsigned)rc);
			}
		}
	}
	cpg_leave(h, &group);
	cpg_finalize(h);
	return status;
}
