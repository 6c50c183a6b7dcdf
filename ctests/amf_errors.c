/* link: -lSaAmf */
/*
 * amf_errors: the error paths of libSaAmf's healthcheck, passive
 * monitoring and protection group calls, as a C caller meets them.
 *
 * Handle errors need no executive.  The checks that need an open handle
 * are skipped (and counted as skipped) when saAmfInitialize cannot reach
 * an executive; they hold whether AMF is enabled or not, since they name
 * no component or CSI of an amf.conf.  Prints one line per check and
 * closes with "N passed, M failed" (", K skipped"); exits 1 when a check
 * failed.
 */
#define _POSIX_C_SOURCE 200809L

#include <string.h>

#include <openais/saAis.h>
#include <openais/saAmf.h>

#include "sa_checks.h"

static void healthcheck_callback(SaInvocationT invocation, const SaNameT *comp,
				 SaAmfHealthcheckKeyT *key)
{
	(void)invocation;
	(void)comp;
	(void)key;
}

static void pg_callback(const SaNameT *csi, SaAmfProtectionGroupNotificationBufferT *buffer,
			SaUint32T members, SaAisErrorT error)
{
	(void)csi;
	(void)buffer;
	(void)members;
	(void)error;
}

static SaAmfCallbacksT callbacks;

static SaAisErrorT initialize(SaUint64T *handle, SaVersionT *version)
{
	return saAmfInitialize(handle, &callbacks, version);
}

static void set_name(SaNameT *n, const char *s)
{
	n->length = (SaUint16T)strlen(s);
	memcpy(n->value, s, n->length);
}

static SaAmfHealthcheckKeyT key(const char *s, SaUint16T len)
{
	SaAmfHealthcheckKeyT k;

	memset(&k, 0, sizeof(k));
	memcpy(k.key, s, strlen(s) < sizeof(k.key) ? strlen(s) : sizeof(k.key));
	k.keyLen = len;
	return k;
}

static void bad_handle_checks(const char *prefix, SaAmfHandleT h)
{
	SaNameT comp, csi;
	SaAmfHealthcheckKeyT k = key("alive", 5);
	SaAmfProtectionGroupNotificationBufferT buf = { 0, NULL };

	set_name(&comp, "safComp=c,safSu=u,safSg=g,safApp=a");
	set_name(&csi, "safCsi=x,safSi=s,safApp=a");
#define BAD(call_name, expr) CHECK_PREFIXED(prefix, call_name, expr, SA_AIS_ERR_BAD_HANDLE)
	BAD("healthcheck_start", saAmfHealthcheckStart(h, &comp, &k,
		SA_AMF_HEALTHCHECK_COMPONENT_INVOKED, SA_AMF_NO_RECOMMENDATION));
	BAD("healthcheck_confirm", saAmfHealthcheckConfirm(h, &comp, &k, SA_AIS_OK));
	BAD("healthcheck_stop", saAmfHealthcheckStop(h, &comp, &k));
	BAD("pm_start", saAmfPmStart(h, &comp, (SaUint64T)getpid(), 0, SA_AMF_PM_NON_ZERO_EXIT,
				     SA_AMF_NO_RECOMMENDATION));
	BAD("pm_stop", saAmfPmStop(h, &comp, SA_AMF_PM_ALL_PROCESSES, 0, SA_AMF_PM_NON_ZERO_EXIT));
	BAD("pg_track", saAmfProtectionGroupTrack(h, &csi, SA_TRACK_CURRENT, &buf));
	BAD("pg_track_stop", saAmfProtectionGroupTrackStop(h, &csi));
#undef BAD
}

