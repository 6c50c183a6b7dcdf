/* link: -lsaEvt */
/*
 * publish: publish events on an event channel.
 *
 *   publish [-c CHANNEL] [-p PATTERN]... [-P PRIORITY] [-r RETENTION_MS]
 *           [-N PUBLISHER] [-d DATA] [-n COUNT] [-i INTERVAL_MS] [-t SECONDS] [-u]
 *   publish [-c CHANNEL] -C EVENT_ID
 *
 * Opens CHANNEL (default "EVTCHANNEL", created if need be) as a publisher
 * and publishes COUNT events (default 1) with the given patterns
 * (default one pattern, "EVENT"), priority (0 highest .. 3 lowest,
 * default 3), retention time and publisher name; the data is DATA, or
 * "event N" when -d is not given.  Prints each event id.  -i waits
 * between events; -t stops after SECONDS; -u unlinks the channel at the
 * end.  SA_AIS_ERR_TRY_AGAIN is retried.  Exit status 0 when every event
 * was published, else 1.
 *
 * -C clears the retention time of the event EVENT_ID (as printed by a
 * publish, e.g. 0x0000000100000002) on CHANNEL instead of publishing:
 * the event is no longer retained on any node.  Exit status 0 when it was
 * cleared, else 1 (the error is printed: 12, SA_AIS_ERR_NOT_EXIST, when
 * no such event is retained).
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openais/saAis.h>
#include <openais/saEvt.h>

#include "sa_name.h"
#include "tool.h"

#define MAX_PATTERNS 16

/* a call the executive may refuse while its queue is full: 100 retries, 10 ms apart */
#define RETRY_BUSY(rc, call) RETRY(rc, call, SA_AIS_ERR_TRY_AGAIN, 101, 10)

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-c CHANNEL] [-p PATTERN]... [-P PRIORITY] [-r RETENTION_MS]\n"
		"       [-N PUBLISHER] [-d DATA] [-n COUNT] [-i INTERVAL_MS] [-t SECONDS] [-u]\n"
		"       %s [-c CHANNEL] -C EVENT_ID\n",
		prog, prog);
}

