/*
 * Compiles against every generated header together, as a C (c99) or C++
 * program would: types, constants in #if and case labels, initializers,
 * callbacks of the exact prototypes. Built by tests/headers_compile.rs
 * with -Wall -Wextra -Werror; compiling is the test, nothing is linked.
 */
#include <openais/saAis.h>
#include <openais/saClm.h>
#include <openais/saCkpt.h>
#include <openais/saEvt.h>
#include <openais/saAmf.h>
#include <openais/evs.h>
#include <openais/cpg.h>

/* Every header twice: the include guards hold. */
#include <openais/saAis.h>
#include <openais/saClm.h>
#include <openais/saCkpt.h>
#include <openais/saEvt.h>
#include <openais/saAmf.h>
#include <openais/evs.h>
#include <openais/cpg.h>

#include <stddef.h>
#include <string.h>

/* Compile-time assertion usable in C99 and C++ at file scope. */
#define LAYOUT(name, cond) typedef char layout_##name[(cond) ? 1 : -1]

LAYOUT(name_size, sizeof(SaNameT) == 258);
LAYOUT(version_size, sizeof(SaVersionT) == 3);
LAYOUT(clm_node_size, sizeof(SaClmClusterNodeT) == 360);
LAYOUT(clm_node_name, offsetof(SaClmClusterNodeT, nodeName) == 76);
LAYOUT(ckpt_descriptor, sizeof(SaCkptCheckpointDescriptorT) == 56);
LAYOUT(evt_filter, offsetof(SaEvtEventFilterT, filter) == 8);
LAYOUT(amf_csi_descriptor, sizeof(SaAmfCSIDescriptorT) == 544);
LAYOUT(evs_address, sizeof(struct evs_address) == 24);
LAYOUT(cpg_name, sizeof(struct cpg_name) == 132);

#if SA_MAX_NAME_LENGTH != 256 || SA_CLM_MAX_ADDRESS_LENGTH != 64 || CPG_MAX_NAME_LENGTH != 128
#error "constants must be usable in #if"
#endif
#if SA_CKPT_CHECKPOINT_CREATE != 4 || SA_EVT_DATA_MAX_LEN != 65536 || TOTEMIP_ADDRLEN != 16
#error "constants must be usable in #if"
#endif
#if SA_AMF_HEALTHCHECK_KEY_MAX != 32 || EVS_TYPE_AGREED != 2 || CPG_REASON_PROCDOWN != 5
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

/* ---- CLM */

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

/* ---- CKPT */

static void ckpt_open(SaInvocationT invocation, SaCkptCheckpointHandleT checkpoint, SaAisErrorT error)
{
    (void)invocation;
    (void)checkpoint;
    (void)error;
}

static void ckpt_sync(SaInvocationT invocation, SaAisErrorT error)
{
    (void)invocation;
    (void)error;
}

int headers_compile_ckpt(void);

int headers_compile_ckpt(void)
{
    SaCkptCallbacksT callbacks = { ckpt_open, ckpt_sync };
    SaCkptCheckpointCreationAttributesT attributes = {
        SA_CKPT_WR_ALL_REPLICAS, 100000, SA_TIME_END, 2, 20000, 10
    };
    SaCkptSectionIdT section = SA_CKPT_DEFAULT_SECTION_ID;
    SaCkptSectionIdT generated = SA_CKPT_GENERATED_SECTION_ID;
    SaCkptIOVectorElementT element;
    SaAisErrorT (*create)(SaCkptCheckpointHandleT, SaCkptSectionCreationAttributesT *, const void *, SaSizeT)
        = saCkptSectionCreate;
    SaAisErrorT (*write)(SaCkptCheckpointHandleT, const SaCkptIOVectorElementT *, SaUint32T, SaUint32T *)
        = saCkptCheckpointWrite;

    memset(&element, 0, sizeof element);
#ifndef __cplusplus
    element.sectionId = (SaCkptSectionIdT)SA_CKPT_DEFAULT_SECTION_ID;
#else
    element.sectionId = section;
#endif
    (void)callbacks;
    (void)create;
    (void)write;
    return section.idLen == 0 && generated.id == NULL && element.sectionId.idLen == 0
        && attributes.maxSections == 2 && SA_CKPT_SECTIONS_ANY == 5;
}

/* ---- EVT */

static void evt_open(SaInvocationT invocation, SaEvtChannelHandleT channel, SaAisErrorT error)
{
    (void)invocation;
    (void)channel;
    (void)error;
}

static void evt_deliver(SaEvtSubscriptionIdT subscription, SaEvtEventHandleT event, SaSizeT size)
{
    (void)subscription;
    (void)event;
    (void)size;
}

int headers_compile_evt(void);