static void open_handle_checks(SaAmfHandleT h)
{
	SaAmfHandleT plain;
	SaVersionT v = { 'B', 1, 1 };
	SaAmfCallbacksT none;
	SaNameT comp, csi;
	SaAmfHealthcheckKeyT k = key("alive", 5), empty = key("", 0), long_key = key("x", 33);
	SaAmfProtectionGroupNotificationT items[2];
	SaAmfProtectionGroupNotificationBufferT buf = { 0, items };
	const SaAmfHealthcheckInvocationT comp_invoked = SA_AMF_HEALTHCHECK_COMPONENT_INVOKED;
	const SaUint64T pid = (SaUint64T)getpid();

	set_name(&comp, "safComp=nobody,safSu=u,safSg=g,safApp=a");
	set_name(&csi, "safCsi=nobody,safSi=s,safApp=a");

	CHECK("healthcheck_start_null_comp", saAmfHealthcheckStart(h, NULL, &k, comp_invoked,
		SA_AMF_NO_RECOMMENDATION), SA_AIS_ERR_INVALID_PARAM);
	CHECK("healthcheck_start_null_key", saAmfHealthcheckStart(h, &comp, NULL, comp_invoked,
		SA_AMF_NO_RECOMMENDATION), SA_AIS_ERR_INVALID_PARAM);
	CHECK("healthcheck_start_empty_key", saAmfHealthcheckStart(h, &comp, &empty, comp_invoked,
		SA_AMF_NO_RECOMMENDATION), SA_AIS_ERR_INVALID_PARAM);
	CHECK("healthcheck_start_key_too_long", saAmfHealthcheckStart(h, &comp, &long_key,
		comp_invoked, SA_AMF_NO_RECOMMENDATION), SA_AIS_ERR_INVALID_PARAM);
	CHECK("healthcheck_start_bad_invocation_type", saAmfHealthcheckStart(h, &comp, &k, 3,
		SA_AMF_NO_RECOMMENDATION), SA_AIS_ERR_INVALID_PARAM);
	CHECK("healthcheck_start_bad_recovery", saAmfHealthcheckStart(h, &comp, &k, comp_invoked,
		0), SA_AIS_ERR_INVALID_PARAM);
	CHECK("healthcheck_start_unknown_comp", saAmfHealthcheckStart(h, &comp, &k, comp_invoked,
		SA_AMF_NO_RECOMMENDATION), SA_AIS_ERR_NOT_EXIST);
	CHECK("healthcheck_confirm_not_started", saAmfHealthcheckConfirm(h, &comp, &k, SA_AIS_OK),
	      SA_AIS_ERR_NOT_EXIST);
	CHECK("healthcheck_stop_not_started", saAmfHealthcheckStop(h, &comp, &k),
	      SA_AIS_ERR_NOT_EXIST);

	CHECK("pm_start_pid_zero", saAmfPmStart(h, &comp, 0, 0, SA_AMF_PM_NON_ZERO_EXIT,
		SA_AMF_NO_RECOMMENDATION), SA_AIS_ERR_INVALID_PARAM);
	CHECK("pm_start_no_errors", saAmfPmStart(h, &comp, pid, 0, 0, SA_AMF_NO_RECOMMENDATION),
	      SA_AIS_ERR_INVALID_PARAM);
	CHECK("pm_start_unknown_error_bit", saAmfPmStart(h, &comp, pid, 0, 8,
		SA_AMF_NO_RECOMMENDATION), SA_AIS_ERR_INVALID_PARAM);
	CHECK("pm_start_bad_depth", saAmfPmStart(h, &comp, pid, -2, SA_AMF_PM_NON_ZERO_EXIT,
		SA_AMF_NO_RECOMMENDATION), SA_AIS_ERR_INVALID_PARAM);
	CHECK("pm_start_unknown_comp", saAmfPmStart(h, &comp, pid, 0, SA_AMF_PM_NON_ZERO_EXIT,
		SA_AMF_NO_RECOMMENDATION), SA_AIS_ERR_NOT_EXIST);
	CHECK("pm_stop_bad_qualifier", saAmfPmStop(h, &comp, 4, (SaInt64T)pid,
		SA_AMF_PM_NON_ZERO_EXIT), SA_AIS_ERR_INVALID_PARAM);
	CHECK("pm_stop_not_monitored", saAmfPmStop(h, &comp, SA_AMF_PM_PROC, (SaInt64T)pid,
		SA_AMF_PM_NON_ZERO_EXIT), SA_AIS_ERR_NOT_EXIST);

	CHECK("pg_track_null_csi", saAmfProtectionGroupTrack(h, NULL, SA_TRACK_CURRENT, &buf),
	      SA_AIS_ERR_INVALID_PARAM);
	CHECK("pg_track_flags_zero", saAmfProtectionGroupTrack(h, &csi, 0, &buf),
	      SA_AIS_ERR_BAD_FLAGS);
	CHECK("pg_track_changes_and_changes_only", saAmfProtectionGroupTrack(h, &csi,
		SA_TRACK_CHANGES | SA_TRACK_CHANGES_ONLY, NULL), SA_AIS_ERR_BAD_FLAGS);
	buf.numberOfItems = 0;
	CHECK("pg_track_current_zero_items", saAmfProtectionGroupTrack(h, &csi, SA_TRACK_CURRENT,
		&buf), SA_AIS_ERR_INVALID_PARAM);
	buf.numberOfItems = 2;
	CHECK("pg_track_unknown_csi", saAmfProtectionGroupTrack(h, &csi, SA_TRACK_CURRENT, &buf),
	      SA_AIS_ERR_NOT_EXIST);
	CHECK("pg_track_stop_not_tracking", saAmfProtectionGroupTrackStop(h, &csi),
	      SA_AIS_ERR_NOT_EXIST);

	/* a handle without callbacks: what needs one is SA_AIS_ERR_INIT */
	memset(&none, 0, sizeof(none));
	CHECK("initialize_no_callbacks", saAmfInitialize(&plain, &none, &v), SA_AIS_OK);
	CHECK("no_callback_amf_invoked_healthcheck", saAmfHealthcheckStart(plain, &comp, &k,
		SA_AMF_HEALTHCHECK_AMF_INVOKED, SA_AMF_NO_RECOMMENDATION), SA_AIS_ERR_INIT);
	CHECK("no_callback_pg_track_changes", saAmfProtectionGroupTrack(plain, &csi,
		SA_TRACK_CHANGES, NULL), SA_AIS_ERR_INIT);
	CHECK("no_callback_pg_track_current_without_buffer", saAmfProtectionGroupTrack(plain, &csi,
		SA_TRACK_CURRENT, NULL), SA_AIS_ERR_INIT);
	CHECK("finalize_no_callbacks", saAmfFinalize(plain), SA_AIS_OK);

	CHECK("finalize", saAmfFinalize(h), SA_AIS_OK);
	bad_handle_checks("finalized", h);
}

int main(void)
{
	callbacks.saAmfHealthcheckCallback = healthcheck_callback;
	callbacks.saAmfProtectionGroupTrackCallback = pg_callback;
	bad_handle_checks("never_initialized", (SaAmfHandleT)0x5eed0000deadbeefULL);
	bad_handle_checks("zero", (SaAmfHandleT)0);
	with_open_handle(initialize, open_handle_checks);
	return check_summary();
}
