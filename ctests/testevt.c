/* link: -lsaEvt */
/*
 * testevt: walk through the event service API and print what happens.
 *
 *   testevt [-c CHANNEL]
 *
 * Initializes, opens a channel synchronously and asynchronously,
 * allocates an event and sets and reads back its attributes (into caller
 * buffers and library-allocated ones), subscribes with several filters,
 * publishes events of different priorities and patterns, dispatches and
 * prints every delivered event, then shows retention (a retained event
 * reaching a late subscription, RetentionTimeClear), unsubscribes, closes,
 * unlinks and finalizes.  Each step prints its SaAisErrorT; a step that
 * does not give what the specification says is marked "UNEXPECTED" and
 * makes the exit status 1.
 */
#define _POSIX_C_SOURCE 200809L

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openais/saAis.h>
#include <openais/saEvt.h>

#include "sa_name.h"
#include "tool.h"

static int unexpected;
static int delivered;
static int opened;
static SaEvtChannelHandleT async_channel;

static const char *error_name(SaAisErrorT rc)
{
	static const char *const names[] = {
		"?", "OK", "LIBRARY", "VERSION", "INIT", "TIMEOUT", "TRY_AGAIN", "INVALID_PARAM",
		"NO_MEMORY", "BAD_HANDLE", "BUSY", "ACCESS", "NOT_EXIST", "NAME_TOO_LONG", "EXIST",
		"NO_SPACE", "INTERRUPT", "NAME_NOT_FOUND", "NO_RESOURCES", "NOT_SUPPORTED",
		"BAD_OPERATION", "FAILED_OPERATION", "MESSAGE_ERROR", "QUEUE_FULL", "QUEUE_NOT_AVAILABLE",
		"BAD_FLAGS", "TOO_BIG", "NO_SECTIONS",
	};

	return rc < sizeof(names) / sizeof(names[0]) ? names[rc] : "?";
}

static void step(const char *what, SaAisErrorT rc, SaAisErrorT want)
{
	printf("%-58s %s%s\n", what, error_name(rc), rc == want ? "" : "  UNEXPECTED");
	if (rc != want)
		unexpected++;
	fflush(stdout);
}

static void print_event(SaEvtEventHandleT event, const char *indent)
{
	SaEvtEventPatternArrayT patterns = { 0, 0, NULL };
	SaEvtEventPriorityT priority = 0;
	SaTimeT retention = 0, published = 0;
	SaNameT publisher;
	SaEvtEventIdT id = 0;
	char data[256];
	SaSizeT len = sizeof(data);
	SaSizeT i;

	memset(&publisher, 0, sizeof(publisher));
	if (saEvtEventAttributesGet(event, &patterns, &priority, &retention, &publisher, &published,
				    &id) != SA_AIS_OK) {
		printf("%s(attributes unreadable)\n", indent);
		return;
	}
	if (saEvtEventDataGet(event, data, &len) != SA_AIS_OK)
		len = 0;
	printf("%sid 0x%016llx priority %u retention %lld publisher \"%.*s\" data \"%.*s\"\n",
	       indent, (unsigned long long)id, (unsigned)priority, (long long)retention,
	       (int)publisher.length, (const char *)publisher.value, (int)len, data);
	printf("%spatterns:", indent);
	for (i = 0; i < patterns.patternsNumber; i++) {
		printf(" \"%.*s\"", (int)patterns.patterns[i].patternSize,
		       (const char *)patterns.patterns[i].pattern);
		free(patterns.patterns[i].pattern);
	}
	printf("\n");
	free(patterns.patterns);
}

static void deliver_callback(SaEvtSubscriptionIdT sub, SaEvtEventHandleT event, SaSizeT size)
{
	delivered++;
	printf("  delivered to subscription %u (%llu bytes):\n", (unsigned)sub,
	       (unsigned long long)size);
	print_event(event, "    ");
	saEvtEventFree(event);
}

static void open_callback(SaInvocationT invocation, SaEvtChannelHandleT channel, SaAisErrorT error)
{
	opened++;
	async_channel = channel;
	printf("  open callback: invocation %llu, %s\n", (unsigned long long)invocation,
	       error_name(error));
}

/* dispatch until `*counter` reaches `want` or 3 s pass */
static void dispatch_until(SaEvtHandleT h, int *counter, int want)
{
	SaSelectionObjectT so;
	struct pollfd pfd;
	int rounds;

	if (saEvtSelectionObjectGet(h, &so) != SA_AIS_OK)
		return;
	pfd.fd = (int)so;
	pfd.events = POLLIN;
	for (rounds = 0; rounds < 30 && *counter < want; rounds++)
		if (poll(&pfd, 1, 100) == 1)
			saEvtDispatch(h, SA_DISPATCH_ALL);
}

