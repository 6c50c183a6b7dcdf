/*
 * Compiles against every generated header together, as a C (c99) or C++
 * program would: types, constants in #if and case labels, callbacks of
 * the exact prototypes. Built by tests/headers_compile.rs with
 * -Wall -Wextra -Werror; compiling is the test, nothing is linked.
 */
#include <openais/saAis.h>
#include <openais/saClm.h>

#include <stddef.h>

/* Compile-time assertion usable in C99 and C++ at file scope. */
#define LAYOUT(name, cond) typedef char layout_##name[(cond) ? 1 : -1]

LAYOUT(name_size, sizeof(SaNameT) == 258);
LAYOUT(version_size, sizeof(SaVersionT) == 3);
LAYOUT(clm_node_size, sizeof(SaClmClusterNodeT) == 360);
LAYOUT(clm_node_name, offsetof(SaClmClusterNodeT, nodeName) == 76);

#if SA_MAX_NAME_LENGTH != 256 || SA_CLM_MAX_ADDRESS_LENGTH != 64
#error "constants must be usable in #if"
#endif

static int ais_error_known(SaAisErrorT error)
{
    switch (error) {
    case SA_AIS_OK:
    case SA_AIS_ERR_LIBRARY:
    case SA_AIS_ERR_TRY_AGAIN:
    case SA_AIS_ERR_SECURITY:
        return 1;
    default:
        return 0;
    }
}

static void clm_node_get(SaInvocationT invocation, const SaClmClusterNodeT *node, SaAisErrorT error)
{
    (void)invocation;
    (void)node;
    (void)error;
}

static void clm_track(const SaClmClusterNotificationBufferT *buffer, SaUint32T members, SaAisErrorT error)
{
    (void)buffer;
    (void)members;
    (void)error;
}

int headers_compile_clm(void);

int headers_compile_clm(void)
{
    SaVersionT version = { 'B', 1, 1 };
    SaClmCallbacksT callbacks = { clm_node_get, clm_track };
    SaClmHandleT handle = SA_HANDLE_INVALID;
    SaClmClusterNotificationBufferT buffer = { 0, 0, NULL };
    SaTimeT timeout = 5 * SA_TIME_ONE_SECOND;
    SaAisErrorT (*initialize)(SaClmHandleT *, const SaClmCallbacksT *, SaVersionT *) = saClmInitialize;
    SaAisErrorT (*track)(SaClmHandleT, SaUint8T, SaClmClusterNotificationBufferT *) = saClmClusterTrack;

    (void)version;
    (void)callbacks;
    (void)buffer;
    (void)initialize;
    (void)track;
    return ais_error_known(SA_AIS_OK) && handle == 0 && timeout == 5000000000LL
        && SA_CLM_LOCAL_NODE_ID == 0xffffffffu && SA_TRACK_CHANGES_ONLY == 4;
}
