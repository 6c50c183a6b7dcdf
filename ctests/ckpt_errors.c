/* link: -lsaCkpt */
/*
 * ckpt_errors: the error paths of libSaCkpt, as a C caller meets them.
 *
 * Argument, version and handle errors need no executive.  The checks that
 * need an open handle are skipped (and counted as skipped) when
 * saCkptInitialize cannot reach an executive.  Prints one line per check
 * and closes with "N passed, M failed" (", K skipped"); exits 1 when a
 * check failed.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openais/saAis.h>
#include <openais/saCkpt.h>

#include "sa_checks.h"
#include "sa_name.h"

static int open_callbacks;
static SaAisErrorT open_error;
static int sync_callbacks;
static SaAisErrorT sync_error;

static void open_callback(SaInvocationT invocation, SaCkptCheckpointHandleT handle,
			  SaAisErrorT error)
{
	(void)invocation;
	(void)handle;
	open_callbacks++;
	open_error = error;
}

static void sync_callback(SaInvocationT invocation, SaAisErrorT error)
{
	(void)invocation;
	sync_callbacks++;
	sync_error = error;
}

static const SaCkptCallbacksT callbacks = {
	.saCkptCheckpointOpenCallback = open_callback,
	.saCkptCheckpointSynchronizeCallback = sync_callback,
};

static SaAisErrorT initialize(SaUint64T *handle, SaVersionT *version)
{
	return saCkptInitialize(handle, &callbacks, version);
}

static void set_name(SaNameT *n, const char *tag)
{
	sa_name_printf(n, "ckpt_errors_%s_%ld", tag, (long)getpid());
}

static void set_attrs(SaCkptCheckpointCreationAttributesT *a, SaUint32T sections,
		      SaSizeT section_size)
{
	memset(a, 0, sizeof(*a));
	a->creationFlags = SA_CKPT_WR_ALL_REPLICAS;
	a->checkpointSize = (SaSizeT)sections * section_size;
	a->retentionDuration = 5 * SA_TIME_ONE_SECOND;
	a->maxSections = sections;
	a->maxSectionSize = section_size;
	a->maxSectionIdSize = 16;
}

static void set_sid(SaCkptSectionIdT *sid, const char *id)
{
	sid->idLen = (SaUint16T)strlen(id);
	sid->id = (SaUint8T *)id;
}

static SaAisErrorT create_section(SaCkptCheckpointHandleT c, const char *id,
				  const void *data, SaSizeT size)
{
	SaCkptSectionIdT sid;
	SaCkptSectionCreationAttributesT sa;

	set_sid(&sid, id);
	sa.sectionId = &sid;
	sa.expirationTime = SA_TIME_END;
	return saCkptSectionCreate(c, &sa, data, size);
}

static const SaCkptCheckpointOpenFlagsT CRW =
	SA_CKPT_CHECKPOINT_CREATE | SA_CKPT_CHECKPOINT_READ | SA_CKPT_CHECKPOINT_WRITE;

/* every call taking a library handle, with a handle that is not one */
static void bad_library_handle_checks(const char *prefix, SaCkptHandleT h)
{
	SaSelectionObjectT so;
	SaNameT n;
	SaCkptCheckpointCreationAttributesT a;
	SaCkptCheckpointHandleT c;

	set_name(&n, "bad");
	set_attrs(&a, 2, 10);
#define BAD(call_name, expr) CHECK_PREFIXED(prefix, call_name, expr, SA_AIS_ERR_BAD_HANDLE)
	BAD("selection_object_get", saCkptSelectionObjectGet(h, &so));
	BAD("dispatch", saCkptDispatch(h, SA_DISPATCH_ALL));
	BAD("open", saCkptCheckpointOpen(h, &n, &a, CRW, SA_TIME_ONE_SECOND, &c));
	BAD("open_async", saCkptCheckpointOpenAsync(h, 1, &n, &a, CRW));
	BAD("unlink", saCkptCheckpointUnlink(h, &n));
	BAD("finalize", saCkptFinalize(h));
#undef BAD
}

