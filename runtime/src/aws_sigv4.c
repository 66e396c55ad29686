/*
 * aws_sigv4.c — AWS Signature Version 4: the canonical request, the string
 * to sign, the signing key and the Authorization header, with SHA-256 and
 * HMAC-SHA256 from OpenSSL's libcrypto.
 *
 * Owns: the strings it builds for one signature (returned in
 * aws_sigv4_signed, or freed before it returns).
 * Never: sends anything, reads the environment or the clock (the caller
 * gives credentials, region and time), caches keys, or lets a secret reach
 * an error message.
 */
#include "aws_sigv4.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "mem.h"

/* ---- a string being built ---- */

typedef struct sb {
    char *s;
    size_t len, cap;
    int oom;
} sb;

static void sb_add(sb *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = mem_realloc(b->s, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void sb_str(sb *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

/* s[0..len) URI-encoded onto b. */
static void sb_encoded(sb *b, const char *s, size_t len, int keep_slash)
{
    char chunk[3 * 64 + 1];
    while (len > 0 && !b->oom) {
        size_t n = len < 64 ? len : 64;
        size_t m = aws_uri_encode(s, n, keep_slash, chunk, sizeof chunk);
        sb_add(b, chunk, m);
        s += n;
        len -= n;
    }
}

/* ---- encodings and digests ---- */

static int unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

size_t aws_uri_encode(const char *s, size_t len, int keep_slash, char *buf, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0, written = 0; /* written: the whole characters that fit, before the NUL */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        int plain = unreserved(c) || (keep_slash && c == '/');
        size_t w = plain ? 1 : 3;
        if (written == n && n + w < cap) {
            if (plain) {
                buf[n] = (char)c;
            } else {
                buf[n] = '%';
                buf[n + 1] = hex[c >> 4];
                buf[n + 2] = hex[c & 15];
            }
            written += w;
        }
        n += w;
    }
    if (cap > 0)
        buf[written] = '\0';
    return n;
}

static void to_hex(const unsigned char *d, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    out[2 * n] = '\0';
}

int aws_sha256_hex(const void *data, size_t len, char hex[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (EVP_Digest(data ? data : "", len, md, &n, EVP_sha256(), NULL) != 1 || n != 32)
        return -1;
    to_hex(md, 32, hex);
    return 0;
}

/* HMAC-SHA256(key, data) into out (32 bytes). Returns 0, or -1. */
static int hmac(const void *key, size_t klen, const char *data, size_t dlen, unsigned char out[32])
{
    unsigned int n = 0;
    if (!HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)data, dlen, out, &n) || n != 32)
        return -1;
    return 0;
}

/* ---- the canonical request ---- */

/*
 * The canonical URI of path as sent: segments split on '/', empty and "."
 * ones dropped, ".." removing the one before, each URI-encoded again; a
 * leading '/' kept, a trailing one kept when a segment remains (as
 * @smithy/signature-v4's getCanonicalPath).
 */
static void canonical_uri(sb *b, const char *path)
{
    size_t n = 0;
    for (const char *p = path; *p; p++)
        n += *p == '/';
    const char **seg = mem_calloc(n + 1, sizeof *seg);
    size_t *seglen = mem_calloc(n + 1, sizeof *seglen);
    if (!seg || !seglen) {
        b->oom = 1;
        goto done;
    }
    size_t k = 0;
    for (const char *p = path;;) {
        size_t len = strcspn(p, "/");
        if (len == 2 && !memcmp(p, "..", 2)) {
            if (k > 0)
                k--;
        } else if (len > 0 && !(len == 1 && *p == '.')) {
            seg[k] = p;
            seglen[k++] = len;
        }
        if (!p[len])
            break;
        p += len + 1;
    }
    if (path[0] == '/')
        sb_str(b, "/");
    for (size_t i = 0; i < k; i++) {
        if (i > 0)
            sb_str(b, "/");
        sb_encoded(b, seg[i], seglen[i], 0);
    }
    size_t plen = strlen(path);
    if (k > 0 && plen > 0 && path[plen - 1] == '/')
        sb_str(b, "/");
done:
    mem_free(seg);
    mem_free(seglen);
}

/* One query pair, encoded. */
typedef struct qpair {
    char *name, *value;
} qpair;

static int by_name_value(const void *a, const void *b)
{
    const qpair *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->value, y->value);
}

