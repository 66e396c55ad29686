/*
 * cli.h — the store commands shared by a host binary and the `cairn` tool:
 * list, status, history (table or --json), with --db / $CAIRN_DB / ./cairn.db.
 */
#ifndef CAIRN_CLI_H
#define CAIRN_CLI_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "cairn/workflow.h"

/*
 * argv[0] is "list", "status" or "history"; prog is the name messages and
 * usage speak as ("cairn", or a host's name). Returns the exit code: 0 done,
 * 1 refused (unknown execution, store error), 2 usage.
 */
int cli_store_command(const char *prog, int argc, char **argv);
/* The same, on a host holding workflows wfs[0..nwfs): list and status also
 * say whether it holds each execution's definition. */
int cli_store_command_host(const char *prog, int argc, char **argv,
                           const cairn_workflow *const *wfs, size_t nwfs);

/*
 * `callback succeed ID [--result JSON | --result-file F]`,
 * `callback fail ID --error-type T --error-message M [--error-data D]`,
 * `callback heartbeat ID` (argv[0] is "callback"). Exit codes: 0 done,
 * 1 refused (unknown or closed callback; the message says which), 2 usage.
 */
int cli_callback_command(const char *prog, int argc, char **argv);

/*
 * cli_events.c: `history EXEC --events` as a table (events: the array
 * engine_events_json builds; returns the exit code), and the retry delays
 * `--timeline` notes: cli_gaps_new indexes the events (NULL: out of memory;
 * it borrows their strings, so it must be freed before them), then
 * cli_gaps_of writes operation op_id's ("retried after 2s, 4s"; "" when
 * none) into buf.
 */
int cli_events_text(const cJSON *events);
typedef struct cli_gaps cli_gaps;
cli_gaps *cli_gaps_new(const cJSON *events);
void cli_gaps_of(const cli_gaps *g, const char *op_id, char *buf, size_t len);
void cli_gaps_free(cli_gaps *g);

/*
 * `stop EXEC [--error-type T --error-message M]` (argv[0] is "stop"): stops
 * an execution (engine_stop). Exit codes: 0 stopped, 1 refused (unknown
 * execution, already ended, store error), 2 usage.
 */
int cli_stop_command(const char *prog, int argc, char **argv);

/* The database path: the --db value if given, else $CAIRN_DB, else "./cairn.db". */
const char *cli_db_path(const char *flag_value);

#endif