/* every call taking a checkpoint handle, with a handle that is not one */
static void bad_checkpoint_handle_checks(const char *prefix, SaCkptCheckpointHandleT c)
{
	SaCkptCheckpointDescriptorT st;
	SaCkptSectionIdT sid;
	SaCkptSectionCreationAttributesT sa;
	SaCkptSectionIterationHandleT it;
	SaCkptIOVectorElementT v;
	SaUint32T bad;
	char buf[4];

	set_sid(&sid, "s");
	sa.sectionId = &sid;
	sa.expirationTime = SA_TIME_END;
	memset(&v, 0, sizeof(v));
	v.sectionId = sid;
	v.dataBuffer = buf;
	v.dataSize = sizeof(buf);
#define BAD(call_name, expr) CHECK_PREFIXED(prefix, call_name, expr, SA_AIS_ERR_BAD_HANDLE)
	BAD("close", saCkptCheckpointClose(c));
	BAD("retention_duration_set", saCkptCheckpointRetentionDurationSet(c, SA_TIME_ONE_SECOND));
	BAD("active_replica_set", saCkptActiveReplicaSet(c));
	BAD("status_get", saCkptCheckpointStatusGet(c, &st));
	BAD("section_create", saCkptSectionCreate(c, &sa, "x", 1));
	BAD("section_delete", saCkptSectionDelete(c, &sid));
	BAD("section_expiration_time_set",
	    saCkptSectionExpirationTimeSet(c, &sid, SA_TIME_END));
	BAD("section_iteration_initialize",
	    saCkptSectionIterationInitialize(c, SA_CKPT_SECTIONS_ANY, 0, &it));
	BAD("write", saCkptCheckpointWrite(c, &v, 1, &bad));
	BAD("section_overwrite", saCkptSectionOverwrite(c, &sid, "x", 1));
	BAD("read", saCkptCheckpointRead(c, &v, 1, &bad));
	BAD("synchronize", saCkptCheckpointSynchronize(c, SA_TIME_ONE_SECOND));
	BAD("synchronize_async", saCkptCheckpointSynchronizeAsync(c, 1));
#undef BAD
}

static void bad_iteration_handle_checks(const char *prefix, SaCkptSectionIterationHandleT it)
{
	SaCkptSectionDescriptorT d;

	CHECK_PREFIXED(prefix, "iteration_next", saCkptSectionIterationNext(it, &d),
		       SA_AIS_ERR_BAD_HANDLE);
	CHECK_PREFIXED(prefix, "iteration_finalize", saCkptSectionIterationFinalize(it),
		       SA_AIS_ERR_BAD_HANDLE);
}

