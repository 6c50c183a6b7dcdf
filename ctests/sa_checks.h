/*
 * sa_checks.h: the checks every SA Forum library's error test makes
 * (clm_errors, ckpt_errors, evt_errors), whatever the service: version
 * negotiation, an executive that is not there, and opening the handle
 * the remaining checks run on; and the calls of a longer story that
 * must succeed (ckpt-wr, ckpt-rd).
 *
 * A test hands over its library's saXxxInitialize as an sa_initialize_fn
 * that passes its callbacks on; every SA Forum library handle is an
 * SaUint64T.
 */
#ifndef CTESTS_SA_CHECKS_H
#define CTESTS_SA_CHECKS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openais/saAis.h>

#include "harness.h"

/* saXxxInitialize(handle, callbacks, version) with the test's callbacks */
typedef SaAisErrorT (*sa_initialize_fn)(SaUint64T *handle, SaVersionT *version);

/*
 * Initialize refuses VERSION with SA_AIS_ERR_VERSION (check NAME) and
 * writes back the version it supports, B.01.xx (check NAME_returns_supported);
 * with MINOR_TOO the minor version must be 01 as well.
 */
static inline void check_version_refused(sa_initialize_fn init, const char *name, SaVersionT version,
					 int minor_too)
{
	SaUint64T handle;
	char returned[96];
	int supported;

	check_code(name, (int)init(&handle, &version), SA_AIS_ERR_VERSION, "initialize");
	snprintf(returned, sizeof(returned), "%s_returns_supported", name);
	supported = version.releaseCode == 'B' && version.majorVersion == 1 &&
		    (!minor_too || version.minorVersion == 1);
	check_true(returned, supported,
		   minor_too ? "version not set to B.01.01" : "version not set to B.01");
}

/*
 * A NULL handle or version is SA_AIS_ERR_INVALID_PARAM, and the versions
 * no B.01.01 library supports are refused (check_version_refused).
 */
static inline void check_versions(sa_initialize_fn init, int minor_too)
{
	static const struct {
		const char *name;
		SaVersionT v;
	} bad[] = {
		{ "version_release_too_low", { 'A', 1, 1 } },
		{ "version_release_too_high", { 'C', 1, 1 } },
		{ "version_major_too_high", { 'B', 2, 1 } },
		{ "version_zero", { 0, 0, 0 } },
	};
	SaUint64T handle;
	SaVersionT v = { 'B', 1, 1 };
	size_t i;

	check_code("initialize_null_handle", (int)init(NULL, &v), SA_AIS_ERR_INVALID_PARAM,
		   "initialize(NULL handle)");
	check_code("initialize_null_version", (int)init(&handle, NULL), SA_AIS_ERR_INVALID_PARAM,
		   "initialize(NULL version)");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		check_version_refused(init, bad[i].name, bad[i].v, minor_too);
}

/*
 * With OPENAIS_IPC_SOCKET naming a socket nobody listens on ("@TAG-nobody-PID"),
 * Initialize answers SA_AIS_ERR_TRY_AGAIN, and within 2 s.  The variable
 * is restored afterwards.
 */
static inline void check_no_executive(sa_initialize_fn init, const char *tag)
{
	const char *saved = getenv("OPENAIS_IPC_SOCKET");
	char *copy = saved ? strdup(saved) : NULL;
	char name[64];
	SaUint64T handle;
	SaVersionT v = { 'B', 1, 1 };
	double t0;

	snprintf(name, sizeof(name), "@%s-nobody-%ld", tag, (long)getpid());
	setenv("OPENAIS_IPC_SOCKET", name, 1);
	t0 = now_seconds();
	check_code("initialize_without_executive_try_again", (int)init(&handle, &v),
		   SA_AIS_ERR_TRY_AGAIN, "initialize");
	check_true("initialize_without_executive_is_prompt", now_seconds() - t0 < 2.0,
		   "took 2 s or more");
	if (copy) {
		setenv("OPENAIS_IPC_SOCKET", copy, 1);
		free(copy);
	} else {
		unsetenv("OPENAIS_IPC_SOCKET");
	}
}

/*
 * A call of a longer story (writing or reading a checkpoint) answered
 * RC, which must be SA_AIS_OK: counted, printed only when it failed.
 * Returns whether it succeeded.
 */
static inline int check_ok(const char *what, SaAisErrorT rc)
{
	if (rc == SA_AIS_OK) {
		check_pass(NULL);
		return 1;
	}
	check_fail("%s: error %u", what, rc);
	return 0;
}

/* Initialize B.01.01, asked again for about a second while no executive answers */
static inline SaAisErrorT sa_initialize_retried(sa_initialize_fn init, SaUint64T *handle)
{
	SaVersionT v = { 'B', 1, 1 };
	SaAisErrorT rc;

	RETRY(rc, init(handle, &v), SA_AIS_ERR_TRY_AGAIN, 5, 200);
	return rc;
}

/*
 * Opens a handle (check "initialize") and runs CHECKS on it; when no
 * executive could be reached they are counted as one skipped check.
 */
static inline void with_open_handle(sa_initialize_fn init, void (*checks)(SaUint64T handle))
{
	SaUint64T handle;
	SaAisErrorT rc = sa_initialize_retried(init, &handle);

	if (rc == SA_AIS_ERR_TRY_AGAIN) {
		check_skip(1, "open_handle_checks: no executive reachable (SA_AIS_ERR_TRY_AGAIN)");
		return;
	}
	check_code("initialize", (int)rc, SA_AIS_OK, "initialize");
	if (rc == SA_AIS_OK)
		checks(handle);
}

#endif /* CTESTS_SA_CHECKS_H */
