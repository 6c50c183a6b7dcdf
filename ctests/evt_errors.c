/* link: -lsaEvt */
/*
 * evt_errors: the error paths of libSaEvt, as a C caller meets them, and
 * the bounded delivery queue (lost-event notice).
 *
 * Argument, version and handle errors need no executive.  The checks that
 * need an open handle are skipped (and counted as skipped) when
 * saEvtInitialize cannot reach an executive.  Prints one line per check
 * and closes with "N passed, M failed" (", K skipped"); exits 1 when a
 * check failed.
 *
 * The overflow check assumes the executive's default
 * event { delivery_queue_size: 1000 delivery_queue_resume: 500 }.
 */
#define _POSIX_C_SOURCE 200809L

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openais/saAis.h>
#include <openais/saEvt.h>

#include "sa_checks.h"
#include "sa_name.h"

#define QUEUE_SIZE 1000
#define OVERFLOW 100

/* what the deliver callback saw */
static int delivered;
static SaEvtEventHandleT first_event;
static SaEvtSubscriptionIdT first_sub;

static void deliver_callback(SaEvtSubscriptionIdT sub, SaEvtEventHandleT event, SaSizeT size)
{
	(void)size;
	if (delivered == 0) {
		first_event = event;
		first_sub = sub;
	} else {
		saEvtEventFree(event);
	}
	delivered++;
}

static void open_callback(SaInvocationT invocation, SaEvtChannelHandleT channel, SaAisErrorT error)
{
	(void)invocation;
	(void)channel;
	(void)error;
}

static const SaEvtCallbacksT callbacks = {
	.saEvtChannelOpenCallback = open_callback,
	.saEvtEventDeliverCallback = deliver_callback,
};

static SaAisErrorT initialize(SaUint64T *handle, SaVersionT *version)
{
	return saEvtInitialize(handle, &callbacks, version);
}

static void set_name(SaNameT *n, const char *tag)
{
	sa_name_printf(n, "evt-errors-%s-%ld", tag, (long)getpid());
}

/* every call on handles that were never valid */
static void bad_handle_checks(void)
{
	const SaEvtHandleT h = (SaEvtHandleT)0x5eed0000deadbeefULL;
	const SaEvtChannelHandleT ch = (SaEvtChannelHandleT)0x5eed0000c0ffee00ULL;
	const SaEvtEventHandleT eh = (SaEvtEventHandleT)0x5eed0000f00d0000ULL;
	SaSelectionObjectT so;
	SaNameT n;
	SaEvtChannelHandleT out_ch;
	SaEvtEventHandleT out_eh;
	SaEvtEventIdT id;
	SaEvtEventFilterT f = { SA_EVT_PASS_ALL_FILTER, { 0, 0, NULL } };
	SaEvtEventFilterArrayT fa = { 1, &f };
	SaSizeT size = 4;
	char buf[4];

	set_name(&n, "bad");
	CHECK("bad_selection_object_get", saEvtSelectionObjectGet(h, &so), SA_AIS_ERR_BAD_HANDLE);
	CHECK("bad_dispatch", saEvtDispatch(h, SA_DISPATCH_ALL), SA_AIS_ERR_BAD_HANDLE);
	CHECK("bad_finalize", saEvtFinalize(h), SA_AIS_ERR_BAD_HANDLE);
	CHECK("bad_channel_open",
	      saEvtChannelOpen(h, &n, SA_EVT_CHANNEL_CREATE, SA_TIME_ONE_SECOND, &out_ch),
	      SA_AIS_ERR_BAD_HANDLE);
	CHECK("bad_channel_open_async", saEvtChannelOpenAsync(h, 1, &n, SA_EVT_CHANNEL_CREATE),
	      SA_AIS_ERR_BAD_HANDLE);
	CHECK("bad_channel_unlink", saEvtChannelUnlink(h, &n), SA_AIS_ERR_BAD_HANDLE);
	CHECK("bad_channel_close", saEvtChannelClose(ch), SA_AIS_ERR_BAD_HANDLE);
	CHECK("bad_event_allocate", saEvtEventAllocate(ch, &out_eh), SA_AIS_ERR_BAD_HANDLE);
	CHECK("bad_subscribe", saEvtEventSubscribe(ch, &fa, 1), SA_AIS_ERR_BAD_HANDLE);
	CHECK("bad_unsubscribe", saEvtEventUnsubscribe(ch, 1), SA_AIS_ERR_BAD_HANDLE);
	CHECK("bad_retention_clear", saEvtEventRetentionTimeClear(ch, 0x1234), SA_AIS_ERR_BAD_HANDLE);
	CHECK("bad_event_free", saEvtEventFree(eh), SA_AIS_ERR_BAD_HANDLE);
	CHECK("bad_attributes_set", saEvtEventAttributesSet(eh, NULL, 1, 0, NULL),
	      SA_AIS_ERR_BAD_HANDLE);
	CHECK("bad_attributes_get", saEvtEventAttributesGet(eh, NULL, NULL, NULL, NULL, NULL, NULL),
	      SA_AIS_ERR_BAD_HANDLE);
	CHECK("bad_data_get", saEvtEventDataGet(eh, buf, &size), SA_AIS_ERR_BAD_HANDLE);
	CHECK("bad_publish", saEvtEventPublish(eh, "x", 1, &id), SA_AIS_ERR_BAD_HANDLE);
	CHECK("zero_handle_dispatch", saEvtDispatch(0, SA_DISPATCH_ALL), SA_AIS_ERR_BAD_HANDLE);
}