static void open_errors(SaCkptHandleT h)
{
	SaNameT n, longname;
	SaCkptCheckpointCreationAttributesT a, b;
	SaCkptCheckpointHandleT c, c2;

	set_name(&n, "open");
	set_attrs(&a, 2, 100);
	CHECK("open_null_name", saCkptCheckpointOpen(h, NULL, &a, CRW, SA_TIME_ONE_SECOND, &c),
	      SA_AIS_ERR_INVALID_PARAM);
	CHECK("open_null_handle", saCkptCheckpointOpen(h, &n, &a, CRW, SA_TIME_ONE_SECOND, NULL),
	      SA_AIS_ERR_INVALID_PARAM);
	longname = n;
	longname.length = 300;
	CHECK("open_name_too_long",
	      saCkptCheckpointOpen(h, &longname, &a, CRW, SA_TIME_ONE_SECOND, &c),
	      SA_AIS_ERR_INVALID_PARAM);
	CHECK("open_unknown_flag", saCkptCheckpointOpen(h, &n, &a, CRW | 0x10, SA_TIME_ONE_SECOND, &c),
	      SA_AIS_ERR_BAD_FLAGS);
	CHECK("open_create_without_attributes",
	      saCkptCheckpointOpen(h, &n, NULL, CRW, SA_TIME_ONE_SECOND, &c),
	      SA_AIS_ERR_INVALID_PARAM);
	CHECK("open_attributes_without_create",
	      saCkptCheckpointOpen(h, &n, &a, SA_CKPT_CHECKPOINT_READ, SA_TIME_ONE_SECOND, &c),
	      SA_AIS_ERR_INVALID_PARAM);
	b = a;
	b.checkpointSize = 201;
	CHECK("open_size_above_sections", saCkptCheckpointOpen(h, &n, &b, CRW, SA_TIME_ONE_SECOND, &c),
	      SA_AIS_ERR_INVALID_PARAM);
	b = a;
	b.creationFlags = 0;
	CHECK("open_no_update_option", saCkptCheckpointOpen(h, &n, &b, CRW, SA_TIME_ONE_SECOND, &c),
	      SA_AIS_ERR_INVALID_PARAM);
	b = a;
	b.creationFlags = SA_CKPT_WR_ALL_REPLICAS | SA_CKPT_WR_ACTIVE_REPLICA;
	CHECK("open_two_update_options",
	      saCkptCheckpointOpen(h, &n, &b, CRW, SA_TIME_ONE_SECOND, &c), SA_AIS_ERR_INVALID_PARAM);
	b = a;
	b.maxSections = 0;
	b.checkpointSize = 0;
	CHECK("open_zero_sections", saCkptCheckpointOpen(h, &n, &b, CRW, SA_TIME_ONE_SECOND, &c),
	      SA_AIS_ERR_INVALID_PARAM);
	b = a;
	b.retentionDuration = -1;
	CHECK("open_negative_retention",
	      saCkptCheckpointOpen(h, &n, &b, CRW, SA_TIME_ONE_SECOND, &c), SA_AIS_ERR_INVALID_PARAM);
	CHECK("open_missing",
	      saCkptCheckpointOpen(h, &n, NULL, SA_CKPT_CHECKPOINT_READ, SA_TIME_ONE_SECOND, &c),
	      SA_AIS_ERR_NOT_EXIST);
	CHECK("unlink_missing", saCkptCheckpointUnlink(h, &n), SA_AIS_ERR_NOT_EXIST);
	CHECK("unlink_null_name", saCkptCheckpointUnlink(h, NULL), SA_AIS_ERR_INVALID_PARAM);

	CHECK("open_create", saCkptCheckpointOpen(h, &n, &a, CRW, SA_TIME_ONE_SECOND, &c), SA_AIS_OK);
	b = a;
	b.maxSectionIdSize = 4;
	CHECK("open_existing_other_attributes",
	      saCkptCheckpointOpen(h, &n, &b, CRW, SA_TIME_ONE_SECOND, &c2), SA_AIS_ERR_EXIST);
	/* openais ignored the open's timeout and its programs pass 0 */
	CHECK("open_zero_timeout", saCkptCheckpointOpen(h, &n, NULL, SA_CKPT_CHECKPOINT_READ, 0, &c2),
	      SA_AIS_OK);
	CHECK("close_zero_timeout_open", saCkptCheckpointClose(c2), SA_AIS_OK);
	CHECK("retention_negative", saCkptCheckpointRetentionDurationSet(c, -5),
	      SA_AIS_ERR_INVALID_PARAM);
	CHECK("active_replica_not_collocated", saCkptActiveReplicaSet(c), SA_AIS_ERR_BAD_OPERATION);
	CHECK("synchronize_all_replicas", saCkptCheckpointSynchronize(c, SA_TIME_ONE_SECOND),
	      SA_AIS_ERR_BAD_OPERATION);
	/* openais enforced this one: 0 has run out already */
	CHECK("synchronize_zero_timeout", saCkptCheckpointSynchronize(c, 0), SA_AIS_ERR_TIMEOUT);
	CHECK("status_get_null", saCkptCheckpointStatusGet(c, NULL), SA_AIS_ERR_INVALID_PARAM);
	CHECK("unlink", saCkptCheckpointUnlink(h, &n), SA_AIS_OK);
	CHECK("retention_set_after_unlink", saCkptCheckpointRetentionDurationSet(c, SA_TIME_ONE_SECOND),
	      SA_AIS_ERR_BAD_OPERATION);
	CHECK("close", saCkptCheckpointClose(c), SA_AIS_OK);
	CHECK("close_again", saCkptCheckpointClose(c), SA_AIS_ERR_BAD_HANDLE);
	bad_checkpoint_handle_checks("closed", c);
}

