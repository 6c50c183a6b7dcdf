/* link: -lcpg */
/*
 * cpg_errors: the error paths of libcpg, as a C caller meets them.
 *
 * Handle errors need no executive; the checks that need an open handle are
 * skipped (and counted as skipped) when cpg_initialize cannot reach one.
 * Prints one line per check and closes with "N passed, M failed"
 * (", K skipped"); exits 1 when a check failed.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include <openais/cpg.h>

#include "harness.h"

static void name_set(struct cpg_name *n, const char *s)
{
	memset(n, 0, sizeof(*n));
	n->length = strlen(s);
	memcpy(n->value, s, n->length);
}

int main(void)
{
	cpg_handle_t h, bogus = 0x0badc0de12345678ULL;
	struct cpg_name g, other, too_long;
	struct iovec iov = { (void *)"x", 1 }, null_base = { NULL, 4 };
	static char big[(1 << 20) + 1];
	struct iovec big_iov = { big, sizeof(big) };
	struct cpg_address list[4];
	cpg_flow_control_state_t fc;
	unsigned int id;
	void *ctx;
	int fd, n = 4, negative = -1;
	cpg_error_t rc;

	name_set(&g, "cpg_errors");
	name_set(&other, "cpg_errors_other");
	name_set(&too_long, "x");
	too_long.length = CPG_MAX_NAME_LENGTH + 1;
	CHECK("fd_get_bad_handle", cpg_fd_get(bogus, &fd), CPG_ERR_BAD_HANDLE);
	CHECK("finalize_bad_handle", cpg_finalize(bogus), CPG_ERR_BAD_HANDLE);
	CHECK("context_set_bad_handle", cpg_context_set(bogus, NULL), CPG_ERR_BAD_HANDLE);
	CHECK("flow_control_bad_handle", cpg_flow_control_state_get(bogus, &fc),
	      CPG_ERR_BAD_HANDLE);
	CHECK("join_bad_handle", cpg_join(bogus, &g), CPG_ERR_BAD_HANDLE);
	CHECK("initialize_null_handle", cpg_initialize(NULL, NULL), CPG_ERR_INVALID_PARAM);

	RETRY(rc, cpg_initialize(&h, NULL), CPG_ERR_TRY_AGAIN, 21, 100);
	if (rc != CPG_OK) {
		check_skip(20, "with an executive: cpg_initialize returned %d", (int)rc);
		goto done;
	}
	CHECK("fd_get_null", cpg_fd_get(h, NULL), CPG_ERR_INVALID_PARAM);
	CHECK("context_get_null", cpg_context_get(h, NULL), CPG_ERR_INVALID_PARAM);
	CHECK("context_get_initially_null", cpg_context_get(h, &ctx) == CPG_OK && ctx == NULL, 1);
	CHECK("local_get_null", cpg_local_get(h, NULL), CPG_ERR_INVALID_PARAM);
	CHECK("local_get", cpg_local_get(h, &id), CPG_OK);
	CHECK("flow_control_null", cpg_flow_control_state_get(h, NULL), CPG_ERR_INVALID_PARAM);
	CHECK("dispatch_bad_flags", cpg_dispatch(h, 9), CPG_ERR_INVALID_PARAM);
	CHECK("join_null", cpg_join(h, NULL), CPG_ERR_INVALID_PARAM);
	CHECK("join_name_too_long", cpg_join(h, &too_long), CPG_ERR_INVALID_PARAM);
	CHECK("leave_not_joined", cpg_leave(h, &g), CPG_ERR_NOT_EXIST);
	CHECK("mcast_not_joined", cpg_mcast_joined(h, CPG_TYPE_AGREED, &iov, 1), CPG_ERR_NOT_EXIST);
	CHECK("join", cpg_join(h, &g), CPG_OK);
	CHECK("join_second_group", cpg_join(h, &other), CPG_ERR_EXIST);
	CHECK("leave_other_group", cpg_leave(h, &other), CPG_ERR_NOT_EXIST);
	CHECK("mcast_bad_guarantee", cpg_mcast_joined(h, 4, &iov, 1), CPG_ERR_INVALID_PARAM);
	CHECK("mcast_null_base", cpg_mcast_joined(h, CPG_TYPE_AGREED, &null_base, 1),
	      CPG_ERR_INVALID_PARAM);
	CHECK("mcast_too_big", cpg_mcast_joined(h, CPG_TYPE_AGREED, &big_iov, 1),
	      CPG_ERR_INVALID_PARAM);
	CHECK("membership_negative_count", cpg_membership_get(h, &g, list, &negative),
	      CPG_ERR_INVALID_PARAM);
	CHECK("membership_null_name", cpg_membership_get(h, NULL, list, &n), CPG_ERR_INVALID_PARAM);
	CHECK("finalize", cpg_finalize(h), CPG_OK);
done:
	return check_summary();
}
