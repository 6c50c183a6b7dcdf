/* link: -lsaMsg -lpthread */
/*
 * testmsg: walk through the message API and print what every call
 * returns.
 *
 *   testmsg [-n NAME]
 *
 * Creates the queue NAME (default "testmsg") with a received callback,
 * sends messages of every priority (sync and async with the delivered
 * ack), reads them back in priority order into a caller buffer and a
 * library-allocated one, shows NO_SPACE, the status per priority, a get
 * timing out and one interrupted by saMsgMessageCancel from another
 * thread, a SendReceive answered by a reply thread, a round-robin group
 * with tracking, then closes and unlinks everything.
 * Exit status 0 when every call returned what it should, 1 otherwise.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openais/saAis.h>
#include <openais/saMsg.h>

#include "sa_name.h"
#include "timing.h"

static int errors;
static int received, delivered, tracked;

static void expect(const char *what, SaAisErrorT got, SaAisErrorT want)
{
	printf("%-48s -> %d%s\n", what, (int)got, got == want ? "" : "   (UNEXPECTED)");
	if (got != want)
		errors++;
}

static void on_open(SaInvocationT inv, SaMsgQueueHandleT q, SaAisErrorT e)
{
	printf("  open callback: invocation %llu handle %llx error %d\n",
		(unsigned long long)inv, (unsigned long long)q, (int)e);
}

static void on_track(const SaNameT *g, const SaMsgQueueGroupNotificationBufferT *b,
	SaUint32T members, SaAisErrorT e)
{
	SaUint32T i;

	printf("  track callback: group %.*s, %u item(s), %u member(s), policy %u, error %d\n",
		(int)g->length, (const char *)g->value, b->numberOfItems, members,
		(unsigned)b->queueGroupPolicy, (int)e);
	for (i = 0; i < b->numberOfItems; i++)
		printf("    %.*s change %u\n", (int)b->notification[i].member.queueName.length,
			(const char *)b->notification[i].member.queueName.value,
			(unsigned)b->notification[i].change);
	tracked++;
}

static void on_delivered(SaInvocationT inv, SaAisErrorT e)
{
	printf("  delivered callback: invocation %llu error %d\n", (unsigned long long)inv, (int)e);
	delivered++;
}

static void on_received(SaMsgQueueHandleT q)
{
	(void)q;
	received++;
}

static const SaMsgCallbacksT callbacks = { on_open, on_track, on_delivered, on_received };

static void message(SaMsgMessageT *m, const char *text, SaUint8T prio, SaNameT *sender)
{
	memset(m, 0, sizeof(*m));
	m->size = strlen(text);
	m->data = (void *)text;
	m->priority = prio;
	m->senderName = sender;
}

struct canceller {
	SaMsgQueueHandleT q;
	SaAisErrorT rc;
};

static void *cancel_later(void *arg)
{
	struct canceller *c = arg;

	sleep_ms(300);
	c->rc = saMsgMessageCancel(c->q);
	return NULL;
}

struct replier {
	SaMsgHandleT h;
	SaMsgQueueHandleT q;
	SaAisErrorT rc;
};

static void *reply_once(void *arg)
{
	struct replier *r = arg;
	char buf[64];
	SaMsgMessageT m, answer;
	SaTimeT t;
	SaMsgSenderIdT id = 0;

	memset(&m, 0, sizeof(m));
	m.data = buf;
	m.size = sizeof(buf);
	r->rc = saMsgMessageGet(r->q, &m, &t, &id, 10 * SA_TIME_ONE_SECOND);
	if (r->rc != SA_AIS_OK)
		return NULL;
	message(&answer, "pong", 1, NULL);
	r->rc = saMsgMessageReply(r->h, &answer, &id, 10 * SA_TIME_ONE_SECOND);
	return NULL;
}

int main(int argc, char **argv)
{
	const char *base = "testmsg";
	SaMsgHandleT h;
	SaVersionT v = { 'B', 1, 1 };
	SaNameT qn, gn, sender;
	SaMsgQueueCreationAttributesT a;
	SaMsgQueueHandleT q, q2;
	SaMsgQueueStatusT st;
	SaMsgMessageT m;
	SaMsgQueueGroupNotificationT items[4];
	SaMsgQueueGroupNotificationBufferT nb;
	SaTimeT t;
	SaMsgSenderIdT id;
	SaSelectionObjectT so;
	char buf[64], small[2];
	int i, c;
	pthread_t th;
	struct canceller cn;
	struct replier rp;
	SaAisErrorT rc;

	while ((c = getopt(argc, argv, "n:")) != -1) {
		if (c == 'n')
			base = optarg;
		else {
			fprintf(stderr, "usage: testmsg [-n NAME]\n");
			return 2;
		}
	}
	sa_name_printf(&qn, "%s", base);
	sa_name_printf(&gn, "%s-group", base);
	sa_name_printf(&sender, "testmsg-sender");

	RETRY(rc, saMsgInitialize(&h, &callbacks, &v), SA_AIS_ERR_TRY_AGAIN, 10, 500);
	expect("saMsgInitialize", rc, SA_AIS_OK);
	if (rc != SA_AIS_OK)
		return 1;
	expect("saMsgSelectionObjectGet", saMsgSelectionObjectGet(h, &so), SA_AIS_OK);

	memset(&a, 0, sizeof(a));
	for (i = 0; i < 4; i++)
		a.size[i] = 1000;
	a.retentionTime = 5 * SA_TIME_ONE_SECOND;
	expect("saMsgQueueOpen CREATE|RECEIVE_CALLBACK",
		saMsgQueueOpen(h, &qn, &a, SA_MSG_QUEUE_CREATE | SA_MSG_QUEUE_RECEIVE_CALLBACK,
			5 * SA_TIME_ONE_SECOND, &q), SA_AIS_OK);
	expect("saMsgQueueOpen again (BUSY)",
		saMsgQueueOpen(h, &qn, NULL, 0, 5 * SA_TIME_ONE_SECOND, &q2),
		SA_AIS_ERR_BUSY);

	message(&m, "lowest", 3, &sender);
	expect("saMsgMessageSend priority 3", saMsgMessageSend(h, &qn, &m, SA_TIME_ONE_SECOND * 5), SA_AIS_OK);
	message(&m, "highest", 0, &sender);
	expect("saMsgMessageSend priority 0", saMsgMessageSend(h, &qn, &m, SA_TIME_ONE_SECOND * 5), SA_AIS_OK);
	message(&m, "async", 1, NULL);
	expect("saMsgMessageSendAsync DELIVERED_ACK",
		saMsgMessageSendAsync(h, 42, &qn, &m, SA_MSG_MESSAGE_DELIVERED_ACK), SA_AIS_OK);
	message(&m, "bad", 4, NULL);
	expect("saMsgMessageSend priority 4", saMsgMessageSend(h, &qn, &m, SA_TIME_ONE_SECOND),
		SA_AIS_ERR_INVALID_PARAM);
	for (i = 0; i < 50 && (delivered < 1 || received < 3); i++) {
		saMsgDispatch(h, SA_DISPATCH_ALL);
		sleep_ms(20);
	}
	printf("  %d received callback(s), %d delivered callback(s)\n", received, delivered);
	if (received != 3 || delivered != 1)
		errors++;

	expect("saMsgQueueStatusGet", saMsgQueueStatusGet(h, &qn, &st), SA_AIS_OK);
	for (i = 0; i < 4; i++)
		printf("  priority %d: size %llu used %llu messages %u\n", i,
			(unsigned long long)st.saMsgQueueUsage[i].queueSize,
			(unsigned long long)st.saMsgQueueUsage[i].queueUsed,
			st.saMsgQueueUsage[i].numberOfMessages);

	memset(&m, 0, sizeof(m));
	m.data = small;
	m.size = sizeof(small);
	expect("saMsgMessageGet into 2 bytes (NO_SPACE)", saMsgMessageGet(q, &m, &t, &id, 0),
		SA_AIS_ERR_NO_SPACE);
	printf("  needed %llu bytes\n", (unsigned long long)m.size);
	for (i = 0; i < 3; i++) {
		SaNameT from;

		memset(&m, 0, sizeof(m));
		memset(&from, 0, sizeof(from));
		m.senderName = &from;
		if (i < 2) {
			m.data = buf;
			m.size = sizeof(buf);
		}
		rc = saMsgMessageGet(q, &m, &t, &id, SA_TIME_ONE_SECOND);
		expect(i < 2 ? "saMsgMessageGet (caller buffer)" : "saMsgMessageGet (allocated)", rc, SA_AIS_OK);
		if (rc == SA_AIS_OK)
			printf("  got \"%.*s\" priority %u from \"%.*s\"\n", (int)m.size, (char *)m.data,
				m.priority, (int)from.length, (char *)from.value);
		if (i == 2 && rc == SA_AIS_OK)
			free(m.data);
	}
	memset(&m, 0, sizeof(m));
	expect("saMsgMessageGet on an empty queue (0 s)", saMsgMessageGet(q, &m, &t, &id, 0),
		SA_AIS_ERR_TIMEOUT);
	cn.q = q;
	pthread_create(&th, NULL, cancel_later, &cn);
	expect("saMsgMessageGet cancelled (INTERRUPT)",
		saMsgMessageGet(q, &m, &t, &id, 10 * SA_TIME_ONE_SECOND), SA_AIS_ERR_INTERRUPT);
	pthread_join(th, NULL);
	expect("  saMsgMessageCancel (other thread)", cn.rc, SA_AIS_OK);

	rp.h = h;
	rp.q = q;
	pthread_create(&th, NULL, reply_once, &rp);
	message(&m, "ping", 1, NULL);
	{
		SaMsgMessageT r;
		char rb[16];

		memset(&r, 0, sizeof(r));
		r.data = rb;
		r.size = sizeof(rb);
		rc = saMsgMessageSendReceive(h, &qn, &m, &r, &t, 10 * SA_TIME_ONE_SECOND);
		expect("saMsgMessageSendReceive", rc, SA_AIS_OK);
		if (rc == SA_AIS_OK)
			printf("  reply \"%.*s\"\n", (int)r.size, rb);
	}
	pthread_join(th, NULL);
	expect("  saMsgMessageReply (other thread)", rp.rc, SA_AIS_OK);

	expect("saMsgQueueGroupCreate ROUND_ROBIN",
		saMsgQueueGroupCreate(h, &gn, SA_MSG_QUEUE_GROUP_ROUND_ROBIN), SA_AIS_OK);
	expect("saMsgQueueGroupTrack CHANGES_ONLY",
		saMsgQueueGroupTrack(h, &gn, SA_TRACK_CHANGES_ONLY, NULL), SA_AIS_OK);
	expect("saMsgQueueGroupInsert", saMsgQueueGroupInsert(h, &gn, &qn), SA_AIS_OK);
	nb.numberOfItems = 4;
	nb.notification = items;
	expect("saMsgQueueGroupTrack CURRENT", saMsgQueueGroupTrack(h, &gn, SA_TRACK_CURRENT, &nb),
		SA_AIS_OK);
	printf("  %u member(s)\n", nb.numberOfItems);
	message(&m, "to-group", 2, NULL);
	expect("saMsgMessageSend to the group", saMsgMessageSend(h, &gn, &m, 5 * SA_TIME_ONE_SECOND),
		SA_AIS_OK);
	memset(&m, 0, sizeof(m));
	m.data = buf;
	m.size = sizeof(buf);
	expect("saMsgMessageGet (from the group)", saMsgMessageGet(q, &m, &t, &id, SA_TIME_ONE_SECOND),
		SA_AIS_OK);
	for (i = 0; i < 50 && tracked < 1; i++) {
		saMsgDispatch(h, SA_DISPATCH_ALL);
		sleep_ms(20);
	}
	if (tracked < 1)
		errors++;
	expect("saMsgQueueGroupTrackStop", saMsgQueueGroupTrackStop(h, &gn), SA_AIS_OK);
	expect("saMsgQueueGroupDelete", saMsgQueueGroupDelete(h, &gn), SA_AIS_OK);

	expect("saMsgQueueClose", saMsgQueueClose(q), SA_AIS_OK);
	expect("saMsgQueueClose again", saMsgQueueClose(q), SA_AIS_ERR_BAD_HANDLE);
	expect("saMsgQueueOpenAsync", saMsgQueueOpenAsync(h, 7, &qn, NULL, 0), SA_AIS_OK);
	/* the open callback prints the new handle; Finalize closes it */
	for (i = 0; i < 50; i++) {
		saMsgDispatch(h, SA_DISPATCH_ALL);
		sleep_ms(20);
	}
	expect("saMsgQueueUnlink", saMsgQueueUnlink(h, &qn), SA_AIS_OK);
	expect("saMsgQueueUnlink again", saMsgQueueUnlink(h, &qn), SA_AIS_ERR_NOT_EXIST);
	expect("saMsgFinalize", saMsgFinalize(h), SA_AIS_OK);
	printf("%s: %d unexpected result(s)\n", errors ? "FAILED" : "OK", errors);
	return errors ? 1 : 0;
}
