/* link: -lsaClm */
/*
 * clm_errors: the error paths of libSaClm, as a C caller meets them.
 *
 * Argument, version and handle errors need no executive.  The checks that
 * need an open handle are skipped (and counted as skipped) when
 * saClmInitialize cannot reach an executive.  Prints one line per check
 * and closes with "N passed, M failed" (", K skipped"); exits 1 when a
 * check failed.
 */
#define _POSIX_C_SOURCE 200809L

#include <openais/saAis.h>
#include <openais/saClm.h>

#include "sa_checks.h"

static void node_get_callback(SaInvocationT invocation,
			      const SaClmClusterNodeT *node, SaAisErrorT error)
{
	(void)invocation;
	(void)node;
	(void)error;
}

static void track_callback(const SaClmClusterNotificationBufferT *buffer,
			   SaUint32T members, SaAisErrorT error)
{
	(void)buffer;
	(void)members;
	(void)error;
}

static const SaClmCallbacksT callbacks = {
	.saClmClusterNodeGetCallback = node_get_callback,
	.saClmClusterTrackCallback = track_callback,
};

static SaAisErrorT initialize(SaUint64T *handle, SaVersionT *version)
{
	return saClmInitialize(handle, &callbacks, version);
}

static void bad_handle_checks(const char *prefix, SaClmHandleT h)
{
	SaSelectionObjectT so;
	SaClmClusterNodeT node;
	SaClmClusterNotificationT items[4];
	SaClmClusterNotificationBufferT buf;

	buf.viewNumber = 0;
	buf.numberOfItems = 4;
	buf.notification = items;
#define BAD(call_name, expr) CHECK_PREFIXED(prefix, call_name, expr, SA_AIS_ERR_BAD_HANDLE)
	BAD("selection_object_get", saClmSelectionObjectGet(h, &so));
	BAD("dispatch", saClmDispatch(h, SA_DISPATCH_ALL));
	BAD("track_current", saClmClusterTrack(h, SA_TRACK_CURRENT, &buf));
	BAD("track_changes", saClmClusterTrack(h, SA_TRACK_CHANGES, NULL));
	BAD("track_stop", saClmClusterTrackStop(h));
	BAD("node_get", saClmClusterNodeGet(h, SA_CLM_LOCAL_NODE_ID, SA_TIME_ONE_SECOND, &node));
	BAD("node_get_async", saClmClusterNodeGetAsync(h, 1, SA_CLM_LOCAL_NODE_ID));
	BAD("finalize", saClmFinalize(h));
#undef BAD
}

