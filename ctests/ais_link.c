/* link: -lais */
/*
 * One program using CLM, CKPT and EVT, linked with -lais alone: the local
 * node, a checkpoint written and read back, an event published and received.
 * Prints "N passed, M failed" and exits non-zero on a failure.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <poll.h>

#include <openais/saAis.h>
#include <openais/saClm.h>
#include <openais/saCkpt.h>
#include <openais/saEvt.h>

static int passed, failed;

#define CHECK(what, got, want)                                                   \
	do {                                                                         \
		SaAisErrorT g_ = (got);                                                  \
		if (g_ == (want)) {                                                      \
			passed++;                                                            \
		} else {                                                                 \
			failed++;                                                            \
			printf("FAIL %s: got %d, expected %d (line %d)\n", what, (int)g_,    \
			       (int)(want), __LINE__);                                       \
		}                                                                        \
	} while (0)

static SaAisErrorT retry(SaAisErrorT (*init)(void *), void *arg)
{
	SaAisErrorT e = SA_AIS_ERR_TRY_AGAIN;
	for (int i = 0; i < 50 && e == SA_AIS_ERR_TRY_AGAIN; i++) {
		e = init(arg);
		if (e == SA_AIS_ERR_TRY_AGAIN)
			usleep(100000);
	}
	return e;
}

static SaClmHandleT clm;
static SaCkptHandleT ckpt;
static SaEvtHandleT evt;
static int received;
static char received_data[64];

static SaAisErrorT clm_init(void *arg)
{
	SaVersionT v = { 'B', 1, 1 };
	(void)arg;
	return saClmInitialize(&clm, NULL, &v);
}

static SaAisErrorT ckpt_init(void *arg)
{
	SaVersionT v = { 'B', 1, 1 };
	(void)arg;
	return saCkptInitialize(&ckpt, NULL, &v);
}

static void on_event(SaEvtSubscriptionIdT id, SaEvtEventHandleT ev, SaSizeT size)
{
	SaSizeT len = sizeof(received_data) - 1;
	(void)id;
	(void)size;
	if (saEvtEventDataGet(ev, received_data, &len) == SA_AIS_OK) {
		received_data[len] = '\0';
		received++;
	}
	saEvtEventFree(ev);
}

static SaAisErrorT evt_init(void *arg)
{
	SaVersionT v = { 'B', 1, 1 };
	SaEvtCallbacksT cb;
	(void)arg;
	memset(&cb, 0, sizeof(cb));
	cb.saEvtEventDeliverCallback = on_event;
	return saEvtInitialize(&evt, &cb, &v);
}

static void set_name(SaNameT *n, const char *s)
{
	n->length = (SaUint16T)snprintf((char *)n->value, sizeof(n->value), "%s", s);
}

int main(void)
{
	char name[64];
	SaNameT sa_name;

	/* CLM: the local node is a member. */
	CHECK("saClmInitialize", retry(clm_init, NULL), SA_AIS_OK);
	SaClmClusterNodeT node;
	CHECK("saClmClusterNodeGet", saClmClusterNodeGet(clm, SA_CLM_LOCAL_NODE_ID, SA_TIME_ONE_SECOND * 5, &node), SA_AIS_OK);
	if (node.member != SA_TRUE) {
		failed++;
		printf("FAIL local node is not a member\n");
	}
	CHECK("saClmFinalize", saClmFinalize(clm), SA_AIS_OK);

	/* CKPT: write a section, read it back. */
	CHECK("saCkptInitialize", retry(ckpt_init, NULL), SA_AIS_OK);
	snprintf(name, sizeof(name), "ais_link_%d", (int)getpid());
	set_name(&sa_name, name);
	SaCkptCheckpointCreationAttributesT attrs = {
		.creationFlags = SA_CKPT_WR_ALL_REPLICAS,
		.checkpointSize = 1024,
		.retentionDuration = SA_TIME_ONE_SECOND,
		.maxSections = 1,
		.maxSectionSize = 1024,
		.maxSectionIdSize = 0,
	};
	SaCkptCheckpointHandleT ch;
	CHECK("saCkptCheckpointOpen",
	      saCkptCheckpointOpen(ckpt, &sa_name, &attrs,
	                           SA_CKPT_CHECKPOINT_CREATE | SA_CKPT_CHECKPOINT_READ | SA_CKPT_CHECKPOINT_WRITE,
	                           SA_TIME_ONE_SECOND * 5, &ch),
	      SA_AIS_OK);
	const char text[] = "written through libais";
	CHECK("saCkptSectionOverwrite",
	      saCkptSectionOverwrite(ch, &(SaCkptSectionIdT)SA_CKPT_DEFAULT_SECTION_ID, text, sizeof(text)),
	      SA_AIS_OK);
	char back[64] = { 0 };
	SaCkptIOVectorElementT rd = {
		.sectionId = SA_CKPT_DEFAULT_SECTION_ID,
		.dataBuffer = back,
		.dataSize = sizeof(back),
		.dataOffset = 0,
	};
	SaUint32T bad = 0;
	CHECK("saCkptCheckpointRead", saCkptCheckpointRead(ch, &rd, 1, &bad), SA_AIS_OK);
	if (rd.readSize != sizeof(text) || memcmp(back, text, sizeof(text)) != 0) {
		failed++;
		printf("FAIL checkpoint read back %u bytes '%s'\n", (unsigned)rd.readSize, back);
	}
	CHECK("saCkptCheckpointUnlink", saCkptCheckpointUnlink(ckpt, &sa_name), SA_AIS_OK);
	CHECK("saCkptFinalize", saCkptFinalize(ckpt), SA_AIS_OK);

	/* EVT: publish on a channel this program subscribes to. */
	CHECK("saEvtInitialize", retry(evt_init, NULL), SA_AIS_OK);
	set_name(&sa_name, name);
	SaEvtChannelHandleT chan;
	CHECK("saEvtChannelOpen",
	      saEvtChannelOpen(evt, &sa_name,
	                       SA_EVT_CHANNEL_CREATE | SA_EVT_CHANNEL_PUBLISHER | SA_EVT_CHANNEL_SUBSCRIBER,
	                       SA_TIME_ONE_SECOND * 5, &chan),
	      SA_AIS_OK);
	SaEvtEventFilterT filter = { .filterType = SA_EVT_PASS_ALL_FILTER };
	SaEvtEventFilterArrayT filters = { .filtersNumber = 1, .filters = &filter };
	CHECK("saEvtEventSubscribe", saEvtEventSubscribe(chan, &filters, 1), SA_AIS_OK);
	SaEvtEventHandleT ev;
	CHECK("saEvtEventAllocate", saEvtEventAllocate(chan, &ev), SA_AIS_OK);
	SaUint8T pattern_bytes[] = "ais";
	SaEvtEventPatternT pattern = { .allocatedSize = 3, .patternSize = 3, .pattern = pattern_bytes };
	SaEvtEventPatternArrayT patterns = { .allocatedNumber = 1, .patternsNumber = 1, .patterns = &pattern };
	SaNameT publisher;
	set_name(&publisher, "ais_link");
	CHECK("saEvtEventAttributesSet", saEvtEventAttributesSet(ev, &patterns, SA_EVT_LOWEST_PRIORITY, 0, &publisher),
	      SA_AIS_OK);
	SaEvtEventIdT id;
	const char payload[] = "published through libais";
	CHECK("saEvtEventPublish", saEvtEventPublish(ev, payload, sizeof(payload) - 1, &id), SA_AIS_OK);
	SaSelectionObjectT fd;
	CHECK("saEvtSelectionObjectGet", saEvtSelectionObjectGet(evt, &fd), SA_AIS_OK);
	for (int i = 0; i < 50 && received == 0; i++) {
		struct pollfd p = { .fd = (int)fd, .events = POLLIN };
		if (poll(&p, 1, 100) > 0)
			saEvtDispatch(evt, SA_DISPATCH_ALL);
	}
	if (received != 1 || strcmp(received_data, payload) != 0) {
		failed++;
		printf("FAIL event received %d times, data '%s'\n", received, received_data);
	} else {
		passed++;
	}
	saEvtEventFree(ev);
	CHECK("saEvtChannelUnlink", saEvtChannelUnlink(evt, &sa_name), SA_AIS_OK);
	CHECK("saEvtFinalize", saEvtFinalize(evt), SA_AIS_OK);

	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
