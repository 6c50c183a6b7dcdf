/* link: -lsaClm -lsaCkpt -lsaEvt -lsaLck -lsaMsg -levs -lcpg -lpthread */
/*
 * openais_habits: every call of the CLM, CKPT, EVT, LCK, MSG, EVS and CPG
 * libraries, made the way openais's own programs (test/testckpt.c,
 * ckptbench.c, ckpt-wr.c, testevt.c, cpgbench.c ...) make them:
 *
 *   - a timeout of 0 where openais's library never looked at it
 *     (saCkptCheckpointOpen, saLckResourceOpen/Lock/Unlock,
 *     saMsgQueueOpen/MessageSend/MessageReply ...), SA_TIME_END where it
 *     did (saClmClusterNodeGet, saEvtChannelOpen,
 *     saCkptCheckpointSynchronize);
 *   - NULL for every optional argument: callbacks at initialize, creation
 *     attributes when opening what exists, erroneousVectorIndex, a read
 *     buffer the library allocates, the outputs of saEvtEventAttributesGet
 *     a program does not want, an event's patterns and publisher;
 *   - callbacks structures with NULL members;
 *   - dispatch called again from inside a callback.
 *
 * Names carry the pid, so instances on several nodes run side by side.
 * Errors the specification requires for what a call is asked (an open
 * callback not registered: SA_AIS_ERR_INIT; an existing section:
 * SA_AIS_ERR_EXIST ...) are checked as such. TRY_AGAIN (a configuration
 * change going on) is retried, as openais's programs did.
 *
 * Prints one line per check and closes with "N passed, M failed"; exits 1
 * when a check failed.
 */
#define _POSIX_C_SOURCE 200809L

#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <openais/saAis.h>
#include <openais/saClm.h>
#include <openais/saCkpt.h>
#include <openais/saEvt.h>
#include <openais/saLck.h>
#include <openais/saMsg.h>
#include <openais/evs.h>
#include <openais/cpg.h>

#include "harness.h"
#include "sa_name.h"

#define TRIES 300	/* TRY_AGAIN: retried 300 x 100 ms at the most */

static SaVersionT version = { 'B', 1, 1 };
static int pid;

/* CALL again while it answers TRY_AGAIN, as openais's programs do */
#define RETRY_AIS(rc, call) RETRY(rc, call, SA_AIS_ERR_TRY_AGAIN, TRIES, 100)

/* waits up to MS for FD to be readable; 1 when it is */
static int readable(int fd, int ms)
{
	struct pollfd p = { fd, POLLIN, 0 };

	return poll(&p, 1, ms) == 1;
}

/* ------------------------------------------------------------------ CLM */

static SaClmHandleT clm_cb_handle;
static int clm_node_got, clm_nested_dispatch = -1;

static void clm_node_get_cb(SaInvocationT invocation, const SaClmClusterNodeT *node, SaAisErrorT error)
{
	(void)node;
	if (invocation == 7 && error == SA_AIS_OK)
		clm_node_got++;
	/* openais's programs dispatch from callbacks */
	clm_nested_dispatch = saClmDispatch(clm_cb_handle, SA_DISPATCH_ALL);
}

static void clm(void)
{
	SaClmCallbacksT callbacks = { clm_node_get_cb, NULL };
	SaClmClusterNotificationBufferT buf = { 0, 0, NULL };
	SaClmClusterNodeT node;
	SaClmHandleT h;
	SaSelectionObjectT fd;
	SaAisErrorT rc;

	CHECK("clm_initialize_null_callbacks", saClmInitialize(&h, NULL, &version), SA_AIS_OK);
	CHECK("clm_selection_object", saClmSelectionObjectGet(h, &fd), SA_AIS_OK);
	RETRY_AIS(rc, saClmClusterNodeGet(h, SA_CLM_LOCAL_NODE_ID, SA_TIME_END, &node));
	CHECK("clm_node_get_local_time_end", rc, SA_AIS_OK);
	check_true("clm_node_name_is_the_address",
		   rc == SA_AIS_OK && node.nodeName.length == node.nodeAddress.length &&
			   memcmp(node.nodeName.value, node.nodeAddress.value, node.nodeName.length) == 0,
		   "nodeName differs from nodeAddress.value");
	/* a NULL notification array: the library allocates it */
	RETRY_AIS(rc, saClmClusterTrack(h, SA_TRACK_CURRENT, &buf));
	CHECK("clm_track_current_allocated", rc, SA_AIS_OK);
	check_true("clm_track_current_lists_this_node", buf.numberOfItems >= 1 && buf.notification != NULL,
		   "no member listed");
	free(buf.notification);
	/* tracking changes needs the track callback, which is NULL */
	CHECK("clm_track_changes_without_callback", saClmClusterTrack(h, SA_TRACK_CHANGES, NULL),
	      SA_AIS_ERR_INIT);
	CHECK("clm_track_stop_not_tracking", saClmClusterTrackStop(h), SA_AIS_ERR_NOT_EXIST);
	CHECK("clm_node_get_async_without_callback", saClmClusterNodeGetAsync(h, 1, SA_CLM_LOCAL_NODE_ID),
	      SA_AIS_ERR_INIT);
	CHECK("clm_dispatch_all_nothing_pending", saClmDispatch(h, SA_DISPATCH_ALL), SA_AIS_OK);
	CHECK("clm_finalize", saClmFinalize(h), SA_AIS_OK);

	CHECK("clm_initialize_one_callback", saClmInitialize(&clm_cb_handle, &callbacks, &version), SA_AIS_OK);
	CHECK("clm_selection_object_2", saClmSelectionObjectGet(clm_cb_handle, &fd), SA_AIS_OK);
	CHECK("clm_node_get_async", saClmClusterNodeGetAsync(clm_cb_handle, 7, SA_CLM_LOCAL_NODE_ID),
	      SA_AIS_OK);
	while (clm_node_got == 0 && readable((int)fd, 10000))
		if (saClmDispatch(clm_cb_handle, SA_DISPATCH_ONE) != SA_AIS_OK)
			break;
	CHECK("clm_node_get_callback", clm_node_got, 1);
	CHECK("clm_dispatch_from_callback", clm_nested_dispatch, SA_AIS_OK);
	CHECK("clm_finalize_2", saClmFinalize(clm_cb_handle), SA_AIS_OK);
}