static SaAisErrorT publish(SaEvtChannelHandleT ch, const char *p0, const char *p1,
			   SaEvtEventPriorityT priority, SaTimeT retention, const char *data,
			   SaEvtEventIdT *id)
{
	SaEvtEventPatternT p[2] = {
		{ strlen(p0), strlen(p0), (SaUint8T *)p0 },
		{ p1 ? strlen(p1) : 0, p1 ? strlen(p1) : 0, (SaUint8T *)p1 },
	};
	SaEvtEventPatternArrayT arr = { p1 ? 2 : 1, p1 ? 2 : 1, p };
	SaNameT publisher;
	SaEvtEventHandleT event;
	SaAisErrorT rc;

	sa_name_set(&publisher, "testevt");
	rc = saEvtEventAllocate(ch, &event);
	if (rc != SA_AIS_OK)
		return rc;
	rc = saEvtEventAttributesSet(event, &arr, priority, retention, &publisher);
	if (rc == SA_AIS_OK)
		rc = saEvtEventPublish(event, data, strlen(data), id);
	saEvtEventFree(event);
	return rc;
}

int main(int argc, char **argv)
{
	SaEvtCallbacksT callbacks = {
		.saEvtChannelOpenCallback = open_callback,
		.saEvtEventDeliverCallback = deliver_callback,
	};
	SaVersionT version = { 'B', 1, 1 };
	SaEvtHandleT h;
	SaEvtChannelHandleT ch, ch2;
	SaEvtEventHandleT event;
	SaEvtEventPatternT set_p[2] = {
		{ 6, 6, (SaUint8T *)"colour" }, { 13, 13, (SaUint8T *)"blue-and-gold" },
	};
	SaEvtEventPatternArrayT set_arr = { 2, 2, set_p };
	SaEvtEventPatternT get_p[2];
	char get_buf[2][8];
	SaEvtEventPatternArrayT get_arr = { 2, 0, get_p };
	SaEvtEventFilterT filters[2] = {
		{ SA_EVT_EXACT_FILTER, { 6, 6, (SaUint8T *)"colour" } },
		{ SA_EVT_SUFFIX_FILTER, { 4, 4, (SaUint8T *)"gold" } },
	};
	SaEvtEventFilterArrayT two_filters = { 2, filters };
	SaEvtEventFilterT all = { SA_EVT_PASS_ALL_FILTER, { 0, 0, NULL } };
	SaEvtEventFilterArrayT pass_all = { 1, &all };
	SaEvtEventFilterT ret = { SA_EVT_PREFIX_FILTER, { 3, 3, (SaUint8T *)"ret" } };
	SaEvtEventFilterArrayT prefix_ret = { 1, &ret };
	SaEvtEventPriorityT priority;
	SaTimeT retention;
	SaNameT name, publisher;
	SaEvtEventIdT id, retained_id;
	const char *channel_name = "testevt";
	SaAisErrorT rc;
	int opt, i;

	while ((opt = getopt(argc, argv, "c:h")) != -1) {
		switch (opt) {
		case 'c':
			channel_name = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-c CHANNEL]\n", argv[0]);
			return opt == 'h' ? 0 : 1;
		}
	}
	if (sa_name_set(&name, channel_name) != 0) {
		fprintf(stderr, "channel name too long\n");
		return 1;
	}

	TOOL_INITIALIZE(rc, saEvtInitialize(&h, &callbacks, &version));
	step("saEvtInitialize", rc, SA_AIS_OK);
	if (rc != SA_AIS_OK)
		return 1;
	printf("  version %c.%02d.%02d\n", version.releaseCode, version.majorVersion,
	       version.minorVersion);

	step("saEvtChannelOpen without CREATE (missing channel)",
	     saEvtChannelOpen(h, &name, SA_EVT_CHANNEL_SUBSCRIBER, SA_TIME_ONE_SECOND * 5, &ch),
	     SA_AIS_ERR_NOT_EXIST);
	step("saEvtChannelOpen CREATE|PUBLISHER|SUBSCRIBER",
	     saEvtChannelOpen(h, &name, SA_EVT_CHANNEL_CREATE | SA_EVT_CHANNEL_PUBLISHER |
			      SA_EVT_CHANNEL_SUBSCRIBER, SA_TIME_ONE_SECOND * 5, &ch), SA_AIS_OK);
	step("saEvtChannelOpenAsync SUBSCRIBER (invocation 42)",
	     saEvtChannelOpenAsync(h, 42, &name, SA_EVT_CHANNEL_SUBSCRIBER), SA_AIS_OK);
	dispatch_until(h, &opened, 1);
	step("open callback received", opened == 1 ? SA_AIS_OK : SA_AIS_ERR_TIMEOUT, SA_AIS_OK);
	ch2 = async_channel;

	/* attributes: set, then read back into too small and right-sized buffers */
	step("saEvtEventAllocate", saEvtEventAllocate(ch, &event), SA_AIS_OK);
	sa_name_set(&publisher, "testevt-publisher");
	step("saEvtEventAttributesSet (2 patterns, priority 1, 5 s)",
	     saEvtEventAttributesSet(event, &set_arr, 1, 5 * SA_TIME_ONE_SECOND, &publisher),
	     SA_AIS_OK);
	for (i = 0; i < 2; i++) {
		get_p[i].allocatedSize = sizeof(get_buf[i]);
		get_p[i].patternSize = 0;
		get_p[i].pattern = (SaUint8T *)get_buf[i];
	}
	step("saEvtEventAttributesGet into 8-byte pattern buffers",
	     saEvtEventAttributesGet(event, &get_arr, &priority, &retention, NULL, NULL, NULL),
	     SA_AIS_ERR_NO_SPACE);
	printf("  patternsNumber %llu, sizes needed %llu and %llu, priority %u, retention %lld\n",
	       (unsigned long long)get_arr.patternsNumber, (unsigned long long)get_p[0].patternSize,
	       (unsigned long long)get_p[1].patternSize, (unsigned)priority, (long long)retention);
	printf("  read back with library-allocated patterns:\n");
	print_event(event, "    ");
	step("saEvtEventAttributesSet priority 4 (out of range)",
	     saEvtEventAttributesSet(event, NULL, 4, 0, NULL), SA_AIS_ERR_INVALID_PARAM);
	step("saEvtEventFree", saEvtEventFree(event), SA_AIS_OK);

	/* subscriptions: two filters on the first opening, pass-all on the second */
	step("saEvtEventSubscribe 1: exact \"colour\", suffix \"gold\"",
	     saEvtEventSubscribe(ch, &two_filters, 1), SA_AIS_OK);
	step("saEvtEventSubscribe 2: pass all (async opening)",
	     saEvtEventSubscribe(ch2, &pass_all, 2), SA_AIS_OK);
	step("saEvtEventSubscribe 1 again", saEvtEventSubscribe(ch, &pass_all, 1),
	     SA_AIS_ERR_EXIST);
	delivered = 0;
	step("publish colour/blue-and-gold, priority 3",
	     publish(ch, "colour", "blue-and-gold", 3, 0, "matches both", &id), SA_AIS_OK);
	step("publish colour/silver, priority 2",
	     publish(ch, "colour", "silver", 2, 0, "matches pass-all only", &id), SA_AIS_OK);
	/* one pattern, two filters: the one pair matches (openais's rule) */
	step("publish colour, priority 0", publish(ch, "colour", NULL, 0, 0,
						   "one pattern: matches both", &id), SA_AIS_OK);
	printf("  dispatching (5 deliveries expected):\n");
	dispatch_until(h, &delivered, 5);
	step("5 events delivered", delivered == 5 ? SA_AIS_OK : SA_AIS_ERR_TIMEOUT, SA_AIS_OK);

	/* retention: a retained event reaches a subscription made later */
	step("saEvtEventUnsubscribe 2", saEvtEventUnsubscribe(ch2, 2), SA_AIS_OK);
	step("publish retained (60 s), priority 1, nobody subscribed",
	     publish(ch, "retained", NULL, 1, 60 * SA_TIME_ONE_SECOND, "kept for later",
		     &retained_id), SA_AIS_OK);
	delivered = 0;
	step("saEvtEventSubscribe 3: prefix \"ret\" (async opening)",
	     saEvtEventSubscribe(ch2, &prefix_ret, 3), SA_AIS_OK);
	dispatch_until(h, &delivered, 1);
	step("retained event delivered to the late subscription",
	     delivered == 1 ? SA_AIS_OK : SA_AIS_ERR_TIMEOUT, SA_AIS_OK);
	step("saEvtEventRetentionTimeClear", saEvtEventRetentionTimeClear(ch, retained_id),
	     SA_AIS_OK);
	step("saEvtEventRetentionTimeClear again", saEvtEventRetentionTimeClear(ch, retained_id),
	     SA_AIS_ERR_NOT_EXIST);

	step("saEvtEventUnsubscribe 1", saEvtEventUnsubscribe(ch, 1), SA_AIS_OK);
	step("saEvtEventUnsubscribe 1 again", saEvtEventUnsubscribe(ch, 1), SA_AIS_ERR_NOT_EXIST);
	step("saEvtChannelClose (async opening)", saEvtChannelClose(ch2), SA_AIS_OK);
	step("saEvtChannelClose", saEvtChannelClose(ch), SA_AIS_OK);
	step("saEvtChannelClose again", saEvtChannelClose(ch), SA_AIS_ERR_BAD_HANDLE);
	step("saEvtChannelUnlink", saEvtChannelUnlink(h, &name), SA_AIS_OK);
	step("saEvtChannelUnlink again", saEvtChannelUnlink(h, &name), SA_AIS_ERR_NOT_EXIST);
	step("saEvtFinalize", saEvtFinalize(h), SA_AIS_OK);
	step("saEvtFinalize again", saEvtFinalize(h), SA_AIS_ERR_BAD_HANDLE);
	printf("%s\n", unexpected ? "testevt: unexpected results" : "testevt: all as expected");
	return unexpected ? 1 : 0;
}
