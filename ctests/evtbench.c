/* link: -lsaEvt -lpthread */
/*
 * evtbench: event service throughput for a range of event sizes.
 *
 *   evtbench [-c CHANNEL] [-s SECONDS] [-S SIZE]... [-P]
 *
 * For each data size (default 0 64 256 1024 4096 16384 65536 bytes) one
 * thread publishes events on CHANNEL for SECONDS (default 2) while a
 * second library handle, dispatched by another thread, subscribes to the
 * channel and counts what it receives.  Prints, per size, the events
 * published per second and MB/s, the events delivered per second and
 * MB/s, and the events the subscriber lost (a queue overflow is reported
 * by a lost-event notice).  -P publishes without a subscriber.  Figures
 * are printed, never judged: they depend on the machine and the ring.
 */
#define _POSIX_C_SOURCE 200809L

#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openais/saAis.h>
#include <openais/saEvt.h>

#include "sa_name.h"
#include "timing.h"

#define MAX_SIZES 16

/* shared between the threads through the GCC atomic builtins */
static unsigned long received, lost_events;
static int subscriber_stop;
static SaEvtHandleT sub_handle;

static void deliver_callback(SaEvtSubscriptionIdT sub, SaEvtEventHandleT event, SaSizeT size)
{
	SaEvtEventIdT id = 0;

	(void)sub;
	(void)size;
	if (saEvtEventAttributesGet(event, NULL, NULL, NULL, NULL, NULL, &id) == SA_AIS_OK &&
	    id == SA_EVT_EVENTID_LOST) {
		char text[32];
		SaSizeT len = sizeof(text) - 1;

		memset(text, 0, sizeof(text));
		if (saEvtEventDataGet(event, text, &len) == SA_AIS_OK)
			__atomic_fetch_add(&lost_events, strtoul(text, NULL, 10), __ATOMIC_RELAXED);
	} else {
		__atomic_fetch_add(&received, 1, __ATOMIC_RELAXED);
	}
	saEvtEventFree(event);
}

static unsigned long delivered_count(void)
{
	return __atomic_load_n(&received, __ATOMIC_RELAXED);
}

static unsigned long lost_count(void)
{
	return __atomic_load_n(&lost_events, __ATOMIC_RELAXED);
}

static void *subscriber(void *arg)
{
	SaSelectionObjectT so;
	struct pollfd pfd;

	(void)arg;
	if (saEvtSelectionObjectGet(sub_handle, &so) != SA_AIS_OK)
		return NULL;
	pfd.fd = (int)so;
	pfd.events = POLLIN;
	while (!__atomic_load_n(&subscriber_stop, __ATOMIC_RELAXED)) {
		if (poll(&pfd, 1, 100) == 1 && saEvtDispatch(sub_handle, SA_DISPATCH_ALL) != SA_AIS_OK)
			break;
	}
	return NULL;
}

static SaAisErrorT initialize(SaEvtHandleT *h, const SaEvtCallbacksT *cb)
{
	SaVersionT v = { 'B', 1, 1 };
	SaAisErrorT rc;

	/* the executive may still be starting */
	RETRY(rc, saEvtInitialize(h, cb, &v), SA_AIS_ERR_TRY_AGAIN, 10, 1000);
	return rc;
}

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-c CHANNEL] [-s SECONDS] [-S SIZE]... [-P]\n", prog);
}