/* ----------------------------------------------------------------- CKPT */

static SaCkptHandleT ckpt_handle;
static SaCkptCheckpointHandleT ckpt_async_opened;
static int ckpt_open_callbacks, ckpt_nested_dispatch = -1;

static void ckpt_open_cb(SaInvocationT invocation, SaCkptCheckpointHandleT handle, SaAisErrorT error)
{
	if (invocation == 42 && error == SA_AIS_OK) {
		ckpt_async_opened = handle;
		ckpt_open_callbacks++;
	}
	ckpt_nested_dispatch = saCkptDispatch(ckpt_handle, SA_DISPATCH_ALL);
}

static void ckpt(void)
{
	/* the synchronize callback is NULL, as in openais's ckptbench */
	SaCkptCallbacksT callbacks = { ckpt_open_cb, NULL };
	SaCkptCheckpointCreationAttributesT attributes = {
		SA_CKPT_WR_ALL_REPLICAS, 100000, SA_TIME_ONE_SECOND * 60, 5, 20000, 20
	};
	SaCkptCheckpointHandleT c, c2;
	SaCkptCheckpointDescriptorT status;
	SaCkptSectionIdT id = { 8, (SaUint8T *)"section1" };
	SaCkptSectionCreationAttributesT section = { &id, SA_TIME_END };
	SaCkptSectionIterationHandleT it;
	SaCkptSectionDescriptorT descriptor;
	char data1[] = "0123456789", data2[] = "abcdefghij", back[32];
	SaCkptIOVectorElementT write_vector[2] = {
		{ { 8, (SaUint8T *)"section1" }, data1, 10, 0, 0 },
		{ { 8, (SaUint8T *)"section1" }, data2, 10, 10, 0 },
	};
	SaCkptIOVectorElementT read_vector[2] = {
		{ { 8, (SaUint8T *)"section1" }, back, 20, 0, 0 },
		{ { 8, (SaUint8T *)"section1" }, NULL, 10, 10, 0 },
	};
	SaSelectionObjectT fd;
	SaNameT name;
	SaAisErrorT rc;
	int sections = 0;

	sa_name_printf(&name, "openais_habits_ckpt_%d", pid);
	CHECK("ckpt_initialize", saCkptInitialize(&ckpt_handle, &callbacks, &version), SA_AIS_OK);
	CHECK("ckpt_selection_object", saCkptSelectionObjectGet(ckpt_handle, &fd), SA_AIS_OK);
	/* openais ignored this timeout and its programs pass 0 */
	RETRY_AIS(rc, saCkptCheckpointOpen(ckpt_handle, &name, &attributes,
					   SA_CKPT_CHECKPOINT_CREATE | SA_CKPT_CHECKPOINT_READ |
						   SA_CKPT_CHECKPOINT_WRITE,
					   0, &c));
	CHECK("ckpt_open_create_timeout_0", rc, SA_AIS_OK);
	/* what exists is opened without attributes */
	RETRY_AIS(rc, saCkptCheckpointOpen(ckpt_handle, &name, NULL, SA_CKPT_CHECKPOINT_READ, 0, &c2));
	CHECK("ckpt_open_existing_null_attributes", rc, SA_AIS_OK);
	CHECK("ckpt_status_get", saCkptCheckpointStatusGet(c, &status), SA_AIS_OK);
	CHECK("ckpt_status_size", status.checkpointCreationAttributes.checkpointSize, 100000);
	RETRY_AIS(rc, saCkptSectionCreate(c, &section, "initial", 7));
	CHECK("ckpt_section_create", rc, SA_AIS_OK);
	RETRY_AIS(rc, saCkptSectionCreate(c, &section, "initial", 7));
	CHECK("ckpt_section_create_existing", rc, SA_AIS_ERR_EXIST);
	RETRY_AIS(rc, saCkptSectionExpirationTimeSet(c, &id, SA_TIME_END));
	CHECK("ckpt_section_expiration_set", rc, SA_AIS_OK);
	/* erroneousVectorIndex NULL, as openais's programs pass it */
	RETRY_AIS(rc, saCkptCheckpointWrite(c, write_vector, 2, NULL));
	CHECK("ckpt_write_null_erroneous_index", rc, SA_AIS_OK);
	/* the second element's buffer is NULL: the library allocates it */
	RETRY_AIS(rc, saCkptCheckpointRead(c2, read_vector, 2, NULL));
	CHECK("ckpt_read_null_erroneous_index", rc, SA_AIS_OK);
	check_true("ckpt_read_back", read_vector[0].readSize == 20 && memcmp(back, "0123456789abcdefghij", 20) == 0,
		   "the data read differs from what was written");
	check_true("ckpt_read_allocated", read_vector[1].dataBuffer != NULL && read_vector[1].readSize == 10 &&
			   memcmp(read_vector[1].dataBuffer, "abcdefghij", 10) == 0,
		   "the buffer the library allocated holds other data");
	free(read_vector[1].dataBuffer);
	RETRY_AIS(rc, saCkptSectionOverwrite(c, &id, "overwritten", 11));
	CHECK("ckpt_section_overwrite", rc, SA_AIS_OK);
	CHECK("ckpt_iteration_initialize", saCkptSectionIterationInitialize(c, SA_CKPT_SECTIONS_ANY, 0, &it),
	      SA_AIS_OK);
	while (saCkptSectionIterationNext(it, &descriptor) == SA_AIS_OK)
		sections++;
	CHECK("ckpt_iteration_sections", sections, 1);
	CHECK("ckpt_iteration_next_at_end", saCkptSectionIterationNext(it, &descriptor), SA_AIS_ERR_NO_SECTIONS);
	CHECK("ckpt_iteration_finalize", saCkptSectionIterationFinalize(it), SA_AIS_OK);
	RETRY_AIS(rc, saCkptCheckpointRetentionDurationSet(c, SA_TIME_ONE_SECOND * 30));
	CHECK("ckpt_retention_set", rc, SA_AIS_OK);
	/* B.01.01: an ALL_REPLICAS checkpoint has no active replica to set or sync */
	CHECK("ckpt_active_replica_set_all_replicas", saCkptActiveReplicaSet(c), SA_AIS_ERR_BAD_OPERATION);
	CHECK("ckpt_synchronize_all_replicas", saCkptCheckpointSynchronize(c, SA_TIME_END),
	      SA_AIS_ERR_BAD_OPERATION);
	CHECK("ckpt_synchronize_async_without_callback", saCkptCheckpointSynchronizeAsync(c, 5),
	      SA_AIS_ERR_INIT);
	CHECK("ckpt_open_async", saCkptCheckpointOpenAsync(ckpt_handle, 42, &name, NULL, SA_CKPT_CHECKPOINT_READ),
	      SA_AIS_OK);
	while (ckpt_open_callbacks == 0 && readable((int)fd, 10000))
		if (saCkptDispatch(ckpt_handle, SA_DISPATCH_ONE) != SA_AIS_OK)
			break;
	CHECK("ckpt_open_callback", ckpt_open_callbacks, 1);
	CHECK("ckpt_dispatch_from_callback", ckpt_nested_dispatch, SA_AIS_OK);
	if (ckpt_open_callbacks)
		CHECK("ckpt_close_async_opened", saCkptCheckpointClose(ckpt_async_opened), SA_AIS_OK);
	RETRY_AIS(rc, saCkptSectionDelete(c, &id));
	CHECK("ckpt_section_delete", rc, SA_AIS_OK);
	CHECK("ckpt_close", saCkptCheckpointClose(c), SA_AIS_OK);
	CHECK("ckpt_close_2", saCkptCheckpointClose(c2), SA_AIS_OK);
	RETRY_AIS(rc, saCkptCheckpointUnlink(ckpt_handle, &name));
	CHECK("ckpt_unlink", rc, SA_AIS_OK);
	CHECK("ckpt_finalize", saCkptFinalize(ckpt_handle), SA_AIS_OK);
}