static char *encoded_copy(const char *s)
{
    size_t len = strlen(s);
    size_t need = aws_uri_encode(s, len, 0, NULL, 0);
    char *out = mem_malloc(need + 1);
    if (out)
        aws_uri_encode(s, len, 0, out, need + 1);
    return out;
}

/* name=value pairs, each URI-encoded, sorted by encoded name (then value), joined by '&'. */
static void canonical_query(sb *b, const aws_kv *q, size_t n)
{
    qpair *pairs = n ? mem_calloc(n, sizeof *pairs) : NULL;
    if (n && !pairs) {
        b->oom = 1;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        pairs[i].name = encoded_copy(q[i].name);
        pairs[i].value = encoded_copy(q[i].value ? q[i].value : "");
        if (!pairs[i].name || !pairs[i].value)
            b->oom = 1;
    }
    if (!b->oom && n > 1)
        qsort(pairs, n, sizeof *pairs, by_name_value);
    for (size_t i = 0; i < n && !b->oom; i++) {
        if (i > 0)
            sb_str(b, "&");
        sb_str(b, pairs[i].name);
        sb_str(b, "=");
        sb_str(b, pairs[i].value);
    }
    for (size_t i = 0; i < n; i++) {
        mem_free(pairs[i].name);
        mem_free(pairs[i].value);
    }
    mem_free(pairs);
}

/* A header to sign: its lower-case name and its value with runs of blanks as one space, trimmed. */
typedef struct hdr {
    char *name, *value;
} hdr;

static int by_name(const void *a, const void *b)
{
    return strcmp(((const hdr *)a)->name, ((const hdr *)b)->name);
}

