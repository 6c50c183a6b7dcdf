/*
 * The generated headers are C89, as openais's were: a program built with
 * gcc -std=c89 -pedantic -Werror may include them all (it cannot use the
 * 64-bit SA_TIME_* constants, which need C99's long long).
 */
#include <openais/saAis.h>
#include <openais/saClm.h>
#include <openais/saCkpt.h>
#include <openais/saEvt.h>
#include <openais/saAmf.h>
#include <openais/evs.h>
#include <openais/cpg.h>

int headers_c89(void);

int headers_c89(void)
{
    SaNameT name;
    struct cpg_name group;

    name.length = 0;
    group.length = 0;
    return SA_AIS_OK + (int)name.length + (int)group.length + CPG_OK + EVS_OK;
}