/* ------------------------------------------------------------------ EVT */

static SaEvtHandleT evt_handle;
static int evt_delivered, evt_no_pattern_delivered, evt_data_get_null = -1, evt_data_size_reported;
static int evt_attributes_null = -1, evt_nested_dispatch = -1;

static void evt_deliver_cb(SaEvtSubscriptionIdT sub, SaEvtEventHandleT event, SaSizeT size)
{
	SaEvtEventPatternArrayT patterns = { 0, 0, NULL };
	SaEvtEventPatternT slot[4];
	SaSizeT got = 0;
	char data[64];

	(void)sub;
	/* openais's testevt: ask the size with no buffer first */
	evt_data_get_null = saEvtEventDataGet(event, NULL, &got);
	evt_data_size_reported = got == size;
	got = sizeof(data);
	if (saEvtEventDataGet(event, data, &got) == SA_AIS_OK && got == size)
		evt_delivered++;
	patterns.allocatedNumber = 4;
	patterns.patterns = slot;
	memset(slot, 0, sizeof(slot));
	/* every output but the patterns NULL */
	evt_attributes_null = saEvtEventAttributesGet(event, &patterns, NULL, NULL, NULL, NULL, NULL);
	if (evt_attributes_null == SA_AIS_OK) {
		unsigned int i;

		if (patterns.patternsNumber == 0)
			evt_no_pattern_delivered++;
		for (i = 0; i < patterns.patternsNumber && i < 4; i++)
			free(slot[i].pattern);
	}
	saEvtEventFree(event);
	evt_nested_dispatch = saEvtDispatch(evt_handle, SA_DISPATCH_ALL);
}