static void access_and_section_errors(SaCkptHandleT h)
{
	SaNameT n;
	SaCkptCheckpointCreationAttributesT a;
	SaCkptCheckpointHandleT c, ro, wo;
	SaCkptSectionIdT sid, generated;
	SaCkptSectionCreationAttributesT sa;
	SaCkptIOVectorElementT v[3];
	SaUint32T bad;
	char buf[64], big[101];

	set_name(&n, "sections");
	set_attrs(&a, 3, 100);
	a.checkpointSize = 150;
	a.maxSectionIdSize = 4;
	CHECK("sections_create", saCkptCheckpointOpen(h, &n, &a, CRW, SA_TIME_ONE_SECOND, &c),
	      SA_AIS_OK);
	CHECK("sections_open_read_only",
	      saCkptCheckpointOpen(h, &n, NULL, SA_CKPT_CHECKPOINT_READ, SA_TIME_ONE_SECOND, &ro),
	      SA_AIS_OK);
	CHECK("sections_open_write_only",
	      saCkptCheckpointOpen(h, &n, NULL, SA_CKPT_CHECKPOINT_WRITE, SA_TIME_ONE_SECOND, &wo),
	      SA_AIS_OK);

	CHECK("section_create_null_attributes", saCkptSectionCreate(c, NULL, "x", 1),
	      SA_AIS_ERR_INVALID_PARAM);
	sa.sectionId = NULL;
	sa.expirationTime = SA_TIME_END;
	CHECK("section_create_null_id", saCkptSectionCreate(c, &sa, "x", 1),
	      SA_AIS_ERR_INVALID_PARAM);
	CHECK("section_create_id_too_long", create_section(c, "fives", "x", 1),
	      SA_AIS_ERR_INVALID_PARAM);
	memset(big, 'b', sizeof(big));
	CHECK("section_create_data_too_big", create_section(c, "big", big, sizeof(big)),
	      SA_AIS_ERR_INVALID_PARAM);
	CHECK("section_create_read_only", create_section(ro, "ro", "x", 1), SA_AIS_ERR_ACCESS);
	CHECK("section_create", create_section(c, "s", "data", 4), SA_AIS_OK);
	CHECK("section_create_existing", create_section(c, "s", "more", 4), SA_AIS_ERR_EXIST);

	/* a generated id comes back in memory the caller frees */
	generated.idLen = 0;
	generated.id = NULL;
	sa.sectionId = &generated;
	CHECK("section_create_generated", saCkptSectionCreate(c, &sa, "g", 1), SA_AIS_OK);
	check_true("section_create_generated_id", generated.idLen > 0 && generated.id != NULL,
		   "no id returned");
	CHECK("section_create_third", create_section(c, "t", "x", 1), SA_AIS_OK);
	CHECK("section_create_max_sections", create_section(c, "u", "x", 1), SA_AIS_ERR_NO_SPACE);
	if (generated.id) {
		CHECK("section_delete_generated", saCkptSectionDelete(c, &generated), SA_AIS_OK);
		free(generated.id);
	}
	/* checkpointSize is 150: "t" may take 100 bytes, then "s" no more than 50 */
	set_sid(&sid, "t");
	CHECK("overwrite_within_checkpoint_size", saCkptSectionOverwrite(c, &sid, big, 100), SA_AIS_OK);
	set_sid(&sid, "s");
	CHECK("overwrite_beyond_checkpoint_size", saCkptSectionOverwrite(c, &sid, big, 60),
	      SA_AIS_ERR_NO_SPACE);
	CHECK("overwrite_null_data", saCkptSectionOverwrite(c, &sid, NULL, 1),
	      SA_AIS_ERR_INVALID_PARAM);
	CHECK("overwrite_null_id", saCkptSectionOverwrite(c, NULL, "x", 1), SA_AIS_ERR_INVALID_PARAM);
	CHECK("overwrite_read_only", saCkptSectionOverwrite(ro, &sid, "x", 1), SA_AIS_ERR_ACCESS);
	CHECK("delete_null", saCkptSectionDelete(c, NULL), SA_AIS_ERR_INVALID_PARAM);
	CHECK("delete_read_only", saCkptSectionDelete(ro, &sid), SA_AIS_ERR_ACCESS);
	CHECK("expiration_set_null", saCkptSectionExpirationTimeSet(c, NULL, SA_TIME_END),
	      SA_AIS_ERR_INVALID_PARAM);
	CHECK("expiration_set_read_only", saCkptSectionExpirationTimeSet(ro, &sid, SA_TIME_END),
	      SA_AIS_ERR_ACCESS);

	/* vectors: the failing element is named */
	memset(v, 0, sizeof(v));
	set_sid(&v[0].sectionId, "s");
	v[0].dataBuffer = "AB";
	v[0].dataSize = 2;
	set_sid(&v[1].sectionId, "s");
	v[1].dataBuffer = "CD";
	v[1].dataSize = 2;
	v[1].dataOffset = 99;
	bad = 77;
	CHECK("write_past_max_section_size", saCkptCheckpointWrite(c, v, 2, &bad),
	      SA_AIS_ERR_INVALID_PARAM);
	CHECK("write_past_max_section_size_index", bad, 1);
	set_sid(&v[1].sectionId, "zz");
	v[1].dataOffset = 0;
	bad = 77;
	CHECK("write_missing_section", saCkptCheckpointWrite(c, v, 2, &bad), SA_AIS_ERR_NOT_EXIST);
	CHECK("write_missing_section_index", bad, 1);
	CHECK("write_null_vector", saCkptCheckpointWrite(c, NULL, 1, &bad), SA_AIS_ERR_INVALID_PARAM);
	CHECK("write_read_only", saCkptCheckpointWrite(ro, v, 1, &bad), SA_AIS_ERR_ACCESS);
	memset(buf, 0, sizeof(buf));
	memset(v, 0, sizeof(v));
	set_sid(&v[0].sectionId, "s");
	v[0].dataBuffer = buf;
	v[0].dataSize = sizeof(buf);
	CHECK("read_after_failed_writes", saCkptCheckpointRead(c, v, 1, &bad), SA_AIS_OK);
	check_true("failed_writes_not_applied", v[0].readSize == 4 && memcmp(buf, "data", 4) == 0,
		   "a refused vector was partly written");

	memset(v, 0, sizeof(v));
	set_sid(&v[0].sectionId, "s");
	v[0].dataBuffer = buf;
	v[0].dataSize = sizeof(buf);
	set_sid(&v[1].sectionId, "s");
	v[1].dataBuffer = buf;
	v[1].dataSize = 101;
	bad = 77;
	CHECK("read_size_above_max", saCkptCheckpointRead(c, v, 2, &bad), SA_AIS_ERR_INVALID_PARAM);
	CHECK("read_size_above_max_index", bad, 1);
	v[1].dataSize = 1;
	v[1].dataOffset = 101;
	bad = 77;
	CHECK("read_offset_above_max", saCkptCheckpointRead(c, v, 2, &bad), SA_AIS_ERR_INVALID_PARAM);
	CHECK("read_offset_above_max_index", bad, 1);
	CHECK("read_write_only", saCkptCheckpointRead(wo, v, 1, &bad), SA_AIS_ERR_ACCESS);
	CHECK("read_null_vector", saCkptCheckpointRead(c, NULL, 1, &bad), SA_AIS_ERR_INVALID_PARAM);

	/* a NULL buffer: the library allocates one holding the section */
	memset(v, 0, sizeof(v));
	set_sid(&v[0].sectionId, "s");
	v[0].dataOffset = 1;
	CHECK("read_allocated", saCkptCheckpointRead(c, v, 1, &bad), SA_AIS_OK);
	check_true("read_allocated_data",
		   v[0].dataBuffer != NULL && v[0].readSize == 3 &&
		   memcmp(v[0].dataBuffer, "ata", 3) == 0, "wrong data in allocated buffer");
	free(v[0].dataBuffer);

	CHECK("close_read_only", saCkptCheckpointClose(ro), SA_AIS_OK);
	CHECK("close_write_only", saCkptCheckpointClose(wo), SA_AIS_OK);
	CHECK("sections_close", saCkptCheckpointClose(c), SA_AIS_OK);
	CHECK("sections_unlink", saCkptCheckpointUnlink(h, &n), SA_AIS_OK);
}

