/*
 * kinds.h — the operation kinds of the workflow language and their names:
 * the YAML key of each ("step", "wait_for_callback", ...), which the
 * generator reads and prints and the runtime uses in messages. One table.
 */
#ifndef CAIRN_KINDS_H
#define CAIRN_KINDS_H

typedef enum kind {
    KIND_STEP,
    KIND_WAIT,
    KIND_CALLBACK,
    KIND_AWAIT,
    KIND_WAIT_FOR_CALLBACK,
    KIND_CHOICE,
    KIND_SUCCEED,
    KIND_FAIL,
    KIND_GOTO,     /* since 0.2: an unconditional jump, never journaled */
    KIND_PARALLEL, /* since 0.2: fan-out (DESIGN §3b) */
    KIND_MAP,
    KIND_GROUP,
    KIND_WAIT_FOR_CONDITION,
    KIND_INVOKE,
    KIND_COUNT
} kind;

/* The YAML key of k ("step", ...), or "?" when k is no kind. */
const char *kind_name(kind k);

/* The kind whose YAML key is s, or -1. */
int kind_from_name(const char *s);

/*
 * The word for a journal operation type in messages: "STEP" -> "step",
 * "WAIT" -> "wait", "CALLBACK" -> "callback", "CONTEXT" -> "context"; any
 * other type is returned as it is.
 */
const char *kind_of_journal_type(const char *type);

#endif