static void evt(void)
{
	/* the open callback is NULL */
	SaEvtCallbacksT callbacks = { NULL, evt_deliver_cb };
	SaEvtEventFilterT filters[2] = {
		{ SA_EVT_EXACT_FILTER, { 3, 3, (SaUint8T *)"one" } },
		{ SA_EVT_EXACT_FILTER, { 3, 3, (SaUint8T *)"two" } },
	};
	SaEvtEventFilterArrayT filter_array = { 2, filters };
	SaEvtEventPatternT pattern = { 3, 3, (SaUint8T *)"one" };
	SaEvtEventPatternArrayT one_pattern = { 1, 1, &pattern };
	SaEvtChannelHandleT ch;
	SaEvtEventHandleT e1, e2, e3;
	SaEvtEventIdT id, retained;
	SaSelectionObjectT fd;
	SaNameT name;
	SaAisErrorT rc;
	long long deadline;

	sa_name_printf(&name, "openais_habits_evt_%d", pid);
	CHECK("evt_initialize", saEvtInitialize(&evt_handle, &callbacks, &version), SA_AIS_OK);
	CHECK("evt_selection_object", saEvtSelectionObjectGet(evt_handle, &fd), SA_AIS_OK);
	RETRY_AIS(rc, saEvtChannelOpen(evt_handle, &name,
				       SA_EVT_CHANNEL_CREATE | SA_EVT_CHANNEL_PUBLISHER | SA_EVT_CHANNEL_SUBSCRIBER,
				       SA_TIME_END, &ch));
	CHECK("evt_channel_open_time_end", rc, SA_AIS_OK);
	CHECK("evt_channel_open_async_without_callback",
	      saEvtChannelOpenAsync(evt_handle, 3, &name, SA_EVT_CHANNEL_SUBSCRIBER), SA_AIS_ERR_INIT);
	CHECK("evt_subscribe_two_filters", saEvtEventSubscribe(ch, &filter_array, 1), SA_AIS_OK);

	/* one pattern, two filters: the one pair matches (openais's rule) */
	CHECK("evt_allocate", saEvtEventAllocate(ch, &e1), SA_AIS_OK);
	CHECK("evt_attributes_set_null_publisher", saEvtEventAttributesSet(e1, &one_pattern, 2, 0, NULL), SA_AIS_OK);
	RETRY_AIS(rc, saEvtEventPublish(e1, "first", 5, &id));
	CHECK("evt_publish_fewer_patterns", rc, SA_AIS_OK);
	/* no patterns at all: matches every subscription */
	CHECK("evt_allocate_2", saEvtEventAllocate(ch, &e2), SA_AIS_OK);
	CHECK("evt_attributes_set_null_patterns", saEvtEventAttributesSet(e2, NULL, 3, 0, NULL), SA_AIS_OK);
	RETRY_AIS(rc, saEvtEventPublish(e2, "second", 6, &id));
	CHECK("evt_publish_no_patterns", rc, SA_AIS_OK);
	/* a retained event, cleared again */
	CHECK("evt_allocate_3", saEvtEventAllocate(ch, &e3), SA_AIS_OK);
	CHECK("evt_attributes_set_retained", saEvtEventAttributesSet(e3, &one_pattern, 1, SA_TIME_ONE_MINUTE, NULL),
	      SA_AIS_OK);
	RETRY_AIS(rc, saEvtEventPublish(e3, "third", 5, &retained));
	CHECK("evt_publish_retained", rc, SA_AIS_OK);

	deadline = now_ms() + 10000;
	while (evt_delivered < 3 && now_ms() < deadline && readable((int)fd, 1000))
		if (saEvtDispatch(evt_handle, SA_DISPATCH_ONE) != SA_AIS_OK)
			break;
	CHECK("evt_delivered_all_three", evt_delivered, 3);
	CHECK("evt_delivered_without_patterns", evt_no_pattern_delivered, 1);
	CHECK("evt_data_get_null_buffer", evt_data_get_null, SA_AIS_ERR_NO_SPACE);
	CHECK("evt_data_get_null_buffer_size", evt_data_size_reported, 1);
	CHECK("evt_attributes_get_null_outputs", evt_attributes_null, SA_AIS_OK);
	CHECK("evt_dispatch_from_callback", evt_nested_dispatch, SA_AIS_OK);
	RETRY_AIS(rc, saEvtEventRetentionTimeClear(ch, retained));
	CHECK("evt_retention_clear", rc, SA_AIS_OK);
	CHECK("evt_unsubscribe", saEvtEventUnsubscribe(ch, 1), SA_AIS_OK);
	CHECK("evt_free", saEvtEventFree(e1), SA_AIS_OK);
	CHECK("evt_free_2", saEvtEventFree(e2), SA_AIS_OK);
	CHECK("evt_free_3", saEvtEventFree(e3), SA_AIS_OK);
	CHECK("evt_channel_close", saEvtChannelClose(ch), SA_AIS_OK);
	RETRY_AIS(rc, saEvtChannelUnlink(evt_handle, &name));
	CHECK("evt_channel_unlink", rc, SA_AIS_OK);
	CHECK("evt_finalize", saEvtFinalize(evt_handle), SA_AIS_OK);
}