static void default_section_errors(SaCkptHandleT h)
{
	SaNameT n;
	SaCkptCheckpointCreationAttributesT a;
	SaCkptCheckpointHandleT c;
	SaCkptSectionIdT def = SA_CKPT_DEFAULT_SECTION_ID;

	set_name(&n, "default");
	set_attrs(&a, 1, 10);
	CHECK("default_create", saCkptCheckpointOpen(h, &n, &a, CRW, SA_TIME_ONE_SECOND, &c),
	      SA_AIS_OK);
	CHECK("default_delete", saCkptSectionDelete(c, &def), SA_AIS_ERR_INVALID_PARAM);
	CHECK("default_expiration_set", saCkptSectionExpirationTimeSet(c, &def, SA_TIME_END),
	      SA_AIS_ERR_INVALID_PARAM);
	CHECK("default_no_room", create_section(c, "x", "x", 1), SA_AIS_ERR_NO_SPACE);
	CHECK("default_overwrite", saCkptSectionOverwrite(c, &def, "0123456789", 10), SA_AIS_OK);
	CHECK("default_overwrite_too_big", saCkptSectionOverwrite(c, &def, "0123456789A", 11),
	      SA_AIS_ERR_INVALID_PARAM);
	CHECK("default_close", saCkptCheckpointClose(c), SA_AIS_OK);
	CHECK("default_unlink", saCkptCheckpointUnlink(h, &n), SA_AIS_OK);
}

