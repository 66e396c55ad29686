/*
 * cli_aws.h — what the store commands read from AWS with --aws: the
 * documents the SQLite store's report.c builds, made from the Lambda API's
 * answers (cli_aws.c).
 */
#ifndef CAIRN_CLI_AWS_H
#define CAIRN_CLI_AWS_H

#include <cjson/cJSON.h>

#include "aws_lambda.h"
#include "error.h"

/*
 * aws_config_from_env, saying on stderr (as prog) what is missing or wrong.
 * Returns the exit code: 0 (c filled; aws_config_cleanup it), 2 usage (no
 * region, no credentials, a bad endpoint), 1 otherwise.
 */
int cli_aws_config(const char *prog, aws_config *c);

/*
 * GetDurableExecution of arn (with its input and result) as the document
 * `status --json` prints: id (the ARN), workflow (the function's name),
 * version, name, status, input, result, error {type, message, data},
 * created_at, ended_at; what AWS does not say (definition_sha256,
 * updated_at, wake_at, timeout_at, parent) null; and function_arn. NULL
 * with *rc and err on failure (aws_lambda.h's errors).
 */
cJSON *cli_aws_status(const aws_config *c, const char *arn, int *rc, cairn_error *err);

/*
 * Every event of GetDurableExecutionHistory (IncludeExecutionData, every
 * page while NextMarker is set) in order, as AWS sends them but their
 * *Timestamp members (epoch seconds) as RFC 3339, and a failed attempt's
 * RetryDetails given cairn's NextAttemptTimestamp (its time plus
 * NextAttemptDelaySeconds): what `history --events --json` prints. NULL with *rc and err on
 * failure.
 */
cJSON *cli_aws_events(const aws_config *c, const char *arn, int *rc, cairn_error *err);

/*
 * {"execution": status (taken, even on failure), "operations": [...]}: the
 * events folded into one operation each, in the order they first appear,
 * with the members of `history --json` (id, parent_id, name, type,
 * sub_type, status, attempt, started_at, ended_at, next_attempt_at, result,
 * error, callback_id, timeout_at, heartbeat_at). A step whose attempt
 * failed with a retry due is PENDING until next_attempt_at. NULL on OOM.
 */
cJSON *cli_aws_history(cJSON *status, const cJSON *events, int *rc, cairn_error *err);

#endif