/* ------------------------------------------------------------------ LCK */

static SaLckHandleT lck_handle;
static SaLckResourceHandleT lck_async_resource;
static int lck_opened, lck_granted, lck_nested_dispatch = -1;

static void lck_open_cb(SaInvocationT invocation, SaLckResourceHandleT resource, SaAisErrorT error)
{
	if (invocation == 11 && error == SA_AIS_OK) {
		lck_async_resource = resource;
		lck_opened++;
	}
	lck_nested_dispatch = saLckDispatch(lck_handle, SA_DISPATCH_ALL);
}

static void lck_grant_cb(SaInvocationT invocation, SaLckLockStatusT status, SaAisErrorT error)
{
	if (invocation == 12 && error == SA_AIS_OK && status == SA_LCK_LOCK_GRANTED)
		lck_granted++;
}

static void lck(void)
{
	/* waiter and unlock callbacks NULL */
	SaLckCallbacksT callbacks = { lck_open_cb, lck_grant_cb, NULL, NULL };
	SaLckResourceHandleT r;
	SaLckLockIdT lock, async_lock;
	SaLckLockStatusT status = 0;
	SaLckOptionsT options;
	SaSelectionObjectT fd;
	SaNameT name;
	SaAisErrorT rc;
	long long deadline;

	sa_name_printf(&name, "openais_habits_lck_%d", pid);
	CHECK("lck_initialize", saLckInitialize(&lck_handle, &callbacks, &version), SA_AIS_OK);
	CHECK("lck_selection_object", saLckSelectionObjectGet(lck_handle, &fd), SA_AIS_OK);
	CHECK("lck_option_check", saLckOptionCheck(lck_handle, &options), SA_AIS_OK);
	RETRY_AIS(rc, saLckResourceOpen(lck_handle, &name, SA_LCK_RESOURCE_CREATE, 0, &r));
	CHECK("lck_resource_open_timeout_0", rc, SA_AIS_OK);
	RETRY_AIS(rc, saLckResourceLock(r, &lock, SA_LCK_EX_LOCK_MODE, 0, 0, 0, &status));
	CHECK("lck_lock_timeout_0", rc, SA_AIS_OK);
	CHECK("lck_lock_granted", status, SA_LCK_LOCK_GRANTED);
	RETRY_AIS(rc, saLckResourceUnlock(lock, 0));
	CHECK("lck_unlock_timeout_0", rc, SA_AIS_OK);
	CHECK("lck_open_async", saLckResourceOpenAsync(lck_handle, 11, &name, 0), SA_AIS_OK);
	deadline = now_ms() + 10000;
	while (lck_opened == 0 && now_ms() < deadline && readable((int)fd, 1000))
		if (saLckDispatch(lck_handle, SA_DISPATCH_ONE) != SA_AIS_OK)
			break;
	CHECK("lck_open_callback", lck_opened, 1);
	CHECK("lck_dispatch_from_callback", lck_nested_dispatch, SA_AIS_OK);
	CHECK("lck_lock_async", saLckResourceLockAsync(r, 12, &async_lock, SA_LCK_PR_LOCK_MODE, 0, 0), SA_AIS_OK);
	while (lck_granted == 0 && now_ms() < deadline && readable((int)fd, 1000))
		if (saLckDispatch(lck_handle, SA_DISPATCH_ALL) != SA_AIS_OK)
			break;
	CHECK("lck_grant_callback", lck_granted, 1);
	/* the unlock callback is NULL */
	CHECK("lck_unlock_async_without_callback", saLckResourceUnlockAsync(13, async_lock), SA_AIS_ERR_INIT);
	RETRY_AIS(rc, saLckResourceUnlock(async_lock, 0));
	CHECK("lck_unlock_async_lock", rc, SA_AIS_OK);
	RETRY_AIS(rc, saLckLockPurge(r));
	CHECK("lck_purge", rc, SA_AIS_OK);
	if (lck_opened)
		CHECK("lck_close_async_opened", saLckResourceClose(lck_async_resource), SA_AIS_OK);
	CHECK("lck_close", saLckResourceClose(r), SA_AIS_OK);
	CHECK("lck_finalize", saLckFinalize(lck_handle), SA_AIS_OK);
}