static void argument_checks(SaEvtHandleT h)
{
	SaNameT n, long_name;
	SaEvtChannelHandleT ch, sub_only;
	SaEvtEventHandleT eh;
	SaEvtEventIdT id;
	SaEvtEventPatternT p = { 0, 3, NULL };
	SaEvtEventPatternArrayT null_patterns = { 1, 1, NULL };
	SaEvtEventPatternArrayT null_pattern = { 1, 1, &p };
	SaEvtEventFilterT bad_type = { 99, { 1, 1, (SaUint8T *)"x" } };
	SaEvtEventFilterArrayT bad_type_array = { 1, &bad_type };
	SaEvtEventFilterArrayT null_filters = { 2, NULL };
	SaNameT too_long;
	SaSizeT size = 0;
	char *big;

	set_name(&n, "args");
	memset(&long_name, 0, sizeof(long_name));
	long_name.length = SA_MAX_NAME_LENGTH + 1;

	CHECK("open_flags_unknown_bit",
	      saEvtChannelOpen(h, &n, SA_EVT_CHANNEL_CREATE | 0x40, SA_TIME_ONE_SECOND, &ch),
	      SA_AIS_ERR_BAD_FLAGS);
	CHECK("open_name_too_long",
	      saEvtChannelOpen(h, &long_name, SA_EVT_CHANNEL_CREATE, SA_TIME_ONE_SECOND, &ch),
	      SA_AIS_ERR_INVALID_PARAM);
	CHECK("open_negative_timeout",
	      saEvtChannelOpen(h, &n, SA_EVT_CHANNEL_CREATE, -1, &ch), SA_AIS_ERR_TIMEOUT);
	CHECK("open_without_create_missing",
	      saEvtChannelOpen(h, &n, SA_EVT_CHANNEL_PUBLISHER, SA_TIME_ONE_SECOND * 10, &ch),
	      SA_AIS_ERR_NOT_EXIST);
	CHECK("open_async_name_too_long",
	      saEvtChannelOpenAsync(h, 1, &long_name, SA_EVT_CHANNEL_CREATE),
	      SA_AIS_ERR_INVALID_PARAM);
	CHECK("unlink_name_too_long", saEvtChannelUnlink(h, &long_name), SA_AIS_ERR_INVALID_PARAM);
	CHECK("open_create_all",
	      saEvtChannelOpen(h, &n, SA_EVT_CHANNEL_CREATE | SA_EVT_CHANNEL_PUBLISHER |
			       SA_EVT_CHANNEL_SUBSCRIBER, SA_TIME_ONE_SECOND * 10, &ch),
	      SA_AIS_OK);
	CHECK("open_subscriber_only",
	      saEvtChannelOpen(h, &n, SA_EVT_CHANNEL_SUBSCRIBER, SA_TIME_ONE_SECOND * 10, &sub_only),
	      SA_AIS_OK);

	CHECK("subscribe_null_filter_array", saEvtEventSubscribe(ch, &null_filters, 1),
	      SA_AIS_ERR_INVALID_PARAM);
	CHECK("subscribe_unknown_filter_type", saEvtEventSubscribe(ch, &bad_type_array, 1),
	      SA_AIS_ERR_INVALID_PARAM);
	CHECK("unsubscribe_never_subscribed", saEvtEventUnsubscribe(ch, 77), SA_AIS_ERR_NOT_EXIST);

	CHECK("allocate", saEvtEventAllocate(ch, &eh), SA_AIS_OK);
	CHECK("attributes_set_negative_retention",
	      saEvtEventAttributesSet(eh, NULL, SA_EVT_HIGHEST_PRIORITY, -1, NULL),
	      SA_AIS_ERR_INVALID_PARAM);
	CHECK("attributes_set_null_pattern_array",
	      saEvtEventAttributesSet(eh, &null_patterns, SA_EVT_HIGHEST_PRIORITY, 0, NULL),
	      SA_AIS_ERR_INVALID_PARAM);
	CHECK("attributes_set_null_pattern",
	      saEvtEventAttributesSet(eh, &null_pattern, SA_EVT_HIGHEST_PRIORITY, 0, NULL),
	      SA_AIS_ERR_INVALID_PARAM);
	memset(&too_long, 0, sizeof(too_long));
	too_long.length = SA_MAX_NAME_LENGTH + 1;
	CHECK("attributes_set_publisher_too_long",
	      saEvtEventAttributesSet(eh, NULL, SA_EVT_HIGHEST_PRIORITY, 0, &too_long),
	      SA_AIS_ERR_INVALID_PARAM);
	CHECK("data_get_of_allocated_event", saEvtEventDataGet(eh, NULL, &size),
	      SA_AIS_ERR_BAD_HANDLE);
	CHECK("publish_null_data_with_size", saEvtEventPublish(eh, NULL, 5, &id),
	      SA_AIS_ERR_INVALID_PARAM);
	big = calloc(1, SA_EVT_DATA_MAX_LEN + 1);
	if (big) {
		CHECK("publish_too_big", saEvtEventPublish(eh, big, SA_EVT_DATA_MAX_LEN + 1, &id),
		      SA_AIS_ERR_TOO_BIG);
		CHECK("publish_max_size", saEvtEventPublish(eh, big, SA_EVT_DATA_MAX_LEN, &id),
		      SA_AIS_OK);
		free(big);
	}
	CHECK("publish_empty", saEvtEventPublish(eh, NULL, 0, &id), SA_AIS_OK);
	check_true("published_id_not_reserved",
		   id != SA_EVT_EVENTID_NONE && id != SA_EVT_EVENTID_LOST, "reserved event id");
	CHECK("retention_clear_lost_id", saEvtEventRetentionTimeClear(ch, SA_EVT_EVENTID_LOST),
	      SA_AIS_ERR_INVALID_PARAM);
	CHECK("retention_clear_unretained", saEvtEventRetentionTimeClear(ch, id),
	      SA_AIS_ERR_NOT_EXIST);
	CHECK("event_free", saEvtEventFree(eh), SA_AIS_OK);

	CHECK("allocate_on_subscriber_only", saEvtEventAllocate(sub_only, &eh), SA_AIS_OK);
	CHECK("publish_on_subscriber_only", saEvtEventPublish(eh, "x", 1, &id), SA_AIS_ERR_ACCESS);
	/* closing the channel frees its events */
	CHECK("close_subscriber_only", saEvtChannelClose(sub_only), SA_AIS_OK);
	CHECK("event_freed_by_close", saEvtEventFree(eh), SA_AIS_ERR_BAD_HANDLE);

	CHECK("close", saEvtChannelClose(ch), SA_AIS_OK);
	CHECK("unlink", saEvtChannelUnlink(h, &n), SA_AIS_OK);
	CHECK("unlink_again", saEvtChannelUnlink(h, &n), SA_AIS_ERR_NOT_EXIST);
}