int main(int argc, char **argv)
{
	static const SaSizeT default_sizes[] = { 0, 64, 256, 1024, 4096, 16384, 65536 };
	SaEvtCallbacksT callbacks = { .saEvtEventDeliverCallback = deliver_callback };
	SaSizeT sizes[MAX_SIZES];
	int nsizes = 0, publish_only = 0, opt, i;
	double seconds = 2.0;
	const char *channel_name = "evtbench";
	SaEvtHandleT pub_handle;
	SaEvtChannelHandleT pub_ch, sub_ch = 0;
	SaEvtEventHandleT event;
	SaEvtEventPatternT pattern = { 5, 5, (SaUint8T *)"bench" };
	SaEvtEventPatternArrayT patterns = { 1, 1, &pattern };
	SaEvtEventFilterT filter = { SA_EVT_PASS_ALL_FILTER, { 0, 0, NULL } };
	SaEvtEventFilterArrayT filters = { 1, &filter };
	SaNameT name;
	pthread_t thread;
	char *data;
	SaAisErrorT rc;

	while ((opt = getopt(argc, argv, "c:s:S:Ph")) != -1) {
		switch (opt) {
		case 'c':
			channel_name = optarg;
			break;
		case 's':
			seconds = strtod(optarg, NULL);
			break;
		case 'S':
			if (nsizes >= MAX_SIZES) {
				usage(argv[0]);
				return 1;
			}
			sizes[nsizes++] = strtoull(optarg, NULL, 10);
			break;
		case 'P':
			publish_only = 1;
			break;
		default:
			usage(argv[0]);
			return opt == 'h' ? 0 : 1;
		}
	}
	if (nsizes == 0) {
		nsizes = (int)(sizeof(default_sizes) / sizeof(default_sizes[0]));
		memcpy(sizes, default_sizes, sizeof(default_sizes));
	}
	for (i = 0; i < nsizes; i++) {
		if (sizes[i] > SA_EVT_DATA_MAX_LEN) {
			fprintf(stderr, "size %llu exceeds SA_EVT_DATA_MAX_LEN\n",
				(unsigned long long)sizes[i]);
			return 1;
		}
	}
	if (sa_name_set(&name, channel_name) != 0) {
		fprintf(stderr, "channel name too long\n");
		return 1;
	}
	data = calloc(1, SA_EVT_DATA_MAX_LEN);
	if (data == NULL)
		return 1;

	rc = initialize(&pub_handle, NULL);
	if (rc == SA_AIS_OK)
		rc = saEvtChannelOpen(pub_handle, &name, SA_EVT_CHANNEL_CREATE |
				      SA_EVT_CHANNEL_PUBLISHER, SA_TIME_ONE_SECOND * 10, &pub_ch);
	if (rc == SA_AIS_OK)
		rc = saEvtEventAllocate(pub_ch, &event);
	if (rc == SA_AIS_OK)
		rc = saEvtEventAttributesSet(event, &patterns, SA_EVT_LOWEST_PRIORITY, 0, NULL);
	if (rc != SA_AIS_OK) {
		fprintf(stderr, "publisher set-up failed: error %d\n", (int)rc);
		return 1;
	}
	if (!publish_only) {
		rc = initialize(&sub_handle, &callbacks);
		if (rc == SA_AIS_OK)
			rc = saEvtChannelOpen(sub_handle, &name, SA_EVT_CHANNEL_SUBSCRIBER,
					      SA_TIME_ONE_SECOND * 10, &sub_ch);
		if (rc == SA_AIS_OK)
			rc = saEvtEventSubscribe(sub_ch, &filters, 1);
		if (rc != SA_AIS_OK || pthread_create(&thread, NULL, subscriber, NULL) != 0) {
			fprintf(stderr, "subscriber set-up failed: error %d\n", (int)rc);
			return 1;
		}
	}

	printf("evtbench: channel %s, %.1f s per size, %s\n", channel_name, seconds,
	       publish_only ? "no subscriber" : "one subscriber in this process");
	printf("%8s %12s %10s %12s %10s %10s %8s\n", "size", "published/s", "MB/s",
	       "delivered/s", "MB/s", "lost", "retries");
	for (i = 0; i < nsizes; i++) {
		unsigned long published = 0, retries = 0;
		unsigned long got0 = delivered_count(), lost0 = lost_count();
		unsigned long got, lost;
		double t0 = now_seconds(), t_pub, t_end, settle;
		SaEvtEventIdT id;

		while (now_seconds() - t0 < seconds) {
			rc = saEvtEventPublish(event, data, sizes[i], &id);
			if (rc == SA_AIS_OK) {
				published++;
			} else if (rc == SA_AIS_ERR_TRY_AGAIN) {
				retries++;
				sleep_ms(1);
			} else {
				fprintf(stderr, "saEvtEventPublish failed: error %d\n", (int)rc);
				return 1;
			}
		}
		t_pub = now_seconds() - t0;
		/* wait (bounded) for the subscriber to catch up */
		settle = now_seconds() + 10.0;
		while (!publish_only && delivered_count() - got0 + (lost_count() - lost0) < published &&
		       now_seconds() < settle)
			sleep_ms(1);
		t_end = now_seconds() - t0;
		got = delivered_count() - got0;
		lost = lost_count() - lost0;
		printf("%8llu %12.0f %10.2f %12.0f %10.2f %10lu %8lu\n",
		       (unsigned long long)sizes[i], published / t_pub,
		       published * (double)sizes[i] / t_pub / 1e6,
		       publish_only ? 0.0 : got / t_end,
		       publish_only ? 0.0 : got * (double)sizes[i] / t_end / 1e6, lost, retries);
		fflush(stdout);
	}

	if (!publish_only) {
		__atomic_store_n(&subscriber_stop, 1, __ATOMIC_RELAXED);
		pthread_join(thread, NULL);
		saEvtChannelClose(sub_ch);
		saEvtFinalize(sub_handle);
	}
	saEvtEventFree(event);
	saEvtChannelClose(pub_ch);
	saEvtChannelUnlink(pub_handle, &name);
	saEvtFinalize(pub_handle);
	free(data);
	return 0;
}