/* ------------------------------------------------------------------ MSG */

struct replier {
	SaMsgQueueHandleT queue;
	SaMsgHandleT handle;
	int async; /* saMsgMessageReplyAsync without acknowledgement, else saMsgMessageReply */
	SaAisErrorT got, replied;
};

/*
 * the other side of saMsgMessageSendReceive: get the request, reply with
 * a timeout of 0 (or asynchronously, with no acknowledgement asked)
 */
static void *msg_replier(void *arg)
{
	struct replier *r = arg;
	SaMsgMessageT m, answer;
	SaMsgSenderIdT sender = 0;
	SaTimeT sent;

	memset(&m, 0, sizeof(m));
	r->got = saMsgMessageGet(r->queue, &m, &sent, &sender, SA_TIME_ONE_SECOND * 20);
	if (r->got == SA_AIS_OK) {
		free(m.data);
		memset(&answer, 0, sizeof(answer));
		answer.size = 5;
		answer.data = "reply";
		if (r->async)
			r->replied = saMsgMessageReplyAsync(r->handle, 4, &answer, &sender, 0);
		else
			/* openais never sent the reply's timeout */
			r->replied = saMsgMessageReply(r->handle, &answer, &sender, 0);
	}
	return NULL;
}

static void msg(void)
{
	SaMsgQueueCreationAttributesT attributes = { 0, { 4096, 4096, 4096, 4096 }, SA_TIME_ONE_SECOND * 10 };
	SaMsgQueueGroupNotificationBufferT members;
	SaMsgQueueStatusT status;
	SaMsgMessageT m, got, request, reply;
	SaMsgQueueHandleT q;
	SaMsgHandleT h, h2;
	SaMsgSenderIdT sender;
	SaSelectionObjectT fd;
	SaTimeT sent, reply_sent;
	SaNameT name, group;
	SaAisErrorT rc;
	struct replier replier;
	pthread_t thread;
	char buf[16];

	sa_name_printf(&name, "openais_habits_msg_%d", pid);
	sa_name_printf(&group, "openais_habits_group_%d", pid);
	CHECK("msg_initialize_null_callbacks", saMsgInitialize(&h, NULL, &version), SA_AIS_OK);
	CHECK("msg_selection_object", saMsgSelectionObjectGet(h, &fd), SA_AIS_OK);
	RETRY_AIS(rc, saMsgQueueOpen(h, &name, &attributes, SA_MSG_QUEUE_CREATE, 0, &q));
	CHECK("msg_queue_open_timeout_0", rc, SA_AIS_OK);
	CHECK("msg_queue_open_async_without_callback", saMsgQueueOpenAsync(h, 1, &name, NULL, 0), SA_AIS_ERR_INIT);
	CHECK("msg_queue_status", saMsgQueueStatusGet(h, &name, &status), SA_AIS_OK);
	memset(&m, 0, sizeof(m));
	m.size = 5;
	m.data = "hello";
	/* senderName NULL; openais never looked at the send's timeout */
	RETRY_AIS(rc, saMsgMessageSend(h, &name, &m, 0));
	CHECK("msg_send_timeout_0", rc, SA_AIS_OK);
	/* data NULL: the library allocates */
	memset(&got, 0, sizeof(got));
	RETRY_AIS(rc, saMsgMessageGet(q, &got, &sent, &sender, SA_TIME_END));
	CHECK("msg_get_allocated", rc, SA_AIS_OK);
	check_true("msg_get_data", rc == SA_AIS_OK && got.size == 5 && got.data != NULL && memcmp(got.data, "hello", 5) == 0,
		   "the message read differs from the one sent");
	free(got.data);
	/* a get of 0 on an empty queue: nothing came within no time */
	memset(&got, 0, sizeof(got));
	CHECK("msg_get_timeout_0_empty", saMsgMessageGet(q, &got, &sent, &sender, 0), SA_AIS_ERR_TIMEOUT);
	CHECK("msg_send_async_no_ack", saMsgMessageSendAsync(h, 2, &name, &m, 0), SA_AIS_OK);
	CHECK("msg_send_async_ack_without_callback",
	      saMsgMessageSendAsync(h, 3, &name, &m, SA_MSG_MESSAGE_DELIVERED_ACK), SA_AIS_ERR_INIT);
	memset(&got, 0, sizeof(got));
	RETRY_AIS(rc, saMsgMessageGet(q, &got, &sent, &sender, SA_TIME_ONE_SECOND * 10));
	CHECK("msg_get_async_sent", rc, SA_AIS_OK);
	free(got.data);

	/*
	 * send-receive, answered from another thread: first with a reply of
	 * timeout 0, then asynchronously (no acknowledgement, so the
	 * delivered callback, NULL here, is not needed)
	 */
	CHECK("msg_initialize_2", saMsgInitialize(&h2, NULL, &version), SA_AIS_OK);
	for (replier.async = 0; replier.async <= 1; replier.async++) {
		const char *tag = replier.async ? "async" : "sync";

		replier.queue = q;
		replier.handle = h2;
		replier.got = replier.replied = SA_AIS_ERR_LIBRARY;
		if (pthread_create(&thread, NULL, msg_replier, &replier) != 0) {
			check_fail("msg_send_receive_%s: pthread_create failed", tag);
			continue;
		}
		memset(&request, 0, sizeof(request));
		request.size = 3;
		request.data = "ask";
		memset(&reply, 0, sizeof(reply));
		reply.size = sizeof(buf);
		reply.data = buf;
		/* openais never looked at this timeout either */
		rc = saMsgMessageSendReceive(h, &name, &request, &reply, &reply_sent, 0);
		pthread_join(thread, NULL);
		CHECK_PREFIXED("msg_send_receive_timeout_0", tag, rc, SA_AIS_OK);
		CHECK_PREFIXED("msg_get_request", tag, replier.got, SA_AIS_OK);
		CHECK_PREFIXED("msg_reply_timeout_0", tag, replier.replied, SA_AIS_OK);
		check_true(replier.async ? "msg_reply_data_async" : "msg_reply_data",
			   rc == SA_AIS_OK && reply.size == 5 && memcmp(buf, "reply", 5) == 0,
			   "the reply differs from the one sent");
	}
	CHECK("msg_finalize_2", saMsgFinalize(h2), SA_AIS_OK);
	CHECK("msg_cancel_no_waiter", saMsgMessageCancel(q), SA_AIS_ERR_NOT_EXIST);

	RETRY_AIS(rc, saMsgQueueGroupCreate(h, &group, SA_MSG_QUEUE_GROUP_ROUND_ROBIN));
	CHECK("msg_group_create", rc, SA_AIS_OK);
	RETRY_AIS(rc, saMsgQueueGroupInsert(h, &group, &name));
	CHECK("msg_group_insert", rc, SA_AIS_OK);
	/* a NULL notification array: the library allocates it */
	memset(&members, 0, sizeof(members));
	CHECK("msg_group_track_current", saMsgQueueGroupTrack(h, &group, SA_TRACK_CURRENT, &members), SA_AIS_OK);
	CHECK("msg_group_track_current_members", members.numberOfItems, 1);
	free(members.notification);
	CHECK("msg_group_track_changes_without_callback",
	      saMsgQueueGroupTrack(h, &group, SA_TRACK_CHANGES, NULL), SA_AIS_ERR_INIT);
	CHECK("msg_group_track_stop_not_tracking", saMsgQueueGroupTrackStop(h, &group), SA_AIS_ERR_NOT_EXIST);
	RETRY_AIS(rc, saMsgQueueGroupRemove(h, &group, &name));
	CHECK("msg_group_remove", rc, SA_AIS_OK);
	RETRY_AIS(rc, saMsgQueueGroupDelete(h, &group));
	CHECK("msg_group_delete", rc, SA_AIS_OK);
	CHECK("msg_dispatch_all", saMsgDispatch(h, SA_DISPATCH_ALL), SA_AIS_OK);
	CHECK("msg_queue_close", saMsgQueueClose(q), SA_AIS_OK);
	RETRY_AIS(rc, saMsgQueueUnlink(h, &name));
	CHECK("msg_queue_unlink", rc, SA_AIS_OK);
	CHECK("msg_finalize", saMsgFinalize(h), SA_AIS_OK);
}

