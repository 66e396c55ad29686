/*
 * aws_sigv4.h — AWS Signature Version 4 (HMAC-SHA256 from libcrypto) for the
 * requests cairn sends to the Lambda API, and the URI encoding AWS uses.
 *
 * Why not libcurl's CURLOPT_AWS_SIGV4: Debian 12's libcurl 7.88 signs a path
 * that already holds percent-escapes (an ARN, a callback id as one path
 * segment) wrongly. The canonical request here is AWS's, as
 * @smithy/signature-v4 computes it for every service but S3: the path's
 * segments normalised ("." and ".." resolved, empty ones dropped) and
 * URI-encoded once more (so an ARN's `%3A` on the wire is `%253A` in the
 * canonical URI), the query sorted by encoded name, the signed headers
 * lower-cased, trimmed and sorted.
 */
#ifndef CAIRN_AWS_SIGV4_H
#define CAIRN_AWS_SIGV4_H

#include <stddef.h>
#include <stdint.h>

#include "cairn/cairn.h"
#include "error.h"

/* Borrowed strings; session_token NULL or "" when there is none. */
typedef struct aws_credentials {
    const char *access_key_id, *secret_access_key, *session_token;
} aws_credentials;

/* A name and a value, borrowed. */
typedef struct aws_kv {
    const char *name, *value;
} aws_kv;

/* The request to sign, borrowed. */
typedef struct aws_sigv4_request {
    const char *method;
    const char *path;    /* as sent: labels already percent-encoded (aws_uri_encode) */
    const aws_kv *query; /* raw names and values (encoded here) */
    size_t nquery;
    const aws_kv *headers; /* sent and signed: host at least; none of x-amz-date,
                              x-amz-security-token, x-amz-content-sha256, authorization */
    size_t nheaders;
    const void *body; /* NULL: none (hashed as empty) */
    size_t body_len;
} aws_sigv4_request;

/* What signing adds to the request; caller storage, aws_sigv4_signed_cleanup() it. */
typedef struct aws_sigv4_signed {
    char amz_date[17];       /* X-Amz-Date: YYYYMMDDTHHMMSSZ */
    char content_sha256[65]; /* X-Amz-Content-Sha256: hex SHA-256 of the body */
    char *authorization;     /* Authorization (owned) */
    char *canonical_request; /* owned: what was signed, for tests and errors */
} aws_sigv4_signed;

/*
 * Signs r for service in region with c at now_ms (Unix milliseconds; only
 * the second counts). The signed headers are r's, x-amz-content-sha256,
 * x-amz-date and, with a session token, x-amz-security-token; the caller
 * sends those with out's values (the token as given). Returns CAIRN_OK, or
 * CAIRN_ERR_USAGE (missing credentials, region, host; a CR or LF in a header
 * value) or CAIRN_ERR_NOMEM with err set (type Aws.Signing).
 */
int aws_sigv4_sign(const aws_sigv4_request *r, const aws_credentials *c, const char *region,
                   const char *service, int64_t now_ms, aws_sigv4_signed *out, cairn_error *err);
void aws_sigv4_signed_cleanup(aws_sigv4_signed *s);

/*
 * AWS's URI encoding of s[0..len): every byte but A-Z a-z 0-9 - _ . ~ as
 * %XX (upper-case hex), '/' too unless keep_slash. Writes at most cap bytes
 * with a NUL into buf and returns the length it needs without the NUL (so
 * cap too small: call again with the length + 1; buf may be NULL with cap 0).
 */
size_t aws_uri_encode(const char *s, size_t len, int keep_slash, char *buf, size_t cap);

/* The lower-case hex SHA-256 of data[0..len) into hex (65 bytes). Returns 0, or -1. */
int aws_sha256_hex(const void *data, size_t len, char hex[65]);

#endif