static void iteration_errors(SaCkptHandleT h)
{
	SaNameT n;
	SaCkptCheckpointCreationAttributesT a;
	SaCkptCheckpointHandleT c;
	SaCkptSectionIterationHandleT it;
	SaCkptSectionDescriptorT d;

	set_name(&n, "iter");
	set_attrs(&a, 3, 10);
	CHECK("iter_create", saCkptCheckpointOpen(h, &n, &a, CRW, SA_TIME_ONE_SECOND, &c), SA_AIS_OK);
	CHECK("iter_chosen_zero", saCkptSectionIterationInitialize(c, 0, 0, &it),
	      SA_AIS_ERR_INVALID_PARAM);
	CHECK("iter_chosen_six", saCkptSectionIterationInitialize(c, 6, 0, &it),
	      SA_AIS_ERR_INVALID_PARAM);
	CHECK("iter_null_handle", saCkptSectionIterationInitialize(c, SA_CKPT_SECTIONS_ANY, 0, NULL),
	      SA_AIS_ERR_INVALID_PARAM);
	CHECK("iter_initialize", saCkptSectionIterationInitialize(c, SA_CKPT_SECTIONS_ANY, 0, &it),
	      SA_AIS_OK);
	CHECK("iter_next_null", saCkptSectionIterationNext(it, NULL), SA_AIS_ERR_INVALID_PARAM);
	CHECK("iter_next_empty", saCkptSectionIterationNext(it, &d), SA_AIS_ERR_NO_SECTIONS);
	CHECK("iter_close_checkpoint", saCkptCheckpointClose(c), SA_AIS_OK);
	bad_iteration_handle_checks("iter_after_close", it);
	CHECK("iter_unlink", saCkptCheckpointUnlink(h, &n), SA_AIS_OK);
}

static void callback_errors(void)
{
	SaCkptHandleT plain;
	SaVersionT v = { 'B', 1, 1 };
	SaNameT n;
	SaCkptCheckpointCreationAttributesT a;
	SaCkptCheckpointHandleT c;

	set_name(&n, "nocb");
	set_attrs(&a, 2, 10);
	a.creationFlags = SA_CKPT_WR_ACTIVE_REPLICA;
	CHECK("nocb_initialize", saCkptInitialize(&plain, NULL, &v), SA_AIS_OK);
	CHECK("nocb_open_async", saCkptCheckpointOpenAsync(plain, 1, &n, &a, CRW), SA_AIS_ERR_INIT);
	CHECK("nocb_open", saCkptCheckpointOpen(plain, &n, &a, CRW, SA_TIME_ONE_SECOND, &c),
	      SA_AIS_OK);
	CHECK("nocb_synchronize_async", saCkptCheckpointSynchronizeAsync(c, 1), SA_AIS_ERR_INIT);
	CHECK("nocb_synchronize", saCkptCheckpointSynchronize(c, 5 * SA_TIME_ONE_SECOND), SA_AIS_OK);
	CHECK("nocb_unlink", saCkptCheckpointUnlink(plain, &n), SA_AIS_OK);
	CHECK("nocb_finalize", saCkptFinalize(plain), SA_AIS_OK);
	/* finalize closed the checkpoint handle */
	CHECK("nocb_checkpoint_after_finalize", saCkptCheckpointClose(c), SA_AIS_ERR_BAD_HANDLE);
}

