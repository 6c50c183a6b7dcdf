/*
 * saCkpt.h: SA Forum AIS B.01.01 Checkpoint Service, openais 0.80 ABI.
 * Generated from libsa/abi/src/ckpt.rs by `make headers`: do not edit.
 */

#ifndef OPENAIS_SACKPT_H
#define OPENAIS_SACKPT_H

#include "saAis.h"

/* Section id initializers, usable as (SaCkptSectionIdT)SA_CKPT_DEFAULT_SECTION_ID. */
/* The only section of a checkpoint created with maxSections == 1. */
#define SA_CKPT_DEFAULT_SECTION_ID { 0, 0 }
/* Asks saCkptSectionCreate to choose the section id. */
#define SA_CKPT_GENERATED_SECTION_ID { 0, 0 }

/**
 * Handle of one checkpoint library instance (from saCkptInitialize).
 */
typedef SaUint64T SaCkptHandleT;

/**
 * Handle of one opened checkpoint.
 */
typedef SaUint64T SaCkptCheckpointHandleT;

/**
 * Result of saCkptCheckpointOpenAsync.
 */
typedef void (*SaCkptCheckpointOpenCallbackT)(SaInvocationT invocation,
                                              SaCkptCheckpointHandleT checkpointHandle,
                                              SaAisErrorT error);

/**
 * Result of saCkptCheckpointSynchronizeAsync.
 */
typedef void (*SaCkptCheckpointSynchronizeCallbackT)(SaInvocationT invocation, SaAisErrorT error);

/**
 * Callbacks a client registers with saCkptInitialize.
 */
typedef struct SaCkptCallbacksT {
    SaCkptCheckpointOpenCallbackT saCkptCheckpointOpenCallback;
    SaCkptCheckpointSynchronizeCallbackT saCkptCheckpointSynchronizeCallback;
} SaCkptCallbacksT;

/**
 * Checkpoint creation flags: update option and collocation.
 */
typedef SaUint32T SaCkptCheckpointCreationFlagsT;

/**
 * Attributes a checkpoint is created with.
 */
typedef struct SaCkptCheckpointCreationAttributesT {
    SaCkptCheckpointCreationFlagsT creationFlags;
    /**
     * Total bytes the checkpoint may hold.
     */
    SaSizeT checkpointSize;
    /**
     * How long an unopened checkpoint survives.
     */
    SaTimeT retentionDuration;
    SaUint32T maxSections;
    SaSizeT maxSectionSize;
    SaSizeT maxSectionIdSize;
} SaCkptCheckpointCreationAttributesT;

/**
 * Checkpoint open flags.
 */
typedef SaUint32T SaCkptCheckpointOpenFlagsT;

/**
 * Status of a checkpoint (saCkptCheckpointStatusGet).
 */
typedef struct SaCkptCheckpointDescriptorT {
    struct SaCkptCheckpointCreationAttributesT checkpointCreationAttributes;
    SaUint32T numberOfSections;
    SaUint32T memoryUsed;
} SaCkptCheckpointDescriptorT;

/**
 * A section id: `idLen` bytes at `id` (the default section has idLen 0).
 */
typedef struct SaCkptSectionIdT {
    SaUint16T idLen;
    SaUint8T *id;
} SaCkptSectionIdT;

/**
 * Attributes a section is created with.
 */
typedef struct SaCkptSectionCreationAttributesT {
    struct SaCkptSectionIdT *sectionId;
    SaTimeT expirationTime;
} SaCkptSectionCreationAttributesT;

/**
 * Which sections a section iteration returns.
 */
typedef uint32_t SaCkptSectionsChosenT;

/**
 * Handle of one section iteration.
 */
typedef SaUint64T SaCkptSectionIterationHandleT;

/**
 * State of a section.
 */
typedef uint32_t SaCkptSectionStateT;

/**
 * A section as a section iteration reports it.
 */
typedef struct SaCkptSectionDescriptorT {
    struct SaCkptSectionIdT sectionId;
    SaTimeT expirationTime;
    SaSizeT sectionSize;
    SaCkptSectionStateT sectionState;
    SaTimeT lastUpdate;
} SaCkptSectionDescriptorT;

/**
 * Byte offset within a section.
 */
typedef SaUint64T SaOffsetT;

/**
 * One element of a read or write vector.
 */
typedef struct SaCkptIOVectorElementT {
    struct SaCkptSectionIdT sectionId;
    /**
     * Data to write, or the buffer to read into (NULL: the library allocates).
     */
    void *dataBuffer;
    SaSizeT dataSize;
    SaOffsetT dataOffset;
    /**
     * Bytes actually read.
     */
    SaSizeT readSize;
} SaCkptIOVectorElementT;

/**
 * Writes update every replica before returning.
 */
#define SA_CKPT_WR_ALL_REPLICAS 1

/**
 * Writes update the active replica before returning.
 */
#define SA_CKPT_WR_ACTIVE_REPLICA 2

/**
 * Writes update the active replica, possibly not atomically.
 */
#define SA_CKPT_WR_ACTIVE_REPLICA_WEAK 4

/**
 * The application chooses the active replica (saCkptActiveReplicaSet).
 */
#define SA_CKPT_CHECKPOINT_COLLOCATED 8

#define SA_CKPT_CHECKPOINT_READ 1

#define SA_CKPT_CHECKPOINT_WRITE 2

