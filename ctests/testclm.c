/* link: -lsaClm */
/*
 * testclm: print the local cluster node, then follow membership changes.
 *
 *   testclm [-n COUNT] [-t SECONDS]
 *
 * Prints the local node (saClmClusterNodeGet), then tracks the membership
 * with SA_TRACK_CURRENT | SA_TRACK_CHANGES and prints every notification
 * as it arrives, waiting on the selection object with select().
 * Stops on SIGINT/SIGTERM, after COUNT track callbacks (-n), or after
 * SECONDS (-t).  Exit status: 0 on a normal stop, 1 on an error, 2 when
 * -t ran out before the -n callbacks arrived.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#include <openais/saAis.h>
#include <openais/saClm.h>

#include "tool.h"

static unsigned long track_callbacks;

static const char *change_name(SaClmClusterChangesT change)
{
	switch (change) {
	case SA_CLM_NODE_NO_CHANGE:
		return "no change";
	case SA_CLM_NODE_JOINED:
		return "joined";
	case SA_CLM_NODE_LEFT:
		return "left";
	case SA_CLM_NODE_RECONFIGURED:
		return "reconfigured";
	default:
		return "unknown change";
	}
}

static void print_node(const SaClmClusterNodeT *node, const char *indent)
{
	time_t boot = (time_t)(node->bootTimestamp / SA_TIME_ONE_SECOND);
	char when[64];
	struct tm tm;

	if (localtime_r(&boot, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(when, sizeof(when), "?");
	printf("%snode id             = %u (0x%08x)\n", indent,
	       (unsigned)node->nodeId, (unsigned)node->nodeId);
	printf("%snode address        = %.*s (%s)\n", indent,
	       (int)node->nodeAddress.length, (const char *)node->nodeAddress.value,
	       node->nodeAddress.family == SA_CLM_AF_INET6 ? "IPv6" : "IPv4");
	printf("%snode name           = %.*s\n", indent,
	       (int)node->nodeName.length, (const char *)node->nodeName.value);
	printf("%smember              = %d\n", indent, (int)node->member);
	printf("%sboot timestamp      = %lld (%s)\n", indent,
	       (long long)node->bootTimestamp, when);
	printf("%sinitial view number = %llu\n", indent,
	       (unsigned long long)node->initialViewNumber);
}

static void node_get_callback(SaInvocationT invocation,
			      const SaClmClusterNodeT *node, SaAisErrorT error)
{
	printf("node get callback: invocation %llu, error %d\n",
	       (unsigned long long)invocation, (int)error);
	if (error == SA_AIS_OK && node != NULL)
		print_node(node, "    ");
}

static void track_callback(const SaClmClusterNotificationBufferT *buffer,
			   SaUint32T members, SaAisErrorT error)
{
	SaUint32T i;

	track_callbacks++;
	printf("track callback %lu: error %d, view %llu, %u members, %u items\n",
	       track_callbacks, (int)error,
	       (unsigned long long)buffer->viewNumber, (unsigned)members,
	       (unsigned)buffer->numberOfItems);
	for (i = 0; i < buffer->numberOfItems; i++) {
		const SaClmClusterNotificationT *item = &buffer->notification[i];

		printf("  item %u: %s\n", (unsigned)i, change_name(item->clusterChange));
		print_node(&item->clusterNode, "    ");
	}
	fflush(stdout);
}

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-n COUNT] [-t SECONDS]\n", prog);
}

int main(int argc, char **argv)
{
	SaClmCallbacksT callbacks = {
		.saClmClusterNodeGetCallback = node_get_callback,
		.saClmClusterTrackCallback = track_callback,
	};
	SaVersionT version = { 'B', 1, 1 };
	SaClmHandleT handle;
	SaClmClusterNodeT node;
	SaSelectionObjectT selection;
	SaAisErrorT rc;
	unsigned long want = 0;
	double seconds = 0, deadline = 0;
	int opt, status = 0;

	while ((opt = getopt(argc, argv, "n:t:h")) != -1) {
		switch (opt) {
		case 'n':
			want = strtoul(optarg, NULL, 10);
			break;
		case 't':
			seconds = strtod(optarg, NULL);
			break;
		default:
			usage(argv[0]);
			return opt == 'h' ? 0 : 1;
		}
	}
	stop_on_signals();

	TOOL_INITIALIZE(rc, saClmInitialize(&handle, &callbacks, &version));
	if (rc != SA_AIS_OK) {
		fprintf(stderr, "saClmInitialize failed: error %d\n", (int)rc);
		return 1;
	}
	printf("initialized: version %c.%02d.%02d\n", version.releaseCode,
	       version.majorVersion, version.minorVersion);

	rc = saClmClusterNodeGet(handle, SA_CLM_LOCAL_NODE_ID, SA_TIME_ONE_SECOND * 5, &node);
	if (rc != SA_AIS_OK) {
		fprintf(stderr, "saClmClusterNodeGet failed: error %d\n", (int)rc);
		saClmFinalize(handle);
		return 1;
	}
	printf("local node:\n");
	print_node(&node, "    ");

	rc = saClmSelectionObjectGet(handle, &selection);
	if (rc != SA_AIS_OK) {
		fprintf(stderr, "saClmSelectionObjectGet failed: error %d\n", (int)rc);
		saClmFinalize(handle);
		return 1;
	}
	rc = saClmClusterTrack(handle, SA_TRACK_CURRENT | SA_TRACK_CHANGES, NULL);
	if (rc != SA_AIS_OK) {
		fprintf(stderr, "saClmClusterTrack failed: error %d\n", (int)rc);
		saClmFinalize(handle);
		return 1;
	}
	fflush(stdout);

	if (seconds > 0)
		deadline = now_seconds() + seconds;
	while (!stop_requested && (want == 0 || track_callbacks < want)) {
		fd_set readable;
		struct timeval tv;
		double left = 1.0;
		int n;

		if (deadline > 0) {
			left = deadline - now_seconds();
			if (left <= 0) {
				if (want > 0) {
					fprintf(stderr, "timed out after %lu of %lu track callbacks\n",
						track_callbacks, want);
					status = 2;
				}
				break;
			}
			if (left > 1.0)
				left = 1.0;
		}
		tv.tv_sec = (time_t)left;
		tv.tv_usec = (suseconds_t)((left - (double)tv.tv_sec) * 1e6);
		FD_ZERO(&readable);
		FD_SET((int)selection, &readable);
		n = select((int)selection + 1, &readable, NULL, NULL, &tv);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("select");
			status = 1;
			break;
		}
		if (n == 0)
			continue;
		rc = saClmDispatch(handle, SA_DISPATCH_ALL);
		if (rc != SA_AIS_OK) {
			fprintf(stderr, "saClmDispatch failed: error %d\n", (int)rc);
			status = 1;
			break;
		}
	}

	rc = saClmClusterTrackStop(handle);
	if (rc != SA_AIS_OK && status == 0) {
		fprintf(stderr, "saClmClusterTrackStop failed: error %d\n", (int)rc);
		status = 1;
	}
	rc = saClmFinalize(handle);
	if (rc != SA_AIS_OK && status == 0) {
		fprintf(stderr, "saClmFinalize failed: error %d\n", (int)rc);
		status = 1;
	}
	printf("%lu track callbacks, exiting\n", track_callbacks);
	return status;
}