/* Publishes more events than a subscriber's queue holds before it
 * dispatches: the overflow is dropped and reported once, first. */
static void overflow_checks(SaEvtHandleT pub_h, SaEvtHandleT sub_h)
{
	SaNameT n;
	SaEvtChannelHandleT pub, sub;
	SaEvtEventHandleT eh;
	SaEvtEventIdT id;
	SaEvtEventFilterT f = { SA_EVT_PASS_ALL_FILTER, { 0, 0, NULL } };
	SaEvtEventFilterArrayT fa = { 1, &f };
	const char *pattern = "overflow";
	SaEvtEventPatternT p = { 8, 8, (SaUint8T *)pattern };
	SaEvtEventPatternArrayT pa = { 1, 1, &p };
	SaEvtEventPatternT got_p[2];
	char got_buf[2][64];
	SaEvtEventPatternArrayT got = { 2, 0, got_p };
	SaEvtEventPriorityT prio = 99;
	SaEvtEventIdT got_id = 0;
	char data[32];
	SaSizeT size = sizeof(data) - 1;
	struct pollfd pfd;
	SaSelectionObjectT so;
	int i, ok = 1, rounds;

	set_name(&n, "overflow");
	CHECK("overflow_open_publisher",
	      saEvtChannelOpen(pub_h, &n, SA_EVT_CHANNEL_CREATE | SA_EVT_CHANNEL_PUBLISHER,
			       SA_TIME_ONE_SECOND * 10, &pub), SA_AIS_OK);
	CHECK("overflow_open_subscriber",
	      saEvtChannelOpen(sub_h, &n, SA_EVT_CHANNEL_SUBSCRIBER, SA_TIME_ONE_SECOND * 10, &sub),
	      SA_AIS_OK);
	CHECK("overflow_subscribe", saEvtEventSubscribe(sub, &fa, 5), SA_AIS_OK);
	CHECK("overflow_allocate", saEvtEventAllocate(pub, &eh), SA_AIS_OK);
	CHECK("overflow_attributes", saEvtEventAttributesSet(eh, &pa, SA_EVT_LOWEST_PRIORITY, 0, NULL),
	      SA_AIS_OK);
	for (i = 0; i < QUEUE_SIZE + OVERFLOW && ok; i++) {
		SaAisErrorT rc;

		RETRY(rc, saEvtEventPublish(eh, &i, sizeof(i), &id), SA_AIS_ERR_TRY_AGAIN, 101, 10);
		if (rc != SA_AIS_OK)
			ok = 0;
	}
	check_true("overflow_publish_all", ok, "a publish failed");
	CHECK("overflow_selection_object", saEvtSelectionObjectGet(sub_h, &so), SA_AIS_OK);
	pfd.fd = (int)so;
	pfd.events = POLLIN;
	/* the first dispatch delivers the lost-event notice */
	check_true("overflow_readable", poll(&pfd, 1, 10000) == 1, "nothing to dispatch");
	CHECK("overflow_dispatch_one", saEvtDispatch(sub_h, SA_DISPATCH_ONE), SA_AIS_OK);
	check_true("overflow_notice_delivered", delivered == 1, "no event delivered");
	if (delivered == 1) {
		for (i = 0; i < 2; i++) {
			got_p[i].allocatedSize = sizeof(got_buf[i]);
			got_p[i].patternSize = 0;
			got_p[i].pattern = (SaUint8T *)got_buf[i];
		}
		CHECK("overflow_notice_attributes",
		      saEvtEventAttributesGet(first_event, &got, &prio, NULL, NULL, NULL, &got_id),
		      SA_AIS_OK);
		CHECK("overflow_notice_subscription", first_sub, 5);
		CHECK("overflow_notice_event_id", got_id == SA_EVT_EVENTID_LOST, 1);
		CHECK("overflow_notice_priority", prio, SA_EVT_HIGHEST_PRIORITY);
		check_true("overflow_notice_pattern",
			   got.patternsNumber == 1 &&
			   got_p[0].patternSize == strlen(SA_EVT_LOST_EVENT) &&
			   memcmp(got_buf[0], SA_EVT_LOST_EVENT, strlen(SA_EVT_LOST_EVENT)) == 0,
			   "pattern is not SA_EVT_LOST_EVENT");
		memset(data, 0, sizeof(data));
		CHECK("overflow_notice_data", saEvtEventDataGet(first_event, data, &size), SA_AIS_OK);
		check_true("overflow_notice_counts_lost", atoi(data) == OVERFLOW,
			   "lost count is not the overflow");
		saEvtEventFree(first_event);
	}
	/* then the events the queue held, no more */
	for (rounds = 0; rounds < 1000 && delivered < QUEUE_SIZE + 1; rounds++) {
		if (poll(&pfd, 1, 2000) != 1)
			break;
		saEvtDispatch(sub_h, SA_DISPATCH_ALL);
	}
	CHECK("overflow_queue_held_its_size", delivered, QUEUE_SIZE + 1);
	check_true("overflow_nothing_more", poll(&pfd, 1, 300) == 0, "more events pending");
	CHECK("overflow_event_free", saEvtEventFree(eh), SA_AIS_OK);
	CHECK("overflow_close_subscriber", saEvtChannelClose(sub), SA_AIS_OK);
	CHECK("overflow_close_publisher", saEvtChannelClose(pub), SA_AIS_OK);
	CHECK("overflow_unlink", saEvtChannelUnlink(pub_h, &n), SA_AIS_OK);
}

