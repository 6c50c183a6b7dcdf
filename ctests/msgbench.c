/* link: -lsaMsg -lpthread */
/*
 * msgbench: message throughput, send + get pairs.
 *
 *   msgbench [-t SECONDS] [-m MAX_SIZE] [-n NAME] [-r]
 *
 * Opens the queue NAME (default "msgbench") on this node and, for message
 * sizes 1, 10, 100 ... up to MAX_SIZE bytes (default 100000), sends a
 * message and gets it back over and over for SECONDS (default 2) per
 * size: each send returns once every node holds the message, each get
 * once every node has removed it. With -r the queue is opened by a
 * "msgbench-receiver" run on another node (the same program with -R):
 * this one only sends and the receiver gets, so each message crosses
 * nodes. Prints messages/s and MB/s per size (figures, not a test: the
 * exit status only tells whether the calls worked). TRY_AGAIN answers
 * (the executive's queue was full) are retried and counted.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openais/saAis.h>
#include <openais/saMsg.h>

#include "sa_name.h"
#include "timing.h"

#define WAIT (10LL * SA_TIME_ONE_SECOND)

static SaAisErrorT send_retry(SaMsgHandleT h, const SaNameT *n, SaMsgMessageT *m, long *retries)
{
	SaAisErrorT rc;

	while ((rc = saMsgMessageSend(h, n, m, WAIT)) == SA_AIS_ERR_TRY_AGAIN ||
		rc == SA_AIS_ERR_QUEUE_FULL) {
		(*retries)++;
		sleep_ms(1);
	}
	return rc;
}

/* -R: get whatever arrives until nothing came for 5 s */
static int receiver(SaMsgHandleT h, const SaNameT *n, size_t max)
{
	SaMsgQueueCreationAttributesT a;
	SaMsgQueueHandleT q;
	SaMsgMessageT m;
	SaTimeT t;
	SaMsgSenderIdT id;
	char *buf = malloc(max + 1);
	long got = 0;
	int i;

	memset(&a, 0, sizeof(a));
	for (i = 0; i < 4; i++)
		a.size[i] = 64 * (max + 1024);
	a.retentionTime = SA_TIME_ONE_SECOND;
	if (!buf || saMsgQueueOpen(h, n, &a, SA_MSG_QUEUE_CREATE | SA_MSG_QUEUE_EMPTY, WAIT, &q) != SA_AIS_OK) {
		fprintf(stderr, "msgbench: cannot open the queue\n");
		return 1;
	}
	printf("receiver ready\n");
	fflush(stdout);
	for (;;) {
		memset(&m, 0, sizeof(m));
		m.data = buf;
		m.size = max + 1;
		if (saMsgMessageGet(q, &m, &t, &id, 5 * SA_TIME_ONE_SECOND) != SA_AIS_OK)
			break;
		got++;
	}
	printf("receiver got %ld message(s)\n", got);
	saMsgQueueClose(q);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	double seconds = 2.0;
	size_t max = 100000, size;
	const char *name = "msgbench";
	int remote = 0, recv_mode = 0, c, i;
	SaMsgHandleT h;
	SaVersionT v = { 'B', 1, 1 };
	SaNameT n;
	SaMsgQueueCreationAttributesT a;
	SaMsgQueueHandleT q = 0;
	SaAisErrorT rc;
	char *data, *buf;

	while ((c = getopt(argc, argv, "t:m:n:rR")) != -1) {
		switch (c) {
		case 't': seconds = atof(optarg); break;
		case 'm': max = (size_t)atol(optarg); break;
		case 'n': name = optarg; break;
		case 'r': remote = 1; break;
		case 'R': recv_mode = 1; break;
		default:
			fprintf(stderr, "usage: msgbench [-t SECONDS] [-m MAX_SIZE] [-n NAME] [-r | -R]\n");
			return 2;
		}
	}
	sa_name_printf(&n, "%s", name);
	RETRY(rc, saMsgInitialize(&h, NULL, &v), SA_AIS_ERR_TRY_AGAIN, 10, 500);
	if (rc != SA_AIS_OK) {
		fprintf(stderr, "msgbench: saMsgInitialize: %d\n", (int)rc);
		return 1;
	}
	if (recv_mode)
		return receiver(h, &n, max);
	data = malloc(max + 1);
	buf = malloc(max + 1);
	if (!data || !buf)
		return 1;
	memset(data, 'm', max + 1);
	if (!remote) {
		memset(&a, 0, sizeof(a));
		for (i = 0; i < 4; i++)
			a.size[i] = 4 * (max + 1024);
		a.retentionTime = 0;
		rc = saMsgQueueOpen(h, &n, &a, SA_MSG_QUEUE_CREATE | SA_MSG_QUEUE_EMPTY, WAIT, &q);
		if (rc != SA_AIS_OK) {
			fprintf(stderr, "msgbench: saMsgQueueOpen: %d\n", (int)rc);
			return 1;
		}
	}
	printf("%10s %12s %10s %8s %s\n", "size", "messages/s", "MB/s", "retries", remote ? "(send to a remote queue)" : "(send + get pairs)");
	for (size = 1; size <= max; size *= 10) {
		double t0 = now_seconds(), dt;
		long count = 0, retries = 0;
		SaMsgMessageT m;

		do {
			memset(&m, 0, sizeof(m));
			m.data = data;
			m.size = size;
			m.priority = 1;
			rc = send_retry(h, &n, &m, &retries);
			if (rc != SA_AIS_OK) {
				fprintf(stderr, "msgbench: send of %zu bytes: %d\n", size, (int)rc);
				return 1;
			}
			if (!remote) {
				SaTimeT st;
				SaMsgSenderIdT id;

				memset(&m, 0, sizeof(m));
				m.data = buf;
				m.size = max + 1;
				rc = saMsgMessageGet(q, &m, &st, &id, WAIT);
				if (rc != SA_AIS_OK || m.size != size) {
					fprintf(stderr, "msgbench: get of %zu bytes: %d\n", size, (int)rc);
					return 1;
				}
			}
			count++;
			dt = now_seconds() - t0;
		} while (dt < seconds);
		printf("%10zu %12.0f %10.3f %8ld\n", size, count / dt, count * (double)size / dt / 1e6, retries);
		fflush(stdout);
	}
	if (!remote) {
		saMsgQueueClose(q);
		saMsgQueueUnlink(h, &n);
	}
	saMsgFinalize(h);
	free(data);
	free(buf);
	return 0;
}