static char *lower_copy(const char *s)
{
    char *out = mem_strdup(s);
    for (char *p = out; p && *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return out;
}

static char *trimmed_copy(const char *s)
{
    char *out = mem_malloc(strlen(s) + 1);
    if (!out)
        return NULL;
    size_t n = 0;
    int blank = 0;
    for (const char *p = s; *p; p++) {
        if (*p == ' ' || *p == '\t') {
            blank = 1;
            continue;
        }
        if (blank && n > 0)
            out[n++] = ' ';
        blank = 0;
        out[n++] = *p;
    }
    out[n] = '\0';
    return out;
}

/* ---- signing ---- */

static int has_crlf(const char *s)
{
    return s && strpbrk(s, "\r\n") != NULL;
}

int aws_sigv4_sign(const aws_sigv4_request *r, const aws_credentials *c, const char *region,
                   const char *service, int64_t now_ms, aws_sigv4_signed *out, cairn_error *err)
{
    memset(out, 0, sizeof *out);
    int rc = CAIRN_OK;
    sb canon = {0}, sts = {0}, auth = {0}, signed_list = {0};
    size_t nh = r->nheaders + 3;
    hdr *h = mem_calloc(nh, sizeof *h);
    char *key0 = NULL;
    const char *token = c->session_token && *c->session_token ? c->session_token : NULL;

    if (!c->access_key_id || !*c->access_key_id || !c->secret_access_key ||
        !*c->secret_access_key) {
        err_set(err, "Aws.Signing", "no AWS credentials (an access key id and a secret key)");
        rc = CAIRN_ERR_USAGE;
        goto done;
    }
    if (!region || !*region || !service || !*service || strchr(region, '/') ||
        strchr(service, '/')) {
        err_set(err, "Aws.Signing", "no AWS region or service to sign for");
        rc = CAIRN_ERR_USAGE;
        goto done;
    }
    if (strpbrk(c->access_key_id, "/, \t\r\n") || has_crlf(token)) {
        err_set(err, "Aws.Signing",
                "the AWS access key id or session token holds a character "
                "that cannot go in a header");
        rc = CAIRN_ERR_USAGE;
        goto done;
    }
    if (!h)
        goto oom;

    /* the date */
    time_t secs = (time_t)(now_ms >= 0 ? now_ms / 1000 : (now_ms - 999) / 1000);
    struct tm tm;
    if (!gmtime_r(&secs, &tm) || tm.tm_year < 0 || tm.tm_year > 9999 - 1900 ||
        strftime(out->amz_date, sizeof out->amz_date, "%Y%m%dT%H%M%SZ", &tm) != 16) {
        err_set(err, "Aws.Signing", "the time cannot be written as an AWS date");
        rc = CAIRN_ERR_USAGE;
        goto done;
    }
    char short_date[9];
    memcpy(short_date, out->amz_date, 8);
    short_date[8] = '\0';
    if (aws_sha256_hex(r->body, r->body ? r->body_len : 0, out->content_sha256) != 0)
        goto oom;

    /* the headers to sign: the caller's, then the three signing adds */
    int has_host = 0;
    size_t k = 0;
    for (size_t i = 0; i < r->nheaders; i++, k++) {
        const aws_kv *x = &r->headers[i];
        if (!x->name || !*x->name || strpbrk(x->name, ": \t\r\n") || !x->value ||
            has_crlf(x->value)) {
            err_set(err, "Aws.Signing", "bad header '%.40s' to sign", x->name ? x->name : "");
            rc = CAIRN_ERR_USAGE;
            goto done;
        }
        h[k].name = lower_copy(x->name);
        h[k].value = trimmed_copy(x->value);
        if (!h[k].name || !h[k].value)
            goto oom;
        if (!strcmp(h[k].name, "host") && *h[k].value)
            has_host = 1;
        if (!strcmp(h[k].name, "x-amz-date") || !strcmp(h[k].name, "x-amz-security-token") ||
            !strcmp(h[k].name, "x-amz-content-sha256") || !strcmp(h[k].name, "authorization")) {
            err_set(err, "Aws.Signing", "header '%s' is the signer's to set", h[k].name);
            rc = CAIRN_ERR_USAGE;
            goto done;
        }
    }
    if (!has_host) {
        err_set(err, "Aws.Signing", "a request to sign needs a host header");
        rc = CAIRN_ERR_USAGE;
        goto done;
    }
    h[k].name = mem_strdup("x-amz-content-sha256");
    h[k++].value = mem_strdup(out->content_sha256);
    h[k].name = mem_strdup("x-amz-date");
    h[k++].value = mem_strdup(out->amz_date);
    if (token) {
        h[k].name = mem_strdup("x-amz-security-token");
        h[k++].value = trimmed_copy(token);
    }
    for (size_t i = 0; i < k; i++)
        if (!h[i].name || !h[i].value)
            goto oom;
    qsort(h, k, sizeof *h, by_name);
    for (size_t i = 0; i + 1 < k; i++)
        if (!strcmp(h[i].name, h[i + 1].name)) {
            err_set(err, "Aws.Signing", "header '%s' given twice", h[i].name);
            rc = CAIRN_ERR_USAGE;
            goto done;
        }

    /* the canonical request */
    sb_str(&canon, r->method && *r->method ? r->method : "GET");
    sb_str(&canon, "\n");
    canonical_uri(&canon, r->path && *r->path ? r->path : "/");
    sb_str(&canon, "\n");
    canonical_query(&canon, r->query, r->nquery);
    sb_str(&canon, "\n");
    for (size_t i = 0; i < k; i++) {
        sb_str(&canon, h[i].name);
        sb_str(&canon, ":");
        sb_str(&canon, h[i].value);
        sb_str(&canon, "\n");
        if (i > 0)
            sb_str(&signed_list, ";");
        sb_str(&signed_list, h[i].name);
    }
    sb_str(&canon, "\n");
    sb_str(&canon, signed_list.s ? signed_list.s : "");
    sb_str(&canon, "\n");
    sb_str(&canon, out->content_sha256);
    if (canon.oom || signed_list.oom)
        goto oom;

    /* the string to sign */
    char canon_hash[65];
    if (aws_sha256_hex(canon.s, canon.len, canon_hash) != 0)
        goto oom;
    char scope[256];
    int sl = snprintf(scope, sizeof scope, "%s/%s/%s/aws4_request", short_date, region, service);
    if (sl < 0 || (size_t)sl >= sizeof scope) {
        err_set(err, "Aws.Signing", "the AWS region or service name is too long");
        rc = CAIRN_ERR_USAGE;
        goto done;
    }
    sb_str(&sts, "AWS4-HMAC-SHA256\n");
    sb_str(&sts, out->amz_date);
    sb_str(&sts, "\n");
    sb_str(&sts, scope);
    sb_str(&sts, "\n");
    sb_str(&sts, canon_hash);
    if (sts.oom)
        goto oom;

    /* the signing key: HMAC chain from "AWS4" + secret over date, region, service, aws4_request */
    size_t slen = strlen(c->secret_access_key);
    key0 = mem_malloc(slen + 5);
    if (!key0)
        goto oom;
    memcpy(key0, "AWS4", 4);
    memcpy(key0 + 4, c->secret_access_key, slen + 1);
    unsigned char kd[32], kr[32], ks[32], kk[32], sig[32];
    if (hmac(key0, slen + 4, short_date, 8, kd) != 0 ||
        hmac(kd, 32, region, strlen(region), kr) != 0 ||
        hmac(kr, 32, service, strlen(service), ks) != 0 ||
        hmac(ks, 32, "aws4_request", 12, kk) != 0 || hmac(kk, 32, sts.s, sts.len, sig) != 0)
        goto oom;
    char sig_hex[65];
    to_hex(sig, 32, sig_hex);
    OPENSSL_cleanse(kd, sizeof kd);
    OPENSSL_cleanse(kr, sizeof kr);
    OPENSSL_cleanse(ks, sizeof ks);
    OPENSSL_cleanse(kk, sizeof kk);

    sb_str(&auth, "AWS4-HMAC-SHA256 Credential=");
    sb_str(&auth, c->access_key_id);
    sb_str(&auth, "/");
    sb_str(&auth, scope);
    sb_str(&auth, ", SignedHeaders=");
    sb_str(&auth, signed_list.s);
    sb_str(&auth, ", Signature=");
    sb_str(&auth, sig_hex);
    if (auth.oom)
        goto oom;
    out->authorization = auth.s;
    auth.s = NULL;
    out->canonical_request = canon.s;
    canon.s = NULL;
    goto done;
oom:
    err_set(err, "Aws.Signing", "out of memory");
    rc = CAIRN_ERR_NOMEM;
done:
    for (size_t i = 0; h && i < nh; i++) {
        mem_free(h[i].name);
        mem_free(h[i].value);
    }
    mem_free(h);
    if (key0) {
        OPENSSL_cleanse(key0, strlen(key0));
        mem_free(key0);
    }
    mem_free(canon.s);
    mem_free(sts.s);
    mem_free(auth.s);
    mem_free(signed_list.s);
    if (rc != CAIRN_OK)
        aws_sigv4_signed_cleanup(out);
    return rc;
}

void aws_sigv4_signed_cleanup(aws_sigv4_signed *s)
{
    mem_free(s->authorization);
    mem_free(s->canonical_request);
    memset(s, 0, sizeof *s);
}