/* ------------------------------------------------------------------ EVS */

static evs_handle_t evs_h;
static int evs_delivered, evs_nested_dispatch = -1;

static void evs_deliver_cb(unsigned int nodeid, void *m, int len)
{
	(void)nodeid;
	if (len == 10 && memcmp(m, "evs habits", 10) == 0)
		evs_delivered++;
	evs_nested_dispatch = evs_dispatch(evs_h, EVS_DISPATCH_ALL);
}

static void evs(void)
{
	/* the configuration change callback is NULL */
	evs_callbacks_t callbacks = { evs_deliver_cb, NULL };
	struct evs_group g;
	struct iovec iov = { (void *)"evs habits", 10 };
	unsigned int me = 0, members[64], n = 64;
	long long deadline;
	int fd = -1;
	evs_error_t rc;

	memset(&g, 0, sizeof(g));
	snprintf(g.key, sizeof(g.key), "habits%d", pid);
	CHECK("evs_initialize", evs_initialize(&evs_h, &callbacks), EVS_OK);
	CHECK("evs_fd_get", evs_fd_get(evs_h, &fd), EVS_OK);
	CHECK("evs_join", evs_join(evs_h, &g, 1), EVS_OK);
	RETRY(rc, evs_mcast_joined(evs_h, EVS_TYPE_AGREED, &iov, 1), EVS_ERR_TRY_AGAIN, TRIES, 100);
	CHECK("evs_mcast_joined", rc, EVS_OK);
	RETRY(rc, evs_mcast_groups(evs_h, EVS_TYPE_AGREED, &g, 1, &iov, 1), EVS_ERR_TRY_AGAIN, TRIES, 100);
	CHECK("evs_mcast_groups", rc, EVS_OK);
	deadline = now_ms() + 10000;
	while (evs_delivered < 2 && now_ms() < deadline && readable(fd, 1000))
		if (evs_dispatch(evs_h, EVS_DISPATCH_ONE) != EVS_OK)
			break;
	CHECK("evs_delivered", evs_delivered, 2);
	CHECK("evs_dispatch_from_callback", evs_nested_dispatch, EVS_OK);
	CHECK("evs_membership_get", evs_membership_get(evs_h, &me, members, &n), EVS_OK);
	check_true("evs_membership_has_this_node", n >= 1 && me != 0, "no member listed");
	CHECK("evs_leave", evs_leave(evs_h, &g, 1), EVS_OK);
	CHECK("evs_finalize", evs_finalize(evs_h), EVS_OK);
}

