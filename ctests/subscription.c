/* link: -lsaEvt */
/*
 * subscription: subscribe to an event channel and print every event.
 *
 *   subscription [-c CHANNEL] [-s ID] [-f TYPE:PATTERN]... [-n COUNT] [-t SECONDS] [-q]
 *
 * Opens CHANNEL (default "EVTCHANNEL", created if need be) as a
 * subscriber and subscribes with one filter per -f, matched against the
 * event's patterns by position: TYPE is prefix, suffix, exact or all
 * (default: one pass-all filter).  Prints each delivered event's id,
 * patterns, priority, retention time, publisher, publish time and data,
 * waiting on the selection object with poll().  Lost-event notices are
 * printed as such.  Stops on SIGINT/SIGTERM, after COUNT events (-n) or
 * after SECONDS (-t); -q prints a count instead of each event.  Exit
 * status: 0 on a normal stop, 1 on an error, 2 when -t ran out before -n
 * events arrived.
 */
#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openais/saAis.h>
#include <openais/saEvt.h>

#include "sa_name.h"
#include "tool.h"

#define MAX_FILTERS 16

static unsigned long events_seen, lost_notices;
static int quiet;

/* bytes as text when printable, else as hex */
static void print_bytes(const SaUint8T *b, SaSizeT len)
{
	SaSizeT i;
	int printable = 1;

	for (i = 0; i < len; i++)
		if (!isprint(b[i]))
			printable = 0;
	if (printable) {
		printf("\"%.*s\"", (int)len, (const char *)b);
		return;
	}
	printf("0x");
	for (i = 0; i < len && i < 64; i++)
		printf("%02x", b[i]);
	if (len > 64)
		printf("...");
}

static void deliver_callback(SaEvtSubscriptionIdT sub, SaEvtEventHandleT event, SaSizeT size)
{
	SaEvtEventPatternArrayT patterns = { 0, 0, NULL };
	SaEvtEventPriorityT priority = 0;
	SaTimeT retention = 0, published = 0;
	SaNameT publisher;
	SaEvtEventIdT id = 0;
	SaUint8T *data = malloc(size ? size : 1);
	SaSizeT len = size;
	SaAisErrorT rc;
	SaSizeT i;

	events_seen++;
	memset(&publisher, 0, sizeof(publisher));
	/* patterns == NULL: the library allocates them, freed below */
	rc = saEvtEventAttributesGet(event, &patterns, &priority, &retention, &publisher,
				     &published, &id);
	if (rc != SA_AIS_OK) {
		fprintf(stderr, "saEvtEventAttributesGet failed: error %d\n", (int)rc);
		saEvtEventFree(event);
		free(data);
		return;
	}
	if (id == SA_EVT_EVENTID_LOST)
		lost_notices++;
	if (data == NULL || saEvtEventDataGet(event, data, &len) != SA_AIS_OK)
		len = 0;
	if (!quiet || id == SA_EVT_EVENTID_LOST) {
		printf("event %lu: subscription %u, id 0x%016llx%s\n", events_seen, (unsigned)sub,
		       (unsigned long long)id, id == SA_EVT_EVENTID_LOST ? " (events were lost)" : "");
		printf("    patterns    =");
		for (i = 0; i < patterns.patternsNumber; i++) {
			printf(" ");
			print_bytes(patterns.patterns[i].pattern, patterns.patterns[i].patternSize);
		}
		printf("\n    priority    = %u\n", (unsigned)priority);
		printf("    retention   = %lld ns\n", (long long)retention);
		printf("    publisher   = %.*s\n", (int)publisher.length, (const char *)publisher.value);
		printf("    publish time = %lld\n", (long long)published);
		printf("    data        = %llu bytes ", (unsigned long long)len);
		print_bytes(data, len);
		printf("\n");
		fflush(stdout);
	}
	for (i = 0; i < patterns.patternsNumber; i++)
		free(patterns.patterns[i].pattern);
	free(patterns.patterns);
	free(data);
	saEvtEventFree(event);
}

