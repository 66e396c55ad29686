/*
 * http_fixture.h — what the cmocka tests that run an HTTP server of their own
 * share (test_rt_http.c, test_rt_lambda_resend.c): a libmicrohttpd daemon on
 * 127.0.0.1 at a port the kernel picks, and the collecting of each request's
 * body before the handler answers it. Include after <cmocka.h> and
 * <microhttpd.h>.
 */
#ifndef CAIRN_TEST_HTTP_FIXTURE_H
#define CAIRN_TEST_HTTP_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

/* A request's body so far (NUL-terminated once it has any). */
typedef struct upload {
    char *data;
    size_t len;
} upload;

/*
 * The start of a handler: 1 while the request's body is still coming (the
 * handler returns MHD_YES), 0 once it is all in *con_cls's upload.
 */
static int upload_collect(void **con_cls, const char *data, size_t *size)
{
    upload *u = *con_cls;
    if (!u) {
        *con_cls = calloc(1, sizeof *u);
        return 1;
    }
    if (*size) {
        u->data = realloc(u->data, u->len + *size + 1);
        memcpy(u->data + u->len, data, *size);
        u->len += *size;
        u->data[u->len] = '\0';
        *size = 0;
        return 1;
    }
    return 0;
}

/* MHD_OPTION_NOTIFY_COMPLETED: frees the request's upload. */
static void upload_free(void *cls, struct MHD_Connection *c, void **con_cls,
                        enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    upload *u = *con_cls;
    if (u) {
        free(u->data);
        free(u);
    }
    *con_cls = NULL;
}

/* A daemon with handler on 127.0.0.1 (flags besides the internal polling thread), its port in
 * *port; NULL when it cannot start. */
static struct MHD_Daemon *loopback_daemon(unsigned flags, MHD_AccessHandlerCallback handler,
                                          unsigned *port)
{
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = 0; /* the kernel picks a free port */
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct MHD_Daemon *d =
        MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | flags, 0, NULL, NULL,
                         handler, NULL, MHD_OPTION_NOTIFY_COMPLETED, upload_free, NULL,
                         MHD_OPTION_SOCK_ADDR, &addr, MHD_OPTION_END);
    const union MHD_DaemonInfo *info = d ? MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT) : NULL;
    *port = info ? info->port : 0;
    if (d && !*port) {
        MHD_stop_daemon(d);
        d = NULL;
    }
    return d;
}

#endif