/* ------------------------------------------------------------------ CPG */

static cpg_handle_t cpg_h;
static int cpg_delivered, cpg_nested_dispatch = -1;

static void cpg_deliver_cb(cpg_handle_t handle, struct cpg_name *group, uint32_t nodeid, uint32_t from_pid,
			   void *m, int len)
{
	(void)handle;
	(void)group;
	(void)nodeid;
	if ((int)from_pid == pid && len == 10 && memcmp(m, "cpg habits", 10) == 0)
		cpg_delivered++;
	cpg_nested_dispatch = cpg_dispatch(cpg_h, CPG_DISPATCH_ALL);
}

static void cpg(void)
{
	/* the configuration change callback is NULL */
	cpg_callbacks_t callbacks = { cpg_deliver_cb, NULL };
	struct cpg_name g;
	struct cpg_address members[64];
	struct iovec iov = { (void *)"cpg habits", 10 };
	cpg_flow_control_state_t flow = CPG_FLOW_CONTROL_ENABLED;
	unsigned int me = 0;
	void *context = NULL;
	long long deadline;
	int fd = -1, n = 64;
	cpg_error_t rc;

	memset(&g, 0, sizeof(g));
	g.length = (uint32_t)snprintf(g.value, sizeof(g.value), "habits%d", pid);
	CHECK("cpg_initialize", cpg_initialize(&cpg_h, &callbacks), CPG_OK);
	CHECK("cpg_context_set", cpg_context_set(cpg_h, &callbacks), CPG_OK);
	CHECK("cpg_context_get", cpg_context_get(cpg_h, &context), CPG_OK);
	check_true("cpg_context_is_kept", context == (void *)&callbacks, "another context came back");
	CHECK("cpg_fd_get", cpg_fd_get(cpg_h, &fd), CPG_OK);
	RETRY(rc, cpg_join(cpg_h, &g), CPG_ERR_TRY_AGAIN, TRIES, 100);
	CHECK("cpg_join", rc, CPG_OK);
	CHECK("cpg_local_get", cpg_local_get(cpg_h, &me), CPG_OK);
	/* cpgbench's loop: send while flow control is off, dispatch always */
	deadline = now_ms() + 10000;
	while (now_ms() < deadline) {
		CHECK("cpg_flow_control_state_get", cpg_flow_control_state_get(cpg_h, &flow), CPG_OK);
		if (flow == CPG_FLOW_CONTROL_DISABLED) {
			rc = cpg_mcast_joined(cpg_h, CPG_TYPE_AGREED, &iov, 1);
			if (rc == CPG_OK)
				break;
			if (rc != CPG_ERR_TRY_AGAIN) {
				CHECK("cpg_mcast_joined", rc, CPG_OK);
				break;
			}
		}
		if (readable(fd, 100))
			cpg_dispatch(cpg_h, CPG_DISPATCH_ALL);
	}
	while (cpg_delivered == 0 && now_ms() < deadline && readable(fd, 1000))
		if (cpg_dispatch(cpg_h, CPG_DISPATCH_ONE) != CPG_OK)
			break;
	CHECK("cpg_delivered", cpg_delivered, 1);
	CHECK("cpg_dispatch_from_callback", cpg_nested_dispatch, CPG_OK);
	RETRY(rc, cpg_membership_get(cpg_h, &g, members, &n), CPG_ERR_TRY_AGAIN, TRIES, 100);
	CHECK("cpg_membership_get", rc, CPG_OK);
	check_true("cpg_membership_has_this_process", n >= 1 && members[0].nodeid != 0, "no member listed");
	RETRY(rc, cpg_leave(cpg_h, &g), CPG_ERR_TRY_AGAIN, TRIES, 100);
	CHECK("cpg_leave", rc, CPG_OK);
	CHECK("cpg_finalize", cpg_finalize(cpg_h), CPG_OK);
}

int main(void)
{
	SaClmHandleT probe;
	SaAisErrorT rc;

	pid = (int)getpid();
	/* an executive that is still settling answers TRY_AGAIN */
	RETRY_AIS(rc, saClmInitialize(&probe, NULL, &version));
	if (rc != SA_AIS_OK) {
		printf("FAIL no executive: saClmInitialize returned %d\n", (int)rc);
		return 1;
	}
	saClmFinalize(probe);
	clm();
	ckpt();
	evt();
	lck();
	msg();
	evs();
	cpg();
	return check_summary();
}