#define SA_CKPT_CHECKPOINT_CREATE 4

#define SA_CKPT_SECTION_VALID 1

#define SA_CKPT_SECTION_CORRUPTED 2

#define SA_CKPT_SECTIONS_FOREVER 1

#define SA_CKPT_SECTIONS_LEQ_EXPIRATION_TIME 2

#define SA_CKPT_SECTIONS_GEQ_EXPIRATION_TIME 3

#define SA_CKPT_SECTIONS_CORRUPTED 4

#define SA_CKPT_SECTIONS_ANY 5

#ifdef __cplusplus
extern "C" {
#endif /* __cplusplus */

extern SaAisErrorT saCkptInitialize(SaCkptHandleT *ckptHandle,
                                    const struct SaCkptCallbacksT *callbacks,
                                    SaVersionT *version);

extern SaAisErrorT saCkptSelectionObjectGet(SaCkptHandleT ckptHandle,
                                            SaSelectionObjectT *selectionObject);

extern SaAisErrorT saCkptDispatch(SaCkptHandleT ckptHandle, SaDispatchFlagsT dispatchFlags);

extern SaAisErrorT saCkptFinalize(SaCkptHandleT ckptHandle);

extern SaAisErrorT saCkptCheckpointOpen(SaCkptHandleT ckptHandle,
                                        const SaNameT *checkpointName,
                                        const struct SaCkptCheckpointCreationAttributesT *checkpointCreationAttributes,
                                        SaCkptCheckpointOpenFlagsT checkpointOpenFlags,
                                        SaTimeT timeout,
                                        SaCkptCheckpointHandleT *checkpointHandle);

extern SaAisErrorT saCkptCheckpointOpenAsync(SaCkptHandleT ckptHandle,
                                             SaInvocationT invocation,
                                             const SaNameT *checkpointName,
                                             const struct SaCkptCheckpointCreationAttributesT *checkpointCreationAttributes,
                                             SaCkptCheckpointOpenFlagsT checkpointOpenFlags);

extern SaAisErrorT saCkptCheckpointClose(SaCkptCheckpointHandleT checkpointHandle);

extern SaAisErrorT saCkptCheckpointUnlink(SaCkptHandleT ckptHandle, const SaNameT *checkpointName);

extern SaAisErrorT saCkptCheckpointRetentionDurationSet(SaCkptCheckpointHandleT checkpointHandle,
                                                        SaTimeT retentionDuration);

extern SaAisErrorT saCkptActiveReplicaSet(SaCkptCheckpointHandleT checkpointHandle);

extern SaAisErrorT saCkptCheckpointStatusGet(SaCkptCheckpointHandleT checkpointHandle,
                                             struct SaCkptCheckpointDescriptorT *checkpointStatus);

extern SaAisErrorT saCkptSectionCreate(SaCkptCheckpointHandleT checkpointHandle,
                                       struct SaCkptSectionCreationAttributesT *sectionCreationAttributes,
                                       const void *initialData,
                                       SaSizeT initialDataSize);

extern SaAisErrorT saCkptSectionDelete(SaCkptCheckpointHandleT checkpointHandle,
                                       const struct SaCkptSectionIdT *sectionId);

extern SaAisErrorT saCkptSectionExpirationTimeSet(SaCkptCheckpointHandleT checkpointHandle,
                                                  const struct SaCkptSectionIdT *sectionId,
                                                  SaTimeT expirationTime);

extern SaAisErrorT saCkptSectionIterationInitialize(SaCkptCheckpointHandleT checkpointHandle,
                                                    SaCkptSectionsChosenT sectionsChosen,
                                                    SaTimeT expirationTime,
                                                    SaCkptSectionIterationHandleT *sectionIterationHandle);

extern SaAisErrorT saCkptSectionIterationNext(SaCkptSectionIterationHandleT sectionIterationHandle,
                                              struct SaCkptSectionDescriptorT *sectionDescriptor);

extern SaAisErrorT saCkptSectionIterationFinalize(SaCkptSectionIterationHandleT sectionIterationHandle);

extern SaAisErrorT saCkptCheckpointWrite(SaCkptCheckpointHandleT checkpointHandle,
                                         const struct SaCkptIOVectorElementT *ioVector,
                                         SaUint32T numberOfElements,
                                         SaUint32T *erroneousVectorIndex);

extern SaAisErrorT saCkptSectionOverwrite(SaCkptCheckpointHandleT checkpointHandle,
                                          const struct SaCkptSectionIdT *sectionId,
                                          const void *dataBuffer,
                                          SaSizeT dataSize);

extern SaAisErrorT saCkptCheckpointRead(SaCkptCheckpointHandleT checkpointHandle,
                                        struct SaCkptIOVectorElementT *ioVector,
                                        SaUint32T numberOfElements,
                                        SaUint32T *erroneousVectorIndex);

extern SaAisErrorT saCkptCheckpointSynchronize(SaCkptCheckpointHandleT checkpointHandle,
                                               SaTimeT timeout);

extern SaAisErrorT saCkptCheckpointSynchronizeAsync(SaCkptCheckpointHandleT checkpointHandle,
                                                    SaInvocationT invocation);

#ifdef __cplusplus
}  /* extern "C" */
#endif  /* __cplusplus */

#endif  /* OPENAIS_SACKPT_H */
