/* link: -lais */
/*
 * One program using CLM, CKPT and EVT, linked with -lais alone: the local
 * node, a checkpoint written and read back, an event published and received.
 * Prints "N passed, M failed" and exits non-zero on a failure.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <poll.h>

#include <openais/saAis.h>
#include <openais/saClm.h>
#include <openais/saCkpt.h>
#include <openais/saEvt.h>

#include "harness.h"
#include "sa_name.h"

/* Initialize: the executive may still be starting (5 s at the most) */
#define INITIALIZE(rc, call) RETRY(rc, call, SA_AIS_ERR_TRY_AGAIN, 50, 100)

static int received;
static char received_data[64];

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

int main(void)
{
	SaVersionT version = { 'B', 1, 1 };
	SaClmHandleT clm;
	SaCkptHandleT ckpt;
	SaEvtHandleT evt;
	SaEvtCallbacksT evt_callbacks = { .saEvtEventDeliverCallback = on_event };
	SaAisErrorT rc;
	char name[64];
	SaNameT sa_name;

	/* CLM: the local node is a member. */
	INITIALIZE(rc, saClmInitialize(&clm, NULL, &version));
	EXPECT("saClmInitialize", rc, SA_AIS_OK);
	SaClmClusterNodeT node;
	EXPECT("saClmClusterNodeGet", saClmClusterNodeGet(clm, SA_CLM_LOCAL_NODE_ID, SA_TIME_ONE_SECOND * 5, &node), SA_AIS_OK);
	if (node.member != SA_TRUE)
		check_fail("local node is not a member");
	EXPECT("saClmFinalize", saClmFinalize(clm), SA_AIS_OK);

	/* CKPT: write a section, read it back. */
	INITIALIZE(rc, saCkptInitialize(&ckpt, NULL, &version));
	EXPECT("saCkptInitialize", rc, SA_AIS_OK);
	snprintf(name, sizeof(name), "ais_link_%d", (int)getpid());
	sa_name_set(&sa_name, name);
	SaCkptCheckpointCreationAttributesT attrs = {
		.creationFlags = SA_CKPT_WR_ALL_REPLICAS,
		.checkpointSize = 1024,
		.retentionDuration = SA_TIME_ONE_SECOND,
		.maxSections = 1,
		.maxSectionSize = 1024,
		.maxSectionIdSize = 0,
	};
	SaCkptCheckpointHandleT ch;
	EXPECT("saCkptCheckpointOpen",
	      saCkptCheckpointOpen(ckpt, &sa_name, &attrs,
	                           SA_CKPT_CHECKPOINT_CREATE | SA_CKPT_CHECKPOINT_READ | SA_CKPT_CHECKPOINT_WRITE,
	                           SA_TIME_ONE_SECOND * 5, &ch),
	      SA_AIS_OK);
	const char text[] = "written through libais";
	EXPECT("saCkptSectionOverwrite",
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
	EXPECT("saCkptCheckpointRead", saCkptCheckpointRead(ch, &rd, 1, &bad), SA_AIS_OK);
	if (rd.readSize != sizeof(text) || memcmp(back, text, sizeof(text)) != 0)
		check_fail("checkpoint read back %u bytes '%s'", (unsigned)rd.readSize, back);
	EXPECT("saCkptCheckpointUnlink", saCkptCheckpointUnlink(ckpt, &sa_name), SA_AIS_OK);
	EXPECT("saCkptFinalize", saCkptFinalize(ckpt), SA_AIS_OK);

	/* EVT: publish on a channel this program subscribes to. */
	INITIALIZE(rc, saEvtInitialize(&evt, &evt_callbacks, &version));
	EXPECT("saEvtInitialize", rc, SA_AIS_OK);
	sa_name_set(&sa_name, name);
	SaEvtChannelHandleT chan;
	EXPECT("saEvtChannelOpen",
	      saEvtChannelOpen(evt, &sa_name,
	                       SA_EVT_CHANNEL_CREATE | SA_EVT_CHANNEL_PUBLISHER | SA_EVT_CHANNEL_SUBSCRIBER,
	                       SA_TIME_ONE_SECOND * 5, &chan),
	      SA_AIS_OK);
	SaEvtEventFilterT filter = { .filterType = SA_EVT_PASS_ALL_FILTER };
	SaEvtEventFilterArrayT filters = { .filtersNumber = 1, .filters = &filter };
	EXPECT("saEvtEventSubscribe", saEvtEventSubscribe(chan, &filters, 1), SA_AIS_OK);
	SaEvtEventHandleT ev;
	EXPECT("saEvtEventAllocate", saEvtEventAllocate(chan, &ev), SA_AIS_OK);
	SaUint8T pattern_bytes[] = "ais";
	SaEvtEventPatternT pattern = { .allocatedSize = 3, .patternSize = 3, .pattern = pattern_bytes };
	SaEvtEventPatternArrayT patterns = { .allocatedNumber = 1, .patternsNumber = 1, .patterns = &pattern };
	SaNameT publisher;
	sa_name_printf(&publisher, "ais_link");
	EXPECT("saEvtEventAttributesSet", saEvtEventAttributesSet(ev, &patterns, SA_EVT_LOWEST_PRIORITY, 0, &publisher),
	      SA_AIS_OK);
	SaEvtEventIdT id;
	const char payload[] = "published through libais";
	EXPECT("saEvtEventPublish", saEvtEventPublish(ev, payload, sizeof(payload) - 1, &id), SA_AIS_OK);
	SaSelectionObjectT fd;
	EXPECT("saEvtSelectionObjectGet", saEvtSelectionObjectGet(evt, &fd), SA_AIS_OK);
	for (int i = 0; i < 50 && received == 0; i++) {
		struct pollfd p = { .fd = (int)fd, .events = POLLIN };
		if (poll(&p, 1, 100) > 0)
			saEvtDispatch(evt, SA_DISPATCH_ALL);
	}
	if (received != 1 || strcmp(received_data, payload) != 0)
		check_fail("event received %d times, data '%s'", received, received_data);
	else
		check_pass(NULL);
	saEvtEventFree(ev);
	EXPECT("saEvtChannelUnlink", saEvtChannelUnlink(evt, &sa_name), SA_AIS_OK);
	EXPECT("saEvtFinalize", saEvtFinalize(evt), SA_AIS_OK);

	return check_summary();
}