/* -C: saEvtEventRetentionTimeClear on an open channel, then the end */
static int clear_retention(SaEvtHandleT handle, SaEvtChannelHandleT channel, SaEvtEventIdT id)
{
	SaAisErrorT rc;

	RETRY_BUSY(rc, saEvtEventRetentionTimeClear(channel, id));
	if (rc == SA_AIS_OK)
		printf("retention time of event 0x%016llx cleared\n", (unsigned long long)id);
	else
		fprintf(stderr, "saEvtEventRetentionTimeClear of event 0x%016llx failed: error %d\n",
			(unsigned long long)id, (int)rc);
	saEvtChannelClose(channel);
	saEvtFinalize(handle);
	return rc == SA_AIS_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
	SaVersionT version = { 'B', 1, 1 };
	SaEvtHandleT handle;
	SaEvtChannelHandleT channel;
	SaEvtEventHandleT event;
	SaEvtEventPatternT patterns[MAX_PATTERNS];
	SaEvtEventPatternArrayT pattern_array = { 0, 0, patterns };
	SaNameT name, publisher;
	SaEvtEventIdT clear_id = 0;
	const char *channel_name = "EVTCHANNEL", *publisher_name = "publish", *data = NULL;
	unsigned long count = 1, published = 0, i;
	long interval_ms = 0, retention_ms = 0;
	int priority = SA_EVT_LOWEST_PRIORITY, unlink_at_end = 0, clearing = 0, opt, status = 0;
	double seconds = 0, deadline = 0;
	SaAisErrorT rc;

	while ((opt = getopt(argc, argv, "c:p:P:r:N:d:n:i:t:uC:h")) != -1) {
		switch (opt) {
		case 'c':
			channel_name = optarg;
			break;
		case 'p':
			if (pattern_array.patternsNumber >= MAX_PATTERNS) {
				usage(argv[0]);
				return 1;
			}
			patterns[pattern_array.patternsNumber].pattern = (SaUint8T *)optarg;
			patterns[pattern_array.patternsNumber].patternSize = strlen(optarg);
			patterns[pattern_array.patternsNumber].allocatedSize = strlen(optarg);
			pattern_array.patternsNumber++;
			break;
		case 'P':
			priority = atoi(optarg);
			break;
		case 'r':
			retention_ms = atol(optarg);
			break;
		case 'N':
			publisher_name = optarg;
			break;
		case 'd':
			data = optarg;
			break;
		case 'n':
			count = strtoul(optarg, NULL, 10);
			break;
		case 'i':
			interval_ms = atol(optarg);
			break;
		case 't':
			seconds = strtod(optarg, NULL);
			break;
		case 'u':
			unlink_at_end = 1;
			break;
		case 'C':
			clear_id = (SaEvtEventIdT)strtoull(optarg, NULL, 0);
			clearing = 1;
			break;
		default:
			usage(argv[0]);
			return opt == 'h' ? 0 : 1;
		}
	}
	if (pattern_array.patternsNumber == 0) {
		patterns[0].pattern = (SaUint8T *)"EVENT";
		patterns[0].patternSize = 5;
		patterns[0].allocatedSize = 5;
		pattern_array.patternsNumber = 1;
	}
	pattern_array.allocatedNumber = pattern_array.patternsNumber;
	if (sa_name_set(&name, channel_name) != 0 || sa_name_set(&publisher, publisher_name) != 0) {
		fprintf(stderr, "name too long\n");
		return 1;
	}
	stop_on_signals();

	TOOL_INITIALIZE(rc, saEvtInitialize(&handle, NULL, &version));
	if (rc != SA_AIS_OK) {
		fprintf(stderr, "saEvtInitialize failed: error %d\n", (int)rc);
		return 1;
	}
	rc = saEvtChannelOpen(handle, &name, SA_EVT_CHANNEL_CREATE | SA_EVT_CHANNEL_PUBLISHER,
			      SA_TIME_ONE_SECOND * 10, &channel);
	if (rc == SA_AIS_OK && clearing)
		return clear_retention(handle, channel, clear_id);
	if (rc == SA_AIS_OK)
		rc = saEvtEventAllocate(channel, &event);
	if (rc == SA_AIS_OK)
		rc = saEvtEventAttributesSet(event, &pattern_array, (SaEvtEventPriorityT)priority,
					     (SaTimeT)retention_ms * SA_TIME_ONE_MILLISECOND,
					     &publisher);
	if (rc != SA_AIS_OK) {
		fprintf(stderr, "preparing to publish on %s failed: error %d\n", channel_name,
			(int)rc);
		saEvtFinalize(handle);
		return 1;
	}

	if (seconds > 0)
		deadline = now_seconds() + seconds;
	for (i = 0; i < count && !stop_requested; i++) {
		char text[64];
		const char *payload = data;
		SaEvtEventIdT id = 0;

		if (deadline > 0 && now_seconds() >= deadline)
			break;
		if (payload == NULL) {
			snprintf(text, sizeof(text), "event %lu", i + 1);
			payload = text;
		}
		RETRY_BUSY(rc, saEvtEventPublish(event, payload, strlen(payload), &id));
		if (rc != SA_AIS_OK) {
			fprintf(stderr, "saEvtEventPublish failed: error %d\n", (int)rc);
			status = 1;
			break;
		}
		published++;
		printf("published event %lu: id 0x%016llx\n", i + 1, (unsigned long long)id);
		fflush(stdout);
		if (interval_ms > 0 && i + 1 < count)
			sleep_ms(interval_ms);
	}
	printf("%lu event(s) published on %s\n", published, channel_name);
	saEvtEventFree(event);
	saEvtChannelClose(channel);
	if (unlink_at_end) {
		rc = saEvtChannelUnlink(handle, &name);
		if (rc != SA_AIS_OK) {
			fprintf(stderr, "saEvtChannelUnlink failed: error %d\n", (int)rc);
			status = 1;
		}
	}
	saEvtFinalize(handle);
	return status;
}