/* checks on an open handle, and on a second one */
static void open_handle_checks(SaEvtHandleT h)
{
	SaEvtHandleT h2;
	SaEvtChannelHandleT ch;
	SaNameT n;

	CHECK("selection_object_get_null", saEvtSelectionObjectGet(h, NULL),
	      SA_AIS_ERR_INVALID_PARAM);
	CHECK("dispatch_flags_high", saEvtDispatch(h, (SaDispatchFlagsT)0x100),
	      SA_AIS_ERR_INVALID_PARAM);
	argument_checks(h);

	CHECK("initialize_second", sa_initialize_retried(initialize, &h2), SA_AIS_OK);
	overflow_checks(h, h2);
	CHECK("finalize_second", saEvtFinalize(h2), SA_AIS_OK);

	/* finalize invalidates the channels opened through the handle */
	set_name(&n, "final");
	CHECK("final_open", saEvtChannelOpen(h, &n, SA_EVT_CHANNEL_CREATE, SA_TIME_ONE_SECOND * 10,
					     &ch), SA_AIS_OK);
	CHECK("finalize", saEvtFinalize(h), SA_AIS_OK);
	CHECK("finalized_channel_close", saEvtChannelClose(ch), SA_AIS_ERR_BAD_HANDLE);
	CHECK("finalized_finalize", saEvtFinalize(h), SA_AIS_ERR_BAD_HANDLE);
	CHECK("finalized_unlink", saEvtChannelUnlink(h, &n), SA_AIS_ERR_BAD_HANDLE);
	CHECK("cleanup_initialize", sa_initialize_retried(initialize, &h), SA_AIS_OK);
	CHECK("cleanup_unlink", saEvtChannelUnlink(h, &n), SA_AIS_OK);
	CHECK("cleanup_finalize", saEvtFinalize(h), SA_AIS_OK);
}

int main(void)
{
	check_versions(initialize, 0);
	bad_handle_checks();
	with_open_handle(initialize, open_handle_checks);
	return check_summary();
}
