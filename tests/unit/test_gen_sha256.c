/*
 * test_gen_sha256.c — the definition hash's SHA-256 (generator/sha256.c, over
 * libcrypto) against the FIPS 180-4 / NIST test vectors, fed whole and in
 * odd-sized pieces; and its contract: final frees, cleanup after final is
 * harmless.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sha256.h"

static void hex_of(const void *data, size_t len, size_t piece, char hex[65])
{
    sha256_ctx c;
    uint8_t out[32];
    const uint8_t *p = data;
    assert_int_equal(sha256_init(&c), 0);
    while (len) {
        size_t n = piece && piece < len ? piece : len;
        sha256_update(&c, p, n);
        p += n;
        len -= n;
    }
    assert_int_equal(sha256_final(&c, out), 0);
    assert_null(c.md);  /* final freed the digest */
    sha256_cleanup(&c); /* and a cleanup after it is harmless */
    sha256_hex(out, hex);
}

static void test_vectors(void **state)
{
    (void)state;
    static const struct {
        const char *msg, *hex;
    } v[] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
        {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrl"
         "mnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        char hex[65];
        for (size_t piece = 0; piece < 8; piece += 3) {
            hex_of(v[i].msg, strlen(v[i].msg), piece, hex);
            assert_string_equal(hex, v[i].hex);
        }
    }
}

/* One million 'a': crosses many blocks; fed in 997-byte pieces. */
static void test_million_a(void **state)
{
    (void)state;
    size_t n = 1000000;
    char *a = malloc(n);
    assert_non_null(a);
    memset(a, 'a', n);
    char hex[65];
    hex_of(a, n, 997, hex);
    free(a);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* 55, 56 and 64 bytes: the padding edge cases (checked with sha256sum). */
static void test_padding_edges(void **state)
{
    (void)state;
    char buf[64];
    memset(buf, 'x', sizeof buf);
    char hex[65];
    hex_of(buf, 55, 0, hex);
    assert_string_equal(hex, "d5e285683cd4efc02d021a5c62014694958901005d6f71e89e0989fac77e4072");
    hex_of(buf, 56, 0, hex);
    assert_string_equal(hex, "04c26261370ee7541549d16dee320c723e3fd14671e66a099afe0a377c16888e");
    hex_of(buf, 64, 7, hex);
    assert_string_equal(hex, "7ce100971f64e7001e8fe5a51973ecdfe1ced42befe7ee8d5fd6219506b5393c");
}

/* A hash given up halfway (the loader's error path) frees its digest with cleanup. */
static void test_cleanup_midway(void **state)
{
    (void)state;
    sha256_ctx c;
    assert_int_equal(sha256_init(&c), 0);
    sha256_update(&c, "abc", 3);
    sha256_cleanup(&c);
    assert_null(c.md);
    uint8_t out[32];
    assert_int_equal(sha256_final(&c, out), -1); /* nothing left to finish */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_million_a),
        cmocka_unit_test(test_padding_edges),
        cmocka_unit_test(test_cleanup_midway),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