int headers_compile_evt(void)
{
    static const char lost[] = SA_EVT_LOST_EVENT;
    SaEvtCallbacksT callbacks = { evt_open, evt_deliver };
    SaEvtChannelOpenFlagsT flags = SA_EVT_CHANNEL_PUBLISHER | SA_EVT_CHANNEL_SUBSCRIBER | SA_EVT_CHANNEL_CREATE;
    SaAisErrorT (*attributes_get)(SaEvtEventHandleT, SaEvtEventPatternArrayT *, SaEvtEventPriorityT *, SaTimeT *,
                                  SaNameT *, SaTimeT *, SaEvtEventIdT *) = saEvtEventAttributesGet;

    (void)callbacks;
    (void)attributes_get;
    return flags == 7 && sizeof lost == 26 && SA_EVT_LOWEST_PRIORITY == 3 && SA_EVT_EVENTID_LOST == 1;
}

/* ---- AMF */

static void amf_healthcheck(SaInvocationT invocation, const SaNameT *comp, SaAmfHealthcheckKeyT *key)
{
    (void)invocation;
    (void)comp;
    (void)key;
}

static void amf_terminate(SaInvocationT invocation, const SaNameT *comp)
{
    (void)invocation;
    (void)comp;
}

static void amf_csi_set(SaInvocationT invocation, const SaNameT *comp, SaAmfHAStateT state,
                        SaAmfCSIDescriptorT *descriptor)
{
    (void)invocation;
    (void)comp;
    (void)state;
    (void)descriptor;
}

static void amf_csi_remove(SaInvocationT invocation, const SaNameT *comp, const SaNameT *csi, SaAmfCSIFlagsT flags)
{
    (void)invocation;
    (void)comp;
    (void)csi;
    (void)flags;
}

static void amf_pg_track(const SaNameT *csi, SaAmfProtectionGroupNotificationBufferT *buffer, SaUint32T members,
                         SaAisErrorT error)
{
    (void)csi;
    (void)buffer;
    (void)members;
    (void)error;
}

int headers_compile_amf(void);

int headers_compile_amf(void)
{
    SaAmfCallbacksT callbacks = {
        amf_healthcheck, amf_terminate, amf_csi_set, amf_csi_remove, amf_pg_track, amf_terminate, amf_terminate
    };
    SaAmfCSIDescriptorT descriptor;

    memset(&descriptor, 0, sizeof descriptor);
    descriptor.csiStateDescriptor.standbyDescriptor.standbyRank = 1;
    (void)callbacks;
    return descriptor.csiStateDescriptor.standbyDescriptor.standbyRank == 1
        && SA_AMF_N_WAY_ACTIVE_REDUNDACY_MODEL == 4 && SA_AMF_PROXY_STATUS == 7;
}

/* ---- EVS */

static void evs_deliver(unsigned int nodeid, void *msg, int msg_len)
{
    (void)nodeid;
    (void)msg;
    (void)msg_len;
}

static void evs_confchg(unsigned int *members, int member_count, unsigned int *left, int left_count,
                        unsigned int *joined, int joined_count)
{
    (void)members;
    (void)member_count;
    (void)left;
    (void)left_count;
    (void)joined;
    (void)joined_count;
}

int headers_compile_evs(void);

int headers_compile_evs(void)
{
    evs_callbacks_t callbacks = { evs_deliver, evs_confchg };
    struct evs_group group;
    struct iovec iov;
    evs_error_t (*mcast)(evs_handle_t, evs_guarantee_t, struct evs_group *, int, struct iovec *, int)
        = evs_mcast_groups;

    memset(&group, 0, sizeof group);
    strcpy(group.key, "group");
    iov.iov_base = group.key;
    iov.iov_len = sizeof group.key;
    (void)callbacks;
    (void)mcast;
    return iov.iov_len == 32 && EVS_ERR_TOO_MANY_GROUPS == 30 && EVS_DISPATCH_ONE == 0;
}

/* ---- CPG */

static void cpg_deliver(cpg_handle_t handle, struct cpg_name *group, uint32_t nodeid, uint32_t pid, void *msg,
                        int msg_len)
{
    (void)handle;
    (void)group;
    (void)nodeid;
    (void)pid;
    (void)msg;
    (void)msg_len;
}

static void cpg_confchg(cpg_handle_t handle, struct cpg_name *group, struct cpg_address *members, int member_count,
                        struct cpg_address *left, int left_count, struct cpg_address *joined, int joined_count)
{
    (void)handle;
    (void)group;
    (void)members;
    (void)member_count;
    (void)left;
    (void)left_count;
    (void)joined;
    (void)joined_count;
}

int headers_compile_cpg(void);

int headers_compile_cpg(void)
{
    cpg_callbacks_t callbacks = { cpg_deliver, cpg_confchg };
    struct cpg_name name;
    struct cpg_address members[CPG_MEMBERS_MAX];
    cpg_error_t (*membership)(cpg_handle_t, struct cpg_name *, struct cpg_address *, int *) = cpg_membership_get;

    memset(&name, 0, sizeof name);
    memcpy(name.value, "group", 5);
    name.length = 5;
    members[0].reason = CPG_REASON_JOIN;
    (void)callbacks;
    (void)membership;
    return name.length == 5 && members[0].reason == 1 && CPG_FLOW_CONTROL_ENABLED == 1;
}
