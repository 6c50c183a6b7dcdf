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

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <openais/cpg.h>

#include "tool.h"

static unsigned long callbacks_seen;

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

/* the joined group, as tool_follow() hands it lines and dispatches */
struct joined {
	cpg_handle_t handle;
	cpg_guarantee_t guarantee;
};

static int dispatch(void *ctx)
{
	struct joined *j = ctx;
	cpg_error_t rc = cpg_dispatch(j->handle, CPG_DISPATCH_ALL);

	if (rc != CPG_OK) {
		fprintf(stderr, "testcpg: cpg_dispatch: error %u\n", (unsigned)rc);
		return -1;
	}
	return 0;
}

static void send_line(void *ctx, char *text, size_t len)
{
	struct joined *j = ctx;
	struct iovec iov = { text, len };
	cpg_error_t rc;

	RETRY_UNTIL_STOPPED(rc, cpg_mcast_joined(j->handle, j->guarantee, &iov, 1),
			    CPG_ERR_TRY_AGAIN);
	if (rc != CPG_OK)
		fprintf(stderr, "testcpg: cpg_mcast_joined: error %u\n", (unsigned)rc);
}

int main(int argc, char **argv)
{
	cpg_callbacks_t callbacks = { on_deliver, on_confchg };
	const char *group_text = "GROUP";
	struct joined j = { 0, CPG_TYPE_AGREED };
	struct tool_follow follow = { "testcpg", -1, dispatch, send_line, &j, &callbacks_seen, 0, 0 };
	struct cpg_name group;
	cpg_error_t rc;
	unsigned int local;
	int opt, status;

	while ((opt = getopt(argc, argv, "g:n:t:s")) != -1) {
		switch (opt) {
		case 'g': group_text = optarg; break;
		case 'n': follow.want = strtoul(optarg, NULL, 0); break;
		case 't': follow.seconds = (double)strtoul(optarg, NULL, 0); break;
		case 's': j.guarantee = CPG_TYPE_SAFE; break;
		default:
			fprintf(stderr, "usage: testcpg [-g GROUP] [-n COUNT] [-t SECONDS] [-s]\n");
			return 1;
		}
	}
	if (strlen(group_text) > CPG_MAX_NAME_LENGTH) {
		fprintf(stderr, "testcpg: group name longer than %d bytes\n", CPG_MAX_NAME_LENGTH);
		return 1;
	}
	stop_on_signals();
	memset(&group, 0, sizeof(group));
	group.length = strlen(group_text);
	memcpy(group.value, group_text, group.length);

	rc = cpg_initialize(&j.handle, &callbacks);
	if (rc != CPG_OK) {
		fprintf(stderr, "testcpg: cpg_initialize: error %u\n", (unsigned)rc);
		return 1;
	}
	if (cpg_local_get(j.handle, &local) == CPG_OK)
		printf("local node id %u, pid %d\n", local, (int)getpid());
	rc = cpg_join(j.handle, &group);
	if (rc != CPG_OK) {
		fprintf(stderr, "testcpg: cpg_join: error %u\n", (unsigned)rc);
		cpg_finalize(j.handle);
		return 1;
	}
	cpg_fd_get(j.handle, &follow.fd);
	printf("joined group %s; type lines to multicast them\n", group_text);
	fflush(stdout);

	status = tool_follow(&follow);
	cpg_leave(j.handle, &group);
	cpg_finalize(j.handle);
	return status;
}