/* dispatches H until *COUNTER is no longer 0, 5 s at the most */
static void dispatch_until_called(SaCkptHandleT h, const int *counter)
{
	double end = now_seconds() + 5;

	while (*counter == 0 && now_seconds() < end) {
		saCkptDispatch(h, SA_DISPATCH_ALL);
		sleep_ms(10);
	}
}

static void async_results(SaCkptHandleT h)
{
	SaNameT n;
	SaCkptCheckpointCreationAttributesT a;
	SaCkptCheckpointHandleT c;
	SaSelectionObjectT so;

	set_name(&n, "async");
	set_attrs(&a, 2, 10);
	CHECK("async_selection_object", saCkptSelectionObjectGet(h, &so), SA_AIS_OK);
	CHECK("async_open_missing",
	      saCkptCheckpointOpenAsync(h, 7, &n, NULL, SA_CKPT_CHECKPOINT_READ), SA_AIS_OK);
	dispatch_until_called(h, &open_callbacks);
	CHECK("async_open_missing_callback", open_callbacks, 1);
	CHECK("async_open_missing_error", open_error, SA_AIS_ERR_NOT_EXIST);

	a.creationFlags = SA_CKPT_WR_ACTIVE_REPLICA_WEAK;
	CHECK("async_sync_create", saCkptCheckpointOpen(h, &n, &a, CRW, SA_TIME_ONE_SECOND, &c),
	      SA_AIS_OK);
	CHECK("async_synchronize", saCkptCheckpointSynchronizeAsync(c, 9), SA_AIS_OK);
	dispatch_until_called(h, &sync_callbacks);
	CHECK("async_synchronize_callback", sync_callbacks, 1);
	CHECK("async_synchronize_error", sync_error, SA_AIS_OK);
	CHECK("async_close", saCkptCheckpointClose(c), SA_AIS_OK);
	CHECK("async_unlink", saCkptCheckpointUnlink(h, &n), SA_AIS_OK);
}

/* checks on an open handle */
static void open_handle_checks(SaCkptHandleT h)
{
	CHECK("selection_object_get_null", saCkptSelectionObjectGet(h, NULL),
	      SA_AIS_ERR_INVALID_PARAM);
	CHECK("dispatch_flags_zero", saCkptDispatch(h, (SaDispatchFlagsT)0),
	      SA_AIS_ERR_INVALID_PARAM);
	CHECK("dispatch_flags_four", saCkptDispatch(h, (SaDispatchFlagsT)4),
	      SA_AIS_ERR_INVALID_PARAM);
	open_errors(h);
	access_and_section_errors(h);
	default_section_errors(h);
	iteration_errors(h);
	async_results(h);
	callback_errors();
	CHECK("finalize", saCkptFinalize(h), SA_AIS_OK);
	bad_library_handle_checks("finalized", h);
}

int main(void)
{
	check_versions(initialize, 0);
	check_no_executive(initialize, "ckpt-errors");
	bad_library_handle_checks("never_initialized", (SaCkptHandleT)0x5eed0000deadbeefULL);
	bad_library_handle_checks("zero", (SaCkptHandleT)0);
	bad_checkpoint_handle_checks("never_opened", (SaCkptCheckpointHandleT)0x1234000056780000ULL);
	bad_iteration_handle_checks("never_started", (SaCkptSectionIterationHandleT)42);
	with_open_handle(initialize, open_handle_checks);
	return check_summary();
}