static int parse_filter(const char *arg, SaEvtEventFilterT *f)
{
	const char *colon = strchr(arg, ':');
	size_t type_len = colon ? (size_t)(colon - arg) : strlen(arg);
	const char *pattern = colon ? colon + 1 : "";

	if (type_len == 6 && strncmp(arg, "prefix", 6) == 0)
		f->filterType = SA_EVT_PREFIX_FILTER;
	else if (type_len == 6 && strncmp(arg, "suffix", 6) == 0)
		f->filterType = SA_EVT_SUFFIX_FILTER;
	else if (type_len == 5 && strncmp(arg, "exact", 5) == 0)
		f->filterType = SA_EVT_EXACT_FILTER;
	else if (type_len == 3 && strncmp(arg, "all", 3) == 0)
		f->filterType = SA_EVT_PASS_ALL_FILTER;
	else
		return -1;
	f->filter.pattern = (SaUint8T *)pattern;
	f->filter.patternSize = strlen(pattern);
	f->filter.allocatedSize = f->filter.patternSize;
	return 0;
}

static int dispatch(void *ctx)
{
	SaAisErrorT rc = saEvtDispatch(*(SaEvtHandleT *)ctx, SA_DISPATCH_ALL);

	if (rc != SA_AIS_OK) {
		fprintf(stderr, "saEvtDispatch failed: error %d\n", (int)rc);
		return -1;
	}
	return 0;
}

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-c CHANNEL] [-s ID] [-f TYPE:PATTERN]... [-n COUNT] "
		"[-t SECONDS] [-q]\n  TYPE: prefix, suffix, exact or all\n", prog);
}

int main(int argc, char **argv)
{
	SaEvtCallbacksT callbacks = { .saEvtEventDeliverCallback = deliver_callback };
	SaVersionT version = { 'B', 1, 1 };
	SaEvtHandleT handle;
	struct tool_follow follow = { "subscription", -1, dispatch, NULL, &handle, &events_seen, 0, 0 };
	SaEvtChannelHandleT channel;
	SaEvtEventFilterT filters[MAX_FILTERS];
	SaEvtEventFilterArrayT filter_array = { 0, filters };
	SaSelectionObjectT selection;
	const char *channel_name = "EVTCHANNEL";
	SaEvtSubscriptionIdT sub_id = 1;
	SaNameT name;
	SaAisErrorT rc;
	int opt, status;

	while ((opt = getopt(argc, argv, "c:s:f:n:t:qh")) != -1) {
		switch (opt) {
		case 'c':
			channel_name = optarg;
			break;
		case 's':
			sub_id = (SaEvtSubscriptionIdT)strtoul(optarg, NULL, 0);
			break;
		case 'f':
			if (filter_array.filtersNumber >= MAX_FILTERS ||
			    parse_filter(optarg, &filters[filter_array.filtersNumber]) != 0) {
				usage(argv[0]);
				return 1;
			}
			filter_array.filtersNumber++;
			break;
		case 'n':
			follow.want = strtoul(optarg, NULL, 10);
			break;
		case 't':
			follow.seconds = strtod(optarg, NULL);
			break;
		case 'q':
			quiet = 1;
			break;
		default:
			usage(argv[0]);
			return opt == 'h' ? 0 : 1;
		}
	}
	if (filter_array.filtersNumber == 0) {
		parse_filter("all", &filters[0]);
		filter_array.filtersNumber = 1;
	}
	if (sa_name_set(&name, channel_name) != 0) {
		fprintf(stderr, "channel name too long\n");
		return 1;
	}
	stop_on_signals();

	TOOL_INITIALIZE(rc, saEvtInitialize(&handle, &callbacks, &version));
	if (rc != SA_AIS_OK) {
		fprintf(stderr, "saEvtInitialize failed: error %d\n", (int)rc);
		return 1;
	}
	rc = saEvtChannelOpen(handle, &name, SA_EVT_CHANNEL_CREATE | SA_EVT_CHANNEL_SUBSCRIBER,
			      SA_TIME_ONE_SECOND * 10, &channel);
	if (rc == SA_AIS_OK)
		rc = saEvtEventSubscribe(channel, &filter_array, sub_id);
	if (rc == SA_AIS_OK)
		rc = saEvtSelectionObjectGet(handle, &selection);
	if (rc != SA_AIS_OK) {
		fprintf(stderr, "opening and subscribing to %s failed: error %d\n", channel_name,
			(int)rc);
		saEvtFinalize(handle);
		return 1;
	}
	printf("subscribed to %s with subscription %u (%u filter(s))\n", channel_name,
	       (unsigned)sub_id, (unsigned)filter_array.filtersNumber);
	fflush(stdout);

	follow.fd = (int)selection;
	status = tool_follow(&follow);
	printf("%lu event(s) received, %lu lost-event notice(s)\n", events_seen, lost_notices);
	saEvtChannelClose(channel);
	saEvtFinalize(handle);
	return status;
}
