/*
 * strerror.c — cairn_strerror(): a static English name for each cairn_rc.
 * Never allocates, never returns NULL.
 */
#include "cairn/cairn.h"

const char *cairn_strerror(int rc)
{
    switch ((cairn_rc)rc) {
    case CAIRN_OK:
        return "no error";
    case CAIRN_ERR_NOMEM:
        return "out of memory";
    case CAIRN_ERR_USAGE:
        return "bad argument or command line";
    case CAIRN_ERR_STORE:
        return "the store failed or is not a cairn store";
    case CAIRN_ERR_NOT_FOUND:
        return "no such execution, workflow or callback";
    case CAIRN_ERR_INPUT:
        return "input rejected";
    case CAIRN_ERR_DEFINITION:
        return "the execution is pinned to a workflow definition this host does not hold";
    case CAIRN_ERR_CONFLICT:
        return "refused: the object is in the wrong state";
    case CAIRN_ERR_HOOK:
        return "a hook failed";
    case CAIRN_ERR_INTERNAL:
        return "internal error (a bug in cairn)";
    }
    return "unknown error code";
}