/* checks on an open handle */
static void open_handle_checks(SaClmHandleT h)
{
	SaClmHandleT plain;
	SaVersionT v = { 'B', 1, 1 };
	SaClmCallbacksT none = { NULL, NULL };
	SaClmClusterNodeT node;
	SaClmClusterNotificationT items[2];
	SaClmClusterNotificationBufferT buf;

	CHECK("selection_object_get_null", saClmSelectionObjectGet(h, NULL),
	      SA_AIS_ERR_INVALID_PARAM);
	CHECK("dispatch_flags_zero", saClmDispatch(h, (SaDispatchFlagsT)0),
	      SA_AIS_ERR_INVALID_PARAM);
	CHECK("dispatch_flags_four", saClmDispatch(h, (SaDispatchFlagsT)4),
	      SA_AIS_ERR_INVALID_PARAM);
	CHECK("dispatch_flags_high", saClmDispatch(h, (SaDispatchFlagsT)0x100),
	      SA_AIS_ERR_INVALID_PARAM);

	CHECK("track_flags_zero", saClmClusterTrack(h, 0, NULL), SA_AIS_ERR_BAD_FLAGS);
	CHECK("track_flags_unknown_bit", saClmClusterTrack(h, 0x08, NULL), SA_AIS_ERR_BAD_FLAGS);
	CHECK("track_flags_high_bit_with_changes",
	      saClmClusterTrack(h, 0x80 | SA_TRACK_CHANGES, NULL), SA_AIS_ERR_BAD_FLAGS);
	CHECK("track_changes_and_changes_only",
	      saClmClusterTrack(h, SA_TRACK_CHANGES | SA_TRACK_CHANGES_ONLY, NULL),
	      SA_AIS_ERR_BAD_FLAGS);
	CHECK("track_all_three_flags",
	      saClmClusterTrack(h, SA_TRACK_CURRENT | SA_TRACK_CHANGES | SA_TRACK_CHANGES_ONLY,
				NULL),
	      SA_AIS_ERR_BAD_FLAGS);
	CHECK("track_stop_after_failed_tracks", saClmClusterTrackStop(h), SA_AIS_ERR_NOT_EXIST);

	buf.viewNumber = 0;
	buf.numberOfItems = 0;
	buf.notification = items;
	CHECK("track_current_zero_items", saClmClusterTrack(h, SA_TRACK_CURRENT, &buf),
	      SA_AIS_ERR_INVALID_PARAM);

	CHECK("node_get_null_node",
	      saClmClusterNodeGet(h, SA_CLM_LOCAL_NODE_ID, SA_TIME_ONE_SECOND, NULL),
	      SA_AIS_ERR_INVALID_PARAM);
	CHECK("node_get_zero_timeout", saClmClusterNodeGet(h, SA_CLM_LOCAL_NODE_ID, 0, &node),
	      SA_AIS_ERR_TIMEOUT);
	CHECK("node_get_negative_timeout",
	      saClmClusterNodeGet(h, SA_CLM_LOCAL_NODE_ID, -1, &node), SA_AIS_ERR_TIMEOUT);
	CHECK("node_get_unknown_node",
	      saClmClusterNodeGet(h, 0x7ffffff1, SA_TIME_ONE_SECOND * 5, &node),
	      SA_AIS_ERR_NOT_EXIST);
	CHECK("node_get_local", saClmClusterNodeGet(h, SA_CLM_LOCAL_NODE_ID,
						      SA_TIME_ONE_SECOND * 5, &node), SA_AIS_OK);

	/* a handle without callbacks: what needs one is SA_AIS_ERR_INIT */
	v.releaseCode = 'B';
	v.majorVersion = 1;
	v.minorVersion = 1;
	CHECK("initialize_no_callbacks", saClmInitialize(&plain, &none, &v), SA_AIS_OK);
	CHECK("no_callback_node_get_async", saClmClusterNodeGetAsync(plain, 1, SA_CLM_LOCAL_NODE_ID),
	      SA_AIS_ERR_INIT);
	CHECK("no_callback_track_changes", saClmClusterTrack(plain, SA_TRACK_CHANGES, NULL),
	      SA_AIS_ERR_INIT);
	CHECK("no_callback_track_changes_only",
	      saClmClusterTrack(plain, SA_TRACK_CHANGES_ONLY, NULL), SA_AIS_ERR_INIT);
	CHECK("no_callback_track_current_without_buffer",
	      saClmClusterTrack(plain, SA_TRACK_CURRENT, NULL), SA_AIS_ERR_INIT);
	CHECK("finalize_no_callbacks", saClmFinalize(plain), SA_AIS_OK);

	CHECK("finalize", saClmFinalize(h), SA_AIS_OK);
	bad_handle_checks("finalized", h);
}

int main(void)
{
	check_versions(initialize, 1);
	check_version_refused(initialize, "version_lower_case_release", (SaVersionT){ 'b', 1, 1 }, 1);
	check_no_executive(initialize, "clm-errors");
	bad_handle_checks("never_initialized", (SaClmHandleT)0x5eed0000deadbeefULL);
	bad_handle_checks("zero", (SaClmHandleT)0);
	with_open_handle(initialize, open_handle_checks);
	return check_summary();
}
