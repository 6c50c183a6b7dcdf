/* link: -levs */
/*
 * testevs: join an EVS group, print configuration changes and messages,
 * and multicast every line typed on standard input to the group.
 *
 *   testevs [-g KEY] [-n COUNT] [-t SECONDS] [-s]
 *
 * KEY (default "key1") is the group key, zero-padded to its 32 bytes.
 * -s multicasts with EVS_TYPE_SAFE (else EVS_TYPE_AGREED).  Stops on
 * SIGINT/SIGTERM, after COUNT callbacks (-n), or after SECONDS (-t); end
 * of input does not stop it.  Exit status: 0 on a normal stop, 1 on an
 * error, 2 when -t ran out before the -n callbacks arrived.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <openais/evs.h>

#include "tool.h"

static unsigned long callbacks_seen;

static void print_nodes(const char *title, const unsigned int *list, int n)
{
	int i;

	printf("  %s (%d):", title, n);
	for (i = 0; i < n; i++)
		printf(" %u", list[i]);
	printf("\n");
}

static void on_confchg(unsigned int *members, int nmembers, unsigned int *left, int nleft,
		       unsigned int *joined, int njoined)
{
	callbacks_seen++;
	printf("CONFIGURATION CHANGE\n");
	print_nodes("members", members, nmembers);
	print_nodes("left", left, nleft);
	print_nodes("joined", joined, njoined);
	fflush(stdout);
}

static void on_deliver(unsigned int nodeid, void *msg, int msg_len)
{
	const unsigned char *m = msg;
	int i;

	callbacks_seen++;
	printf("DELIVER from node %u (%d bytes): ", nodeid, msg_len);
	for (i = 0; i < msg_len; i++)
		putchar(m[i] >= 32 && m[i] < 127 ? m[i] : '.');
	printf("\n");
	fflush(stdout);
}

/* the joined group, as tool_follow() hands it lines and dispatches */
struct joined {
	evs_handle_t handle;
	evs_guarantee_t guarantee;
};

static int dispatch(void *ctx)
{
	struct joined *j = ctx;
	evs_error_t rc = evs_dispatch(j->handle, EVS_DISPATCH_ALL);

	if (rc != EVS_OK) {
		fprintf(stderr, "testevs: evs_dispatch: error %u\n", (unsigned)rc);
		return -1;
	}
	return 0;
}

static void send_line(void *ctx, char *text, size_t len)
{
	struct joined *j = ctx;
	struct iovec iov = { text, len };
	evs_error_t rc;

	RETRY_UNTIL_STOPPED(rc, evs_mcast_joined(j->handle, j->guarantee, &iov, 1),
			    EVS_ERR_TRY_AGAIN);
	if (rc != EVS_OK)
		fprintf(stderr, "testevs: evs_mcast_joined: error %u\n", (unsigned)rc);
}

int main(int argc, char **argv)
{
	evs_callbacks_t callbacks = { on_deliver, on_confchg };
	const char *key = "key1";
	struct joined j = { 0, EVS_TYPE_AGREED };
	struct tool_follow follow = { "testevs", -1, dispatch, send_line, &j, &callbacks_seen, 0, 0 };
	unsigned int local, members[64], nmembers = 64;
	struct evs_group group;
	evs_error_t rc;
	int opt, status;

	while ((opt = getopt(argc, argv, "g:n:t:s")) != -1) {
		switch (opt) {
		case 'g': key = optarg; break;
		case 'n': follow.want = strtoul(optarg, NULL, 0); break;
		case 't': follow.seconds = (double)strtoul(optarg, NULL, 0); break;
		case 's': j.guarantee = EVS_TYPE_SAFE; break;
		default:
			fprintf(stderr, "usage: testevs [-g KEY] [-n COUNT] [-t SECONDS] [-s]\n");
			return 1;
		}
	}
	if (strlen(key) > sizeof(group.key)) {
		fprintf(stderr, "testevs: a key has at most %d bytes\n", (int)sizeof(group.key));
		return 1;
	}
	stop_on_signals();
	memset(&group, 0, sizeof(group));
	memcpy(group.key, key, strlen(key));

	rc = evs_initialize(&j.handle, &callbacks);
	if (rc != EVS_OK) {
		fprintf(stderr, "testevs: evs_initialize: error %u\n", (unsigned)rc);
		return 1;
	}
	if (evs_membership_get(j.handle, &local, members, &nmembers) == EVS_OK) {
		printf("local node id %u\n", local);
		print_nodes("current members", members, (int)nmembers);
	}
	rc = evs_join(j.handle, &group, 1);
	if (rc != EVS_OK) {
		fprintf(stderr, "testevs: evs_join: error %u\n", (unsigned)rc);
		evs_finalize(j.handle);
		return 1;
	}
	evs_fd_get(j.handle, &follow.fd);
	printf("joined group %s; type lines to multicast them\n", key);
	fflush(stdout);

	status = tool_follow(&follow);
	evs_leave(j.handle, &group, 1);
	evs_finalize(j.handle);
	return status;
}
